"""The index schema: current state (assets, rights, lineage) projected from an append-only event history.

`events` is the source of truth: every other table can be rebuilt by replaying it (which is how a reorg
is rolled back). Each row carries the block number, so rows above a fork can be found and removed.
Later issues add tables beside these (registrations, listings, attestations) without changing them.

Each index serves a query in registry/db or api/: every index costs the indexer a B-tree insert per row, so
one that no query uses is not kept (migration 0003 says which went and why).
"""
# No `from __future__ import annotations` here: with the annotations as strings, Pydantic and SQLAlchemy each
# evaluate every field's string again as the classes are made, a thirtieth of the indexer process's start.

from typing import Optional

from sqlalchemy import BigInteger, Column, Index, Integer, Table, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from registry.vocabulary import AssetStatus

# Block numbers, unix times and ids: 64-bit on PostgreSQL (32-bit INTEGER ends in 2038). SQLite's INTEGER is
# already 64-bit, and must stay INTEGER for its primary keys to count up by themselves.
BIG = BigInteger().with_variant(Integer(), "sqlite")

# For an integer primary key whose values come from the chain (block numbers, listing and attestation ids):
# SQLAlchemy takes a lone integer key for one the database numbers itself, and the indexer's batch would then
# leave the value out and let the database count, which only matches the chain by luck (a PostgreSQL
# sequence never goes back after a reorg deletes rows).
CHAIN_NUMBERED = {"autoincrement": False}


class TableModel(SQLModel):
    """The base of every table model: their Pydantic validators and serialisers are built when first used instead
    of when the class is made. Making a table model's row does not validate it, and the indexer never does, so it
    is spared building them for every table at start (a fifth of importing this module); the API builds those it
    serialises at its first use of each."""

    model_config = SQLModelConfig(defer_build=True)


class Asset(TableModel, table=True):
    __tablename__ = "assets"
    # The asset list by classification, counted and paged from the index (migration 0030).
    __table_args__ = (Index("ix_assets_classification", "classification", "registered_block", "registered_log_index"),)

    asset_id: str = Field(primary_key=True, max_length=66)
    registrant: str = Field(index=True, max_length=42)
    submitter: str = Field(max_length=42)
    content_hash: str = Field(index=True, max_length=66)  # 0x SHA-256 of the data
    content_cid: Optional[str] = Field(default=None, index=True, max_length=64)  # CIDv0 of the data
    metadata_cid: str = Field(index=True, max_length=64)  # CIDv0 of the metadata document
    classification: int  # 0 general, 1 important, 2 core
    personal_information: bool = False
    sensitive_personal_information: bool = False
    export_allowed: bool = False
    derived: bool = False
    # Public data (issue 21): the public-data authorisation the asset is under (bound by its operator, or derived
    # from a public-data asset); null for other assets.
    public_authorisation_id: Optional[int] = Field(default=None, index=True, sa_type=BIG)
    status: int = AssetStatus.ACTIVE.value  # IDataRegistry.AssetStatus
    version: int = 1
    # Remarks (备注) and the record's lifecycle.
    frozen: bool = False  # any freeze order standing (see freeze_orders)
    active_freezes: int = 0  # standing freeze orders: the first and those waiting behind it (轮候查封)
    active_pledges: int = 0
    cancel_reason: Optional[int] = None
    latest_content_hash: Optional[str] = Field(default=None, max_length=66)  # after a change
    right_count: int = 3
    # From the metadata document, when the content store has it; null until then.
    name: Optional[str] = None
    summary: Optional[str] = None
    industry: Optional[str] = Field(default=None, max_length=8)
    metadata_json: Optional[str] = Field(default=None, sa_column=Column(Text))
    registered_block: int = Field(index=True, sa_type=BIG)
    registered_tx: str = Field(max_length=66)
    registered_log_index: int
    registered_at: int  # unix seconds, block time
    updated_block: int = Field(sa_type=BIG)


class Right(TableModel, table=True):
    """A right as it is now: a view (migration 0022) of its current version in right_versions, with the block
    that version began in as `updated_block`. Read it like a table; the indexer writes only the versions (a
    copy of each right beside them doubled its rows)."""

    __tablename__ = "rights"
    __table_args__ = ({"info": {"view": True}},)

    asset_id: str = Field(primary_key=True, max_length=66)
    right_index: int = Field(primary_key=True)
    holder: str = Field(max_length=42)
    kind: int  # registry.vocabulary.RightKind
    parent_index: int = 0
    valid_from: int = Field(default=0, sa_type=BIG)  # unix seconds; 0 = from creation
    valid_until: int = Field(default=0, sa_type=BIG)  # unix seconds; 0 = no end
    revoked: bool = False
    sub_grantable: bool = False
    transferable: bool = True
    pending: bool = False  # named at registration, not accepted yet: not held, not valid
    limits_cid: Optional[str] = Field(default=None, max_length=64)  # a root right's limits (rights configuration)
    # Terms of a grant (null for root rights); the full terms document is at terms_cid.
    grantor: Optional[str] = Field(default=None, max_length=42)
    purpose: Optional[str] = None
    territory: Optional[str] = None
    quantity: Optional[str] = Field(default=None, max_length=80)  # uint256 as a decimal string
    terms_cid: Optional[str] = Field(default=None, max_length=64)
    revoked_by: Optional[str] = Field(default=None, max_length=42)
    revocation_reason: Optional[int] = None
    revocation_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    created_block: int = Field(sa_type=BIG)
    created_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


# The fields of a right that change over its life; a version records them from one event to the next.
RIGHT_STATE_FIELDS = ("holder", "kind", "parent_index", "valid_from", "valid_until", "revoked", "sub_grantable",
                      "transferable", "pending")
# The columns of a right (the `rights` view) that its versions carry under the same name: all but updated_block.
RIGHT_COLUMNS = tuple(name for name in Right.model_fields if name != "updated_block")


#: Text search of assets on PostgreSQL (pg_trgm GIN indexes on assets.name and assets.summary): made by migration
#: 0030 where the extension can be created, so not in the models, and left out of the comparison with them.
TRIGRAM_INDEXES = frozenset({"ix_assets_name_trgm", "ix_assets_summary_trgm"})


def include_object(item: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """For Alembic's comparison of the models with the database: a model that maps a view (Right) is left
    out, as the database lists views apart from tables and its migration creates it by hand; so are the
    PostgreSQL-only trigram indexes (TRIGRAM_INDEXES)."""
    if kind == "index" and name in TRIGRAM_INDEXES:
        return False
    return not (kind == "table" and isinstance(item, Table) and item.info.get("view"))


class RightVersion(TableModel, table=True):
    """One state of a right, from the event that made it until the event that changed it (null while
    current): the basis of as-of queries and of every party's history."""

    __tablename__ = "right_versions"
    __table_args__ = (
        Index("ix_right_versions_right", "asset_id", "right_index", "since_block", "since_log_index"),
        # A party's rights, in the order their page is cut in (queries.party_rights).
        Index("ix_right_versions_holder", "holder", "asset_id", "right_index", "since_block", "since_log_index"),
        # The current versions only: the `rights` view's rows, by asset and number (migration 0029). Partial:
        # WHERE until_block IS NULL, added by dialect_options() (see Event).
        Index("ix_right_versions_current", "asset_id", "right_index"),
    )

    id: Optional[int] = Field(default=None, primary_key=True, sa_type=BIG)
    asset_id: str = Field(max_length=66)
    right_index: int
    holder: str = Field(max_length=42)
    kind: int
    parent_index: int = 0
    valid_from: int = Field(default=0, sa_type=BIG)
    valid_until: int = Field(default=0, sa_type=BIG)
    revoked: bool = False
    sub_grantable: bool = False
    transferable: bool = True
    pending: bool = False
    # The right's columns that no change but a revocation alters, on every version (see Right).
    limits_cid: Optional[str] = Field(default=None, max_length=64)
    grantor: Optional[str] = Field(default=None, max_length=42)
    purpose: Optional[str] = None
    territory: Optional[str] = None
    quantity: Optional[str] = Field(default=None, max_length=80)
    terms_cid: Optional[str] = Field(default=None, max_length=64)
    revoked_by: Optional[str] = Field(default=None, max_length=42)
    revocation_reason: Optional[int] = None
    revocation_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    created_block: int = Field(sa_type=BIG)
    created_tx: str = Field(max_length=66)
    change: str = Field(max_length=32)  # the event that began this version: assigned, granted, transferred, ...
    since_block: int = Field(sa_type=BIG)
    since_log_index: int
    since_time: int = Field(sa_type=BIG)
    until_block: Optional[int] = Field(default=None, sa_type=BIG)
    until_log_index: Optional[int] = None
    until_time: Optional[int] = Field(default=None, sa_type=BIG)


class Lineage(TableModel, table=True):
    """Derived data: `asset_id` was derived from `source_asset_id` under a usage right over the source."""

    __tablename__ = "lineage"

    asset_id: str = Field(primary_key=True, max_length=66)
    source_asset_id: str = Field(primary_key=True, max_length=66, index=True)
    right_index: int
    block_number: int = Field(index=True, sa_type=BIG)


class Event(TableModel, table=True):
    """Every registry event, in chain order, with what is needed to find it on the chain again."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("block_number", "log_index", name="uq_events_position"),
        # With the id in it, a page of an asset's history is found in the index alone and only its rows are read
        # (SQLite's indexes hold the rowid anyway): INCLUDE (id) on PostgreSQL, added by dialect_options(), as
        # naming a dialect's option here would import that dialect's SQLAlchemy modules into every process (the
        # PostgreSQL one, with asyncio, is a tenth of the indexer's start on SQLite).
        Index("ix_events_asset_position", "asset_id", "block_number", "log_index"),
    )

    id: Optional[int] = Field(default=None, primary_key=True, sa_type=BIG)
    block_number: int = Field(sa_type=BIG)  # uq_events_position
    block_hash: str = Field(max_length=66)
    tx_hash: str = Field(index=True, max_length=66)
    log_index: int
    timestamp: int = Field(sa_type=BIG)
    name: str = Field(max_length=64)
    asset_id: Optional[str] = Field(default=None, max_length=66)  # ix_events_asset_position
    kind: Optional[int] = None  # the right kind the event concerns, if any
    actor: Optional[str] = Field(default=None, max_length=42)  # who acted (signer)
    party: Optional[str] = Field(default=None, max_length=42)  # who it concerns (holder)
    right_index: Optional[int] = None
    args_json: str = Field(sa_column=Column(Text, nullable=False))


def dialect_options(dialect: str) -> None:
    """The models' index options that only a dialect's own SQLAlchemy module knows (see Event), for `dialect`
    ("sqlite" or "postgresql"): called when an engine is made, which imports that module anyway."""
    indexes = {str(i.name): i for table in SQLModel.metadata.tables.values() for i in table.indexes}
    indexes["ix_right_versions_current"].dialect_options[dialect]["where"] = text("until_block IS NULL")
    if dialect == "postgresql":
        indexes["ix_events_asset_position"].dialect_options["postgresql"]["include"] = ["id"]


class Block(TableModel, table=True):
    """Hashes of indexed blocks: evidence for answers, and how a reorg is detected."""

    __tablename__ = "blocks"
    # The last block at or before a moment (queries.block_at): block times never go backwards.
    __table_args__ = (Index("ix_blocks_time", "timestamp", "number"),)

    # The chain's numbers, never the database's: see CHAIN_NUMBERED.
    number: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    hash: str = Field(max_length=66)
    parent_hash: str = Field(max_length=66)
    timestamp: int = Field(sa_type=BIG)


class UndoBatch(TableModel, table=True):
    """How to undo one indexed batch of blocks near the chain head: the keys of the rows it created and the
    rows it changed as they were before it. A reorg is undone batch by batch, newest first, in time that
    grows with what the undone blocks changed, not with the history of the assets they touched.

    Kept only for batches within the reorg window of the head (DATAREG_REORG_WINDOW blocks); a deeper reorg
    is undone by replaying the touched assets' remaining events instead."""

    __tablename__ = "undo_batches"

    first_block: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    last_block: int = Field(sa_type=BIG)
    # {"created": {table: [key, ...]}, "changed": {table: [row as it was, ...]}}; created rows of tables the
    # database numbers (right_versions) are found by their block instead.
    journal: str = Field(sa_column=Column(Text, nullable=False))


CHECKPOINT = "registry"  # the name of the indexer's checkpoint row


class Checkpoint(TableModel, table=True):
    """The last block whose events are all in the index; written in the same transaction as those events."""

    __tablename__ = "checkpoints"

    name: str = Field(primary_key=True, max_length=64)
    chain_id: int
    contract: str = Field(max_length=42)
    block_number: int = Field(sa_type=BIG)
    block_hash: str = Field(max_length=66)
    updated_at: float
    # The chain head when the checkpoint moved: answers count their confirmations from it.
    head_block: Optional[int] = Field(default=None, sa_type=BIG)


class Participant(TableModel, table=True):
    """Exchanges, registrars, service providers and regulators admitted by the participant registry."""

    __tablename__ = "participants"

    account: str = Field(primary_key=True, max_length=42)
    role: int = Field(index=True)  # IParticipantRegistry.Role
    status: int  # IParticipantRegistry.ParticipantStatus
    name: str
    credit_code_hash: str = Field(max_length=66)
    endpoint: str = ""
    # For registrars: the region and code in their certificate numbers.
    region: Optional[str] = Field(default=None, max_length=2)
    registrar_code: Optional[str] = Field(default=None, max_length=1)
    # For exchanges: the code that starts their trade certificate numbers (TradeRegistry.setTradeCode).
    trade_code: Optional[str] = Field(default=None, max_length=6)
    # For exchanges: their listing policy (IListingRegistry.ListingPolicy; both false until they set one).
    listing_allow_uncertified: bool = False
    listing_cross_border: bool = False
    added_block: int = Field(sa_type=BIG)
    updated_block: int = Field(sa_type=BIG)


class Listing(TableModel, table=True):
    """A data product listed on an exchange, or cross-listed from another exchange's listing."""

    __tablename__ = "listings"

    listing_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    asset_id: str = Field(index=True, max_length=66)
    exchange: str = Field(index=True, max_length=42)
    holder: str = Field(max_length=42)  # who consented: the holder of the operating right
    right_index: int
    origin_listing_id: int = Field(default=0, index=True, sa_type=BIG)
    exchange_listing_id: str
    offer_terms_cid: Optional[str] = Field(default=None, max_length=64)
    status: int = Field(index=True)  # IListingRegistry.ListingStatus
    valid: bool = Field(default=True, index=True)
    invalid_reason: Optional[str] = None
    # The earliest end in the consent's chain of rights: past it the listing lapses with no event.
    expires_at: Optional[int] = Field(default=None, index=True, sa_type=BIG)
    listed_block: int = Field(sa_type=BIG)
    listed_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)
    # Issue 17, from ListingTermsSet (null for a listing indexed from a contract before it): the structured
    # terms (codes of vocabulary.PriceModel and ProductForm, DeliveryMode bits), the listing's own end, the
    # compliance certification it named, and the consent id it used (null: an approval by transaction).
    price_model: Optional[int] = Field(default=None, index=True)
    price_amount: Optional[str] = Field(default=None, max_length=78)  # uint256, in decimal
    currency: Optional[str] = Field(default=None, max_length=3)
    product_form: Optional[int] = Field(default=None, index=True)
    delivery_modes: Optional[int] = None
    valid_until: Optional[int] = Field(default=None, sa_type=BIG)
    usage_scope: Optional[str] = None
    attestation_id: Optional[int] = Field(default=None, sa_type=BIG)
    consent_id: Optional[str] = Field(default=None, max_length=78)


class ListingApproval(TableModel, table=True):
    """A holder's consent to one listing by its own transaction (IListingRegistry.approveListing), the other form
    of consent than a signed one. Keyed by the contract's consent hash (holder, exchange and the whole request), as
    on chain: approving the same request again replaces it. It is in force until `valid_until` unless the holder
    revoked it (ListingApprovalRevoked) or the exchange used it (the listing's ListingTermsSet names no consent id):
    the contract deletes it either way."""

    __tablename__ = "listing_approvals"

    consent_hash: str = Field(primary_key=True, max_length=66)
    holder: str = Field(index=True, max_length=42)
    exchange: str = Field(index=True, max_length=42)
    asset_id: str = Field(index=True, max_length=66)  # a deep rollback rebuilds an asset's approvals
    valid_until: int = Field(sa_type=BIG)
    approved_at: int = Field(sa_type=BIG)
    approved_block: int = Field(sa_type=BIG)
    approved_tx: str = Field(max_length=66)
    revoked: bool = False
    revoked_at: Optional[int] = Field(default=None, sa_type=BIG)
    revoked_tx: Optional[str] = Field(default=None, max_length=66)
    listing_id: Optional[int] = Field(default=None, sa_type=BIG)  # the listing that used it
    used_at: Optional[int] = Field(default=None, sa_type=BIG)
    updated_block: int = Field(sa_type=BIG)


class WithdrawnConsent(TableModel, table=True):
    """A signed listing consent id its holder withdrew (IListingRegistry.withdrawConsents, ConsentsWithdrawn): no
    exchange can list with it any more. One row per id, from the first withdrawal (withdrawing again changes
    nothing on chain)."""

    __tablename__ = "withdrawn_consents"

    holder: str = Field(primary_key=True, max_length=42)
    consent_id: str = Field(primary_key=True, max_length=78)  # uint256, in decimal, as listings.consent_id
    withdrawn_at: int = Field(sa_type=BIG)
    withdrawn_block: int = Field(sa_type=BIG)
    withdrawn_tx: str = Field(max_length=66)


class ListingChange(TableModel, table=True):
    """The change feed: every change of a listing's status or validity, in chain order.

    An entry's place comes from the chain alone, so every index of the same chain gives the same feed: `position`
    (fixed-width, sorts as it reads) is the moment, then the block, log and sequence within the log of the event
    that caused it; a lapse by time has the moment its consent ended and no block. `cursor` names the entry
    (registry.db.listings.cursor_of): its chain position and a hash over the feed up to it, so an entry a reorg
    voided and the new chain's entry at the same position have different cursors. A reorg keeps the entries it
    voided, marked `retracted_in` (the feed's generation: how many rollbacks have voided entries), and the feed
    serves their retractions to a reader whose cursor shows it had read them."""

    __tablename__ = "listing_changes"
    __table_args__ = (Index("ix_listing_changes_exchange_position", "exchange", "position"),
                      Index("ix_listing_changes_origin_exchange_position", "origin_exchange", "position"),
                      Index("ix_listing_changes_listing_position", "listing_id", "position"),
                      Index("uq_listing_changes_cursor", "cursor", unique=True),
                      Index("ix_listing_changes_buyer_position", "buyer", "position"),
                      Index("ix_listing_changes_seller_position", "seller", "position"))

    id: Optional[int] = Field(default=None, primary_key=True, sa_type=BIG)
    position: str = Field(index=True, max_length=40)
    cursor: str = Field(max_length=64)  # uq_listing_changes_cursor
    cause: str = Field(default="event", max_length=8)  # event: its own event; time: a lapse; reorg: a rollback
    listing_id: int = Field(sa_type=BIG)
    exchange: str = Field(max_length=42)
    origin_exchange: Optional[str] = Field(default=None, max_length=42)
    asset_id: str = Field(max_length=66)
    change: str = Field(max_length=32)  # listed, suspended, resumed, delisted, became_invalid, became_valid, ...
    status: str = Field(max_length=16)
    valid: bool
    reason: Optional[str] = None
    block_number: Optional[int] = Field(default=None, index=True, sa_type=BIG)  # null for a lapse by time
    tx_hash: Optional[str] = Field(default=None, max_length=66)
    log_index: Optional[int] = None
    timestamp: int = Field(sa_type=BIG)
    written_in: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # the feed's generation then
    retracted_in: Optional[int] = Field(default=None, index=True)  # the generation of the reorg that voided it
    # Kept in step with retracted_in (migration 0008's flag); `retracts` is no longer written: the feed makes the
    # retraction entries from the retracted rows (migration 0009 removed those 0008 stored).
    retracted: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    retracts: Optional[int] = Field(default=None, sa_type=BIG)
    # A trade's entry (change trade_recorded, trade_settlement_changed, trade_delivered; migration 0024): the
    # trade's certificate number, its buyer and seller; `status` is then its settlement status. Served only to the
    # exchange that recorded it, its buyer and its seller, each with a signed request (registry.db.listings.feed).
    trade_number: Optional[str] = Field(default=None, max_length=24)
    buyer: Optional[str] = Field(default=None, max_length=42)
    seller: Optional[str] = Field(default=None, max_length=42)


class Pledge(TableModel, table=True):
    """A pledge registered elsewhere (the movable-property financing registry), recorded as an encumbrance."""

    __tablename__ = "pledges"

    pledge_id: str = Field(primary_key=True, max_length=66)
    asset_id: str = Field(index=True, max_length=66)
    external_registration_no: str
    pledgee: str = Field(max_length=42)
    registrar: str = Field(max_length=42)
    active: bool = True
    recorded_block: int = Field(sa_type=BIG)
    recorded_tx: str = Field(max_length=66)
    released_block: Optional[int] = Field(default=None, sa_type=BIG)


class FreezeOrder(TableModel, table=True):
    """A regulator's freeze order (查封) on an asset, numbered per asset; a waiting-list seizure (轮候查封) when
    recorded while another stood. Lifted only by its issuer, or by the council admin with a recorded reason."""

    __tablename__ = "freeze_orders"

    asset_id: str = Field(primary_key=True, max_length=66)
    order_id: int = Field(primary_key=True, sa_column_kwargs=CHAIN_NUMBERED)
    regulator: str = Field(max_length=42)
    order_reference: str
    evidence_cid: Optional[str] = Field(default=None, max_length=64)
    waiting: bool = False
    active: bool = True
    released_by: Optional[str] = Field(default=None, max_length=42)
    released_by_admin: bool = False
    release_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    ordered_block: int = Field(sa_type=BIG)
    ordered_tx: str = Field(max_length=66)
    ordered_at: int = Field(sa_type=BIG)
    released_block: Optional[int] = Field(default=None, sa_type=BIG)


class AssetVersion(TableModel, table=True):
    """Each version of an asset: 1 at registration, then one per approved change registration. The data's
    fingerprint of every version is kept, so a file is found by any version's hash (current or superseded)."""

    __tablename__ = "asset_versions"

    asset_id: str = Field(primary_key=True, max_length=66)
    version: int = Field(primary_key=True, sa_column_kwargs=CHAIN_NUMBERED)
    content_hash: str = Field(index=True, max_length=66)  # the data of this version
    metadata_cid: str = Field(max_length=64)
    classification: int
    attributes: int
    block_number: int = Field(sa_type=BIG)
    tx_hash: str = Field(max_length=66)
    timestamp: int = Field(sa_type=BIG)


class HolderTerm(TableModel, table=True):
    """The term and limits the rights configuration gave one holder's rights at registration (RightTermsSet)."""

    __tablename__ = "holder_terms"

    asset_id: str = Field(primary_key=True, max_length=66)
    holder: str = Field(primary_key=True, max_length=42)
    valid_until: int = Field(default=0, sa_type=BIG)
    limits_cid: Optional[str] = Field(default=None, max_length=64)
    block_number: int = Field(sa_type=BIG)


class ChangeApplication(TableModel, table=True):
    """The latest change registration applied for on an asset, and the registrar's decision."""

    __tablename__ = "change_applications"

    asset_id: str = Field(primary_key=True, max_length=66)
    applicant: str = Field(max_length=42)
    registrar: str = Field(max_length=42)
    status: str = Field(max_length=16)  # pending, approved, refused
    metadata_cid: str = Field(max_length=64)
    content_hash: Optional[str] = Field(default=None, max_length=66)  # null: the data is unchanged
    classification: int
    attributes: int
    documents_cid: Optional[str] = Field(default=None, max_length=64)
    reason_code: Optional[int] = None
    version: Optional[int] = None  # the version it became, when approved
    applied_block: int = Field(sa_type=BIG)
    decided_block: Optional[int] = Field(default=None, sa_type=BIG)


class Registration(TableModel, table=True):
    """An asset's application under the national procedure, and its certificate once registered."""

    __tablename__ = "registrations"

    asset_id: str = Field(primary_key=True, max_length=66)
    applicant: str = Field(max_length=42)
    registrar: str = Field(index=True, max_length=42)
    stage: str = Field(index=True, max_length=16)  # the key of an IRegistrationOffice.Stage
    documents_cid: Optional[str] = Field(default=None, max_length=64)
    publicity_ends: Optional[int] = Field(default=None, index=True, sa_type=BIG)
    # 15 characters (national, SJ…) or 17 digits (data intellectual property): see CertificateNumber.sol.
    certificate_number: Optional[str] = Field(default=None, index=True, max_length=17)
    registered_at: Optional[int] = Field(default=None, sa_type=BIG)
    valid_until: Optional[int] = Field(default=None, sa_type=BIG)
    reason_code: Optional[int] = None  # of a return, termination or refusal
    certified_version: Optional[int] = None  # the asset version the certificate certifies (re-issued on a change)
    holder: Optional[str] = Field(default=None, max_length=42)  # the certificate's holder (follows transfers)
    renewal_requested: bool = False
    applied_block: int = Field(sa_type=BIG)
    updated_block: int = Field(sa_type=BIG)


class Objection(TableModel, table=True):
    __tablename__ = "objections"

    asset_id: str = Field(primary_key=True, max_length=66)
    objection_id: int = Field(primary_key=True)
    objector: str = Field(max_length=42)
    reason_code: int
    evidence_cid: Optional[str] = Field(default=None, max_length=64)
    status: str = Field(max_length=16)  # the key of an IRegistrationOffice.ObjectionStatus
    lodged_block: int = Field(sa_type=BIG)
    resolved_block: Optional[int] = Field(default=None, sa_type=BIG)


class Attestation(TableModel, table=True):
    """An appraisal, compliance certification or quality evaluation, bound to one version of the asset."""

    __tablename__ = "attestations"

    attestation_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    asset_id: str = Field(index=True, max_length=66)
    issuer: str = Field(index=True, max_length=42)
    kind: str = Field(max_length=32)
    asset_version: int
    value: Optional[str] = Field(default=None, max_length=80)  # uint256 as a decimal string
    currency: Optional[str] = Field(default=None, max_length=3)
    method: Optional[str] = None
    conclusion: Optional[str] = None
    report_cid: Optional[str] = Field(default=None, max_length=64)
    valid_until: int = Field(default=0, sa_type=BIG)
    revoked: bool = False
    revocation_reason: Optional[int] = None
    issued_at: int = Field(sa_type=BIG)
    issued_block: int = Field(sa_type=BIG)
    issued_tx: str = Field(max_length=66)
    # An appraisal's own terms (issue 21, IAttestationRegistry.Appraised); null for the other kinds.
    valuation_date: Optional[int] = Field(default=None, sa_type=BIG)
    value_type: Optional[str] = Field(default=None, max_length=16)  # the key of an IAttestationRegistry.ValueType
    basis: Optional[str] = None
    engagement_id: Optional[int] = Field(default=None, sa_type=BIG)


class Qualification(TableModel, table=True):
    """A participant's qualification record (issue 21): each one the council recorded, the latest (highest
    serial) being the one that governs; renewals and revocations change it in place."""

    __tablename__ = "qualifications"

    account: str = Field(primary_key=True, max_length=42)
    serial: int = Field(primary_key=True, sa_column_kwargs=CHAIN_NUMBERED)
    kind: int  # IParticipantRegistry.QualificationKind
    issuer: str
    number: str
    scope: str = ""
    valid_from: int = Field(default=0, sa_type=BIG)
    valid_until: int = Field(default=0, sa_type=BIG)  # 0: no end
    document_cid: Optional[str] = Field(default=None, max_length=64)
    revoked: bool = False
    revocation_reason: Optional[int] = None
    revocation_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    recorded_at: int = Field(sa_type=BIG)
    recorded_block: int = Field(sa_type=BIG)
    recorded_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


class Engagement(TableModel, table=True):
    """A holder's engagement of an appraiser for one asset (issue 21): open until an appraisal uses it or the
    holder withdraws it."""

    __tablename__ = "engagements"

    engagement_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    asset_id: str = Field(index=True, max_length=66)
    holder: str = Field(max_length=42)
    appraiser: str = Field(index=True, max_length=42)
    right_index: int
    letter_cid: Optional[str] = Field(default=None, max_length=64)
    status: str = Field(default="open", max_length=16)  # open, used, withdrawn
    attestation_id: Optional[int] = Field(default=None, sa_type=BIG)  # the appraisal that used it
    engaged_at: int = Field(sa_type=BIG)
    engaged_block: int = Field(sa_type=BIG)
    engaged_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


class Trade(TableModel, table=True):
    """A trade an exchange recorded on one of its listings (交易存证): the buyer's usage right, the price
    commitment, the contract, delivery evidence and the settlement status the exchange keeps."""

    __tablename__ = "trades"

    exchange: str = Field(primary_key=True, max_length=42)
    year: int = Field(primary_key=True, sa_column_kwargs=CHAIN_NUMBERED)
    serial: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    number: str = Field(index=True, max_length=24)  # the certificate number: code, JY, year, serial
    listing_id: int = Field(sa_type=BIG)
    asset_id: str = Field(index=True, max_length=66)
    seller: str = Field(index=True, max_length=42)  # the listing's holder, the grantor of the buyer's right
    buyer: str = Field(index=True, max_length=42)
    right_index: int  # the buyer's usage right
    parent_index: int
    # uint256 as a decimal string; null when the price is confidential (then `price_hash` commits to it)
    price_amount: Optional[str] = Field(default=None, max_length=80)
    currency: Optional[str] = Field(default=None, max_length=3)
    price_hash: Optional[str] = Field(default=None, max_length=66)  # the commitment of a confidential price
    contract_cid: Optional[str] = Field(default=None, max_length=64)
    delivery_cid: Optional[str] = Field(default=None, max_length=64)  # the latest delivery evidence
    settlement: int  # ITradeRegistry.SettlementStatus
    recorded_at: int = Field(sa_type=BIG)
    recorded_block: int = Field(sa_type=BIG)
    recorded_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


class PublicAuthorisation(TableModel, table=True):
    """A public-data authorisation (公共数据授权运营, IPublicDataAuthorisation): the authority, the first-level
    operator, the scope (catalogue), the permitted scenarios, the term and conditions, and its revocation."""

    __tablename__ = "public_authorisations"

    authorisation_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    authority: str = Field(index=True, max_length=42)
    operator: str = Field(index=True, max_length=42)
    catalogue_cid: Optional[str] = Field(default=None, max_length=64)
    catalogue_entries: int
    scenarios_json: str = Field(sa_column=Column(Text, nullable=False))  # the permitted scenarios' names
    valid_from: int = Field(sa_type=BIG)
    valid_until: int = Field(sa_type=BIG)
    conditions_cid: Optional[str] = Field(default=None, max_length=64)
    revoked: bool = False
    revocation_reason: Optional[int] = None  # AuthorisationRevocationReason
    revocation_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    revoked_at: Optional[int] = Field(default=None, sa_type=BIG)
    revoked_tx: Optional[str] = Field(default=None, max_length=66)
    granted_at: int = Field(sa_type=BIG)
    granted_block: int = Field(sa_type=BIG)
    granted_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


class PublicScenario(TableModel, table=True):
    """A permitted scenario of an authorisation, and its approval by the authority (一类场景一审定)."""

    __tablename__ = "public_scenarios"

    authorisation_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    scenario_hash: str = Field(primary_key=True, max_length=66)  # keccak256 of the name: a grant's purpose
    scenario: str
    approved: bool = False
    approval_cid: Optional[str] = Field(default=None, max_length=64)
    approved_at: Optional[int] = Field(default=None, sa_type=BIG)
    approved_tx: Optional[str] = Field(default=None, max_length=66)
    updated_block: int = Field(sa_type=BIG)


class PublicLicence(TableModel, table=True):
    """A second-level operator (二级开发主体) licensed by the first-level operator under an authorisation."""

    __tablename__ = "public_licences"

    authorisation_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    licensee: str = Field(primary_key=True, max_length=42)
    scenarios_json: str = Field(sa_column=Column(Text, nullable=False))
    valid_until: int = Field(sa_type=BIG)
    terms_cid: Optional[str] = Field(default=None, max_length=64)
    revoked: bool = False
    revocation_reason: Optional[int] = None
    granted_at: int = Field(sa_type=BIG)
    granted_block: int = Field(sa_type=BIG)
    granted_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=BIG)


class AccountingRecord(TableModel, table=True):
    """A holder's accounting record of an asset (数据资产入表; FinanceRecords.AccountingRecorded): only the
    commitment (the private document's CID) and the auditor are public; the document, with its cost basis,
    category, useful life, amortisation and impairment, is kept encrypted and served to the holder and the
    auditor only. The latest revision per asset and holder; earlier ones are in the history."""

    __tablename__ = "accounting_records"

    asset_id: str = Field(primary_key=True, max_length=66)
    holder: str = Field(primary_key=True, max_length=42)
    auditor: Optional[str] = Field(default=None, index=True, max_length=42)
    document_cid: str = Field(max_length=64)
    revision: int
    recorded_at: int = Field(sa_type=BIG)
    recorded_block: int = Field(sa_type=BIG)
    recorded_tx: str = Field(max_length=66)


class FinanceRemark(TableModel, table=True):
    """A capital contribution (作价出资) or data-trust (数据信托) remark a holder recorded on an asset, with its
    counterparties (FinanceRecords.FinanceRemarkRecorded / FinanceRemarkEnded)."""

    __tablename__ = "finance_remarks"

    remark_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    asset_id: str = Field(index=True, max_length=66)
    holder: str = Field(index=True, max_length=42)
    kind: str = Field(max_length=32)  # vocabulary.FinanceRemarkKind key
    counterparty: str = Field(index=True, max_length=42)  # the investee, or the trustee
    beneficiaries: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of addresses (a trust's)
    document_cid: str = Field(max_length=64)
    effective_from: int = Field(sa_type=BIG)
    effective_until: int = Field(default=0, sa_type=BIG)  # 0: no fixed end
    ended: bool = False
    end_evidence_cid: Optional[str] = Field(default=None, max_length=64)
    ended_at: Optional[int] = Field(default=None, sa_type=BIG)
    ended_block: Optional[int] = Field(default=None, sa_type=BIG)
    recorded_at: int = Field(sa_type=BIG)
    recorded_block: int = Field(sa_type=BIG)
    recorded_tx: str = Field(max_length=66)


class Recognition(TableModel, table=True):
    """Another registry deployment the council recognises (一地登记、全国共享, RecognitionRegistry): its
    certificates are checked here by reading its chain, through the RPC endpoint configured for its chain id
    (DATAREG_RECOGNISED_RPC)."""

    __tablename__ = "recognitions"

    recognition_id: int = Field(primary_key=True, sa_type=BIG, sa_column_kwargs=CHAIN_NUMBERED)
    chain_id: int = Field(sa_type=BIG)
    data_registry: str = Field(max_length=42)
    registration_office: str = Field(max_length=42)
    from_block: int = Field(sa_type=BIG)
    region: str = Field(max_length=2)
    name: str
    status: int  # IRecognitionRegistry.RecognitionStatus
    recognised_at: int = Field(sa_type=BIG)
    recognised_block: int = Field(sa_type=BIG)
    recognised_tx: str = Field(max_length=66)
    withdrawn_at: Optional[int] = Field(default=None, sa_type=BIG)
    withdrawal_reason: Optional[int] = None
    updated_block: int = Field(sa_type=BIG)
