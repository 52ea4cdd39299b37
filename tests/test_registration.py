"""The national registration procedure, remarks, change, cancellation and attestations, end to end: the
Python client, the chain (with anvil's clock moved, never slept), the indexer and the HTTP API."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_account import Account

from registry.chain.operations import (
    AcceptApplication,
    AddParticipant,
    ApplyForChange,
    ApplyForRegistration,
    Appraise,
    Attest,
    Cancel,
    CompleteRegistration,
    ConfigureRegistrar,
    Engage,
    Freeze,
    Grant,
    GrantTerms,
    ListingConsent,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    LodgeObjection,
    Qualify,
    RecordPledge,
    ReleaseFreeze,
    ReleasePledge,
    RenewRegistration,
    RequestRenewal,
    ResolveObjection,
    ReturnApplication,
    ReviewApplication,
    ReviewChange,
    RevokeAttestation,
    SetListingPolicy,
    SetPublicityPeriod,
    Transfer,
)
from registry.chain.types import RightKind, certificate_text
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DAY = 86_400
PUBLICITY = 5 * DAY
ZERO = bytes(32)
ADMIN = Account.from_key(dev_key(DEPLOYER_ACCOUNT))


@pytest.fixture(scope="module")
def s(private_stack):
    """Participants: a registrar (account 6), a regulator (7), an exchange that objects (4), an appraiser (5)."""
    st = private_stack
    roles = [(6, "registrar", "福建省数据登记中心"), (7, "regulator", "福建省网信办"),
             (4, "exchange", "海峡数据交易所"),
             (5, "appraiser", "厦门数据资产评估有限公司")]
    for index, role, name in roles:
        st.client.execute(AddParticipant(st.accounts[index].address, role, name, f"9135000000000000{index}X"), ADMIN)
    st.client.execute(Qualify(st.accounts[5].address, issuer="福建省财政厅", number="PG-35-0005"), ADMIN)
    st.client.execute(ConfigureRegistrar(st.accounts[6].address, "35", "A"), ADMIN)
    # The exchange lists assets still in the procedure: its policy allows uncertified assets.
    st.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), st.accounts[4])
    done = st.client.execute(SetPublicityPeriod(PUBLICITY), ADMIN)
    st.wait_block(done.block_number)
    return st


def registered_asset(s, tmp_path, owner) -> str:
    """An asset with its metadata document in the store, so publicity shows its public fields."""
    document = parse_metadata((EXAMPLES / "traffic-flow.json").read_text())
    s.http.post("/v1/metadata", json=json.loads(canonical_bytes(document)))
    data = tmp_path / f"data-{owner.address}.csv"
    data.write_bytes(tmp_path.name.encode() + owner.address.encode())
    prepared = prepare_registration(data, document, owner.address, [(owner.address, k) for k in RightKind])
    return s.client.register(prepared.registration, owner).asset_ids[0]


def step(s, operation, account):
    result = s.client.execute(operation, account)
    s.wait_block(result.block_number)
    return result


def registration(s, asset_id: str) -> dict:
    return s.http.get(f"/v1/assets/{asset_id}/registration").json()


def to_publicity(s, asset_id, applicant):
    registrar = s.accounts[6]
    step(s, ApplyForRegistration(asset_id, registrar.address, bytes([1]) * 32), applicant)
    step(s, AcceptApplication(asset_id), registrar)
    step(s, ReviewApplication(asset_id, True, 0, ZERO), registrar)


def test_objection_upheld_refuses_registration(s, tmp_path):
    alice, registrar, objector = s.accounts[1], s.accounts[6], s.accounts[4]
    asset = registered_asset(s, tmp_path, alice)
    to_publicity(s, asset, alice)
    notices = {n["asset_id"]: n for n in s.http.get("/v1/registrations", params={"status": "publicity"}).json()}
    notice = notices[asset]
    assert notice["data_name"].startswith("厦门市") and notice["applicant_name"] == "厦门鹭通交通数据科技有限公司"
    assert notice["restrictions"]["export_allowed"] is False

    objection = step(s, LodgeObjection(asset, 2, bytes([2]) * 32), objector).events[0].args["objectionId"]
    with pytest.raises(ContractRevert, match="unresolved objection"):
        s.advance_time(PUBLICITY + 1)
        s.client.execute(CompleteRegistration(asset, 5), registrar)
    step(s, ResolveObjection(asset, objection, True, ZERO), registrar)

    shown = registration(s, asset)
    assert shown["stage"] == "refused" and shown["certificate_status"] == "not_registered"
    assert [(o["objector"], o["status"]) for o in shown["objections"]] == [(objector.address, "upheld")]
    assert s.http.get(f"/v1/assets/{asset}/certificate").status_code == 404
    actions = [e["event"] for e in s.http.get(f"/v1/assets/{asset}/history").json()["data"]]
    assert actions[-6:] == ["ApplicationFiled", "ApplicationAccepted", "ReviewPassed", "ObjectionLodged",
                            "ObjectionResolved", "RegistrationRefused"]


def test_returned_then_registered_with_certificate_renewal_and_lapse(s, tmp_path):
    bob, registrar, objector = s.accounts[2], s.accounts[6], s.accounts[4]
    asset = registered_asset(s, tmp_path, bob)
    step(s, ApplyForRegistration(asset, registrar.address, ZERO), bob)
    step(s, ReturnApplication(asset, 1, bytes([3]) * 32), registrar)
    assert registration(s, asset)["stage"] == "returned"
    to_publicity(s, asset, bob)
    objection = step(s, LodgeObjection(asset, 1, ZERO), objector).events[0].args["objectionId"]
    step(s, ResolveObjection(asset, objection, False, ZERO), registrar)
    with pytest.raises(ContractRevert, match="publicity period .* runs until"):
        s.client.execute(CompleteRegistration(asset, 5), registrar)
    s.advance_time(PUBLICITY)
    registered = step(s, CompleteRegistration(asset, 1), registrar)

    shown = registration(s, asset)
    assert shown["stage"] == "registered" and shown["certificate_status"] == "valid"
    assert re.fullmatch(r"SJ35A20\d{4}\d{4}", shown["certificate_number"]), shown["certificate_number"]
    number = certificate_text(registered.events[0].args["certificateNumber"])  # bytes17, zero bytes after 15
    assert shown["certificate_number"] == number
    certificate = s.http.get(f"/v1/assets/{asset}/certificate").json()
    assert certificate["status"] == "valid" and certificate["holder"] == bob.address
    page = s.http.get(f"/v1/assets/{asset}/certificate", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert number in page.text and "<svg" in page.text and "数据产权登记证书" in page.text

    # Renewal: the certificate's holder requests it inside the window; the registrar reviews the request.
    with pytest.raises(ContractRevert, match="can be renewed only from"):
        s.client.execute(RequestRenewal(asset), bob)
    with pytest.raises(ContractRevert, match="has not requested renewal"):
        s.client.execute(RenewRegistration(asset, 1), registrar)
    s.advance_time(365 * DAY - 100 * DAY)
    step(s, RequestRenewal(asset), bob)
    step(s, RenewRegistration(asset, 2), registrar)
    assert registration(s, asset)["valid_until"] > shown["valid_until"]
    s.advance_time(3 * 365 * DAY)
    s.wait_block(s.client.w3.eth.block_number)
    assert registration(s, asset)["certificate_status"] == "lapsed"


def test_freeze_by_relayed_signature_blocks_transfers_and_listings(s, tmp_path):
    alice, regulator, exchange, bob = s.accounts[1], s.accounts[7], s.accounts[4], s.accounts[2]
    asset = registered_asset(s, tmp_path, alice)
    operating = step(s, Grant(asset, 3, GrantTerms(bob.address, transferable=True)), alice).events[0].args["rightIndex"]
    request = ListingRequest(asset, operating, f"HX-{asset[:10]}")
    consent = s.client.sign(ListingConsent(exchange.address, request), bob)
    listing = step(s, ListProduct.with_consent(request, consent),
                   exchange).events[0].args["listingId"]

    # The regulator signs the freeze offline; the API's relayer submits it through the forwarder.
    signed = s.client.sign_forwarded(Freeze(asset, "(2026)闽0203执保88号", bytes([4]) * 32), regulator)
    response = s.http.post("/v1/relay/forward", json={
        "signer": regulator.address, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
        "operation": signed.operation.to_json()})
    assert response.status_code == 200, response.text
    s.wait_block(response.json()["block_number"])
    detail = s.http.get(f"/v1/assets/{asset}").json()
    assert detail["remarks"]["frozen"] is True
    assert s.http.get(f"/v1/listings/{listing}").json()["invalid_reason"] == "asset_frozen"
    with pytest.raises(ContractRevert, match="frozen by a regulator"):
        s.client.execute(Transfer(asset, operating, alice.address), bob)
    # A freeze signed by someone who is not a regulator is refused before it is relayed.
    with pytest.raises(ContractRevert, match="not an active regulator"):
        s.client.sign_forwarded(ReleaseFreeze(asset, 1, ZERO), alice)

    step(s, ReleaseFreeze(asset, 1, ZERO), regulator)
    assert s.http.get(f"/v1/listings/{listing}").json()["valid"] is True
    events = s.http.get(f"/v1/assets/{asset}/history").json()["data"]
    history = [e["event"] for e in events]
    assert history.count("AssetFrozen") == 1 and history.count("AssetFreezeReleased") == 1
    # One scheme for event kinds (issue 18): `action` is snake_case for every event (it was "AssetFrozen" here),
    # the contract's name stays in `event`.
    actions = {e["event"]: e["action"] for e in events}
    assert actions["AssetFrozen"] == "asset_frozen" and actions["AssetFreezeReleased"] == "asset_freeze_released"
    assert all(re.fullmatch(r"[a-z_]+", e["action"]) for e in events)


def test_pledge_blocks_the_operating_right_until_released(s, tmp_path):
    alice, registrar, bob = s.accounts[1], s.accounts[6], s.accounts[2]
    asset = registered_asset(s, tmp_path, alice)
    pledge = step(s, RecordPledge(asset, "ZD20261121000088", bob.address), registrar).events[0].args["pledgeId"]
    remarks = s.http.get(f"/v1/assets/{asset}").json()["remarks"]
    assert [(p["external_registration_no"], p["active"]) for p in remarks["pledges"]] == [("ZD20261121000088", True)]
    with pytest.raises(ContractRevert, match="is pledged"):
        s.client.execute(Transfer(asset, 3, bob.address), alice)
    step(s, ReleasePledge(asset, pledge), registrar)
    step(s, Transfer(asset, 3, bob.address), alice)


def test_change_supersedes_attestations_and_cancellation_ends_the_certificate(s, tmp_path):
    carol, registrar, appraiser = s.accounts[3], s.accounts[6], s.accounts[5]
    asset = registered_asset(s, tmp_path, carol)
    engagement = step(s, Engage(appraiser.address, asset), carol).events[0].args["engagementId"]
    attested = step(s, Appraise(asset, engagement, 1_200_000_00, s.chain_time(), "market", method="收益法",
                                conclusion="评估值 120 万元", report_cid=bytes([5]) * 32), appraiser)
    first = attested.events[0].args["attestationId"]
    with pytest.raises(ContractRevert, match="not an active, qualified service provider"):
        s.client.execute(Attest(asset, "quality_evaluation"), appraiser)
    [shown] = s.http.get(f"/v1/assets/{asset}/attestations").json()
    assert shown["status"] == "valid" and shown["value"] == 1_200_000_00 and shown["currency"] == "CNY"

    # A change registration: applied for by the registrant, current once the registrar approves it.
    step(s, ApplyForChange(asset, registrar.address, bytes([6]) * 32, ZERO), carol)
    assert s.http.get(f"/v1/assets/{asset}").json()["version"] == 1
    step(s, ReviewChange(asset, True, 0, ZERO), registrar)
    detail = s.http.get(f"/v1/assets/{asset}").json()
    assert detail["version"] == 2
    assert [a["status"] for a in detail["attestations"]] == ["superseded"]
    engagement = step(s, Engage(appraiser.address, asset), carol).events[0].args["engagementId"]
    second = step(s, Appraise(asset, engagement, 1, s.chain_time(), "market"), appraiser).events[0].args[
        "attestationId"]
    step(s, RevokeAttestation(second, 1), appraiser)
    statuses = {a["attestation_id"]: a["status"] for a in s.http.get(f"/v1/assets/{asset}/attestations").json()}
    assert statuses == {first: "superseded", second: "revoked"}

    to_publicity(s, asset, carol)
    s.advance_time(PUBLICITY)
    step(s, CompleteRegistration(asset, 5), registrar)
    with pytest.raises(ContractRevert, match="only a registrar"):
        s.client.execute(Cancel(asset, 3, ZERO), carol)
    step(s, Cancel(asset, 3, bytes([7]) * 32), registrar)
    assert s.http.get(f"/v1/assets/{asset}/certificate").json()["status"] == "cancelled"
    rights = s.http.get(f"/v1/assets/{asset}/rights").json()["rights"]
    assert {r["invalid_reason"] for r in rights} == {"asset_cancelled"}


def test_a_freeze_is_left_out_of_confirmed_answers_until_it_has_the_confirmations(s, tmp_path):
    """Asset-level remarks as of the last confirmed block come from replaying the asset's events."""
    alice, regulator, registrar, bob = s.accounts[1], s.accounts[7], s.accounts[6], s.accounts[2]
    asset = registered_asset(s, tmp_path, alice)
    step(s, RecordPledge(asset, "ZD2026-7", bob.address), registrar)
    frozen = step(s, Freeze(asset, "(2026)闽01执2号", ZERO), regulator)
    now = s.http.get(f"/v1/assets/{asset}").json()
    assert now["remarks"]["frozen"] is True and len(now["remarks"]["pledges"]) == 1
    confirmed = s.http.get(f"/v1/assets/{asset}", params={"min_confirmations": 2}).json()
    assert confirmed["confirmed_block"] == frozen.block_number - 1
    assert confirmed["remarks"]["frozen"] is False and len(confirmed["remarks"]["pledges"]) == 1
    before_pledge = s.http.get(f"/v1/assets/{asset}", params={"min_confirmations": 3}).json()
    assert before_pledge["remarks"]["pledges"] == []


def test_verification_reports_freeze_and_pledges_as_encumbrances(s, tmp_path):
    alice, registrar, regulator, bob = s.accounts[1], s.accounts[6], s.accounts[7], s.accounts[2]
    asset = registered_asset(s, tmp_path, alice)
    content_hash = s.wait_indexed(asset)["content_hash"]
    step(s, RecordPledge(asset, "ZD2026-99", bob.address), registrar)
    step(s, Freeze(asset, "(2026)闽01执1号", ZERO), regulator)
    [match] = [m for m in s.http.post("/v1/verify", json={"sha256": content_hash}).json()["matches"]
               if m["asset_id"] == asset]
    kinds = {e["type"]: e for e in match["encumbrances"]}
    assert kinds["frozen"]["order_reference"] == "(2026)闽01执1号" and kinds["frozen"]["by"] == regulator.address
    assert kinds["pledge"]["external_registration_no"] == "ZD2026-99" and kinds["pledge"]["pledgee"] == bob.address
