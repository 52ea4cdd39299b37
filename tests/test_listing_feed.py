"""The listings feed (issue 14, item 6), on the indexer's own write path without a node (tests/ledger.py):
entries stamped with the event that caused them, whatever range the indexer wrote them in; suspensions and
delistings fed at once; a lapse by time stamped with the moment the consent ended."""
from __future__ import annotations

import json

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


def reorg(ledger: Ledger, fork: int, branch: str = "b") -> None:
    """The chain above `fork` replaced: the index rolled back, the ledger ready to build the new branch (whose
    blocks and transactions have other hashes)."""
    ledger.indexer.rollback(fork)
    del ledger.blocks[fork + 1:]
    ledger.pending, ledger.mined, ledger.indexed_block = [], [], fork
    ledger.branch = branch


def served(ledger: Ledger, after: str = "0", limit: int = 100) -> list:
    from sqlmodel import Session

    from registry.db.listings import feed

    with Session(ledger.engine) as db:
        entries, _ = feed(db, EXCHANGE, after, limit)
        return [(e.cursor, "retracted" if e.retracts else e.change.change, e.retracts, e.change.block_number,
                 e.change.tx_hash) for e in entries]


def test_after_a_reorg_a_reader_of_a_voided_entry_gets_its_retraction_then_the_new_change(tmp_path) -> None:
    """Fails on the old code: the reorg deleted the voided entry, and the new chain's change took the next id,
    so a reader resuming from the voided entry's cursor never learnt it was void. A reader starting afresh
    sees the same feed, with the same cursors, as an index built from the new chain alone."""
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
    fresh.branch = "b"
    for ledger in (live, fresh):
        ledger.emit("ListingStatusChanged", listingId=1, exchange=EXCHANGE, by=EXCHANGE, status=3)  # delisted
        ledger.index()
    resumed = served(live, after=cursor)
    assert [(c[1], c[2]) for c in resumed] == [("retracted", cursor), ("delisted", None)]
    assert served(live) == served(fresh)
    assert [c[1] for c in served(fresh)] == ["listed", "delisted"]


# ───────────── the same feed and cursors on every index of a chain, whatever it went through ─────────────

BOB_RIGHT, ALICE_RIGHT = 4, 3


def _common_start(ledger: Ledger) -> tuple[str, int]:
    """Two listings: 1 on Bob's operating right 4, which ends in a day, and 2 on Alice's own right 3."""
    ledger.add_participant(EXCHANGE, EXCHANGE_ROLE, "上海数据交易所")
    asset_id = ledger.register(ALICE)
    ends = ledger.now + 86_400
    ledger.grant(asset_id, 3, BOB_RIGHT, ALICE, BOB, kind=OPERATING, valid_until=ends, transferable=True)
    ledger.mine()
    ledger.emit("Listed", listingId=1, assetId=asset_id, exchange=EXCHANGE, holder=BOB, rightIndex=BOB_RIGHT,
                exchangeListingId="SH-1")
    ledger.emit("Listed", listingId=2, assetId=asset_id, exchange=EXCHANGE, holder=ALICE, rightIndex=ALICE_RIGHT,
                exchangeListingId="SH-2")
    ledger.mine()
    return asset_id, ends


def _canonical_rest(ledger: Ledger, asset_id: str, ends: int) -> int:
    """The chain after the fork: Bob's right renewed before it ends (listing 1 does not lapse then), listing 2
    suspended, resumed, then delisted; a quiet day, and listing 1 lapses when the renewed term
    ends, with no event. Returns that moment."""
    renewed = ends + 3_600
    ledger.emit("RightRenewed", assetId=asset_id, holder=BOB, grantor=ALICE, rightIndex=BOB_RIGHT,
                previousValidUntil=ends, validUntil=renewed)
    ledger.mine()
    ledger.emit("ListingStatusChanged", listingId=2, exchange=EXCHANGE, by=EXCHANGE, status=2)
    ledger.mine()
    ledger.emit("ListingStatusChanged", listingId=2, exchange=EXCHANGE, by=EXCHANGE, status=1)
    ledger.mine()
    ledger.emit("ListingStatusChanged", listingId=2, exchange=EXCHANGE, by=EXCHANGE, status=3)
    ledger.mine()
    ledger.mine(seconds=2 * 86_400)  # past both ends: only the renewed one counts on this chain
    ledger.mine()
    return renewed


def _http_feed(client, after: str = "0", limit: int = 100) -> bytes:
    response = client.get("/v1/listings/feed", params={"exchange": EXCHANGE, "after": after, "limit": limit})
    assert response.status_code == 200, response.text
    return response.content


def test_a_live_index_through_a_reorg_and_a_fresh_index_serve_the_same_feed_and_cursors(
        tmp_path, migrated_database_url) -> None:
    """Fails on the old code: cursors were database ids (a fresh index of the chain numbered the entries
    differently from a live one that had indexed, and voided, a branch since abandoned), and a lapse by time was
    ordered by the block the indexer noticed it in. Here the live index reads a branch block by block (a
    suspension, and listing 1 lapsing by time at its term's end), a reader follows it one entry at a time, and
    the chain reorganises onto a branch where the term was renewed first. The live index and two fresh ones (the
    whole chain as one range, and in ranges of three blocks) serve byte-identical feeds from the start and from
    every cursor; a reader resuming from any cursor it held before the reorg gets the retractions of what it had
    applied and then every later change, and ends with exactly the fresh feed. The live index is on each
    database; the fresh ones on SQLite."""
    live = Ledger(tmp_path / "live", database_url=migrated_database_url)
    whole, thirds = (Ledger(tmp_path / name) for name in ("whole", "thirds"))
    for ledger in (live, whole, thirds):
        asset_id, ends = _common_start(ledger)
    fork = live.head.number
    for block in live.blocks[1:]:
        live.index_through(block.number)

    # The branch the live index reads, then abandoned: listing 2 suspended; a day on, listing 1 lapses by time.
    live.emit("ListingStatusChanged", listingId=2, exchange=EXCHANGE, by=EXCHANGE, status=2)
    live.mine()
    live.mine(seconds=86_400)
    readers: list[tuple[str, list[str]]] = [("0", [])]  # (cursor, the cursors applied up to it)
    for block in live.blocks[fork + 1:]:
        live.index_through(block.number)
        while page := served(live, after=readers[-1][0], limit=1):
            readers.append((page[0][0], readers[-1][1] + [page[0][0]]))
    orphaned = served(live)
    assert [c[1] for c in orphaned] == ["listed", "listed", "suspended", "became_invalid"]
    assert orphaned[-1][3:] == (None, None)  # the lapse: caused by time, no block, no transaction

    reorg(live, fork)
    for ledger in (whole, thirds):
        ledger.branch = "b"
    for ledger in (live, whole, thirds):
        renewed = _canonical_rest(ledger, asset_id, ends)
    for block in live.blocks[fork + 1:]:
        live.index_through(block.number)
    whole.index()
    for last in range(3, thirds.head.number + 1, 3):
        thirds.index_through(last)
    thirds.index()

    expected = served(whole)
    assert [c[1] for c in expected] == ["listed", "listed", "suspended", "resumed", "delisted", "became_invalid"]
    lapse = table(whole.engine, ListingChange)[-1]
    assert (lapse["cause"], lapse["block_number"], lapse["tx_hash"], lapse["timestamp"]) == \
        ("time", None, None, renewed)
    clients = [ledger.api() for ledger in (live, whole, thirds)]
    feeds = [_http_feed(c) for c in clients]
    assert feeds[0] == feeds[1] == feeds[2]
    assert [c["caused_by"] for c in json.loads(feeds[0])["data"]] == ["event"] * 5 + ["time"]
    for cursor, *_ in expected:
        answers = [_http_feed(c, cursor) for c in clients]
        assert answers[0] == answers[1] == answers[2], cursor

    for cursor, applied in readers:
        applied, after = list(applied), cursor
        while True:
            page = json.loads(_http_feed(clients[0], after, limit=1))
            if not page["data"]:
                break
            [entry] = page["data"]
            if entry["change"] == "retracted":
                assert entry["retracts"] == applied.pop(), (cursor, entry)  # newest first
            else:
                applied.append(entry["cursor"])
            after = page["next_cursor"]
        assert applied == [c[0] for c in expected], cursor
    assert any(c not in [e[0] for e in expected] for _, a in readers for c in a), "some reader held voided entries"
