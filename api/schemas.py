"""Response models of the HTTP API: what clients can rely on, documented in the OpenAPI at /docs."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Generic, Optional, TypeVar

from pydantic import BaseModel, Field

from registry.chain.operations import REVOCATION_REASONS
from registry.chain.types import Classification, RightKind
from registry.db.models import Asset, Event, Lineage, Right
from registry.db.queries import RightState

T = TypeVar("T")

STATUS_LABELS = {0: "none", 1: "active", 2: "cancelled"}


def iso(ts: int | None) -> Optional[str]:
    if not ts:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="Total number of matching items, across all pages.")
    limit: int
    offset: int


class Evidence(BaseModel):
    """Where to check an answer on the chain yourself: the event's transaction, block and log."""

    chain_id: int
    contract: str
    event: str
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    timestamp: Optional[str]


class GrantTermsPublic(BaseModel):
    grantor: Optional[str] = Field(description="Who granted it (the holder of the parent right at the time).")
    purpose: Optional[str] = Field(description="Purpose or usage scenario (用途/使用场景).")
    territory: Optional[str]
    quantity: Optional[int] = Field(description="Permitted quantity or volume; 0 means not limited.")
    terms_cid: Optional[str] = Field(description="CID of the full terms document.")


class RevocationPublic(BaseModel):
    revoked_by: Optional[str]
    reason_code: Optional[int]
    reason: Optional[str]
    evidence_cid: Optional[str]


class RightPublic(BaseModel):
    right_index: int = Field(description="Number of the right within its asset; 1-3 are the primary rights.")
    kind: str = Field(description="holding | usage | operating")
    kind_zh: str
    holder: str
    parent_index: int = Field(description="The right it was granted from; 0 for a root right.")
    valid_from: Optional[str]
    valid_until: Optional[str]
    revoked: bool
    sub_grantable: bool
    transferable: bool
    valid: bool = Field(description="Whether the right can be exercised (now, or at the moment asked for).")
    invalid_reason: Optional[str] = Field(
        description="Why not: revoked, parent_revoked, expired, parent_expired, not_yet_valid, "
        "parent_not_yet_valid, asset_cancelled."
    )
    chain: list[int] = Field(description="The right, the right it was granted from, ... up to its root: the "
                             "chain of grants on whose authority it is held.")
    terms: Optional[GrantTermsPublic] = Field(description="The grant's terms; null for a root right.")
    revocation: Optional[RevocationPublic]
    created_block: int
    created_tx: str

    @classmethod
    def of(cls, state: RightState, current: Right) -> "RightPublic":
        """`state` carries the right's state (now, or as of a moment); `current` its fixed terms."""
        r = state.right
        kind = RightKind(r.kind)
        return cls(
            right_index=r.right_index,
            kind=kind.label,
            kind_zh=kind.label_zh,
            holder=r.holder,
            parent_index=r.parent_index,
            valid_from=iso(r.valid_from),
            valid_until=iso(r.valid_until),
            revoked=r.revoked,
            sub_grantable=r.sub_grantable,
            transferable=r.transferable,
            valid=state.valid,
            invalid_reason=state.reason,
            chain=list(state.chain),
            terms=GrantTermsPublic(
                grantor=current.grantor,
                purpose=current.purpose,
                territory=current.territory,
                quantity=int(current.quantity) if current.quantity is not None else None,
                terms_cid=current.terms_cid,
            )
            if current.parent_index
            else None,
            revocation=RevocationPublic(
                revoked_by=current.revoked_by,
                reason_code=current.revocation_reason,
                reason=REVOCATION_REASONS.get(current.revocation_reason or 0),
                evidence_cid=current.revocation_evidence_cid,
            )
            if r.revoked
            else None,
            created_block=current.created_block,
            created_tx=current.created_tx,
        )


class RightsAt(BaseModel):
    asset_id: str
    block: int = Field(description="The state after this block.")
    time: Optional[str] = Field(description="The moment validity is judged at.")
    rights: list[RightPublic]


class PartyRight(BaseModel):
    asset_id: str
    asset_name: Optional[str]
    right_index: int
    kind: str
    holds_now: bool
    valid: bool = Field(description="Whether the party can exercise it now.")
    status: str = Field(
        description="valid, or why not: transferred_away, revoked, parent_revoked, expired, parent_expired, "
        "not_yet_valid, asset_cancelled."
    )
    held_since: Optional[str]
    held_since_block: int
    held_until: Optional[str] = Field(description="When the party stopped holding it (transferred away).")
    held_until_block: Optional[int]
    transferred_to: Optional[str]
    parent_index: int
    terms: Optional[GrantTermsPublic]


class HistoryEvent(BaseModel):
    action: str = Field(description="registered, derived, right_assigned, right_granted, right_transferred, "
                        "right_revoked, right_renewed")
    event: str = Field(description="The contract event's name.")
    asset_id: Optional[str]
    right_index: Optional[int]
    kind: Optional[str]
    actor: Optional[str] = Field(description="Who acted: registrant, grantor, or the holder who transferred.")
    parties: list[str] = Field(description="Everyone the event names.")
    details: dict[str, Any] = Field(description="The event's other arguments: terms, reason, content ids, ...")
    timestamp: Optional[str]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


class LineageNode(BaseModel):
    asset_id: str
    name: Optional[str]
    registrant: Optional[str]
    status: Optional[str]
    level: int = Field(description="Negative for sources, positive for derived assets, 0 for this asset.")


class LineageEdge(BaseModel):
    source: str
    derived: str
    right_index: int = Field(description="The usage right over the source that was exercised.")


class LineageGraph(BaseModel):
    asset_id: str
    depth: int
    nodes: list[LineageNode]
    edges: list[LineageEdge]


class AssetSummary(BaseModel):
    asset_id: str
    name: Optional[str] = Field(description="From the metadata document; null until the document is available.")
    registrant: str
    status: str
    classification: str = Field(description="general | important | core (一般/重要/核心数据)")
    derived: bool
    content_hash: str = Field(description="SHA-256 of the data (0x hex).")
    metadata_cid: str
    registered_at: Optional[str]
    registered_block: int

    @classmethod
    def of(cls, asset: Asset) -> "AssetSummary":
        return cls(
            asset_id=asset.asset_id,
            name=asset.name,
            registrant=asset.registrant,
            status=STATUS_LABELS.get(asset.status, str(asset.status)),
            classification=Classification(asset.classification).label,
            derived=asset.derived,
            content_hash=asset.content_hash,
            metadata_cid=asset.metadata_cid,
            registered_at=iso(asset.registered_at),
            registered_block=asset.registered_block,
        )


class LineageLink(BaseModel):
    asset_id: str
    right_index: int = Field(description="The usage right over the source that was exercised.")


class AssetDetail(AssetSummary):
    submitter: str = Field(description="Who sent the transaction: the registrant or a relayer.")
    content_cid: Optional[str] = Field(description="IPFS CIDv0 of the data (as `ipfs add` prints), if declared.")
    summary: Optional[str]
    industry: Optional[str]
    personal_information: bool
    sensitive_personal_information: bool
    export_allowed: bool
    version: int
    right_count: int
    rights: list[RightPublic]
    sources: list[LineageLink]
    derived_assets: list[LineageLink]
    metadata: Optional[dict[str, Any]] = Field(description="The metadata document, when the content store has it.")
    evidence: Optional[Evidence]
    confirmations: Optional[int] = Field(description="Blocks on top of the registration, as far as indexed.")

    @classmethod
    def build(
        cls,
        asset: Asset,
        rights: list[RightState],
        sources: list[Lineage],
        derived: list[Lineage],
        metadata: dict | None,
        event: Event | None,
        chain_id: int,
        contract: str,
        indexed_block: int | None,
    ) -> "AssetDetail":
        summary = AssetSummary.of(asset).model_dump()
        return cls(
            **summary,
            submitter=asset.submitter,
            content_cid=asset.content_cid,
            summary=asset.summary,
            industry=asset.industry,
            personal_information=asset.personal_information,
            sensitive_personal_information=asset.sensitive_personal_information,
            export_allowed=asset.export_allowed,
            version=asset.version,
            right_count=asset.right_count,
            rights=[RightPublic.of(s, s.right) for s in rights],
            sources=[LineageLink(asset_id=s.source_asset_id, right_index=s.right_index) for s in sources],
            derived_assets=[LineageLink(asset_id=d.asset_id, right_index=d.right_index) for d in derived],
            metadata=metadata,
            evidence=Evidence(
                chain_id=chain_id,
                contract=contract,
                event=event.name,
                tx_hash=event.tx_hash,
                block_number=event.block_number,
                block_hash=event.block_hash,
                log_index=event.log_index,
                timestamp=iso(event.timestamp),
            )
            if event
            else None,
            confirmations=(indexed_block - asset.registered_block + 1) if indexed_block is not None else None,
        )


class Status(BaseModel):
    chain_id: int
    contracts: dict[str, str]
    deploy_block: int
    rpc_reachable: bool
    head_block: Optional[int]
    indexed_block: Optional[int]
    indexed_block_hash: Optional[str]
    lag_blocks: Optional[int] = Field(description="How many blocks the index is behind the node's head.")
    indexer_updated_at: Optional[str]
    database: str
    content_store: str


class MetadataStored(BaseModel):
    cid: str = Field(description="CIDv0 of the document's canonical bytes; what goes on chain as metadataCid.")
    digest: str = Field(description="The 32-byte SHA-256 digest inside the CID, as the contract stores it.")
    size: int


class TransactionResult(BaseModel):
    tx_hash: str
    block_number: int
    block_hash: str
    gas_used: int
    asset_ids: list[str]
    events: list[dict[str, Any]]
