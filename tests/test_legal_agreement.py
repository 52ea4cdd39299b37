"""Every public surface tells the same legal status: for each status (unregistered, recorded, in_procedure,
certified, lapsed, cancelled) and remark (frozen, pledged, objection_pending), POST /v1/verify, the asset and the
asset list, the certificate (JSON and printable page), `datareg verify`'s exit status and the explorer (Chromium)
agree. Was: verify said "registered" and exited 0 for an unreviewed, frozen or cancelled asset, and the explorer
showed green "正常" and a green certificate for lapsed and cancelled ones (issue 16)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account

from registry.chain.operations import (
    AcceptApplication,
    AddParticipant,
    ApplyForRegistration,
    Appraise,
    Cancel,
    CompleteRegistration,
    ConfigureRegistrar,
    Engage,
    Freeze,
    LodgeObjection,
    Qualify,
    RecordPledge,
    ReviewApplication,
    RevokeAttestation,
    SetPublicityPeriod,
    SuspendParticipant,
)
from registry.chain.types import RightKind
from registry.content import fingerprint_file
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DAY = 86_400
PUBLICITY = 60
ZERO = bytes(32)
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
NAME = "法律状态一致性"


@dataclass(frozen=True)
class Case:
    status: str
    remark: str | None
    exit: int
    certificate: str | None  # the certificate's status, None: no certificate (404)


CASES = {
    "unregistered": Case("unregistered", None, 1, None),
    "recorded": Case("recorded", None, 3, None),
    "in_procedure": Case("in_procedure", None, 3, None),
    "certified": Case("certified", None, 0, "valid"),
    "lapsed": Case("lapsed", None, 4, "lapsed"),
    "cancelled": Case("cancelled", None, 4, "cancelled"),
    "frozen": Case("certified", "frozen", 5, "valid"),
    "pledged": Case("certified", "pledged", 5, "valid"),
    "objection_pending": Case("in_procedure", "objection_pending", 5, None),
}


@dataclass
class World:
    s: object
    files: dict[str, Path]
    assets: dict[str, str]  # case -> asset id (no entry for unregistered)


def _step(s, operation, account):
    result = s.client.execute(operation, account)
    s.wait_block(result.block_number)
    return result


@pytest.fixture(scope="module")
def world(private_stack, tmp_path_factory) -> World:
    s = private_stack
    work = tmp_path_factory.mktemp("legal")
    alice, exchange, registrar, regulator = s.accounts[1], s.accounts[4], s.accounts[6], s.accounts[7]
    appraiser = s.accounts[5]
    for account, role, name, code in [(exchange, "exchange", "上海数据交易所", "91310000MA1FL70B7K"),
                                      (appraiser, "appraiser", "厦门数据资产评估有限公司", "91350200MA8ABCDE1F"),
                                      (registrar, "registrar", "福建省数据资产登记中心", "12350000MB1234567X"),
                                      (regulator, "regulator", "福建省数据管理局", "11350000MB0000001A")]:
        s.client.execute(AddParticipant(account.address, role, name, code), ADMIN)
    s.client.execute(Qualify(appraiser.address, issuer="福建省财政厅", number="PG-35-0001"), ADMIN)
    s.client.execute(ConfigureRegistrar(registrar.address, "35", "A"), ADMIN)
    _step(s, SetPublicityPeriod(PUBLICITY), ADMIN)

    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    files, assets = {}, {}
    for case in CASES:
        data = work / f"{case}.csv"
        shutil.copyfile(EXAMPLES / "traffic-flow.csv", data)
        with data.open("a") as out:
            out.write(f"# {case}\n")
        files[case] = data
        if case == "unregistered":
            continue
        parsed = parse_metadata({**document, "name": f"{NAME} {case}"})
        s.http.post("/v1/metadata", json=json.loads(canonical_bytes(parsed))).raise_for_status()
        prepared = prepare_registration(data, parsed, alice.address, [(alice.address, k) for k in RightKind])
        result = s.client.register(prepared.registration, alice)
        s.wait_block(result.block_number)
        assets[case] = result.asset_ids[0]

    def to_publicity(asset):
        _step(s, ApplyForRegistration(asset, registrar.address, bytes([1]) * 32), alice)
        _step(s, AcceptApplication(asset), registrar)
        _step(s, ReviewApplication(asset, True, 0, ZERO), registrar)

    certified = ("certified", "lapsed", "cancelled", "frozen", "pledged")
    for case in certified:
        to_publicity(assets[case])
    s.advance_time(PUBLICITY + 1)
    for case in certified:
        _step(s, CompleteRegistration(assets[case], 1 if case == "lapsed" else 5), registrar)
    s.advance_time(366 * DAY)  # the one-year certificate lapses; the five-year ones stand
    for case in ("in_procedure", "objection_pending"):
        to_publicity(assets[case])
    _step(s, LodgeObjection(assets["objection_pending"], 2, bytes([3]) * 32), exchange)
    _step(s, Cancel(assets["cancelled"], 1, ZERO), alice)
    _step(s, Freeze(assets["frozen"], "(2026)闽0203执保88号", bytes([4]) * 32), regulator)
    _step(s, RecordPledge(assets["pledged"], "ZD20261121000088", exchange.address), registrar)
    engaged = _step(s, Engage(appraiser.address, assets["certified"]), alice).events[0].args["engagementId"]
    attested = _step(s, Appraise(assets["certified"], engaged, 1, s.chain_time(), "market"), appraiser)
    _step(s, RevokeAttestation(attested.events[0].args["attestationId"], 2), appraiser)
    for asset in assets.values():
        s.wait_indexed(asset)
    return World(s, files, assets)


def _datareg(s, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home))
    return subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def _remarks(legal: dict) -> list[str]:
    return [r["type"] for r in legal["remarks"]]


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_the_asset_the_certificate_and_the_cli_agree(world, case, tmp_path):
    expected = CASES[case]
    s = world.s
    sha256 = "0x" + fingerprint_file(world.files[case]).sha256.hex()
    answer = s.http.post("/v1/verify", json={"sha256": sha256}).json()
    legal = answer["legal_status"]
    assert legal["status"] == expected.status
    assert _remarks(legal) == ([expected.remark] if expected.remark else [])
    assert legal["certified_and_unencumbered"] is (expected.exit == 0)

    cli = _datareg(s, tmp_path, "verify", str(world.files[case]))
    assert cli.returncode == expected.exit, cli.stdout + cli.stderr
    if case == "unregistered":
        assert not answer["matches"] and cli.stdout.startswith("NOT REGISTERED")
        return
    [match] = answer["matches"]
    assert match["legal_status"] == legal
    assert f"legal status    {expected.status} ({legal['zh']})" in cli.stdout
    assert match["certificate_status"] == (expected.certificate or ("pending" if case in ("in_procedure",
                                                                                          "objection_pending")
                                                                    else "none"))
    asset_id = world.assets[case]
    detail = s.http.get(f"/v1/assets/{asset_id}").json()
    assert detail["legal_status"] == legal
    listed = {a["asset_id"]: a for a in s.http.get("/v1/assets", params={"q": NAME, "limit": 100}).json()["data"]}
    assert listed[asset_id]["legal_status"] == legal

    certificate = s.http.get(f"/v1/assets/{asset_id}/certificate")
    if expected.certificate is None:
        assert certificate.status_code == 404
        return
    assert certificate.status_code == 200
    assert certificate.json()["status"] == expected.certificate
    assert certificate.json()["legal_status"] == legal
    page = s.http.get(f"/v1/assets/{asset_id}/certificate", params={"format": "html"}).text
    status_cell = page.split("<th>状态 Status</th><td>", 1)[1].split("</td>", 1)[0]
    if expected.exit == 0:
        assert status_cell == "有效 valid"
    else:
        assert "有效" not in status_cell, status_cell  # "状态 有效" only for an unencumbered certificate in force
        assert (expected.remark or expected.status) in status_cell


def test_the_cli_prints_the_freeze_in_beijing_time(world, tmp_path):
    shown = _datareg(world.s, tmp_path, "verify", str(world.files["frozen"])).stdout
    line = next(x for x in shown.splitlines() if x.strip().startswith("legal status"))
    assert "FROZEN (已查封) under order (2026)闽0203执保88号" in line
    assert "+08:00" in line and "certificate SJ35A" in line


def test_reasons_carry_their_labels(world):
    s = world.s
    registration = s.http.get(f"/v1/assets/{world.assets['objection_pending']}/registration").json()
    [objection] = registration["objections"]
    assert objection["reason_code"] == 2
    assert objection["reason"] == {"code": 2, "key": "ownership_dispute", "zh": "权属争议", "en": "ownership dispute"}
    cancelled = s.http.get(f"/v1/assets/{world.assets['cancelled']}").json()["legal_status"]
    assert cancelled["reason"]["key"] == "request" and cancelled["reason"]["zh"] == "登记主体申请"
    history = s.http.get(f"/v1/assets/{world.assets['cancelled']}/history").json()["data"]
    [event] = [e for e in history if e["event"] == "AssetCancelled"]
    assert event["details"]["reasonCode"] == 1 and event["reason"]["key"] == "request"
    other = Account.create().address  # a fresh account: admitting it needs no gas of its own
    _step(s, AddParticipant(other, "exchange", "另一交易所", "91440300MA5H1WXX6U"), ADMIN)
    assert s.http.get(f"/v1/participants/{other}").json()["suspension_reason"] is None
    _step(s, SuspendParticipant(other, 2), ADMIN)
    assert s.http.get(f"/v1/participants/{other}").json()["suspension_reason"]["key"] == "licence_revoked"
    [attestation] = s.http.get(f"/v1/assets/{world.assets['certified']}/attestations").json()
    assert attestation["status"] == "revoked"
    assert attestation["revocation_reason"] == {"code": 2, "key": "data_changed", "zh": "数据已变化",
                                                "en": "the data changed"}


# ─────────────────────────────── the explorer ───────────────────────────────

@pytest.fixture(scope="module")
def browser():
    from test_explorer import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        if os.geteuid() == 0:
            pytest.fail("Chromium is not installed")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser, private_stack):
    from test_explorer import Page

    opened = Page(browser, private_stack.api_url, locale="zh-CN")
    yield opened
    opened.context.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


#: The verdict's look, by exit status: a tick (green) only for certified and unencumbered.
VERDICT = {0: "verdict-yes", 1: "verdict-no", 3: "verdict-pending", 4: "verdict-ended", 5: "verdict-limited"}


def test_the_explorer_agrees(world, tab):
    s = world.s
    # The list: each asset's legal status, never green but for the certified, unencumbered one.
    tab.open(f"/search?q={NAME}")
    for case, asset_id in world.assets.items():
        expected = CASES[case]
        row = tab.page.locator("table.assets tbody tr", has=tab.page.locator(f"a[href='/assets/{asset_id}']"))
        legal = row.locator(".legal-status")
        assert legal.get_attribute("data-legal-status") == expected.status, case
        assert legal.get_attribute("data-remarks") == (expected.remark or ""), case
        assert legal.locator(".badge-ok").count() == (1 if expected.exit == 0 else 0), case
        assert "正常" not in row.inner_text(), case

    for case, expected in CASES.items():
        sha256 = "0x" + fingerprint_file(world.files[case]).sha256.hex()
        tab.open(f"/search?q={sha256}") if case == "unregistered" else tab.open("/verify")
        if case != "unregistered":
            tab.page.fill("#fingerprint-input", sha256)
            tab.page.click("#fingerprint-form button")
        verdict = tab.page.locator(f"#verdict.{VERDICT[expected.exit]}")
        verdict.wait_for()
        title = verdict.locator(".verdict-title").inner_text()
        assert title.startswith("✓") is (expected.exit == 0), (case, title)
        if case == "unregistered":
            continue
        assert verdict.get_attribute("data-legal-status") == expected.status
        vocabulary = s.http.get("/v1/vocabulary").json()
        label = next(t["zh"] for t in vocabulary["legal_status"] if t["key"] == expected.status)
        assert label in title, (case, title)

        tab.open(f"/assets/{world.assets[case]}")
        header = tab.page.locator(".asset-header .legal-status")
        assert header.get_attribute("data-legal-status") == expected.status
        assert (tab.page.locator(".asset-header .badge-ok").count() > 0) is (expected.exit == 0), case
        if case == "objection_pending":
            assert "权属争议" in tab.text("main")  # the objection's reason by its label, not "2"
    tab.shot("legal-status-verify-zh")
