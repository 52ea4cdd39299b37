"""History for auditors: every event of an asset in chain order, with the evidence to find it again, as
JSON pages or one CSV file for spreadsheets."""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Query
from fastapi import Response as HTTPResponse
from fastapi.responses import Response
from pydantic import TypeAdapter
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from api.deps import ANONYMOUS, Reader, ReaderDep, ServicesDep, SessionDep, asset_not_found, in_session, load_asset
from api.params import LongLimit, MinConfirmations, Offset, confirmed_block, is_number, parse_moment
from api.schemas import (
    HistoryEvent,
    HistoryPage,
    LegalStatusPublic,
    LineageEdge,
    LineageGraph,
    LineageNode,
    iso,
)
from api.views.privacy import WITHHELD_HEADER, Audience
from registry import rules
from registry.chain.types import asset_id_hex, checksum
from registry.content.cid import digest_to_cid
from registry.db import names, queries, registration
from registry.db.models import Asset, Event
from registry.vocabulary import DERIVED_FROM_THIS, AssetStatus, RightKind, event_action, event_reason

router = APIRouter(prefix="/v1/assets", tags=["history"])

# Arguments shown as columns of their own, not repeated in `details`.
_SHOWN = {"assetId", "rightIndex", "kind"}
CSV_LIMIT = 100_000


Withhold = Callable[[str, dict], bool]


def history_event(row: Event | Row, of_asset: str, withhold: Withhold | None = None) -> HistoryEvent:
    return HistoryEvent(**_event_fields(row, of_asset, withhold))


def _event_fields(row: Event | Row, of_asset: str, withhold: Withhold | None = None) -> dict:
    """The fields of the event's HistoryEvent in the history of `of_asset`, as a dict: a page of them is
    validated in one call. An event of another asset in it is a derivation made from `of_asset`. The CID of a
    private document (rules.PRIVATE_EVENT_ARGUMENTS) is null when `withhold(event name, args)` says so."""
    args = json.loads(row.args_json)
    private = rules.PRIVATE_EVENT_ARGUMENTS.get(row.name)
    if private and withhold is not None and args.get(private) is not None and withhold(row.name, args):
        args[private] = None
    parties = [v for v in args.values() if isinstance(v, str) and len(v) == 42 and v.startswith("0x")]
    return dict(
        action=event_action(row.name) if row.asset_id == of_asset else DERIVED_FROM_THIS[0],
        event=row.name,
        asset_id=row.asset_id,
        right_index=row.right_index,
        kind=RightKind(row.kind).label if row.kind is not None else None,
        actor=row.actor,
        parties=list(dict.fromkeys(parties)),
        details={k: v for k, v in args.items() if k not in _SHOWN},
        cids=dict(_cids(args)),
        reason=event_reason(row.name, args),
        timestamp=iso(row.timestamp),
        block_number=row.block_number,
        block_hash=row.block_hash,
        tx_hash=row.tx_hash,
        log_index=row.log_index,
    )


_DIGEST = re.compile(r"0x[0-9a-fA-F]{64}")


def _cids(args: dict):
    """(name, CIDv0) of every non-zero ...Cid digest among an event's arguments, nested ones (terms, data) too."""
    for key, value in args.items():
        if isinstance(value, dict):
            yield from _cids(value)
        elif key.endswith("Cid") and isinstance(value, str) and _DIGEST.fullmatch(value) and int(value, 16):
            yield key, digest_to_cid(bytes.fromhex(value[2:]))


_HISTORY_PAGE = TypeAdapter(HistoryPage)


def _csv(asset_id: str, events: list[HistoryEvent]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["timestamp", "action", "right_index", "kind", "actor", "parties", "details", "block_number",
                     "block_hash", "tx_hash", "log_index"])
    for e in events:
        writer.writerow([e.timestamp, e.action, e.right_index, e.kind, e.actor, " ".join(e.parties),
                         json.dumps(e.details, ensure_ascii=False, sort_keys=True), e.block_number, e.block_hash,
                         e.tx_hash, e.log_index])
    # A byte-order mark so spreadsheet programs read the Chinese text as UTF-8.
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="history-{asset_id}.csv"'})


@router.get("/{asset_id}/history", response_model=HistoryPage, summary="Every event of an asset, in order",
            responses={200: {"content": {"text/csv": {}}}})
async def asset_history(
    asset_id: str,
    services: ServicesDep,
    reader: ReaderDep,
    response: HTTPResponse,
    kind: Annotated[Optional[str], Query(description="holding | usage | operating")] = None,
    party: Annotated[Optional[str], Query(description="Events in which this address acted or was named.")] = None,
    since: Annotated[Optional[str], Query(description="A block number or ISO 8601 time (inclusive).")] = None,
    until: Annotated[Optional[str], Query(description="A block number or ISO 8601 time (inclusive).")] = None,
    limit: LongLimit = 100,
    offset: Offset = 0,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the whole filtered history as a file.")] = "json",
    min_confirmations: MinConfirmations = None,
    after: Annotated[Optional[str], Query(pattern=r"^[0-9]{1,18}-[0-9]{1,9}$", description="The cursor `next` of "
                                          "the previous page (BLOCK-LOG_INDEX): the page after that event.")] = None,
):
    """The CIDs of application documents (ApplicationFiled, ChangeApplied) and objection evidence
    (ObjectionLodged) are shown to the parties entitled to them (a signed read request); for others they are null
    and the DataReg-Withheld header says so."""
    withheld: list[str] = []
    answer = await in_session(services, history_page, asset_id, kind, party, since, until, limit, offset, format,
                              min_confirmations, after, reader, withheld)
    if withheld:
        target = answer if isinstance(answer, Response) else response
        target.headers[WITHHELD_HEADER] = ", ".join(withheld)
    return answer


def _withholder(db: Session, asset_id: str, reader: Reader, withheld: list[str]) -> Withhold:
    """Whether this reader is refused an event's private CID: the asset's application parties and regulators may
    read them, an objection's objector its evidence; each refusal noted once in `withheld`."""
    audience = Audience(db, reader)
    parties: list[frozenset[str]] = []

    def withhold(name: str, args: dict) -> bool:
        if not parties:
            parties.append(audience.parties(asset_id))
        entitled = parties[0] | ({args["objector"]} if isinstance(args.get("objector"), str) else set())
        if audience.may(entitled):
            return False
        field = f"details.{rules.PRIVATE_EVENT_ARGUMENTS[name]}"
        if field not in withheld:
            withheld.append(field)
        return True

    return withhold


def history_page(db: Session, asset_id: str, kind: str | None, party: str | None, since: str | None,
                 until: str | None, limit: int, offset: int, format: str, min_confirmations: int | None,
                 after: str | None, reader: Reader = ANONYMOUS, withheld: list[str] | None = None):
    key = asset_id_hex(asset_id)
    withhold = _withholder(db, key, reader, withheld if withheld is not None else [])
    # With filters, whether the asset exists is asked first, so that an unknown asset is a 404 before any
    # filter is judged; without, the page's own query asks it.
    filtered = any(value is not None for value in (kind, party, since, until, min_confirmations))
    if filtered:
        load_asset(db, asset_id)
    until_block = _block(db, until, "until", start=False)
    confirmed = confirmed_block(db, min_confirmations)
    if confirmed is not None:
        until_block = confirmed if until_block is None else min(until_block, confirmed)
    filters = dict(
        kind=int(RightKind.parse(kind)) if kind else None,
        party=checksum(party, "party address") if party else None,
        since_block=_block(db, since, "since", start=True),
        until_block=until_block,
    )
    if format == "csv":  # the whole filtered history: no cursor, no offset
        cursor, limit, offset = None, CSV_LIMIT, 0
    else:
        cursor = tuple(int(part) for part in after.split("-")) if after else None
    page = queries.history(db, key, **filters, after=cursor, check_asset=not filtered, limit=limit, offset=offset)
    if page is None:
        raise asset_not_found(asset_id)
    rows, count = page
    if format == "csv":
        return _csv(key, [history_event(r, key, withhold) for r in rows])
    following = f"{rows[-1].block_number}-{rows[-1].log_index}" if len(rows) == limit else None
    events = [_event_fields(r, key, withhold) for r in rows]
    addresses = [a for e in events for a in (e["actor"], *e["parties"])]
    asset = db.get(Asset, key) if addresses else None
    known = names.resolve(db, addresses, [asset] if asset else [])
    return _HISTORY_PAGE.validate_python({"data": events, "count": count, "limit": limit, "offset": offset,
                                          "next": following, "names": names.public(known)})


def _block(db, value: str | None, name: str, start: bool) -> int | None:
    """A bound of a time range as a block number: a time maps to the first block after it (for `since`)
    or the last block at or before it (for `until`)."""
    if value is None:
        return None
    block, _ = parse_moment(db, value, name)
    if is_number(value.strip()):
        return block
    return block + 1 if start else block


@router.get("/{asset_id}/lineage", response_model=LineageGraph, summary="Sources and derived assets, as a graph")
def asset_lineage(
    asset_id: str,
    db: SessionDep,
    depth: Annotated[int, Query(ge=1, le=10, description="Steps to follow in each direction.")] = 3,
) -> LineageGraph:
    asset = load_asset(db, asset_id)
    levels, edges = queries.lineage_graph(db, asset.asset_id, depth)
    nodes = []
    # Every node's asset in one query (a source with a hundred derived assets read them one by one).
    rows = {a.asset_id: a for a in db.exec(select(Asset).where(queries.one_of(db, col(Asset.asset_id), list(levels))))}
    found = {node_id: rows.get(node_id) for node_id in levels}
    legal = registration.legal_statuses(db, [a for a in found.values() if a is not None], queries.now(db))
    for node_id, level in sorted(levels.items(), key=lambda item: (item[1], item[0])):
        node = found[node_id]
        nodes.append(LineageNode(asset_id=node_id, name=node.name if node else None,
                                 registrant=node.registrant if node else None,
                                 status=AssetStatus.key_of(node.status, None) if node else None, level=level,
                                 legal_status=LegalStatusPublic.of(legal[node_id]) if node else None))
    return LineageGraph(
        asset_id=asset.asset_id,
        depth=depth,
        nodes=nodes,
        edges=[LineageEdge(source=e.source_asset_id, derived=e.asset_id, right_index=e.right_index) for e in edges],
    )
