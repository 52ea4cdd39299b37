"""The party page's listing approvals and withdrawn consents (issue 17's leftovers) in a real browser, as
tests/test_explorer.py drives it: a holder's approvals by transaction, each in force, revoked or used and until
when, and the signed consent ids it withdrew, in English and Chinese, against a real stack."""
from __future__ import annotations

import pytest
from eth_account import Account
from test_explorer import Page, browser  # noqa: F401 - the browser fixture, shared

from registry.chain.operations import (
    AddParticipant,
    ApproveListing,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    RevokeApproval,
    SetListingPolicy,
    WithdrawConsents,
)
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from tests.conftest import random_registration

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
DAY = 86_400


@pytest.fixture(scope="module")
def approvals(private_stack):
    """Bob holds an operating right and approved three listings on exchange A: one still in force, one revoked,
    one used by a listing; and withdrew two signed consent ids, one of which a listing had already used."""
    s = private_stack
    alice, bob, exchange = s.accounts[1], s.accounts[2], s.accounts[4]
    s.client.execute(AddParticipant(exchange.address, "exchange", "上海数据交易所", "91310000MA1FL70B7K"), ADMIN)
    s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
    asset = s.client.register(random_registration([(alice.address, 7)]), alice).asset_ids[0]
    terms = GrantTerms(bob.address, valid_until=s.chain_time() + 365 * DAY, transferable=True)
    right = s.client.execute(Grant(asset, 3, terms), alice).events[0].args["rightIndex"]
    kept, revoked, used = (ListingRequest(asset, right, f"SDE-WEB-{n}") for n in ("KEPT", "REVOKED", "USED"))
    until = s.chain_time() + 3 * DAY
    for request in (kept, revoked, used):
        s.client.execute(ApproveListing(exchange.address, request, until), bob)
    s.client.execute(RevokeApproval(exchange.address, revoked), bob)
    by_approval = s.client.execute(ListProduct(used, bob.address), exchange).events[0].args["listingId"]
    signed_request = ListingRequest(asset, right, "SDE-WEB-SIGNED")
    consent = s.client.sign(ListingConsent(exchange.address, signed_request), bob, nonce=4242)
    by_consent = s.client.execute(ListProduct.with_consent(signed_request, consent), exchange).events[0].args[
        "listingId"]
    last = s.client.execute(WithdrawConsents.of([4242, 4243])[0], bob)
    s.wait_block(last.block_number)
    return {"holder": bob.address, "exchange": exchange.address, "asset": asset, "by_approval": by_approval,
            "by_consent": by_consent}


@pytest.fixture
def tab(browser, private_stack):  # noqa: F811 - the browser fixture imported above
    opened = Page(browser, private_stack.api_url)
    yield opened
    opened.context.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


def test_the_holder_s_page_shows_its_approvals_and_withdrawn_consents(tab, approvals):
    """Fails on the old explorer: the party page showed neither approvals nor withdrawn consents."""
    tab.open(f"/parties/{approvals['holder']}")
    rows = tab.page.locator("table.listing-approvals tbody tr")
    statuses = rows.locator("[data-approval-status]").evaluate_all(
        "nodes => nodes.map((n) => n.dataset.approvalStatus)")
    assert statuses == ["in_force", "revoked", "used"]
    texts = [r.inner_text() for r in rows.all()]
    assert all("上海数据交易所" in text for text in texts)
    assert "in force" in texts[0] and "revoked" in texts[1]
    assert f"used by listing #{approvals['by_approval']}" in texts[2]
    assert "Listing approvals" in tab.text("main")
    withdrawn = [r.inner_text() for r in tab.page.locator("table.withdrawn-consents tbody tr").all()]
    assert [w.split()[0] for w in withdrawn] == ["4242", "4243"]
    assert f"Already used by listing #{approvals['by_consent']}" in withdrawn[0] and "listing #" not in withdrawn[1]
    tab.shot("party-approvals-en")
    # A party that approved nothing and withdrew nothing has neither section.
    tab.open(f"/parties/{approvals['exchange']}")
    assert tab.page.locator("table.listing-approvals, table.withdrawn-consents").count() == 0


def test_the_sections_speak_chinese(browser, private_stack, approvals):  # noqa: F811
    zh = Page(browser, private_stack.api_url, locale="zh-CN")
    try:
        zh.page.add_init_script("localStorage.setItem('datareg.lang', 'zh')")
        zh.open(f"/parties/{approvals['holder']}")
        main = zh.page.locator("main").inner_text()
        assert "挂牌同意（持有人的链上交易）" in main and "已撤回的签名同意书" in main
        statuses = zh.page.locator("table.listing-approvals [data-approval-status]").all_inner_texts()
        assert statuses == ["有效", "已撤回", "已使用"]
        assert f"撤回前已用于挂牌 #{approvals['by_consent']}" in zh.text("table.withdrawn-consents")
        zh.shot("party-approvals-zh")
    finally:
        zh.context.close()
    assert not zh.errors, zh.errors
