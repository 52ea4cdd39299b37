"""GET /v1/status: the chain, the contracts, and how far behind the index is. It answers even when the chain
node or the database cannot be reached, and says which."""
from __future__ import annotations

import functools
import time

from fastapi import APIRouter, Request
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep, SessionDep
from api.schemas import Status, iso
from registry.chain.rpc import Rpc
from registry.db import queries
from registry.db.models import Block
from registry.db.session import read_only_reason

router = APIRouter(prefix="/v1", tags=["status"])

#: Seconds to wait for the chain node's head before reporting it unreachable.
HEAD_TIMEOUT = 3.0


def chain_nodes(rpc_url: str, chain_id: int) -> tuple[int | None, str | None, list[dict]]:
    """The best head among the nodes that may be read from (or None and why not), and each node as a health
    check just found it. One batch per node with a short timeout and no retries, so the status stays quick
    when a node is down."""
    rpc = _node(rpc_url, chain_id)
    rpc.check_nodes()
    nodes = rpc.health()
    heads = [node["head"] for node in nodes if node["healthy"]]
    if heads:
        return max(heads), None, nodes
    return None, "; ".join(f"{node['url']} {node['reason']}" for node in nodes), nodes


@functools.cache
def _node(rpc_url: str, chain_id: int) -> Rpc:
    # One transport (and its kept-alive connections) for every status request: building one per request
    # cost ~30 ms of CPU.
    return Rpc(rpc_url, timeout=HEAD_TIMEOUT, retries=0, chain_id=chain_id)


@router.get("/status", response_model=Status, summary="Chain, contracts and indexer lag")
def status(request: Request, services: ServicesDep, db: SessionDep) -> Status:
    head, rpc_error, nodes = chain_nodes(services.settings.rpc_url, services.deployment.chain_id)
    seen = getattr(request.app.state, "last_seen_head", None)
    if head is not None:
        seen = (head, time.time())
        request.app.state.last_seen_head = seen
    try:
        checkpoint = queries.checkpoint(db)
        block = db.get(Block, checkpoint.block_number) if checkpoint else None
        read_only = read_only_reason(db.connection())
        database_error = None
    except SQLAlchemyError as exc:
        checkpoint = block = read_only = None
        database_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    indexed = checkpoint.block_number if checkpoint else None
    reference = head if head is not None else (seen[0] if seen else None)
    lag = max(0, reference - indexed) if reference is not None and indexed is not None else None
    return Status(
        chain_id=services.deployment.chain_id,
        contracts=services.deployment.contracts,
        deploy_block=services.deployment.deploy_block,
        rpc_reachable=head is not None,
        rpc_error=rpc_error,
        rpc_nodes=nodes,
        head_block=head,
        last_seen_head_block=seen[0] if seen else None,
        last_seen_head_at=iso(int(seen[1])) if seen else None,
        indexed_block=indexed,
        indexed_block_hash=checkpoint.block_hash if checkpoint else None,
        indexed_block_time=iso(block.timestamp) if block else None,
        lag_blocks=lag,
        indexer_updated_at=iso(int(checkpoint.updated_at)) if checkpoint else None,
        database=services.engine.dialect.name,
        database_reachable=database_error is None,
        database_error=database_error,
        database_read_only=read_only is not None,
        database_read_only_reason=read_only,
        content_store=type(services.store).__name__,
        relayer=services.relays.describe() if services.relays is not None else None,
        summary=_summary(head, rpc_error, seen, indexed, lag, block, database_error, read_only),
    )


def _summary(head, rpc_error, seen, indexed, lag, block, database_error, read_only) -> str:
    if database_error is not None:
        return ("The index database cannot be reached: reads answer 503 until it is back. "
                + ("The chain node is reachable." if head is not None else "The chain node cannot be reached either."))
    summary = _summary_of_index(head, rpc_error, seen, indexed, lag, block)
    if read_only is not None:
        summary += (f" The index database is read-only ({read_only}): reads are served, but the index cannot "
                    "advance until it can be written again.")
    return summary


def _summary_of_index(head, rpc_error, seen, indexed, lag, block) -> str:
    at = f"block {indexed}" + (f" ({iso(block.timestamp)})" if block else "") if indexed is not None else "no block yet"
    if head is None:
        behind = (f"; the last head seen was block {seen[0]}, {lag} block(s) ahead of the index" if seen else "")
        return (f"The chain node cannot be reached ({rpc_error}): answers come from the index as of {at}, which may "
                f"be behind the chain{behind}. Writes are refused until the node is back.")
    if lag:
        return f"The index is {lag} block(s) behind the chain head ({head}): answers hold as of {at}."
    return f"The index is up to date with the chain head: answers hold as of {at}."
