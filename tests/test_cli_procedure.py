"""The registration procedure through `datareg`, as the applicant, registrar, objector, regulator and
appraiser each run it with their own key (some steps relayed), against a stack of its own."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

from registry.chain.operations import AddParticipant, Qualify, SetPublicityPeriod
from registry.devchain import DEPLOYER_ACCOUNT, dev_key

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def run(private_stack, tmp_path_factory):
    s = private_stack
    home = tmp_path_factory.mktemp("cli-procedure")
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home),
               DATAREG_KEY_PASSWORD="pw")

    def datareg(*args: str, expect: int = 0, **extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra},
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == expect, result.stdout + result.stderr
        return result

    keys = {}
    for name, index in (("applicant", 1), ("registrar", 6), ("regulator", 7), ("objector", 4), ("appraiser", 5),
                        ("admin", DEPLOYER_ACCOUNT)):
        keys[name] = str(home / f"{name}.json")
        datareg("key", "import", "--out", keys[name], DATAREG_IMPORT_KEY=dev_key(index))
    for index, role in ((6, "registrar"), (7, "regulator"), (4, "exchange"), (5, "appraiser")):
        s.client.execute(AddParticipant(s.accounts[index].address, role, f"{role} {index}", f"code{index}"), ADMIN)
    s.client.execute(Qualify(s.accounts[5].address, issuer="福建省财政厅", number="PG-35-0005"), ADMIN)
    s.client.execute(SetPublicityPeriod(60), ADMIN)
    datareg("registrar", "configure", s.accounts[6].address, "--region", "35", "--code", "B", "--key", keys["admin"])
    datareg.keys, datareg.stack, datareg.home = keys, s, home
    return datareg


def test_every_step_of_the_procedure_through_the_cli(run, tmp_path):
    s, keys = run.stack, run.keys
    data = tmp_path / "roads.csv"
    data.write_text("road,flow\nA1,1200\n")
    asset = json.loads(run("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                           "--holder", f"all={s.accounts[1].address}", "--key", keys["applicant"]).stdout)["asset_id"]
    registrar = s.accounts[6].address
    run("apply", asset, "--registrar", registrar, "--documents", str(data), "--key", keys["applicant"], "--relay")
    run("accept", asset, "--key", keys["registrar"])
    # Publicity ends 24:00 Beijing time of the 5th working day on the calendar (tests/test_publicity_calendar.py).
    ends = json.loads(run("--json", "review", asset, "--key", keys["registrar"], "--relay").stdout)["publicity_ends"]
    assert asset in run("publicity").stdout
    objected = json.loads(run("--json", "object", asset, "--reason", "2", "--key", keys["objector"]).stdout)
    objection = next(e["args"]["objectionId"] for e in objected["events"] if e["name"] == "ObjectionLodged")
    assert objected["objection_id"] == objection  # printed for `resolve` (issue 18)
    run("resolve", asset, str(objection), "--key", keys["registrar"])
    refused = run("certify", asset, "--key", keys["registrar"], expect=1)
    assert "runs until" in refused.stderr
    s.advance_time(ends - s.chain_time())
    run("certify", asset, "--years", "5", "--key", keys["registrar"])
    shown = json.loads(run("--json", "registration", asset).stdout)
    assert shown["stage"] == "registered" and shown["certificate_number"].startswith("SJ35B")
    assert [o["status"] for o in shown["objections"]] == ["rejected"]
    page = tmp_path / "certificate.html"
    run("certificate", asset, "--html", str(page))
    assert shown["certificate_number"] in page.read_text()

    run("freeze", asset, "--order", "(2026)闽02执88号", "--key", keys["regulator"], "--relay")
    refused = run("transfer", asset, "1", "--to", s.accounts[2].address, "--key", keys["applicant"], expect=1)
    assert "frozen by a regulator" in refused.stderr
    run("unfreeze", asset, "--order-id", "1", "--key", keys["regulator"])
    pledged = run("pledge", asset, "--external-no", "ZD2026-77", "--pledgee", s.accounts[4].address,
                  "--key", keys["registrar"]).stdout
    detail = json.loads(run("--json", "show", asset).stdout)
    assert detail["remarks"]["pledges"][0]["active"] is True
    # Issue 18: the pledge id is printed, and `show` for people has the pledge and the certificate.
    pledge = pledge_id = detail["remarks"]["pledges"][0]["pledge_id"]
    assert f"pledge id    {pledge_id}" in pledged
    assert detail["certificate"]["certificate_number"] == shown["certificate_number"]
    human = run("show", asset).stdout
    assert f"pledge          {pledge_id} (active): ZD2026-77" in human and shown["certificate_number"] in human
    # Issue 21: an appraisal only under the holder's engagement (here signed and relayed), with its terms.
    refused = run("attest", asset, "--kind", "appraisal", "--value", "5000000", "--key", keys["appraiser"], expect=1)
    assert "under the holder's engagement" in refused.stderr
    appraiser = s.accounts[5].address
    engaged = json.loads(run("--json", "engage", appraiser, asset, "--letter", str(data), "--key", keys["applicant"],
                             "--relay").stdout)
    assert engaged["engagement_id"] == 1 and "engagement id" in run("engage", appraiser, asset, "--key",
                                                                    keys["applicant"]).stdout
    run("withdraw-engagement", "2", "--key", keys["applicant"])
    attested = json.loads(run("--json", "appraise", asset, "--engagement", "1", "--value", "5000000",
                              "--valuation-date", "2026-11-30", "--value-type", "investment", "--method", "收益法",
                              "--basis", "数据资产评估指导意见", "--report", str(data), "--key",
                              keys["appraiser"]).stdout)
    attestation = next(e["args"]["attestationId"] for e in attested["events"] if e["name"] == "Attested")
    refused = run("appraise", asset, "--engagement", "1", "--value", "1", "--valuation-date", "2026-11-30",
                  "--value-type", "market", "--key", keys["appraiser"], expect=1)
    assert "already used by an appraisal or withdrawn" in refused.stderr
    [appraisal] = json.loads(run("--json", "show", asset).stdout)["attestations"]
    assert appraisal["value_type"] == "investment" and appraisal["basis"] == "数据资产评估指导意见"
    assert appraisal["engagement"]["holder"] == s.accounts[1].address and appraisal["engagement"]["status"] == "used"
    assert appraisal["valuation_date"].startswith("2026-11-29T16:00:00")  # 2026-11-30 00:00 Beijing time
    participant = run("participant", "show", appraiser).stdout
    assert "active in its role: yes (qualification valid)" in participant and "PG-35-0005" in participant
    # A change registration is applied for, and current only once the registrar approves it.
    run("change", asset, "--registrar", registrar, "--metadata", str(EXAMPLES / "hospital-outcomes.json"),
        "--key", keys["applicant"])
    assert json.loads(run("--json", "show", asset).stdout)["version"] == 1
    run("review-change", asset, "--key", keys["registrar"])
    detail = json.loads(run("--json", "show", asset).stdout)
    assert detail["version"] == 2 and detail["attestations"][0]["status"] == "superseded"
    run("revoke-attestation", str(attestation), "--key", keys["appraiser"])
    # Issue 13: a pledged asset is not cancelled behind the pledgee's back; with its consent it is (and the
    # pledge ends with the record).
    refused = run("cancel", asset, "--reason", "request", "--key", keys["applicant"], expect=1)
    assert "is pledged" in refused.stderr and "pledge-consent" in refused.stderr
    run("pledge-consent", asset, "--pledge", pledge, "--operation", "cancel", "--key", keys["objector"])
    run("cancel", asset, "--reason", "request", "--key", keys["applicant"])
    assert json.loads(run("--json", "certificate", asset).stdout)["status"] == "cancelled"


def test_steps_by_the_wrong_party_are_refused_with_clear_errors(run):
    s, keys = run.stack, run.keys
    asset = s.client.register(__import__("tests.conftest", fromlist=["x"]).random_registration(
        [(s.accounts[1].address, 7)]), s.accounts[1]).asset_ids[0]
    result = run("apply", asset, "--registrar", s.accounts[6].address, "--key", keys["objector"], expect=1)
    assert "only the registrant applies" in result.stderr
    result = run("freeze", asset, "--order", "x", "--key", keys["applicant"], "--relay", expect=1)
    assert "not an active regulator" in result.stderr
