"""Issue 13, "What breaks today", each case driven as its user would (the client's transactions, `datareg`
where the case is about the CLI) against a real anvil, then the API and `datareg verify` checked for the truth.
Each test fails on the code before issue 13 (there, the refused step went through, or the answer was wrong)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from eth_account import Account

from registry.chain.operations import (
    AcceptApplication,
    AcceptRight,
    AddParticipant,
    ApplyForChange,
    ApplyForRegistration,
    Cancel,
    CompleteRegistration,
    ConfigureRegistrar,
    Freeze,
    RecordPledge,
    ReleaseFreeze,
    ReviewApplication,
    ReviewChange,
    SetPublicityPeriod,
    Transfer,
    WithdrawAssignment,
)
from registry.chain.types import HolderTerms, Registration, RightHolder, certificate_text
from registry.content import fingerprint_file
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from registry.vocabulary import RightKind

DAY = 86_400
ZERO = bytes(32)
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
ALL = frozenset(RightKind)


@pytest.fixture(scope="module")
def s(private_stack):
    st = private_stack
    for index, role in ((6, "registrar"), (7, "regulator"), (5, "regulator")):
        st.client.execute(AddParticipant(st.accounts[index].address, role, f"{role} {index}",
                                         f"91350000000000{index}X"), ADMIN)
    st.client.execute(ConfigureRegistrar(st.accounts[6].address, "35", "A"), ADMIN)
    st.wait_block(st.client.execute(SetPublicityPeriod(60), ADMIN).block_number)
    return st


def step(s, operation, account):
    result = s.client.execute(operation, account)
    s.wait_block(result.block_number)
    return result


def register_file(s, tmp_path, owner, name: str, holders=None, terms=()) -> tuple[str, Path]:
    data = tmp_path / name
    data.write_text(f"{name} {owner.address}\n")
    registration = Registration(content_hash=fingerprint_file(data).sha256, content_cid=ZERO,
                                metadata_cid=bytes([9]) * 32,
                                holders=holders or (RightHolder(owner.address, ALL),), terms=tuple(terms))
    result = s.client.register(registration, owner)
    s.wait_block(result.block_number)
    return result.asset_ids[0], data


def datareg(s, home, *args, expect=0, extra=None):
    env = dict(os.environ, DATAREG_RPC_URL=s.rpc_url, DATAREG_API_URL=s.api_url, DATAREG_DATA_DIR=str(home),
               **(extra or {}))
    result = subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def test_frozen_asset_cannot_be_cancelled_and_orders_are_lifted_only_by_their_issuer(s, tmp_path):
    """Was: `freeze` then `cancel --reason request` succeeded, and any regulator lifted any order."""
    alice, registrar, court, office = s.accounts[1], s.accounts[6], s.accounts[7], s.accounts[5]
    asset, _ = register_file(s, tmp_path, alice, "seized.csv")
    step(s, Freeze(asset, "(2026)闽01执保1号", ZERO), court)
    step(s, Freeze(asset, "(2026)闽02执保9号", ZERO), office)  # a waiting-list seizure (轮候查封)
    with pytest.raises(ContractRevert, match=f"freeze order 1.*regulator {court.address}"):
        s.client.execute(Cancel(asset, 1, ZERO), alice)
    with pytest.raises(ContractRevert, match="may not cancel"):
        s.client.execute(Cancel(asset, 1, ZERO), registrar)  # "on request" is the registrant's request only
    with pytest.raises(ContractRevert, match=f"only by regulator {court.address}"):
        s.client.execute(ReleaseFreeze(asset, 1, ZERO), office)
    step(s, ReleaseFreeze(asset, 1, ZERO), court)
    detail = s.http.get(f"/v1/assets/{asset}").json()
    assert detail["status"] == "active" and detail["remarks"]["frozen"] is True  # order 2 still stands
    answer = s.http.post("/v1/verify", json={"sha256": detail["content_hash"]}).json()
    orders = [e for e in answer["matches"][0]["encumbrances"] if e["type"] == "freeze_order"]
    assert [(o["order_id"], o["regulator"], o["waiting"]) for o in orders] == [(2, office.address, True)]


def test_pledged_asset_is_not_cancelled_and_its_operating_right_does_not_move(s, tmp_path):
    """Was: the pledgee's collateral could be cancelled away; a pledge did not stop new grants."""
    alice, registrar, bank = s.accounts[1], s.accounts[6], s.accounts[3]
    asset, _ = register_file(s, tmp_path, alice, "collateral.csv")
    step(s, RecordPledge(asset, "ZD2026-1", bank.address), registrar)
    with pytest.raises(ContractRevert, match=f"pledgee {bank.address} consents"):
        s.client.execute(Cancel(asset, 1, ZERO), alice)
    with pytest.raises(ContractRevert, match="is pledged"):
        s.client.execute(Transfer(asset, 3, bank.address), alice)
    assert s.http.get(f"/v1/assets/{asset}").json()["status"] == "active"


def test_cancelled_asset_is_refused_at_every_step_of_the_procedure(s, tmp_path):
    """Was: a cancelled asset could still be accepted, reviewed and certified."""
    alice, registrar = s.accounts[1], s.accounts[6]
    asset, _ = register_file(s, tmp_path, alice, "cancelled.csv")
    step(s, ApplyForRegistration(asset, registrar.address, ZERO), alice)
    step(s, Cancel(asset, 1, ZERO), alice)
    with pytest.raises(ContractRevert, match="cancelled"):
        s.client.execute(AcceptApplication(asset), registrar)
    assert s.http.get(f"/v1/assets/{asset}/registration").json()["stage"] == "applied"


def test_change_is_a_procedure_and_verify_knows_every_version(s, tmp_path):
    """Was: `change --file` kept the old hash current: the new file did not verify, the old one verified as
    current; the change was unilateral and rewrote the record during publicity."""
    alice, registrar = s.accounts[1], s.accounts[6]
    asset, old = register_file(s, tmp_path, alice, "v1.csv")
    step(s, ApplyForRegistration(asset, registrar.address, ZERO), alice)
    step(s, AcceptApplication(asset), registrar)
    new = tmp_path / "v2.csv"
    new.write_text("the second version of the data\n")
    new_hash = fingerprint_file(new).sha256
    with pytest.raises(ContractRevert, match="version is pinned"):
        s.client.execute(ApplyForChange(asset, registrar.address, bytes([7]) * 32, new_hash), alice)
    step(s, ReviewApplication(asset, True, 0, ZERO), registrar)
    s.advance_time(61)
    number = step(s, CompleteRegistration(asset, 1), registrar).events[0].args["certificateNumber"]

    step(s, ApplyForChange(asset, registrar.address, bytes([7]) * 32, new_hash, classification=1), alice)
    assert s.http.get(f"/v1/assets/{asset}").json()["version"] == 1  # not current before the review
    step(s, ReviewChange(asset, True, 0, ZERO), registrar)
    detail = s.http.get(f"/v1/assets/{asset}").json()
    assert detail["version"] == 2 and detail["classification"] in ("important", 1)
    certificate = s.http.get(f"/v1/assets/{asset}/certificate").json()
    assert certificate["version"] == 2
    assert certificate["certificate_number"] == certificate_text(number)  # same number, re-issued

    home = tmp_path / "home"
    current = json.loads(datareg(s, home, "--json", "verify", str(new)).stdout)
    [m] = current["matches"]
    assert (m["asset_id"], m["matched_version"], m["current"]) == (asset, 2, True)
    superseded = datareg(s, home, "verify", str(old))
    assert "SUPERSEDED" in superseded.stdout and "version         1 of 2" in superseded.stdout
    answer = s.http.post("/v1/verify", json={"sha256": "0x" + fingerprint_file(old).sha256.hex()}).json()
    assert answer["matches"][0]["current"] is False and "superseded" in answer["message"]


def test_named_holder_is_pending_until_it_accepts(s, tmp_path):
    """Was: `register --holder usage=0xB` made 0xB a holder without 0xB signing anything."""
    alice, bob = s.accounts[1], s.accounts[2]
    holders = tuple(sorted((RightHolder(alice.address, frozenset({RightKind.HOLDING, RightKind.OPERATING})),
                            RightHolder(bob.address, frozenset({RightKind.USAGE}))), key=lambda h: int(h.account, 16)))
    asset, _ = register_file(s, tmp_path, alice, "named.csv", holders=holders)
    usage = {r["right_index"]: r for r in s.http.get(f"/v1/assets/{asset}").json()["rights"]}[2]
    assert usage["valid"] is False
    with pytest.raises(ContractRevert, match="is pending"):
        s.client.execute(Transfer(asset, 2, alice.address), bob)
    step(s, AcceptRight(asset, 2), bob)
    usage = {r["right_index"]: r for r in s.http.get(f"/v1/assets/{asset}").json()["rights"]}[2]
    assert usage["valid"] is True and usage["holder"] == bob.address
    with pytest.raises(ContractRevert, match="not an assignment awaiting acceptance"):
        s.client.execute(WithdrawAssignment(asset, 2), alice)


def test_primary_right_past_its_term_is_invalid(s, tmp_path):
    """Was: the rights configuration's term never reached the chain: a right ending 2027-12-31 was valid in 2028."""
    alice = s.accounts[1]
    end = s.chain_time() + 10 * DAY
    asset, _ = register_file(s, tmp_path, alice, "termed.csv", terms=(HolderTerms(end, ZERO),))
    rights = {r["right_index"]: r for r in s.http.get(f"/v1/assets/{asset}").json()["rights"]}
    assert rights[1]["valid"] is True
    s.advance_time(11 * DAY)
    s.wait_block(s.client.w3.eth.block_number)
    rights = {r["right_index"]: r for r in s.http.get(f"/v1/assets/{asset}").json()["rights"]}
    assert rights[1]["valid"] is False
    # Was (issue 13's leftover): "Right 1 ... expired at <UTC>; ask its grantor to renew it", as for a grant,
    # though a primary right has no grantor: the message says the term ended, in Beijing time.
    ended = datetime.fromtimestamp(end, tz=timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
    with pytest.raises(ContractRevert, match=f"term of primary holding right 1 of asset .* ended on {ended} "
                                             r"Beijing time") as refused:
        s.client.execute(Transfer(asset, 1, s.accounts[2].address), alice)
    assert "grantor" not in str(refused.value) and refused.value.error_name == "RightExpired"


def test_certificate_holder_follows_the_holding_right(s, tmp_path):
    """Was: the certificate's holder stayed the original applicant after the holding right was transferred."""
    alice, bob, registrar = s.accounts[1], s.accounts[2], s.accounts[6]
    asset, _ = register_file(s, tmp_path, alice, "transferred.csv")
    step(s, ApplyForRegistration(asset, registrar.address, ZERO), alice)
    step(s, AcceptApplication(asset), registrar)
    step(s, ReviewApplication(asset, True, 0, ZERO), registrar)
    s.advance_time(61)
    step(s, CompleteRegistration(asset, 1), registrar)
    step(s, Transfer(asset, 1, bob.address), alice)
    assert s.http.get(f"/v1/assets/{asset}/certificate").json()["holder"] == bob.address
    history = [e["event"] for e in s.http.get(f"/v1/assets/{asset}/history").json()["data"]]
    assert "CertificateReissued" in history


def test_time_gated_step_is_judged_at_the_next_blocks_time_on_an_idle_chain(s, tmp_path):
    """Was: after publicity ended, `certify` was refused until some unrelated transaction mined a block (the
    pre-check judged at the last block's time). The clock moves without a block here, as on an idle chain."""
    alice, registrar = s.accounts[1], s.accounts[6]
    asset, _ = register_file(s, tmp_path, alice, "idle.csv")
    step(s, ApplyForRegistration(asset, registrar.address, ZERO), alice)
    step(s, AcceptApplication(asset), registrar)
    step(s, ReviewApplication(asset, True, 0, ZERO), registrar)
    s.client.w3.provider.make_request("evm_increaseTime", [61])  # publicity is over; no block mined since
    assert s.client.next_block_time() >= s.chain_time() + 61
    step(s, CompleteRegistration(asset, 1), registrar)
    assert s.http.get(f"/v1/assets/{asset}/registration").json()["stage"] == "registered"


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_asset_detail_shows_orders_versions_change_and_pending_rights_after_the_cli(s, tmp_path):
    """Fails on the old code: GET /v1/assets/{id} had none of what the index held since migration 0007: the
    freeze orders (only a `frozen` flag), the versions, the change application, whether a right is pending."""
    alice, bob, registrar, court, office = (s.accounts[i] for i in (1, 2, 6, 7, 5))
    home = tmp_path / "home"
    keys = {}
    for name, account in (("alice", 1), ("registrar", 6), ("court", 7), ("office", 5)):
        keys[name] = str(tmp_path / f"{name}.json")
        datareg(s, home, "key", "import", "--out", keys[name], extra={"DATAREG_IMPORT_KEY": dev_key(account),
                                                                      "DATAREG_KEY_PASSWORD": "pw"})

    def run(*args, expect=0):
        try:
            return datareg(s, home, *args, expect=expect, extra={"DATAREG_KEY_PASSWORD": "pw"})
        finally:
            s.client._nonces.clear()  # the CLI sent from these accounts: the client asks the node again

    data = tmp_path / "detail.csv"
    data.write_text("road,flow\nB2,800\n")
    asset = json.loads(run("--json", "register", str(data), "--metadata", str(EXAMPLES / "traffic-flow.json"),
                           "--holder", f"holding={alice.address}", "--holder", f"operating={alice.address}",
                           "--holder", f"usage={bob.address}", "--key", keys["alice"]).stdout)["asset_id"]
    before = s.http.get(f"/v1/assets/{asset}").json()
    assert {r["right_index"]: r["pending"] for r in before["rights"]} == {1: False, 2: True, 3: False}
    assert before["freeze_orders"] == [] and before["change_application"] is None
    assert [(v["version"], v["current"]) for v in before["versions"]] == [(1, True)]

    step(s, ApplyForRegistration(asset, registrar.address, ZERO), alice)
    step(s, AcceptApplication(asset), registrar)
    step(s, ReviewApplication(asset, True, 0, ZERO), registrar)
    s.advance_time(61)
    step(s, CompleteRegistration(asset, 1), registrar)
    new = tmp_path / "detail-v2.csv"
    new.write_text("road,flow\nB2,900\n")
    run("change", asset, "--registrar", registrar.address, "--metadata", str(EXAMPLES / "hospital-outcomes.json"),
        "--file", str(new), "--classification", "1", "--key", keys["alice"])
    pending = s.http.get(f"/v1/assets/{asset}").json()["change_application"]
    assert (pending["status"], pending["applicant"], pending["registrar"], pending["classification"],
            pending["content_hash"], pending["version"]) == (
        "pending", alice.address, registrar.address, "important", "0x" + fingerprint_file(new).sha256.hex(), None)
    run("review-change", asset, "--key", keys["registrar"])
    run("freeze", asset, "--order", "(2026)闽01执保1号", "--key", keys["court"])
    run("freeze", asset, "--order", "(2026)闽02执保9号", "--key", keys["office"])
    run("freeze", asset, "--order", "(2026)闽03执保5号", "--key", keys["court"])
    run("release", asset, "--order-id", "1", "--key", keys["court"])

    detail = s.http.get(f"/v1/assets/{asset}").json()
    for field in before:  # what was there before is there still, the same way
        assert field in detail
    assert [(o["order_id"], o["regulator"], o["order_reference"], o["waiting"], o["waiting_position"], o["active"],
             o["released_by"], o["released_by_admin"]) for o in detail["freeze_orders"]] == [
        (1, court.address, "(2026)闽01执保1号", False, None, False, court.address, False),
        (2, office.address, "(2026)闽02执保9号", True, 1, True, None, False),
        (3, court.address, "(2026)闽03执保5号", True, 2, True, None, False)]
    assert detail["freeze_orders"][1]["regulator_name"] == "regulator 5"
    assert all(o["ordered_tx"].startswith("0x") and o["ordered_at"] for o in detail["freeze_orders"])
    assert detail["freeze_orders"][0]["released_block"] > detail["freeze_orders"][0]["ordered_block"]
    versions = [(v["version"], v["content_hash"], v["classification"], v["current"]) for v in detail["versions"]]
    assert versions == [(1, "0x" + fingerprint_file(data).sha256.hex(), "general", False),
                        (2, "0x" + fingerprint_file(new).sha256.hex(), "important", True)]
    assert detail["versions"][1]["metadata_cid"] == detail["metadata_cid"]
    change = detail["change_application"]
    assert (change["status"], change["version"]) == ("approved", 2) and change["decided_block"]
    # As of the block before the release (replayed from the events): all three orders stood, in that order.
    released = detail["freeze_orders"][0]["released_block"]
    head = s.http.get(f"/v1/assets/{asset}").json()["head_block"]  # the head the index counts from
    then = s.http.get(f"/v1/assets/{asset}", params={"min_confirmations": head - released + 2}).json()
    assert then["confirmed_block"] == released - 1
    assert [(o["order_id"], o["active"], o["waiting_position"], o["released_by"]) for o in then["freeze_orders"]] \
        == [(1, True, 1, None), (2, True, 2, None), (3, True, 3, None)]
    assert then["versions"] == detail["versions"] and then["change_application"] == change
