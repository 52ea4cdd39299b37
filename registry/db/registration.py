"""The registration procedure over the index: applications, publicity notices, objections, remarks and
attestations, and the rows an asset's legal status is judged from. Their statuses are judged by
registry/rules.py."""
from __future__ import annotations

import functools
import json
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, String, any_, bindparam, exists
from sqlalchemy import select as core_select
from sqlmodel import Session, col, or_, select

from registry import rules
from registry.db.models import (
    Asset,
    Attestation,
    Engagement,
    Event,
    FreezeOrder,
    Objection,
    Pledge,
    Qualification,
    Registration,
)


def objections(db: Session, asset_id: str) -> list[Objection]:
    return list(db.exec(select(Objection).where(Objection.asset_id == asset_id).order_by(col(Objection.objection_id))))


def pledges(db: Session, asset_id: str) -> list[Pledge]:
    return list(db.exec(select(Pledge).where(Pledge.asset_id == asset_id).order_by(col(Pledge.recorded_block))))


def in_stage(db: Session, stage: str | None, registrar: str | None, limit: int, offset: int,
             publicity_running_at: int | None = None, hidden: frozenset[str] = frozenset(),
             party: str | None = None) -> list[Registration]:
    """Applications at `stage` (any), of `registrar` (any), newest first; with `publicity_running_at`, only those
    whose publicity has not ended then; those at a `hidden` stage only when `party` is their applicant or
    registrar."""
    query = select(Registration)
    if stage:
        query = query.where(Registration.stage == stage)
    if publicity_running_at is not None:
        query = query.where(col(Registration.publicity_ends) > publicity_running_at)
    if registrar:
        query = query.where(Registration.registrar == registrar)
    if hidden:
        shown: ColumnElement[bool] = col(Registration.stage).not_in(list(hidden))
        if party:
            shown = or_(shown, Registration.applicant == party, Registration.registrar == party)
        query = query.where(shown)
    return list(db.exec(query.order_by(col(Registration.updated_block).desc()).limit(limit).offset(offset)))


def publicity_fields(asset: Asset | None) -> dict[str, Any]:
    """The parts of the metadata the guideline makes public during publicity."""
    document = json.loads(asset.metadata_json) if asset and asset.metadata_json else {}
    return {
        "applicant_name": (document.get("applicant") or {}).get("name"),
        "data_name": document.get("name"),
        "summary": document.get("summary"),
        "restrictions": document.get("restrictions"),
    }


def attestations(db: Session, asset_id: str) -> list[Attestation]:
    return list(db.exec(select(Attestation).where(Attestation.asset_id == asset_id)
                        .order_by(col(Attestation.attestation_id))))


def qualifications(db: Session, account: str) -> list[Qualification]:
    """A participant's qualification records, the current one (highest serial) first."""
    return list(db.exec(select(Qualification).where(Qualification.account == account)
                        .order_by(col(Qualification.serial).desc())))


def current_qualification(db: Session, account: str) -> Qualification | None:
    return db.exec(select(Qualification).where(Qualification.account == account)
                   .order_by(col(Qualification.serial).desc())).first()


def engagements(db: Session, asset_id: str) -> list[Engagement]:
    return list(db.exec(select(Engagement).where(Engagement.asset_id == asset_id)
                        .order_by(col(Engagement.engagement_id))))


def acceptance_time(db: Session, reg: Registration) -> int | None:
    """When the registrar accepted or returned the application filed in block `reg.applied_block`: the time of the
    first ApplicationAccepted or ApplicationReturned after its ApplicationFiled (None: not yet)."""
    filed = db.exec(select(Event).where(Event.asset_id == reg.asset_id, Event.name == "ApplicationFiled",
                                        Event.block_number == reg.applied_block)
                    .order_by(col(Event.log_index).desc())).first()
    after = filed.log_index if filed else -1
    step = db.exec(select(Event).where(
        Event.asset_id == reg.asset_id, col(Event.name).in_(("ApplicationAccepted", "ApplicationReturned")),
        or_(Event.block_number > reg.applied_block,
            (Event.block_number == reg.applied_block) & (Event.log_index > after)),
        Event.block_number <= reg.updated_block,
    ).order_by(col(Event.block_number), col(Event.log_index))).first()
    return step.timestamp if step else None


def latest_freeze_event(db: Session, asset_id: str) -> Event | None:
    return db.exec(select(Event).where(Event.asset_id == asset_id, Event.name == "AssetFrozen")
                   .order_by(col(Event.block_number).desc(), col(Event.log_index).desc())).first()


def legal_status(db: Session, asset: Asset | None, now: int, registration: Registration | None = None,
                 frozen_event: Event | None = None) -> rules.LegalState:
    """The asset's legal status at `now` (registry/rules.legal_status), from its rows in the index: its
    application, standing freeze orders, pledges and objections. `registration`: the row when the caller has it."""
    if asset is None:
        return rules.legal_status(None, None, [], [], [], now)
    return legal_statuses(db, [asset], now, {asset.asset_id: registration} if registration else None,
                          frozen_event)[asset.asset_id]


@functools.cache
def _sections_query(postgresql: bool) -> Select[str, bool, bool, bool, bool]:
    """For each of the assets with the ids given as "ids": whether it has a registration, a standing freeze order,
    an active pledge, an objection. Built once; the ids as one array on PostgreSQL (as queries.one_of)."""
    asset = col(Asset.asset_id)
    ids = bindparam("ids", type_=ARRAY(String)) if postgresql else bindparam("ids", expanding=True)
    return core_select(
        asset,
        exists().where(col(Registration.asset_id) == asset),
        exists().where(col(FreezeOrder.asset_id) == asset, col(FreezeOrder.active).is_(True)),
        exists().where(col(Pledge.asset_id) == asset, col(Pledge.active).is_(True)),
        exists().where(col(Objection.asset_id) == asset),
    ).where(asset == any_(ids) if postgresql else asset.in_(ids))


def legal_statuses(db: Session, assets: list[Asset], now: int,
                   registrations: dict[str, Registration] | None = None,
                   frozen_event: Event | None = None) -> dict[str, rules.LegalState]:
    """The legal status of each asset, by asset id: for the whole list (a page of search results), not per asset,
    one query for which kinds of rows the assets have, then one per kind that some have."""
    ids = [a.asset_id for a in assets]
    if not ids:
        return {}
    regs = dict(registrations or {})
    # Which of the assets have a registration, standing freeze orders, active pledges or objections, in one query:
    # most have none of them (a page of search results, a lineage graph), and each kind's rows are read only for
    # the assets that have some (four queries for any list took two fifths of a lineage graph's request).
    sections = db.execute(_sections_query(db.get_bind().dialect.name == "postgresql"), {"ids": ids}).all()
    registered, ordered, pledged_ids, objected_ids = ([row.asset_id for row in sections if row[n]] for n in range(1, 5))
    missing = [i for i in registered if i not in regs]
    if missing:
        regs |= {r.asset_id: r for r in db.exec(select(Registration).where(col(Registration.asset_id).in_(missing)))}
    orders: dict[str, list[FreezeOrder]] = {i: [] for i in ids}
    if ordered:
        standing = select(FreezeOrder).where(col(FreezeOrder.asset_id).in_(ordered), col(FreezeOrder.active).is_(True))
        for order in db.exec(standing):
            orders[order.asset_id].append(order)
    pledged: dict[str, list[Pledge]] = {i: [] for i in ids}
    if pledged_ids:
        active = select(Pledge).where(col(Pledge.asset_id).in_(pledged_ids), col(Pledge.active).is_(True))
        for pledge in db.exec(active):
            pledged[pledge.asset_id].append(pledge)
    objected: dict[str, list[Objection]] = {i: [] for i in ids}
    if objected_ids:
        for objection in db.exec(select(Objection).where(col(Objection.asset_id).in_(objected_ids))):
            objected[objection.asset_id].append(objection)
    from registry.db.authorisations import standings_of
    public = standings_of(db, assets)
    return {a.asset_id: rules.legal_status(a, regs.get(a.asset_id), orders[a.asset_id], pledged[a.asset_id],
                                           objected[a.asset_id], now, frozen_event, public.get(a.asset_id))
            for a in assets}
