"""Mutual recognition (一地登记、全国共享) and data intellectual property certificates: the certificate numbers
read apart, the recognised registries' endpoints, the CLI's verdict on what a recognised registry says, and the
two-registry demo (two anvil chains with different chain ids, each registry verifying the other's certificates
through its API and CLI)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from registry.chain.recognition import RecognisedRegistry, check_recognised, recognised_endpoints
from registry.chain.types import certificate_text, parse_certificate_number
from registry.cli.verify import exit_status, render
from registry.errors import ConfigurationError, ValidationError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("number", "kind", "region", "division", "code"), [
    ("SJ35A2026110001", "national", "35", None, "A"),
    ("sj46b2026120042", "national", "46", None, "B"),
    ("35020012026110001", "intellectual_property", "35", "350200", "1"),
])
def test_parse_certificate_number_reads_both_kinds(number, kind, region, division, code):
    parsed = parse_certificate_number(number)
    assert (parsed.kind, parsed.region, parsed.division, parsed.registrar_code) == (kind, region, division, code)
    assert parsed.as_bytes() == parsed.number.encode().ljust(17, b"\x00")
    assert certificate_text("0x" + parsed.as_bytes().hex()) == parsed.number


@pytest.mark.parametrize("number", ["SJ35A202611000", "3502001202611000", "SJ35A2026130001", "35020012026110000",
                                    "SJ35a-026110001", "", 35020012026110001])
def test_parse_certificate_number_refuses_anything_else_saying_what_numbers_look_like(number):
    with pytest.raises(ValidationError, match="15 characters, e.g. SJ35A2026110001.*17 digits"):
        parse_certificate_number(number)


def test_recognised_endpoints_are_chain_id_url_pairs():
    assert recognised_endpoints("31338=http://127.0.0.1:8546, 46001=https://node.example/rpc") == {
        31338: "http://127.0.0.1:8546", 46001: "https://node.example/rpc"}
    assert recognised_endpoints("") == {}
    with pytest.raises(ConfigurationError, match="chainId=url pairs"):
        recognised_endpoints("http://127.0.0.1:8546")


def test_a_recognised_registry_without_an_endpoint_is_reported_not_checked():
    hainan = RecognisedRegistry(1, 31338, "0x" + "11" * 20, "0x" + "22" * 20, 0, "46", "海南省数据登记中心")
    (answer,) = check_recognised([hainan], number=parse_certificate_number("SJ46A2026110001"), endpoints={},
                                 timeout=1)
    assert answer["reachable"] is False and answer["matches"] == []
    assert "No RPC endpoint is configured for chain 31338" in answer["error"]
    assert answer["registry"]["name"] == "海南省数据登记中心"


def _answer(recognised):
    return {"registered": False, "message": "No asset.", "fingerprint": {"sha256": None, "cid": None},
            "matches": [], "legal_status": None,
            "certificate": parse_certificate_number("46010012026120001").to_json(), "recognised": recognised}


def _match(status, frozen=False):
    return {"asset_id": "0x" + "ab" * 32, "frozen": frozen, "certificate": {
        "status": status, "number": "46010012026120001", "kind": "intellectual_property", "holder": "0x" + "cd" * 20,
        "valid_until": 1_900_000_000}}


def _registry(matches, error=None):
    return {"registry": {"name": "海南省数据登记中心", "region": "46", "chain_id": 31338,
                         "contracts": {"DataRegistry": "0x1", "RegistrationOffice": "0x2"}},
            "reachable": error is None, "error": error, "matches": matches}


@pytest.mark.parametrize(("matches", "code"), [
    ([_match("valid")], 0), ([_match("valid", frozen=True)], 5), ([_match("lapsed")], 4), ([_match("pending")], 3),
    ([], 1),
])
def test_verify_exit_status_follows_what_a_recognised_registry_certifies(matches, code):
    answer = _answer([_registry(matches)])
    assert exit_status(answer) == code
    text = render(answer)
    assert "recognised registry 海南省数据登记中心 (region 46, chain 31338, RegistrationOffice 0x2)" in text
    assert "46010012026120001 (intellectual_property: region 460100" in text


def test_verify_render_says_why_a_recognised_registry_was_not_checked():
    answer = _answer([_registry([], error="could not be reached within 2 s")])
    assert exit_status(answer) == 1
    assert "NOT CHECKED     could not be reached within 2 s" in render(answer)


def test_recognition_demo_two_registries_on_two_chains_verify_each_other():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo_recognition.py")], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every check held" in result.stdout
    assert "registry B (chain 31338) certified it" in result.stdout
    assert "registry A (chain 31337) certified SJ35A" in result.stdout


# ─────────────────────────────── the index: projection and reorgs (no node) ───────────────────────────────

HAINAN = {"chainId": 31338, "dataRegistry": "0x" + "46" * 20, "registrationOffice": "0x" + "47" * 20,
          "fromBlock": 7, "region": "46", "name": "海南省数据登记中心"}


@pytest.mark.parametrize("reorg_window", [128, 0], ids=["undo-journals", "replay"])
def test_recognitions_are_projected_and_rolled_back_with_a_reorg(tmp_path, reorg_window):
    from registry.db.models import Recognition
    from tests.ledger import Ledger, table

    ledger = Ledger(tmp_path, reorg_window=reorg_window)
    ledger.emit("RegistryRecognised", recognitionId=1, **HAINAN)
    ledger.index()  # one range per block, as near the head
    ledger.emit("RegistryRecognised", recognitionId=2, **{**HAINAN, "chainId": 44001, "name": "广东"})
    ledger.index()
    ledger.emit("RecognitionWithdrawn", recognitionId=1, chainId=31338, dataRegistry=HAINAN["dataRegistry"],
                reasonCode=2)
    ledger.index()
    rows = {r["recognition_id"]: r for r in table(ledger.engine, Recognition)}
    assert rows[1]["status"] == 2 and rows[1]["withdrawal_reason"] == 2 and rows[1]["region"] == "46"
    assert rows[1]["name"] == "海南省数据登记中心" and rows[1]["from_block"] == 7 and rows[2]["status"] == 1

    ledger.indexer.rollback(ledger.head.number - 2)  # the second recognition and the withdrawal are orphaned
    rows = {r["recognition_id"]: r for r in table(ledger.engine, Recognition)}
    assert list(rows) == [1] and rows[1]["status"] == 1 and rows[1]["withdrawn_at"] is None


def test_certificate_numbers_of_both_kinds_are_indexed_as_text(tmp_path):
    from registry.db.models import Registration
    from tests.ledger import Ledger, account, table

    ledger = Ledger(tmp_path)
    registrar, alice = account(5), account(1)
    ledger.add_participant(registrar, 2, "海南省数据登记中心")
    asset = ledger.register(alice)
    ledger.emit("ApplicationFiled", assetId=asset, applicant=alice, registrar=registrar)
    ledger.emit("Registered", assetId=asset, registrar=registrar, certificateNumber="46010012026120001",
                validUntil=2_000_000_000)
    ledger.index()
    (row,) = table(ledger.engine, Registration)
    assert row["certificate_number"] == "46010012026120001"
