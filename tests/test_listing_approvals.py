"""Issue 17's leftovers, fast layer: the ListingRegistry's ListingApproved, ListingApprovalRevoked and
ConsentsWithdrawn events projected into `listing_approvals` and `withdrawn_consents` (an approval's use found from
its listing's own request), rolled back with a reorg, compared by the index check, and served by the API
(GET /v1/listings/approvals, /v1/listings/withdrawn-consents). A hand-written chain (tests/ledger.py), no process;
tests/test_listings.py runs the same against the contract.

Each test failed on the old code: these events had no handler, and these tables and routes did not exist."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from registry.db.models import Event, Listing, ListingApproval, UndoBatch, WithdrawnConsent
from registry.indexer.batch import table_of
from registry.indexer.check import compare_state, replay_logs
from registry.indexer.handlers import APPROVAL_CONSENT, approval_hash
from tests.ledger import Ledger, account, table

ALICE, BOB, EXCHANGE, OTHER_EXCHANGE = account(1), account(2), account(4), account(5)
DAY = 86_400
TERMS = {"priceModel": 1, "priceAmount": 50_000, "currency": "0x434e59", "productForm": 0, "deliveryModes": 1,
         "validUntil": 0, "usageScope": "仅限研究"}


def _listing_row(listing_id: int, asset: str, reference: str) -> dict:
    """A listing as on_listed writes it, for the consent hash of its request."""
    return {"listing_id": listing_id, "asset_id": asset, "exchange": EXCHANGE, "holder": BOB, "right_index": 4,
            "origin_listing_id": 0, "exchange_listing_id": reference, "offer_terms_cid": None}


def _chain(ledger: Ledger) -> dict:
    """Bob approves two listings of Alice's asset on EXCHANGE and one on OTHER_EXCHANGE; the first is used by a
    listing, the second revoked and approved again, the third left to expire; Bob withdraws signed consents 3 and 5,
    then 5 again with 258 (another word), over several blocks."""
    ledger.add_participant(EXCHANGE, 1, "上海数据交易所")
    asset = ledger.register(ALICE)
    ledger.grant(asset, 3, 4, ALICE, BOB, kind=2, transferable=True)
    ledger.mine()
    used, revoked = (approval_hash(_listing_row(1, asset, ref), 0, TERMS) for ref in ("SDE-1", "SDE-2"))
    expiring = "0x" + "ee" * 32
    ledger.emit("ListingApproved", holder=BOB, exchange=EXCHANGE, assetId=asset, consentHash=used,
                validUntil=ledger.now + DAY)
    ledger.emit("ListingApproved", holder=BOB, exchange=EXCHANGE, assetId=asset, consentHash=revoked,
                validUntil=ledger.now + DAY)
    ledger.emit("ListingApproved", holder=BOB, exchange=OTHER_EXCHANGE, assetId=asset, consentHash=expiring,
                validUntil=ledger.now + 60)
    ledger.mine()
    ledger.emit("Listed", listingId=1, assetId=asset, exchange=EXCHANGE, holder=BOB, rightIndex=4,
                exchangeListingId="SDE-1")
    ledger.emit("ListingTermsSet", listingId=1, consentId=APPROVAL_CONSENT, terms=TERMS)
    ledger.emit("ConsentsWithdrawn", holder=BOB, wordPos=0, mask=(1 << 3) | (1 << 5))
    ledger.mine()
    ledger.emit("ListingApprovalRevoked", holder=BOB, exchange=EXCHANGE, assetId=asset, consentHash=revoked)
    ledger.mine()
    ledger.emit("ConsentsWithdrawn", holder=BOB, wordPos=1, mask=1 << 2)
    ledger.emit("ConsentsWithdrawn", holder=BOB, wordPos=0, mask=1 << 5)
    ledger.mine()
    ledger.emit("ListingApproved", holder=BOB, exchange=EXCHANGE, assetId=asset, consentHash=revoked,
                validUntil=ledger.now + 2 * DAY)
    ledger.mine()
    return {"asset": asset, "used": used, "revoked": revoked, "expiring": expiring}


def _state(ledger: Ledger) -> dict[str, list[dict]]:
    return {m.__tablename__: table(ledger.engine, m, leave_out=("id",))
            for m in (ListingApproval, WithdrawnConsent, Listing, Event)}


def test_approvals_and_withdrawn_consents_are_projected(tmp_path):
    ledger = Ledger(tmp_path)
    chain = _chain(ledger)
    ledger.index()
    approvals = {a["consent_hash"]: a for a in table(ledger.engine, ListingApproval)}
    used = approvals[chain["used"]]
    # The listing's own request hashes to the approval it used: Listed and ListingTermsSet give it whole.
    assert (used["listing_id"], used["revoked"], used["holder"], used["exchange"]) == (1, False, BOB, EXCHANGE)
    assert used["used_at"] == ledger.blocks[3].timestamp
    again = approvals[chain["revoked"]]
    # Revoked, then approved again: the new approval replaces the revoked one, as in the contract's mapping.
    assert (again["revoked"], again["revoked_at"], again["approved_block"]) == (False, None, 6)
    assert again["valid_until"] == ledger.blocks[6].timestamp + 2 * DAY
    assert approvals[chain["expiring"]]["listing_id"] is None
    withdrawn = {(w["holder"], w["consent_id"]): w for w in table(ledger.engine, WithdrawnConsent)}
    assert sorted(withdrawn) == [(BOB, "258"), (BOB, "3"), (BOB, "5")]
    assert withdrawn[(BOB, "5")]["withdrawn_block"] == 3, "withdrawing again keeps the first withdrawal"
    events = {e["name"]: e for e in table(ledger.engine, Event)}
    assert events["ListingApprovalRevoked"]["asset_id"] == chain["asset"]
    assert events["ConsentsWithdrawn"]["party"] == BOB and events["ConsentsWithdrawn"]["asset_id"] is None


def test_the_revocation_of_an_approval_the_index_does_not_have_stops_the_indexer(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.emit("ListingApprovalRevoked", holder=BOB, exchange=EXCHANGE, assetId="0x" + "ab" * 32,
                consentHash="0x" + "cd" * 32)
    with pytest.raises(Exception, match="Rebuild the index from the deploy block"):
        ledger.index()


@pytest.mark.parametrize("reorg_window", [128, 0], ids=["undo-journals", "replay"])
def test_a_rollback_takes_approvals_and_withdrawn_consents_back_to_the_fork(tmp_path, reorg_window,
                                                                           migrated_database_url):
    """Rolled back by the undo journals or by replaying the remaining events (approvals with their asset,
    withdrawn consents by their block), the index equals one built from the blocks up to the fork alone."""
    live = Ledger(tmp_path / "live", database_url=migrated_database_url, reorg_window=reorg_window)
    _chain(live)
    for block in live.blocks[1:]:
        live.index_through(block.number)
    assert bool(table(live.engine, UndoBatch)) == (reorg_window > 0)
    for fork in (4, 1):  # after the revocation, before the second withdrawal; then before any approval
        live.indexer.rollback(fork)
        reference = Ledger(tmp_path / f"reference-{fork}")
        _chain(reference)
        reference.index_through(fork)
        assert _state(live) == _state(reference), fork
    assert not table(live.engine, ListingApproval) and not table(live.engine, WithdrawnConsent)


def test_the_index_check_compares_approvals_and_withdrawn_consents(tmp_path):
    """`datareg index check` replays the logs and compares every state table, these two included."""
    ledger = Ledger(tmp_path)
    emitted = []
    original = ledger.emit

    def emit(name, /, **args):
        event = original(name, **args)
        emitted.append(event)
        return event

    ledger.emit = emit  # type: ignore[method-assign]
    chain = _chain(ledger)
    ledger.index()
    times = {h.number: h.timestamp for h in ledger.blocks}
    batch, _ = replay_logs([(e, times[e.block_number]) for e in emitted])

    def differences() -> tuple[set[tuple[str, str]], dict[str, int]]:
        with ledger.engine.connect() as connection:
            db_rows = {model: [dict(r) for r in connection.execute(table_of(model).select()).mappings()]
                       for model in (ListingApproval, WithdrawnConsent)}
        from registry.indexer import check as module

        saved = module.STATE_TABLES
        module.STATE_TABLES = {m: saved[m] for m in (ListingApproval, WithdrawnConsent)}
        try:
            out: list = []
            counts = compare_state(out, batch, db_rows)
        finally:
            module.STATE_TABLES = saved
        return {(d.entity, d.field) for d in out}, counts

    assert differences() == (set(), {"listing_approvals": 3, "withdrawn_consents": 3})
    with ledger.engine.begin() as connection:
        connection.execute(update(table_of(ListingApproval)).where(table_of(ListingApproval).c.consent_hash
                                                                   == chain["used"]).values(listing_id=None))
        connection.execute(table_of(WithdrawnConsent).delete().where(table_of(WithdrawnConsent).c.consent_id == "3"))
    assert differences()[0] == {(f"listing_approvals {chain['used']}", "listing_id"),
                                (f"withdrawn_consents {BOB}/3", "exists")}


def test_the_api_serves_approvals_with_their_standing_and_withdrawn_consents(tmp_path):
    ledger = Ledger(tmp_path)
    chain = _chain(ledger)
    ledger.mine(seconds=120)  # past the third approval's end
    ledger.index()
    http = ledger.api()
    page = http.get("/v1/listings/approvals", params={"holder": BOB}).json()
    by_hash = {a["consent_hash"]: a for a in page["data"]}
    assert page["count"] == 3 and [a["consent_hash"] for a in page["data"]] == [chain["used"], chain["expiring"],
                                                                                 chain["revoked"]]
    assert (by_hash[chain["used"]]["status"], by_hash[chain["used"]]["listing_id"]) == ("used", 1)
    assert (by_hash[chain["expiring"]]["status"], by_hash[chain["expiring"]]["in_force"]) == ("expired", False)
    assert (by_hash[chain["revoked"]]["status"], by_hash[chain["revoked"]]["in_force"]) == ("in_force", True)
    assert by_hash[chain["used"]]["exchange_name"] == "上海数据交易所"
    for status, expected in (("in_force", [chain["revoked"]]), ("expired", [chain["expiring"]]),
                             ("used", [chain["used"]]), ("revoked", [])):
        got = http.get("/v1/listings/approvals", params={"status": status}).json()
        assert [a["consent_hash"] for a in got["data"]] == expected and got["count"] == len(expected), status
    on_other = http.get("/v1/listings/approvals", params={"exchange": OTHER_EXCHANGE, "asset": chain["asset"]}).json()
    assert [a["consent_hash"] for a in on_other["data"]] == [chain["expiring"]]
    one = http.get(f"/v1/listings/approvals/{chain['used'].upper().replace('0X', '0x')}")
    assert one.status_code == 200 and one.json() == by_hash[chain["used"]]
    missing = http.get("/v1/listings/approvals/0x" + "00" * 32)
    assert missing.status_code == 404 and "approveListing" in missing.json()["message"]
    assert http.get("/v1/listings/approvals/0x12").status_code == 422
    assert http.get("/v1/listings/approvals", params={"status": "pending"}).status_code == 422

    withdrawn = http.get("/v1/listings/withdrawn-consents", params={"holder": BOB}).json()
    assert [w["consent_id"] for w in withdrawn["data"]] == ["3", "5", "258"] and withdrawn["count"] == 3
    assert withdrawn["data"][1]["withdrawn_block"] == 3 and withdrawn["data"][1]["listing_id"] is None
    paged = http.get("/v1/listings/withdrawn-consents", params={"holder": BOB, "limit": 1, "offset": 2}).json()
    assert [w["consent_id"] for w in paged["data"]] == ["258"] and paged["count"] == 3
    asked = http.get("/v1/listings/withdrawn-consents", params={"holder": BOB, "consent_id": "0005"}).json()
    assert [w["consent_id"] for w in asked["data"]] == ["5"]
    assert http.get("/v1/listings/withdrawn-consents", params={"holder": ALICE}).json()["data"] == []
    too_large = http.get("/v1/listings/withdrawn-consents", params={"consent_id": str(2**256)})
    assert too_large.status_code == 422 and "2^256 - 1" in too_large.json()["message"]
    assert http.get("/v1/listings/withdrawn-consents", params={"consent_id": "-1"}).status_code == 422

    history = http.get(f"/v1/assets/{chain['asset']}/history", params={"limit": 1000}).json()["data"]
    actions = [e["action"] for e in history]
    assert actions.count("listing_approved") == 4 and "listing_approval_revoked" in actions
