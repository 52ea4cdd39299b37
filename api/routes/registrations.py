"""The national registration procedure: applications in publicity, each asset's registration, its
certificate (JSON, or a printable page with a QR code), remarks and attestations."""
from __future__ import annotations

import html
import io
from typing import Annotated, Literal, Optional

import segno
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import select

from api.deps import ReaderDep, ServicesDep, SessionDep, load_asset
from api.params import MAX_INT64
from api.schemas import (
    AttestationPublic,
    Certificate,
    Evidence,
    PublicityNotice,
    RegistrationPublic,
    RightPublic,
    iso,
    remark_zh,
)
from api.views.privacy import Audience
from api.views.registration import (
    attestations_public,
    legal_status_public,
    participant_name,
    registration_public,
    remarks_public,
)
from registry import rules
from registry.chain.types import checksum
from registry.db import queries, registration
from registry.db.models import Asset, Registration
from registry.errors import NotFound
from registry.vocabulary import CertificateStatus, LegalStatus, Stage

router = APIRouter(prefix="/v1", tags=["registration"])

#: The stages an application can be at (NONE is no application).
STAGES = tuple(s.key for s in Stage if s is not Stage.NONE)


@router.get("/registrations", response_model=list[PublicityNotice],
            summary="Applications, e.g. those in their publicity period (公示)")
def list_registrations(
    db: SessionDep,
    reader: ReaderDep,
    status: Annotated[Optional[Literal[STAGES]], Query(description="The stage; publicity for the public list.")] = None,
    registrar: Annotated[Optional[str], Query()] = None,
    certificate: Annotated[Optional[str], Query(max_length=40, description="A certificate number (证书编号), "
                                                "e.g. SJ35A2026110001: the registration it was issued for.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
) -> list[PublicityNotice]:
    """Refused and terminated applications are listed only to their parties and regulators (a signed read
    request); to everyone else the list leaves them out."""
    registrar = checksum(registrar, "registrar") if registrar else None
    audience = Audience(db, reader)
    # Who may see an unlisted application: a regulator all, a registrar those it handled, an applicant its own.
    hidden = rules.UNLISTED_STAGES if not (reader.address and audience.regulator()) else frozenset()
    if certificate is not None:
        number = certificate.strip().upper()
        found = db.exec(select(Registration).where(Registration.certificate_number == number)).all()
        rows = [r for r in found if (status is None or r.stage == status)
                and (registrar is None or r.registrar == registrar)
                and (r.stage not in hidden or reader.address in (r.applicant, r.registrar))][offset:offset + limit]
    else:
        rows = registration.in_stage(db, status, registrar, limit, offset, hidden=hidden, party=reader.address)
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
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, oldest first.")] = 1000,
    offset: Annotated[int, Query(ge=0, le=MAX_INT64)] = 0,
) -> list[AttestationPublic]:
    asset = load_asset(db, asset_id)
    return attestations_public(db, asset, queries.now(db))[offset:offset + limit]


@router.get("/assets/{asset_id}/certificate", response_model=Certificate,
            responses={200: {"content": {"text/html": {}}}},
            summary="The registration certificate, as JSON or a printable page (format=html)")
def certificate(asset_id: str, request: Request, db: SessionDep, services: ServicesDep,
                format: Annotated[Literal["json", "html"], Query()] = "json"):
    asset = load_asset(db, asset_id)
    reg = db.get(Registration, asset.asset_id)
    if reg is None or reg.certificate_number is None:
        raise NotFound(f"Asset '{asset.asset_id}' has no registration certificate"
                       + (f" (its application is at stage '{reg.stage}')." if reg else "."))
    now = queries.now(db)
    event = queries.registration_event(db, asset)
    fields = registration.publicity_fields(asset)
    cert = Certificate(
        certificate_number=reg.certificate_number,
        status=rules.certificate_status(reg, asset, now),
        # The certificate's holder follows transfers of the holding right, and its version follows approved
        # changes (both re-issued on chain under the same number: CertificateReissued).
        asset_id=asset.asset_id, data_name=asset.name, holder=reg.holder or asset.registrant,
        applicant_name=fields["applicant_name"],
        rights=[RightPublic.of(s, s.right) for s in queries.right_states(db, asset, now)],
        registrar=reg.registrar, registrar_name=participant_name(db, reg.registrar),
        registered_at=iso(reg.registered_at),
        valid_until=iso(reg.valid_until), version=reg.certified_version or asset.version,
        remarks=remarks_public(db, asset),
        legal_status=legal_status_public(db, asset, now, reg),
        verification_url=str(request.url_for("certificate", asset_id=asset.asset_id)),
        evidence=Evidence(chain_id=services.deployment.chain_id, contract=services.deployment.registry,
                          event=event.name, tx_hash=event.tx_hash, block_number=event.block_number,
                          block_hash=event.block_hash, log_index=event.log_index,
                          timestamp=iso(event.timestamp)) if event else None,
    )
    if format == "html":
        return HTMLResponse(_certificate_page(cert))
    return cert


def _certificate_page(cert: Certificate) -> str:
    """A printable A4 page: the certificate's facts and a QR code that opens its public verification."""
    buffer = io.BytesIO()
    segno.make(cert.verification_url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    e = html.escape
    rights = "".join(
        f"<tr><td>{e(r.kind_zh)}</td><td>{e(r.holder)}</td><td>{'有效' if r.valid else '无效'}</td></tr>"
        for r in cert.rights if r.parent_index == 0)
    status, remarks = _status_and_remarks(cert)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>数据产权登记证书 {e(cert.certificate_number)}</title>
<style>@page {{ size: A4; margin: 18mm }} body {{ font-family: serif; max-width: 170mm; margin: auto }}
h1 {{ text-align: center; letter-spacing: .3em }} table {{ width: 100%; border-collapse: collapse }}
td, th {{ border: 1px solid #444; padding: 4px 6px; font-size: 11pt; word-break: break-all }}
.qr {{ float: right; margin-left: 12px }} .small {{ font-size: 9pt; color: #333 }}</style></head><body>
<h1>数据产权登记证书</h1><p style="text-align:center">Data Property Registration Certificate</p>
<div class="qr">{buffer.getvalue().decode()}<div class="small">扫码核验 scan to verify</div></div>
<table>
<tr><th>证书编号 No.</th><td>{e(cert.certificate_number)}</td></tr>
<tr><th>状态 Status</th><td class="status">{status}</td></tr>
<tr><th>数据名称 Data</th><td>{e(cert.data_name or '')}</td></tr>
<tr><th>登记主体 Holder</th><td>{e(cert.applicant_name or '')}<br>{e(cert.holder)}</td></tr>
<tr><th>资产标识 Asset id</th><td>{e(cert.asset_id)}</td></tr>
<tr><th>登记机构 Registrar</th><td>{e(cert.registrar_name or '')}<br>{e(cert.registrar)}</td></tr>
<tr><th>登记日期 Registered</th><td>{e(cert.registered_at or '')}</td></tr>
<tr><th>有效期至 Valid until</th><td>{e(cert.valid_until or '')}</td></tr>
<tr><th>版本 Version</th><td>{cert.version}</td></tr>
<tr><th>备注 Remarks</th><td>{remarks}</td></tr>
</table><h3>权利 Rights</h3><table><tr><th>权利</th><th>持有人 Holder</th><th>状态</th></tr>{rights}</table>
<p class="small">链上凭证 On-chain evidence: chain {cert.evidence.chain_id if cert.evidence else ''}, contract
{e(cert.evidence.contract if cert.evidence else '')}, tx {e(cert.evidence.tx_hash if cert.evidence else '')},
block {cert.evidence.block_number if cert.evidence else ''}.</p></body></html>"""


def _status_and_remarks(cert: Certificate) -> tuple[str, str]:
    """The certificate's status line and remarks (escaped HTML), from the asset's one legal status: "有效" only for
    a certificate in force on an unencumbered asset; a frozen or pledged asset's says so, a lapsed or cancelled
    certificate's says that instead."""
    e = html.escape
    legal = cert.legal_status
    if legal is None:  # not reached: the route always judges it
        return f"{CertificateStatus.from_key(cert.status).zh} {cert.status}", "无 none"
    if legal.status == LegalStatus.CERTIFIED.key and not legal.encumbered:
        status = f"{CertificateStatus.VALID.zh} {CertificateStatus.VALID.key}"
    elif legal.status == LegalStatus.CERTIFIED.key:
        status = "权利受限 restricted: " + "、".join(f"{r.zh} {r.type}" for r in legal.remarks)
    else:
        status = f"{legal.zh} {legal.status}" + (f"（{e(legal.reason.zh or str(legal.reason.code))}）"
                                                 if legal.reason else "")
    remarks = "<br>".join(e(f"{r.zh} {r.type}" + (f"：{remark_zh(r)}" if remark_zh(r) else ""))
                          for r in legal.remarks) or "无 none"
    return status, remarks
