"""Where documents and files live, addressed by their CID: a directory on this machine, or a Kubo (IPFS) node.

Both stores name content by the CIDv0 `ipfs add` would print for it with Kubo's defaults, so a document put
in the local store during development has the same CID, and the same on-chain digest, once it is on IPFS.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

import httpx

from registry.config import Settings
from registry.content.cid import cid_to_digest, digest_to_cid
from registry.content.fingerprint import fingerprint_bytes
from registry.errors import ContentError, ContentNotFound


@runtime_checkable
class ContentStore(Protocol):
    """Content-addressed bytes. CIDs may be given as CIDv0 (Qm…) or base32 CIDv1 (bafy…); others raise InvalidCid."""

    def put(self, data: bytes) -> str:
        """Store `data` and return its CIDv0, the one `ipfs add` computes for the same bytes."""
        ...

    def get(self, cid: str) -> bytes:
        """The bytes stored under `cid`; raises ContentNotFound when the store does not have them."""
        ...

    def has(self, cid: str) -> bool:
        """Whether the store can return `cid` without fetching it from elsewhere."""
        ...


def _canonical(cid: str) -> str:
    """The CIDv0 spelling of any accepted CID, so that both spellings of one content find the same entry."""
    return digest_to_cid(cid_to_digest(cid))


class LocalContentStore:
    """Content kept as files under `root`, one per CID, in 256 shard directories named by the digest's first byte.

    Writes go to a temporary file in the shard directory and are renamed into place, so a reader never sees a
    half-written file and a crash leaves at most a stray temporary file. Reads re-hash the file, so a file
    corrupted on disk is reported instead of being served under a CID it no longer matches.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root = str(self.root)

    def __repr__(self) -> str:
        return f"LocalContentStore('{self.root}')"

    def _path(self, cid: str) -> Path:
        return Path(self._file(cid))

    def _file(self, cid: str) -> str:
        # Plain strings, not pathlib: the indexer looks up every new asset's metadata document here.
        digest = cid_to_digest(cid)  # validates it
        canonical = cid.strip() if cid.strip().startswith("Qm") else digest_to_cid(digest)
        return os.path.join(self._root, digest[:1].hex(), canonical)

    def location(self, cid: str) -> tuple[str, str]:
        """The shard directory and the file name `cid` is kept under (whether or not it is there)."""
        return os.path.split(self._file(cid))

    def put(self, data: bytes) -> str:
        cid = fingerprint_bytes(data).cid
        path = self._path(cid)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Always rewrite, even when the file exists: same bytes under the same name is harmless, and it
            # repairs a copy that was corrupted on disk.
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".put-", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ContentError(
                f"Cannot write to the local content store at '{self.root}': {exc.strerror or exc}. "
                "Check that DATAREG_DATA_DIR points at a writable directory with free space."
            ) from exc
        return cid

    def get(self, cid: str) -> bytes:
        path = self._file(cid)
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except FileNotFoundError as exc:
            raise ContentNotFound(
                f"The local content store at '{self.root}' has no content with CID '{cid}'. Store it first, "
                "or set DATAREG_IPFS_API to read it from an IPFS node that has it."
            ) from exc
        except OSError as exc:
            raise ContentError(
                f"Cannot read '{path}' from the local content store: {exc.strerror or exc}. "
                "Check the file's permissions."
            ) from exc
        actual = fingerprint_bytes(data).cid
        if actual != os.path.basename(path):
            raise ContentError(
                f"The local content store's file '{path}' is corrupted: it should hash to CID "
                f"'{os.path.basename(path)}' "
                f"but hashes to '{actual}'. Delete the file and store the original content again."
            )
        return data

    def has(self, cid: str) -> bool:
        return self._path(cid).is_file()


class KuboContentStore:
    """Content kept on a Kubo node, through its HTTP RPC API (the one on port 5001, not the gateway).

    Every put is checked: the CID Kubo reports must equal the one computed here, or else the node adds with
    non-default settings and the on-chain digest would not match what the world computes for the same file.
    """

    def __init__(self, api_url: str, timeout: float = 60.0) -> None:
        self.api_url = api_url.rstrip("/")
        # Connecting is quick or hopeless; reading may take long for a large add or a fetch from the network.
        self._client = httpx.Client(
            base_url=f"{self.api_url}/api/v0", timeout=httpx.Timeout(timeout, connect=5.0)
        )
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"KuboContentStore('{self.api_url}')"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> KuboContentStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def version(self) -> str:
        """Kubo's version string; doubles as a check that the node answers."""
        return str(self._call("version").json().get("Version", "unknown"))

    def put(self, data: bytes) -> str:
        expected = fingerprint_bytes(data).cid
        # The node's own Import.* settings may differ from Kubo's defaults, so the defaults are asked for
        # explicitly; the comparison below still catches what cannot be asked for (e.g. links per node).
        response = self._call(
            "add",
            params={"cid-version": "0", "pin": "true", "chunker": "size-262144", "raw-leaves": "false"},
            files={"file": ("content", data, "application/octet-stream")},
        )
        # One JSON object per line; the last one names the file added (there is only one, and no wrapping directory).
        lines = [line for line in response.text.splitlines() if line.strip()]
        try:
            added: str = json.loads(lines[-1])["Hash"]
        except (IndexError, ValueError, KeyError, TypeError) as exc:
            raise ContentError(
                f"The IPFS node at '{self.api_url}' answered `add` with something that is not Kubo's reply: "
                f"'{response.text[:200]}'. Check that DATAREG_IPFS_API points at Kubo's RPC API (port 5001)."
            ) from exc
        if added != expected:
            raise ContentError(
                f"The IPFS node at '{self.api_url}' stored the content as '{added}', but Kubo's default settings "
                f"give '{expected}'. Reset the node's Import settings (chunker, raw leaves, layout) to the defaults."
            )
        return added

    def get(self, cid: str) -> bytes:
        # Kubo checks every block against its hash as it assembles the file, so the bytes need no re-hashing.
        return self._call("cat", params={"arg": _canonical(cid)}).content

    def has(self, cid: str) -> bool:
        # offline=true answers from the node's own blocks instead of searching the network until a time-out.
        try:
            self._call("cat", params={"arg": _canonical(cid), "offline": "true", "length": "1"})
        except ContentNotFound:
            return False
        return True

    def _call(
        self,
        command: str,
        params: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """POST one RPC command (Kubo refuses GET) and turn transport and node errors into ContentErrors."""
        params = params or {}
        try:
            response = self._client.post(f"/{command}", params=params, files=files)
        except httpx.ReadTimeout as exc:
            if command == "cat":
                # Kubo searches the network for content it lacks until the client gives up: that is a miss.
                raise ContentNotFound(
                    f"The IPFS node at '{self.api_url}' did not find CID '{params.get('arg')}' within "
                    f"{self._timeout:g} s. Check that a node holding it is online, or put the content again."
                ) from exc
            raise ContentError(
                f"The IPFS node at '{self.api_url}' did not finish `{command}` within {self._timeout:g} s. "
                "Check that the node is not overloaded, then try again."
            ) from exc
        except httpx.TransportError as exc:
            raise ContentError(
                f"Cannot reach the IPFS node at '{self.api_url}': {exc or type(exc).__name__}. "
                "Start Kubo or unset DATAREG_IPFS_API to use the local content store."
            ) from exc
        if response.is_success:
            return response
        # Kubo reports failures as {"Message": ..., "Code": ..., "Type": "error"}, with HTTP 500 for most.
        try:
            message = str(response.json()["Message"])
        except (ValueError, KeyError, TypeError):
            message = response.text[:200] or response.reason_phrase
        if "not found" in message or "could not find" in message:
            raise ContentNotFound(
                f"The IPFS node at '{self.api_url}' does not have the content: {message}. "
                "Put the content on the node first."
            )
        raise ContentError(
            f"The IPFS node at '{self.api_url}' refused `{command}` (HTTP {response.status_code}): {message}. "
            "Check the node's log; DATAREG_IPFS_API must point at Kubo's RPC API (port 5001)."
        )


def open_store(settings: Settings) -> ContentStore:
    """The Kubo store when DATAREG_IPFS_API is set, else the local store under the data directory."""
    if settings.ipfs_api:
        return KuboContentStore(settings.ipfs_api)
    return LocalContentStore(settings.data_dir / "content")
