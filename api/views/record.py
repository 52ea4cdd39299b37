"""The record authority's parts of an asset's detail (issue 13): its freeze orders with their place in the
waiting list, its versions (current or superseded) and its latest change registration. Each takes the rows to
show when they are not the index's current ones (an as-of view), and otherwise reads the index."""
from __future__ import annotations

from api.schemas import AssetVersionPublic, ChangeApplicationPublic, FreezeOrderPublic, ReasonPublic, iso
from api.views.privacy import Audience
from api.views.registration import participant_name
from registry.db import record
from registry.db.models import Asset, AssetVersion, ChangeApplication, FreezeOrder
from registry.vocabulary import Attribute, Classification, RefusalReason


def _flags(attributes: int) -> dict[str, bool]:
    return dict(personal_information=bool(attributes & Attribute.PERSONAL),
                sensitive_personal_information=bool(attributes & Attribute.SENSITIVE),
                export_allowed=bool(attributes & Attribute.EXPORT))


def freeze_orders_public(db, asset: Asset, orders: list[FreezeOrder] | None = None) -> list[FreezeOrderPublic]:
    orders = record.freeze_orders(db, asset.asset_id) if orders is None else orders
    standing = [o.order_id for o in orders if o.active]
    return [FreezeOrderPublic(
        order_id=o.order_id, regulator=o.regulator, regulator_name=participant_name(db, o.regulator),
        order_reference=o.order_reference, evidence_cid=o.evidence_cid, waiting=o.waiting,
        waiting_position=standing.index(o.order_id) + 1 if o.active else None, active=o.active,
        released_by=o.released_by, released_by_admin=o.released_by_admin,
        release_evidence_cid=o.release_evidence_cid, ordered_at=iso(o.ordered_at), ordered_block=o.ordered_block,
        ordered_tx=o.ordered_tx, released_block=o.released_block,
    ) for o in orders]


def versions_public(db, asset: Asset, versions: list[AssetVersion] | None = None) -> list[AssetVersionPublic]:
    versions = record.versions(db, asset.asset_id) if versions is None else versions
    return [AssetVersionPublic(
        version=v.version, content_hash=v.content_hash, metadata_cid=v.metadata_cid,
        classification=Classification(v.classification).label, **_flags(v.attributes),
        derived=bool(v.attributes & Attribute.DERIVED), current=v.version == asset.version,
        recorded_at=iso(v.timestamp), block_number=v.block_number, tx_hash=v.tx_hash,
    ) for v in versions]


def change_application_public(db, asset: Asset, change: ChangeApplication | None = None,
                              read: bool = True, audience: Audience | None = None) -> ChangeApplicationPublic | None:
    """`read`: whether to read the index (False: `change` is the answer, an as-of view's). Its documents only for
    the parties to the asset's applications and regulators (`audience`; default anonymous): null for others."""
    change = record.change_application(db, asset.asset_id) if read and change is None else change
    if change is None:
        return None
    audience = audience or Audience(db)
    documents = change.documents_cid
    if documents and not audience.may(audience.parties(asset.asset_id) | {change.applicant, change.registrar}):
        documents = None
        audience.withhold("change_application.documents_cid")
    return ChangeApplicationPublic(
        status=change.status, applicant=change.applicant, registrar=change.registrar,
        registrar_name=participant_name(db, change.registrar), metadata_cid=change.metadata_cid,
        content_hash=change.content_hash, classification=Classification(change.classification).label,
        **_flags(change.attributes), documents_cid=documents, reason_code=change.reason_code,
        # An approved change gives no reason (its code 0); a refused one the refusal's.
        reason=ReasonPublic.of(RefusalReason, change.reason_code) if change.status == "refused" else None,
        version=change.version, applied_block=change.applied_block, decided_block=change.decided_block,
    )
