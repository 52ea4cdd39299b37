"""`datareg history` and `datareg audit`: an asset's full history for auditors, and with --verify every
event re-read from the chain by transaction hash and log index, so the auditor need not trust the API."""
from __future__ import annotations

import csv
import io
import json
import sys
from typing import Any

from web3 import Web3

from registry.chain.events import decode_log
from registry.chain.types import RightKind, asset_id_hex, checksum
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, whole_number
from registry.config import Settings
from registry.errors import ChainError

PAGE = 1000
# Arguments the API shows as columns of their own rather than in `details`.
_COLUMNS = {"assetId": "asset_id", "rightIndex": "right_index"}


def fetch_history(api: ApiClient, asset_id: str, **filters: Any) -> list[dict]:
    events: list[dict] = []
    while True:
        page = api.get(f"/v1/assets/{asset_id}/history", limit=PAGE, offset=len(events),
                       **{k: v for k, v in filters.items() if v is not None})
        events += page["data"]
        if len(events) >= page["count"] or not page["data"]:
            return events


def _rpc_batch(w3: Web3, calls: list[tuple[str, list]]) -> list[Any]:
    results = []
    for start in range(0, len(calls), 100):
        try:
            responses = w3.provider.make_batch_request(calls[start:start + 100])
        except Exception as exc:  # noqa: BLE001
            raise ChainError(f"Cannot read from the chain node: {exc}. Check DATAREG_RPC_URL.") from exc
        results += [r.get("result") for r in sorted(responses, key=lambda r: r["id"])]
    return results


def verify_events(rpc_url: str, contract: str, chain_id: int, events: list[dict]) -> dict:
    """Re-reads each event from the node: the receipt of its transaction, the log at its index, the block
    that is canonical at its number. Returns what was checked and every difference found."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
    try:
        actual_chain = w3.eth.chain_id
    except Exception as exc:  # noqa: BLE001
        raise ChainError(f"Cannot reach the chain node at '{rpc_url}': {exc}.") from exc
    mismatches: list[dict] = []
    if actual_chain != chain_id:
        mismatches.append({"event": None, "problem": f"the node is chain {actual_chain}, not {chain_id}"})
    tx_hashes = sorted({e["tx_hash"] for e in events})
    receipts = dict(zip(tx_hashes, _rpc_batch(w3, [("eth_getTransactionReceipt", [h]) for h in tx_hashes])))
    numbers = sorted({e["block_number"] for e in events})
    blocks = dict(zip(numbers, _rpc_batch(w3, [("eth_getBlockByNumber", [hex(n), False]) for n in numbers])))
    for position, event in enumerate(events):
        where = {"event": position, "tx_hash": event["tx_hash"], "log_index": event["log_index"]}
        receipt = receipts.get(event["tx_hash"])
        block = blocks.get(event["block_number"])
        if receipt is None:
            mismatches.append({**where, "problem": "no such transaction on the chain"})
            continue
        if block is None or block["hash"] != event["block_hash"]:
            mismatches.append({**where, "problem": f"block {event['block_number']} on the chain is not "
                                                   f"{event['block_hash']} (reorganised or wrong)"})
        if receipt["blockHash"] != event["block_hash"]:
            mismatches.append({**where, "problem": f"the transaction is in block {receipt['blockHash']}"})
        log = next((entry for entry in receipt["logs"] if int(entry["logIndex"], 16) == event["log_index"]), None)
        if log is None or Web3.to_checksum_address(log["address"]) != contract:
            mismatches.append({**where, "problem": "no log of the registry contract at that index"})
            continue
        decoded = decode_log(log)
        if decoded is None or decoded.name != event["event"]:
            mismatches.append({**where, "problem": f"the log is {decoded.name if decoded else 'not a registry event'}"
                                                   f", not {event['event']}"})
            continue
        expected = {**event["details"], **{arg: event[column] for arg, column in _COLUMNS.items()
                                           if arg in decoded.args}}
        if event.get("kind") is not None and "kind" in decoded.args:
            expected["kind"] = int(RightKind.parse(event["kind"]))
        for name, value in decoded.args.items():
            if name in expected and expected[name] != value:
                mismatches.append({**where, "problem": f"'{name}' is {value!r} on the chain, "
                                                       f"{expected[name]!r} in the API"})
        for name in expected.keys() - decoded.args.keys():
            mismatches.append({**where, "problem": f"the API shows '{name}', which the event does not have"})
    return {"rpc_url": rpc_url, "chain_id": chain_id, "contract": contract, "events_checked": len(events),
            "transactions_checked": len(tx_hashes), "mismatches": mismatches, "verified": not mismatches}


def _line(e: dict) -> str:
    right = f"right {e['right_index']} ({e['kind']})" if e["right_index"] is not None else ""
    others = [p for p in e["parties"] if p != e["actor"]]
    return (f"{e['timestamp']}  block {e['block_number']:<8} {e['action']:<18} {right:<22} "
            f"{e['actor'] or ''}{' -> ' + ', '.join(others) if others else ''}")


def cmd_history(args, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    asset_id = asset_id_hex(args.asset_id)
    events = fetch_history(api, asset_id, kind=args.kind, party=checksum(args.party) if args.party else None,
                           since=args.since, until=args.until)
    out.result(events, lambda evs: "\n".join(_line(e) for e in evs) or "No events match.")


def _csv(events: list[dict], verification: dict | None) -> str:
    failed = {m["event"] for m in verification["mismatches"]} if verification else set()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["timestamp", "action", "right_index", "kind", "actor", "parties", "details", "block_number",
                     "block_hash", "tx_hash", "log_index"] + (["verified"] if verification else []))
    for position, e in enumerate(events):
        writer.writerow([e["timestamp"], e["action"], e["right_index"], e["kind"], e["actor"], " ".join(e["parties"]),
                         json.dumps(e["details"], ensure_ascii=False, sort_keys=True), e["block_number"],
                         e["block_hash"], e["tx_hash"], e["log_index"]]
                        + (["no" if position in failed else "yes"] if verification else []))
    return buffer.getvalue()


def cmd_audit(args, settings: Settings, out: Output) -> None:
    api = ApiClient(settings.api_url)
    asset_id = asset_id_hex(args.asset_id)
    asset = api.get(f"/v1/assets/{asset_id}")
    status = api.get("/v1/status")
    events = fetch_history(api, asset_id)
    verification = None
    if args.verify:
        contract = checksum(args.contract, "contract address") if args.contract else status["contracts"]["DataRegistry"]
        verification = verify_events(settings.rpc_url, contract, args.chain_id or status["chain_id"], events)
    report = {
        "asset": {k: asset[k] for k in ("asset_id", "name", "registrant", "status", "classification",
                                        "content_hash", "metadata_cid", "registered_at", "evidence")},
        "rights": asset["rights"],
        "sources": asset["sources"],
        "derived_assets": asset["derived_assets"],
        "events": events,
        "verification": verification,
    }
    fmt = "json" if out.as_json else args.format
    if fmt == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        sys.stdout.write(_csv(events, verification))
    else:
        print(f"Audit of {asset['name'] or asset_id}\n  asset id  {asset_id}\n  events    {len(events)}")
        for e in events:
            print("  " + _line(e))
        if verification:
            print(f"Verified against chain {verification['chain_id']} at {verification['rpc_url']}: "
                  f"{verification['events_checked']} events in {verification['transactions_checked']} transactions, "
                  f"{len(verification['mismatches'])} differences.")
            for m in verification["mismatches"]:
                print(f"  DIFFERENCE event {m['event']}: {m['problem']}")
    if verification and not verification["verified"]:
        raise SystemExit(2)


def add_parsers(sub) -> None:
    p = sub.add_parser("history", help="every event of an asset, in order")
    p.add_argument("asset_id")
    p.add_argument("--kind", help="holding, usage or operating")
    p.add_argument("--party", help="only events in which this address acted or was named")
    p.add_argument("--since", help="block number or ISO time")
    p.add_argument("--until", help="block number or ISO time")
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("audit", help="an audit report of an asset's full history; --verify checks it on chain")
    p.add_argument("asset_id")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.add_argument("--verify", action="store_true",
                   help="re-read every event from the chain node (DATAREG_RPC_URL) and compare")
    p.add_argument("--contract", help="the registry address to trust (default: what the API says)")
    p.add_argument("--chain-id", type=whole_number(1, 2**64 - 1, "a chain id"), help="the chain id to expect (default: what the API says)")
    p.set_defaults(handler=cmd_audit)
