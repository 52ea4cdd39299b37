"""The API in-process (FastAPI's TestClient) over an index the indexer wrote from hand-made events
(tests/ledger.py): what its routes answer for a known index, without a node or a server. Fast layer."""
from __future__ import annotations

import hashlib

import pytest

from tests.ledger import Ledger, account

ALICE, BOB, EXCHANGE = account(1), account(2), account(4)
DAY = 86_400

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ledger = Ledger(tmp_path_factory.mktemp("api"))
    ledger.add_participant(EXCHANGE, 1, "上海数据交易所")
    asset = ledger.register(ALICE, metadata={"name": "城市交通流量", "summary": "路口车流"}, classification=1,
                            content="traffic")
    ledger.grant(asset, 2, 4, ALICE, BOB, valid_until=ledger.now + 30 * DAY, purpose="交通规划")
    ledger.emit("Listed", listingId=1, assetId=asset, exchange=EXCHANGE, holder=ALICE, rightIndex=3,
                exchangeListingId="SH-1")
    ledger.index()
    with ledger.api() as client:
        yield ledger, asset, client


def test_an_asset_with_its_rights_and_evidence(world):
    ledger, asset, client = world
    shown = client.get(f"/v1/assets/{asset}").json()
    assert (shown["name"], shown["classification"], shown["status"]) == ("城市交通流量", "important", "active")
    assert shown["content_hash"] == "0x" + hashlib.sha256(b"traffic").hexdigest()
    assert shown["registered_block"] == ledger.head.number and shown["indexed_block"] == ledger.head.number
    rights = client.get(f"/v1/assets/{asset}/rights").json()
    text = str(rights)
    assert BOB in text and "交通规划" in text


def test_listing_filters_and_clear_refusals(world):
    _, asset, client = world
    assert [a["asset_id"] for a in client.get("/v1/assets", params={"holder": BOB, "kind": "usage"}).json()["data"]] \
        == [asset]
    assert client.get("/v1/assets", params={"holder": BOB, "kind": "holding"}).json()["count"] == 0
    refused = client.get("/v1/assets", params={"kind": "bogus"})
    assert refused.status_code == 422 and "holding, usage, operating" in refused.json()["message"]
    missing = client.get("/v1/assets/0x" + "00" * 32)
    assert missing.status_code == 404 and "GET /v1/status" in missing.json()["message"]


def test_status_says_how_far_the_index_got_when_the_node_is_unreachable(world):
    ledger, _, client = world
    status = client.get("/v1/status").json()
    assert status["indexed_block"] == ledger.head.number and status["indexed_block_hash"] == ledger.head.hash
    assert status["rpc_reachable"] is False and status["head_block"] is None


def test_history_feed_and_verification(world):
    ledger, asset, client = world
    history = client.get(f"/v1/assets/{asset}/history", params={"limit": 2}).json()
    assert history["count"] == 6 and len(history["data"]) == 2  # registered, 3 assigned, granted, listed
    feed = client.get("/v1/listings/feed", params={"exchange": EXCHANGE}).json()
    # Important data listed without a compliance certification (issue 17: 上架审核) is shown, and not valid.
    assert [(c["listing_id"], c["change"], c["valid"], c["reason"]) for c in feed["data"]] \
        == [(1, "listed", False, "not_compliant")]
    verified = client.post("/v1/verify", json={"sha256": hashlib.sha256(b"traffic").hexdigest()}).json()
    assert verified["registered"] is True and [m["asset_id"] for m in verified["matches"]] == [asset]
    unknown = client.post("/v1/verify", json={"sha256": "00" * 32}).json()
    assert unknown["registered"] is False


def test_an_asset_s_detail_history_and_lineage_take_a_few_statements_whatever_its_size(tmp_path):
    """Issue 19 (query latency): each statement is a round trip and a compilation. An asset's detail read every
    empty section (freeze orders, change application, finance remarks, accounting records, the legal status's
    pledges, objections and registration) with a query of its own: 13 statements for an asset with none; a source's
    lineage read its derived assets one by one; a source's history found its derivations among every event of each
    derived asset. Now the detail of a plain asset takes 5 statements, and lineage and history the same number for
    a source with 1 derived asset as with 6."""
    from sqlalchemy import event

    ledger = Ledger(tmp_path)
    sources = [ledger.register(ALICE, content=f"source {n}") for n in range(2)]
    ledger.mine()
    for n in range(6):
        ledger.register(BOB, content=f"derived {n}", sources=((sources[0 if n else 1], 1),))
    ledger.index()
    with ledger.api() as client:
        statements: list[str] = []
        # The request's statements, not those of the app's background threads (relays, webhooks).
        background = ("FROM relays", "FROM webhooks")
        event.listen(client.app.state.services.engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *args: statements.append(statement)
                     if not any(b in statement for b in background) else None)

        def count(path: str) -> int:
            statements.clear()
            assert client.get(path).status_code == 200, path
            return len(statements)

        plain = ledger.register(ALICE, content="plain")
        ledger.index()
        assert count(f"/v1/assets/{plain}") <= 5
        # sources[0] has 5 derived assets, sources[1] one.
        assert count(f"/v1/assets/{sources[0]}/lineage") == count(f"/v1/assets/{sources[1]}/lineage")
        assert count(f"/v1/assets/{sources[0]}/history") == count(f"/v1/assets/{sources[1]}/history")
        history = client.get(f"/v1/assets/{sources[0]}/history", params={"limit": 2, "offset": 4}).json()
        assert history["count"] == 9 and len(history["data"]) == 2  # registration 4 events, 5 derivations
