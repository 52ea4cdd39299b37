"""The store's queries over an index the indexer wrote from hand-made events (tests/ledger.py): listings of
assets, rights and their validity now and as of a block, a party's rights, history, lineage, provenance
verification, listings' and certificates' status. Fast layer: SQLite, no processes."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest
from sqlmodel import Session

from registry.chain.types import RightKind
from registry.content.cid import digest_to_cid
from registry.db import queries
from registry.db.listings import listing_state
from registry.db.models import Asset, Listing, Participant, Registration
from registry.db.registration import attestations, current_qualification, in_stage, publicity_fields
from registry.db.verification import normalize_cid, normalize_sha256, verify
from registry.errors import ValidationError
from registry.rules import attestation_status, certificate_status
from tests.ledger import Ledger, account

ALICE, BOB, CAROL, DAVE = account(1), account(2), account(3), account(4)
EXCHANGE, REGISTRAR = account(5), account(6)
DAY = 86_400


@dataclass
class World:
    ledger: Ledger
    traffic: str  # registered by Alice, classification 1, usage granted to Bob (30 days) and on to Carol
    clinics: str  # registered by Bob, holding Bob, usage and operating Dave
    derived: str  # Bob's product from traffic's usage grant 4
    granted_at: int  # the time of the block with the grants
    expires: int  # when Bob's grant (and so Carol's sub-grant) ends
    before_transfer: int  # the block after which Carol got right 6 from Bob


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    ledger = Ledger(tmp_path_factory.mktemp("queries"))
    ledger.add_participant(EXCHANGE, 1, "上海数据交易所")
    ledger.add_participant(REGISTRAR, 2, "登记机构")
    traffic = ledger.register(ALICE, metadata={"name": "城市交通流量", "summary": "路口车流 hourly"},
                              classification=1, content="traffic")
    ledger.mine()
    clinics = ledger.register(BOB, {BOB: 0b001, DAVE: 0b110}, metadata={"name": "门诊量", "summary": "clinics"},
                              content="clinics")
    granted_at = ledger.now
    expires = granted_at + 30 * DAY
    ledger.grant(traffic, 2, 4, ALICE, BOB, valid_until=expires, sub_grantable=True, transferable=True)
    ledger.grant(traffic, 4, 5, BOB, CAROL, valid_until=expires + 10 * DAY)
    ledger.grant(traffic, 3, 6, ALICE, BOB, kind=2, transferable=True)
    ledger.emit("Listed", listingId=1, assetId=traffic, exchange=EXCHANGE, holder=BOB, rightIndex=6,
                exchangeListingId="SH-1")
    before_transfer = ledger.mine().number
    ledger.emit("RightTransferred", assetId=traffic, rightIndex=6, **{"from": BOB, "to": CAROL})
    derived = ledger.register(BOB, sources=((traffic, 4),), content="derived")
    ledger.emit("ApplicationFiled", assetId=traffic, applicant=ALICE, registrar=REGISTRAR)
    ledger.emit("ApplicationAccepted", assetId=traffic, registrar=REGISTRAR)
    ledger.emit("ReviewPassed", assetId=traffic, registrar=REGISTRAR, publicityEnds=ledger.now + DAY)
    ledger.emit("Registered", assetId=traffic, registrar=REGISTRAR, certificateNumber="SH2026120000001",
                validUntil=ledger.now + 365 * DAY)
    ledger.index()
    return World(ledger, traffic, clinics, derived, granted_at, expires, before_transfer)


@pytest.fixture
def db(world):
    with Session(world.ledger.engine) as session:
        yield session


def test_assets_are_listed_newest_first_and_filtered(world, db):
    ids = lambda found: [a.asset_id for a in found[0]]  # noqa: E731
    assert ids(queries.list_assets(db)) == [world.derived, world.clinics, world.traffic]
    assert queries.list_assets(db, limit=1, offset=1) == ([db.get(Asset, world.clinics)], 3)
    assert ids(queries.list_assets(db, holder=DAVE)) == [world.clinics]
    assert ids(queries.list_assets(db, holder=CAROL, kind=RightKind.OPERATING)) == [world.traffic]
    assert ids(queries.list_assets(db, holder=CAROL, kind=RightKind.HOLDING)) == []
    assert ids(queries.list_assets(db, classification=1)) == [world.traffic]
    assert ids(queries.list_assets(db, registrant=BOB)) == [world.derived, world.clinics]
    assert ids(queries.list_assets(db, text="交通")) == [world.traffic]
    assert ids(queries.list_assets(db, text="HOURLY")) == [world.traffic]  # case-insensitive


def test_a_grant_is_valid_within_its_terms_and_a_sub_grant_only_while_its_parent_is(world, db):
    traffic = db.get(Asset, world.traffic)
    during = {s.right.right_index: s for s in queries.right_states(db, traffic, world.granted_at + DAY)}
    assert all(s.valid for s in during.values())
    assert during[5].chain == (5, 4, 2) and during[5].right.holder == CAROL
    after = {s.right.right_index: s for s in queries.right_states(db, traffic, world.expires)}
    assert (after[4].valid, after[4].reason) == (False, "expired")  # valid_until is exclusive
    assert (after[5].valid, after[5].reason) == (False, "parent_expired")  # its own term runs 10 days more
    assert after[2].valid and after[6].valid
    only = queries.right_states(db, traffic, world.expires, indices=[5])
    assert {s.right.right_index: s.reason for s in only} == {2: None, 4: "expired", 5: "parent_expired"}


def test_rights_as_of_a_block_show_who_held_them_then(world, db):
    traffic = db.get(Asset, world.traffic)
    then = {s.right.right_index: s.right.holder for s in
            queries.rights_at(db, traffic, world.before_transfer, world.granted_at)}
    now = {s.right.right_index: s.right.holder for s in
           queries.rights_at(db, traffic, world.ledger.head.number, world.granted_at)}
    assert (then[6], now[6]) == (BOB, CAROL)
    assert 6 not in {s.right.right_index for s in queries.rights_at(db, traffic, world.before_transfer - 1,
                                                                     world.granted_at)}


def test_a_party_s_rights_include_those_it_passed_on(world, db):
    rows = queries.party_rights(db, BOB, limit=50, offset=0)
    held = {(r.row.asset_id, r.row.right_index): r for r in rows}
    assert set(held) == {(world.traffic, 4), (world.traffic, 6), (world.clinics, 1), (world.derived, 1),
                         (world.derived, 2), (world.derived, 3)}
    passed_on = held[(world.traffic, 6)]
    assert passed_on.state is None and passed_on.row.transferred_to == CAROL
    assert held[(world.traffic, 4)].state.valid  # judged at the last block's time: within the 30 days
    assert [(r.row.asset_id, r.row.right_index) for r in queries.party_rights(db, BOB, limit=2, offset=1)] == \
        [(r.row.asset_id, r.row.right_index) for r in rows[1:3]]


def test_history_in_chain_order_filtered_and_paged(world, db):
    events, count = queries.history(db, world.traffic)
    # registration 4, grants 3, listing, transfer, procedure 4, and the derivation made from it (derived_from_this)
    assert count == len(events) == 14
    assert [e.name for e in events].count("AssetDerived") == 1
    positions = [(e.block_number, e.log_index) for e in events]
    assert positions == sorted(positions)
    usage, usage_count = queries.history(db, world.traffic, kind=int(RightKind.USAGE))
    assert usage_count == 3 and {e.name for e in usage} == {"RightAssigned", "RightGranted"}
    carol, _ = queries.history(db, world.traffic, party=CAROL)
    assert [e.name for e in carol] == ["RightGranted", "RightTransferred"]
    page, total = queries.history(db, world.traffic, limit=4, offset=4)
    assert total == 14 and page == events[4:8]
    after, _ = queries.history(db, world.traffic, after=positions[9], limit=100)
    assert after == events[10:]
    assert queries.history(db, "0x" + "00" * 32, check_asset=True) is None


def test_lineage_both_ways(world, db):
    sources, derived = queries.lineage(db, world.derived)
    assert [(s.source_asset_id, s.right_index) for s in sources] == [(world.traffic, 4)] and derived == []
    sources, derived = queries.lineage(db, world.traffic, derived_asset=False)
    assert sources == [] and [d.asset_id for d in derived] == [world.derived]
    levels, edges = queries.lineage_graph(db, world.derived, depth=3)
    assert levels == {world.derived: 0, world.traffic: -1} and len(edges) == 1


def test_verification_finds_the_asset_by_either_fingerprint_with_its_valid_holders(world, db):
    content_hash = hashlib.sha256(b"traffic").digest()
    sha256 = normalize_sha256(content_hash.hex().upper())
    cid = normalize_cid(digest_to_cid(hashlib.sha256(content_hash).digest()))
    by_hash, by_cid = verify(db, sha256=sha256), verify(db, cid=cid)
    assert [m.asset.asset_id for m in by_hash.matches] == [m.asset.asset_id for m in by_cid.matches] == [world.traffic]
    match = by_hash.matches[0]
    assert match.matched_by == ("sha256",)
    assert [h.state.right.holder for h in match.holders[RightKind.USAGE]] == [ALICE, BOB, CAROL]
    assert [h.chain_holders for h in match.holders[RightKind.USAGE]][2] == (CAROL, BOB, ALICE)
    assert [d.asset_id for d in match.derived] == [world.derived]
    assert match.listings == []  # listed by Bob, whose operating right has passed to Carol
    assert by_hash.indexed_block == world.ledger.head.number
    assert not verify(db, sha256="0x" + "00" * 32).registered
    with pytest.raises(ValidationError, match="64 hexadecimal"):
        normalize_sha256("0x1234")


def test_listing_and_certificate_status(world, db):
    listing = db.get(Listing, 1)
    assert listing_state(db, listing, world.granted_at).reason == "right_transferred_away"
    traffic = db.get(Asset, world.traffic)
    registration = db.get(Registration, world.traffic)
    assert certificate_status(registration, traffic, world.granted_at) == "valid"
    assert certificate_status(registration, traffic, registration.valid_until) == "lapsed"
    assert certificate_status(None, traffic, world.granted_at) == "none"


def status_of(db, attestation, asset, moment) -> str:
    return attestation_status(attestation, db.get(Participant, attestation.issuer), asset, moment,
                              current_qualification(db, attestation.issuer))


def test_applications_by_stage_and_attestations_by_status(tmp_path):
    ledger = Ledger(tmp_path)
    appraiser = account(7)
    ledger.add_participant(appraiser, 3, "评估机构")
    ledger.qualify(appraiser, validUntil=ledger.now + 30 * DAY)
    first = ledger.register(ALICE, metadata={"name": "一", "summary": "s", "applicant": {"name": "甲公司"}},
                            content="first")
    second = ledger.register(BOB, content="second")
    ledger.emit("ApplicationFiled", assetId=first, applicant=ALICE, registrar=REGISTRAR)
    ledger.emit("ApplicationFiled", assetId=second, applicant=BOB, registrar=REGISTRAR)
    ledger.emit("ApplicationAccepted", assetId=second, registrar=REGISTRAR)
    ledger.emit("Attested", attestationId=1, assetId=first, issuer=appraiser, assetVersion=1,
                data={"kind": 0, "value": 10, "validUntil": ledger.now + DAY})
    ledger.emit("Attested", attestationId=2, assetId=first, issuer=appraiser, assetVersion=1, data={"kind": 0})
    ledger.index()
    with Session(ledger.engine) as db:
        assert [r.asset_id for r in in_stage(db, "applied", None, 10, 0)] == [first]
        assert [r.asset_id for r in in_stage(db, "accepted", REGISTRAR, 10, 0)] == [second]
        assert in_stage(db, "accepted", ALICE, 10, 0) == []
        assert publicity_fields(db.get(Asset, first))["applicant_name"] == "甲公司"
        asset = db.get(Asset, first)
        one, two = attestations(db, first)
        assert [status_of(db, a, asset, ledger.now) for a in (one, two)] == ["valid", "valid"]
        assert status_of(db, one, asset, ledger.now + DAY) == "expired"
    ledger.emit("AssetChanged", assetId=first, by=ALICE, version=2, metadataCid=b"\1" * 32)
    ledger.emit("ParticipantSuspended", account=appraiser)
    ledger.index()
    with Session(ledger.engine) as db:
        asset = db.get(Asset, first)
        assert status_of(db, attestations(db, first)[1], asset, ledger.now) == "issuer_not_active"
    ledger.emit("ParticipantReinstated", account=appraiser)
    ledger.index()
    with Session(ledger.engine) as db:
        asset = db.get(Asset, first)
        assert status_of(db, attestations(db, first)[1], asset, ledger.now) == "superseded"
        # Issue 21: once its qualification ends, what it issued no longer stands (failed on the old code: valid).
        assert status_of(db, attestations(db, first)[1], asset, ledger.now + 30 * DAY) == "issuer_not_qualified"
    ledger.emit("QualificationRevoked", account=appraiser, serial=1, reasonCode=1)
    ledger.index()
    with Session(ledger.engine) as db:
        asset = db.get(Asset, first)
        assert status_of(db, attestations(db, first)[1], asset, ledger.now) == "issuer_not_qualified"
        assert current_qualification(db, appraiser).revocation_reason == 1
