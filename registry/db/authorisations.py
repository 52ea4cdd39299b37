"""Public-data authorisations in the index (issue 21): what the rules need to judge rights over public data
(registry/rules.PublicStanding), and the answers of the authorisation routes."""
from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from registry.db.models import Asset, PublicAuthorisation, PublicLicence
from registry.rules import PublicStanding


def standings(db: Session, authorisation_ids: Iterable[int | None]) -> dict[int, PublicStanding]:
    """Each authorisation with its licences, by id: two queries however many."""
    ids = sorted({i for i in authorisation_ids if i is not None})
    if not ids:
        return {}
    found = {a.authorisation_id: a for a in db.exec(
        select(PublicAuthorisation).where(col(PublicAuthorisation.authorisation_id).in_(ids)))}
    licences: dict[int, dict[str, PublicLicence]] = {i: {} for i in ids}
    for licence in db.exec(select(PublicLicence).where(col(PublicLicence.authorisation_id).in_(ids))):
        licences[licence.authorisation_id][licence.licensee] = licence
    return {i: PublicStanding(found.get(i), licences[i]) for i in ids}


def standing_of(db: Session, asset: Asset | None) -> PublicStanding | None:
    """The public standing of one asset; None for an asset that is not public data."""
    if asset is None or getattr(asset, "public_authorisation_id", None) is None:
        return None
    return standings(db, [asset.public_authorisation_id]).get(asset.public_authorisation_id)  # type: ignore[arg-type]


def standings_of(db: Session, assets: Iterable[Asset]) -> dict[str, PublicStanding]:
    """The public standing of each public-data asset among `assets`, by asset id."""
    public = [(a.asset_id, a.public_authorisation_id) for a in assets
              if getattr(a, "public_authorisation_id", None) is not None]
    by_id = standings(db, (i for _, i in public))
    return {asset_id: by_id[i] for asset_id, i in public if i is not None and i in by_id}
