"""The explorer's public-data authorisation pages (issue 21) in a real browser, as tests/test_explorer.py drives it:
/authorisations, /authorisations/{id} and the asset page's public-data section, against a real stack built with the
operations of tests/test_public_data.py (an authority authorises an operator, approves a scenario, the operator binds
its asset, lists it and licenses a second-level operator who derives a product), before and after the authority
revokes the authorisation."""
from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from test_explorer import Page, browser  # noqa: F401 - the Chromium fixture of the explorer's tests
from test_public_data import TRAFFIC, world  # noqa: F401 - the world of the API's tests, built the same way

from registry.chain.operations import (
    AddParticipant,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    RevokeAuthorisation,
    SetListingPolicy,
)
from registry.devchain import DEPLOYER_ACCOUNT, dev_key

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def authorised(world):  # noqa: F811 - the fixture imported above
    """test_public_data's world, and the operator's bound asset listed on an exchange with her consent."""
    s, authorisation, asset, right, derived = world
    alice, exchange = s.accounts[1], s.accounts[4]
    s.client.execute(AddParticipant(exchange.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
    s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)  # the asset is uncertified
    request = ListingRequest(asset, 3, "SZDE-" + asset[2:10])
    consent = s.client.sign(ListingConsent(exchange.address, request), alice)
    listed = s.client.execute(ListProduct.with_consent(request, consent), exchange)
    s.wait_block(listed.block_number)
    return {"s": s, "id": authorisation, "asset": asset, "derived": derived, "gov": s.accounts[5],
            "operator": alice.address, "licensee": s.accounts[2].address,
            "listing": listed.events[0].args["listingId"]}


def _page(browser, s, locale="en-US"):  # noqa: F811
    page = Page(browser, s.api_url, locale=locale)
    if locale.startswith("zh"):
        page.page.add_init_script("localStorage.setItem('datareg.lang', 'zh')")
    return page


def test_the_authorisation_pages_and_the_asset_section_while_in_force(browser, authorised):  # noqa: F811
    """Fails on the old explorer, which had no authorisation pages (/authorisations was not a page)."""
    a = authorised
    tab = _page(browser, a["s"])
    try:
        tab.open("/authorisations")
        rows = tab.page.locator("table.authorisations tbody tr")
        assert rows.count() == 1
        row = rows.nth(0).inner_text()
        assert f"#{a['id']}" in row and "厦门市大数据管理局" in row and TRAFFIC in row and "in force" in row
        assert tab.page.locator("nav.site-nav a[data-nav=authorisations]").get_attribute("aria-current") == "page"
        tab.page.locator(f"table.authorisations a:text('#{a['id']}')").click()
        tab.page.wait_for_url(f"**/authorisations/{a['id']}")
        tab.page.wait_for_selector("main[aria-busy=false]", state="attached")
        assert f"Authorisation #{a['id']}" in tab.text("h1")
        scenarios = tab.text("table.scenarios tbody")
        assert TRAFFIC in scenarios and "approved" in scenarios
        licences = tab.page.locator("table.licences tbody tr")
        assert licences.count() == 1 and "in force" in licences.nth(0).inner_text()
        html = tab.page.locator("main").inner_html()
        assert a["licensee"] in html and a["operator"] in html
        assets = tab.text("table.authorised-assets tbody")
        assert "bound by the operator" in assets and "derived" in assets and "valid" in assets
        hrefs = tab.page.locator("table.authorised-assets a").evaluate_all(
            "links => links.map((l) => l.getAttribute('href'))")
        assert f"/assets/{a['asset']}" in hrefs and f"/assets/{a['derived']}" in hrefs
        listings = tab.text("table.authorised-listings tbody")
        assert f"#{a['listing']}" in listings and "valid" in listings
        tab.shot("authorisation-in-force")
        # The derived asset's page says which authorisation it is under, and links to it.
        tab.open(f"/assets/{a['derived']}")
        section = tab.text("#public-data")
        assert "Public-data authorised operation" in section and "in force" in section
        assert tab.page.locator(".lapsed-note").count() == 0
        tab.page.locator("#public-data a[href^='/authorisations/']").click()
        tab.page.wait_for_url(f"**/authorisations/{a['id']}")
        # An unknown number shows the API's message, not a blank page.
        tab.open("/authorisations/999")
        assert "999" in tab.text("main")
    finally:
        tab.context.close()
    assert not tab.errors, tab.errors


def test_after_the_revocation_every_page_says_it_lapsed_and_why(browser, authorised):  # noqa: F811
    a = authorised
    s = a["s"]
    s.wait_block(s.client.execute(RevokeAuthorisation(a["id"], 2, keccak(text="incident report")),
                                  a["gov"]).block_number)
    en = _page(browser, s)
    try:
        en.open("/authorisations")
        row = en.text("table.authorisations tbody tr")
        assert "revoked" in row and "in force" not in row
        reason = en.page.locator("table.authorisations .revocation-reason").inner_text().strip()
        assert reason  # the authority's reason code, labelled by the vocabulary
        en.open(f"/authorisations/{a['id']}")
        assert "revoked" in en.text("header .badges")
        facts = en.text("main section.card >> nth=0")
        assert "Revocation reason" in facts and reason in facts
        assert "in force" not in en.text("table.licences tbody")
        assets = en.text("table.authorised-assets tbody")
        assert "authorisation revoked" in assets and "valid" not in assets.replace("no longer valid", "")
        assert "public-data authorisation lapsed" in en.text("table.authorised-listings tbody")
        en.shot("authorisation-revoked")
        en.open(f"/assets/{a['asset']}")
        assert "revoked" in en.text("#public-data") and reason in en.text("#public-data")
        assert "has lapsed" in en.text(".lapsed-note")
    finally:
        en.context.close()
    assert not en.errors, en.errors
    zh = _page(browser, s, "zh-CN")
    try:
        zh.open(f"/authorisations/{a['id']}")
        main = zh.text("main")
        assert "授权" in zh.text("h1") and "已撤销" in main and "撤销原因" in main and "场景审定" in main
        assert "二级开发许可" in main and "公共数据授权已撤销" in main
        assert zh.text("nav.site-nav a[data-nav=authorisations]") == "授权运营"
        zh.open(f"/assets/{a['derived']}")
        assert "公共数据授权运营" in zh.text("#public-data") and "已失效" in zh.text(".lapsed-note")
        zh.shot("authorisation-revoked-zh")
    finally:
        zh.context.close()
    assert not zh.errors, zh.errors
