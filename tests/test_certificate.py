"""The registration certificate as JSON, printable page and A4 PDF, its QR code, and the names shown beside
addresses (issue 16: "Certificate" and "Names"). The API in-process over an index written from hand-made events
(tests/ledger.py): fast layer, no processes. The PDF is read back with pypdf and its QR code decoded with zxing-cpp
from the PNG it embeds; tests/test_certificate_explorer.py follows the QR code in Chromium on a real stack.
"""
from __future__ import annotations

import dataclasses
import io
import json
import re

import pytest

from api.views.certificate_pdf import find_cjk_font
from registry.config import Settings
from registry.errors import ConfigurationError
from tests.ledger import Ledger, account

ALICE, BOB, CAROL, REGISTRAR, REGULATOR, EXCHANGE = (account(n) for n in (1, 2, 3, 5, 7, 4))
REGISTRAR_ROLE, REGULATOR_ROLE, EXCHANGE_ROLE = 2, 6, 1
NUMBER = "SJ35A2026120007"
DAY = 86_400

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

METADATA = {
    "name": "厦门市主干道路段小时交通流量数据",
    "summary": "主干道路段地磁与视频检测器采集的车流量、平均车速和时间占有率。",
    "industry": {"section": "G", "division": "54"},
    "applicant": {"name": "厦门鹭通交通数据科技有限公司", "type": "legal_person",
                  "credit_code": "91350206MA8UQ3K72G"},
    "rights": [
        {"holder_name": "厦门鹭通交通数据科技有限公司", "credit_code": "91350206MA8UQ3K72G", "address": ALICE,
         "kinds": ["holding", "usage"], "term": {"start": "2025-01-01", "end": "2027-12-31"},
         "limits": "仅限境内使用，不得转售"},
        {"holder_name": "厦门海湾数据运营有限公司", "credit_code": "91350200MA2Y0LQ95T", "address": BOB,
         "kinds": ["operating"]},
    ],
}


def _font_or_skip():
    if find_cjk_font() is None:
        pytest.skip("No Chinese TrueType font for the PDF certificate: `apt-get install fonts-wqy-microhei` "
                    "(`make test-tools` installs it as root, as in CI) or set DATAREG_CJK_FONT.")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ledger = Ledger(tmp_path_factory.mktemp("certificate"))
    ledger.add_participant(REGISTRAR, REGISTRAR_ROLE, "福建省数据资产登记中心")
    ledger.add_participant(REGULATOR, REGULATOR_ROLE, "福建省数据管理局")
    ledger.add_participant(EXCHANGE, EXCHANGE_ROLE, "上海数据交易所")
    asset = ledger.register(ALICE, {ALICE: 0b011, BOB: 0b100}, metadata=METADATA, content="traffic")
    ledger.mine()
    ledger.grant(asset, 2, 4, ALICE, CAROL, valid_until=ledger.now + 30 * DAY, purpose="交通规划")
    ledger.emit("ApplicationFiled", assetId=asset, applicant=ALICE, registrar=REGISTRAR, documentsCid=b"\1" * 32)
    ledger.emit("ApplicationAccepted", assetId=asset, registrar=REGISTRAR)
    ledger.emit("ReviewPassed", assetId=asset, registrar=REGISTRAR, publicityEnds=ledger.now + DAY)
    ledger.mine(2 * DAY)
    registered = ledger.emit("Registered", assetId=asset, registrar=REGISTRAR, certificateNumber=NUMBER,
                             validUntil=ledger.now + 5 * 365 * DAY)
    ledger.mine()
    ledger.emit("PledgeRecorded", assetId=asset, pledgeId=b"\7" * 32, registrar=REGISTRAR,
                externalRegistrationNo="ZD20261121000088", pledgee=EXCHANGE)
    ledger.emit("AssetFrozen", assetId=asset, orderId=1, regulator=REGULATOR, orderReference="(2026)闽0203执保88号",
                evidenceCid=b"\4" * 32, waiting=False)
    # A second asset, certified with no remark.
    clean = ledger.register(BOB, metadata={"name": "无备注数据", "summary": "s", "industry": {"section": "I"}},
                            content="clean")
    ledger.emit("ApplicationFiled", assetId=clean, applicant=BOB, registrar=REGISTRAR, documentsCid=b"\2" * 32)
    ledger.emit("Registered", assetId=clean, registrar=REGISTRAR, certificateNumber="SJ35A2026120008",
                validUntil=ledger.now + 365 * DAY)
    ledger.index()
    with ledger.api() as client:
        client.clean = clean
        yield ledger, asset, registered, client


def test_the_certificate_as_json_has_every_field_in_beijing_time(world):
    ledger, asset, registered, client = world
    cert = client.get(f"/v1/assets/{asset}/certificate").json()
    assert cert["certificate_number"] == NUMBER and cert["status"] == "valid"
    # The status printed is the asset's one legal status: in force, but frozen and pledged, so never "有效".
    assert cert["legal_status"]["status"] == "certified" and cert["legal_status"]["encumbered"]
    assert cert["status_zh"] == "权利受限：已查封、已质押" and cert["status_en"] == "restricted: frozen, pledged"
    assert cert["fingerprint"]["sha256"] == client.get(f"/v1/assets/{asset}").json()["content_hash"]
    assert (cert["version"], cert["industry"], cert["industry_name"]) == (1, "G54", "交通运输、仓储和邮政业")
    assert cert["summary"] == METADATA["summary"] and cert["data_name"] == METADATA["name"]
    # Each primary right's holder, with the name and credit code of the application and its term and limits.
    holders = {h["right_index"]: h for h in cert["holders"]}
    assert set(holders) == {1, 2, 3}
    assert holders[1]["address"] == ALICE and holders[1]["name"] == "厦门鹭通交通数据科技有限公司"
    assert holders[1]["credit_code"] == "91350206MA8UQ3K72G" and holders[1]["limits"] == "仅限境内使用，不得转售"
    assert holders[1]["term"] == "2025-01-01 至 2027-12-31"
    assert (holders[3]["address"], holders[3]["kind"]) == (BOB, "operating")
    assert holders[3]["name"] == "厦门海湾数据运营有限公司"
    assert cert["holder"] == ALICE and cert["holder_name"] == "厦门鹭通交通数据科技有限公司"
    assert cert["registrar_name"] == "福建省数据资产登记中心"
    # Remarks: the freeze order with its regulator, the pledge with its pledgee, by name.
    remarks = {r["kind"]: r["text"] for r in cert["remark_lines"]}
    assert "(2026)闽0203执保88号" in remarks["frozen"] and "福建省数据管理局" in remarks["frozen"]
    assert "ZD20261121000088" in remarks["pledged"] and "上海数据交易所" in remarks["pledged"]
    # Dates in Beijing time; the evidence is the certification transaction, not the asset's registration.
    assert cert["registered_at"].endswith("+08:00") and cert["valid_until"].endswith("+08:00")
    assert cert["evidence"]["event"] == "Registered" and cert["evidence"]["tx_hash"] == registered.tx_hash
    assert cert["evidence"]["timestamp"].endswith("+08:00")
    assert cert["verification_url"] == f"http://testserver/verify/{NUMBER}"


def _pdf(client, asset) -> bytes:
    response = client.get(f"/v1/assets/{asset}/certificate", params={"format": "pdf"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return response.content


def _decode_qr(image) -> list[str]:
    import zxingcpp

    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_the_pdf_is_a4_with_its_font_embedded_and_reads_back_every_field(world):
    _font_or_skip()
    from pypdf import PdfReader

    ledger, asset, registered, client = world
    cert = client.get(f"/v1/assets/{asset}/certificate").json()
    reader = PdfReader(io.BytesIO(_pdf(client, asset)))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842), "A4: 210 × 297 mm"
    # Every font of every page is embedded (a TrueType subset), none left to the reader's machine.
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            assert descriptor is not None and "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
    text = "".join(p.extract_text() for p in reader.pages)
    flat = re.sub(r"\s+", "", text)
    for expected in (NUMBER, "数据产权登记证书", "权利受限：已查封、已质押", cert["fingerprint"]["sha256"],
                     "版本Version1",
                     "G54交通运输、仓储和邮政业", METADATA["summary"], "厦门鹭通交通数据科技有限公司",
                     "91350206MA8UQ3K72G", "厦门海湾数据运营有限公司", "91350200MA2Y0LQ95T", "仅限境内使用，不得转售",
                     "数据资源持有权", "数据产品经营权", "(2026)闽0203执保88号", "福建省数据管理局", "ZD20261121000088",
                     "上海数据交易所", "福建省数据资产登记中心", "北京时间UTC+8", registered.tx_hash, "Registered",
                     cert["registered_at"][:10], cert["valid_until"][:10], f"/verify/{NUMBER}"):
        assert re.sub(r"\s+", "", expected) in flat, f"{expected!r} is not in the PDF's text"
    # The QR code: decoded from the PNG the PDF embeds, it is the public verification URL.
    images = [image.image for p in reader.pages for image in p.images]
    assert [url for image in images for url in _decode_qr(image)] == [cert["verification_url"]]


def test_only_a_certificate_in_force_without_remarks_prints_valid(world):
    """The printed status follows the one legal status (registry/rules.legal_status): 有效 for the clean
    certificate; lapsed once past its validity (the ledger's clock moves on)."""
    ledger, _, _, client = world
    cert = client.get(f"/v1/assets/{client.clean}/certificate").json()
    assert (cert["status_zh"], cert["status_en"], cert["remark_lines"]) == ("有效", "valid", [])
    assert "有效 valid" in client.get(f"/v1/assets/{client.clean}/certificate", params={"format": "html"}).text
    if find_cjk_font() is not None:
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_pdf(client, client.clean))).pages)
        assert "有效 valid" in text and "权利受限" not in text


def test_the_printable_page_shows_the_same_fields_and_a_qr_code(world):
    ledger, asset, registered, client = world
    page = client.get(f"/v1/assets/{asset}/certificate", params={"format": "html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for expected in (NUMBER, "权利受限", "G54", "厦门海湾数据运营有限公司", "91350200MA2Y0LQ95T", "仅限境内使用",
                     "(2026)闽0203执保88号", "ZD20261121000088", "北京时间", registered.tx_hash, "<svg",
                     f"http://testserver/verify/{NUMBER}"):
        assert expected in page.text, expected


def test_the_qr_codes_base_is_configurable(world, monkeypatch):
    ledger, asset, _, _ = world
    monkeypatch.setenv("DATAREG_PUBLIC_URL", "https://registry.example.cn/")
    assert Settings.from_env().public_url == "https://registry.example.cn"
    monkeypatch.setenv("DATAREG_PUBLIC_URL", "registry.example.cn")
    with pytest.raises(ConfigurationError, match="DATAREG_PUBLIC_URL must be an http"):
        Settings.from_env()

    from fastapi.testclient import TestClient

    from registry.cli.serve import create_app

    settings = dataclasses.replace(ledger.settings, public_url="https://registry.example.cn")
    with TestClient(create_app(settings)) as client:
        cert = client.get(f"/v1/assets/{asset}/certificate").json()
        assert cert["verification_url"] == f"https://registry.example.cn/verify/{NUMBER}"
        from PIL import Image

        from api.views.certificate import qr_png

        assert _decode_qr(Image.open(io.BytesIO(qr_png(cert["verification_url"])))) == [cert["verification_url"]]
        if find_cjk_font() is not None:
            from pypdf import PdfReader

            images = [i.image for p in PdfReader(io.BytesIO(_pdf(client, asset))).pages for i in p.images]
            assert [url for image in images for url in _decode_qr(image)] == [cert["verification_url"]]


def test_the_verification_url_opens_the_explorer_not_json(world):
    _, _, _, client = world
    page = client.get(f"/verify/{NUMBER}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module"' in page.text and "/static/app.js" in page.text


def test_without_a_chinese_font_the_pdf_is_a_clear_503_and_the_rest_works(world, monkeypatch, tmp_path):
    _, asset, _, client = world
    monkeypatch.setenv("DATAREG_CJK_FONT", str(tmp_path / "missing.ttf"))
    response = client.get(f"/v1/assets/{asset}/certificate", params={"format": "pdf"})
    assert response.status_code == 503
    body = response.json()
    assert body["error"] == "font_unavailable" and "fonts-wqy-microhei" in body["message"]
    assert "\n" not in body["message"] and str(tmp_path) not in body["message"]
    not_a_font = tmp_path / "not-a-font.ttf"
    not_a_font.write_bytes(b"not a font")
    monkeypatch.setenv("DATAREG_CJK_FONT", str(not_a_font))
    response = client.get(f"/v1/assets/{asset}/certificate", params={"format": "pdf"})
    assert response.status_code == 503 and response.json()["error"] == "font_unavailable"
    assert str(tmp_path) not in response.json()["message"]
    assert client.get(f"/v1/assets/{asset}/certificate", params={"format": "html"}).status_code == 200
    assert client.get(f"/v1/assets/{asset}/certificate", params={"format": "docx"}).status_code == 422


def test_names_beside_addresses_in_the_asset_and_history_answers(world):
    """A participant's registered name first; else the name the application's rights configuration gives the
    account; else, for the registrant, the applicant's name. An address nobody named has none."""
    _, asset, _, client = world
    names = client.get(f"/v1/assets/{asset}").json()["names"]
    assert names[ALICE] == {"name": "厦门鹭通交通数据科技有限公司", "source": "application"}
    assert names[BOB] == {"name": "厦门海湾数据运营有限公司", "source": "application"}
    assert names[REGISTRAR] == {"name": "福建省数据资产登记中心", "source": "participant"}
    assert names[EXCHANGE] == {"name": "上海数据交易所", "source": "participant"}  # the pledgee
    assert CAROL not in names  # a grantee the application does not name
    page = client.get(f"/v1/assets/{asset}/history").json()
    assert page["names"][ALICE]["name"] == "厦门鹭通交通数据科技有限公司"
    assert page["names"][REGULATOR]["name"] == "福建省数据管理局"
    shown = {a for e in page["data"] for a in (e["actor"], *e["parties"]) if a}
    assert set(page["names"]) <= shown and CAROL in shown and CAROL not in page["names"]


def test_a_participant_name_wins_over_the_applications(tmp_path):
    from sqlmodel import Session

    from registry.db import names
    from registry.db.models import Asset

    ledger = Ledger(tmp_path)
    ledger.add_participant(BOB, EXCHANGE_ROLE, "深圳数据交易所")
    asset_id = ledger.register(ALICE, metadata={**METADATA, "rights": METADATA["rights"]}, content="names")
    ledger.index()
    with Session(ledger.engine) as db:
        asset = db.get(Asset, asset_id)
        found = names.resolve(db, [ALICE, BOB, CAROL, None, "not an address"], [asset])
    assert found[BOB] == names.PartyName("深圳数据交易所", "participant", "91350200MA2Y0LQ95T")
    assert found[ALICE].name == "厦门鹭通交通数据科技有限公司" and found[ALICE].source == "application"
    assert set(found) == {ALICE, BOB}
    # Lower-case addresses (as a user may type them) find the same names, keyed as given.
    with Session(ledger.engine) as db:
        lower = names.resolve(db, [BOB.lower(), ALICE.lower()], [db.get(Asset, asset_id)])
    assert lower[BOB.lower()].name == "深圳数据交易所" and lower[ALICE.lower()].source == "application"
    # A metadata document that is not what the schema says names nobody, and breaks nothing.
    broken = Asset(asset_id="0x" + "00" * 32, registrant=ALICE, submitter=ALICE, content_hash="0x", metadata_cid="",
                   classification=0, registered_block=1, registered_tx="0x", registered_log_index=0,
                   registered_at=0, updated_block=1, metadata_json=json.dumps({"rights": "x", "applicant": [1]}))
    assert names.application_names(broken) == {}


def test_names_of_accounts_outside_an_asset_answer(world):
    """GET /v1/names: for a party's page and lists of assets, the same resolver over the assets an account
    registered or holds a primary right of."""
    _, _, _, client = world
    query = [("address", a) for a in (ALICE, BOB.lower(), REGISTRAR, CAROL)]
    found = client.get("/v1/names", params=query).json()
    assert found == {ALICE: {"name": "厦门鹭通交通数据科技有限公司", "source": "application"},
                     BOB: {"name": "厦门海湾数据运营有限公司", "source": "application"},
                     REGISTRAR: {"name": "福建省数据资产登记中心", "source": "participant"}}
    for bad in ([("address", "0x123")], [], [("address", ALICE)] * 101):
        response = client.get("/v1/names", params=bad)
        assert response.status_code == 422 and response.json()["message"], bad


def test_the_same_certificate_gives_the_same_pdf(world):
    """ReportLab's invariant mode: no creation time or random document id, so two renderings compare equal
    (scripts/compare_api.py records the PDF's bytes)."""
    _font_or_skip()
    _, asset, _, client = world
    assert _pdf(client, asset) == _pdf(client, asset)


def test_the_certificate_and_verify_tell_the_same_legal_status(world):
    """For each asset: the certificate's legal status is the one POST /v1/verify answers, and its printed remarks
    are that status's remarks."""
    _, asset, _, client = world
    for asset_id in (asset, client.clean):
        cert = client.get(f"/v1/assets/{asset_id}/certificate").json()
        verdict = client.post("/v1/verify", json={"sha256": cert["fingerprint"]["sha256"]}).json()
        [match] = [m for m in verdict["matches"] if m["asset_id"] == asset_id]
        assert match["legal_status"]["status"] == cert["legal_status"]["status"] == "certified"
        assert [r["type"] for r in match["legal_status"]["remarks"]] == \
            [r["type"] for r in cert["legal_status"]["remarks"]] == \
            [r["kind"] for r in cert["remark_lines"]]


def test_a_cancelled_certificate_prints_cancelled_with_its_reason(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.add_participant(REGISTRAR, REGISTRAR_ROLE, "福建省数据资产登记中心")
    asset = ledger.register(ALICE, metadata=METADATA, content="cancelled")
    ledger.emit("ApplicationFiled", assetId=asset, applicant=ALICE, registrar=REGISTRAR, documentsCid=b"\1" * 32)
    ledger.emit("Registered", assetId=asset, registrar=REGISTRAR, certificateNumber="SJ35A2026120009",
                validUntil=ledger.now + 365 * DAY)
    ledger.mine()
    ledger.emit("AssetCancelled", assetId=asset, by=ALICE, reasonCode=1, evidenceCid=b"\0" * 32)
    ledger.index()
    with ledger.api() as client:
        cert = client.get(f"/v1/assets/{asset}/certificate").json()
        assert (cert["status"], cert["legal_status"]["status"]) == ("cancelled", "cancelled")
        assert cert["status_zh"] == "已注销（登记主体申请）"
        assert cert["status_en"] == "cancelled (at the registrant's request)"
        assert "已注销（登记主体申请）" in client.get(f"/v1/assets/{asset}/certificate", params={"format": "html"}).text
        if find_cjk_font() is not None:
            from pypdf import PdfReader

            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_pdf(client, asset))).pages)
            assert "已注销（登记主体申请）" in text and "有效 valid" not in text


def test_a_certificate_too_long_for_a_page_continues_on_the_next(world):
    """Many remarks and holders, long text from the chain: the PDF runs on over pages (ReportLab would refuse a
    single cell taller than a page: a 500, as the first layout, with all remarks in one cell, gave), every remark
    is there, an overlong cell is cut, not dropped."""
    _font_or_skip()
    from pypdf import PdfReader

    from api.schemas import Certificate, CertificateHolder, CertificateRemark
    from api.views.certificate_pdf import render_pdf

    _, asset, _, client = world
    cert = Certificate.model_validate(client.get(f"/v1/assets/{asset}/certificate").json())
    cert.remark_lines = [CertificateRemark(kind="frozen_waiting", text=f"轮候查封: 令{i:03d} " + "长" * 2000)
                         for i in range(80)]
    cert.holders = [CertificateHolder(**{**cert.holders[0].model_dump(), "right_index": 100 + i,
                                         "limits": "限" * 400}) for i in range(30)]
    reader = PdfReader(io.BytesIO(render_pdf(cert)))
    assert len(reader.pages) > 3
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert all(f"令{i:03d}" in text for i in range(80)) and "…" in text
    assert text.count("限" * 40) >= 30 and cert.verification_url in text
