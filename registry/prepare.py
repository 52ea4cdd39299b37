"""Turns a data file and its metadata document into a registration, checking everything that can be
checked before a transaction is built: a malformed document or a rights set the policy forbids is refused
here, with a message naming the field, and nothing is signed or sent."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress

from registry.chain.types import Registration, Source
from registry.content import (
    Fingerprint,
    cid_to_digest,
    fingerprint_bytes,
    fingerprint_file,
)
from registry.content.fingerprint import Progress
from registry.errors import MetadataError, ValidationError
from registry.metadata import MetadataDocument, canonical_bytes, parse_metadata
from registry.vocabulary import Attribute, RightKind


@dataclass(frozen=True)
class PreparedRegistration:
    registration: Registration
    fingerprint: Fingerprint
    document: MetadataDocument
    metadata_bytes: bytes  # canonical bytes: what is stored and content-addressed
    metadata_cid: str


def load_metadata(path: Path) -> MetadataDocument:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MetadataError(f"Cannot read the metadata document '{path}': {exc.strerror}.") from exc
    return parse_metadata(raw)


def holders_for(
    document: MetadataDocument, registrant: str, explicit: Iterable[tuple[str, RightKind]] = ()
) -> list[tuple[str, RightKind]]:
    """Who receives which right: the --holder options if any, else the addressed entries of the document's
    rights configuration, else the registrant holds all three."""
    pairs = list(explicit)
    if not pairs:
        # The document's RightKind is an enum built at run time (registry.metadata.schema): mypy cannot see its members.
        by_address: dict[ChecksumAddress, set[Any]] = document.rights_kinds_by_address()
        pairs = [
            (address, RightKind.parse(kind.value))
            for address, kinds in by_address.items()
            for kind in kinds
        ]
    if not pairs:
        pairs = [(registrant, kind) for kind in RightKind]
    if document.source_type.value == "public_crawled" and any(k == RightKind.OPERATING for _, k in pairs):
        raise ValidationError(
            "Publicly crawled data may register only holding and usage rights, not the operating right "
            "(数据产权登记工作指引, art. 21). Remove the operating right from --holder or the metadata's rights."
        )
    return pairs


def prepare_registration(
    data_path: Path,
    document: MetadataDocument,
    registrant: str,
    holders: Iterable[tuple[str, RightKind]] = (),
    sources: Iterable[Source] = (),
    progress: Progress | None = None,
) -> PreparedRegistration:
    sources = tuple(sources)
    if document.source_type.value == "derived" and not sources:
        raise ValidationError(
            "The metadata says the data is derived ('source_type': 'derived') but no source asset was given. "
            "Name each source with --source ASSET_ID (you need a valid usage right over it)."
        )
    if sources and document.source_type.value != "derived":
        raise ValidationError(
            f"Sources were given but the metadata's 'source_type' is '{document.source_type.value}'. "
            "Set it to 'derived' for derived data."
        )
    fingerprint = fingerprint_file(data_path, progress)
    metadata_bytes = canonical_bytes(document)
    metadata_cid = fingerprint_bytes(metadata_bytes).cid
    registration = Registration(
        content_hash=fingerprint.sha256,
        content_cid=fingerprint.cid_digest,
        metadata_cid=cid_to_digest(metadata_cid),
        classification=document.classification_code(),
        # The derived bit is the contract's to set, from the sources.
        attributes=int(document.attribute_flags() & ~Attribute.DERIVED),
        sources=sources,
        holders=Registration.merge_holders(holders_for(document, registrant, holders)),
    )
    return PreparedRegistration(registration, fingerprint, document, metadata_bytes, metadata_cid)
