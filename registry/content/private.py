"""Private documents (application documents, objection evidence), encrypted at rest in a local store.

They are addressed as every document is, by the CIDv0 of their plaintext (what goes on chain), so that
`datareg fingerprint` of the file a party holds finds them and the chain's digest can be checked; but their
bytes are kept only on this machine, AES-256-GCM encrypted, never on an IPFS node (where anyone who knows a CID
can fetch it). Each file holds MAGIC, a random 96-bit nonce and the ciphertext with its tag; the CID is the
associated data, so a file moved under another CID does not decrypt. Reads decrypt and re-hash, so a file
changed on disk or a wrong key is reported, never served.

The key is DATAREG_CONTENT_KEY (64 hex digits, or base64 of 32 bytes) or, unset, a random key generated once
in DATA_DIR/content.key (readable by its owner only). Losing the key loses the documents: back it up with them.
"""
from __future__ import annotations

import base64
import binascii
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from Crypto.Cipher import AES  # pycryptodome, which eth-account already depends on (eth-keyfile)

from registry.content.cid import cid_to_digest, digest_to_cid
from registry.content.fingerprint import fingerprint_bytes
from registry.errors import ConfigurationError, ContentError, ContentNotFound

log = logging.getLogger("datareg.content")

MAGIC = b"DRENC1\n"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_FILE = "content.key"


def parse_key(text: str) -> bytes:
    """A 32-byte key from 64 hex digits or base64 (standard or URL-safe)."""
    text = text.strip()
    try:
        key = bytes.fromhex(text.removeprefix("0x")) if len(text.removeprefix("0x")) == 64 else \
            base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != 32:
        raise ConfigurationError("DATAREG_CONTENT_KEY must be 32 bytes, as 64 hex digits or in base64 (e.g. "
                                 "`python -c \"import os; print(os.urandom(32).hex())\"`).")
    return key


def load_key(data_dir: Path, configured: str | None) -> bytes:
    """The configured key, or the one in DATA_DIR/content.key, generated (mode 0600) the first time."""
    if configured:
        return parse_key(configured)
    path = Path(data_dir) / KEY_FILE
    try:
        return parse_key(path.read_text())
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigurationError(f"Cannot read the content key (DATA_DIR/{KEY_FILE}): {exc.strerror}.") from exc
    key = os.urandom(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first: use theirs
        return parse_key(path.read_text())
    except OSError as exc:
        raise ConfigurationError(f"Cannot create the content key (DATA_DIR/{KEY_FILE}): {exc.strerror}. Set "
                                 "DATAREG_CONTENT_KEY or make DATAREG_DATA_DIR writable.") from exc
    with os.fdopen(descriptor, "w") as stream:
        stream.write(key.hex() + "\n")
    return key


class EncryptedContentStore:
    """Private documents under `root`, one file per CID of the plaintext, AES-256-GCM encrypted. `key` is the key
    or a function that gives it, asked the first time a document is written or read (so an API that never stores
    a private document never creates DATA_DIR/content.key)."""

    def __init__(self, root: Path, key: bytes | Callable[[], bytes]) -> None:
        if isinstance(key, bytes) and len(key) != 32:
            raise ConfigurationError("The content key must be 32 bytes.")
        self.root = Path(root)
        self._key_source = key
        self._loaded: bytes | None = key if isinstance(key, bytes) else None

    @property
    def _key(self) -> bytes:
        if self._loaded is None:
            assert callable(self._key_source)
            self._loaded = self._key_source()
        return self._loaded

    def __repr__(self) -> str:
        return f"EncryptedContentStore('{self.root}')"

    def _path(self, cid: str) -> Path:
        digest = cid_to_digest(cid)  # validates it
        return self.root / digest[:1].hex() / digest_to_cid(digest)

    def put(self, data: bytes) -> str:
        cid = fingerprint_bytes(data).cid
        path = self._path(cid)
        nonce = os.urandom(NONCE_BYTES)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
        cipher.update(cid.encode())
        ciphertext, tag = cipher.encrypt_and_digest(data)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(MAGIC + nonce + ciphertext + tag)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ContentError(f"Cannot write to the private document store at '{self.root}': "
                               f"{exc.strerror or exc}. Check that DATAREG_DATA_DIR is writable.") from exc
        return cid

    def get(self, cid: str) -> bytes:
        path = self._path(cid)
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise ContentNotFound(f"The private document store has no document with CID '{cid}'.") from exc
        except OSError as exc:
            raise ContentError(f"Cannot read '{path}' from the private document store: {exc.strerror or exc}.") \
                from exc
        if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + NONCE_BYTES + TAG_BYTES:
            raise ContentError(f"The private document store's file '{path}' is not an encrypted document.")
        body = raw[len(MAGIC):]
        nonce, ciphertext, tag = body[:NONCE_BYTES], body[NONCE_BYTES:-TAG_BYTES], body[-TAG_BYTES:]
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
        cipher.update(path.name.encode())
        try:
            data = cipher.decrypt_and_verify(ciphertext, tag)
        except ValueError as exc:
            raise ContentError(f"The private document store's file '{path}' does not decrypt with the configured "
                               "key (DATAREG_CONTENT_KEY or DATA_DIR/content.key): a wrong key, or the file was "
                               "changed on disk.") from exc
        if fingerprint_bytes(data).cid != path.name:
            raise ContentError(f"The private document store's file '{path}' decrypts to other content than its "
                               "CID's.")
        return data

    def has(self, cid: str) -> bool:
        return self._path(cid).is_file()

    def sibling(self, name: str) -> "EncryptedContentStore":
        """A store of its own beside this one (DATA_DIR/`name`), under the same key: for documents that must not
        be found through this one's readers (accounting documents, which regulators may not read either)."""
        return EncryptedContentStore(self.root.with_name(name), self._key_source)


def open_private_store(data_dir: Path, configured_key: str | None) -> EncryptedContentStore:
    """The store under DATA_DIR/private; a configured key is checked now, a generated one made when first needed."""
    if configured_key:
        return EncryptedContentStore(Path(data_dir) / "private", parse_key(configured_key))
    return EncryptedContentStore(Path(data_dir) / "private", lambda: load_key(data_dir, None))
