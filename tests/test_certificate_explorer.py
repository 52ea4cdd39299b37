"""A certificate's QR code followed as a person would, on a real stack (tests/explorer_world.py): the PDF is fetched,
its QR code decoded from the PNG it embeds, and the URL opened in Chromium answers the explorer's verification page
with the status and the certificate's key fields; the explorer and `datareg show`/`history` show names beside
addresses; a freeze and a lapse read the same on the page and in the PDF (issue 16: "Certificate", "Names").
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest
from explorer_world import build_world
from test_explorer import Page, browser  # noqa: F401  (the browser fixture)

from api.views.certificate_pdf import find_cjk_font
from registry.chain.operations import Freeze

APPLICANT = "厦门鹭通交通数据科技有限公司"  # examples/traffic-flow.json: the applicant of the world's source
YEAR = 365 * 86_400


@pytest.fixture(scope="module")
def world(private_stack, tmp_path_factory):
    return build_world(private_stack, tmp_path_factory.mktemp("certificate"))


@pytest.fixture
def tab(browser, private_stack):  # noqa: F811
    opened = Page(browser, private_stack.api_url)
    yield opened
    opened.context.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


def _pdf_text_and_qr(s, asset: str) -> tuple[str, list[str]]:
    if find_cjk_font() is None:
        pytest.skip("No Chinese TrueType font for the PDF certificate: `apt-get install fonts-wqy-microhei` "
                    "(`make test-tools` installs it as root, as in CI) or set DATAREG_CJK_FONT.")
    import zxingcpp
    from pypdf import PdfReader

    response = s.http.get(f"/v1/assets/{asset}/certificate", params={"format": "pdf"})
    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    urls = [b.text for p in reader.pages for image in p.images for b in zxingcpp.read_barcodes(image.image)]
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages)), urls


def _open_verification(tab: Page, url: str) -> None:
    assert url.startswith(tab.base_url + "/verify/"), url
    tab.open(url[len(tab.base_url):])
    tab.page.locator("#certificate-verdict").wait_for()


def test_the_qr_code_opens_a_verification_page_with_the_status(tab, world, private_stack):
    text, urls = _pdf_text_and_qr(private_stack, world.source)
    assert urls == [f"{private_stack.api_url}/verify/{world.certificate}"]
    assert world.certificate in text and "权利受限：已质押" in text and APPLICANT in text and "ZD20261121000088" in text
    _open_verification(tab, urls[0])
    verdict = tab.page.locator("#certificate-verdict")
    assert verdict.get_attribute("data-status") == "valid"
    assert verdict.get_attribute("data-legal-status") == "certified"
    # In force but pledged: limited, never green, and the pledge is said.
    assert "verdict-limited" in verdict.get_attribute("class") and "verdict-yes" not in verdict.get_attribute("class")
    assert "Certificate status" in verdict.inner_text() and "ZD20261121000088" in verdict.inner_text()
    main = tab.text("main")
    for expected in (world.certificate, world.source_sha256, "G54", "交通运输", APPLICANT, "福建省数据资产登记中心",
                     "Registered"):
        assert expected in main, expected
    assert "Beijing time (UTC+8)" in main  # the certificate's dates as it prints them, whatever the reader's zone
    holders = tab.text("table.certificate-holders")
    assert APPLICANT in holders and world.alice[:6] in holders
    assert tab.page.locator("#certificate-pdf").get_attribute("href") == \
        f"/v1/assets/{world.source}/certificate?format=pdf"
    tab.shot("certificate-verification")
    # In Chinese too.
    tab.page.click("#lang-switch")
    tab.page.locator("#certificate-verdict", has_text="证书状态").wait_for()


def test_an_unknown_certificate_number_says_so(tab, world):
    tab.open("/verify/SJ99Z2000010001")
    verdict = tab.page.locator("#certificate-verdict")
    assert verdict.get_attribute("data-status") == "not_found" and "verdict-ended" in verdict.get_attribute("class")
    assert "SJ99Z2000010001" in verdict.inner_text()


def test_names_beside_addresses_on_the_asset_and_history_pages(tab, world):
    tab.open(f"/assets/{world.source}")
    registrant = tab.page.locator(f"a.party[href='/parties/{world.alice}']").first
    assert registrant.locator(".party-name").inner_text() == APPLICANT
    # The application's name is the applicant's own statement, marked so; a participant keeps its registered name.
    assert "declared" in registrant.locator(".party-name").get_attribute("class")
    assert "上海数据交易所" in tab.text("table.listings")
    exchange = tab.page.locator(f"table.listings a.party[href='/parties/{world.exchange_a}'] .party-name").first
    assert exchange.inner_text() == "上海数据交易所" and "declared" not in exchange.get_attribute("class")
    tab.open(f"/assets/{world.source}/history")
    actors = tab.page.locator(f"#history-table a.party[href='/parties/{world.alice}'] .party-name")
    assert actors.count() > 0 and actors.first.inner_text() == APPLICANT
    tab.shot("history-names")
    # Outside an asset's answer (GET /v1/names): the home page's latest assets and the party's own page.
    tab.open("/")
    registrants = tab.page.locator(f"table.assets a.party[href='/parties/{world.alice}'] .party-name")
    assert registrants.count() > 0 and registrants.first.inner_text() == APPLICANT
    tab.open(f"/parties/{world.alice}")
    assert tab.page.locator("h1").inner_text() == APPLICANT


def test_datareg_show_and_history_print_names(world, private_stack, tmp_path):
    env = dict(os.environ, DATAREG_API_URL=private_stack.api_url, DATAREG_RPC_URL=private_stack.rpc_url,
               DATAREG_DATA_DIR=str(tmp_path))

    def datareg(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    shown = datareg("show", world.source)
    assert f"registrant      {world.alice} ({APPLICANT})" in shown
    assert "registrar 0x" in shown and "(福建省数据资产登记中心)" in shown
    history = datareg("history", world.source)
    assert f"{world.alice} ({APPLICANT})" in history
    events = [json.loads(line) for line in datareg("--json", "history", world.source).splitlines()]
    assert any(e["names"].get(world.alice) == APPLICANT for e in events)
    pdf = tmp_path / "certificate.pdf"
    if find_cjk_font() is not None:
        datareg("certificate", world.source, "--pdf", str(pdf))
        assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_freeze_and_a_lapse_read_the_same_on_the_page_and_in_the_pdf(tab, world, private_stack):
    s = private_stack
    regulator = s.accounts[7]
    result = s.client.execute(Freeze(world.source, "(2026)闽0203执保99号", bytes([4]) * 32), regulator)
    s.wait_block(result.block_number)
    text, urls = _pdf_text_and_qr(s, world.source)
    assert "(2026)闽0203执保99号" in text and "已查封" in text and "福建省数据管理局" in text
    _open_verification(tab, urls[0])
    remarks = tab.text("#certificate-remarks")
    assert "(2026)闽0203执保99号" in remarks and "福建省数据管理局" in remarks
    assert "verdict-limited" in tab.page.locator("#certificate-verdict").get_attribute("class")
    tab.shot("certificate-frozen")

    # Past its term (5 years) the certificate has lapsed: red on the page, and so printed.
    s.advance_time(6 * YEAR)
    s.wait_block(s.client.w3.eth.block_number)
    assert s.http.get(f"/v1/assets/{world.source}/certificate").json()["status"] == "lapsed"
    text, _ = _pdf_text_and_qr(s, world.source)
    assert "登记已失效" in text
    tab.open(f"/verify/{world.certificate}")
    verdict = tab.page.locator("#certificate-verdict")
    assert verdict.get_attribute("data-status") == "lapsed" and "verdict-ended" in verdict.get_attribute("class")
