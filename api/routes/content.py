"""Metadata documents: validated against the published schema, stored by content id, served back."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.schemas import MetadataStored
from registry.content.cid import cid_to_digest
from registry.errors import ValidationError
from registry.metadata import canonical_bytes, json_schema, parse_metadata

router = APIRouter(prefix="/v1", tags=["metadata"])


@router.get("/schemas/metadata", summary="The metadata document's JSON Schema")
def metadata_schema() -> dict[str, Any]:
    return json_schema()


@router.post("/metadata", response_model=MetadataStored, status_code=201, summary="Store a metadata document")
def put_metadata(services: ServicesDep, document: dict[str, Any] = Body(...)) -> MetadataStored:
    """Validates the document (a 422 names every offending field), stores its canonical bytes and returns
    the content id to register with. Assets already registered with this content id get its fields from the
    indexer, which looks for the documents they lack while it is idle."""
    if _has_nul(document):
        raise ValidationError("The metadata document contains a NUL character (\\u0000) in its text, which cannot "
                              "be indexed: remove it.", [{"field": "request", "message": "NUL character in text"}])
    data = canonical_bytes(parse_metadata(document))
    cid = services.store.put(data)
    return MetadataStored(cid=cid, digest="0x" + cid_to_digest(cid).hex(), size=len(data))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@router.post("/content", response_model=MetadataStored, status_code=201,
             summary="Store a document (terms, evidence) by its content id")
async def put_content(request: Request, services: ServicesDep) -> MetadataStored:
    """Stores the request body as it is, up to 10 MiB, and returns its CID (as `ipfs add` would print it).
    For grant terms and revocation evidence: the chain records only the CID. Never raw data."""
    data = await request.body()
    if not data:
        raise ValidationError("The request body is empty: send the document's bytes.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"The document is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}.")
    cid = await run_in_threadpool(services.store.put, data)
    return MetadataStored(cid=cid, digest="0x" + cid_to_digest(cid).hex(), size=len(data))


@router.get("/content/{cid}", summary="A stored document, byte for byte")
def get_content(cid: str, services: ServicesDep) -> Response:
    cid_to_digest(cid)
    return Response(content=services.store.get(cid), media_type="application/octet-stream")


@router.get("/metadata/{cid}", summary="A stored metadata document, byte for byte")
def get_metadata(cid: str, services: ServicesDep) -> Response:
    cid_to_digest(cid)  # a malformed CID gets a 422 that says so, not a 404
    return Response(content=services.store.get(cid), media_type="application/json")
