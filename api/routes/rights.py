"""Rights over an asset: who holds which of the three rights, and whether each is valid now."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.routes.assets import load_asset
from api.schemas import RightPublic
from registry.db import queries

router = APIRouter(prefix="/v1/assets", tags=["rights"])


@router.get("/{asset_id}/rights", response_model=list[RightPublic], summary="The rights over an asset")
def asset_rights(asset_id: str, db: SessionDep) -> list[RightPublic]:
    asset = load_asset(db, asset_id)
    return [RightPublic.of(state) for state in queries.right_states(db, asset)]
