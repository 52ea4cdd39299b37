"""Response models of the HTTP API: what clients can rely on, documented in the OpenAPI at /docs."""
from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, Generic, Optional, TypeVar

from pydantic import BaseModel, Field

from registry.chain.types import parse_certificate_number
from registry.db.models import Asset, Event, Lineage, Right
from registry.db.queries import RightState
from registry.rules import LegalState, legal_status, verdict_rank
from registry.vocabulary import (
    APPROVAL_STATUSES,
    AssetStatus,
    AttestationKind,
    CertificateStatus,
    Classification,
    DeliveryMode,
    LegalStatus,
    ListingStatus,
    ObjectionStatus,
    ParticipantStatus,
    PriceModel,
    ProductForm,
    QualificationKind,
    QualificationStatus,
    Remark,
    RevocationReason,
    RightKind,
    Role,
    SettlementStatus,
    Stage,
    Term,
    ValueType,
)

T = TypeVar("T")


def _one_of(terms: type[Term], *leaving_out: Term) -> str:
    """A field's description that lists the words it takes: the vocabulary's keys, 'a | b | c'."""
    return " | ".join(t.key for t in terms if t not in leaving_out)

# Remembered: the same times (a right's validity, a block's time) come back in answer after answer, and formatting
# one was a twentieth of a page of a party's rights.
@functools.lru_cache(maxsize=65_536)
def iso(ts: int | None) -> Optional[str]:
    if not ts:
        return None
    try:
        return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, ValueError, OSError):
        return str(ts)  # past the year 9999 (a uint64 the contracts take, e.g. a publicity end): as given


class PartyNamePublic(BaseModel):
    name: str
    source: str = Field(description="participant (its registered name) or application (the name an asset's "
                        "application metadata gives the account: a right holder's or the applicant's)")


class Page(BaseModel, Generic[T]):
    data: list[T]
    count: int = Field(description="Total number of matching items, across all pages.")
    limit: int
    offset: int
    next: Optional[str] = Field(None, description="Where paging supports it, the cursor of the next page (pass it "
                                "as `after`); null on the last page. A cursor costs the same on every page, an "
                                "offset grows with it.")


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


class ReasonPublic(BaseModel):
    """A reason code as the chain stores it, with its name and labels from the registry's vocabulary (GET
    /v1/vocabulary); `key`, `zh` and `en` are null for a code the vocabulary does not list."""

    code: int
    key: Optional[str]
    zh: Optional[str]
    en: Optional[str]

    @classmethod
    def of(cls, vocabulary: type[Term] | None, code: int | None) -> Optional["ReasonPublic"]:
        if vocabulary is None or code is None:
            return None
        return cls(code=code, **vocabulary.labels(code))


class FreezeOrderRemark(BaseModel):
    order_id: int
    regulator: str
    order_reference: str
    waiting: bool = Field(description="A waiting-list seizure (轮候查封), in force once the orders before it end.")
    ordered_at: Optional[str]
    tx_hash: str


class RemarkPublic(BaseModel):
    """A remark (备注) limiting the exercise of the rights."""

    type: str = Field(description=_one_of(Remark))
    zh: str
    en: str
    by: Optional[str] = Field(None, description="frozen: the regulator of the order in force.")
    order_reference: Optional[str] = Field(None, description="frozen: the order in force (e.g. (2026)闽01执保1号).")
    order_id: Optional[int] = None
    since: Optional[str] = Field(None, description="frozen: when the order in force was recorded.")
    orders: Optional[list[FreezeOrderRemark]] = Field(None, description="frozen: every standing order, in force "
                                                      "first, then those waiting behind it.")
    pledgee: Optional[str] = Field(None, description="pledged: the pledgee.")
    external_registration_no: Optional[str] = Field(None, description="pledged: its number in the movable-property "
                                                    "financing registry.")
    pledge_id: Optional[str] = None
    recorded_by: Optional[str] = None
    objection_ids: Optional[list[int]] = Field(None, description="objection_pending: the pending objections; "
                                               "disputed: the upheld ones.")
    tx_hash: Optional[str] = Field(None, description="The transaction that recorded it.")
    authorisation_id: Optional[int] = Field(None, description="authorisation_lapsed: the public-data authorisation.")
    reason: Optional[str] = Field(None, description="authorisation_lapsed: authorisation_revoked, "
                                  "authorisation_expired or authorisation_not_yet_in_force.")
    authority: Optional[str] = Field(None, description="authorisation_lapsed: the authorising body.")
    valid_until: Optional[str] = Field(None, description="authorisation_lapsed: the end of its term.")
    revocation_reason: Optional[dict[str, Any]] = Field(None, description="authorisation_lapsed: the authority's "
                                                        "reason code and its labels, if revoked.")
    revoked_at: Optional[str] = None


class LegalStatusPublic(BaseModel):
    """The asset's one legal status (registry/rules.py: legal_status), judged now, with its remarks: the same
    answer in POST /v1/verify, the asset, the asset list, the certificate, `datareg verify` and the explorer."""

    status: str = Field(description=_one_of(LegalStatus) + ": not on chain; on chain with no certificate (never "
                        "applied, or returned, terminated or refused); an application in progress (stage); "
                        "registered with a valid certificate; past its validity; cancelled.")
    zh: str
    en: str
    stage: Optional[str] = Field(description="The application's stage, if any (in_procedure: applied, accepted or "
                                 "publicity).")
    certificate_status: str = Field(description=_one_of(CertificateStatus) + ": the certificate as the office's "
                                    "`certificate` view judges it.")
    certificate_number: Optional[str]
    valid_until: Optional[str] = Field(description="When the certificate ends, if one was issued.")
    reason: Optional[ReasonPublic] = Field(None, description="cancelled: the cancellation's reason; recorded after "
                                           "a return, termination or refusal: its reason.")
    remarks: list[RemarkPublic]
    encumbered: bool = Field(description="A remark limits the rights: frozen, pledged, objection pending, "
                             "disputed.")
    certified_and_unencumbered: bool = Field(description="certified with no remark: `datareg verify` exits 0 only "
                                             "for this.")
    text_zh: str = Field(description="The status and its remarks in one line, in Chinese.")
    text_en: str = Field(description="The status and its remarks in one line, in English.")

    @classmethod
    def of(cls, state: LegalState) -> "LegalStatusPublic":
        remarks = []
        for r in state.remarks:
            d = dict(r.details)
            if "since" in d:
                d["since"] = iso(d["since"])
            if "orders" in d:
                d["orders"] = [{**o, "ordered_at": iso(o["ordered_at"])} for o in d["orders"]]
            for moment in ("valid_until", "revoked_at"):
                if moment in d:
                    d[moment] = iso(d[moment])
            d.pop("block_number", None)
            remarks.append(RemarkPublic(type=r.remark.key, zh=r.remark.zh, en=r.remark.en, **d))
        stage = Stage.from_key(state.stage) if state.stage else None
        head_zh = state.status.zh + (f"（{stage.zh}）" if state.status is LegalStatus.IN_PROCEDURE and stage else "")
        head_en = state.status.en + (f" ({stage.en})" if state.status is LegalStatus.IN_PROCEDURE and stage else "")
        reason = ReasonPublic.of(state.reason_vocabulary, state.reason_code)
        if reason is not None:
            head_zh += f"，原因：{reason.zh or reason.code}"
            head_en += f", reason: {reason.en or reason.code}"
        zh = [f"{m.zh}（{remark_zh(m)}）" if remark_zh(m) else m.zh for m in remarks]
        en = [f"{m.en} ({remark_en(m)})" if remark_en(m) else m.en for m in remarks]
        return cls(
            status=state.status.key, zh=state.status.zh, en=state.status.en, stage=state.stage,
            certificate_status=state.certificate_status, certificate_number=state.certificate_number,
            valid_until=iso(state.valid_until), reason=reason, remarks=remarks, encumbered=state.encumbered,
            certified_and_unencumbered=state.clear,
            text_zh=head_zh + (f"；备注：{'、'.join(zh)}" if zh else ""),
            text_en=head_en + (f"; remarks: {', '.join(en)}" if en else ""),
        )


def remark_zh(m: RemarkPublic) -> str:
    if m.type == Remark.FROZEN.key:
        return "，".join(x for x in (m.order_reference, f"查封机关 {m.by}" if m.by else None) if x)
    if m.type == Remark.PLEDGED.key:
        return f"质权人 {m.pledgee}，动产融资登记号 {m.external_registration_no}"
    return "、".join(f"异议 {i}" for i in m.objection_ids or [])


def remark_en(m: RemarkPublic) -> str:
    if m.type == Remark.FROZEN.key:
        return ", ".join(x for x in (f"order {m.order_reference}" if m.order_reference else None,
                                     f"by {m.by}" if m.by else None) if x)
    if m.type == Remark.PLEDGED.key:
        return f"to {m.pledgee}, registration {m.external_registration_no}"
    return ", ".join(f"objection {i}" for i in m.objection_ids or [])


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
    reason_zh: Optional[str] = Field(None, description="The reason's label (GET /v1/vocabulary, revocation_reason).")
    reason_en: Optional[str] = None
    evidence_cid: Optional[str]


class RightPublic(BaseModel):
    right_index: int = Field(description="Number of the right within its asset; 1-3 are the primary rights.")
    kind: str = Field(description=_one_of(RightKind))
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
    pending: bool = Field(False, description="Named to a holder at registration who has not accepted it yet: not "
                          "held and not valid until it does (the registrant may withdraw it meanwhile).")

    @classmethod
    def of(cls, state: RightState, current: Right) -> "RightPublic":
        """`state` carries the right's state (now, or as of a moment); `current` its fixed terms."""
        return cls(**cls.fields(state, current))

    @staticmethod
    def fields(state: RightState, current: Right) -> dict[str, Any]:
        """The fields of RightPublic.of as a dict (nested models as dicts too): a list of them is validated in one
        call where a list of models is built one call per right and one per nested model."""
        r = state.right
        kind = RightKind(r.kind)
        return dict(
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
            terms=dict(
                grantor=current.grantor,
                purpose=current.purpose,
                territory=current.territory,
                quantity=int(current.quantity) if current.quantity is not None else None,
                terms_cid=current.terms_cid,
            )
            if current.parent_index
            else None,
            revocation=dict(
                revoked_by=current.revoked_by,
                reason_code=current.revocation_reason,
                reason=RevocationReason.key_of(current.revocation_reason or 0, None),
                reason_zh=RevocationReason.labels(current.revocation_reason)["zh"],
                reason_en=RevocationReason.labels(current.revocation_reason)["en"],
                evidence_cid=current.revocation_evidence_cid,
            )
            if r.revoked
            else None,
            created_block=current.created_block,
            created_tx=current.created_tx,
            pending=bool(r.pending),
        )


class RightsAt(BaseModel):
    asset_id: str
    block: int = Field(description="The state after this block.")
    time: Optional[str] = Field(description="The moment validity is judged at.")
    rights: list[RightPublic] = Field(description="A page of the rights, by number.")
    count: int = Field(0, description="How many rights the asset has now (at a past moment it may have had fewer).")
    limit: int = 1000
    offset: int = 0


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
    action: str = Field(description="The event's kind in snake_case, one scheme across the API, the CLI and the "
                        "explorer (the `action` group of GET /v1/vocabulary, with labels): registered, derived, "
                        "right_granted, right_revoked, asset_frozen, certificate_issued, listed, ...; "
                        "derived_from_this: another asset was derived from this one (asset_id is that asset's)")
    event: str = Field(description="The contract event's name (AssetRegistered, RightGranted, AssetFrozen, ...).")
    asset_id: Optional[str]
    right_index: Optional[int]
    kind: Optional[str]
    actor: Optional[str] = Field(description="Who acted: registrant, grantor, or the holder who transferred.")
    parties: list[str] = Field(description="Everyone the event names.")
    details: dict[str, Any] = Field(description="The event's other arguments: terms, reason, content ids, ...")
    cids: dict[str, str] = Field(default_factory=dict, description=(
        "The content ids among the details, decoded: each argument named ...Cid (on chain the SHA-256 digest of a "
        "CIDv0), at any depth, as its CIDv0 (Qm...); zero digests are left out."))
    reason: Optional[ReasonPublic] = Field(None, description="The reason the event gives (its reasonCode in "
                                           "details), with its name and labels; null for an event that gives none.")
    timestamp: Optional[str]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


class HistoryPage(Page[HistoryEvent]):
    names: dict[str, PartyNamePublic] = Field(default_factory=dict, description="The name of each actor and party "
                                              "on this page that has one (see the asset's `names`).")


class LineageNode(BaseModel):
    asset_id: str
    name: Optional[str]
    registrant: Optional[str]
    status: Optional[str]
    level: int = Field(description="Negative for sources, positive for derived assets, 0 for this asset.")
    legal_status: Optional["LegalStatusPublic"] = Field(None, description="Its one legal status, judged now.")


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
    classification: str = Field(description=_one_of(Classification) + " (一般/重要/核心数据)")
    derived: bool
    content_hash: str = Field(description="SHA-256 of the data (0x hex).")
    metadata_cid: str
    registered_at: Optional[str]
    registered_block: int
    legal_status: Optional[LegalStatusPublic] = Field(None, description="Its one legal status, judged now, with "
                                                      "its remarks.")

    @classmethod
    def of(cls, asset: Asset, legal: LegalState | None = None) -> "AssetSummary":
        return cls(
            legal_status=LegalStatusPublic.of(legal) if legal is not None else None,
            asset_id=asset.asset_id,
            name=asset.name,
            registrant=asset.registrant,
            status=AssetStatus.key_of(asset.status),
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
    rights: list[RightPublic] = Field(description="The first 100 rights by number (the primary rights first); "
                                      "right_count says how many there are, GET /v1/assets/{id}/rights lists all.")
    sources: list[LineageLink]
    derived_assets: list[LineageLink]
    metadata: Optional[dict[str, Any]] = Field(description="The metadata document, when the content store has it.")
    evidence: Optional[Evidence]
    confirmations: Optional[int] = Field(description="Confirmations of the registration: the blocks from it to the "
                                         "chain head the indexer last saw, both counted.")
    indexed_block: Optional[int] = Field(None, description="The index holds every event up to this block; GET "
                                         "/v1/status says how far that is behind the chain, and whether the node is "
                                         "reachable.")
    head_block: Optional[int] = Field(None, description="The chain head the indexer last saw.")
    confirmed_block: Optional[int] = Field(None, description="With min_confirmations: the answer holds as of this "
                                           "block, the last with that many confirmations.")
    listings: list["ListingPublic"] = Field(default_factory=list,
                                            description="Its listings on exchanges, valid or not.")
    remarks: Optional["RemarksPublic"] = Field(default=None, description="Freeze (查封) and pledges (质押).")
    registration: Optional["RegistrationPublic"] = Field(default=None, description="Its registration, if any.")
    attestations: list["AttestationPublic"] = Field(default_factory=list)
    freeze_orders: list["FreezeOrderPublic"] = Field(
        default_factory=list, description="Every freeze order (查封) on the asset, standing or released, in the "
        "order recorded, with its place in the waiting list (轮候查封) while it stands.")
    versions: list["AssetVersionPublic"] = Field(
        default_factory=list, description="Every version of the asset, current and superseded, first first.")
    change_application: Optional["ChangeApplicationPublic"] = Field(
        default=None, description="The latest change registration applied for (pending, approved or refused); "
        "null if none was.")
    public_data: Optional[dict[str, Any]] = Field(
        default=None, description="Public data (公共数据, issue 21): the authorisation it is under "
        "(authorisation_id, authority, operator), whether that is in force now (status) and, if revoked, the "
        "authority's reason; null for an asset that is not public data.")
    personal_information_basis_given: Optional[bool] = Field(
        None, description="For an asset flagged with personal information: whether its metadata gives the legal "
        "basis and evidence (personal_information_basis, shown to the registration's parties only); false flags an "
        "asset registered on chain without it (the schema, the CLI and POST /v1/metadata require it). Null for an "
        "asset without personal information or whose metadata the index lacks.")
    finance_remarks: list["FinanceRemarkPublic"] = Field(
        default_factory=list, description="Capital contributions (作价出资) and data trusts (数据信托) its holders "
        "recorded, standing and ended (FinanceRecords).")
    accounting_records: list["AccountingRecordPublic"] = Field(
        default_factory=list, description="Each holder's accounting record (数据资产入表): its commitment and "
        "auditor only; the document is served to the holder and the auditor by GET "
        "/v1/assets/{id}/accounting/{holder} with a signed read request.")
    names: dict[str, "PartyNamePublic"] = Field(default_factory=dict, description="The name of each address in "
                                                "this answer that has one: the participant's registered name, else "
                                                "the name the application's metadata gives it (registry/db/names.py).")

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
        head_block: int | None = None,
        confirmed_block: int | None = None,
        current: dict[int, Right] | None = None,
    ) -> "AssetDetail":
        """`current`: the rights as they are now, by number, when `rights` are versions from before."""
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
            # Lists of dicts, validated in one call each (a detail may list 100 rights and as many derived assets).
            rights=[RightPublic.fields(s, (current or {}).get(s.right.right_index, s.right)) for s in rights],
            sources=[{"asset_id": s.source_asset_id, "right_index": s.right_index} for s in sources],
            derived_assets=[{"asset_id": d.asset_id, "right_index": d.right_index} for d in derived],
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
            confirmations=(head_block - asset.registered_block + 1) if head_block is not None else None,
            indexed_block=indexed_block,
            head_block=head_block,
            confirmed_block=confirmed_block,
        )


class RpcNode(BaseModel):
    url: str = Field(description="The node's URL without credentials or path.")
    chain_id: Optional[int] = None
    head: Optional[int] = None
    healthy: bool
    reason: Optional[str] = Field(None, description="Why the node is not read from: unreachable, another chain "
                                  "id, or too far behind the best node.")


class RelayerStatus(BaseModel):
    account: Optional[str] = Field(None, description="The account that pays for relayed operations; null without "
                                   "DATAREG_RELAYER_KEY (sent transactions are still followed).")
    nonce_lock: str = Field(description="postgresql: nonces are chosen under a PostgreSQL advisory lock shared by "
                            "every API instance on the index; process: under this process's own lock (SQLite).")
    follower: bool = Field(description="Whether this instance follows every open relay now (collects receipts, "
                           "watches for reorgs, sends again what waits too long): one instance at a time does.")


class Status(BaseModel):
    chain_id: int
    contracts: dict[str, str]
    deploy_block: int
    rpc_reachable: bool = Field(description="Whether the chain node answered just now. When it did not, reads "
                                "still answer from the index, and writes are refused with 502.")
    rpc_error: Optional[str] = Field(None, description="Why the chain node could not be reached.")
    rpc_nodes: list[RpcNode] = Field(default_factory=list, description="Each chain node of DATAREG_RPC_URL "
                                      "as a health check just found it; reads go to the first healthy one.")
    head_block: Optional[int] = Field(description="The node's head block now; null when it cannot be reached.")
    last_seen_head_block: Optional[int] = Field(None, description="The last head block this API saw, kept while "
                                                "the node cannot be reached.")
    last_seen_head_at: Optional[str] = None
    indexed_block: Optional[int]
    indexed_block_hash: Optional[str]
    indexed_block_time: Optional[str] = Field(None, description="The time of the last indexed block: answers "
                                              "hold as of then.")
    lag_blocks: Optional[int] = Field(description="How many blocks the index is behind the node's head (the last "
                                      "head seen when the node cannot be reached).")
    indexer_updated_at: Optional[str]
    database: str
    database_reachable: bool = True
    database_error: Optional[str] = None
    database_read_only: bool = Field(False, description="Whether the index database accepts no writes (a read-only "
                                     "file or database): reads are served, the index does not advance.")
    database_read_only_reason: Optional[str] = None
    content_store: str
    relayer: Optional[RelayerStatus] = None
    summary: str = Field("", description="The above in one sentence: up to date, behind, or what is unreachable.")


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
    relay_id: Optional[str] = Field(None, description="For a relayed operation: its id, for GET /v1/relay/{id}.")


class RelayStatus(BaseModel):
    """A relayed operation as the relayer follows it: sent, mined (and still on the canonical chain), or
    settled otherwise."""

    relay_id: str
    operation: str
    signer: str
    status: str = Field(description="pending: sent, not mined yet (it is sent again, with higher fees, if it "
                        "waits too long or a reorg removes it); mined: in block_number; failed: mined, and the "
                        "contract refused it (error says why); dropped: it can no longer be carried out (error "
                        "says why) and will not be mined.")
    tx_hash: Optional[str] = Field(None, description="The transaction mined, or the last one sent.")
    tx_hashes: list[str] = Field(description="Every transaction sent for it, in order.")
    block_number: Optional[int] = None
    block_hash: Optional[str] = None
    gas_used: Optional[int] = None
    asset_ids: list[str] = []
    events: list[dict[str, Any]] = []
    error: Optional[dict[str, Any]] = Field(None, description="For failed or dropped: the error, as the API gives "
                                            "errors.")
    message: str


class QualificationPublic(BaseModel):
    """A qualification record the council keeps for a participant (issue 21)."""

    serial: int = Field(description="Counts the participant's records from 1; the highest is the current one.")
    kind: str = Field(description=_one_of(QualificationKind))
    issuer: str = Field(description="The body that issued it (发证机关/认定机构).")
    number: str
    scope: str
    valid_from: Optional[str]
    valid_until: Optional[str] = Field(description="Null: no end.")
    document_cid: Optional[str]
    status: str = Field(description=_one_of(QualificationStatus, QualificationStatus.NONE)
                        + " | superseded (a later record replaced it)")
    revocation_reason: Optional[ReasonPublic] = Field(None, description="When revoked: why "
                                                      "(qualification_revocation_reason).")
    recorded_block: int
    recorded_tx: str


class ParticipantPublic(BaseModel):
    account: str
    role: str = Field(description=", ".join(r.key for r in Role.admissible()))
    status: str = Field(description=_one_of(ParticipantStatus, ParticipantStatus.NONE))
    name: str
    credit_code_hash: str = Field(description="keccak256 of the unified social credit code (the code is not "
                                  "published; whoever has it can check it).")
    endpoint: str
    added_block: int
    suspension_reason: Optional[ReasonPublic] = Field(None, description="While suspended: why "
                                                      "(suspension_reason), with its labels.")
    active: bool = Field(False, description="Whether it may act in its role now: active, and qualified where its "
                         "role needs a qualification (IParticipantRegistry.isActive).")
    requires_qualification: bool = Field(False, description="Whether its role acts only under a qualification "
                                         "(the service roles).")
    qualification_status: str = Field("none", description=_one_of(QualificationStatus)
                                      + ": of its current qualification")
    qualifications: list[QualificationPublic] = Field(default_factory=list, description="Its qualification "
                                                      "records, the current one first.")


class ListingTermsPublic(BaseModel):
    """A listing's structured terms (issue 17), as its exchange listed it and the holder consented to."""

    price_model: str = Field(description=_one_of(PriceModel))
    price_model_zh: str
    price_amount: Optional[str] = Field(description="In the currency's minor unit (fen); null when negotiable.")
    currency: Optional[str] = Field(description="ISO 4217; null when negotiable.")
    product_form: str = Field(description=_one_of(ProductForm))
    product_form_zh: str
    delivery_modes: list[str] = Field(description="Some of: " + ", ".join(DeliveryMode.keys()) + ".")
    valid_until: Optional[str] = Field(description="When the listing ends (then its exchange listing id is free "
                                       "again); null for no end.")
    usage_scope: str = Field(description="Usage scope (使用范围); the full terms are the offer terms document.")

    @classmethod
    def of(cls, listing: Any) -> "Optional[ListingTermsPublic]":
        if listing.price_model is None:
            return None  # listed before the registry knew terms
        model, form = PriceModel(listing.price_model), ProductForm(listing.product_form or 0)
        negotiable = model is PriceModel.NEGOTIABLE
        return cls(price_model=model.key, price_model_zh=model.zh,
                   price_amount=None if negotiable else listing.price_amount, currency=listing.currency,
                   product_form=form.key, product_form_zh=form.zh,
                   delivery_modes=[m.key for m in DeliveryMode.of_mask(listing.delivery_modes or 0)],
                   valid_until=iso(listing.valid_until), usage_scope=listing.usage_scope or "")


class ListingPolicyPublic(BaseModel):
    exchange: str
    exchange_name: str
    allow_uncertified: bool = Field(description="Whether it lists assets without a valid registration certificate "
                                    "(only while the council's floor does not require certificates).")
    cross_border: bool = Field(description="Whether it trades across borders: export-restricted assets are refused.")


class ListingFloorPublic(BaseModel):
    certificate_required: bool = Field(description="Every listed asset needs a valid registration certificate.")
    important_data_forbidden: bool = Field(description="No important data is listed, certified or not.")
    personal_information_forbidden: bool = Field(description="No personal information is listed, certified or not.")
    set_block: Optional[int] = Field(description="The block of the council's last ListingFloorSet; null: never set.")


class ListingPolicies(BaseModel):
    """上架审核 rules: the council's floor and each exchange's own policy (IListingRegistry)."""

    floor: ListingFloorPublic
    exchanges: list[ListingPolicyPublic]


class ListingPublic(BaseModel):
    listing_id: int
    asset_id: str
    asset_name: Optional[str]
    exchange: str
    exchange_name: Optional[str]
    exchange_listing_id: str = Field(description="The exchange's own listing id (挂牌编号).")
    holder: str = Field(description="Who consented: the holder of the operating right.")
    right_index: int = Field(description="The operating right the consent rests on.")
    origin_listing_id: Optional[int] = Field(description="For a cross-listing: the listing it references.")
    cross_listings: list[int] = Field(description="Cross-listings of this listing on other exchanges.")
    offer_terms_cid: Optional[str]
    status: str = Field(description=_one_of(ListingStatus, ListingStatus.NONE))
    valid: bool = Field(description="Whether the listing's consent holds now.")
    invalid_reason: Optional[str] = Field(
        description="Why not: delisted, suspended, exchange_not_active, asset_cancelled, right_revoked, "
        "right_expired, right_transferred_away, origin_delisted, origin_not_valid, listing_expired (past its "
        "terms' end), not_compliant (now core data, or its compliance certification no longer holds)."
    )
    listed_block: int
    listed_tx: str
    asset_legal_status: Optional[LegalStatusPublic] = Field(None, description="The listed asset's one legal status, "
                                                            "judged now (a listing may be valid while the asset is "
                                                            "pledged, or not certified).")
    terms: Optional[ListingTermsPublic] = Field(None, description="Issue 17: its structured terms; null for a "
                                                "listing made before them.")
    attestation_id: Optional[int] = Field(None, description="The compliance certification (GET /v1/attestations) "
                                          "it was listed with; null for none.")
    consent_id: Optional[str] = Field(None, description="The id of the signed consent it used (decimal); null when "
                                      "the holder approved by its own transaction.")


class ListingApprovalPublic(BaseModel):
    """A holder's consent to one listing by its own transaction (IListingRegistry.approveListing)."""

    consent_hash: str = Field(description="The contract's key of the approval: the hash of the holder, the exchange "
                              "and the whole listing request (ListingApproved's `consentHash`).")
    holder: str
    exchange: str
    exchange_name: Optional[str]
    asset_id: str
    status: str = Field(description=" | ".join(APPROVAL_STATUSES) + ": in force (the exchange may list with it "
                        "now), past its end, revoked by the holder, or used by the listing `listing_id`.")
    in_force: bool = Field(description="Whether the exchange may list with it now (status in_force).")
    valid_until: Optional[str] = Field(description="Until when it could be used.")
    approved_at: Optional[str]
    approved_block: int
    approved_tx: str
    revoked_at: Optional[str] = Field(None, description="When the holder revoked it; null unless revoked.")
    revoked_tx: Optional[str] = None
    listing_id: Optional[int] = Field(None, description="The listing that used it; null unless used.")
    used_at: Optional[str] = None


class WithdrawnConsentPublic(BaseModel):
    """A signed listing consent id its holder withdrew (IListingRegistry.withdrawConsents): refused from then on."""

    holder: str
    consent_id: str = Field(description="The consent's id (its EIP-712 `nonce`), in decimal.")
    withdrawn_at: Optional[str]
    withdrawn_block: int
    withdrawn_tx: str
    listing_id: Optional[int] = Field(None, description="The listing that had already used this consent before it "
                                      "was withdrawn (the withdrawal does not end it); null for none.")


class TradePublic(BaseModel):
    """A trade an exchange recorded on one of its listings (交易存证)."""

    exchange: str
    number: str = Field(description="The trade certificate number: the exchange's trade code, JY, year, serial.")
    year: int
    serial: int
    listing_id: int
    asset_id: str
    seller: str = Field(description="The listing's holder, who granted the buyer's right.")
    buyer: str
    right_index: int = Field(description="The buyer's usage right (an ordinary right: GET /v1/assets/{id}/rights).")
    parent_index: int = Field(description="The seller's usage right it was granted from.")
    price_amount: Optional[str] = Field(description="In the currency's minor unit; null when confidential.")
    currency: Optional[str]
    price_hash: Optional[str] = Field(description="The commitment to a confidential price; null when public.")
    contract_cid: Optional[str]
    delivery_cid: Optional[str] = Field(description="The latest delivery evidence the exchange recorded.")
    settlement: str = Field(description=_one_of(SettlementStatus, SettlementStatus.NONE))
    recorded_at: Optional[str]
    recorded_block: int
    recorded_tx: str


class ListingChangePublic(BaseModel):
    cursor: str = Field(description="Pass as `after` to resume right after this change. Made from the change's "
                        "place on the chain (block.log.sequence, or t<moment>.<listing> for a lapse by time) and a "
                        "hash over the feed up to it: every index of the same chain gives the same cursor, and a "
                        "change a reorg voided never shares one with the new chain's change at its place.")
    listing_id: int
    exchange: str
    origin_exchange: Optional[str]
    asset_id: str
    change: str = Field(description="listed, suspended, resumed, delisted, became_invalid, became_valid, "
                        "invalid_reason_changed, or retracted: a reorg removed the change whose cursor is "
                        "`retracts`, which you applied; undo it (retractions come newest first, then the new "
                        "chain's changes). In a feed read with the exchange's signed request (and its webhooks), "
                        "and in GET /v1/trades/feed: trade_recorded, trade_settlement_changed, trade_delivered, "
                        "an entry of a trade (`trade_number`; `status` is then its settlement status), which no "
                        "catalogue applies")
    retracts: Optional[str] = Field(None, description="For a retraction: the cursor of the change it withdraws.")
    status: str
    valid: bool
    reason: Optional[str]
    block_number: Optional[int] = Field(description="The block of the event that caused it; null when time caused "
                                        "it.")
    tx_hash: Optional[str] = Field(description="The transaction that caused it; null when time caused it.")
    log_index: Optional[int]
    timestamp: Optional[str] = Field(description="Its block's time; for a change caused by time, the moment the "
                                     "consent lapsed.")
    caused_by: str = Field("event", description="event: the event at block_number, tx_hash, log_index; time: a "
                           "right's term ended (no transaction), at `timestamp`; reorg: the index went back to "
                           "block_number after a reorg.")
    trade_number: Optional[str] = Field(None, description="A trade's entry: the trade's certificate number "
                                        "(GET /v1/trades/{exchange}/{number}); null for a listing change.")
    buyer: Optional[str] = Field(None, description="A trade's entry: its buyer.")
    seller: Optional[str] = Field(None, description="A trade's entry: its seller (the listing's holder).")


class ListingFeed(BaseModel):
    data: list[ListingChangePublic]
    next_cursor: str = Field(description="Resume with after=next_cursor; unchanged when there was nothing new.")


# ─────────────────────────── provenance verification (POST /v1/verify) ───────────────────────────

from registry.db.verification import HeldRight, Verification  # noqa: E402


class VerifyFingerprint(BaseModel):
    sha256: Optional[str] = Field(description="SHA-256 of the content (0x hex): computed from the upload, or as "
                                  "given.")
    cid: Optional[str] = Field(description="IPFS CIDv0 of the content, as `ipfs add` prints it: computed from "
                               "the upload, or as given (a CIDv1 is shown in its CIDv0 form).")
    size: Optional[int] = Field(default=None, description="Bytes received, when a file was uploaded.")


class EventEvidence(BaseModel):
    """One event on the chain: find it in the receipt of `tx_hash` at `log_index`."""

    event: str
    contract: Optional[str] = Field(description="The contract that emitted it.")
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    timestamp: Optional[str]


class RightEvidence(BaseModel):
    right_index: int
    kind: str
    holder: str
    created: Optional[EventEvidence] = Field(description="The event that created the right: RightAssigned "
                                             "(at registration) or RightGranted.")
    last_changed: Optional[EventEvidence] = Field(description="The latest event that changed it (transfer, "
                                                  "renewal); the creating event if none has since.")


class VerifyEvidence(BaseModel):
    chain_id: int
    contracts: dict[str, str] = Field(description="Addresses of the DataRegistry and the ListingRegistry.")
    registration: Optional[EventEvidence] = Field(description="The AssetRegistered event.")
    rights: list[RightEvidence] = Field(description="For each valid holder's right: the events behind it.")
    indexed_block: Optional[int] = Field(description="The index holds every event up to this block.")
    confirmations: Optional[int] = Field(description="Blocks on top of the registration, as far as indexed.")


class VerifyHolder(BaseModel):
    holder: str
    right_index: int
    parent_index: int = Field(description="The right it was granted from; 0 for a root right.")
    chain: list[int] = Field(description="The right, the right it was granted from, ... up to its root.")
    chain_holders: list[str] = Field(description="The current holder of each right in `chain`, in order.")
    valid_from: Optional[str]
    valid_until: Optional[str]
    terms: Optional[GrantTermsPublic] = Field(description="The grant's terms; null for a root right.")

    @classmethod
    def of(cls, held: HeldRight) -> "VerifyHolder":
        r = held.state.right
        return cls(
            holder=r.holder,
            right_index=r.right_index,
            parent_index=r.parent_index,
            chain=list(held.state.chain),
            chain_holders=list(held.chain_holders),
            valid_from=iso(r.valid_from),
            valid_until=iso(r.valid_until),
            terms=GrantTermsPublic(
                grantor=r.grantor,
                purpose=r.purpose,
                territory=r.territory,
                quantity=int(r.quantity) if r.quantity is not None else None,
                terms_cid=r.terms_cid,
            )
            if r.parent_index
            else None,
        )


class VerifyHolders(BaseModel):
    """Who can exercise each right now: only valid rights (unrevoked, unexpired, on an active asset)."""

    holding: list[VerifyHolder] = Field(description="数据资源持有权")
    usage: list[VerifyHolder] = Field(description="数据加工使用权")
    operating: list[VerifyHolder] = Field(description="数据产品经营权")


class VerifyListing(BaseModel):
    listing_id: int
    exchange: str
    exchange_name: Optional[str]
    exchange_listing_id: str = Field(description="The exchange's own listing id (挂牌编号).")
    origin_listing_id: Optional[int] = Field(description="For a cross-listing: the listing it references.")
    holder: str = Field(description="Who consented: the holder of the operating right.")
    right_index: int = Field(description="The operating right the consent rests on.")
    expires_at: Optional[str] = Field(description="When the consent lapses by itself, if its rights end.")
    listed_block: int
    listed_tx: str


class VerifyLineage(BaseModel):
    sources: list[str] = Field(description="Asset ids this asset was derived from.")
    derived: list[str] = Field(description="Asset ids derived from this asset.")
    source_count: int
    derived_count: int


class VerifyFlags(BaseModel):
    personal_information: bool
    sensitive_personal_information: bool
    export_allowed: bool
    derived: bool


class VerifyMatch(BaseModel):
    asset_id: str
    name: Optional[str] = Field(description="From the metadata document; null until the document is available.")
    registrant: str
    status: str = Field(description=_one_of(AssetStatus, AssetStatus.NONE))
    classification: str = Field(description=_one_of(Classification) + " (一般/重要/核心数据)")
    content_hash: str
    content_cid: Optional[str]
    metadata_cid: str
    registered_at: Optional[str]
    matched_by: list[str] = Field(description="Which of the fingerprints given matched: sha256, cid or both.")
    version: int = Field(description="The asset's current version (1 + approved change registrations).")
    matched_version: Optional[int] = Field(
        default=None, description="The version whose data has the SHA-256 given (null when matched by CID only).")
    current: bool = Field(
        default=True, description="Whether the file is the current version's data; false: a change registration "
        "superseded it (the file was registered, but is no longer the asset's data).")
    current_content_hash: str = Field(description="SHA-256 of the current version's data.")
    flags: VerifyFlags
    encumbrances: list[dict[str, Any]] = Field(
        description="Remarks (备注) limiting what may be done with the asset: a regulator's freeze (查封: type "
        "frozen, with the order reference) and active pledges (质押: type pledge, with the external registration "
        "number and pledgee), each with the transaction that recorded it."
    )
    holders: VerifyHolders
    listings: list[VerifyListing] = Field(description="Listings on exchanges whose consent holds now.")
    lineage: VerifyLineage
    evidence: VerifyEvidence
    legal_status: Optional[LegalStatusPublic] = Field(None, description="The asset's one legal status, judged now: "
                                                      "certified, lapsed, cancelled, ..., with its remarks.")
    certificate_status: Optional[str] = Field(None, description=_one_of(CertificateStatus) + ": its registration "
                                              "certificate, as the office's `certificate` view judges it.")
    certificate_number: Optional[str] = None


class VerifyResult(BaseModel):
    registered: bool = Field(description="Whether at least one registered asset has this content.")
    message: str
    fingerprint: VerifyFingerprint
    matches: list[VerifyMatch] = Field(description="One per registered asset with this content: several "
                                       "registrants may register the same content. First registration first.")
    indexed_block: Optional[int] = Field(description="The answer holds as of this block.")
    legal_status: Optional[LegalStatusPublic] = Field(None, description="The legal status the content has: "
                                                      "unregistered without a match; with several, the most "
                                                      "favourable match's (certified and unencumbered first, then "
                                                      "recorded or in procedure, then encumbered, then lapsed or "
                                                      "cancelled), as `datareg verify`'s exit status.")
    # Present only when a certificate number was asked about, or when the council recognises other registries:
    # an answer to a fingerprint, with no recognition, is what it always was.
    certificate: Optional[dict[str, Any]] = Field(None, description="The certificate number asked about, read "
                                                  "apart: kind (national or intellectual_property), region, "
                                                  "division, registrar code, year, month, serial.")
    recognised: Optional[list[dict[str, Any]]] = Field(None, description="One answer per registry the council "
                                                       "recognises (GET /v1/recognitions), read from that "
                                                       "registry's own chain: `registry` (name, region, chain id, "
                                                       "contracts), `reachable`, `error` (why it could not be "
                                                       "read: the answer is then partial), `matches` (asset, "
                                                       "certificate status and number, holder, validity).")

    @classmethod
    def build(cls, verification: Verification, size: int | None, chain_id: int,
              contracts: dict[str, str], recognised: list[dict[str, Any]] | None = None) -> "VerifyResult":
        contracts = {name: contracts[name] for name in ("DataRegistry", "ListingRegistry") if name in contracts}
        indexed = verification.indexed_block

        def event(e: Event | None) -> EventEvidence | None:
            if e is None:
                return None
            contract = contracts.get("DataRegistry") if e.name.startswith(("Asset", "Right")) else None
            return EventEvidence(event=e.name, contract=contract, tx_hash=e.tx_hash, block_number=e.block_number,
                                 block_hash=e.block_hash, log_index=e.log_index, timestamp=iso(e.timestamp))

        matches = []
        for m in verification.matches:
            a = m.asset
            held = [h for kind in RightKind for h in m.holders[kind]]
            matches.append(VerifyMatch(
                asset_id=a.asset_id,
                name=a.name,
                registrant=a.registrant,
                status=AssetStatus.key_of(a.status),
                classification=Classification(a.classification).label,
                content_hash=a.content_hash,
                content_cid=a.content_cid,
                metadata_cid=a.metadata_cid,
                registered_at=iso(a.registered_at),
                matched_by=list(m.matched_by),
                version=a.version,
                matched_version=m.matched_version,
                current=m.current,
                current_content_hash=a.latest_content_hash or a.content_hash,
                flags=VerifyFlags(personal_information=a.personal_information,
                                  sensitive_personal_information=a.sensitive_personal_information,
                                  export_allowed=a.export_allowed, derived=a.derived),
                encumbrances=list(m.encumbrances),
                holders=VerifyHolders(**{kind.label: [VerifyHolder.of(h) for h in m.holders[kind]]
                                         for kind in RightKind}),
                listings=[VerifyListing(
                    listing_id=v.listing.listing_id,
                    exchange=v.listing.exchange,
                    exchange_name=v.exchange_name,
                    exchange_listing_id=v.listing.exchange_listing_id,
                    origin_listing_id=v.listing.origin_listing_id or None,
                    holder=v.listing.holder,
                    right_index=v.listing.right_index,
                    expires_at=iso(v.expires_at),
                    listed_block=v.listing.listed_block,
                    listed_tx=v.listing.listed_tx,
                ) for v in m.listings],
                lineage=VerifyLineage(sources=[s.source_asset_id for s in m.sources],
                                      derived=[d.asset_id for d in m.derived],
                                      source_count=len(m.sources), derived_count=len(m.derived)),
                evidence=VerifyEvidence(
                    chain_id=chain_id,
                    contracts=contracts,
                    registration=event(m.registration),
                    rights=[RightEvidence(right_index=h.state.right.right_index,
                                          kind=RightKind(h.state.right.kind).label, holder=h.state.right.holder,
                                          created=event(h.created), last_changed=event(h.last_changed))
                            for h in held],
                    indexed_block=indexed,
                    confirmations=(indexed - a.registered_block + 1) if indexed is not None else None,
                ),
                legal_status=LegalStatusPublic.of(m.legal) if m.legal is not None else None,
                certificate_status=m.legal.certificate_status if m.legal is not None else None,
                certificate_number=m.legal.certificate_number if m.legal is not None else None,
            ))
        as_of = f" (the index holds every event up to block {indexed})" if indexed is not None else ""
        what = "certificate number" if verification.certificate else "fingerprint"
        if not matches:
            message = (f"No asset with this {what} is registered here{as_of}. If it was registered moments ago, "
                       "ask again once GET /v1/status shows the index has reached its block."
                       if verification.certificate else
                       f"No asset with this fingerprint is registered{as_of}. If it was registered moments ago, "
                       "ask again once GET /v1/status shows the index has reached its block.")
        else:
            registrants = len({m.registrant for m in matches})
            superseded = [m for m in matches if not m.current]
            message = (f"{len(matches)} registered asset{'s have' if len(matches) > 1 else ' has'} this content"
                       + (f", registered by {registrants} registrants" if registrants > 1 else "")
                       + (f"; in {len(superseded)} of them it is a superseded version (a change registration "
                          "replaced the data)" if superseded else "") + f"{as_of}.")
        if recognised:
            message += " " + recognised_summary(recognised)
        legal = [m.legal for m in verification.matches if m.legal is not None]
        best = min(legal, key=verdict_rank) if legal else legal_status(None, None, [], [], [], 0)
        return cls(registered=bool(matches), message=message,
                   fingerprint=VerifyFingerprint(sha256=verification.sha256, cid=verification.cid, size=size),
                   matches=matches, indexed_block=indexed, legal_status=LegalStatusPublic.of(best),
                   certificate=(parse_certificate_number(verification.certificate).to_json()
                                if verification.certificate else None),
                   recognised=recognised)

    def answer(self) -> dict[str, Any]:
        """The JSON answer: the fields of a recognition left out where they do not apply (see their comment)."""
        body = self.model_dump(mode="json")
        for name in ("certificate", "recognised"):
            if body[name] is None:
                del body[name]
        return body


def recognised_summary(recognised: list[dict[str, Any]]) -> str:
    """One sentence per recognised registry: what it certifies, or why it could not be read."""
    parts = []
    for answer in recognised:
        r = answer["registry"]
        who = f"Recognised registry '{r['name']}' (chain {r['chain_id']}, RegistrationOffice " \
              f"{r['contracts']['RegistrationOffice']})"
        if answer["error"]:
            parts.append(f"{who} could not be checked: {answer['error']}")
        elif not answer["matches"]:
            parts.append(f"{who} has no certificate for it.")
        else:
            shown = ", ".join(f"{m['certificate']['number'] or 'no certificate'} "
                              f"({m['certificate']['status']})" for m in answer["matches"])
            parts.append(f"{who} holds it: {shown}.")
    return " ".join(parts)


class ObjectionPublic(BaseModel):
    objection_id: int
    objector: str
    reason_code: int
    reason: Optional[ReasonPublic] = Field(None, description="The objection's reason (objection_reason).")
    evidence_cid: Optional[str]
    status: str = Field(description=_one_of(ObjectionStatus, ObjectionStatus.NONE))
    lodged_block: int


class DeadlinePublic(BaseModel):
    """A deadline of the national procedure, counted in working days in Beijing time (registry/calendar.py)."""

    kind: str = Field(description="acceptance (3 working days from the application), publicity (its end on chain, "
                      "5 working days set by the registrar) or objection (handled within 10 working days)")
    objection_id: Optional[int] = None
    working_days: int
    start: Optional[str] = Field(description="The event the period runs from (not counted: the period starts the "
                                 "next day).")
    last_day: str = Field(description="The period's last day in Beijing time (YYYY-MM-DD); it ends at 24:00.")
    due: str = Field(description="24:00 Beijing time of last_day (as UTC): the first moment after the period.")
    provisional: bool = Field(description="Counted over a year whose holidays are provisional or not known.")
    done: bool = Field(description="What it waits for happened (accepted or returned; objection resolved; "
                       "publicity over).")
    done_at: Optional[str]
    passed: bool = Field(description="Now is at or after `due`.")
    overdue: bool = Field(description="Passed and not done (publicity ends by itself: never overdue).")


class RegistrationPublic(BaseModel):
    """An application under the national procedure and, once registered, its certificate."""

    asset_id: str
    stage: str = Field(description="applied, accepted, returned, publicity, registered, refused, terminated")
    certificate_status: str = Field(description=", ".join(
        s.key for s in CertificateStatus if s is not CertificateStatus.NONE))
    applicant: str
    registrar: str
    registrar_name: Optional[str]
    certificate_number: Optional[str] = Field(description="SJ + region (2) + registrar (1) + YYYYMM + serial (4).")
    registered_at: Optional[str]
    valid_until: Optional[str]
    renewal_window: Optional[tuple[str, str]] = Field(description="From 6 months to 1 day before it ends.")
    publicity_ends: Optional[str]
    reason_code: Optional[int]
    reason: Optional[ReasonPublic] = Field(None, description="The reason of a return (return_reason), or of a "
                                           "termination, refusal or refused renewal (refusal_reason).")
    documents_cid: Optional[str]
    objections: list[ObjectionPublic]
    legal_status: Optional[LegalStatusPublic] = Field(None, description="The asset's one legal status, judged now.")
    deadlines: list[DeadlinePublic] = Field(default=[], description="The procedure's deadlines, judged now.")


class PublicityNotice(BaseModel):
    """What the guideline makes public during publicity (公示): applicant, data name, summary, restrictions."""

    asset_id: str
    stage: str
    applicant_name: Optional[str]
    data_name: Optional[str]
    summary: Optional[str]
    restrictions: Optional[dict[str, Any]]
    registrar: str
    publicity_ends: Optional[str]
    objections: int


class PledgePublic(BaseModel):
    pledge_id: str
    external_registration_no: str = Field(description="Its number in the movable-property financing registry.")
    pledgee: str
    registrar: str
    active: bool
    recorded_block: int
    recorded_tx: str


class RemarksPublic(BaseModel):
    frozen: bool = Field(description="Frozen by a regulator (查封): transfers and new grants are blocked.")
    pledges: list[PledgePublic]


class EngagementPublic(BaseModel):
    """A holder's engagement of an appraiser for an asset (业务委托)."""

    engagement_id: int
    holder: str = Field(description="A holder of the asset's holding right, who engaged the appraiser.")
    appraiser: str
    right_index: int = Field(description="The holding right the holder engaged by.")
    letter_cid: Optional[str] = Field(description="The engagement letter's CID.")
    status: str = Field(description="open | used | withdrawn")
    attestation_id: Optional[int] = Field(description="The appraisal that used it.")
    engaged_at: Optional[str]
    engaged_tx: str


class AttestationPublic(BaseModel):
    attestation_id: int
    kind: str = Field(description=_one_of(AttestationKind))
    issuer: str
    issuer_name: Optional[str]
    asset_version: int
    status: str = Field(description="valid, revoked, superseded (the asset changed since), expired, "
                        "issuer_not_active, issuer_not_qualified (its qualification expired or was revoked)")
    value: Optional[int]
    currency: Optional[str]
    method: Optional[str]
    conclusion: Optional[str]
    report_cid: Optional[str]
    valid_until: Optional[str]
    issued_at: Optional[str]
    issued_tx: str
    revocation_reason: Optional[ReasonPublic] = Field(None, description="Why its issuer revoked it "
                                                      "(attestation_revocation_reason), with its labels.")
    valuation_date: Optional[str] = Field(None, description="An appraisal's valuation date (评估基准日).")
    value_type: Optional[str] = Field(None, description=_one_of(ValueType, ValueType.NONE) + ": an appraisal's")
    basis: Optional[str] = Field(None, description="An appraisal's standards and premises (评估依据).")
    engagement: Optional[EngagementPublic] = Field(None, description="The holder's engagement an appraisal "
                                                     "fulfils.")


class FinanceRemarkPublic(BaseModel):
    """A capital contribution or data-trust remark (FinanceRecords.FinanceRemarkRecorded)."""

    remark_id: int
    kind: str = Field(description="capital_contribution (作价出资) or data_trust (数据信托).")
    kind_zh: str
    holder: str = Field(description="The holding-right holder that recorded it.")
    counterparty: str = Field(description="The investee (capital contribution) or the trustee (data trust).")
    beneficiaries: list[str] = Field(description="A data trust's beneficiaries; empty for a contribution.")
    document_cid: str = Field(description="CIDv0 of the agreement (出资协议, 信托合同).")
    effective_from: Optional[str] = Field(description="Beijing time (ISO 8601, +08:00).")
    effective_until: Optional[str] = Field(description="Its end by its terms; null for no fixed end.")
    status: str = Field(description="standing, or ended (released by its holder).")
    end_evidence_cid: Optional[str]
    ended_at: Optional[str]
    recorded_at: Optional[str]
    recorded_block: int
    recorded_tx: str


class AccountingRecordPublic(BaseModel):
    """The public part of a holder's accounting record: who, the auditor, and the commitment."""

    holder: str
    auditor: Optional[str] = Field(description="Who may read the document besides the holder; null for none.")
    document_cid: str = Field(description="CIDv0 of the private accounting document (its digest is on chain).")
    revision: int
    recorded_at: Optional[str]
    recorded_block: int
    recorded_tx: str


class AccountingDocumentPublic(BaseModel):
    """A holder's accounting document, checked against its on-chain commitment (GET
    /v1/assets/{id}/accounting/{holder}); for the holder and its auditor only."""

    asset_id: str
    record: AccountingRecordPublic
    verified: bool = Field(description="Always true: the document's CID is the commitment read from the "
                           "FinanceRecords contract now; a document that is not is refused (409).")
    document: dict[str, Any]


class AccountingDocumentStored(BaseModel):
    """What POST /v1/accounting/documents stored: commit to `digest` with FinanceRecords.recordAccounting."""

    cid: str
    digest: str
    size: int
    document: dict[str, Any] = Field(description="The canonical document as stored (with its salt).")


class CertificateHolder(BaseModel):
    """A right holder as the certificate names it: a primary (root) right, who holds it, and on what terms."""

    right_index: int
    kind: str = Field(description=_one_of(RightKind))
    kind_zh: str
    address: str
    name: Optional[str] = Field(description="The participant's registered name, else the holder's name from the "
                                "application's rights configuration.")
    credit_code: Optional[str] = Field(description="The unified social credit code the application gives for it.")
    valid_from: Optional[str] = Field(description="Beijing time (ISO 8601, +08:00).")
    valid_until: Optional[str] = Field(description="Beijing time (ISO 8601, +08:00); null: no end.")
    term: Optional[str] = Field(description="The term the application states (权利期限), as dates.")
    limits: Optional[str] = Field(description="The limits on exercising the right (权利行使限制) the application "
                                  "states.")
    valid: bool
    invalid_reason: Optional[str]


class CertificateFingerprint(BaseModel):
    sha256: str = Field(description="SHA-256 of the certified version's data.")
    cid: Optional[str] = Field(description="Its IPFS CIDv0, when the registration declared one.")


class CertificateRemark(BaseModel):
    kind: str = Field(description="frozen, frozen_waiting (轮候查封), pledged, objection_pending, ...")
    text: str = Field(description="The remark as printed, in Chinese and English.")


class Certificate(BaseModel):
    """The registration certificate (数据产权登记证书), as data; ?format=html gives the printable page and
    ?format=pdf an A4 PDF with its fonts embedded. Times are Beijing time (ISO 8601, +08:00)."""

    certificate_number: str
    status: str = Field(description="valid, lapsed or cancelled, judged now")
    status_zh: str
    status_en: str
    asset_id: str
    data_name: Optional[str]
    summary: Optional[str]
    industry: Optional[str] = Field(description="GB/T 4754-2017 section letter and division, e.g. G54.")
    industry_name: Optional[str] = Field(description="The section's name (门类).")
    fingerprint: CertificateFingerprint
    holder: str = Field(description="The certificate's holder: the holder of the holding right (follows transfers).")
    holder_name: Optional[str]
    applicant_name: Optional[str]
    holders: list[CertificateHolder] = Field(description="Each primary right's holder, with name, credit code, term "
                                             "and limits.")
    rights: list[RightPublic]
    registrar: str
    registrar_name: Optional[str]
    registered_at: Optional[str]
    valid_until: Optional[str]
    version: int
    remarks: RemarksPublic
    remark_lines: list[CertificateRemark] = Field(description="The remarks as printed: freeze orders (by whom, which "
                                                  "order), pledges (to whom), ...; empty: none.")
    verification_url: str = Field(description="The public verification page (the explorer's /verify/NUMBER) the QR "
                                  "code encodes; its base is DATAREG_PUBLIC_URL.")
    evidence: Optional[Evidence] = Field(description="The certification transaction: the RegistrationOffice's "
                                         "Registered event.")
    reissue_evidence: Optional[Evidence] = Field(None, description="The latest re-issue (change, transfer) or "
                                                 "renewal of the certificate, if any.")
    legal_status: Optional[LegalStatusPublic] = Field(None, description="The asset's one legal status, judged now: "
                                                      "a certificate of a frozen, pledged, lapsed or cancelled asset "
                                                      "says so here.")


# ─────────────────────────── the record authority (issue 13): orders, versions, changes ───────────────────────────


class FreezeOrderPublic(BaseModel):
    """A regulator's freeze order (查封) on the asset, standing or released."""

    order_id: int = Field(description="Its number on the asset, from 1 in the order recorded.")
    regulator: str = Field(description="The regulator that issued it: only it lifts the order (or the council's "
                           "admin, with a recorded reason).")
    regulator_name: Optional[str]
    order_reference: str = Field(description="The order's reference, e.g. (2026)闽01执保1号.")
    evidence_cid: Optional[str]
    waiting: bool = Field(description="Recorded while another order stood: a waiting-list seizure (轮候查封).")
    waiting_position: Optional[int] = Field(description="While it stands: its place among the standing orders, "
                                            "1 for the order in effect, 2 for the first in the waiting list, ...; "
                                            "null once released.")
    active: bool = Field(description="Whether it still stands.")
    released_by: Optional[str]
    released_by_admin: bool = Field(description="Lifted by the council's admin rather than its regulator.")
    release_evidence_cid: Optional[str] = Field(description="The release's evidence, or the admin's recorded reason.")
    ordered_at: Optional[str]
    ordered_block: int
    ordered_tx: str
    released_block: Optional[int]


class AssetVersionPublic(BaseModel):
    """One version of the asset: 1 at registration, one more per approved change registration."""

    version: int
    content_hash: str = Field(description="SHA-256 of this version's data (0x hex).")
    metadata_cid: str
    classification: str = Field(description=_one_of(Classification))
    personal_information: bool
    sensitive_personal_information: bool
    export_allowed: bool
    derived: bool
    current: bool = Field(description="Whether this is the asset's current version; false: superseded.")
    recorded_at: Optional[str]
    block_number: int
    tx_hash: str


class ChangeApplicationPublic(BaseModel):
    """The latest change registration applied for: while pending, the registered version stays pinned."""

    status: str = Field(description="pending (awaiting the registrar's review), approved or refused")
    applicant: str
    registrar: str
    registrar_name: Optional[str]
    metadata_cid: str
    content_hash: Optional[str] = Field(description="The new data's SHA-256; null when the data is unchanged.")
    classification: str = Field(description=_one_of(Classification))
    personal_information: bool
    sensitive_personal_information: bool
    export_allowed: bool
    documents_cid: Optional[str]
    reason_code: Optional[int] = Field(description="The registrar's reason code, once reviewed.")
    reason: Optional[ReasonPublic] = Field(None, description="A refusal's reason (refusal_reason), with its labels.")
    version: Optional[int] = Field(description="The version it became, when approved.")
    applied_block: int
    decided_block: Optional[int]
