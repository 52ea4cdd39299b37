"""POST /v1/verify: is this content registered, by whom, who holds its rights now, where is it listed, and
the events to check every part of the answer against the chain.

An uploaded file is fingerprinted as it streams in (SHA-256 and the CID `ipfs add` would print, in one pass,
in constant memory) and is neither kept nor written anywhere. Whoever must not send the data can send its
fingerprint instead: `datareg verify FILE` does, computing it locally.
"""
from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.schemas import VerifyResult
from registry.chain.recognition import check_recognised
from registry.chain.types import parse_certificate_number
from registry.content import Fingerprinter
from registry.db.recognitions import standing_recognitions
from registry.db.verification import normalize_cid, normalize_sha256, verify
from registry.errors import ConfigurationError, ValidationError

router = APIRouter(prefix="/v1", tags=["verify"])

#: Largest file accepted for upload unless DATAREG_VERIFY_MAX_UPLOAD_BYTES says otherwise.
DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024**3
MAX_UPLOAD_ENV = "DATAREG_VERIFY_MAX_UPLOAD_BYTES"
#: Room for the multipart framing around the file (boundaries, part headers, a long file name).
MULTIPART_OVERHEAD = 64 * 1024
#: A fingerprint as JSON is a few hundred bytes.
MAX_JSON_BYTES = 64 * 1024
#: Upload bytes gathered before they are hashed in a worker thread (keeps the event loop free).
_HASH_BATCH = 1024 * 1024

_HOW = ("Send the file as the multipart/form-data field 'file' (curl -F file=@data.csv), or only its "
        "fingerprint as JSON: {\"sha256\": \"0x…\"} and/or {\"cid\": \"Qm…\"} (`datareg verify FILE` computes "
        "them locally and sends only those), or a certificate number: {\"certificate\": \"SJ35A2026110001\"}.")


def max_upload_bytes() -> int:
    """The upload limit, from DATAREG_VERIFY_MAX_UPLOAD_BYTES (read per request, so it can be changed
    without a restart of the code that builds the app)."""
    value = os.environ.get(MAX_UPLOAD_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_UPLOAD_BYTES
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"{MAX_UPLOAD_ENV} must be a whole number of bytes, got '{value}'.")
    return int(value)


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        status_code=413,
        content={
            "error": "upload_too_large",
            "message": f"The upload is larger than the {limit:,}-byte limit for files sent to /v1/verify. "
            "Send only the file's fingerprint instead: `datareg verify FILE` computes it locally, or POST "
            "{\"sha256\": \"0x…\"} as JSON. The operator can raise the limit with "
            f"{MAX_UPLOAD_ENV}.",
        },
    )


class _MultipartFingerprint:
    """Parses a multipart/form-data body as it arrives and fingerprints the part named `file`; other parts
    are skipped without being kept."""

    def __init__(self, boundary: bytes, limit: int) -> None:
        self.limit = limit
        self.fingerprinter: Fingerprinter | None = None
        self.files = 0
        self.pending = bytearray()
        self.received = 0
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._in_file = False
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_part,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        })

    def _part_begin(self) -> None:
        self._disposition = b""
        self._in_file = False

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != b"file":
            return
        self.files += 1
        if self.files > 1:
            raise ValidationError(
                "The request has more than one part named 'file': verify one file per request.",
                [{"field": "file", "message": "send exactly one file"}],
            )
        self.fingerprinter = Fingerprinter()
        self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if not self._in_file:
            return
        self.received += end - start
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        self.pending += data[start:end]

    def _part_end(self) -> None:
        self._in_file = False

    async def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)
        if len(self.pending) >= _HASH_BATCH:
            await self.flush()

    async def flush(self) -> None:
        if self.pending and self.fingerprinter is not None:
            batch = bytes(self.pending)
            self.pending.clear()
            await run_in_threadpool(self.fingerprinter.update, batch)


async def _drain(request: Request) -> None:
    """Reads and discards what is left of a body, so the client gets the answer instead of a reset."""
    try:
        async for _ in request.stream():
            pass
    except Exception:  # noqa: BLE001 - the client may have gone; the answer is the same
        pass


async def _fingerprint_upload(request: Request, content_type: str) -> tuple[str, str, int] | JSONResponse:
    limit = max_upload_bytes()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
        return _too_large(limit)  # refused before a byte of it is read
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise ValidationError(f"The multipart/form-data request has no boundary in its Content-Type. {_HOW}")
    try:
        upload = _MultipartFingerprint(boundary, limit)
        async for chunk in request.stream():
            await upload.feed(chunk)
        upload.parser.finalize()
    except UploadTooLarge as exc:
        if length.isdigit():  # at most MULTIPART_OVERHEAD bytes are left to read
            await _drain(request)
        return _too_large(exc.limit)
    except FormParserError as exc:
        raise ValidationError(f"The multipart/form-data body is malformed ({exc}). {_HOW}") from None
    if upload.fingerprinter is None:
        raise ValidationError(
            f"The multipart/form-data request has no part named 'file'. {_HOW}",
            [{"field": "file", "message": "missing"}],
        )
    await upload.flush()
    fingerprint = await run_in_threadpool(upload.fingerprinter.finish)
    return fingerprint.sha256_hex, fingerprint.cid, fingerprint.size


async def _read_json(request: Request) -> Any:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise ValidationError(f"The JSON body is {int(length):,} bytes; a fingerprint needs a few hundred. {_HOW}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise ValidationError(f"The JSON body is over {MAX_JSON_BYTES:,} bytes; a fingerprint needs a few "
                                  f"hundred. {_HOW}")
    if not body.strip():
        raise ValidationError(f"The request has neither a file nor a fingerprint. {_HOW}",
                              [{"field": "request", "message": "empty"}])
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ValidationError(f"The body is not valid JSON ({exc}). {_HOW}") from None


def _fingerprint_fields(body: Any) -> tuple[str | None, str | None, str | None]:
    if not isinstance(body, dict):
        raise ValidationError(f"The JSON body must be an object, got {type(body).__name__}. {_HOW}")
    unknown = sorted(set(body) - {"sha256", "cid", "certificate"})
    if unknown:
        raise ValidationError(
            f"Unknown field{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}: the JSON body "
            f"takes 'sha256' and/or 'cid', or 'certificate'. {_HOW}",
            [{"field": k, "message": "unknown field"} for k in unknown],
        )
    if body.get("certificate") is not None:
        if body.get("sha256") is not None or body.get("cid") is not None:
            raise ValidationError(f"Ask about a certificate number or a fingerprint, not both in one request. {_HOW}",
                                  [{"field": "certificate", "message": "without sha256 or cid"}])
        return None, None, parse_certificate_number(body["certificate"]).number
    sha256 = None if body.get("sha256") is None else normalize_sha256(body["sha256"])
    cid = None if body.get("cid") is None else normalize_cid(body["cid"])
    if sha256 is None and cid is None:
        raise ValidationError(f"The request has neither a file nor a fingerprint. {_HOW}",
                              [{"field": "sha256", "message": "give sha256, cid or both"}])
    return sha256, cid, None


_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "The data; hashed as it arrives, never stored."}},
                "required": ["file"],
            }
        },
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "sha256": {"type": "string", "pattern": "^(0x)?[0-9a-fA-F]{64}$",
                               "description": "SHA-256 of the content, 0x and 64 hex digits."},
                    "cid": {"type": "string", "description": "CIDv0 (Qm…) as `ipfs add` prints it; a bafy… "
                            "CIDv1 of the same dag-pb content is accepted."},
                    "certificate": {"type": "string", "description": "A certificate number instead of a "
                                    "fingerprint: national (SJ35A2026110001, 15 characters) or data intellectual "
                                    "property (35020012026110001, 17 digits)."},
                },
                "minProperties": 1,
                "additionalProperties": False,
            },
            "examples": {
                "sha256": {"value": {"sha256": "0x" + "ab" * 32}},
                "both": {"value": {"sha256": "0x" + "ab" * 32,
                                   "cid": "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"}},
                "certificate": {"value": {"certificate": "SJ35A2026110001"}},
            },
        },
    },
}


@router.post(
    "/verify",
    response_model=VerifyResult,
    summary="Is this content registered? By whom, who holds its rights, where is it listed, with evidence",
    openapi_extra={"requestBody": _REQUEST_BODY},
    responses={
        413: {"description": "The uploaded file is larger than the limit (DATAREG_VERIFY_MAX_UPLOAD_BYTES, "
              "default 2 GiB); send its fingerprint instead."},
        422: {"description": "Neither a file nor a fingerprint, or a malformed sha256 or CID."},
    },
)
async def verify_content(request: Request, services: ServicesDep):
    """Send the file (multipart/form-data, field `file`) or its fingerprint (JSON `sha256`, `cid` or both).
    A file is fingerprinted as it streams in and is not kept.

    The answer has one match per registered asset with this SHA-256 or CID: several registrants may register
    the same content. Each match names the current valid holders of each right with the chain of grants they
    hold it through, the valid listings, the lineage, and the evidence (chain id, contract addresses, and the
    transaction, block and log of the registration and of each holder's right). Content that is not registered
    is an answer too: `registered` is false and `matches` empty, with status 200.

    A certificate number (JSON `certificate`) is answered the same way, for the asset it was issued for. When the
    council recognises other registries (GET /v1/recognitions), each is asked too, on its own chain through the
    endpoint configured for it (DATAREG_RECOGNISED_RPC), and `recognised` says which of them certifies it; one
    that cannot be reached in time is reported as such (`reachable` false, `error` why) beside the others.
    """
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    size = None
    certificate = None
    if media_type == "multipart/form-data":
        upload = await _fingerprint_upload(request, content_type)
        if isinstance(upload, JSONResponse):
            return upload
        sha256, cid, size = upload
    elif media_type in ("", "application/json") or media_type.endswith("+json"):
        sha256, cid, certificate = _fingerprint_fields(await _read_json(request))
    else:
        raise ValidationError(f"Content type '{media_type}' is not accepted here. {_HOW}")

    def answer() -> JSONResponse:
        with Session(services.engine) as db:
            verification = verify(db, sha256=sha256, cid=cid, certificate=certificate)
            registries = standing_recognitions(db)
        # Read after the session is given back: another registry's node may take its whole timeout.
        recognised = check_recognised(
            registries, number=parse_certificate_number(certificate) if certificate else None, sha256=sha256,
        ) if registries and (certificate or sha256) else None
        return JSONResponse(VerifyResult.build(verification, size, services.deployment.chain_id,
                                               services.deployment.contracts, recognised).answer())

    return await run_in_threadpool(answer)
