"""Metadata documents: validated against the published schema, stored by content id, served back."""
from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ReaderDep, ServicesDep, SessionDep
from api.schemas import MetadataStored
from api.views.privacy import DOCUMENT_READERS, EVIDENCE_READERS, WITHHELD_HEADER, Audience
from registry.content.cid import cid_to_digest
from registry.db import access
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
async def put_content(
    request: Request,
    services: ServicesDep,
    private: Annotated[bool, Query(description="A private document (application documents, objection evidence): "
                                   "kept encrypted on this server, never on IPFS, and served only to the parties "
                                   "of the application or objection that names it, and to regulators.")] = False,
) -> MetadataStored:
    """Stores the request body as it is, up to 10 MiB, and returns its CID (as `ipfs add` would print it).
    For grant terms and revocation evidence: the chain records only the CID. Never raw data."""
    data = await request.body()
    if not data:
        raise ValidationError("The request body is empty: send the document's bytes.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError(f"The document is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}.")
    store = services.private_store if private and services.private_store is not None else services.store
    cid = await run_in_threadpool(store.put, data)
    return MetadataStored(cid=cid, digest="0x" + cid_to_digest(cid).hex(), size=len(data))


@router.get("/content/{cid}", summary="A stored document, byte for byte",
            responses={401: {"description": "A private document, asked for without a signed read request"},
                       403: {"description": "A private document the reader is not entitled to"}})
def get_content(cid: str, services: ServicesDep, db: SessionDep, reader: ReaderDep) -> Response:
    """Application documents and objection evidence (the CIDs an application, a change application or an
    objection names, and documents stored with `private=true`) are served only to the parties entitled to them,
    who prove who they are with a signed read request (`Authorization: DataReg-EIP712 ...`): the applicant, the
    registrar handling the application, regulators, and an objection's objector. Everyone else gets 401 or 403
    saying so. Other documents are public."""
    cid_to_digest(cid)
    private = services.private_store
    held_privately = private is not None and private.has(cid)
    bindings = access.private_bindings(db, cid, search_events=held_privately)
    if bindings or held_privately:
        audience = Audience(db, reader)
        # Named by an application or objection: its parties and regulators; not (yet) named: regulators only.
        entitled = any(audience.may(binding.parties) for binding in bindings) if bindings \
            else not audience.anonymous and audience.regulator()
        if not entitled:
            if bindings:
                binding = bindings[0]
                readers = EVIDENCE_READERS if binding.what == "objection evidence" else DOCUMENT_READERS
                raise reader.refusal(f"the {binding.what} of asset {binding.asset_id}", readers)
            raise reader.refusal("this private document, which no application or objection names yet",
                                 "regulators")
        data = private.get(cid) if held_privately and private is not None else services.store.get(cid)
        return Response(content=data, media_type="application/octet-stream",
                        headers={"Cache-Control": "private, no-store"})
    return Response(content=services.store.get(cid), media_type="application/octet-stream")


@router.get("/metadata/{cid}", summary="A stored metadata document, byte for byte")
def get_metadata(cid: str, services: ServicesDep, db: SessionDep, reader: ReaderDep) -> Response:
    """Byte for byte, except the applicant's contact details (applicant.contact: names, phones, e-mails) and the
    personal-information basis (personal_information_basis: legal basis and evidence): those only the application
    parties of an asset with this document (its registrant, applicant and registrar) and
    regulators may read, with a signed read request. Anyone else gets the document without them, as JSON with
    the DataReg-Withheld header naming what was left out (so its bytes no longer hash to the CID)."""
    cid_to_digest(cid)  # a malformed CID gets a 422 that says so, not a 404
    data = services.store.get(cid)
    if b'"contact"' not in data and b'"personal_information_basis"' not in data:
        return Response(content=data, media_type="application/json")
    try:
        document = json.loads(data)
    except ValueError:
        return Response(content=data, media_type="application/json")
    audience = Audience(db, reader)
    shown = audience.metadata(document, lambda: access.metadata_parties(db, cid), field="")
    if shown is document:
        return Response(content=data, media_type="application/json",
                        headers={"Cache-Control": "private, no-store"} if reader.address else None)
    return Response(content=json.dumps(shown, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                    media_type="application/json",
                    headers={WITHHELD_HEADER: ", ".join(f.lstrip(".") for f in audience.withheld)})
