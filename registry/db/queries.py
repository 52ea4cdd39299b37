"""Read-side queries over the index, shared by the API's routes (which hold no logic of their own)."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import func, or_, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from registry.chain.types import RightKind
from registry.db.models import (
    CHECKPOINT,
    Asset,
    Block,
    Checkpoint,
    Event,
    Lineage,
    Right,
    RightVersion,
)


@dataclass(frozen=True)
class RightState:
    right: Right | RightVersion
    valid: bool
    reason: str | None  # why not valid: revoked, parent_revoked, expired, not_yet_valid, asset_cancelled, ...
    chain: tuple[int, ...]  # the right, its parent, ... up to its root: on whose authority it is held


def evaluate_rights(rights: list[Right] | list[RightVersion], asset_active: bool, now: int) -> list[RightState]:
    """Whether each right is valid at `now` and, if not, why. Mirrors the contract's rightValidity: a right
    is valid when it and all its ancestors are unrevoked and within their terms, on an active asset."""
    by_index = {r.right_index: r for r in rights}

    def reason_for(right, own: bool) -> str | None:
        while True:
            if right.revoked:
                return "revoked" if own else "parent_revoked"
            if right.valid_from and right.valid_from > now:
                return "not_yet_valid" if own else "parent_not_yet_valid"
            if right.valid_until and right.valid_until <= now:
                return "expired" if own else "parent_expired"
            if right.parent_index == 0 or right.parent_index not in by_index:
                return None
            right, own = by_index[right.parent_index], False

    def chain_of(index: int) -> tuple[int, ...]:
        chain = [index]
        while by_index[chain[-1]].parent_index in by_index:
            chain.append(by_index[chain[-1]].parent_index)
        return tuple(chain)

    states = []
    for index in sorted(by_index):
        reason = "asset_cancelled" if not asset_active else reason_for(by_index[index], True)
        states.append(RightState(by_index[index], reason is None, reason, chain_of(index)))
    return states


def now(db: Session) -> int:
    """The time validity is judged at: the wall clock, or the last indexed block's time if the chain's clock
    is ahead (the contract judges by block time; a test chain's clock can be moved forward)."""
    # The highest block is the latest (block times never go backwards): found by the primary key, where
    # max(timestamp) scanned every block.
    latest = db.exec(select(Block.timestamp).order_by(Block.number.desc()).limit(1)).first()
    return max(int(time.time()), latest or 0)


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
    query = select(Right).where(Right.asset_id == asset.asset_id).order_by(Right.right_index)
    rights = list(db.exec(query.limit(first) if first is not None else query).all())
    return evaluate_rights(rights, asset.status == 1, moment)


def states_of(db: Session, keys: set[tuple[str, int]], assets: dict[str, Asset], moment: int
              ) -> dict[tuple[str, int], RightState]:
    """The states at `moment` of the rights with these (asset id, right number) keys, across assets, and of
    the rights they are granted from: each right's chain read on its own, not every right of its asset."""
    by_asset: dict[str, list[Right]] = {}
    for (asset_id, _), right in rights_with_ancestors(db, keys).items():
        by_asset.setdefault(asset_id, []).append(right)
    return {(asset_id, s.right.right_index): s
            for asset_id, rights in by_asset.items()
            for s in evaluate_rights(rights, assets[asset_id].status == 1, moment)}


def rights_with_ancestors(db: Session, keys: set[tuple[str, int]]) -> dict[tuple[str, int], Right]:
    """The rights with these (asset id, right number) keys and every right they are granted from, a few
    hundred keys per query and one round per level of grants (at most 8 below a root)."""
    found: dict[tuple[str, int], Right] = {}
    wanted = list(keys)
    while wanted:
        level = []
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
    return db.exec(select(func.max(Block.number)).where(Block.timestamp <= moment)).one()


def block_time(db: Session, number: int) -> int | None:
    block = db.exec(select(Block).where(Block.number <= number).order_by(Block.number.desc())).first()
    return block.timestamp if block else None


def rights_at(db: Session, asset: Asset, block: int, moment: int) -> list[RightState]:
    """Who held which right of an asset after block `block`, and whether each was valid at `moment`."""
    versions = db.exec(
        select(RightVersion).where(
            RightVersion.asset_id == asset.asset_id,
            RightVersion.since_block <= block,
            or_(RightVersion.until_block.is_(None), RightVersion.until_block > block),
        )
    ).all()
    return evaluate_rights(list(versions), asset.status == 1, moment)


def party_rights(db: Session, party: str, limit: int, offset: int
                 ) -> list[tuple[Right, RightVersion, RightVersion | None]]:
    """A page of every right `party` holds or held, by asset and right number: (the right as it is now, the
    last version in which the party held it, the version that followed it if the right has changed hands
    since). The page is cut in the database, and what it needs is read a few hundred rows per query, so a
    party with thousands of rights costs no more per page than one with a few."""
    latest = select(
        RightVersion,
        func.row_number().over(
            partition_by=(RightVersion.asset_id, RightVersion.right_index),
            order_by=(RightVersion.since_block.desc(), RightVersion.since_log_index.desc()),
        ).label("n"),
    ).where(RightVersion.holder == party).subquery()
    last = aliased(RightVersion, latest)
    versions = db.exec(select(last).where(latest.c.n == 1).order_by(latest.c.asset_id, latest.c.right_index)
                       .limit(limit).offset(offset)).all()
    keys = [(v.asset_id, v.right_index) for v in versions]
    rights = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rights.update(((r.asset_id, r.right_index), r)
                      for r in db.exec(select(Right).where(tuple_(Right.asset_id, Right.right_index).in_(chunk))))
    # The version after the party's last one, for rights that have changed hands since.
    moved = [(v.asset_id, v.right_index, v.until_block, v.until_log_index) for v in versions
             if rights[(v.asset_id, v.right_index)].holder != party and v.until_block is not None]
    following = {}
    for start in range(0, len(moved), 500):
        chunk = moved[start:start + 500]
        columns = tuple_(RightVersion.asset_id, RightVersion.right_index, RightVersion.since_block,
                         RightVersion.since_log_index)
        following.update(((f.asset_id, f.right_index), f) for f in db.exec(select(RightVersion).where(columns.in_(chunk))))
    return [(rights[(v.asset_id, v.right_index)], v, following.get((v.asset_id, v.right_index))) for v in versions]


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
        query = query.where(Asset.asset_id.in_(rights))
    if classification is not None:
        query = query.where(Asset.classification == classification)
    if registrant is not None:
        query = query.where(Asset.registrant == registrant)
    if text:
        pattern = f"%{text}%"
        query = query.where(or_(Asset.name.ilike(pattern), Asset.summary.ilike(pattern)))
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    rows = db.exec(
        query.order_by(Asset.registered_block.desc(), Asset.registered_log_index.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), count


def lineage(db: Session, asset_id: str) -> tuple[list[Lineage], list[Lineage]]:
    """(sources this asset was derived from, assets derived from it)."""
    sources = db.exec(select(Lineage).where(Lineage.asset_id == asset_id)).all()
    derived = db.exec(select(Lineage).where(Lineage.source_asset_id == asset_id)).all()
    return list(sources), list(derived)


def registration_event(db: Session, asset: Asset) -> Event | None:
    return db.exec(
        select(Event).where(
            Event.block_number == asset.registered_block, Event.log_index == asset.registered_log_index
        )
    ).first()


def checkpoint(db: Session) -> Checkpoint | None:
    return db.get(Checkpoint, CHECKPOINT)


def metadata_document(asset: Asset) -> dict | None:
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
) -> tuple[list[Event], int]:
    """An asset's events in chain order, filtered, one page at a time: the page after the event at `after`
    (block, log index) if given, else at `offset`. The count is of every event matching the filters."""
    query = select(Event).where(Event.asset_id == asset_id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if party is not None:
        query = query.where(or_(Event.actor == party, Event.party == party))
    if since_block is not None:
        query = query.where(Event.block_number >= since_block)
    if until_block is not None:
        query = query.where(Event.block_number <= until_block)
    count = db.exec(select(func.count()).select_from(query.subquery())).one()
    if after is not None:
        query = query.where(tuple_(Event.block_number, Event.log_index) > after)
    # The page is cut among the index's entries (ids only), then only its rows are read: an offset deep into
    # a hot asset's history otherwise reads every row before it.
    page = query.with_only_columns(Event.id).order_by(Event.block_number, Event.log_index).limit(limit).offset(offset)
    rows = db.exec(select(Event).where(Event.id.in_(page.scalar_subquery()))
                   .order_by(Event.block_number, Event.log_index)).all()
    return list(rows), count


def lineage_graph(db: Session, asset_id: str, depth: int, max_nodes: int = 2_000) -> tuple[dict[str, int], list[Lineage]]:
    """Ancestors and descendants up to `depth` steps: {asset id: level} (negative for sources) and edges."""
    levels = {asset_id: 0}
    edges: dict[tuple[str, str], Lineage] = {}
    for direction in (-1, 1):
        frontier = [asset_id]
        for step in range(1, depth + 1):
            if not frontier or len(levels) >= max_nodes:
                break
            column = Lineage.asset_id if direction < 0 else Lineage.source_asset_id
            links = db.exec(select(Lineage).where(column.in_(frontier))).all()
            frontier = []
            for link in links:
                edges[(link.source_asset_id, link.asset_id)] = link
                other = link.source_asset_id if direction < 0 else link.asset_id
                if other not in levels:
                    levels[other] = direction * step
                    frontier.append(other)
    return levels, list(edges.values())
