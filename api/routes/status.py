"""GET /v1/status: the chain, the contracts, and how far behind the index is."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep, SessionDep
from api.schemas import Status, iso
from registry.db import queries

router = APIRouter(prefix="/v1", tags=["status"])


@router.get("/status", response_model=Status, summary="Chain, contracts and indexer lag")
def status(services: ServicesDep, db: SessionDep) -> Status:
    try:
        head = services.chain.w3.eth.block_number
    except Exception:  # noqa: BLE001 - an unreachable node is reported, not raised: reads still work
        head = None
    checkpoint = queries.checkpoint(db)
    indexed = checkpoint.block_number if checkpoint else None
    return Status(
        chain_id=services.deployment.chain_id,
        contracts=services.deployment.contracts,
        deploy_block=services.deployment.deploy_block,
        rpc_reachable=head is not None,
        head_block=head,
        indexed_block=indexed,
        indexed_block_hash=checkpoint.block_hash if checkpoint else None,
        lag_blocks=(max(0, head - indexed) if head is not None and indexed is not None else None),
        indexer_updated_at=iso(int(checkpoint.updated_at)) if checkpoint else None,
        database=services.engine.dialect.name,
        content_store=type(services.store).__name__,
    )
