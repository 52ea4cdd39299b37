"""`datareg verify FILE`: is this file registered, by whom, who holds its rights, where is it listed?

The file is fingerprinted here and never leaves the machine: only its SHA-256 and CID are sent.
The exit status is the legal status found (registry/rules.verdict): 0 certified and unencumbered, 3 recorded but
not certified (or in the procedure), 4 lapsed or cancelled, 5 encumbered (frozen, pledged, objection pending or
upheld), 1 not registered, 2 the question could not be answered.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from registry import rules
from registry.cli.api_client import ApiClient
from registry.cli.common import Output, beijing_time, legal_status_line, progress_bar
from registry.config import Settings
from registry.content import Fingerprint, fingerprint_file
from registry.content.fingerprint import Progress
from registry.errors import RegistryError, ValidationError
from registry.vocabulary import RightKind

EXIT_REGISTERED = rules.EXIT_CERTIFIED
EXIT_NOT_REGISTERED = rules.EXIT_NOT_FOUND
EXIT_ERROR = rules.EXIT_ERROR

EXIT_STATUS_HELP = (
    "Exit status, by the legal status found (with several registrations of the content, the most favourable): "
    f"{rules.EXIT_CERTIFIED} certified and unencumbered; "
    f"{rules.EXIT_NOT_CERTIFIED} recorded on chain but not certified, or in the registration procedure; "
    f"{rules.EXIT_ENDED} lapsed or cancelled; "
    f"{rules.EXIT_ENCUMBERED} encumbered: frozen, pledged, an objection pending or upheld; "
    f"{rules.EXIT_NOT_FOUND} not registered; "
    f"{rules.EXIT_ERROR} error (bad path, API unreachable)."
)

#: The first line's word for each exit status.
HEADLINES = {
    rules.EXIT_CERTIFIED: "CERTIFIED",
    rules.EXIT_NOT_CERTIFIED: "RECORDED, NOT CERTIFIED",
    rules.EXIT_ENDED: "NOT IN FORCE",
    rules.EXIT_ENCUMBERED: "ENCUMBERED",
    rules.EXIT_NOT_FOUND: "NOT REGISTERED",
}

KIND_LABELS = tuple((kind.key, kind.short_zh) for kind in RightKind)


def fingerprint_locally(path: Path, progress: Progress | None = None) -> Fingerprint:
    if not path.is_file():
        raise ValidationError(f"There is no file '{path}' to verify. Check the path.")
    return fingerprint_file(path, progress)


def request_body(fingerprint: Fingerprint) -> dict[str, Any]:
    """All that is sent: the fingerprint, never the data."""
    return {"sha256": fingerprint.sha256_hex, "cid": fingerprint.cid}


def verify_certificate(number: str, api: ApiClient) -> dict[str, Any]:
    """Asks the API about a certificate number: this registry's, or one of a registry it recognises."""
    answer: dict[str, Any] = api.post("/v1/verify", {"certificate": number})
    return answer


def looks_like_certificate(text: str) -> bool:
    """Whether the argument is a certificate number rather than a file (a file of that name wins)."""
    from registry.chain.types import IP_CERTIFICATE_RE, NATIONAL_CERTIFICATE_RE

    value = text.strip().upper()
    return not Path(text).exists() and bool(NATIONAL_CERTIFICATE_RE.match(value) or IP_CERTIFICATE_RE.match(value))


def verify_file(path: Path, api: ApiClient, progress: Progress | None = None) -> dict[str, Any]:
    """Fingerprints the file locally and asks the API whether that content is registered."""
    fingerprint = fingerprint_locally(path, progress)
    answer: dict[str, Any] = api.post("/v1/verify", request_body(fingerprint))
    answer["file"] = str(path)
    answer["fingerprint"]["size"] = fingerprint.size
    return answer


def _holder(h: dict[str, Any]) -> str:
    via = ""
    if len(h["chain"]) > 1:
        via = " granted via " + " <- ".join(f"#{i} {a}" for i, a in zip(h["chain"][1:], h["chain_holders"][1:]))
    until = f" until {beijing_time(h['valid_until'])}" if h.get("valid_until") else ""
    return f"{h['holder']} (right #{h['right_index']}{via}{until})"


#: A recognised registry's certificate status, as an exit status (its encumbrances beyond a freeze are its own).
_RECOGNISED_EXIT = {"valid": rules.EXIT_CERTIFIED, "lapsed": rules.EXIT_ENDED, "cancelled": rules.EXIT_ENDED}


def exit_status(answer: dict[str, Any]) -> int:
    """The exit status for the API's answer: its legal status's verdict (registry/rules.verdict_of); when this
    registry has no match, the most favourable of what recognised registries certify."""
    legal = answer.get("legal_status")
    if not answer["registered"]:
        found = [rules.EXIT_ENCUMBERED if m["frozen"] and m["certificate"]["status"] == "valid"
                 else _RECOGNISED_EXIT.get(m["certificate"]["status"], rules.EXIT_NOT_CERTIFIED)
                 for r in answer.get("recognised") or [] for m in r["matches"]]
        order = (rules.EXIT_CERTIFIED, rules.EXIT_NOT_CERTIFIED, rules.EXIT_ENCUMBERED, rules.EXIT_ENDED)
        return min(found, key=order.index) if found else rules.EXIT_NOT_FOUND
    if not legal:
        return rules.EXIT_NOT_CERTIFIED
    return rules.verdict_of(legal["status"], legal["encumbered"])


def render_recognised(answer: dict[str, Any]) -> list[str]:
    """What each recognised registry says, naming it: which registry certified it, or why it was not checked."""
    lines = []
    for r in answer.get("recognised") or []:
        registry = r["registry"]
        lines += ["", f"recognised registry {registry['name']} (region {registry['region']}, chain "
                      f"{registry['chain_id']}, RegistrationOffice {registry['contracts']['RegistrationOffice']})"]
        if r["error"]:
            lines.append(f"  NOT CHECKED     {r['error']}")
        elif not r["matches"]:
            lines.append("  no certificate")
        for m in r["matches"]:
            c = m["certificate"]
            until = f", valid until {beijing_time(c['valid_until'])}" if c.get("valid_until") else ""
            lines.append(f"  certificate     {c['number'] or '-'} {c['status'].upper()}"
                         + (f" ({c['kind']})" if c.get("kind") else "") + until
                         + (" FROZEN" if m["frozen"] else ""))
            lines.append(f"  asset id        {m['asset_id']}, holder {c['holder'] or '-'}")
    return lines


def render(answer: dict[str, Any]) -> str:
    fp = answer["fingerprint"]
    head = HEADLINES[exit_status(answer)]
    lines = [f"{head}: {answer['message']}"]
    if answer.get("certificate"):
        c = answer["certificate"]
        lines.append(f"  certificate     {c['number']} ({c['kind']}: region {c['division'] or c['region']}, "
                     f"registrar {c['registrar_code']}, {c['year']}-{c['month']:02d}, serial {c['serial']})")
    else:
        lines += [
            f"  file            {answer.get('file', '-')}" + (f" ({fp['size']:,} bytes)" if fp.get("size") is not None
                                                              else ""),
            f"  sha256          {fp['sha256']}",
            f"  cid             {fp['cid']}",
        ]
    for m in answer["matches"]:
        flags = m["flags"]
        lines += [
            "",
            f"{m['name'] or '(metadata not available)'}",
            f"  asset id        {m['asset_id']}",
            f"  registrant      {m['registrant']}",
            *([f"  legal status    {legal_status_line(m['legal_status'])}"] if m.get("legal_status") else []),
            f"  record          {m['status']}; classification {m['classification']}; personal information "
            f"{'yes' if flags['personal_information'] else 'no'}"
            + (" (sensitive)" if flags["sensitive_personal_information"] else "")
            + f"; export {'allowed' if flags['export_allowed'] else 'not allowed'}",
        ]
        if set(m["matched_by"]) != {"sha256", "cid"}:
            lines.append(f"  matched by      {' and '.join(m['matched_by'])} only")
        if m.get("matched_version") is not None:
            lines.append(f"  version         {m['matched_version']} of {m['version']}: "
                         + ("current" if m["current"] else
                            f"SUPERSEDED by a change registration (current data {m['current_content_hash']})"))
        if m["encumbrances"]:
            lines.append(f"  encumbrances    {len(m['encumbrances'])}")
        for kind, zh in KIND_LABELS:
            holders = m["holders"][kind]
            label = f"{kind} {zh}"
            if not holders:
                lines.append(f"  {label:<15} nobody holds a valid {kind} right")
            for i, h in enumerate(holders):
                lines.append(f"  {label if i == 0 else '':<15} {_holder(h)}")
        if not m["listings"]:
            lines.append("  listings        none valid")
        for i, listing in enumerate(m["listings"]):
            origin = f", cross-listed from #{listing['origin_listing_id']}" if listing["origin_listing_id"] else ""
            exchange = listing["exchange_name"] or listing["exchange"]
            lines.append(f"  {'listings' if i == 0 else '':<15} #{listing['listing_id']} on {exchange} as "
                         f"'{listing['exchange_listing_id']}'{origin}")
        lineage = m["lineage"]
        lines.append(f"  lineage         {lineage['source_count']} source(s), {lineage['derived_count']} derived")
        e = m["evidence"]
        lines.append(f"  evidence        chain {e['chain_id']}, "
                     + ", ".join(f"{name} {address}" for name, address in e["contracts"].items()))
        if e["registration"]:
            r = e["registration"]
            lines.append(f"  registered in   tx {r['tx_hash']} log {r['log_index']}")
            lines.append(f"                  block {r['block_number']} {r['block_hash']}")
        for right in e["rights"]:
            last = right["last_changed"] or right["created"]
            if last:
                lines.append(f"  right #{right['right_index']:<7} {last['event']} in tx {last['tx_hash']} "
                             f"(block {last['block_number']})")
        lines.append(f"  confirmations   {e['confirmations']} (index at block {e['indexed_block']})")
    return "\n".join(lines + render_recognised(answer))


def cmd_verify(args: argparse.Namespace, settings: Settings, out: Output) -> None:
    try:
        api = ApiClient(settings.api_url)
        answer = (verify_certificate(args.file, api) if looks_like_certificate(args.file)
                  else verify_file(Path(args.file), api, progress_bar("Fingerprinting")))
    except RegistryError as exc:
        # An error is not "not registered": it exits 2, as grep does, so scripts can tell the two apart.
        out.error(exc)
        raise SystemExit(EXIT_ERROR) from None
    out.result(answer, render)
    code = exit_status(answer)
    if code:
        raise SystemExit(code)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="is this file registered and certified? by whom, who holds its rights, is it encumbered (exit 0 "
        "certified and unencumbered; 3, 4, 5 see --help; 1 not registered)",
        description="Fingerprints FILE locally (SHA-256 and IPFS CID) and asks the registry whether that content "
        "is registered: for each registration, its registrant, its legal status (certified, recorded, in the "
        "procedure, lapsed, cancelled; frozen, pledged, objection pending) with times in Beijing time, the current "
        "valid holders of each right, "
        "its valid listings, lineage, and the transactions and blocks to check it all on the chain. "
        "The file never leaves this machine: only its fingerprint is sent. Given a certificate number instead "
        "(SJ35A2026110001, or 17 digits for data intellectual property), checks that certificate. Registries the "
        "council recognises (`datareg recognition list`) are asked too, on their own chains, and named.",
        epilog=EXIT_STATUS_HELP,
    )
    p.add_argument("file", help="the data (only its fingerprint is sent), or a certificate number")
    # Also accepted after the command (`datareg verify FILE --json`); SUPPRESS keeps `datareg --json verify`.
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON for machines")
    p.set_defaults(handler=cmd_verify)
