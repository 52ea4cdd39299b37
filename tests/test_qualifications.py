"""Issue 21, roles and qualifications, appraisals: the index of qualification records and engagements (handlers,
reorg rollback, `datareg index check`), and the API's participants and attestations against a real stack.

The ledger tests (tests/ledger.py) run no process; the stack tests run anvil, the contracts, the indexer and the
API over HTTP."""
from __future__ import annotations

import pytest
from eth_account import Account
from sqlalchemy import update
from sqlmodel import Session

from registry.chain.operations import (
    AddParticipant,
    Appraise,
    Attest,
    Engage,
    Qualify,
    RenewQualification,
    RevokeQualification,
)
from registry.db.models import Attestation, Engagement, Event, Participant, Qualification, UndoBatch
from registry.db.session import make_engine
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from registry.indexer.batch import table_of
from registry.indexer.check import check, compare_state, replay_logs
from tests.conftest import random_registration
from tests.ledger import Ledger, account, table

ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
ALICE, BOB, APPRAISER, NOTARY = account(1), account(2), account(6), account(8)
APPRAISER_ROLE, NOTARY_ROLE = 3, 10
DAY = 86_400
STATE = (Participant, Qualification, Engagement, Attestation, Event)


def _state(ledger: Ledger) -> dict[str, list[dict]]:
    return {m.__tablename__: table(ledger.engine, m, leave_out=("id",)) for m in STATE}


def _chain(ledger: Ledger) -> dict[str, str]:
    """Qualifications recorded, renewed, revoked and recorded again; an engagement used by an appraisal and one
    withdrawn; a notarisation; over several blocks."""
    ledger.add_participant(APPRAISER, APPRAISER_ROLE, "评估机构")
    ledger.add_participant(NOTARY, NOTARY_ROLE, "公证处")
    ledger.qualify(APPRAISER, validUntil=ledger.now + 30 * DAY, scope="数据资产评估", documentCid=b"\4" * 32)
    asset = ledger.register(ALICE)
    ledger.mine()
    ledger.qualify(NOTARY, kind=0)
    ledger.emit("Engaged", engagementId=1, assetId=asset, holder=ALICE, appraiser=APPRAISER, rightIndex=1,
                letterCid=b"\5" * 32)
    ledger.emit("Engaged", engagementId=2, assetId=asset, holder=ALICE, appraiser=APPRAISER, rightIndex=1)
    ledger.mine()
    ledger.emit("Attested", attestationId=1, assetId=asset, issuer=APPRAISER, assetVersion=1,
                data={"kind": 0, "value": 120_000_000, "currency": "CNY", "method": "收益法"})
    ledger.emit("Appraised", attestationId=1, engagementId=1, valuationDate=ledger.now - DAY, valueType=1,
                basis="数据资产评估指导意见")
    ledger.emit("EngagementWithdrawn", engagementId=2, assetId=asset, holder=ALICE)
    ledger.emit("Attested", attestationId=2, assetId=asset, issuer=NOTARY, assetVersion=1, data={"kind": 3})
    ledger.mine()
    ledger.emit("QualificationRenewed", account=APPRAISER, serial=1, validUntil=ledger.now + 400 * DAY,
                documentCid=b"\6" * 32)
    ledger.mine()
    ledger.emit("QualificationRevoked", account=NOTARY, serial=1, reasonCode=2, evidenceCid=b"\7" * 32)
    ledger.mine()
    ledger.qualify(NOTARY, serial=2, number="GZ-2")
    ledger.mine()
    return {"asset": asset}


def test_qualifications_engagements_and_appraisal_terms_are_projected(tmp_path):
    """Failed on the old code: none of these events had a handler, so no table held them."""
    ledger = Ledger(tmp_path)
    asset = _chain(ledger)["asset"]
    ledger.index()
    quals = {(q["account"], q["serial"]): q for q in table(ledger.engine, Qualification)}
    appraiser = quals[(APPRAISER, 1)]
    assert (appraiser["issuer"], appraiser["number"], appraiser["scope"]) == ("福建省财政厅", "PG-1", "数据资产评估")
    assert appraiser["valid_until"] > ledger.blocks[1].timestamp + 300 * DAY  # renewed
    assert appraiser["document_cid"] and appraiser["document_cid"] != quals[(NOTARY, 2)]["document_cid"]
    assert quals[(NOTARY, 1)]["revoked"] and quals[(NOTARY, 1)]["revocation_reason"] == 2
    assert not quals[(NOTARY, 2)]["revoked"] and quals[(NOTARY, 2)]["number"] == "GZ-2"
    engagements = {e["engagement_id"]: e for e in table(ledger.engine, Engagement)}
    assert (engagements[1]["status"], engagements[1]["attestation_id"]) == ("used", 1)
    assert engagements[1]["letter_cid"] and engagements[2]["status"] == "withdrawn"
    attestations = {a["attestation_id"]: a for a in table(ledger.engine, Attestation)}
    assert (attestations[1]["value_type"], attestations[1]["basis"], attestations[1]["engagement_id"]) == (
        "market", "数据资产评估指导意见", 1)
    assert attestations[2]["kind"] == "notarisation" and attestations[2]["value_type"] is None
    events = {e["name"]: e for e in table(ledger.engine, Event)}
    # In the asset's history: the Appraised event names no asset, its attestation does.
    assert events["Appraised"]["asset_id"] == asset and events["Engaged"]["party"] == ALICE
    assert events["QualificationRevoked"]["party"] == NOTARY


@pytest.mark.parametrize("reorg_window", [128, 0], ids=["undo-journals", "replay"])
def test_a_rollback_takes_qualifications_and_engagements_back_to_the_fork(tmp_path, reorg_window):
    """Rolled back by the undo journals or by replaying the remaining events, the index equals one built from the
    blocks up to the fork alone (the replay deletes and rebuilds qualifications with their participant and
    engagements with their asset)."""
    live = Ledger(tmp_path / "live", reorg_window=reorg_window)
    reference = Ledger(tmp_path / "reference")
    for ledger in (live, reference):
        _chain(ledger)
    for block in live.blocks[1:]:
        live.index_through(block.number)
    assert bool(table(live.engine, UndoBatch)) == (reorg_window > 0)
    for fork in (4, 2):  # after the appraisal and before the renewal; then before the appraisal
        live.indexer.rollback(fork)
        reference_copy = Ledger(tmp_path / f"reference-{fork}")
        _chain(reference_copy)
        reference_copy.index_through(fork)
        assert _state(live) == _state(reference_copy), fork
    assert table(live.engine, Qualification) and not [e for e in table(live.engine, Engagement)
                                                      if e["status"] == "used"]


def test_the_index_check_compares_qualifications_and_engagements(tmp_path):
    """`datareg index check` replays the logs and compares every state table: a qualification or engagement
    row that differs from the chain's events is reported. Failed on the old code: these tables were not compared."""
    ledger = Ledger(tmp_path)
    emitted = []
    original = ledger.emit

    def emit(name, /, **args):
        event = original(name, **args)
        emitted.append(event)
        return event

    ledger.emit = emit  # type: ignore[method-assign]
    _chain(ledger)
    ledger.index()
    times = {h.number: h.timestamp for h in ledger.blocks}
    batch, _ = replay_logs([(e, times[e.block_number]) for e in emitted])

    def differences() -> list:
        with ledger.engine.connect() as connection:
            db_rows = {model: [dict(r) for r in connection.execute(table_of(model).select()).mappings()]
                       for model in (Qualification, Engagement)}
        from registry.indexer import check as module

        saved = module.STATE_TABLES
        module.STATE_TABLES = {m: saved[m] for m in (Qualification, Engagement)}
        try:
            out: list = []
            counts = compare_state(out, batch, db_rows)
        finally:
            module.STATE_TABLES = saved
        assert counts == {"qualifications": 3, "engagements": 2}
        return out

    assert differences() == []
    with ledger.engine.begin() as connection:
        connection.execute(update(table_of(Qualification)).where(table_of(Qualification).c.serial == 2)
                           .values(number="GZ-FORGED"))
        connection.execute(update(table_of(Engagement)).values(status="open"))
    found = {(d.entity, d.field) for d in differences()}
    assert (f"qualifications {NOTARY}/2", "number") in found
    assert ("engagements 1", "status") in found and ("engagements 2", "status") in found


# ─────────────────────────────── against a real stack ───────────────────────────────


def _step(s, operation, account):
    result = s.client.execute(operation, account)
    s.wait_block(result.block_number)
    return result


def test_participants_and_attestations_follow_the_qualification_on_chain(private_stack):
    """A notary admitted inactive, qualified for 30 days, notarises; past its qualification's end it is no longer
    active and its notarisation is issuer_not_qualified, in the API as in the contract; renewed it stands again;
    revoked it lapses with the reason. An appraisal relayed under a signed engagement shows its terms. The index
    check finds no difference. Failed on the old code: no qualifications, no IssuerNotQualified, no engagement."""
    s = private_stack
    alice, notary, appraiser = s.accounts[1], s.accounts[7], s.accounts[5]
    for who, role, name in ((notary, "notary", "厦门市鹭江公证处"), (appraiser, "appraiser", "评估所")):
        _step(s, AddParticipant(who.address, role, name, "91350200MA00000001"), ADMIN)
    shown = s.http.get(f"/v1/participants/{notary.address}").json()
    assert (shown["active"], shown["requires_qualification"], shown["qualification_status"]) == (False, True, "none")
    asset = s.client.register(random_registration([(alice.address, 7)]), alice).asset_ids[0]
    with pytest.raises(ContractRevert, match="qualified service provider"):
        s.client.execute(Attest(asset, "notarisation"), notary)

    until = s.chain_time() + 30 * DAY
    _step(s, Qualify(notary.address, "licence", 0, until, "厦门市司法局", "GZ-3502-01", "数据公证",
                     bytes([3]) * 32), ADMIN)
    _step(s, Qualify(appraiser.address, issuer="福建省财政厅", number="PG-35-0005"), ADMIN)
    notarised = _step(s, Attest(asset, "notarisation", conclusion="数据保全公证"), notary).events[0].args[
        "attestationId"]
    shown = s.http.get(f"/v1/participants/{notary.address}").json()
    assert shown["active"] and shown["qualification_status"] == "valid"
    [q] = shown["qualifications"]
    assert (q["kind"], q["issuer"], q["number"], q["scope"], q["status"]) == (
        "licence", "厦门市司法局", "GZ-3502-01", "数据公证", "valid")
    assert q["document_cid"] and q["valid_until"]
    listed = {p["account"]: p for p in s.http.get("/v1/participants", params={"role": "notary"}).json()}
    assert listed[notary.address]["qualifications"][0]["number"] == "GZ-3502-01"

    def notarisation():
        return next(a for a in s.http.get(f"/v1/assets/{asset}/attestations").json()
                    if a["attestation_id"] == notarised)

    views = s.client.chain.contracts["AttestationRegistry"]
    assert notarisation()["status"] == "valid" and views.functions.attestationStatus(notarised).call() == 1
    s.advance_time(until - s.chain_time() + 1)
    s.wait_block(s.client.w3.eth.block_number)
    assert notarisation()["status"] == "issuer_not_qualified"
    assert views.functions.attestationStatus(notarised).call() == 6  # IssuerNotQualified
    shown = s.http.get(f"/v1/participants/{notary.address}").json()
    assert (shown["active"], shown["qualification_status"]) == (False, "expired")

    _step(s, RenewQualification(notary.address, s.chain_time() + 365 * DAY), ADMIN)
    assert notarisation()["status"] == "valid"
    _step(s, RevokeQualification(notary.address, 1, bytes([9]) * 32), ADMIN)
    shown = s.http.get(f"/v1/participants/{notary.address}").json()
    assert shown["qualification_status"] == "revoked" and shown["qualifications"][0]["revocation_reason"]["key"] \
        == "revoked_by_issuer"
    assert notarisation()["status"] == "issuer_not_qualified"

    # An appraisal under alice's engagement, signed by her and relayed through the API.
    signed = s.client.sign(Engage(appraiser.address, asset, 1, bytes([8]) * 32), alice)
    relayed = s.http.post("/v1/relay/engage", json={
        "signer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
        "operation": signed.operation.to_json()})
    assert relayed.status_code == 200, relayed.text
    s.wait_block(relayed.json()["block_number"])
    engagement = next(e for e in relayed.json()["events"] if e["name"] == "Engaged")["args"]["engagementId"]
    with pytest.raises(ContractRevert, match="under the holder's engagement"):
        s.client.execute(Attest(asset, "appraisal", value=1, currency="CNY"), appraiser)
    appraised = _step(s, Appraise(asset, engagement, 88_000_000, s.chain_time() - DAY, "liquidation",
                                  basis="资产评估执业准则", method="成本法"), appraiser)
    attestation_id = appraised.events[0].args["attestationId"]
    answer = next(a for a in s.http.get(f"/v1/assets/{asset}/attestations").json()
                  if a["attestation_id"] == attestation_id)
    assert (answer["kind"], answer["value"], answer["value_type"], answer["basis"], answer["status"]) == (
        "appraisal", 88_000_000, "liquidation", "资产评估执业准则", "valid")
    assert answer["valuation_date"] and answer["engagement"]["holder"] == alice.address
    assert (answer["engagement"]["engagement_id"], answer["engagement"]["status"]) == (engagement, "used")
    with pytest.raises(ContractRevert, match="already used"):
        s.client.execute(Appraise(asset, engagement, 1, s.chain_time() - DAY, "market"), appraiser)

    engine = make_engine(s.settings.database_url)
    try:
        report = check(s.rpc_url, s.deployment, engine)
        with Session(engine) as db:
            assert db.get(Engagement, engagement).attestation_id == attestation_id
    finally:
        engine.dispose()
    assert report.differences == [], report.differences
    assert report.checked["qualifications"] == 2 and report.checked["engagements"] == 1
