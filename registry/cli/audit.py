"""`datareg history` and `datareg audit`: an asset's full history for auditors. With --verify the history is
proven complete and true against a chain node, without trusting the API or its database:

- every log of the registry's contracts that concerns the asset is fetched by its indexed topics (the asset
  id, and the ids of the listings it owns: see registry.chain.evidence.ASSET_TOPICS), and the set must equal
  the API's history, nothing missing and nothing extra;
- each entry's fields must be those the log implies (transaction, block number and hash, log index, actor,
  parties, terms, time from the block header), built by the indexer's own code from the log;
- the asset's state replayed from those logs (rights, remarks, registration, listings, attestations) must
  equal the contracts' own views at the audited block, and the API's answer.

Exit codes: 0 verified complete, 1 differences found, 2 could not check. `--bundle` writes the logs, receipts
and headers used; `audit --check-bundle` re-verifies such a bundle offline, and with --rpc against a node.
"""
from __future__ import annotations

import argparse
import csv
import html
import io
import json
import sys
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from registry.chain.events import decode_log
from registry.chain.evidence import (
    ASSET_TOPICS,
    OWNED_IDS,
    event_shapes,
    get_logs,
    header_hash,
    headers,
    receipts_root,
    topic_of,
    unindexed_asset_events,
)
from registry.chain.rpc import Rpc
from registry.chain.types import asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import READ_KEY_HELP, Output, examples, reading_client, whole_number
from registry.config import Settings
from registry.db.models import Asset, Attestation, Lineage, Listing, Participant, Pledge, Registration, Right, Trade
from registry.errors import ChainError, NotFound, RegistryError, ValidationError
from registry.indexer.check import (
    Difference,
    Views,
    asset_view_differences,
    attestation_view_differences,
    decoded_with_times,
    listing_view_differences,
    registration_view_differences,
    replay_logs,
    right_view_differences,
    validities,
)
from registry.rules import PRIVATE_EVENT_ARGUMENTS, evaluate_rights
from registry.vocabulary import (
    AssetStatus,
    ListingStatus,
    ListingValidity,
    ParticipantStatus,
    RightKind,
    Role,
    SettlementStatus,
)

if TYPE_CHECKING:
    from registry.indexer.batch import Batch

Json = dict[str, Any]  # an answer of the API or the node, or a row of the replay

PAGE = 1000
BUNDLE_FORMAT = "datareg-audit-bundle/1"
# Arguments the API shows as columns of their own rather than in `details`.
_SHOWN = {"assetId", "rightIndex", "kind"}


def fetch_history(api: ApiClient, asset_id: str, names: dict[str, str] | None = None, **filters: Any) -> list[Json]:
    """Every event of the asset's history the API serves, page by page along the API's cursor; `names`, when
    given, collects the name the API gives each address (a participant's, or the application's)."""
    events: list[Json] = []
    params = {k: v for k, v in filters.items() if v is not None}
    while True:
        page = api.get(f"/v1/assets/{asset_id}/history", limit=PAGE, **params)
        events += page["data"]
        if names is not None:
            names.update({address: entry["name"] for address, entry in (page.get("names") or {}).items()})
        if not page.get("next") or not page["data"]:
            return events
        params["after"] = page["next"]


# ───────────────────────────── the chain's side ─────────────────────────────


def _shape_index(contracts: dict[str, str]) -> dict[tuple[str, str], Any]:
    """(contract address in lower case, topic0) -> the event's shape, for the deployment's contracts."""
    addresses = {name: address.lower() for name, address in contracts.items()}
    return {(addresses[s.contract], s.topic0): s for s in event_shapes() if s.contract in addresses}


def collect_logs(rpc: Rpc, contracts: dict[str, str], asset_id: str, first: int, last: int
                 ) -> tuple[list[Json], dict[tuple[int, int], str]]:
    """Every log of the contracts in blocks first..last that concerns the asset, in chain order, and how
    each concerns it ("own", "derived_from_this"): found by the topics in which the events index an asset
    id (ASSET_TOPICS), then by those of the ids the asset's own events gave it (OWNED_IDS)."""
    shapes = _shape_index(contracts)
    addresses = sorted({address for address, _ in shapes})
    asset_topic = topic_of(asset_id)

    def by_topic(argument_names: Collection[str], values: list[str], exclude: Collection[str] = ()) -> list[Json]:
        filters = []
        for position in (1, 2, 3):
            topic0s = sorted({s.topic0 for s in shapes.values() if any(s.indexed.get(a) == position
                                                                        for a in argument_names)
                              and not any(a in s.indexed for a in exclude)})
            for start in range(0, len(values), 500):
                if topic0s:
                    filters.append({"address": addresses,
                                    "topics": [topic0s] + [None] * (position - 1) + [values[start:start + 500]]})
        return [entry for logs in get_logs(rpc, filters, first, last) for entry in logs] if filters else []

    found: dict[tuple[int, int], tuple[Json, str]] = {}
    for entry in by_topic(ASSET_TOPICS, [asset_topic]):
        shape = shapes.get((entry["address"].lower(), entry["topics"][0]))
        relation = next((relation for name, relation in ASSET_TOPICS.items() if shape and name in shape.indexed
                         and entry["topics"][shape.indexed[name]] == asset_topic), None)
        if relation is not None:
            found[(int(entry["blockNumber"], 16), int(entry["logIndex"], 16))] = (entry, relation)
    owned: dict[str, set[int]] = {name: set() for name in OWNED_IDS}
    for entry, relation in found.values():
        shape = shapes.get((entry["address"].lower(), entry["topics"][0]))
        if relation == "own" and shape and any(name in shape.indexed for name in OWNED_IDS):
            event = decode_log(entry)
            for name in OWNED_IDS:
                if event is not None and name in event.args:
                    owned[name].add(event.args[name])
    for name, ids in owned.items():
        for entry in by_topic([name], [topic_of(i) for i in sorted(ids)], exclude=ASSET_TOPICS):
            found.setdefault((int(entry["blockNumber"], 16), int(entry["logIndex"], 16)), (entry, "own"))
    # A trade's settlement and delivery name the trade (exchange, year, serial: all indexed), not the asset.
    follow_ups = sorted({s.topic0 for s in shapes.values() if s.name in TRADE_FOLLOW_UPS})
    filters = [{"address": addresses, "topics": [follow_ups, topic_of(exchange), topic_of(year), topic_of(serial)]}
               for exchange, year, serial in sorted(_trades_in(shapes, [e for e, _ in found.values()]))]
    for logs in (get_logs(rpc, filters, first, last) if filters and follow_ups else []):
        for entry in logs:
            found.setdefault((int(entry["blockNumber"], 16), int(entry["logIndex"], 16)), (entry, "own"))
    order = sorted(found)
    return [found[k][0] for k in order], {k: found[k][1] for k in order}


TRADE_FOLLOW_UPS = ("TradeSettlementChanged", "DeliveryRecorded")


def _trades_in(shapes: dict[tuple[str, str], Any], logs: list[Json]) -> set[tuple[str, int, int]]:
    """(exchange, year, serial) of each TradeRecorded among `logs`."""
    trades = set()
    for entry in logs:
        shape = shapes.get((entry["address"].lower(), entry["topics"][0]))
        if shape is not None and shape.name == "TradeRecorded":
            event = decode_log(entry)
            if event is not None:
                trades.add((str(event.args["exchange"]), int(event.args["year"]), int(event.args["serial"])))
    return trades


def trade_context_logs(rpc: Rpc, contracts: dict[str, str], logs: list[Json], first: int, last: int) -> list[Json]:
    """The TradeCodeSet logs of the exchanges that recorded the asset's trades: the code a trade's certificate
    number starts with is the exchange's when it recorded it. Not the asset's history; replayed beside it."""
    shapes = _shape_index(contracts)
    exchanges = sorted({exchange for exchange, _, _ in _trades_in(shapes, logs)})
    code_set = sorted({s.topic0 for s in shapes.values() if s.name == "TradeCodeSet"})
    if not exchanges or not code_set:
        return []
    addresses = sorted({address for address, _ in shapes})
    filters = [{"address": addresses, "topics": [code_set, [topic_of(e) for e in exchanges]]}]
    return [entry for found in get_logs(rpc, filters, first, last) for entry in found]


def replay_with_context(logs: list[Json], context: list[Json], block_headers: dict[int, Any]
                        ) -> tuple[Batch, list[Json]]:
    """The asset's logs replayed by the indexer's code, with the context logs (trade codes) in their chain places;
    the rows returned are the asset's logs' only. The exchanges of the context start as bare participants (the
    audit checks the asset, not the participant registry)."""
    from registry.indexer.batch import Batch

    batch = Batch(None)
    for exchange in sorted({str(decoded.args["exchange"]) for decoded in map(decode_log, context) if decoded}):
        batch.add(Participant, account=exchange, role=Role.EXCHANGE.value, status=ParticipantStatus.ACTIVE.value,
                  name="", credit_code_hash="0x" + "00" * 32, endpoint="", added_block=0, updated_block=0)
    own = {(e["blockNumber"], e["logIndex"]) for e in logs}
    merged = sorted([*logs, *(e for e in context if (e["blockNumber"], e["logIndex"]) not in own)],
                    key=lambda e: (int(e["blockNumber"], 16), int(e["logIndex"], 16)))
    batch, rows = replay_logs(decoded_with_times(merged, block_headers), batch)
    asset_keys = {(int(b, 16), int(i, 16)) for b, i in own}
    return batch, [r for r in rows if (r["block_number"], r["log_index"]) in asset_keys]


# ───────────────────────────── differences ─────────────────────────────


def _difference(entity: str, field: str, found: Any, expected: Any, found_in: str, expected_from: str) -> Json:
    return {"entity": entity, "field": field, found_in: found, expected_from: expected,
            "problem": f"{field} is {expected!r} in {expected_from}, {found!r} in {found_in}"}


def _from_check(differences: list[Difference], found_in: str, expected_from: str) -> list[Json]:
    return [_difference(d.entity, d.field, d.index, d.chain, found_in, expected_from) for d in differences]


def _unix(text: str | None) -> int | None:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()) if text else None


def _kind_label(kind: int | None) -> str | None:
    return RightKind(kind).label if kind is not None else None


def _expected_entry(row: Json, relation: str) -> Json:
    """What the API's history must show for the event row the log implies (api/routes/history.py)."""
    try:
        args = orjson.loads(row["args_json"])
    except orjson.JSONDecodeError:  # an integer beyond 64 bits
        args = json.loads(row["args_json"])
    return {
        "event": row["name"], "asset_id": row["asset_id"], "right_index": row["right_index"],
        "kind": _kind_label(row["kind"]), "actor": row["actor"],
        "parties": list(dict.fromkeys(v for v in args.values()
                                      if isinstance(v, str) and len(v) == 42 and v.startswith("0x"))),
        "details": {k: v for k, v in args.items() if k not in _SHOWN}, "timestamp": row["timestamp"],
        "block_number": row["block_number"], "block_hash": row["block_hash"], "tx_hash": row["tx_hash"],
        "log_index": row["log_index"], "derived_from_this": relation == "derived_from_this",
    }


def _entity(entry: Json) -> str:
    return (f"event block {entry['block_number']} log {entry['log_index']} ({entry['event']}, "
            f"tx {entry['tx_hash']})")


def compare_history(history: list[Json], rows: list[Json], relations: dict[tuple[int, int], str]) -> list[Json]:
    """The API's history against the event rows the chain's logs imply: the same set, and each entry's fields."""
    differences = []
    expected = {(r["block_number"], r["log_index"]): _expected_entry(r, relations[(r["block_number"], r["log_index"])])
                for r in rows}
    shown = {}
    for entry in history:
        key = (entry["block_number"], entry["log_index"])
        if key in shown:
            differences.append(_difference(_entity(entry), "listed", 2, 1, "the API", "the chain"))
        shown[key] = entry
    for key in sorted(expected.keys() | shown.keys()):
        want, got = expected.get(key), shown.get(key)
        if got is None:
            assert want is not None  # the key came from one of the two
            differences.append({"entity": _entity(want), "field": "missing",
                                "problem": "on the chain, missing from the API's history"})
            continue
        if want is None:
            differences.append({"entity": _entity(got), "field": "extra",
                                "problem": "in the API's history, but no log of the registry's contracts at that "
                                           "place concerns this asset"})
            continue
        private = PRIVATE_EVENT_ARGUMENTS.get(want["event"])
        if private and (got.get("details") or {}).get(private, "") is None and want["details"].get(private):
            # The API withholds a private document's CID from a reader not entitled to it (null, named in its
            # DataReg-Withheld header): not a difference; the chain's value is the evidence either way.
            want = {**want, "details": {**want["details"], private: None}}
        found = {**got, "timestamp": _unix(got.get("timestamp")),
                 "derived_from_this": got.get("action") == "derived_from_this"}
        if all(found.get(name) == value for name, value in want.items()):
            continue  # the usual case, decided at once; a difference is then named field by field
        details = found.get("details") or {}
        for name, value in [*((n, v) for n, v in want.items() if n != "details"),
                            *((f"details.{n}", v) for n, v in want["details"].items())]:
            shown_value = details.get(name[8:]) if name.startswith("details.") else found.get(name)
            if shown_value != value:
                differences.append(_difference(_entity(want), name, shown_value, value, "the API", "the chain"))
        for name in sorted(details.keys() - want["details"].keys()):
            differences.append(_difference(_entity(want), f"details.{name}", details[name], None, "the API",
                                           "the chain"))
    return differences


def compare_parties(api: ApiClient, asset_id: str, block: int, rows: list[Json]) -> tuple[int, list[Json]]:
    """The history the API gives for each party of the asset's events (its `party` filter, which reads the
    actor and party the index recorded) must count exactly the events in which that party acted or was
    named: a forged actor or party moves an event out of the right party's history."""
    expected: dict[str, int] = {}
    for row in rows:
        for address in {row["actor"], row["party"]} - {None}:
            expected[address] = expected.get(address, 0) + 1

    def count(address: str) -> int:
        found: int = api.get(f"/v1/assets/{asset_id}/history", party=address, until=block, limit=1)["count"]
        return found

    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = dict(zip(expected, pool.map(count, expected)))
    return len(expected), [
        _difference(f"history of party {address}", "count", counts[address], n, "the API", "the chain")
        for address, n in sorted(expected.items()) if counts[address] != n]


# ───────────────────────────── state ─────────────────────────────


def compare_views(views: Views, batch: Batch, asset_id: str, moment: int) -> tuple[dict[str, int], list[Difference]]:
    """The asset's state replayed from its logs against the contracts' own views at the audited block."""
    out: list[Difference] = []
    key = bytes.fromhex(asset_id[2:])
    asset = batch.get(Asset, asset_id)
    rights = sorted((r for r in batch.rows(Right) if r["asset_id"] == asset_id), key=lambda r: r["right_index"])
    listings = [r for r in batch.rows(Listing) if r["asset_id"] == asset_id]
    attestations = [r for r in batch.rows(Attestation) if r["asset_id"] == asset_id]
    registration = batch.get(Registration, asset_id)
    calls: list[tuple[str, str, tuple[Any, ...]]] = [("DataRegistry", "getAsset", (key,))]
    count = max([asset["right_count"] if asset else 0] + [r["right_index"] for r in rights])
    for index in range(1, count + 1):
        calls += [("DataRegistry", "getRight", (key, index)), ("DataRegistry", "rightValidity", (key, index))]
    calls += [("ListingRegistry", "getListing", (r["listing_id"],)) for r in listings]
    if "RegistrationOffice" in views.contracts:
        calls.append(("RegistrationOffice", "getApplication", (key,)))
    if "AttestationRegistry" in views.contracts:
        calls += [("AttestationRegistry", "getAttestation", (r["attestation_id"],)) for r in attestations]
    results = iter(views.read(calls))
    view = next(results)
    if asset is None:
        if view is not None and view[1] != 0:
            out.append(Difference(f"asset {asset_id}", "exists", False, True))
    else:
        asset_view_differences(out, asset, view)
    expected_validity = validities(rights, asset is not None and asset["status"] == AssetStatus.ACTIVE, moment)
    by_index = {r["right_index"]: r for r in rights}
    for index in range(1, count + 1):
        right_view_differences(out, asset_id, index, by_index.get(index), next(results), next(results),
                               expected_validity.get(index))
    for row in listings:
        listing_view_differences(out, row, next(results))
    if "RegistrationOffice" in views.contracts:
        application = next(results)
        if registration is not None:
            registration_view_differences(out, registration, application)
        elif application is not None and application[2] != 0:
            out.append(Difference(f"registration {asset_id}", "exists", False, True))
    if "AttestationRegistry" in views.contracts:
        for row in attestations:
            attestation_view_differences(out, row, next(results))
    trades = sorted((r for r in batch.rows(Trade) if r["asset_id"] == asset_id),
                    key=lambda r: (r["exchange"], r["year"], r["serial"]))
    if "TradeRegistry" in views.contracts and trades:
        keys = [(r["exchange"], r["year"], r["serial"]) for r in trades]
        found = iter(views.read([("TradeRegistry", f, key) for key in keys
                                 for f in ("settlementOf", "certificateNumber")]))
        for row in trades:
            settlement, number = next(found), next(found)
            entity = f"trade {row['number']} of {row['exchange']}"
            if settlement != row["settlement"]:
                out.append(Difference(entity, "settlement", row["settlement"], settlement))
            if number != row["number"]:
                out.append(Difference(entity, "number", row["number"], number))
    checked = {"rights": len(rights), "listings": len(listings), "attestations": len(attestations),
               "registration": int(registration is not None), "trades": len(trades)}
    return checked, out


def compare_api_state(api: ApiClient, detail: Json | None, batch: Batch, asset_id: str, block: int, moment: int,
                      views: Views, rights_at: Callable[[], dict[int, Json]]) -> list[Json]:
    """The API's answer (the asset, its rights at the audited block, remarks, registration, listings,
    attestations, lineage) against the state replayed from the chain's logs."""
    out: list[Json] = []

    def compare(entity: str, pairs: dict[str, tuple[Any, Any]]) -> None:
        for name, (found, expected) in pairs.items():
            if found != expected:
                out.append(_difference(entity, name, found, expected, "the API", "the chain"))

    asset = batch.get(Asset, asset_id)
    if detail is None or asset is None:
        if (detail is None) != (asset is None):
            out.append(_difference(f"asset {asset_id}", "exists", detail is not None, asset is not None, "the API",
                                   "the chain"))
        return out
    entity = f"asset {asset_id}"
    compare(entity, {name: (detail.get(name), asset[name]) for name in (
        "registrant", "content_hash", "metadata_cid", "version", "right_count", "derived", "personal_information",
        "sensitive_personal_information", "export_allowed")})
    compare(entity, {"status": (detail.get("status"), AssetStatus.key_of(asset["status"], None)),
                     "frozen": ((detail.get("remarks") or {}).get("frozen"), asset["frozen"])})
    pledges = {p["pledge_id"]: p["active"] for p in batch.rows(Pledge) if p["asset_id"] == asset_id}
    shown_pledges = (detail.get("remarks") or {}).get("pledges", [])
    compare(entity, {"pledges": ({p["pledge_id"]: p["active"] for p in shown_pledges}, pledges)})
    lineage = batch.rows(Lineage)
    compare(entity, {
        "sources": (sorted(s["asset_id"] for s in detail.get("sources", [])),
                    sorted(link["source_asset_id"] for link in lineage if link["asset_id"] == asset_id)),
        "derived_assets": (sorted(d["asset_id"] for d in detail.get("derived_assets", [])),
                           sorted(link["asset_id"] for link in lineage if link["source_asset_id"] == asset_id))})
    registration = batch.get(Registration, asset_id)
    shown = detail.get("registration")
    if (shown is None) != (registration is None):
        out.append(_difference(f"registration {asset_id}", "exists", shown is not None, registration is not None,
                               "the API", "the chain"))
    elif registration is not None and shown is not None:
        compare(f"registration {asset_id}", {
            "stage": (shown["stage"], registration["stage"]),
            "certificate_number": (shown["certificate_number"], registration["certificate_number"]),
            "applicant": (shown["applicant"], registration["applicant"]),
            "registrar": (shown["registrar"], registration["registrar"]),
            "valid_until": (_unix(shown["valid_until"]), registration["valid_until"])})
    trades = {(r["exchange"], r["number"]): r for r in batch.rows(Trade) if r["asset_id"] == asset_id}
    shown_trades: dict[tuple[str, str], Json] = {}
    while True:  # every page of GET /v1/trades?asset=
        page = api.get("/v1/trades", asset=asset_id, limit=100, offset=len(shown_trades))
        shown_trades.update(((t["exchange"], t["number"]), t) for t in page["data"])
        if not page["data"] or len(shown_trades) >= page["count"]:
            break
    compare(entity, {"trades": (sorted(shown_trades), sorted(trades))})
    for key in sorted(trades.keys() & shown_trades.keys()):
        traded, shown_trade = trades[key], shown_trades[key]
        compare(f"trade {key[1]} of {key[0]}", {
            name: (shown_trade[name], traded[name]) for name in (
                "buyer", "seller", "listing_id", "right_index", "price_amount", "price_hash", "delivery_cid")}
            | {"settlement": (shown_trade["settlement"], SettlementStatus(traded["settlement"]).key)})
    listings = {r["listing_id"]: r for r in batch.rows(Listing) if r["asset_id"] == asset_id}
    shown_listings = {item["listing_id"]: item for item in detail.get("listings", [])}
    compare(entity, {"listings": (sorted(shown_listings), sorted(listings))})
    judged_at_block = dict(zip(sorted(listings), views.read([("ListingRegistry", "listingValidity", (i,))
                                                              for i in sorted(listings)])))
    feeds: dict[str, list[Json]] = {}
    for listing_id, row in sorted(listings.items()):
        # The feed an exchange follows: its last change of the listing up to the audited block must say what
        # the ListingRegistry says then.
        if row["exchange"] not in feeds:
            feeds[row["exchange"]] = _feed(api, row["exchange"])
        last = next((c for c in reversed(feeds[row["exchange"]]) if c["listing_id"] == listing_id
                     and c["block_number"] <= block), None)
        compare(f"listing {listing_id} in the feed", {
            "valid": (last["valid"] if last else None, judged_at_block[listing_id] == ListingValidity.VALID),
            "status": (last["status"] if last else None, ListingStatus.key_of(row["status"]))})
    for listing_id in sorted(listings.keys() & shown_listings.keys()):
        row, item, judged = listings[listing_id], shown_listings[listing_id], judged_at_block[listing_id]
        compare(f"listing {listing_id}", {
            "status": (item["status"], ListingStatus.key_of(row["status"])), "holder": (item["holder"], row["holder"]),
            "exchange": (item["exchange"], row["exchange"]), "right_index": (item["right_index"], row["right_index"]),
            # Validity as the ListingRegistry judges it at the audited block (the API judges now: an auditor
            # who audits the block the index has reached compares the same moment, to the block's time).
            "valid": (item["valid"], judged == ListingValidity.VALID)})
    attestations = {r["attestation_id"]: r for r in batch.rows(Attestation) if r["asset_id"] == asset_id}
    shown_attestations = {item["attestation_id"]: item for item in detail.get("attestations", [])}
    compare(entity, {"attestations": (sorted(shown_attestations), sorted(attestations))})
    for attestation_id in sorted(attestations.keys() & shown_attestations.keys()):
        row, item = attestations[attestation_id], shown_attestations[attestation_id]
        compare(f"attestation {attestation_id}", {"issuer": (item["issuer"], row["issuer"]),
                                                   "asset_version": (item["asset_version"], row["asset_version"])})
    # Every right as of the audited block, page by page, against the replay judged at that block's time.
    rights = sorted((r for r in batch.rows(Right) if r["asset_id"] == asset_id), key=lambda r: r["right_index"])
    shown_rights = rights_at()
    states = {s.right.right_index: s for s in evaluate_rights([Right(**r) for r in rights],
                                                              asset["status"] == AssetStatus.ACTIVE, moment)}
    compare(entity, {"rights": (len(shown_rights), len(rights))})
    # The asset's own answer lists its first rights as they are now (the rights table, where the rights as of a
    # block come from their versions): both must be those of the logs.
    first = {r["right_index"]: r for r in detail.get("rights", [])}
    for right in rights:
        state = states[right["right_index"]]
        index = right["right_index"]
        for item, validity in ((shown_rights.get(index), True), (first.get(index), False)):
            if item is None:
                continue
            compare(f"right {asset_id}/{right['right_index']}", {
                "holder": (item["holder"], right["holder"]), "kind": (item["kind"], _kind_label(right["kind"])),
                "parent_index": (item["parent_index"], right["parent_index"]),
                "valid_from": (_unix(item["valid_from"]) or 0, right["valid_from"]),
                "valid_until": (_unix(item["valid_until"]) or 0, right["valid_until"]),
                "revoked": (item["revoked"], right["revoked"]),
                "sub_grantable": (item["sub_grantable"], right["sub_grantable"]),
                "transferable": (item["transferable"], right["transferable"]),
                **({"valid": (item["valid"], state.valid), "invalid_reason": (item["invalid_reason"], state.reason)}
                   if validity else {})})
    return out


def fetch_rights_at(api: ApiClient, asset_id: str, block: int) -> dict[int, Json]:
    """Every right of the asset as the API gives it as of `block`, by number."""
    rights: dict[int, Json] = {}
    while True:
        page = api.get(f"/v1/assets/{asset_id}/rights", at=block, limit=PAGE, offset=len(rights))
        rights.update((r["right_index"], r) for r in page["rights"])
        if len(page["rights"]) < PAGE:
            return rights


def _feed(api: ApiClient, exchange: str) -> list[Json]:
    """Every change in the listing feed of `exchange`, in order."""
    changes: list[Json] = []
    while True:
        page = api.get("/v1/listings/feed", exchange=exchange, after=changes[-1]["cursor"] if changes else 0,
                       limit=PAGE)
        changes += page["data"]
        if len(page["data"]) < PAGE:
            return changes


# ───────────────────────────── the audit ─────────────────────────────


def verify(api: ApiClient, rpc: Rpc, asset_id: str, status: Json, detail: Json | None,
           history: Callable[[], list[Json]], block: int, chain_id: int, contracts: dict[str, str],
           bundle: Json | None = None) -> Json:
    """Everything --verify checks; the differences found, and what was checked. `history` gives the API's
    history (fetched meanwhile). With `bundle` (a Json), the evidence used is written into it."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The API's rights as of the block are read while the chain is.
        rights_at = pool.submit(fetch_rights_at, api, asset_id, block)
        return _verify(api, rpc, asset_id, status, detail, history, block, chain_id, contracts, bundle,
                       rights_at.result)


def _verify(api: ApiClient, rpc: Rpc, asset_id: str, status: Json, detail: Json | None,
            history: Callable[[], list[Json]], block: int, chain_id: int, contracts: dict[str, str],
            bundle: Json | None, rights_at: Callable[[], dict[int, Json]]) -> Json:
    actual_chain = int(rpc.call("eth_chainId", []), 16)
    if actual_chain != chain_id:
        raise ChainError(f"The node at '{rpc.url}' serves chain {actual_chain}, not chain {chain_id}. Point "
                         "DATAREG_RPC_URL at a node of the registry's chain, or pass --chain-id.")
    logs, relations = collect_logs(rpc, contracts, asset_id, status["deploy_block"], block)
    if not logs and detail is None:
        raise NotFound(f"Asset '{asset_id}' is neither on chain {chain_id} (up to block {block}) nor in the API. "
                       "Check the asset id.")
    context = trade_context_logs(rpc, contracts, logs, status["deploy_block"], block)
    canonical = headers(rpc, {int(e["blockNumber"], 16) for e in logs + context} | {block})
    for entry in logs + context:
        if canonical[int(entry["blockNumber"], 16)]["hash"] != entry["blockHash"]:
            raise ChainError("The chain reorganised while the audit read it; run the audit again.")
    batch, rows = replay_with_context(logs, context, canonical)
    events = history()
    differences = compare_history(events, rows, relations)
    parties, party_differences = compare_parties(api, asset_id, block, [
        r for r in rows if relations[(r["block_number"], r["log_index"])] == "own"])
    differences += party_differences
    moment = int(canonical[block]["timestamp"], 16)
    views = Views(rpc, contracts, block)
    checked, view_differences = compare_views(views, batch, asset_id, moment)
    differences += _from_check(view_differences, "the logs replayed", "the contracts' views")
    if detail is None or detail.get("indexed_block") == block:
        # (An answer of another block, with --block, is not compared: its history and the rights as of the
        # audited block were.)
        differences += compare_api_state(api, detail, batch, asset_id, block, moment, views, rights_at)
    if bundle is not None:
        numbers = sorted({int(e["blockNumber"], 16) for e in logs + context})
        receipts = rpc.batch([("eth_getBlockReceipts", [hex(n)]) for n in numbers])
        bundle.update(format=BUNDLE_FORMAT, asset_id=asset_id, chain_id=chain_id, block=block,
                      block_hash=canonical[block]["hash"], deploy_block=status["deploy_block"], contracts=contracts,
                      history=events, logs=logs, context_logs=context,
                      headers={str(n): {k: v for k, v in h.items() if k not in ("transactions", "uncles")}
                               for n, h in canonical.items()},
                      receipts={str(n): r for n, r in zip(numbers, receipts)})
    return {
        "rpc_url": rpc.url, "chain_id": chain_id, "block": block, "block_hash": canonical[block]["hash"],
        "contracts": contracts, "events_checked": len(logs), "events_in_api": len(events),
        "transactions_checked": len({r["tx_hash"] for r in rows}), "blocks": len({r["block_number"] for r in rows}),
        "parties_checked": parties, "state_checked": checked,
        "not_coverable": unindexed_asset_events(),
        "differences": differences, "verified": not differences,
    }


def summary(verification: Json) -> str:
    if verification["verified"]:
        return (f"VERIFIED: complete, {verification['events_checked']} events, 0 differences "
                f"(chain {verification['chain_id']}, block {verification['block']})")
    return f"NOT VERIFIED: {len(verification['differences'])} differences"


def _line(e: Json) -> str:
    right = f"right {e['right_index']} ({e['kind']})" if e["right_index"] is not None else ""
    names = e.get("names") or {}

    def who(address: str | None) -> str:
        return f"{address} ({names[address]})" if address in names else address or ""

    others = [who(p) for p in e["parties"] if p != e["actor"]]
    return (f"{e['timestamp']}  block {e['block_number']:<8} {e['action']:<18} {right:<22} "
            f"{who(e['actor'])}{' -> ' + ', '.join(others) if others else ''}")


def cmd_history(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    api = reading_client(args, settings)
    asset_id = asset_id_hex(args.asset_id)
    names: dict[str, str] = {}
    events = fetch_history(api, asset_id, names, kind=args.kind, party=checksum(args.party) if args.party else None,
                           since=args.since, until=args.until)
    if not events and not out.as_json:
        print("No events match.")
    for event in events:  # NDJSON with --json: one event per line, with the names of the addresses it shows
        shown = {a: names[a] for a in (event["actor"], *event["parties"]) if a in names}
        out.record({**event, "names": shown}, _line)


def _csv(events: list[Json], verification: Json | None) -> str:
    failed = set()
    for d in verification["differences"] if verification else []:
        failed.add(d["entity"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["timestamp", "action", "right_index", "kind", "actor", "parties", "details", "block_number",
                     "block_hash", "tx_hash", "log_index"] + (["verified"] if verification else []))
    for e in events:
        writer.writerow([e["timestamp"], e["action"], e["right_index"], e["kind"], e["actor"], " ".join(e["parties"]),
                         json.dumps(e["details"], ensure_ascii=False, sort_keys=True), e["block_number"],
                         e["block_hash"], e["tx_hash"], e["log_index"]]
                        + (["no" if _entity(e) in failed else "yes"] if verification else []))
    return buffer.getvalue()


def _text(report: Json) -> str:
    asset, events, verification = report["asset"], report["events"], report["verification"]
    lines = [summary(verification)] if verification else []
    lines.append(f"Audit of {(asset or {}).get('name') or report['asset_id']}\n  asset id  {report['asset_id']}\n"
                 f"  events    {len(events)}")
    lines += ["  " + _line(e) for e in events]
    if verification:
        lines.append(f"Verified against chain {verification['chain_id']} at {verification['rpc_url']}, block "
                     f"{verification['block']} ({verification['block_hash']}): {verification['events_checked']} "
                     f"logs of the registry's contracts concern the asset, in "
                     f"{verification['transactions_checked']} transactions; {len(verification['differences'])} "
                     "differences.")
        lines += [f"  DIFFERENCE {d['entity']}: {d['problem']}" for d in verification["differences"]]
        if verification["not_coverable"]:
            lines.append("Note: these events carry an asset id that is not indexed, so the audit cannot find them: "
                         + ", ".join(verification["not_coverable"]) + ".")
    return "\n".join(lines)


def _html(report: Json) -> str:
    verification = report["verification"]
    e = html.escape
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (ev["timestamp"], ev["action"], ev["right_index"],
                                                          ev["kind"], ev["actor"], " ".join(ev["parties"]),
                                                          ev["block_number"], ev["tx_hash"], ev["log_index"])) + "</tr>"
        for ev in report["events"])
    differences = "".join(f"<li><b>{e(d['entity'])}</b>: {e(d['problem'])}</li>"
                          for d in (verification or {}).get("differences", []))
    title = summary(verification) if verification else f"Audit of {report['asset_id']}"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{e(title)}</title></head><body>"
            f"<h1>{e(title)}</h1><p>Asset {e(report['asset_id'])}</p>"
            + (f"<ul>{differences}</ul>" if differences else "")
            + "<table><thead><tr><th>time</th><th>action</th><th>right</th><th>kind</th><th>actor</th><th>parties</th>"
              f"<th>block</th><th>transaction</th><th>log</th></tr></thead><tbody>{rows}</tbody></table>"
              "</body></html>\n")


def _print(report: Json, fmt: str) -> None:
    verification = report["verification"]
    if fmt == "json":
        document = {"summary": summary(verification) if verification else None, **report}
        try:
            sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
        except TypeError:  # an integer beyond 64 bits (a uint256 quantity): the standard library copes
            print(json.dumps(document, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        sys.stdout.write(_csv(report["events"], verification))
        if verification:
            print(summary(verification), file=sys.stderr)
    elif fmt == "html":
        sys.stdout.write(_html(report))
    else:
        print(_text(report))


def cmd_audit(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    """Exit 0 verified complete (or, without --verify, the report printed), 1 differences, 2 could not check."""
    try:
        if args.check_bundle:
            result = check_bundle(Path(args.check_bundle), args.rpc)
            _print_bundle_check(result, "json" if out.as_json else args.format)
            raise SystemExit(0 if result["verified"] else 1)
        if not args.asset_id:
            raise ValidationError("Name the asset to audit (`datareg audit ASSET_ID`), or give --check-bundle FILE.")
        report = audit(args, settings)
    except RegistryError as exc:
        out.error(exc)
        raise SystemExit(2) from None
    bundle = report.pop("bundle")
    if bundle is not None:
        try:
            Path(args.bundle).write_text(json.dumps(bundle, ensure_ascii=False))
        except OSError as exc:
            out.error(ValidationError(f"Cannot write the bundle to '{args.bundle}': {exc.strerror}. Give a "
                                      "writable path."))
            raise SystemExit(2) from None
    _print(report, "json" if out.as_json else args.format)
    verification = report["verification"]
    if verification and not verification["verified"]:
        raise SystemExit(1)


def audit(args: argparse.Namespace, settings: Settings) -> Json:
    api = ApiClient(settings.api_url)
    asset_id = asset_id_hex(args.asset_id)
    status = api.get("/v1/status")
    try:
        detail = api.get(f"/v1/assets/{asset_id}")
    except NotFound:
        if not (args.verify or args.bundle):
            raise
        detail = None  # the chain may still know it: then the API hides an asset, a difference
    block = args.block if args.block is not None else (detail or {}).get("indexed_block") or status["indexed_block"]
    if block is None:
        raise ValidationError("The API has indexed no block yet: nothing to audit. Wait for the indexer.")
    verification: Json | None = None
    bundle: Json | None = {} if args.bundle else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        fetched = pool.submit(fetch_history, api, asset_id, until=block) if detail is not None else None
        history = fetched.result if fetched else list
        if args.verify or args.bundle:
            contracts = dict(status["contracts"])
            if args.contract:
                contracts["DataRegistry"] = checksum(args.contract, "contract address")
            verification = verify(api, Rpc(args.rpc or settings.rpc_url), asset_id, status, detail, history, block,
                                  args.chain_id or status["chain_id"], contracts, bundle)
        events = history()
    return {
        "asset_id": asset_id,
        "asset": {k: detail.get(k) for k in ("asset_id", "name", "registrant", "status", "classification",
                                             "content_hash", "metadata_cid", "registered_at", "evidence")}
        if detail else None,
        "rights": detail["rights"] if detail else [],
        "sources": detail["sources"] if detail else [],
        "derived_assets": detail["derived_assets"] if detail else [],
        "events": events,
        "verification": verification,
        "bundle": bundle,
    }


# ───────────────────────────── the evidence bundle ─────────────────────────────


def check_bundle(path: Path, rpc_url: str | None) -> Json:
    """Re-verifies a bundle: offline, that each header hashes to its block hash, that each block's receipts
    hash to its receipts root, that each log is in its transaction's receipt in that block, and that the
    history the bundle carries is exactly what its logs imply; with a node, that every block is canonical and
    that the node has no other log of the asset in the range."""
    try:
        bundle = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"Cannot read the bundle '{path}': {exc}. Give a file written by "
                              "`datareg audit ID --bundle FILE`.") from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise ValidationError(f"'{path}' is not an audit bundle ({BUNDLE_FORMAT}); write one with "
                              "`datareg audit ID --bundle FILE`.")
    differences: list[Json] = []
    try:
        block_headers = {int(n): h for n, h in bundle["headers"].items()}
        for number, header in sorted(block_headers.items()):
            if int(header["number"], 16) != number or header_hash(header) != header["hash"]:
                differences.append({"entity": f"block {number}", "field": "hash",
                                    "problem": f"the header's fields hash to {header_hash(header)}, not to the "
                                               f"{header['hash']} it claims"})
        receipts = {int(n): r for n, r in bundle["receipts"].items()}
        for number, block_receipts in sorted(receipts.items()):
            header = block_headers.get(number)
            if header is None or receipts_root(block_receipts) != header["receiptsRoot"]:
                differences.append({"entity": f"block {number}", "field": "receipts",
                                    "problem": "the block's receipts do not hash to its header's receipts root"})
        context = bundle.get("context_logs", [])  # trade codes (bundles before issue 17's remainders: none)
        for entry in bundle["logs"] + context:
            number = int(entry["blockNumber"], 16)
            header = block_headers.get(number)
            in_receipts = [log for receipt in receipts.get(number, []) for log in receipt["logs"]
                           if log["logIndex"] == entry["logIndex"]]
            where = f"log block {number} log {int(entry['logIndex'], 16)}"
            if header is None or entry["blockHash"] != header["hash"]:
                differences.append({"entity": where, "field": "blockHash",
                                    "problem": "the log's block hash is not its block's header hash"})
            if not in_receipts or any(_lower(in_receipts[0].get(k)) != _lower(entry.get(k))
                                      for k in ("address", "topics", "data", "transactionHash", "blockHash")):
                differences.append({"entity": where, "field": "receipt",
                                    "problem": "the log is not in its block's receipts as the bundle gives it"})
        relations = {}
        shapes = _shape_index(bundle["contracts"])
        asset_topic = topic_of(bundle["asset_id"])
        for entry in bundle["logs"]:
            shape = shapes.get((entry["address"].lower(), entry["topics"][0]))
            relations[(int(entry["blockNumber"], 16), int(entry["logIndex"], 16))] = next(
                (relation for name, relation in ASSET_TOPICS.items() if shape and name in shape.indexed
                 and entry["topics"][shape.indexed[name]] == asset_topic), "own")
        _, rows = replay_with_context(bundle["logs"], context, block_headers)
        differences += compare_history(bundle["history"], rows, relations)
        canonical = None
        if rpc_url:
            rpc = Rpc(rpc_url)
            if int(rpc.call("eth_chainId", []), 16) != bundle["chain_id"]:
                raise ChainError(f"The node at '{rpc_url}' is not chain {bundle['chain_id']}, the bundle's.")
            canonical = headers(rpc, block_headers)
            for number, header in sorted(block_headers.items()):
                if canonical[number]["hash"] != header["hash"]:
                    differences.append({"entity": f"block {number}", "field": "canonical",
                                        "problem": f"the node's block {number} is {canonical[number]['hash']}, not "
                                                   f"the bundle's {header['hash']}"})
            logs, _ = collect_logs(rpc, bundle["contracts"], bundle["asset_id"], bundle["deploy_block"],
                                   bundle["block"])
            have = {(e["blockNumber"], e["logIndex"]) for e in bundle["logs"]}
            for entry in logs:
                if (entry["blockNumber"], entry["logIndex"]) not in have:
                    differences.append({"entity": f"log block {int(entry['blockNumber'], 16)} log "
                                                  f"{int(entry['logIndex'], 16)}", "field": "missing",
                                        "problem": "the node has this log of the asset; the bundle does not"})
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValidationError(f"The bundle '{path}' is malformed ({type(exc).__name__}: {exc}); nothing could be "
                              "checked.") from None
    return {"bundle": str(path), "asset_id": bundle["asset_id"], "chain_id": bundle["chain_id"],
            "block": bundle["block"], "block_hash": bundle["block_hash"], "headers": len(block_headers),
            "logs": len(bundle["logs"]), "events": len(bundle["history"]), "against_node": rpc_url,
            "canonical_checked": canonical is not None, "differences": differences, "verified": not differences,
            "events_checked": len(bundle["logs"])}


def _lower(value: Any) -> Any:
    return [_lower(v) for v in value] if isinstance(value, list) else value.lower() if isinstance(value, str) else value


def _print_bundle_check(result: Json, fmt: str) -> None:
    head = (f"VERIFIED: the bundle's {result['logs']} logs, {result['headers']} headers and {result['events']} "
            f"history entries hold" + (f", and its blocks are canonical at {result['against_node']}"
                                       if result["canonical_checked"] else " (offline)")
            if result["verified"] else f"NOT VERIFIED: {len(result['differences'])} differences")
    if fmt == "json":
        print(json.dumps({"summary": head, **result}, indent=2, ensure_ascii=False))
        return
    print(head)
    for d in result["differences"]:
        print(f"  DIFFERENCE {d['entity']}: {d['problem']}")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("history", help="every event of an asset, in order",
                       **examples("datareg history ASSET_ID",
                                  "datareg history ASSET_ID --kind usage --since 2026-01-01"))
    p.add_argument("asset_id")
    p.add_argument("--kind", help="holding, usage or operating")
    p.add_argument("--party", help="only events in which this address acted or was named")
    p.add_argument("--since", help="block number or ISO time")
    p.add_argument("--until", help="block number or ISO time")
    p.add_argument("--key", help=READ_KEY_HELP)
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("audit", help="an audit report of an asset's full history; --verify proves it complete and "
                       "true on chain (exit 0 verified, 1 differences, 2 could not check)",
                       **examples("datareg audit ASSET_ID --verify", "datareg audit ASSET_ID --verify --format csv"))
    p.add_argument("asset_id", nargs="?")
    p.add_argument("--format", choices=["text", "json", "csv", "html"], default="text")
    p.add_argument("--verify", action="store_true",
                   help="fetch every log of the registry's contracts that concerns the asset from the chain node "
                   "(DATAREG_RPC_URL, or --rpc) and compare the history, the contracts' views and the API's answer")
    p.add_argument("--bundle", metavar="FILE", help="also write the logs, receipts and block headers used (implies "
                   "--verify)")
    p.add_argument("--check-bundle", metavar="FILE", help="re-verify a bundle: offline, or against --rpc")
    p.add_argument("--rpc", help="the chain node to check against (default DATAREG_RPC_URL; for --check-bundle, "
                   "none: offline)")
    p.add_argument("--block", type=whole_number(0, 2**63 - 1, "a block number"),
                   help="audit as of this block (default: the block the API has indexed)")
    p.add_argument("--contract", help="the DataRegistry address to trust (default: what the API says)")
    p.add_argument("--chain-id", type=whole_number(1, 2**64 - 1, "a chain id"),
                   help="the chain id to expect (default: what the API says)")
    p.set_defaults(handler=cmd_audit)
