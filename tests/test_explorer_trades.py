"""The explorer's trade pages (issue 17) in a real browser, as tests/test_explorer.py drives it: the list of trades
(filtered by exchange, buyer, seller or asset, paged) and one trade by its certificate number, against a real
stack holding a trade recorded, delivered and settled, and a confidential one."""
from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from test_explorer import Page, browser  # noqa: F401 - the browser fixture, shared
from test_trades import listed, signed_trade

from registry.chain.operations import (
    AddParticipant,
    ListingPolicy,
    RecordDelivery,
    SetListingPolicy,
    SetSettlement,
    SetTradeCode,
)
from registry.devchain import DEPLOYER_ACCOUNT, dev_key

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def trades(private_stack):
    s = private_stack
    exchange, carol = s.accounts[4], s.accounts[3]
    s.client.execute(AddParticipant(exchange.address, "exchange", "深圳数据交易所", "91440300MA5H1WXX6U"), ADMIN)
    s.client.execute(SetTradeCode("SZDE"), exchange)
    # The asset listed here is uncertified: the exchange's listing policy must allow it (issue 17, 上架审核).
    s.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
    asset, listing_id = listed(s)
    first = s.client.execute(signed_trade(s, asset, listing_id, carol), exchange)
    args = next(e for e in first.events if e.name == "TradeRecorded").args
    s.client.execute(RecordDelivery(args["year"], args["serial"], keccak(text="delivered")), exchange)
    s.client.execute(SetSettlement(args["year"], args["serial"], "settled"), exchange)
    second = s.client.execute(signed_trade(s, asset, listing_id, carol, price_hash=keccak(text="99 CNY salt")),
                              exchange)
    s.wait_block(second.block_number)
    numbers = [f"SZDEJY{e.args['year']:04d}{e.args['serial']:06d}" for r in (first, second) for e in r.events
               if e.name == "TradeRecorded"]
    return {"asset": asset, "exchange": exchange.address, "buyer": carol.address, "seller": s.accounts[1].address,
            "numbers": numbers}


@pytest.fixture
def tab(browser, private_stack):  # noqa: F811 - the browser fixture imported above
    opened = Page(browser, private_stack.api_url)
    yield opened
    opened.context.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


def test_the_trade_list_filters_and_opens_a_trade(tab, trades):
    """Fails on the old explorer, which had no trade pages (/trades was not a page)."""
    tab.open("/trades")
    rows = [r.text_content() for r in tab.page.locator("table.trades tbody tr").all()]
    assert [n for n in trades["numbers"] if any(n in r for r in rows)] == trades["numbers"]
    assert "settled" in rows[0] and "CN¥1,250,000.00" in rows[0] and "深圳数据交易所" in rows[0]
    assert "Confidential" in rows[1] and "pending" in rows[1]
    assert tab.page.locator("nav.site-nav a[data-nav=trades]").get_attribute("aria-current") == "page"
    tab.shot("trades-list")
    # Filtered by buyer (a link from the list's filters), then one trade.
    tab.open(f"/trades?buyer={trades['buyer']}")
    assert tab.page.locator("table.trades tbody tr").count() == 2
    tab.open(f"/trades?seller={trades['exchange']}")
    assert "No trades recorded." in tab.text("main")
    tab.open("/trades")
    tab.page.locator(f"table.trades a:text('{trades['numbers'][0]}')").click()
    tab.page.wait_for_url(f"**/trades/{trades['exchange']}/{trades['numbers'][0]}")
    tab.page.wait_for_selector("main[aria-busy=false]", state="attached")
    detail = tab.page.locator("main").text_content()
    assert trades["numbers"][0] in tab.text("h1") and "settled" in detail
    assert "深圳数据交易所" in detail and "Delivery evidence" in detail and "Qm" in detail  # the delivery's CID
    assert "CN¥1,250,000.00" in detail and trades["buyer"] in tab.page.locator("main").inner_html()
    tab.shot("trade-detail")
    # The asset's page and the parties' pages lead to their trades.
    tab.open(f"/assets/{trades['asset']}")
    tab.page.locator("p.trades-link a").click()
    tab.page.wait_for_url(f"**/trades?asset={trades['asset']}")
    tab.page.wait_for_selector("main[aria-busy=false]", state="attached")
    assert tab.page.locator("table.trades tbody tr").count() == 2
    tab.open(f"/parties/{trades['buyer']}")
    hrefs = tab.page.locator("p.trades-link a").evaluate_all("links => links.map((a) => a.getAttribute('href'))")
    assert f"/trades?buyer={trades['buyer']}" in hrefs


def test_a_confidential_trade_shows_its_commitment_and_the_pages_speak_chinese(browser, private_stack, trades):  # noqa: F811
    zh = Page(browser, private_stack.api_url, locale="zh-CN")
    try:
        zh.page.add_init_script("localStorage.setItem('datareg.lang', 'zh')")
        zh.open(f"/trades/{trades['exchange']}/{trades['numbers'][1]}")
        detail = zh.page.locator("main").text_content()
        assert "保密" in detail and "价格承诺" in detail and "待结算" in detail
        zh.open(f"/trades/{trades['exchange']}/SZDEJY2000000009")
        assert "SZDEJY2000000009" in zh.page.locator("main").text_content()  # the API's 404 message, shown
    finally:
        zh.context.close()
    assert not zh.errors, zh.errors
