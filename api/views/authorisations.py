"""Public-data authorisations as the API answers them: shared by the authorisation routes and the asset detail."""
from __future__ import annotations

import json
from typing import Any, Optional

from pydantic import BaseModel, Field

from api.schemas import iso
from registry.db.models import PublicAuthorisation
from registry.rules import PublicStanding
from registry.vocabulary import AuthorisationRevocationReason


class AuthorisationPublic(BaseModel):
    authorisation_id: int
    authority: str = Field(description="The authorising body (授权主体), a participant with role data authority.")
    operator: str = Field(description="The first-level operator (一级开发主体).")
    catalogue_cid: Optional[str] = Field(None, description="The catalogue document listing the data in scope.")
    catalogue_entries: int
    scenarios: list[str] = Field(description="The permitted scenarios.")
    valid_from: Optional[str]
    valid_until: Optional[str]
    conditions_cid: Optional[str] = None
    in_force: bool
    status: str = Field(description="in_force, authorisation_revoked, authorisation_expired or "
                        "authorisation_not_yet_in_force.")
    revocation_reason: Optional[dict[str, Any]] = Field(None, description="The authority's reason code and labels.")
    revocation_evidence_cid: Optional[str] = None
    revoked_at: Optional[str] = None
    revoked_tx: Optional[str] = None
    granted_at: Optional[str]
    granted_block: int
    granted_tx: str


def reason_public(code: Optional[int]) -> Optional[dict[str, Any]]:
    if code is None:
        return None
    labels = {m.value: m for m in AuthorisationRevocationReason}.get(code)
    return {"code": code, "key": labels.key if labels else None, "zh": labels.zh if labels else None,
            "en": labels.en if labels else None}


def authorisation_public(row: PublicAuthorisation, now: int) -> AuthorisationPublic:
    lapsed = PublicStanding(row, {}).authorisation_reason(now)
    return AuthorisationPublic(
        authorisation_id=row.authorisation_id, authority=row.authority, operator=row.operator,
        catalogue_cid=row.catalogue_cid, catalogue_entries=row.catalogue_entries,
        scenarios=json.loads(row.scenarios_json), valid_from=iso(row.valid_from), valid_until=iso(row.valid_until),
        conditions_cid=row.conditions_cid, in_force=lapsed is None, status=lapsed or "in_force",
        revocation_reason=reason_public(row.revocation_reason) if row.revoked else None,
        revocation_evidence_cid=row.revocation_evidence_cid, revoked_at=iso(row.revoked_at), revoked_tx=row.revoked_tx,
        granted_at=iso(row.granted_at), granted_block=row.granted_block, granted_tx=row.granted_tx)


