"""The national registration procedure: applications in publicity, each asset's registration, its
certificate (JSON, a printable page or an A4 PDF, with a QR code of its public verification page: the facts are
gathered in api/views/certificate.py), remarks and attestations."""
from __future__ import annotations

from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from api.deps import ReaderDep, ServicesDep, SessionDep, load_asset
from api.params import Limit, LongLimit, Offset
from api.schemas import (
    AttestationPublic,
    Certificate,
    PublicityNotice,
    RegistrationPublic,
    iso,
)
from api.views import certificate as certificate_view
from api.views.privacy import Audience
from api.views.registration import (
    attestations_public,
    legal_status_public,
    registration_public,
)
from registry import rules
from registry.chain.types import checksum
from registry.db import queries, registration
from registry.db.models import Asset, Registration
from registry.errors import NotFound
from registry.vocabulary import Stage

router = APIRouter(prefix="/v1", tags=["registration"])

#: The stages an application can be at (NONE is no application).
STAGES = tuple(s.key for s in Stage if s is not Stage.NONE)


@router.get("/registrations", response_model=list[PublicityNotice],
            summary="Applications, e.g. those in their publicity period (公示)")
def list_registrations(
    db: SessionDep,
    reader: ReaderDep,
    status: Annotated[Optional[Literal[STAGES]], Query(description="The stage; publicity for the public list (公示), "
                      "which an application leaves when its publicity period ends.")] = None,
    registrar: Annotated[Optional[str], Query()] = None,
    certificate: Annotated[Optional[str], Query(max_length=40, description="A certificate number (证书编号), "
                                                "e.g. SJ35A2026110001: the registration it was issued for.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    ended: Annotated[bool, Query(description="With status=publicity, also applications whose publicity period has "
                                 "ended and that await registration (the registrar's work list).")] = False,
) -> list[PublicityNotice]:
    """Refused and terminated applications are listed only to their parties and regulators (a signed read
    request); to everyone else the list leaves them out."""
    registrar = checksum(registrar, "registrar") if registrar else None
    audience = Audience(db, reader)
    # Who may see an unlisted application: a regulator all, a registrar those it handled, an applicant its own.
    hidden = rules.UNLISTED_STAGES if not (reader.address and audience.regulator()) else frozenset()
    # The public publicity list holds an application while its period runs: until publicity_ends (24:00 Beijing
    # time of its last working day), the moment objections close on chain.
    running_at = queries.now(db) if status == Stage.PUBLICITY.key and not ended else None
    if certificate is not None:
        number = certificate.strip().upper()
        found = db.exec(select(Registration).where(Registration.certificate_number == number)).all()
        rows = [r for r in found if (status is None or r.stage == status)
                and (registrar is None or r.registrar == registrar)
                and (running_at is None or (r.publicity_ends or 0) > running_at)
                and (r.stage not in hidden or reader.address in (r.applicant, r.registrar))][offset:offset + limit]
    else:
        rows = registration.in_stage(db, status, registrar, limit, offset, publicity_running_at=running_at,
                                     hidden=hidden, party=reader.address)
    notices = []
    for reg in rows:
        asset = db.get(Asset, reg.asset_id)
        notices.append(PublicityNotice(asset_id=reg.asset_id, stage=reg.stage, registrar=reg.registrar,
                                       publicity_ends=iso(reg.publicity_ends),
                                       objections=len(registration.objections(db, reg.asset_id)),
                                       **registration.publicity_fields(asset)))
    return notices


@router.get("/assets/{asset_id}/registration", response_model=RegistrationPublic,
            summary="An asset's application and registration, with objections")
def asset_registration(asset_id: str, db: SessionDep, reader: ReaderDep, response: Response) -> RegistrationPublic:
    """The application documents and each objection's evidence are shown to the parties entitled to them (a
    signed read request: the applicant, the registrar handling it, regulators, and an objection's objector); for
    others they are null and the DataReg-Withheld header names them."""
    asset = load_asset(db, asset_id)
    reg = db.get(Registration, asset.asset_id)
    if reg is None:
        raise NotFound(f"Asset '{asset.asset_id}' has no registration application.")
    now = queries.now(db)
    audience = Audience(db, reader)
    answer = registration_public(db, asset, reg, now, legal=legal_status_public(db, asset, now, reg),
                                 audience=audience, prefix="")
    audience.mark(response)
    return answer


@router.get("/assets/{asset_id}/attestations", response_model=list[AttestationPublic],
            summary="Appraisals, compliance certifications and quality evaluations of an asset")
def asset_attestations(
    asset_id: str,
    db: SessionDep,
    limit: Annotated[LongLimit, Query(description="At most this many, oldest first.")] = 1000,
    offset: Offset = 0,
) -> list[AttestationPublic]:
    asset = load_asset(db, asset_id)
    return attestations_public(db, asset, queries.now(db))[offset:offset + limit]


@router.get("/assets/{asset_id}/certificate", response_model=Certificate,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}},
                       503: {"description": "format=pdf and no Chinese TrueType font is installed"}},
            summary="The registration certificate, as JSON, a printable page (format=html) or an A4 PDF (format=pdf)")
def certificate(asset_id: str, request: Request, db: SessionDep, services: ServicesDep,
                format: Annotated[Literal["json", "html", "pdf"], Query()] = "json"):
    asset = load_asset(db, asset_id)
    reg = db.get(Registration, asset.asset_id)
    if reg is None or reg.certificate_number is None:
        raise NotFound(f"Asset '{asset.asset_id}' has no registration certificate"
                       + (f" (its application is at stage '{reg.stage}')." if reg else "."))
    base = services.settings.public_url or str(request.base_url)
    cert = certificate_view.build(db, asset, reg, chain_id=services.deployment.chain_id,
                                  contracts=services.deployment.contracts, base_url=base)
    if format == "html":
        return HTMLResponse(certificate_view.html_page(cert))
    if format == "pdf":
        from api.views.certificate_pdf import render_pdf  # ReportLab loads only for a PDF

        return Response(render_pdf(cert), media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="certificate-{cert.certificate_number}.pdf"'})
    return cert
