"""Evidence read from a node and checked in Python: every log that concerns an asset (found by the indexed
topics the events declare, not by a list of events), block headers whose hashes are recomputed from their
fields, and receipts whose trie root is recomputed against the header. The audit and the index check build
on it; an auditor needs to trust only the node (or, with a bundle, only a block hash).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import rlp
from eth_hash.auto import keccak

from registry.chain.abi import CONTRACTS, load_abi
from registry.chain.events import _topic
from registry.chain.rpc import Rpc  # noqa: F401 - the audit and the index check import it from here
from registry.errors import ChainError

#: Indexed event arguments that say which asset an event concerns, and how. An event the contracts add is
#: covered by the audit when it indexes its asset id under one of these names: nothing else needs to change.
ASSET_TOPICS = {"assetId": "own", "sourceAssetId": "derived_from_this"}
#: Ids an asset owns: the event that creates one names the asset, later events may name only the id
#: (ListingStatusChanged names its listing). Those are found by these ids' indexed topics.
OWNED_IDS = ("listingId", "attestationId")


@dataclass(frozen=True)
class EventShape:
    """Where an event of one contract keeps its indexed arguments: name -> topic position (1-3)."""

    contract: str
    name: str
    topic0: str
    indexed: dict[str, int]


@cache
def event_shapes() -> tuple[EventShape, ...]:
    shapes = []
    for contract in CONTRACTS:
        for entry in load_abi(contract):
            if entry["type"] == "event":
                indexed = [i["name"] for i in entry["inputs"] if i["indexed"]]
                shapes.append(EventShape(contract, entry["name"], _topic(entry),
                                         {name: position for position, name in enumerate(indexed, 1)}))
    return tuple(shapes)


def unindexed_asset_events() -> list[str]:
    """Events that carry an asset id the audit cannot find by topic (it is not indexed): to be reported, since
    the audit would miss them."""
    found = []
    for contract in CONTRACTS:
        for entry in load_abi(contract):
            if entry["type"] == "event" and any(i["name"] in ASSET_TOPICS and not i["indexed"]
                                                for i in entry["inputs"]):
                found.append(f"{contract}.{entry['name']}")
    return found


def topic_of(value: str | int) -> str:
    """A bytes32 or uint256 value as the 0x-hex topic an indexed argument of it has."""
    if isinstance(value, int):
        return "0x" + value.to_bytes(32, "big").hex()
    return "0x" + value[2:].lower().rjust(64, "0")


# ───────────────────────────── transport ─────────────────────────────


_TOO_LARGE = ("too many", "more than", "limit", "range", "exceed", "size", "timeout", "timed out")


def get_logs(rpc: Rpc, filters: list[dict[str, Any]], first: int, last: int) -> list[list[dict[str, Any]]]:
    """The logs of each filter over blocks first..last, in one batch; a range the node refuses as too large
    is split in two until it is served."""
    calls = [("eth_getLogs", [{**f, "fromBlock": hex(first), "toBlock": hex(last)}]) for f in filters]
    try:
        return [[entry for entry in logs if not entry.get("removed")] for logs in rpc.batch(calls)]
    except ChainError as exc:
        if first >= last or not any(s in str(exc).lower() for s in _TOO_LARGE):
            raise
    middle = (first + last) // 2
    return [a + b for a, b in zip(get_logs(rpc, filters, first, middle), get_logs(rpc, filters, middle + 1, last))]


def headers(rpc: Rpc, numbers: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The node's canonical headers at these numbers (without the transactions)."""
    wanted = sorted(set(numbers))
    found = {}
    for number, header in zip(wanted, rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in wanted])):
        if header is None:
            raise ChainError(f"The node at '{rpc.url}' has no block {number}.")
        found[number] = header
    return found


# ───────────────────────────── headers and receipts ─────────────────────────────

# A header's fields in the order its RLP encoding lists them; the later ones exist from the fork that added
# them on (London: base fee; Shanghai: withdrawals; Cancun: blobs and beacon root; Prague: requests).
_HEADER_FIELDS = ("parentHash", "sha3Uncles", "miner", "stateRoot", "transactionsRoot", "receiptsRoot", "logsBloom",
                  "difficulty", "number", "gasLimit", "gasUsed", "timestamp", "extraData", "mixHash", "nonce",
                  "baseFeePerGas", "withdrawalsRoot", "blobGasUsed", "excessBlobGas", "parentBeaconBlockRoot",
                  "requestsHash")
# Fields that are numbers (encoded without leading zeros), the rest are byte strings kept as they are.
_NUMBER_FIELDS = {"difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "blobGasUsed",
                  "excessBlobGas"}


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _number(value: str) -> int:
    return int(value, 16)


def header_hash(header: dict[str, Any]) -> str:
    """The block hash recomputed from the header's fields: keccak256 of their RLP encoding."""
    fields = []
    for name in _HEADER_FIELDS:
        if name not in header or header[name] is None:
            continue
        fields.append(_number(header[name]) if name in _NUMBER_FIELDS else _bytes(header[name]))
    return "0x" + keccak(rlp.encode(fields)).hex()


def receipt_encoding(receipt: dict[str, Any]) -> bytes:
    """A receipt as the receipts trie stores it: its RLP, after the type byte for a typed transaction."""
    body: bytes = rlp.encode([
        _number(receipt["status"]) if receipt.get("status") is not None else _bytes(receipt["root"]),
        _number(receipt["cumulativeGasUsed"]),
        _bytes(receipt["logsBloom"]),
        [[_bytes(log["address"]), [_bytes(t) for t in log["topics"]], _bytes(log["data"])] for log in receipt["logs"]],
    ])
    kind = _number(receipt.get("type") or "0x0")
    return body if kind == 0 else bytes([kind]) + body


def _nibbles(key: bytes) -> list[int]:
    return [n for byte in key for n in (byte >> 4, byte & 15)]


def _hex_prefix(nibbles: list[int], leaf: bool) -> bytes:
    flag = 2 if leaf else 0
    if len(nibbles) % 2:
        nibbles = [flag + 1] + nibbles
    else:
        nibbles = [flag, 0] + nibbles
    return bytes(nibbles[i] * 16 + nibbles[i + 1] for i in range(0, len(nibbles), 2))


def _node(items: list[tuple[list[int], bytes]]) -> Any:
    """The trie node (as an RLP structure) holding `items`, all below the same path so far."""
    if len(items) == 1:
        path, value = items[0]
        return [_hex_prefix(path, True), value]
    common = 0
    while all(len(p) > common for p, _ in items) and len({p[common] for p, _ in items}) == 1:
        common += 1
    if common:
        return [_hex_prefix(items[0][0][:common], False), _reference(_node([(p[common:], v) for p, v in items]))]
    branch: list[Any] = [b""] * 17
    for nibble in range(16):
        below = [(p[1:], v) for p, v in items if p and p[0] == nibble]
        if below:
            branch[nibble] = _reference(_node(below))
    branch[16] = next((v for p, v in items if not p), b"")
    return branch


def _reference(node: Any) -> Any:
    """How a parent names a child node: inline if its encoding is shorter than 32 bytes, else by its hash."""
    encoded = rlp.encode(node)
    return node if len(encoded) < 32 else keccak(encoded)


def receipts_root(receipts: list[dict[str, Any]]) -> str:
    """The root of the trie of a block's receipts, keyed by the RLP of each one's index in the block."""
    if not receipts:
        return "0x" + keccak(rlp.encode(b"")).hex()
    items = [(_nibbles(rlp.encode(_number(r["transactionIndex"]))), receipt_encoding(r)) for r in receipts]
    return "0x" + keccak(rlp.encode(_node(items))).hex()
