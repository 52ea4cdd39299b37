"""The listings feed (issue 14, item 6), on the indexer's own write path without a node (tests/ledger.py):
entries stamped with the event that caused them, whatever range the indexer wrote them in; suspensions and
delistings fed at once; a lapse by time stamped with the moment the consent ended."""
from __future__ import annotations

from registry.db.models import ListingChange
from tests.ledger import Ledger, account, table

ALICE, BOB, EXCHANGE = account(1), account(2), account(4)
EXCHANGE_ROLE, OPERATING = 1, 2


def feed(ledger: Ledger) -> list[tuple]:
    return [(c["change"], c["block_number"], c["tx_hash"], c["log_index"], c["timestamp"])
            for c in table(ledger.engine, ListingChange)]


def listed_asset(ledger: Ledger):
    """Alice's asset, listed by the exchange on her operating right (3); returns the Listed event."""
    ledger.add_participant(EXCHANGE, EXCHANGE_ROLE, "上海数据交易所")
    asset_id = ledger.register(ALICE)
    ledger.mine()
    return asset_id, ledger.emit("Listed", listingId=1, assetId=asset_id, exchange=EXCHANGE, holder=ALICE,
                                 rightIndex=3, exchangeListingId="SH-1")


def test_entries_are_stamped_with_their_own_event_in_a_range_of_many_blocks(tmp_path) -> None:
    """Fails on the old code: every entry of a range was stamped with the range's last block and no
    transaction for a change not named by its own event, and a suspension (ListingStatusChanged, which names
    no asset) got no entry at all, so a live and a catching-up index gave different feeds."""
    ledgers = {}
    for name in ("live", "catching_up"):
        ledger = ledgers[name] = Ledger(tmp_path / name)
        _, listed = listed_asset(ledger)
        ledger.mine()
        ledger.mine()
        suspended = ledger.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=2)
        ledger.mine()
        ledger.mine()
        if name == "live":
            for block in ledger.blocks[1:]:
                ledger.index_through(block.number)
        else:
            ledger.index()  # the whole chain as one range
    expected = [("listed", listed.block_number, listed.tx_hash, listed.log_index,
                 ledgers["live"].blocks[listed.block_number].timestamp),
                ("suspended", suspended.block_number, suspended.tx_hash, suspended.log_index,
                 ledgers["live"].blocks[suspended.block_number].timestamp)]
    assert feed(ledgers["live"]) == expected
    assert feed(ledgers["catching_up"]) == expected


def test_a_lapse_by_time_is_stamped_with_the_moment_the_consent_ended(tmp_path) -> None:
    """Fails on the old code: the lapse was stamped with the time of the block in which the indexer noticed
    it, however long after. It has no transaction: it is caused by time."""
    ledger = Ledger(tmp_path / "lapse")
    ledger.add_participant(EXCHANGE, EXCHANGE_ROLE, "上海数据交易所")
    asset_id = ledger.register(ALICE)
    ends = ledger.now + 3_600
    ledger.grant(asset_id, 3, 4, ALICE, BOB, kind=OPERATING, valid_until=ends, transferable=True)
    ledger.mine()
    ledger.emit("Listed", listingId=1, assetId=asset_id, exchange=EXCHANGE, holder=BOB, rightIndex=4,
                exchangeListingId="SH-1")
    ledger.index()
    ledger.mine(seconds=86_400)  # the next block comes a day later
    ledger.index()
    lapse = [c for c in table(ledger.engine, ListingChange) if c["change"] == "became_invalid"]
    assert len(lapse) == 1, table(ledger.engine, ListingChange)
    assert (lapse[0]["reason"], lapse[0]["tx_hash"], lapse[0]["timestamp"]) == ("right_expired", None, ends)


def reorg(ledger: Ledger, fork: int) -> None:
    """The chain above `fork` replaced: the index rolled back, the ledger ready to build the new branch."""
    ledger.indexer.rollback(fork)
    del ledger.blocks[fork + 1:]
    ledger.pending, ledger.mined, ledger.indexed_block = [], [], fork


def served(ledger: Ledger, after: int = 0) -> list:
    from sqlmodel import Session

    from registry.db.listings import feed

    with Session(ledger.engine) as db:
        return [(c.id, c.change, c.retracts, c.block_number, c.tx_hash) for c in feed(db, EXCHANGE, after, 100)]


def test_after_a_reorg_a_reader_of_a_voided_entry_gets_its_retraction_then_the_new_change(tmp_path) -> None:
    """Fails on the old code: the reorg deleted the voided entry, and the new chain's change took the next id,
    so a reader resuming from the voided entry's cursor never learnt it was void. A reader starting afresh
    sees the same feed as an index built from the new chain alone."""
    live, fresh = Ledger(tmp_path / "live"), Ledger(tmp_path / "fresh")
    for ledger in (live, fresh):
        listed_asset(ledger)
        ledger.index()
    live.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=2)  # suspended
    fork = live.index() - 1
    read = served(live)
    assert [c[1] for c in read] == ["listed", "suspended"]
    cursor = read[-1][0]

    reorg(live, fork)
    for ledger in (live, fresh):
        ledger.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=3)  # delisted
        ledger.index()
    resumed = served(live, after=cursor)
    assert [(c[1], c[2]) for c in resumed] == [("retracted", cursor), ("delisted", None)]
    assert [c[1:] for c in served(live)] == [c[1:] for c in served(fresh)]
    assert [c[1] for c in served(fresh)] == ["listed", "delisted"]
