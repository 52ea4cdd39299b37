"""The explorer's finance records (issue 21) in Chromium, on a real stack (tests/finance_world.py): a holder records
an accounting commitment naming its auditor, a capital contribution it then releases and a data trust with a
beneficiary; the asset page shows each remark (kind with the vocabulary's labels, counterparties, term, in force or
ended) and each commitment (holder, auditor, revision, commitment) but never the private accounting document, and
says whether a personal-information basis was given without showing it; the history reads the finance events by
their own rules. Each test fails on the explorer before this change, which showed none of it and labelled a
remark's kind as an appraisal's.
"""
from __future__ import annotations

import pytest
from finance_world import ACCOUNTING, HOSPITAL, build_finance_world
from test_explorer import _CLIPPED, TIMEOUT_MS, Page, browser  # noqa: F401  (the browser fixture)

BASIS_EVIDENCE = HOSPITAL["personal_information_basis"]["evidence_cid"]
#: The trust's term as the API writes it (UTC), in the <time> elements' datetime.
TRUST_FROM, TRUST_UNTIL = "2026-09-21T14:13:20Z", "2029-11-22T00:00:00Z"


@pytest.fixture(scope="module")
def world(private_stack, tmp_path_factory):
    return build_finance_world(private_stack, tmp_path_factory.mktemp("finance-explorer"))


@pytest.fixture
def tab(browser, private_stack):  # noqa: F811
    opened = Page(browser, private_stack.api_url)
    yield opened
    opened.context.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


def _zh(tab: Page) -> None:
    tab.page.locator("#lang-switch").click()
    tab.page.wait_for_selector("html[lang=zh-CN] main[aria-busy=false]", state="attached")


def _never_the_private_document(tab: Page, world) -> None:
    """Neither the accounting document's content nor a link that would fetch it, nor the basis of processing."""
    html = tab.page.content()
    for secret in (world.secret, ACCOUNTING["cost_basis"][0]["item"], ACCOUNTING["notes"], BASIS_EVIDENCE):
        assert secret not in html, secret
    assert tab.page.locator(f"a[href*='{world.accounting_cid}'], a[href*='/accounting']").count() == 0


def test_the_asset_page_shows_finance_remarks_and_accounting_commitments(tab, world):
    tab.open(f"/assets/{world.asset}")
    rows = tab.page.locator("#finance-remarks table.finance-remarks tbody tr")
    assert rows.count() == 2
    contribution, trust = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    # The contribution: its kind in English with the Chinese term, the investee, no fixed end, released.
    assert "capital contribution" in contribution and "作价出资" in contribution
    assert "investee" in contribution and world.investee[:6] in contribution
    assert "no fixed end" in contribution and "released" in contribution and "in force" not in contribution
    assert rows.nth(0).locator(f"a[href='/v1/content/{world.release_cid}']").count() == 1  # the release's evidence
    # The trust: the trustee and its beneficiary, its term, in force.
    assert "data trust" in trust and "数据信托" in trust and "in force" in trust
    assert "trustee" in trust and world.trustee[:6] in trust
    assert "beneficiary" in trust and world.beneficiary[:6] in trust
    for moment in (TRUST_FROM, TRUST_UNTIL):
        assert rows.nth(1).locator(f"time[datetime='{moment}']").count() == 1, moment
    assert rows.nth(1).locator(f"a[href='/v1/content/{world.agreement_cid}']").count() == 1  # the agreement

    # The accounting commitment: holder, auditor, revision and commitment; the document said to be private.
    records = tab.page.locator("#accounting-records table.accounting-records tbody tr")
    assert records.count() == 1
    record = records.first
    cells = [record.locator("td").nth(i).inner_text() for i in range(4)]
    assert world.holder[-4:] in cells[0] and world.auditor[-4:] in cells[1] and cells[2] == "1"
    assert record.locator(f"code[data-full='{world.accounting_cid}']").count() == 1
    private = tab.text("#accounting-private")
    assert "private to the holder and the auditor it names" in private and "never its content" in private

    # The personal-information basis: given, not shown.
    basis = tab.page.locator("#pi-basis")
    assert basis.get_attribute("data-given") == "true" and "given" in basis.inner_text()
    assert "registration's parties only" in basis.inner_text()
    _never_the_private_document(tab, world)

    # The counterparties, beneficiary and auditor are among the asset's parties, with what they are to it.
    parties = tab.text("ul.parties")
    for address, role in ((world.investee, "Investee"), (world.trustee, "Trustee"),
                          (world.beneficiary, "Beneficiary"), (world.auditor, "Auditor")):
        line = next(li for li in parties.splitlines() if address in li)
        assert role in line, (address, line)
    tab.shot("asset-finance-en")

    _zh(tab)
    zh_rows = tab.page.locator("#finance-remarks table.finance-remarks tbody tr")
    assert "作价出资" in zh_rows.nth(0).inner_text() and "已解除" in zh_rows.nth(0).inner_text()
    assert "被投资企业" in zh_rows.nth(0).inner_text() and "无固定期限" in zh_rows.nth(0).inner_text()
    assert "数据信托" in zh_rows.nth(1).inner_text() and "存续中" in zh_rows.nth(1).inner_text()
    assert "受托人" in zh_rows.nth(1).inner_text() and "受益人" in zh_rows.nth(1).inner_text()
    assert "capital contribution" not in tab.text("#finance-remarks")
    assert "仅限持有人及其指定的审计机构查阅" in tab.text("#accounting-private")
    assert "已提供" in tab.text("#pi-basis")
    _never_the_private_document(tab, world)
    tab.shot("asset-finance-zh")


def test_a_basis_not_given_and_an_asset_without_finance_records(tab, world):
    tab.open(f"/assets/{world.flagged}")
    basis = tab.page.locator("#pi-basis")
    assert basis.get_attribute("data-given") == "false"
    assert "not given" in basis.inner_text() and "gives no legal basis" in basis.inner_text()
    assert "No capital contribution or data trust recorded." in tab.text("#finance-remarks")
    assert "No accounting record." in tab.text("#accounting-records")
    assert tab.page.locator("#accounting-private").count() == 0
    # Without personal information the asset says nothing of a basis.
    tab.open(f"/assets/{world.plain}")
    assert tab.page.locator("#pi-basis").count() == 0
    assert "Personal-information basis" not in tab.text("main")
    assert tab.page.locator("#finance-remarks table, #accounting-records table").count() == 0


def test_the_history_reads_the_finance_events(tab, world):
    tab.open(f"/assets/{world.asset}/history")
    recorded = tab.page.locator("#history-table tr[data-event=FinanceRemarkRecorded]")
    assert recorded.count() == 2
    contribution, trust = recorded.nth(0).inner_text(), recorded.nth(1).inner_text()
    # A remark's kind is a finance remark kind (the old explorer read it as an appraisal's), its term in dates.
    assert "kind: capital contribution" in contribution and "no fixed end" in contribution
    assert "appraisal" not in contribution.lower() and "1,780,000,000" not in contribution
    assert "investee" in contribution and world.investee[:6] in contribution
    assert "kind: data trust" in trust and "remark: #2" in trust
    assert "trustee" in trust and world.trustee[:6] in trust and "beneficiary" in trust
    for moment in (TRUST_FROM, TRUST_UNTIL):
        assert recorded.nth(1).locator(f"time[datetime='{moment}']").count() == 1, moment

    accounting = tab.page.locator("#history-table tr[data-event=AccountingRecorded]")
    assert accounting.count() == 1
    text = accounting.inner_text()
    assert "accounting record committed" in text and "auditor" in text and world.auditor[:6] in text
    assert "revision: 1" in text and "private to the holder and its auditor" in text
    assert accounting.locator(f"code[data-full='{world.accounting_cid}']").count() == 1
    assert accounting.locator("a.cid").count() == 0  # not a link: the document is not public content

    ended = tab.page.locator("#history-table tr[data-event=FinanceRemarkEnded]")
    assert "remark: #1" in ended.inner_text() and "release or end evidence" in ended.inner_text()
    assert ended.locator(f"a[href='/v1/content/{world.release_cid}']").count() == 1
    _never_the_private_document(tab, world)
    tab.shot("history-finance-en")

    _zh(tab)
    zh = tab.text("#history-table")
    assert "类别: 作价出资" in zh and "类别: 数据信托" in zh and "无固定期限" in zh
    assert "被投资企业" in zh and "受托人" in zh and "受益人" in zh and "审计机构" in zh
    assert "文件仅限持有人及其审计机构查阅" in zh


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_finance_sections_are_not_clipped(browser, world, private_stack, width, height, locale):  # noqa: F811
    """As tests/test_explorer.py checks the other pages: nothing scrolls sideways or reaches past the viewport."""
    tab = Page(browser, private_stack.api_url, locale=locale)
    tab.context.set_default_timeout(TIMEOUT_MS)
    tab.page.set_viewport_size({"width": width, "height": height})
    tab.page.add_init_script(f"localStorage.setItem('datareg.lang', '{locale[:2]}')")
    clipped = {}
    try:
        for name, path in {"asset": f"/assets/{world.asset}", "history": f"/assets/{world.asset}/history"}.items():
            tab.open(path)
            # The finance records are there to be measured (the explorer before issue 21 showed none).
            assert tab.page.locator(".remark-kind").count() == 2, name
            tab.page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            tab.shot(f"layout-finance-{name}-{width}-{locale[:2]}")
            found = tab.page.evaluate(_CLIPPED)
            if found:
                clipped[name] = found
    finally:
        tab.context.close()
    assert not clipped, clipped
    assert not tab.errors, tab.errors
