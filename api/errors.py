"""Every error leaves the API as JSON with a stable code and a message that says what to fix; no 500s
for anything a client can cause."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.errors import (
    ChainError,
    ConfigurationError,
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
    if isinstance(exc, (ValidationError, SigningError)):
        return 422
    if isinstance(exc, ChainError):
        return 502
    if isinstance(exc, ConfigurationError):
        return 503
    return 400


def body_for(exc: RegistryError) -> dict:
    body: dict = {"error": exc.code, "message": str(exc)}
    if isinstance(exc, ValidationError) and exc.errors:
        body["errors"] = exc.errors
    if isinstance(exc, ContractRevert):
        body["contract_error"] = {"name": exc.error_name, "args": exc.error_args}
    return body


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    @app.exception_handler(RegistryError)
    async def registry_error(_: Request, exc: RegistryError) -> JSONResponse:
        return JSONResponse(status_code=status_for(exc), content=body_for(exc))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        message = "The request is invalid: " + "; ".join(f"'{e['field']}': {e['message']}" for e in errors) + "."
        return JSONResponse(status_code=422, content={"error": "invalid_request", "message": message,
                                                      "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(status_code=exc.status_code, content={"error": code, "message": str(exc.detail)})

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            status_code=500,
            content={"error": "internal_error", "message": "An unexpected error occurred; it has been logged."},
        )
