"""Read-side queries over the index, shared by the API's routes (which hold no logic of their own)."""
from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    tuple_,
    union_all,
)
from sqlalchemy import select as core_select
from sqlalchemy.engine import Row
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import Select as ModelSelect
from sqlmodel.sql.expression import SelectOfScalar

from registry.db.models import (
    CHECKPOINT,
    AccountingRecord,
    Asset,
    Attestation,
    Block,
    ChangeApplication,
    Checkpoint,
    Event,
    FinanceRemark,
    FreezeOrder,
    Lineage,
    Listing,
    Objection,
    Pledge,
    Registration,
    Right,
    RightVersion,
)
from registry.rules import RightState, asset_active, evaluate_rights  # noqa: F401 - RightState re-exported
from registry.vocabulary import AssetStatus, RightKind

# The largest LIMIT PostgreSQL takes (a bigint); an offset may be up to it.
MAX_INT64 = 2**63 - 1

#: `LIMIT 1` written into the statement. `.limit(1)` sends the 1 as a parameter: the generic plan of the prepared
#: statement, not knowing it, estimates a tenth of the table, judges itself costlier than a plan for the values,
#: and PostgreSQL plans the statement anew at every execution (3 ms for party_rights: a third of its time).
ONE: ColumnElement[int] = literal_column("1", Integer)


def _table_of(model: type[SQLModel]) -> Table:
    """The table a model maps (as registry.indexer.batch.table_of: SQLModel sets `__table__` on table models;
    its typing does not declare it)."""
    table: Table = getattr(model, "__table__")  # noqa: B009 - the attribute is not in SQLModel's type
    return table


def one_of(db: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`: on PostgreSQL as `column = ANY(array)`, one parameter whatever the number of values,
    so that the statement's text is the same for every list (SQLAlchemy compiles it once and psycopg prepares it)
    where an IN list is rendered anew, a placeholder per value, for each length (a tenth of a page of a hot
    asset's history went into compiling the IN lists of its derivations and of the names of its parties)."""
    if db.get_bind().dialect.name == "postgresql":
        return cast(ColumnElement[bool], column == any_(bindparam(None, list(values), type_=ARRAY(column.type))))
    return cast(ColumnElement[bool], column.in_(values))


def _latest_block_time() -> SelectOfScalar[int]:
    # The highest block is the latest (block times never go backwards): found by the primary key, where
    # max(timestamp) scanned every block.
    return select(Block.timestamp).order_by(col(Block.number).desc()).limit(ONE)


def now(db: Session) -> int:
    """The time validity is judged at: the wall clock, or the last indexed block's time if the chain's clock
    is ahead (the contract judges by block time; a test chain's clock can be moved forward)."""
    return _now_from(db.exec(_latest_block_time()).first())


def _now_from(latest_block_time: int | None) -> int:
    return max(int(time.time()), latest_block_time or 0)


def right_states(db: Session, asset: Asset, moment: int | None = None, *, indices: list[int] | None = None,
                 first: int | None = None) -> list[RightState]:
    """The current rights of an asset, each with whether it is valid now (or at `moment`). An asset may have
    thousands of grants: `indices` limits the answer to those rights and the rights they are granted from
    (on which their validity depends); `first` to the lowest-numbered rights (a right's parent always has a
    lower number than it, so their chains are among them)."""
    moment = now(db) if moment is None else moment
    if indices is not None:
        states = states_of(db, {(asset.asset_id, i) for i in indices}, {asset.asset_id: asset}, moment)
        return sorted(states.values(), key=lambda s: s.right.right_index)
    # Plain rows with a Right's columns: evaluate_rights reads only those attributes.
    from registry.db.authorisations import standing_of
    return evaluate_rights(cast(list[Right], first_rights(db, asset.asset_id, first)), asset_active(asset), moment,
                           standing_of(db, asset))


def first_rights(db: Session, asset_id: str, first: int | None = None) -> list[Row[Any]]:
    """The current rights of an asset by number, the first `first` of them: plain rows (with the columns of a
    Right as attributes), as the answers read them and nothing writes them back."""
    query = core_select(_table_of(Right)).where(col(Right.asset_id) == asset_id).order_by(col(Right.right_index))
    return list(db.execute(query.limit(first) if first is not None else query).all())


def states_of(db: Session, keys: set[tuple[str, int]], assets: dict[str, Asset], moment: int
              ) -> dict[tuple[str, int], RightState]:
    """The states at `moment` of the rights with these (asset id, right number) keys, across assets, and of
    the rights they are granted from: each right's chain read on its own, not every right of its asset."""
    from registry.db.authorisations import standings_of
    by_asset: dict[str, list[Right]] = {}
    for (asset_id, _), right in rights_with_ancestors(db, keys).items():
        by_asset.setdefault(asset_id, []).append(right)
    public = standings_of(db, (assets[a] for a in by_asset))
    return {(asset_id, s.right.right_index): s
            for asset_id, rights in by_asset.items()
            for s in evaluate_rights(rights, asset_active(assets[asset_id]), moment, public.get(asset_id))}


def rights_with_ancestors(db: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Right]:
    """The rights with these (asset id, right number) keys and every right they are granted from, a few
    hundred keys per query and one round per level of grants (at most 8 below a root)."""
    found: dict[tuple[str, int], Right] = {}
    wanted = list(keys)
    while wanted:
        level: list[Right] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            level += db.exec(select(Right).where(tuple_(Right.asset_id, Right.right_index).in_(chunk))).all()
        found.update(((r.asset_id, r.right_index), r) for r in level)
        wanted = list({(r.asset_id, r.parent_index) for r in level
                       if r.parent_index and (r.asset_id, r.parent_index) not in found})
    return found


def block_at(db: Session, moment: int) -> int | None:
    """The last indexed block at or before unix time `moment` (blocks without registry events change
    nothing, so the last one the index knows is the right one)."""
    # Block times never go backwards: the latest block at or before the moment is the first entry of
    # ix_blocks_time at or below it (max(number) over every earlier block read them all).
    return db.exec(select(Block.number).where(Block.timestamp <= moment)
                   .order_by(col(Block.timestamp).desc(), col(Block.number).desc()).limit(1)).first()


def block_time(db: Session, number: int) -> int | None:
    block = db.exec(select(Block).where(col(Block.number) <= number).order_by(col(Block.number).desc())).first()
    return block.timestamp if block else None


def rights_at(db: Session, asset: Asset, block: int, moment: int) -> list[RightState]:
    """Who held which right of an asset after block `block`, and whether each was valid at `moment`."""
    versions = db.exec(
        select(RightVersion).where(
            RightVersion.asset_id == asset.asset_id,
            RightVersion.since_block <= block,
            or_(col(RightVersion.until_block).is_(None), col(RightVersion.until_block) > block),
        )
    ).all()
    return evaluate_rights(list(versions), asset_active(asset), moment)


@dataclass(frozen=True)
class PartyRightRow:
    """One right a party holds or held. `row`: the right as it is now (the columns of a Right), since when the
    party holds it (v_since_block, v_since_time: the grant or transfer that gave it the right) and when the last
    version of it the party held ended (v_until_block, v_until_time), its asset's name
    (asset_name) and who it passed to if the party no longer holds it (transferred_to). `state`: whether it is
    valid now, for a right the party holds now; None for one it held before."""

    row: Row[Any]
    state: RightState | None


def party_rights(db: Session, party: str, limit: int, offset: int) -> list[PartyRightRow]:
    """A page of every right `party` holds or held, by asset and right number, with the last version in which
    the party held each, and whether each it holds now is valid now (see `now`).

    The page is cut in the database in the order of ix_right_versions_holder (holder, asset id, right number,
    since): the party's versions are read from that index alone, in order, and the last of each right's is
    the one whose next entry is another right (lead()), so the scan stops at the end of the page, however many
    rights the party has held. A ranking of every version of the party's rights (row_number() over a partition
    sorted the other way) read and sorted them all first: 44 ms for a page deep into a party with 7,500
    versions, against 6 ms. The page's versions, their rights, their assets' names, the versions that followed
    them and the clock are read in that one query, and the rights they are granted from in one more."""
    rows = db.execute(_party_rights_query(), {"party": party, "limit": limit, "offset": offset}).all()
    if not rows:
        return []
    moment = _now_from(rows[0].latest_block_time)
    held = [r for r in rows if r.holder == party]
    # Validity of the rights the party holds now: each with the rights it is granted from.
    found = {(r.asset_id, r.right_index): r for r in held}
    found.update(ancestors_of(db, held, found))
    by_asset: dict[str, list[Any]] = {}
    for (asset_id, _), right in found.items():
        by_asset.setdefault(asset_id, []).append(right)
    status = {r.asset_id: r.asset_status for r in held}
    states = {(asset_id, s.right.right_index): s
              for asset_id, group in by_asset.items()
              for s in evaluate_rights(group, status[asset_id] == AssetStatus.ACTIVE, moment)}
    return [PartyRightRow(r, states[(r.asset_id, r.right_index)] if r.holder == party else None) for r in rows]


@functools.cache
def _party_rights_query() -> Select[Any]:
    """The statement of party_rights, built once (parameters: party, limit, offset)."""
    versions = _table_of(RightVersion)
    # The page: the last version of each right the party held, in index order. The next entry of the index
    # after a right's last version is another right's: lead() finds it as the scan goes, and the scan stops at
    # the page's end. (DISTINCT on the rights was as quick alone, but planned for a page deep into a big party
    # with a parallel worker, whose start cost 5 ms; a window function keeps the plan in one process.)
    order = [versions.c[name] for name in ("asset_id", "right_index", "since_block", "since_log_index")]
    ordered = core_select(
        *order,
        func.lead(versions.c.asset_id).over(order_by=order).label("next_asset"),
        func.lead(versions.c.right_index).over(order_by=order).label("next_index"),
    ).where(versions.c.holder == bindparam("party")).subquery("ordered")
    page = (core_select(*(ordered.c[c.name] for c in order))
            .where(or_(ordered.c.next_asset.is_(None), ordered.c.next_asset != ordered.c.asset_id,
                       ordered.c.next_index != ordered.c.right_index))
            .order_by(ordered.c.asset_id, ordered.c.right_index)
            .limit(bindparam("limit")).offset(bindparam("offset"))
            .subquery("page"))
    v, following = versions.alias("v"), versions.alias("following")
    rights, assets = _table_of(Right), _table_of(Asset)
    # Since when the party holds it: the latest version in which the right came to the party (assigned, granted
    # or transferred to it), not the last version, which a renewal or a revocation also begins. One look-up in
    # ix_right_versions_holder per right.
    acquired = versions.alias("acquired")
    acquisition = (core_select(acquired.c.since_block, acquired.c.since_time)
                   .where(acquired.c.holder == bindparam("party"), acquired.c.asset_id == v.c.asset_id,
                          acquired.c.right_index == v.c.right_index,
                          acquired.c.change.in_(("assigned", "granted", "transferred")))
                   .order_by(acquired.c.since_block.desc(), acquired.c.since_log_index.desc())
                   .limit(ONE).correlate(v))
    return (
        core_select(
            *(rights.c[name] for name in _PARTY_RIGHT_COLUMNS),
            func.coalesce(acquisition.with_only_columns(acquired.c.since_block).scalar_subquery(),
                          v.c.since_block).label("v_since_block"),
            func.coalesce(acquisition.with_only_columns(acquired.c.since_time).scalar_subquery(),
                          v.c.since_time).label("v_since_time"),
            *(v.c[name].label(f"v_{name}") for name in ("until_block", "until_time")),
            assets.c.name.label("asset_name"), assets.c.status.label("asset_status"),
            # The holder of the version that began where the party's last one ended: whom the right passed to.
            case((and_(rights.c.holder != v.c.holder, v.c.until_block.is_not(None)), following.c.holder),
                 else_=None).label("transferred_to"),
            _latest_block_time().scalar_subquery().label("latest_block_time"),
        )
        .select_from(page)
        .join(v, and_(*(v.c[c.name] == page.c[c.name] for c in order)))
        .join(rights, and_(rights.c.asset_id == v.c.asset_id, rights.c.right_index == v.c.right_index))
        .outerjoin(assets, assets.c.asset_id == v.c.asset_id)
        .outerjoin(following, and_(following.c.asset_id == v.c.asset_id, following.c.right_index == v.c.right_index,
                                   following.c.since_block == v.c.until_block,
                                   following.c.since_log_index == v.c.until_log_index))
        .order_by(v.c.asset_id, v.c.right_index)
    )


# What a party's right answers with, and what its validity reads.
_PARTY_RIGHT_COLUMNS = ("asset_id", "right_index", "holder", "kind", "parent_index", "valid_from", "valid_until",
                        "revoked", "pending", "grantor", "purpose", "territory", "quantity", "terms_cid")
# What validity reads of the rights a right is granted from.
_CHAIN_COLUMNS = ("asset_id", "right_index", "parent_index", "revoked", "pending", "valid_from", "valid_until")


def ancestors_of(db: Session, rights: Sequence[Any], known: Mapping[tuple[str, int], object]
                 ) -> dict[tuple[str, int], Row[Any]]:
    """Every right the given rights are granted from (their parents, the parents' parents, ... up to the
    root), except those in `known`, in one recursive query (at most 8 levels below a root): rows with the
    columns validity reads (_CHAIN_COLUMNS)."""
    wanted = sorted({(r.asset_id, r.parent_index) for r in rights
                     if r.parent_index and (r.asset_id, r.parent_index) not in known})
    found: dict[tuple[str, int], Row[Any]] = {}
    postgresql = db.get_bind().dialect.name == "postgresql"
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        if postgresql:
            rows = db.execute(_ancestors_query(True), {"key_assets": [k[0] for k in chunk],
                                                       "key_indices": [k[1] for k in chunk]})
        else:
            rows = db.execute(_ancestors_query(False), {"keys": chunk})
        found.update(((r.asset_id, r.right_index), r) for r in rows)
    return {key: right for key, right in found.items() if key not in known}


@functools.cache
def _ancestors_query(postgresql: bool) -> Select[Any]:
    table = _table_of(Right)
    seed = core_select(*(table.c[name] for name in _CHAIN_COLUMNS))
    if postgresql:
        # The keys as a table of two arrays: a list of (asset id, number) pairs is planned as an OR of each pair,
        # estimated from the column statistics (a hot asset's rights made it thousands of rows a pair, and the
        # plan a parallel scan of the whole table); a join with the arrays looks each key up once.
        keys = func.unnest(bindparam("key_assets", type_=ARRAY(Text)), bindparam("key_indices", type_=ARRAY(Integer))
                           ).table_valued("asset_id", "right_index").render_derived().alias("keys")
        seed = seed.select_from(keys).join(table, and_(table.c.asset_id == keys.c.asset_id,
                                                       table.c.right_index == keys.c.right_index))
    else:
        seed = seed.where(tuple_(table.c.asset_id, table.c.right_index).in_(bindparam("keys", expanding=True)))
    chain = seed.cte("chain", recursive=True)
    below, parent = chain.alias("below"), table.alias("parent")
    chain = chain.union(
        core_select(*(parent.c[name] for name in _CHAIN_COLUMNS)).select_from(below)
        .join(parent, and_(parent.c.asset_id == below.c.asset_id, parent.c.right_index == below.c.parent_index)))
    return core_select(chain)


def list_assets(
    db: Session,
    *,
    holder: str | None = None,
    kind: RightKind | None = None,
    classification: int | None = None,
    registrant: str | None = None,
    text: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[Asset], int]:
    query = select(Asset)
    if holder is not None or kind is not None:
        rights = select(Right.asset_id)
        if holder is not None:
            rights = rights.where(Right.holder == holder)
        if kind is not None:
            rights = rights.where(Right.kind == int(kind))
        query = query.where(col(Asset.asset_id).in_(rights))
    if classification is not None:
        query = query.where(Asset.classification == classification)
    if registrant is not None:
        query = query.where(Asset.registrant == registrant)
    if text:
        pattern = f"%{like_literal(text)}%"
        # Text without cased letters (Chinese, digits, signs) matches the same with LIKE as with ILIKE, which
        # lower-cases every value it reads first: LIKE reads the rows no trigram index serves (words of one or
        # two characters; every row on SQLite) in 40% of the time. Both use the trigram indexes (migration 0030).
        if text.lower() == text.upper():
            match = or_(col(Asset.name).like(pattern, escape="\\"), col(Asset.summary).like(pattern, escape="\\"))
        else:
            match = or_(col(Asset.name).ilike(pattern, escape="\\"), col(Asset.summary).ilike(pattern, escape="\\"))
        query = query.where(match)
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(
        query.order_by(col(Asset.registered_block).desc(), col(Asset.registered_log_index).desc())
        .limit(limit).offset(offset)
    ).all()
    return list(rows), count


def like_literal(text: str) -> str:
    """`text` as a LIKE pattern that matches exactly it: its % and _ (wildcards) and \\ (the escape character,
    given as ESCAPE to SQLite and PostgreSQL alike) escaped, so that a search for "%" finds a percent sign
    rather than every asset."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lineage(db: Session, asset_id: str, derived_asset: bool = True) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """(sources this asset was derived from, assets derived from it). With `derived_asset` False (the asset's
    `derived` flag is not set), sources are not looked for: the contract sets the flag exactly when a
    registration names sources, and emits their AssetDerived events in the same transaction."""
    # In chain order, then by id: without an ORDER BY the order was the plan's, and a prepared statement's
    # generic plan changed it. Plain rows (the columns of a Lineage as attributes): a source may have a hundred
    # derived assets.
    table = _table_of(Lineage)
    sources = db.execute(core_select(table).where(table.c.asset_id == asset_id)
                         .order_by(table.c.block_number, table.c.source_asset_id)).all() if derived_asset else []
    derived = db.execute(core_select(table).where(table.c.source_asset_id == asset_id)
                         .order_by(table.c.block_number, table.c.asset_id)).all()
    return list(sources), list(derived)


@dataclass(frozen=True)
class AssetOverview:
    """What an asset's detail reads besides its rights and lineage, from one query: the asset, the indexer's
    checkpoint, the time validity is judged at, the registration event, the registration, and which of the
    asset's listings, pledges, attestations, objections, freeze orders, change applications, finance remarks and
    accounting records exist (most assets have none, and a section with none needs no query of its own)."""

    asset: Asset
    indexed_block: int | None
    head_block: int | None  # the head the indexer last saw, or the indexed block if it saw none
    now: int
    event: Event | None
    registration: Registration | None
    has_listings: bool
    has_pledges: bool
    has_attestations: bool
    has_objections: bool
    has_freeze_orders: bool
    has_change_application: bool
    has_finance_remarks: bool
    has_accounting_records: bool


# The tables whose rows for the asset AssetOverview tells exist, in the order of its has_... fields.
_OVERVIEW_SECTIONS = (Listing, Pledge, Attestation, Objection, FreezeOrder, ChangeApplication, FinanceRemark,
                      AccountingRecord)


def asset_overview(db: Session, asset_id: str) -> AssetOverview | None:
    """The asset and the rest of AssetOverview, or None if the index has no such asset."""
    row = db.exec(_asset_overview_query(), params={"asset_id": asset_id}).first()
    if row is None:
        return None
    asset, event, registration, indexed, head, latest, *sections = row
    listings, pledges, attestations, objections, orders, change, remarks, records = (bool(s) for s in sections)
    return AssetOverview(asset=asset, indexed_block=indexed, head_block=head if head is not None else indexed,
                         now=_now_from(latest), event=event, registration=registration, has_listings=listings,
                         has_pledges=pledges, has_attestations=attestations, has_objections=objections,
                         has_freeze_orders=orders, has_change_application=change, has_finance_remarks=remarks,
                         has_accounting_records=records)


@functools.cache
def _asset_overview_query() -> ModelSelect[*tuple[Any, ...]]:
    """The statement of asset_overview, built once (parameter: asset_id)."""
    checkpoint = select(Checkpoint).where(Checkpoint.name == CHECKPOINT)
    registration_event = and_(col(Event.block_number) == Asset.registered_block,
                              col(Event.log_index) == Asset.registered_log_index)
    # sqlmodel types select() for at most 4 entities; it takes any number.
    query: ModelSelect[*tuple[Any, ...]] = (
        select(  # type: ignore[call-overload]
            Asset, Event, Registration,
            checkpoint.with_only_columns(col(Checkpoint.block_number)).scalar_subquery(),
            checkpoint.with_only_columns(col(Checkpoint.head_block)).scalar_subquery(),
            _latest_block_time().scalar_subquery(),
            *(exists().where(col(model.asset_id) == Asset.asset_id) for model in _OVERVIEW_SECTIONS),
        )
        .outerjoin(Event, registration_event)
        .outerjoin(Registration, Registration.asset_id == Asset.asset_id)
        .where(Asset.asset_id == bindparam("asset_id"))
    )
    return query


def registration_event(db: Session, asset: Asset) -> Event | None:
    return db.exec(
        select(Event).where(
            Event.block_number == asset.registered_block, Event.log_index == asset.registered_log_index
        )
    ).first()


def checkpoint(db: Session) -> Checkpoint | None:
    return db.get(Checkpoint, CHECKPOINT)


def metadata_document(asset: Asset) -> dict[str, Any] | None:
    return json.loads(asset.metadata_json) if asset.metadata_json else None


def history(
    db: Session,
    asset_id: str,
    *,
    kind: int | None = None,
    party: str | None = None,
    since_block: int | None = None,
    until_block: int | None = None,
    after: tuple[int, int] | None = None,
    limit: int = 100,
    offset: int = 0,
    check_asset: bool = False,
) -> tuple[Sequence[Row[Any]], int] | None:
    """An asset's events in chain order, filtered, one page at a time: the page after the event at `after`
    (block, log index) if given, else at `offset`, as rows with the columns of an Event. The count is of every
    event matching the filters. With `check_asset`, None if the index has no such asset (checked in the same
    query as the page).

    The count is read only when the page does not tell it: a page shorter than `limit` at an offset ends the
    history, so the count is the offset plus its length (the first page of most assets, the last of any). A
    hot asset's count reads tens of thousands of index entries (4 ms for 40,000)."""
    derivations = derivations_of(db, asset_id)
    # Its own events, and the derivations made from it (AssetDerived events of other assets naming it as a
    # source). Each is read on an index of its own, in chain order, and the two are merged: one condition
    # `asset_id = X OR id IN (...)` could use neither index's order, so the database read and sorted every
    # event of the asset for any page, and counted them from the table (200 ms for 40,000 events against 4 ms
    # from the index). Most assets have no derivations, and their query stays on the asset's index alone.
    filters: list[ColumnElement[bool]] = []
    if kind is not None:
        filters.append(col(Event.kind) == kind)
    if party is not None:
        filters.append(or_(col(Event.actor) == party, col(Event.party) == party))
    if since_block is not None:
        filters.append(col(Event.block_number) >= since_block)
    if until_block is not None:
        filters.append(col(Event.block_number) <= until_block)
    branches = [col(Event.asset_id) == asset_id] + ([one_of(db, col(Event.id), derivations)] if derivations else [])
    on_page = filters + ([tuple_(Event.block_number, Event.log_index) > after] if after is not None else [])
    order = (col(Event.block_number), col(Event.log_index))
    # The page is cut among the index's entries (ids only), then only its rows are read: an offset deep into
    # a hot asset's history otherwise reads every row before it.
    if len(branches) == 1:
        page = select(Event.id).where(branches[0], *on_page).order_by(*order).limit(limit).offset(offset)
    else:
        # Each branch in chain order, the asset's cut at the page's end (no more of it can be on the page).
        end = min(offset + limit, MAX_INT64)
        position = (col(Event.id), col(Event.block_number), col(Event.log_index))
        own = core_select(*position).where(branches[0], *on_page).order_by(*order).limit(end).subquery("own")
        merged = union_all(core_select(own.c.id, own.c.block_number, own.c.log_index),
                           core_select(*position).where(branches[1], *on_page)).subquery("merged")
        page = (select(merged.c.id).order_by(merged.c.block_number, merged.c.log_index)
                .limit(limit).offset(offset))
    known = exists().where(col(Asset.asset_id) == asset_id)
    events = _table_of(Event)
    rows = db.execute(core_select(events, *([known.label("known")] if check_asset else []))
                      .where(events.c.id.in_(page.scalar_subquery()))
                      .order_by(events.c.block_number, events.c.log_index)).all()
    if check_asset and not rows and not db.execute(core_select(known)).scalar():
        return None
    if after is None and len(rows) < limit and (rows or offset == 0):
        return rows, offset + len(rows)
    # The branches never share an event: a derivation is an event of the derived asset, never of its source.
    counts = [core_select(func.count()).select_from(Event).where(branch, *filters) for branch in branches]
    count = sum(db.execute(union_all(*counts) if len(counts) > 1 else counts[0]).scalars())
    return rows, count


def derivations_of(db: Session, source_asset_id: str) -> list[int]:
    """The ids of the AssetDerived events that name `source_asset_id` as a source (an asset derived from
    several sources has one such event per source, all with its own asset id)."""
    rows = db.execute(_derivations_query(), {"source": source_asset_id}).all()
    # An indexed event's id is never None.
    return [cast(int, event_id) for event_id, args_json in rows
            if json.loads(args_json).get("sourceAssetId") == source_asset_id]


@functools.cache
def _derivations_query() -> Select[Any]:
    """The statement of derivations_of, built once (parameter: source); every history page asks it, and building
    it was a fifth of the page's time in the API."""
    events, lineage = _table_of(Event), _table_of(Lineage)
    # Each lineage row was written from its AssetDerived event, in that event's block: the event is found on
    # ix_events_asset_position by (asset, block), not among every event of each derived asset.
    return (core_select(events.c.id, events.c.args_json)
            .join(lineage, and_(lineage.c.asset_id == events.c.asset_id,
                                lineage.c.block_number == events.c.block_number))
            .where(lineage.c.source_asset_id == bindparam("source"), events.c.name == "AssetDerived"))


def lineage_graph(db: Session, asset_id: str, depth: int,
                  max_nodes: int = 2_000) -> tuple[dict[str, int], list[Lineage]]:
    """Ancestors and descendants up to `depth` steps: {asset id: level} (negative for sources) and edges."""
    levels = {asset_id: 0}
    edges: dict[tuple[str, str], Lineage] = {}
    for direction in (-1, 1):
        frontier = [asset_id]
        for step in range(1, depth + 1):
            if not frontier or len(levels) >= max_nodes:
                break
            column = col(Lineage.asset_id) if direction < 0 else col(Lineage.source_asset_id)
            links = db.exec(select(Lineage).where(column.in_(frontier))).all()
            frontier = []
            for link in links:
                edges[(link.source_asset_id, link.asset_id)] = link
                other = link.source_asset_id if direction < 0 else link.asset_id
                if other not in levels:
                    levels[other] = direction * step
                    frontier.append(other)
    return levels, list(edges.values())
