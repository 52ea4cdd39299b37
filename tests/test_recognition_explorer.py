"""The explorer's page of recognised registries (/recognitions) in a real browser: Debian's headless Chromium,
against a real stack whose council recognised two registries and withdrew one."""
from __future__ import annotations

import pytest
from eth_account import Account
from test_explorer import Page, browser  # noqa: F401 - the Chromium fixture of the explorer's tests

from registry.chain.operations import Recognise, WithdrawRecognition
from registry.devchain import DEPLOYER_ACCOUNT, dev_key

COUNCIL = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def recognised(private_stack):
    s = private_stack
    s.client.execute(Recognise(46_001, "0x" + "46" * 20, "0x" + "47" * 20, 12, "46", "海南省数据登记中心"), COUNCIL)
    s.client.execute(Recognise(44_001, "0x" + "44" * 20, "0x" + "45" * 20, 0, "44", "广东省数据登记中心"), COUNCIL)
    s.wait_block(s.client.execute(WithdrawRecognition(2, 2), COUNCIL).block_number)
    return s


@pytest.mark.parametrize(("locale", "status_words"), [("zh-CN", ("互认中", "已撤回互认")),
                                                      ("en-US", ("recognised", "withdrawn"))])
def test_recognitions_page_lists_each_registry_with_its_chain_contracts_and_status(recognised, browser,  # noqa: F811
                                                                                  locale, status_words):
    page = Page(browser, recognised.api_url, locale=locale)
    try:
        page.open("/recognitions")
        rows = page.page.locator("table.recognitions tbody tr")
        assert rows.count() == 2
        first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
        assert "海南省数据登记中心" in first and "46001" in first and status_words[0] in first
        assert "0x" + "46" * 20 in first.lower()  # its DataRegistry, in full
        assert "广东省数据登记中心" in second and status_words[1] in second
        assert page.page.locator("[data-nav=recognitions][aria-current=page]").count() == 1
        assert page.errors == []
        page.shot(f"recognitions-{locale}")
    finally:
        page.context.close()
