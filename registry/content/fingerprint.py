"""Fingerprint a file in one streaming pass: its SHA-256 and the CID `ipfs add` would print for it, with no IPFS node.

The CID reproduces Kubo's defaults exactly: CIDv0, a fixed-size chunker of 262144 bytes, leaves that are UnixFS
`File` nodes inside dag-pb blocks (not raw leaves), and the balanced layout with at most 174 links per node.
Nothing but the running SHA-256 states and, per tree level, fewer than 174 child digests is kept in memory, so
any file size fits in constant memory.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from registry.content.cid import cid_to_digest, digest_to_cid
from registry.errors import ContentError

#: Kubo's default chunker, `size-262144`.
CHUNK_SIZE = 262_144
#: Kubo's default maximum number of links in one UnixFS file node (helpers.DefaultLinksPerBlock).
MAX_LINKS = 174
#: How much is read from disk at once: several chunks per system call, a few MiB of memory at most.
_READ_SIZE = 16 * CHUNK_SIZE

#: Called with (bytes hashed so far, total bytes expected) while a file is fingerprinted.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Fingerprint:
    """What the registry anchors for a file: its SHA-256, its IPFS CID and its length."""

    sha256: bytes
    cid: str
    size: int

    @property
    def sha256_hex(self) -> str:
        """The SHA-256 as 0x-prefixed hex, the form the contract's bytes32 arguments take."""
        return "0x" + self.sha256.hex()

    @property
    def cid_digest(self) -> bytes:
        """The 32-byte digest inside the CID: what the chain stores in place of the CID text."""
        return cid_to_digest(self.cid)


def _varint(value: int) -> bytes:
    """Protobuf base-128 varint of a non-negative integer."""
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


# Protobuf field keys (field number << 3 | wire type) of the two tiny schemas involved.
#   dag-pb  PBNode { Data = 1 (bytes); Links = 2 (repeated PBLink) }   -- Links are written before Data.
#           PBLink { Hash = 1 (bytes); Name = 2 (string); Tsize = 3 (uint64) }
#   UnixFS  Data   { Type = 1 (enum, File = 2); Data = 2 (bytes); filesize = 3; blocksizes = 4 (repeated, unpacked) }
_PBNODE_DATA = b"\x0a"
_PBNODE_LINK = b"\x12"
_UNIXFS_TYPE_FILE = b"\x08\x02"
_UNIXFS_DATA = b"\x12"
_UNIXFS_FILESIZE = b"\x18"
_UNIXFS_BLOCKSIZE = b"\x20"
# A link's Hash (a 34-byte sha2-256 multihash) and its Name, which Kubo always writes, empty, for file chunks.
_LINK_HASH_PREFIX = b"\x0a\x22\x12\x20"
_LINK_EMPTY_NAME = b"\x12\x00"
_LINK_TSIZE = b"\x18"


@dataclass(frozen=True)
class _Child:
    """A finished sub-DAG as its parent needs it: digest and Tsize for the link, file bytes for blocksizes."""

    digest: bytes
    tsize: int
    filesize: int


def _leaf(chunk: bytes | bytearray | memoryview) -> _Child:
    """Hash the dag-pb block of one chunk without copying the chunk: header and trailer are fed around it."""
    length = len(chunk)
    # An empty file's only leaf carries no Data field at all (Kubo's leaf of nil data), only Type and filesize=0.
    data_field = _UNIXFS_DATA + _varint(length) if length else b""
    unixfs_length = len(_UNIXFS_TYPE_FILE) + len(data_field) + length + 1 + len(_varint(length))
    header = _PBNODE_DATA + _varint(unixfs_length) + _UNIXFS_TYPE_FILE + data_field
    trailer = _UNIXFS_FILESIZE + _varint(length)
    block = hashlib.sha256(header)
    block.update(chunk)
    block.update(trailer)
    return _Child(block.digest(), len(header) + length + len(trailer), length)


def _internal(children: list[_Child]) -> _Child:
    """The dag-pb block of a UnixFS File node linking `children`, which holds no data of its own."""
    links = bytearray()
    for child in children:
        link = _LINK_HASH_PREFIX + child.digest + _LINK_EMPTY_NAME + _LINK_TSIZE + _varint(child.tsize)
        links += _PBNODE_LINK + _varint(len(link)) + link
    filesize = sum(child.filesize for child in children)
    unixfs = bytearray(_UNIXFS_TYPE_FILE + _UNIXFS_FILESIZE + _varint(filesize))
    for child in children:
        unixfs += _UNIXFS_BLOCKSIZE + _varint(child.filesize)
    block = bytes(links + _PBNODE_DATA + _varint(len(unixfs)) + unixfs)
    return _Child(hashlib.sha256(block).digest(), len(block) + sum(child.tsize for child in children), filesize)


class _Hash(Protocol):
    """What Fingerprinter needs of its whole-input hash: hashlib's sha256, or _BackgroundSha256."""

    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


class _BackgroundSha256:
    """A SHA-256 fed in a worker thread, so that the whole file's digest and the CID's chunk digests are
    computed on two cores at once (hashlib releases the GIL while it hashes). update() returns once the piece
    before is hashed, so a reader alternating between two buffers may refill the one not in flight."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="sha256")
        self._in_flight: Future[None] | None = None

    def update(self, data: bytes | bytearray | memoryview, /) -> None:
        self._wait()
        self._in_flight = self._worker.submit(self._hash.update, data)

    def digest(self) -> bytes:
        self._wait()
        return self._hash.digest()

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    def _wait(self) -> None:
        if self._in_flight is not None:
            self._in_flight.result()
            self._in_flight = None


class Fingerprinter:
    """Incremental fingerprint: feed bytes in pieces of any size with update(), then call finish() once.

    The DAG is built as the leaves arrive. levels[h] holds the finished sub-DAGs of height h still waiting
    for a parent; when 174 are waiting they become one node of height h+1 straight away, which is what
    Kubo's balanced layout does too: it fills each node to 174 children before starting the next one.
    """

    def __init__(self, sha256: _Hash | None = None) -> None:
        # The whole input's SHA-256; fingerprint_file passes one fed in another thread.
        self._sha256 = sha256 or hashlib.sha256()
        self._pending = bytearray()
        self._levels: list[list[_Child]] = []
        self._size = 0
        self._finished = False

    @property
    def size(self) -> int:
        """Bytes fed so far."""
        return self._size

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Feed the next bytes of the input; whole chunks are hashed at once, a partial one is kept until filled."""
        if self._finished:
            raise ContentError("This Fingerprinter has already finished. Start a new one for the next file.")
        view = memoryview(data).cast("B")
        self._sha256.update(view)
        self._size += len(view)
        if self._pending:
            # Top up the partial chunk left by the previous call before cutting whole chunks from the rest.
            take = min(CHUNK_SIZE - len(self._pending), len(view))
            self._pending += view[:take]
            view = view[take:]
            if len(self._pending) < CHUNK_SIZE:
                return
            self._add(_leaf(self._pending))
            self._pending.clear()
        whole = len(view) - len(view) % CHUNK_SIZE
        for offset in range(0, whole, CHUNK_SIZE):
            self._add(_leaf(view[offset:offset + CHUNK_SIZE]))
        self._pending += view[whole:]

    def finish(self) -> Fingerprint:
        """Close the DAG and return the fingerprint of everything fed; the Fingerprinter cannot be fed after."""
        if self._finished:
            raise ContentError("This Fingerprinter has already finished. Start a new one for the next file.")
        self._finished = True
        # The short last chunk; for an empty input, the single empty leaf Kubo makes.
        if self._pending or not self._levels:
            self._add(_leaf(self._pending))
            self._pending.clear()
        return Fingerprint(self._sha256.digest(), digest_to_cid(self._root().digest), self._size)

    def _add(self, leaf: _Child) -> None:
        node, height = leaf, 0
        while True:
            if height == len(self._levels):
                self._levels.append([])
            level = self._levels[height]
            level.append(node)
            if len(level) < MAX_LINKS:
                return
            node = _internal(level)
            level.clear()
            height += 1

    def _root(self) -> _Child:
        top = len(self._levels) - 1
        # One finished sub-DAG and nothing else: it is the whole file (a single leaf, or a full tree).
        if len(self._levels[top]) == 1 and not any(self._levels[:top]):
            return self._levels[top][0]
        # Otherwise close the right edge bottom-up. Every leaf sits at the same depth in Kubo's layout, so a
        # partial node on a low level becomes a chain of single-child nodes until it meets a level with siblings.
        carry: _Child | None = None
        for height in range(top):
            children = self._levels[height] + ([carry] if carry else [])
            carry = _internal(children) if children else None
        children = self._levels[top] + ([carry] if carry else [])
        return _internal(children)


def fingerprint_bytes(data: bytes | bytearray | memoryview) -> Fingerprint:
    """Fingerprint bytes already in memory."""
    fingerprinter = Fingerprinter()
    fingerprinter.update(data)
    return fingerprinter.finish()


def fingerprint_file(path: str | os.PathLike[str], progress: Progress | None = None) -> Fingerprint:
    """Fingerprint a file of any size in one pass, calling progress(bytes_done, total) after each read."""
    file_path = Path(path)
    sha256 = _BackgroundSha256()
    fingerprinter = Fingerprinter(sha256)
    # Two buffers in turn: one is read into and cut into chunks here while the worker hashes the other.
    views = [memoryview(bytearray(_READ_SIZE)) for _ in range(2)]
    try:
        # Unbuffered: readinto fills our buffer directly, without a second copy through Python's file buffer.
        with file_path.open("rb", buffering=0) as stream:
            total = os.fstat(stream.fileno()).st_size
            if progress:
                progress(0, total)
            turn = 0
            while count := stream.readinto(views[turn]):
                fingerprinter.update(views[turn][:count])
                turn ^= 1
                if progress:
                    progress(fingerprinter.size, total)
    except FileNotFoundError as exc:
        raise ContentError(f"Cannot fingerprint '{file_path}': there is no such file. Check the path.") from exc
    except IsADirectoryError as exc:
        raise ContentError(
            f"Cannot fingerprint '{file_path}': it is a directory. Fingerprint the files inside it one by one."
        ) from exc
    except OSError as exc:
        raise ContentError(
            f"Cannot read '{file_path}': {exc.strerror or exc}. Check that the file is readable."
        ) from exc
    finally:
        sha256.close()
    return fingerprinter.finish()
