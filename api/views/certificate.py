"""The registration certificate (数据产权登记证书): its facts gathered once (`build`), then served as JSON, as a
printable HTML page (`html_page`) or as an A4 PDF (api/views/certificate_pdf.py). Every form shows the same
fields: the data's fingerprint, version, industry and summary, each right holder's name, credit code, right, term
and limits, the remarks, the status, the dates in Beijing time, the evidence of the certification transaction and
a QR code of the public verification page (the explorer's /verify/NUMBER, under DATAREG_PUBLIC_URL).
"""
from __future__ import annotations

import html
import io
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import segno
from sqlmodel import Session, col, select

from api.schemas import (
    Certificate,
    CertificateFingerprint,
    CertificateHolder,
    CertificateRemark,
    Evidence,
    LegalStatusPublic,
    RightPublic,
)
from api.views.registration import legal_status_public, remarks_public
from registry.db import names, queries, registration
from registry.db.models import Asset, AssetVersion, Event, Registration
from registry.metadata.codes import INDUSTRY_SECTIONS
from registry.vocabulary import CertificateStatus, LegalStatus, Remark, RightKind

BEIJING = timezone(timedelta(hours=8), "CST")

#: The events that (re-)issue or renew a certificate, after the RegistrationOffice's Registered.
_REISSUES = ("CertificateReissued", "RegistrationRenewed")


def beijing(ts: int | None) -> str | None:
    """Unix seconds as ISO 8601 in Beijing time (2026-12-07T09:45:00+08:00)."""
    if not ts:
        return None
    return datetime.fromtimestamp(ts, BEIJING).isoformat()


def beijing_text(value: str | None) -> str:
    """An ISO time of the certificate as printed: 2026-12-07 09:45 (北京时间 UTC+8)."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(BEIJING)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " (北京时间 UTC+8)"


def verification_url(base: str, certificate_number: str) -> str:
    """The public page that verifies the certificate: the explorer's /verify/NUMBER under `base`."""
    return f"{base.rstrip('/')}/verify/{quote(certificate_number)}"


def _evidence(event: Event | None, chain_id: int, contract: str) -> Evidence | None:
    if event is None:
        return None
    return Evidence(chain_id=chain_id, contract=contract, event=event.name, tx_hash=event.tx_hash,
                    block_number=event.block_number, block_hash=event.block_hash, log_index=event.log_index,
                    timestamp=beijing(event.timestamp))


def _latest(db: Session, asset_id: str, event_names: tuple[str, ...]) -> Event | None:
    return db.exec(select(Event).where(Event.asset_id == asset_id, col(Event.name).in_(event_names))
                   .order_by(col(Event.block_number).desc(), col(Event.log_index).desc()).limit(1)).first()


def _document(asset: Asset) -> dict:
    try:
        document = json.loads(asset.metadata_json) if asset.metadata_json else {}
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _entry_for(document: dict, address: str, kind: str) -> dict | None:
    """The rights-configuration entry of the application for `address` holding `kind`, if it has one."""
    fallback = None
    for entry in document.get("rights") or []:
        if isinstance(entry, dict) and str(entry.get("address") or "").lower() == address.lower():
            if kind in (entry.get("kinds") or []):
                return entry
            fallback = fallback or entry
    return fallback


def _term_text(entry: dict | None) -> str | None:
    term = (entry or {}).get("term")
    if not isinstance(term, dict) or not (term.get("start") or term.get("end")):
        return None
    return f"{term.get('start') or '—'} 至 {term.get('end') or '持续 open-ended'}"


def remark_lines(legal: LegalStatusPublic, party_names: dict[str, names.PartyName]) -> list[CertificateRemark]:
    """The remarks printed on the certificate, from the asset's one legal status (registry/rules.legal_status):
    each standing freeze order with its regulator and order (those on the waiting list as such), each active pledge
    with its pledgee and number, pending objections, a dispute; addresses with their names."""
    def who(address: str | None) -> str:
        if not address:
            return "—"
        known = party_names.get(address)
        return f"{known.name} ({address})" if known else address

    lines = []
    for remark in legal.remarks:
        label = f"{remark.zh} {remark.type}"
        if remark.type == Remark.FROZEN.key and remark.orders:
            for order in remark.orders:
                if order.order_id != remark.order_id:  # behind the order in force
                    lines.append(CertificateRemark(kind="frozen_waiting", text=(
                        f"轮候查封 waiting seizure: {order.order_reference}, {who(order.regulator)}")))
                else:
                    lines.append(CertificateRemark(kind=remark.type, text=(
                        f"{label}: {order.order_reference}, {who(order.regulator)}, "
                        f"{beijing_text(order.ordered_at)}")))
        elif remark.type == Remark.FROZEN.key:
            lines.append(CertificateRemark(kind=remark.type, text=f"{label}: {remark.order_reference or ''}, "
                                                                  f"{who(remark.by)}"))
        elif remark.type == Remark.PLEDGED.key:
            lines.append(CertificateRemark(kind=remark.type, text=(
                f"{label}: {remark.external_registration_no}, 质权人 pledgee {who(remark.pledgee)}")))
        else:
            objections = "、".join(f"异议 objection {i}" for i in remark.objection_ids or [])
            lines.append(CertificateRemark(kind=remark.type, text=f"{label}: {objections}" if objections else label))
    return lines


def status_text(legal: LegalStatusPublic) -> tuple[str, str]:
    """The status as printed (zh, en), from the one legal status: 有效 only for a certificate in force on an
    unencumbered asset; a frozen or pledged asset's says its rights are restricted and why; a lapsed or cancelled
    certificate's says that (with the cancellation's reason)."""
    if legal.status == LegalStatus.CERTIFIED.key and not legal.encumbered:
        return CertificateStatus.VALID.zh, CertificateStatus.VALID.key
    if legal.status == LegalStatus.CERTIFIED.key:
        return ("权利受限：" + "、".join(r.zh for r in legal.remarks),
                "restricted: " + ", ".join(r.type for r in legal.remarks))
    reason = legal.reason
    return (legal.zh + (f"（{reason.zh or reason.code}）" if reason else ""),
            legal.en + (f" ({reason.en or reason.code})" if reason else ""))


def build(db: Session, asset: Asset, reg: Registration, *, chain_id: int, contracts: dict[str, str],
          base_url: str) -> Certificate:
    """The certificate of `asset`'s registration `reg` (which has a number), judged now."""
    assert reg.certificate_number is not None
    now = queries.now(db)
    document = _document(asset)
    version = reg.certified_version or asset.version
    certified = db.get(AssetVersion, (asset.asset_id, version))
    sha256 = certified.content_hash if certified else (asset.latest_content_hash or asset.content_hash)
    cid = asset.content_cid if sha256 in (asset.content_hash, asset.latest_content_hash) else None
    states = queries.right_states(db, asset, now)
    roots = [s for s in states if s.right.parent_index == 0]
    holder = reg.holder or asset.registrant
    legal = legal_status_public(db, asset, now, reg)
    party_names = names.resolve(
        db, [holder, reg.registrar, asset.registrant, *(s.right.holder for s in roots),
             *(a for r in legal.remarks for a in (r.by, r.pledgee, *(o.regulator for o in r.orders or [])))],
        [asset])

    def name_of(address: str) -> str | None:
        known = party_names.get(address)
        return known.name if known else None

    holders = []
    for state in roots:
        right = state.right
        kind = RightKind(right.kind)
        entry = _entry_for(document, right.holder, kind.key)
        known = party_names.get(right.holder)
        limits = (entry or {}).get("limits")
        holders.append(CertificateHolder(
            right_index=right.right_index, kind=kind.label, kind_zh=kind.label_zh, address=right.holder,
            name=known.name if known else (entry or {}).get("holder_name"),
            credit_code=(known.credit_code if known else None) or (entry or {}).get("credit_code"),
            valid_from=beijing(right.valid_from), valid_until=beijing(right.valid_until), term=_term_text(entry),
            limits=limits if isinstance(limits, str) else None, valid=state.valid, invalid_reason=state.reason))
    industry = asset.industry
    status_zh, status_en = status_text(legal)
    office = contracts.get("RegistrationOffice", contracts.get("DataRegistry", ""))
    registered = _latest(db, asset.asset_id, ("Registered",))
    reissued = _latest(db, asset.asset_id, _REISSUES)
    if reissued is not None and registered is not None and \
            (reissued.block_number, reissued.log_index) < (registered.block_number, registered.log_index):
        reissued = None  # a re-issue of an earlier registration (before a lapse and a new application)
    return Certificate(
        certificate_number=reg.certificate_number,
        status=legal.certificate_status, status_zh=status_zh, status_en=status_en,
        asset_id=asset.asset_id, data_name=asset.name or document.get("name"),
        summary=asset.summary or document.get("summary"),
        industry=industry, industry_name=INDUSTRY_SECTIONS[industry[0]][0] if industry and
        industry[0] in INDUSTRY_SECTIONS else None,
        fingerprint=CertificateFingerprint(sha256=sha256, cid=cid),
        holder=holder, holder_name=name_of(holder),
        applicant_name=registration.publicity_fields(asset)["applicant_name"],
        holders=holders,
        rights=[RightPublic.of(s, s.right) for s in states],
        registrar=reg.registrar, registrar_name=name_of(reg.registrar),
        registered_at=beijing(reg.registered_at), valid_until=beijing(reg.valid_until), version=version,
        remarks=remarks_public(db, asset), remark_lines=remark_lines(legal, party_names), legal_status=legal,
        verification_url=verification_url(base_url, reg.certificate_number),
        evidence=_evidence(registered, chain_id, office),
        reissue_evidence=_evidence(reissued, chain_id, office),
    )


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
    return buffer.getvalue().decode()


def qr_png(url: str, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def holder_lines(cert: Certificate) -> list[tuple[str, str, str, str, str]]:
    """Each primary right's row as printed: right, holder (name, credit code, address), term, limits, state."""
    rows = []
    for h in cert.holders:
        who = " / ".join(x for x in (h.name, f"统一社会信用代码 {h.credit_code}" if h.credit_code else None,
                                    h.address) if x)
        if h.valid_from or h.valid_until:
            term = f"{beijing_text(h.valid_from) if h.valid_from else '—'} 至 " \
                   f"{beijing_text(h.valid_until) if h.valid_until else '持续 open-ended'}"
        else:
            term = h.term or "持续 open-ended"
        state = "有效 valid" if h.valid else f"无效 not valid ({h.invalid_reason})"
        rows.append((f"{h.kind_zh} {h.kind}", who, term, h.limits or "无 none", state))
    return rows


def fact_lines(cert: Certificate) -> list[tuple[str, str]]:
    """The certificate's facts as (label, value) lines, the same for the HTML page and the PDF."""
    e = cert.evidence
    return [
        ("证书编号 No.", cert.certificate_number),
        ("状态 Status", f"{cert.status_zh} {cert.status_en}"),  # the legal status (status_text)
        ("数据名称 Data name", cert.data_name or "—"),
        ("数据指纹 Fingerprint", f"SHA-256 {cert.fingerprint.sha256}"
         + (f"\nCID {cert.fingerprint.cid}" if cert.fingerprint.cid else "")),
        ("版本 Version", str(cert.version)),
        ("所属行业 Industry", " ".join(x for x in (cert.industry, cert.industry_name) if x) or "—"),
        ("数据摘要 Summary", cert.summary or "—"),
        ("登记主体 Holder", " / ".join(x for x in (cert.holder_name, cert.holder) if x)),
        ("资产标识 Asset id", cert.asset_id),
        ("登记机构 Registrar", " / ".join(x for x in (cert.registrar_name, cert.registrar) if x)),
        ("登记日期 Registered", beijing_text(cert.registered_at)),
        ("有效期至 Valid until", beijing_text(cert.valid_until)),
        ("备注 Remarks", "\n".join(r.text for r in cert.remark_lines) or "无 none"),
        ("链上凭证 Evidence", f"chain {e.chain_id}, contract {e.contract}\n{e.event} tx {e.tx_hash}\n"
         f"block {e.block_number} ({e.block_hash}), log {e.log_index}, {beijing_text(e.timestamp)}"
         if e else "—"),
    ]


def html_page(cert: Certificate) -> str:
    """A printable A4 page: the certificate's facts and a QR code that opens its public verification."""
    e = html.escape

    def cell(value: str) -> str:
        return "<br>".join(e(part) for part in value.split("\n"))

    facts = "".join(f"<tr><th>{e(label)}</th><td>{cell(value)}</td></tr>" for label, value in fact_lines(cert))
    holders = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in holder_lines(cert))
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>数据产权登记证书 {e(cert.certificate_number)}</title>
<style>@page {{ size: A4; margin: 18mm }} body {{ font-family: serif; max-width: 170mm; margin: auto }}
h1 {{ text-align: center; letter-spacing: .3em }} table {{ width: 100%; border-collapse: collapse; margin-bottom: 8px }}
td, th {{ border: 1px solid #444; padding: 4px 6px; font-size: 10.5pt; word-break: break-all; text-align: left;
vertical-align: top }} th {{ width: 26% }} .qr {{ float: right; margin-left: 12px; text-align: center }}
.small {{ font-size: 9pt; color: #333 }}</style></head><body>
<h1>数据产权登记证书</h1><p style="text-align:center">Data Property Registration Certificate</p>
<div class="qr">{qr_svg(cert.verification_url)}<div class="small">扫码核验 scan to verify</div></div>
<table id="facts">{facts}</table>
<h3>权利人 Right holders</h3>
<table id="holders"><tr><th>权利 Right</th><th>权利人 Holder</th><th>期限 Term</th><th>限制 Limits</th>
<th>状态 State</th></tr>
{holders}</table>
<p class="small">核验 Verify: <a href="{e(cert.verification_url)}">{e(cert.verification_url)}</a></p>
</body></html>"""
