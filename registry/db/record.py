"""The record authority's rows of one asset (issue 13, migration 0007): its freeze orders, its versions and its
latest change registration, each in key order."""
from __future__ import annotations

from sqlmodel import Session, col, select

from registry.db.models import AssetVersion, ChangeApplication, FreezeOrder


def freeze_orders(db: Session, asset_id: str) -> list[FreezeOrder]:
    return list(db.exec(select(FreezeOrder).where(FreezeOrder.asset_id == asset_id)
                        .order_by(col(FreezeOrder.order_id))))


def versions(db: Session, asset_id: str) -> list[AssetVersion]:
    return list(db.exec(select(AssetVersion).where(AssetVersion.asset_id == asset_id)
                        .order_by(col(AssetVersion.version))))


def change_application(db: Session, asset_id: str) -> ChangeApplication | None:
    return db.get(ChangeApplication, asset_id)
