"""Rights: who holds which of the three rights over an asset (now or at any past moment), and every
right a party holds or held."""
from __future__ import annotations

from typing import Annotated, Optional

from fastapi import APIRouter, Query
from pydantic import TypeAdapter
from sqlmodel import Session, select

from api.deps import ServicesDep, SessionDep, in_session, load_asset
from api.params import LongLimit, MinConfirmations, Offset, confirmed_block, parse_moment
from api.schemas import PartyRight, RightPublic, RightsAt, iso
from registry.chain.types import checksum
from registry.db import queries
from registry.db.models import Right
from registry.errors import NotFound
from registry.vocabulary import RightKind

router = APIRouter(prefix="/v1", tags=["rights"])


@router.get("/assets/{asset_id}/rights", response_model=RightsAt, summary="The rights over an asset, now or then")
def asset_rights(
    asset_id: str,
    db: SessionDep,
    at: Annotated[Optional[str], Query(description="A block number or an ISO 8601 time; default now.")] = None,
    min_confirmations: MinConfirmations = None,
    limit: Annotated[LongLimit, Query(description="At most this many rights, by number.")] = 1000,
    offset: Offset = 0,
) -> RightsAt:
    asset = load_asset(db, asset_id)
    # The page's rights by number; their validity also reads the rights they are granted from.
    page = list(db.exec(select(Right).where(Right.asset_id == asset.asset_id).order_by(Right.right_index)
                        .limit(limit).offset(offset)).all())
    current = {r.right_index: r for r in page}
    confirmed = confirmed_block(db, min_confirmations)
    if confirmed is not None and (at is None or parse_moment(db, at, "at")[0] > confirmed):
        at = str(confirmed)  # the rights as of the last confirmed block
    if at is None:
        checkpoint = queries.checkpoint(db)
        block, moment = (checkpoint.block_number if checkpoint else asset.registered_block), queries.now(db)
        states = [s for s in queries.right_states(db, asset, moment, indices=list(current))
                  if s.right.right_index in current]
    else:
        block, moment = parse_moment(db, at, "at")
        if block < asset.registered_block:
            raise NotFound(
                f"Asset '{asset.asset_id}' was not yet registered at {at}: it was registered in block "
                f"{asset.registered_block} ({iso(asset.registered_at)})."
            )
        states = [s for s in queries.rights_at(db, asset, block, moment) if s.right.right_index in current]
    return RightsAt(
        asset_id=asset.asset_id,
        block=block,
        time=iso(moment),
        rights=[RightPublic.of(state, current[state.right.right_index]) for state in states],
        count=asset.right_count,
        limit=limit,
        offset=offset,
    )


@router.get("/parties/{address}/rights", response_model=list[PartyRight],
            summary="Every right a party holds or held, and why any is not valid")
async def party_rights(
    address: str,
    services: ServicesDep,
    limit: Annotated[LongLimit, Query(description="At most this many, by asset and right number.")] = 1000,
    offset: Offset = 0,
) -> list[PartyRight]:
    party = checksum(address, "party address")
    return await in_session(services, party_rights_page, party, limit, offset)


def party_rights_page(db: Session, party: str, limit: int, offset: int) -> list[PartyRight]:
    rows = []
    for item in queries.party_rights(db, party, limit, offset):
        right, state = item.row, item.state
        holds_now = state is not None
        status = ("valid" if state.valid else state.reason) if holds_now else "transferred_away"
        rows.append(dict(
            asset_id=right.asset_id,
            asset_name=right.asset_name,
            right_index=right.right_index,
            kind=_KIND_LABELS.get(right.kind) or RightKind(right.kind).label,
            holds_now=holds_now,
            valid=status == "valid",
            status=status,
            held_since=iso(right.v_since_time),
            held_since_block=right.v_since_block,
            held_until=iso(right.v_until_time) if not holds_now else None,
            held_until_block=right.v_until_block if not holds_now else None,
            transferred_to=right.transferred_to,
            parent_index=right.parent_index,
            terms=dict(grantor=right.grantor, purpose=right.purpose, territory=right.territory,
                       quantity=int(right.quantity) if right.quantity else None,
                       terms_cid=right.terms_cid) if right.parent_index else None,
        ))
    # A page of up to 1,000 answers, validated in one call (a model per answer and one per terms, each built on
    # its own, took a fifth of the request).
    return _PARTY_RIGHTS.validate_python(rows)


_PARTY_RIGHTS = TypeAdapter(list[PartyRight])
_KIND_LABELS = {kind.value: kind.label for kind in RightKind}
