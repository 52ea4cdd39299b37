"""Content addressing for the registry: Kubo-compatible fingerprints, CIDs, and stores that hold content by CID."""
from registry.content.cid import (
    InvalidCid,
    b58decode,
    b58encode,
    cid_to_digest,
    digest_to_cid,
    is_cid,
)
from registry.content.fingerprint import (
    CHUNK_SIZE,
    MAX_LINKS,
    Fingerprint,
    Fingerprinter,
    Progress,
    fingerprint_bytes,
    fingerprint_file,
)
from registry.content.store import (
    ContentStore,
    KuboContentStore,
    LocalContentStore,
    open_store,
)

__all__ = [
    "CHUNK_SIZE",
    "MAX_LINKS",
    "ContentStore",
    "Fingerprint",
    "Fingerprinter",
    "InvalidCid",
    "KuboContentStore",
    "LocalContentStore",
    "Progress",
    "b58decode",
    "b58encode",
    "cid_to_digest",
    "digest_to_cid",
    "fingerprint_bytes",
    "fingerprint_file",
    "is_cid",
    "open_store",
]
