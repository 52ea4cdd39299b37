"""`datareg index check`: compares every table the API serves with the chain, at the block the index has
reached, and reports every difference. An auditor's way to trust the index without trusting it.

Three comparisons, each against the node alone:
- the events table with every log of the deployment's contracts, block by block (a block whose logs were
  never indexed shows as logs the index lacks) and field by field, each row as the indexer would have
  written it (registry.indexer.writer.event_row) with the time from the block's header;
- every state table (assets, rights and their versions, lineage, listings, pledges, registrations,
  objections, attestations, participants, issue 13's freeze orders, asset versions, holder terms and
  change applications, trades, issue 21's accounting records, finance remarks and recognised registries,
  listing approvals and withdrawn consents) with the same logs replayed through the indexer's own handlers;
- the state with the contracts' own views (getAsset, getRight, rightValidity, getListing, listingValidity,
  getApplication, getAttestation, getParticipant, freezeOrderCount, getFreezeOrder, getChange, getAccounting,
  getRemark, getRecognition, consentBitmap, and the approvals' storage) at that block, and the listing feed
  with the listings.

The replay and the view comparisons are shared with `datareg audit --verify`, which does the same for one
asset without the database.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, cast

from eth_abi import encode
from eth_hash.auto import keccak
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from registry.chain.abi import canonical_type, load_abi
from registry.chain.events import DecodedEvent, _compile, _sequence, decode_log
from registry.chain.evidence import get_logs, headers
from registry.chain.rpc import Rpc
from registry.chain.types import certificate_text
from registry.config import Deployment
from registry.content.cid import cid_to_digest
from registry.db.listings import TRADE_FEED_CHANGES
from registry.db.models import (
    AccountingRecord,
    Asset,
    AssetVersion,
    Attestation,
    Block,
    ChangeApplication,
    Engagement,
    Event,
    FinanceRemark,
    FreezeOrder,
    HolderTerm,
    Lineage,
    Listing,
    ListingApproval,
    ListingChange,
    Objection,
    Participant,
    Pledge,
    PublicAuthorisation,
    PublicLicence,
    PublicScenario,
    Qualification,
    Recognition,
    Registration,
    Right,
    RightVersion,
    Trade,
    WithdrawnConsent,
)
from registry.db.queries import checkpoint
from registry.errors import ChainError, IndexerError
from registry.indexer.batch import Batch, table_of
from registry.indexer.handlers import HANDLERS
from registry.indexer.writer import event_row
from registry.rules import AUTHORISATION_REASONS, PublicStanding, evaluate_rights
from registry.vocabulary import (
    AssetStatus,
    Attribute,
    FinanceRemarkKind,
    ListingStatus,
    ListingValidity,
    Role,
    Stage,
    Validity,
)

# The contract's Validity enum, by the reason evaluate_rights gives for a right that is not valid.
VALIDITY: dict[str | None, Validity] = {
    None: Validity.VALID, "asset_cancelled": Validity.ASSET_NOT_ACTIVE, "revoked": Validity.REVOKED,
            "parent_revoked": Validity.REVOKED, "not_yet_valid": Validity.NOT_YET_VALID,
            "parent_not_yet_valid": Validity.NOT_YET_VALID, "expired": Validity.EXPIRED,
            "parent_expired": Validity.EXPIRED, "pending": Validity.PENDING, "parent_pending": Validity.PENDING,
            **dict.fromkeys(AUTHORISATION_REASONS, Validity.AUTHORISATION_LAPSED)}
# Blocks per eth_getLogs when reading the whole deployment (a node that refuses a range gets it halved).
LOG_RANGE = 50_000


@dataclass(frozen=True)
class Difference:
    entity: str  # e.g. "asset 0x…", "right 0x…/4", "listing 3", "block 120"
    field: str
    index: object
    chain: object


@dataclass
class CheckReport:
    block: int
    checked: dict[str, int] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)


def _compare(out: list[Difference], entity: str, pairs: dict[str, tuple[object, object]]) -> None:
    for name, (indexed, on_chain) in pairs.items():
        if indexed != on_chain:
            out.append(Difference(entity, name, indexed, on_chain))


# ───────────────────────────── replay ─────────────────────────────


def _no_metadata(cid: str) -> None:
    return None  # metadata documents live in the content store, not on the chain: never compared


def replay_logs(events: Iterable[tuple[DecodedEvent, int]], batch: Batch | None = None
                ) -> tuple[Batch, list[dict[str, Any]]]:
    """The events' rows and the state they project, built in memory by the indexer's own code: what the index
    must hold if it is true to these events. `events` are (event, block time) in chain order; `batch`: state to
    start from (the audit's exchanges, whose trade codes number an asset's trades)."""
    batch = batch if batch is not None else Batch(None)
    rows = []
    for event, timestamp in events:
        rows.append(event_row(batch, event, timestamp))
        handler = HANDLERS.get(event.name)
        if handler is not None:
            handler(batch, event, timestamp, _no_metadata)
    return batch, rows


def decoded_with_times(logs: list[dict[str, Any]],
                       block_headers: dict[int, dict[str, Any]]) -> list[tuple[DecodedEvent, int]]:
    """The registry events among `logs`, in chain order, each with its block's time from the header."""
    events = [e for e in map(decode_log, logs) if e is not None]
    events.sort(key=attrgetter("block_number", "log_index"))
    return [(e, int(block_headers[e.block_number]["timestamp"], 16)) for e in events]


# ───────────────────────────── the contracts' views ─────────────────────────────


@cache
def _function(contract: str, name: str) -> tuple[bytes, list[str], Any]:
    """A view's selector, its argument types, and a reader of its result (registry.chain.events' word readers:
    addresses checksummed, bytes as 0x-hex; eth_abi took most of an audit's time on 20,000 results)."""
    entry = next(e for e in load_abi(contract) if e["type"] == "function" and e["name"] == name)
    inputs = [canonical_type(i) for i in entry["inputs"]]
    selector = keccak(f"{name}({','.join(inputs)})".encode())[:4]
    return selector, inputs, _sequence([_compile(o) for o in entry["outputs"]], list)


# A helper that runs many view calls in one eth_call. It is never deployed: the node is asked to place its
# code at an unused address for that call only (a state override), and it calls the real contracts at the
# audited block. Source (solc 0.8.30, optimizer 200 runs, EVM cancun):
#     contract BatchView {
#         function run(address[] calldata targets, bytes[] calldata calls) external view
#             returns (bytes[] memory results) {
#             results = new bytes[](calls.length);
#             for (uint256 i; i < calls.length; ++i) {
#                 (bool ok, bytes memory result) = targets[i].staticcall(calls[i]);
#                 if (ok) results[i] = result;
#             }
#         }
#     }
BATCH_VIEW_CODE = (
    "0x608060405234801561000f575f5ffd5b5060043610610029575f3560e01c80634d618e3b1461002d575b5f5ffd5b61004061003b36"
    "60046101d7565b610056565b60405161004d9190610243565b60405180910390f35b60608167ffffffffffffffff811115610071576100"
    "716102c7565b6040519080825280602002602001820160405280156100a457816020015b606081526020019060019003908161008f5790"
    "505b5090505f5b82811015610186575f5f8787848181106100c5576100c56102db565b90506020020160208101906100da91906102ef56"
    "5b6001600160a01b03168686858181106100f5576100f56102db565b9050602002810190610107919061031c565b604051610115929190"
    "61035f565b5f60405180830381855afa9150503d805f811461014d576040519150601f19603f3d011682016040523d82523d5f60208401"
    "3e610152565b606091505b5091509150811561017c5780848481518110610170576101706102db565b60200260200101819052505b5050"
    "6001016100a9565b50949350505050565b5f5f83601f84011261019f575f5ffd5b50813567ffffffffffffffff8111156101b6575f5ffd"
    "5b6020830191508360208260051b85010111156101d0575f5ffd5b9250929050565b5f5f5f5f604085870312156101ea575f5ffd5b8435"
    "67ffffffffffffffff811115610200575f5ffd5b61020c8782880161018f565b909550935050602085013567ffffffffffffffff811115"
    "61022b575f5ffd5b6102378782880161018f565b95989497509550505050565b5f602082016020835280845180835260408501915060"
    "408160051b8601019250602086015f5b828110156102bb57603f19878603018452815180518087528060208301602089015e5f60208289"
    "0101526020601f19601f83011688010196505050602082019150602084019350600181019050610269565b50929695505050505050565b"
    "634e487b7160e01b5f52604160045260245ffd5b634e487b7160e01b5f52603260045260245ffd5b5f602082840312156102ff575f5ffd"
    "5b81356001600160a01b0381168114610315575f5ffd5b9392505050565b5f5f8335601e19843603018112610331575f5ffd5b83018035"
    "915067ffffffffffffffff82111561034b575f5ffd5b6020019150368190038213156101d0575f5ffd5b818382375f91019081529190"
    "5056fea2646970667358221220fb665782230397241763ceffdd7232e761bca4729ab4c71a8cb07e0158364eb564736f6c634300081e00"
    "33")
BATCH_VIEW_ADDRESS = "0x00000000000000000000000000000000000da7a0"
BATCH_VIEW_RUN = "4d618e3b"  # run(address[],bytes[])
VIEWS_PER_CALL = 500  # ~6M gas of view calls: well within a call's gas


def _word(value: int) -> str:
    return format(value, "064x")


def _argument_word(kind: str, value: Any) -> str:
    """A view's argument as its one ABI word (the views read here take only bytes32, uints and addresses)."""
    if kind == "bytes32":
        return cast(str, value.hex())
    if kind == "address":
        return cast(str, value[2:].lower().rjust(64, "0"))
    if kind.startswith("uint"):
        return format(value, "064x")
    return encode([kind], [value]).hex()


def _encode_run(targets: list[str], calls: list[str]) -> str:
    """The calldata of BatchView.run(targets, calls); `calls` are hex without 0x."""
    n = len(calls)
    head = _word(64) + _word(64 + 32 * (n + 1))
    addresses = _word(n) + "".join(t[2:].lower().rjust(64, "0") for t in targets)
    offsets, bodies, position = [], [], 32 * n
    for data in calls:
        padded = data + "0" * (-len(data) % 64)
        offsets.append(_word(position))
        bodies.append(_word(len(data) // 2) + padded)
        position += 32 + len(padded) // 2
    return "0x" + BATCH_VIEW_RUN + head + addresses + _word(n) + "".join(offsets) + "".join(bodies)


def _decode_results(raw: str) -> list[str | None]:
    """BatchView.run's bytes[] as hex strings (no 0x), None for an empty (reverted) result."""
    d = raw[2:]
    base = int(d[0:64], 16) * 2  # where the array starts
    n = int(d[base:base + 64], 16)
    items = []
    for i in range(n):
        start = base + 64 + int(d[base + 64 + 64 * i:base + 128 + 64 * i], 16) * 2
        length = int(d[start:start + 64], 16) * 2
        items.append(d[start + 64:start + 64 + length] or None)
    return items


class Views:
    """The contracts' view functions at one block, many per eth_call (see BatchView), or one per eth_call in
    JSON-RPC batches from a node that does not take state overrides."""

    def __init__(self, rpc: Rpc, contracts: dict[str, str], block: int) -> None:
        self.rpc, self.contracts, self.block = rpc, contracts, block
        self._overrides = True

    def read(self, calls: list[tuple[str, str, tuple[Any, ...]]]) -> list[Any]:
        """Each (contract, function, arguments)'s result: the one value, or a tuple of several (a struct's
        fields in order); None where the call reverted (the thing asked about does not exist)."""
        targets = [self.contracts[contract] for contract, _, _ in calls]
        data = []
        for contract, name, args in calls:
            selector, inputs, _ = _function(contract, name)
            data.append(selector.hex() + "".join(map(_argument_word, inputs, args)))
        raw = self._batched(targets, data) if self._overrides and data else None
        if raw is None:
            self._overrides = False
            answers = self.rpc.batch([("eth_call", [{"to": t, "data": "0x" + d}, hex(self.block)])
                                      for t, d in zip(targets, data)], allow_errors=True)
            raw = [a[2:] if a and a != "0x" else None for a in answers]
        results: list[Any] = []
        for (contract, name, _), result in zip(calls, raw):
            if result is None:
                results.append(None)
                continue
            values = [tuple(v.values()) if isinstance(v, dict) else v
                      for v in _function(contract, name)[2].read(result, 0)]
            results.append(values[0] if len(values) == 1 else tuple(values))
        return results

    def _batched(self, targets: list[str], data: list[str]) -> list[str | None] | None:
        override = {BATCH_VIEW_ADDRESS: {"code": BATCH_VIEW_CODE}}
        requests = [("eth_call", [{"to": BATCH_VIEW_ADDRESS, "gas": hex(30_000_000),
                                   "data": _encode_run(targets[i:i + VIEWS_PER_CALL], data[i:i + VIEWS_PER_CALL])},
                                  hex(self.block), override])
                    for i in range(0, len(data), VIEWS_PER_CALL)]
        try:
            return [item for answer in self.rpc.batch(requests) for item in _decode_results(answer)]
        except (ChainError, ValueError, TypeError):
            return None  # no state overrides here (or too old an EVM): one eth_call per view instead


#: Where a field of an index row is in a contract view's result: the view's position, or the position and what
#: turns the view's value into the index's form.
ViewField = int | tuple[int, Callable[[Any], object]]


def _view_differences(out: list[Difference], entity: str, row: dict[str, Any], view: tuple[Any, ...] | None,
                      fields: dict[str, ViewField], *, values: dict[str, object] | None = None,
                      required: bool = False) -> None:
    """Each field of an index row against its place in a contract view's result (`view`; None where the view
    reverted, for a thing the contract does not have). The row's column of the field's name is compared, or the
    value `values` gives for a field the row holds in another form. A missing view is one difference, `exists`,
    when `required`; otherwise each field is compared with None."""
    if view is None and required:
        out.append(Difference(entity, "exists", True, False))
        return
    pairs: dict[str, tuple[object, object]] = {}
    for name, where in fields.items():
        position, convert = (where, None) if isinstance(where, int) else where
        theirs = None if view is None else view[position] if convert is None else convert(view[position])
        pairs[name] = (values[name] if values is not None and name in values else row[name], theirs)
    _compare(out, entity, pairs)


def asset_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    attributes = (Attribute.PERSONAL * row["personal_information"]
                  | Attribute.SENSITIVE * row["sensitive_personal_information"]
                  | Attribute.EXPORT * row["export_allowed"] | Attribute.DERIVED * row["derived"]
                  | Attribute.PUBLIC * (row.get("public_authorisation_id") is not None))
    _view_differences(out, f"asset {row['asset_id']}", row, view, {
        "registrant": 0, "status": 1, "classification": 2, "attributes": 3, "version": 4, "right_count": 5,
        "frozen": 6, "active_pledges": 7}, values={"attributes": attributes}, required=True)


def right_view_differences(out: list[Difference], asset_id: str, index: int, row: dict[str, Any] | None,
                           view: tuple[Any, ...] | None,
                           validity: tuple[Any, ...] | None, expected_validity: int | None) -> None:
    entity = f"right {asset_id}/{index}"
    if row is None or view is None:
        if (row is None) != (view is None):
            out.append(Difference(entity, "exists", row is not None, view is not None))
        return
    _view_differences(out, entity, row, view, {
        "holder": 0, "kind": 1, "parent_index": 2, "valid_from": 3, "valid_until": 4, "revoked": 5,
        "sub_grantable": 6, "transferable": 7})
    if validity is not None and expected_validity is not None:
        _compare(out, entity, {"validity": (expected_validity, validity[0])})


def validities(rights: list[dict[str, Any]], asset_active: bool, moment: int,
               public: PublicStanding | None = None) -> dict[int, int]:
    """Each right's validity at `moment` as the contract's rightValidity numbers it, judged by the index's rule."""
    # Rows as attribute bags: evaluate_rights reads only a Right's attributes.
    states = evaluate_rights(cast(list[Right], [SimpleNamespace(**r) for r in rights]), asset_active, moment, public)
    return {s.right.right_index: VALIDITY[s.reason] for s in states}


def listing_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"listing {row['listing_id']}", row, view, {
        "exchange": 0, "status": 1, "asset_id": 2, "right_index": 3, "holder": 4, "origin_listing_id": 5},
        required=True)


def registration_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"registration {row['asset_id']}", row, view, {
        "applicant": 0, "registrar": 1, "stage": (2, lambda stage: Stage(stage).key),
        "certificate_number": (8, certificate_text), "valid_until": (5, _or_none)})


def _or_none(value: object) -> object:
    """A view's zero (no such date, none yet) as the index's null."""
    return value or None


def recognition_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"recognition {row['recognition_id']}", row, view, {
        "chain_id": 0, "from_block": 1, "status": 2,
        "region": (3, lambda region: bytes.fromhex(region[2:]).decode("ascii", errors="replace")),
        "withdrawn_at": (5, _or_none), "data_registry": 7, "registration_office": 8, "name": 9})


def attestation_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"attestation {row['attestation_id']}", row, view, {
        "issuer": 0, "revoked": 2, "asset_version": 3, "asset_id": 6})


def accounting_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    """An accounting record against FinanceRecords.getAccounting: the commitment the API checks documents by."""
    _view_differences(out, f"accounting_records {row['asset_id']}/{row['holder']}", row, view, {
        "document_cid": 0, "auditor": (1, lambda auditor: None if int(auditor, 16) == 0 else auditor), "revision": 2},
        values={"document_cid": "0x" + cid_to_digest(row["document_cid"]).hex()})


def finance_remark_view_differences(out: list[Difference], row: dict[str, Any],
                                    view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"finance_remarks {row['remark_id']}", row, view, {
        "asset_id": 0, "holder": 1, "kind": (2, lambda kind: FinanceRemarkKind(kind).key), "ended": 3,
        "counterparty": 4})


def freeze_order_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"freeze_orders {row['asset_id']}/{row['order_id']}", row, view,
                      {"regulator": 0, "active": 1})


def change_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    """The latest change application: pending or decided, and to which registrar (the contract keeps the
    version applied for only while it is pending)."""
    _view_differences(out, f"change_applications {row['asset_id']}", row, view, {"registrar": 0, "pending": 1},
                      values={"pending": row["status"] == "pending"})


def qualification_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    """A participant's current qualification (its highest serial) against `getQualification`."""
    _view_differences(out, f"qualification {row['account']}/{row['serial']}", row, view, {
        "serial": 0, "kind": 1, "revoked": 2, "valid_from": 3, "valid_until": 4, "issuer": 6, "number": 7,
        "scope": 8})


def engagement_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"engagement {row['engagement_id']}", row, view, {
        "holder": 0, "used": 1, "withdrawn": 2, "appraiser": 3, "right_index": 4, "asset_id": 5},
        values={"used": row["status"] == "used", "withdrawn": row["status"] == "withdrawn"})


def participant_view_differences(out: list[Difference], row: dict[str, Any], view: tuple[Any, ...] | None) -> None:
    _view_differences(out, f"participant {row['account']}", row, view, {
        "role": 0, "status": 1, "credit_code_hash": 2, "name": 3, "endpoint": 4}, required=True)


#: The storage slot of ListingRegistry's `_approved` mapping (consent hash => valid until): after EIP712's two
#: fallback strings (slots 0 and 1), the pause flag packed with the count and the floor (2), and the listings,
#: exchange ids and cross-listings mappings (3 to 5). `forge inspect ListingRegistry storageLayout` shows it; the
#: index check test of approvals fails if it moves.
APPROVALS_SLOT = 6


def approval_differences(out: list[Difference], rpc: Rpc, registry: str, block: int,
                         approvals: list[dict[str, Any]]) -> None:
    """Each approval by transaction against the contract's own record of it at `block`: its end while it is in
    force, zero once revoked or used. The contract has no view by consent hash (`approvalValidUntil` takes the
    whole request, which no event gives until a listing uses it), so the mapping's storage slot is read."""
    slots = ["0x" + keccak(bytes.fromhex(row["consent_hash"][2:]) + APPROVALS_SLOT.to_bytes(32, "big")).hex()
             for row in approvals]
    stored = rpc.batch([("eth_getStorageAt", [registry, slot, hex(block)]) for slot in slots])
    for row, value in zip(approvals, stored):
        in_force = not row["revoked"] and row["listing_id"] is None
        _compare(out, f"listing_approvals {row['consent_hash']}", {
            "approved_until": (row["valid_until"] if in_force else 0, int(value, 16))})


def consent_bitmap_differences(out: list[Difference], views: Views, listings: list[dict[str, Any]],
                               withdrawn: list[dict[str, Any]]) -> None:
    """Each holder's used-or-withdrawn bitmap (`consentBitmap`) against the index: the ids withdrawn and the ids
    its listings used. The contract sets a bit for either and never clears one, so each word the index knows of
    must be exactly these bits."""
    words: dict[tuple[str, int], int] = {}
    used = [(l["holder"], int(l["consent_id"])) for l in listings if l["consent_id"] is not None]
    for holder, consent_id in used + [(w["holder"], int(w["consent_id"])) for w in withdrawn]:
        key = (holder, consent_id >> 8)
        words[key] = words.get(key, 0) | 1 << (consent_id & 0xFF)
    keys = sorted(words)
    for (holder, word), bits in zip(keys, views.read([("ListingRegistry", "consentBitmap", key) for key in keys])):
        _compare(out, f"consent bitmap {holder}/{word}", {"bits": (hex(words[(holder, word)]),
                                                                   None if bits is None else hex(bits))})


# ───────────────────────────── the index check ─────────────────────────────

# The state tables compared with the replay, each by its natural key, without the columns the chain does not
# decide: metadata from the content store, and listing validity, which is judged against the contract below.
STATE_TABLES: dict[type[SQLModel], tuple[tuple[str, ...], frozenset[str]]] = {
    Asset: (("asset_id",), frozenset({"name", "summary", "industry", "metadata_json"})),
    Right: (("asset_id", "right_index"), frozenset()),
    RightVersion: (("asset_id", "right_index", "since_block", "since_log_index"), frozenset({"id"})),
    Lineage: (("asset_id", "source_asset_id"), frozenset()),
    Listing: (("listing_id",), frozenset({"valid", "invalid_reason", "expires_at"})),
    Pledge: (("pledge_id",), frozenset()),
    Registration: (("asset_id",), frozenset()),
    Objection: (("asset_id", "objection_id"), frozenset()),
    Attestation: (("attestation_id",), frozenset()),
    Participant: (("account",), frozenset()),
    FreezeOrder: (("asset_id", "order_id"), frozenset()),
    AssetVersion: (("asset_id", "version"), frozenset()),
    HolderTerm: (("asset_id", "holder"), frozenset()),
    ChangeApplication: (("asset_id",), frozenset()),
    Trade: (("exchange", "year", "serial"), frozenset()),
    PublicAuthorisation: (("authorisation_id",), frozenset()),
    PublicScenario: (("authorisation_id", "scenario_hash"), frozenset()),
    PublicLicence: (("authorisation_id", "licensee"), frozenset()),
    Qualification: (("account", "serial"), frozenset()),
    Engagement: (("engagement_id",), frozenset()),
    AccountingRecord: (("asset_id", "holder"), frozenset()),
    FinanceRemark: (("remark_id",), frozenset()),
    Recognition: (("recognition_id",), frozenset()),
    ListingApproval: (("consent_hash",), frozenset()),
    WithdrawnConsent: (("holder", "consent_id"), frozenset()),
}
EVENT_FIELDS = ("block_hash", "tx_hash", "timestamp", "name", "asset_id", "kind", "actor", "party", "right_index")


def _event_entity(row: dict[str, Any]) -> str:
    return f"event block {row['block_number']} log {row['log_index']} ({row['name']})"


def compare_events(out: list[Difference], expected: list[dict[str, Any]], indexed: list[dict[str, Any]]) -> None:
    """The index's event rows against those the chain's logs imply: per block, then field by field."""
    by_block: dict[int, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for row in expected:
        by_block.setdefault(row["block_number"], ([], []))[0].append(row)
    for row in indexed:
        by_block.setdefault(row["block_number"], ([], []))[1].append(row)
    for number in sorted(by_block):
        on_chain, in_index = by_block[number]
        if len(on_chain) != len(in_index):
            names = ", ".join(sorted({r["name"] for r in on_chain + in_index}))
            out.append(Difference(f"block {number} ({names})", "event_count", len(in_index), len(on_chain)))
        if on_chain and not in_index:
            continue  # the whole block is missing: one difference says it
        stored = {r["log_index"]: r for r in in_index}
        for row in on_chain:
            mine = stored.pop(row["log_index"], None)
            if mine is None:
                out.append(Difference(_event_entity(row), "exists", False, True))
                continue
            _compare(out, _event_entity(row), {name: (mine[name], row[name]) for name in EVENT_FIELDS})
            _compare(out, _event_entity(row), {"args": (json.loads(mine["args_json"]), json.loads(row["args_json"]))})
        for mine in stored.values():
            out.append(Difference(_event_entity(mine), "exists", True, False))


def compare_state(out: list[Difference], batch: Batch,
                  db_rows: dict[type[SQLModel], list[dict[str, Any]]]) -> dict[str, int]:
    """Every state table's rows against the replay's, by natural key and column."""
    counts: dict[str, int] = {}
    for model, (key, ignored) in STATE_TABLES.items():
        name = table_of(model).name  # its __tablename__
        expected = {tuple(r[k] for k in key): r for r in batch.rows(model)}
        stored = {tuple(r[k] for k in key): r for r in db_rows[model]}
        counts[name] = len(stored)
        for k in sorted(expected.keys() | stored.keys(), key=str):
            entity = f"{name} {'/'.join(map(str, k))}"
            mine, theirs = stored.get(k), expected.get(k)
            if mine is None or theirs is None:
                out.append(Difference(entity, "exists", mine is not None, theirs is not None))
                continue
            _compare(out, entity, {c: (mine.get(c), theirs.get(c)) for c in theirs if c not in ignored
                                   and c not in key})
    return counts


def check(rpc_url: str, deployment: Deployment, engine: Engine) -> CheckReport:
    with engine.connect() as connection, Session(bind=connection) as db:
        # One transaction: every table as of the same checkpoint.
        reached = checkpoint(db)
        if reached is None:
            raise IndexerError("The index is empty: nothing to check. Run the indexer first.")
        block = reached.block_number
        report = CheckReport(block)

        def rows(model: type[SQLModel]) -> list[dict[str, Any]]:
            return [dict(r) for r in connection.execute(select(table_of(model))).mappings()]

        indexed_events = [dict(r) for r in connection.execute(
            select(table_of(Event)).where(col(Event.block_number) <= block)).mappings()]
        db_rows = {model: rows(model) for model in STATE_TABLES}
        stored_blocks = rows(Block)
        feed = rows(ListingChange)

    rpc = Rpc(rpc_url)
    if int(rpc.call("eth_chainId", []), 16) != deployment.chain_id:
        raise ChainError(f"The node at '{rpc_url}' is not chain {deployment.chain_id}, the deployment's.")
    addresses = list(deployment.contracts.values())
    logs: list[dict[str, Any]] = []
    for first in range(deployment.deploy_block, block + 1, LOG_RANGE):
        logs += get_logs(rpc, [{"address": addresses}], first, min(block, first + LOG_RANGE - 1))[0]
    canonical = headers(rpc, {int(e["blockNumber"], 16) for e in logs} | {b["number"] for b in stored_blocks
                                                                           if b["number"] <= block} | {block})
    for entry in logs:
        if canonical[int(entry["blockNumber"], 16)]["hash"] != entry["blockHash"]:
            raise ChainError("The chain reorganised while the check read it; run the check again.")
    batch, expected_events = replay_logs(decoded_with_times(logs, canonical))
    out = report.differences
    if reached.block_hash != canonical[block]["hash"]:
        out.append(Difference(f"block {block}", "checkpoint_hash", reached.block_hash, canonical[block]["hash"]))
    for stored in stored_blocks:
        header = canonical.get(stored["number"])
        if header is not None and stored["hash"] != header["hash"]:
            out.append(Difference(f"block {stored['number']}", "hash", stored["hash"], header["hash"]))
    compare_events(out, expected_events, indexed_events)
    report.checked["events"] = len(expected_events)
    report.checked["blocks"] = len({r["block_number"] for r in expected_events})
    report.checked.update(compare_state(out, batch, db_rows))

    # The contracts' own views, of what the index holds.
    views = Views(rpc, deployment.contracts, block)
    moment = int(canonical[block]["timestamp"], 16)
    assets = db_rows[Asset]
    for row, view in zip(assets, views.read([("DataRegistry", "getAsset", (bytes.fromhex(a["asset_id"][2:]),))
                                              for a in assets])):
        asset_view_differences(out, row, view)
    by_asset: dict[str, list[dict[str, Any]]] = {}
    for right in db_rows[Right]:
        by_asset.setdefault(right["asset_id"], []).append(right)
    keys, expected_validity = [], {}
    licences: dict[int, dict[str, Any]] = {}
    for licence in db_rows[PublicLicence]:
        licences.setdefault(licence["authorisation_id"], {})[licence["licensee"]] = SimpleNamespace(**licence)
    authorisations = {a["authorisation_id"]: SimpleNamespace(**a) for a in db_rows[PublicAuthorisation]}
    for asset in assets:
        public_id = asset.get("public_authorisation_id")
        public = (None if public_id is None
                  else PublicStanding(authorisations.get(public_id), licences.get(public_id, {})))
        rights = by_asset.get(asset["asset_id"], [])
        count = max([asset["right_count"]] + [r["right_index"] for r in rights])
        keys += [(asset["asset_id"], i) for i in range(1, count + 1)]
        expected_validity.update({(asset["asset_id"], i): v for i, v in
                                  validities(rights, asset["status"] == AssetStatus.ACTIVE, moment, public).items()})
    rights_by_key = {(r["asset_id"], r["right_index"]): r for r in db_rows[Right]}
    calls = [(c, f, (bytes.fromhex(a[2:]), i)) for a, i in keys for c, f in
             (("DataRegistry", "getRight"), ("DataRegistry", "rightValidity"))]
    results = views.read(calls)
    for n, (asset_id, index) in enumerate(keys):
        right_view_differences(out, asset_id, index, rights_by_key.get((asset_id, index)), results[2 * n],
                               results[2 * n + 1], expected_validity.get((asset_id, index)))
    listings = db_rows[Listing]
    results = views.read([(c, f, (l["listing_id"],)) for l in listings
                          for c, f in (("ListingRegistry", "getListing"), ("ListingRegistry", "listingValidity"))])
    last_change: dict[int, dict[str, Any]] = {}
    live = sorted((c for c in feed if c["retracted_in"] is None), key=lambda c: c["position"])
    for change in live:
        if change["trade_number"] is None:  # a listing's own change, not a trade's entry
            last_change[change["listing_id"]] = change
    # Every trade event of the chain has its one feed entry, at its log, naming its trade (issue 17).
    trade_keys = {(t["exchange"], t["year"], t["serial"]): t for t in db_rows[Trade]}
    expected_entries = [(e["block_number"], e["log_index"], TRADE_FEED_CHANGES[e["name"]], json.loads(e["args_json"]))
                        for e in expected_events if e["name"] in TRADE_FEED_CHANGES]
    entries = [c for c in live if c["trade_number"] is not None]
    indexed_entries = {(c["block_number"], c["log_index"], c["change"]): c for c in entries}
    for block_number, log_index, kind, args in expected_entries:
        trade = trade_keys.get((args["exchange"], args["year"], args["serial"]))
        found = indexed_entries.pop((block_number, log_index, kind), None)
        where = f"trade feed entry at block {block_number} log {log_index}"
        _compare(out, where, {"change": (found["change"] if found else None, kind),
                              "trade_number": (found["trade_number"] if found else None,
                                               trade["number"] if trade else None)})
    for (block_number, log_index, kind) in indexed_entries:
        out.append(Difference(f"trade feed entry at block {block_number} log {log_index}", "change", kind, None))
    report.checked["trade_feed_entries"] = len(expected_entries)
    for n, row in enumerate(listings):
        listing_view_differences(out, row, results[2 * n])
        validity = results[2 * n + 1]
        judged = validity == ListingValidity.VALID if validity is not None else None
        _compare(out, f"listing {row['listing_id']}", {"valid": (row["valid"], judged)})
        last = last_change.get(row["listing_id"])
        _compare(out, f"listing {row['listing_id']} feed", {
            "last_valid": (last["valid"] if last else None, row["valid"]),
            "last_status": (last["status"] if last else None, ListingStatus.key_of(row["status"]))})
    # Issue 17: what the listing record keeps of its terms, and each exchange's listing policy.
    for row, view in zip(listings, views.read([("ListingRegistry", "getListingConditions", (l["listing_id"],))
                                               for l in listings])):
        if view is not None and row["price_model"] is not None:
            _compare(out, f"listing {row['listing_id']}", {"attestation_id": (row["attestation_id"] or 0, view[0]),
                                                           "valid_until": (row["valid_until"] or 0, view[1])})
    exchanges = [p for p in db_rows[Participant] if p["role"] == Role.EXCHANGE]
    for row, view in zip(exchanges, views.read([("ListingRegistry", "listingPolicy", (p["account"],))
                                                for p in exchanges])):
        if view is not None:
            _compare(out, f"participant {row['account']} listing policy", {
                "allow_uncertified": (row["listing_allow_uncertified"], view[0]),
                "cross_border": (row["listing_cross_border"], view[1])})
    approvals = db_rows[ListingApproval]
    approval_differences(out, rpc, deployment.contracts["ListingRegistry"], block, approvals)
    consent_bitmap_differences(out, views, listings, db_rows[WithdrawnConsent])
    freeze_counts: dict[str, int] = {}
    for order in db_rows[FreezeOrder]:
        freeze_counts[order["asset_id"]] = max(freeze_counts.get(order["asset_id"], 0), order["order_id"])
    counts = views.read([("DataRegistry", "freezeOrderCount", (bytes.fromhex(a["asset_id"][2:]),)) for a in assets])
    for row, count in zip(assets, counts):
        _compare(out, f"asset {row['asset_id']}", {"freeze_orders": (freeze_counts.get(row["asset_id"], 0), count)})
    orders = db_rows[FreezeOrder]
    for row, view in zip(orders, views.read([("DataRegistry", "getFreezeOrder", (bytes.fromhex(o["asset_id"][2:]),
                                                                                 o["order_id"])) for o in orders])):
        freeze_order_view_differences(out, row, view)
    participants = db_rows[Participant]
    for row, view in zip(participants, views.read([("ParticipantRegistry", "getParticipant", (p["account"],))
                                                    for p in participants])):
        participant_view_differences(out, row, view)
    current: dict[str, dict[str, Any]] = {}
    for q in db_rows[Qualification]:
        if q["serial"] > current.get(q["account"], {"serial": 0})["serial"]:
            current[q["account"]] = q
    qualified = list(current.values())
    for row, view in zip(qualified, views.read([("ParticipantRegistry", "getQualification", (q["account"],))
                                                 for q in qualified])):
        qualification_view_differences(out, row, view)
    if "RegistrationOffice" in deployment.contracts:
        registrations = db_rows[Registration]
        for row, view in zip(registrations, views.read([("RegistrationOffice", "getApplication",
                                                         (bytes.fromhex(r["asset_id"][2:]),)) for r in registrations])):
            registration_view_differences(out, row, view)
        changes = db_rows[ChangeApplication]
        for row, view in zip(changes, views.read([("RegistrationOffice", "getChange",
                                                   (bytes.fromhex(c["asset_id"][2:]),)) for c in changes])):
            change_view_differences(out, row, view)
    if "AttestationRegistry" in deployment.contracts:
        attestations = db_rows[Attestation]
        for row, view in zip(attestations, views.read([("AttestationRegistry", "getAttestation",
                                                        (a["attestation_id"],)) for a in attestations])):
            attestation_view_differences(out, row, view)
        engagements = db_rows[Engagement]
        for row, view in zip(engagements, views.read([("AttestationRegistry", "getEngagement", (e["engagement_id"],))
                                                      for e in engagements])):
            engagement_view_differences(out, row, view)
    if "FinanceRecords" in deployment.contracts:
        records = db_rows[AccountingRecord]
        for row, view in zip(records, views.read([("FinanceRecords", "getAccounting",
                                                   (bytes.fromhex(r["asset_id"][2:]), r["holder"])) for r in records])):
            accounting_view_differences(out, row, view)
        remarks = db_rows[FinanceRemark]
        for row, view in zip(remarks, views.read([("FinanceRecords", "getRemark", (r["remark_id"],))
                                                  for r in remarks])):
            finance_remark_view_differences(out, row, view)
    if "RecognitionRegistry" in deployment.contracts:
        recognitions = db_rows[Recognition]
        for row, view in zip(recognitions, views.read([("RecognitionRegistry", "getRecognition",
                                                        (r["recognition_id"],)) for r in recognitions])):
            recognition_view_differences(out, row, view)
    return report
