"""Every error leaves the API as JSON with a stable code and a message that says what to fix; no 500s
for anything a client can cause."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.chain.read_request import SCHEME as READ_SCHEME
from registry.db.session import is_read_only_error
from registry.errors import (
    AccessDenied,
    AuthenticationRequired,
    ChainError,
    ChainUnavailable,
    CommitmentMismatch,
    ConfigurationError,
    ContentError,
    ContentNotFound,
    ContractRevert,
    NotFound,
    RegistryError,
    SigningError,
    ValidationError,
)

log = logging.getLogger("datareg.api")

# Contract refusals that mean something specific over HTTP; every other refusal is a 422.
_REVERT_STATUS = {"AssetAlreadyRegistered": 409, "AssetNotFound": 404, "RightNotFound": 404, "ListingNotFound": 404,
                  "ParticipantNotFound": 404, "DuplicateExchangeListingId": 409, "AlreadyCrossListed": 409,
                  "ParticipantExists": 409}


def status_for(exc: RegistryError) -> int:
    if isinstance(exc, ContractRevert):
        return _REVERT_STATUS.get(exc.error_name, 422)
    if isinstance(exc, (NotFound, ContentNotFound)):
        return 404
    if isinstance(exc, AuthenticationRequired):
        return 401
    if isinstance(exc, AccessDenied):
        return 403
    if isinstance(exc, CommitmentMismatch):
        return 409
    if isinstance(exc, (ValidationError, SigningError)):
        return 422
    if isinstance(exc, ChainUnavailable):
        return 503
    if isinstance(exc, ChainError):
        return 502
    if isinstance(exc, ConfigurationError):
        return 503
    return 400


def body_for(exc: RegistryError) -> dict:
    body: dict = {"error": exc.code, "message": public_message(exc)}
    if isinstance(exc, ValidationError) and exc.errors:
        body["errors"] = exc.errors
    if isinstance(exc, ContractRevert):
        body["contract_error"] = {"name": exc.error_name, "args": exc.error_args}
    return body


def public_message(exc: RegistryError) -> str:
    """The error's message as the API tells it: a content store's own messages name where it keeps its files (a
    directory of this server) or the IPFS node it talks to, which are the operator's business, not a client's;
    those are logged and the client is told what it can act on."""
    if isinstance(exc, ContentError) and not isinstance(exc, ValidationError):
        log.warning("content store: %s", exc)
        if isinstance(exc, ContentNotFound):
            return ("The content store has no document with this CID. Store it first (POST /v1/content or "
                    "/v1/metadata), or check the CID.")
        return "The content store could not serve or store this document; the cause has been logged. Try again later."
    return str(exc)


_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "request_too_large",
               415: "unsupported_media_type", 429: "rate_limited"}
#: Seconds a client is asked to wait before trying again while the database or the chain node is unreachable.
DATABASE_RETRY_AFTER = 5
CHAIN_RETRY_AFTER = 5


def database_error_response(exc: Exception) -> JSONResponse:
    """The index database cannot be reached (connection refused or lost, pool exhausted, SQLite locked or
    unreadable): a 503 that says so and when to retry, not a 500. A write refused by a read-only database is
    a 503 of its own: reads go on being served."""
    if is_read_only_error(exc):
        return JSONResponse(status_code=503, content={
            "error": "database_read_only",
            "message": "The index database is read-only at the moment, so this request, which writes to it, was "
                       "not carried out; reads are still served. Try again when it can be written: GET /v1/status "
                       "says why it is read-only."},
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)})
    log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return JSONResponse(
        status_code=503,
        content={"error": "database_unavailable",
                 "message": "The index database cannot be reached at the moment, so the request could not be "
                            f"answered. Try again in {DATABASE_RETRY_AFTER} s. "
                            "GET /v1/status shows whether the database and the chain node are reachable."},
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def registry_error(_: Request, exc: RegistryError) -> JSONResponse:
        status = status_for(exc)
        headers = {"Retry-After": str(CHAIN_RETRY_AFTER)} if isinstance(exc, ChainUnavailable) else None
        if isinstance(exc, AuthenticationRequired):
            headers = {"WWW-Authenticate": f'{READ_SCHEME} realm="datareg", error="{exc.code}"'}
        return JSONResponse(status_code=status, content=body_for(exc), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = exc.errors()
        broken = next((e for e in raw if e.get("type") == "json_invalid"), None)
        if broken is not None:
            reason = (broken.get("ctx") or {}).get("error", "malformed")
            position = broken["loc"][-1] if broken.get("loc") else "?"
            return JSONResponse(status_code=422, content={
                "error": "invalid_json",
                "message": f"The request body is not valid JSON ({reason} at byte {position}). Send one JSON object, "
                           "encoded as UTF-8, with Content-Type: application/json.",
                "errors": [{"field": "request", "message": f"invalid JSON: {reason}"}]})
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in raw]
        if any(e["field"] == "request" for e in errors) and "json" not in request.headers.get("content-type", ""):
            errors.append({"field": "request", "message": "send the body as JSON with Content-Type: application/json"})
        message = "The request is invalid: " + "; ".join(f"'{e['field']}': {e['message']}" for e in errors) + "."
        return JSONResponse(status_code=422, content={"error": "invalid_request", "message": message,
                                                      "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = getattr(exc, "error_code", None) or _HTTP_CODES.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = (f"Not Found: there is no endpoint at '{request.url.path}'. The API's paths are listed in its "
                       "OpenAPI document at /docs and /openapi.json.")
        elif exc.status_code == 405:
            allowed = (getattr(exc, "headers", None) or {}).get("Allow", "")
            message = (f"{request.method} is not accepted at '{request.url.path}'"
                       + (f"; use {allowed}." if allowed else ".") + " See /docs for each endpoint's methods.")
        elif exc.status_code == 400 and message == "There was an error parsing the body":
            message = ("The request body could not be read: send JSON (Content-Type: application/json) encoded "
                       "as UTF-8.")
        return JSONResponse(status_code=exc.status_code, content={"error": code, "message": message},
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(UnicodeError)
    async def invalid_text(_: Request, exc: UnicodeError) -> JSONResponse:
        # JSON may carry "\ud800" (a lone surrogate) and URLs raw bytes that are not UTF-8: text that cannot
        # be stored, hashed or signed as UTF-8.
        return JSONResponse(status_code=422, content={
            "error": "invalid_text",
            "message": "The request contains text that is not valid Unicode (an unpaired surrogate such as "
                       "\\ud800, or bytes that are not UTF-8). Send every text as UTF-8.",
        })

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        return database_error_response(exc)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated or is_read_only_error(exc):
            return database_error_response(exc)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            status_code=500,
            content={"error": "internal_error", "message": "An unexpected error occurred; it has been logged."},
        )
