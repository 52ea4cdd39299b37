"""Tests of registry.content: fingerprints and CIDs checked against Kubo's own output, and both content stores."""
from __future__ import annotations

import base64
import hashlib
import json
import random
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.config import Settings
from registry.content import (
    CHUNK_SIZE,
    ContentStore,
    Fingerprinter,
    InvalidCid,
    KuboContentStore,
    LocalContentStore,
    b58decode,
    b58encode,
    cid_to_digest,
    digest_to_cid,
    fingerprint_bytes,
    fingerprint_file,
    is_cid,
    open_store,
)
from registry.content import fingerprint as fingerprint_module
from registry.errors import ContentError, ContentNotFound, ValidationError

VECTORS = json.loads((Path(__file__).parent / "fixtures" / "cid_vectors.json").read_text())
EMPTY_CID = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
HELLO_CID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


@pytest.fixture(scope="module")
def pattern() -> bytes:
    """The vectors' input stream, long enough for the largest one; each vector is a prefix of it."""
    longest = max(vector["size"] for vector in VECTORS["vectors"])
    return hashlib.shake_256(VECTORS["seed"].encode()).digest(longest)


# --- fingerprints -------------------------------------------------------------------------------------------


def test_well_known_kubo_cids(tmp_path: Path) -> None:
    assert fingerprint_bytes(b"").cid == EMPTY_CID
    hello = tmp_path / "hello.txt"
    hello.write_bytes(b"hello world\n")
    fingerprint = fingerprint_file(hello)
    assert fingerprint.cid == HELLO_CID
    assert fingerprint.size == 12
    assert fingerprint.sha256 == hashlib.sha256(b"hello world\n").digest()
    assert fingerprint.sha256_hex == "0x" + hashlib.sha256(b"hello world\n").hexdigest()
    assert fingerprint.cid_digest == cid_to_digest(HELLO_CID)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda vector: f"{vector['size']}B")
def test_fingerprint_matches_kubo(vector: dict, pattern: bytes, tmp_path: Path) -> None:
    # Expected CIDs were printed by Kubo itself (see the fixture's "generator"): one chunk, chunk boundaries,
    # a full 174-link node, and two-level trees with full and partial right edges.
    path = tmp_path / "vector.bin"
    path.write_bytes(memoryview(pattern)[: vector["size"]])
    fingerprint = fingerprint_file(path)
    assert fingerprint.cid == vector["cid"]
    assert fingerprint.sha256.hex() == vector["sha256"]
    assert fingerprint.size == vector["size"]


def test_pieces_of_any_size_give_the_same_fingerprint(pattern: bytes) -> None:
    vector = next(v for v in VECTORS["vectors"] if v["size"] == 2 * CHUNK_SIZE)
    data = memoryview(pattern)[: vector["size"]]
    fingerprinter = Fingerprinter()
    offset = 0
    # Pieces that straddle chunk boundaries, end exactly on one, and are longer than a chunk.
    for piece in (1, 100_000, CHUNK_SIZE - 100_001, 7, CHUNK_SIZE + 3):
        fingerprinter.update(data[offset:offset + piece])
        offset += piece
    fingerprinter.update(data[offset:])
    fingerprint = fingerprinter.finish()
    assert fingerprint.cid == vector["cid"]
    assert fingerprint.sha256.hex() == vector["sha256"]
    with pytest.raises(ContentError, match="already finished"):
        fingerprinter.update(b"more")


def _kubo_balanced_layout(leaves: list, max_links: int):
    """Kubo's balanced.Layout and fillNodeRec (boxo ipld/unixfs/importer/balanced/builder.go), transliterated.

    It holds every leaf in memory and recurses, which the streaming builder must not do but must agree with.
    """
    pending = deque(leaves)

    def fill(children: list, depth: int):
        while len(children) < max_links and pending:
            children.append(pending.popleft() if depth == 1 else fill([], depth - 1))
        return fingerprint_module._internal(children)

    root = pending.popleft()
    depth = 1
    while pending:
        root = fill([root], depth)
        depth += 1
    return root


def test_deep_trees_follow_kubo_balanced_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Three levels of 174-link nodes need files of more than 7.9 GB; shrinking the chunk and the fan-out
    # reaches depth 5 with a few bytes, so every shape of right edge is compared with Kubo's algorithm.
    chunk_size, max_links = 4, 3
    monkeypatch.setattr(fingerprint_module, "CHUNK_SIZE", chunk_size)
    monkeypatch.setattr(fingerprint_module, "MAX_LINKS", max_links)
    for size in range(1, 100 * chunk_size, 3):
        data = hashlib.shake_256(size.to_bytes(4, "big")).digest(size)
        leaves = [fingerprint_module._leaf(data[i:i + chunk_size]) for i in range(0, size, chunk_size)]
        expected = digest_to_cid(_kubo_balanced_layout(leaves, max_links).digest)
        assert fingerprint_bytes(data).cid == expected, f"{size} bytes"


def test_progress_reports_every_read(pattern: bytes, tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    size = 20 * CHUNK_SIZE + 5
    path.write_bytes(pattern[:size])
    calls: list[tuple[int, int]] = []
    fingerprint_file(path, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, size)
    assert calls[-1] == (size, size)
    assert all(total == size for _, total in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_fingerprint_file_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"'.*missing\.bin': there is no such file\. Check the path\."):
        fingerprint_file(tmp_path / "missing.bin")
    with pytest.raises(ContentError, match="it is a directory"):
        fingerprint_file(tmp_path)


# --- CIDs ---------------------------------------------------------------------------------------------------


@given(st.binary(max_size=64))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_base58_keeps_leading_zeros() -> None:
    assert b58encode(b"\0\0\x01") == "112"
    assert b58decode("112") == b"\0\0\x01"


@given(st.binary(min_size=32, max_size=32))
def test_digest_and_cidv0_round_trip_exactly(digest: bytes) -> None:
    cid = digest_to_cid(digest)
    assert cid.startswith("Qm") and len(cid) == 46
    assert cid_to_digest(cid) == digest
    assert digest_to_cid(cid_to_digest(cid)) == cid


def test_cidv1_base32_maps_to_the_same_digest() -> None:
    # The empty UnixFS directory, in both spellings Kubo prints; its block is 0a 02 08 01.
    v0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    v1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
    assert cid_to_digest(v1) == cid_to_digest(v0) == hashlib.sha256(bytes.fromhex("0a020801")).digest()
    assert digest_to_cid(cid_to_digest(v1)) == v0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Qmxyz", "46 characters long"),
        ("", "it is empty"),
        ("hello", "should start with 'Qm'"),
        ("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5O", "character 'O' at position 45"),
        ("Qm" + "1" * 44, "does not decode to a sha2-256 multihash"),
        ("bafy!!", "base32 body does not decode"),
        # The raw-leaves CIDv1 of "hello world\n" (codec 0x55), as `ipfs add --cid-version 1` prints it.
        ("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4", "other than dag-pb"),
    ],
)
def test_malformed_cids_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCid) as caught:
        cid_to_digest(text)
    message = str(caught.value)
    assert reason in message
    assert f"'{text}'" in message
    assert message.endswith("Use the Qm… form printed by `ipfs add` or `datareg fingerprint`.")
    # Both kinds of caller catch it: input validation and content addressing.
    assert isinstance(caught.value, ValidationError) and isinstance(caught.value, ContentError)
    assert not is_cid(text)


def test_is_cid() -> None:
    assert is_cid(HELLO_CID)
    assert is_cid("bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354")
    assert not is_cid(None)
    assert not is_cid(HELLO_CID[:-1])


def test_digest_to_cid_wants_32_bytes() -> None:
    with pytest.raises(ValidationError, match="32 bytes, got 20 bytes"):
        digest_to_cid(b"\x01" * 20)


# --- local store --------------------------------------------------------------------------------------------


def test_local_store_round_trip(tmp_path: Path, pattern: bytes) -> None:
    store = LocalContentStore(tmp_path / "content")
    assert isinstance(store, ContentStore)
    assert store.put(b"hello world\n") == HELLO_CID
    assert store.has(HELLO_CID)
    assert store.get(HELLO_CID) == b"hello world\n"
    assert store.put(b"") == EMPTY_CID
    assert store.get(EMPTY_CID) == b""
    # A multi-chunk document gets the same CID Kubo gives it.
    vector = next(v for v in VECTORS["vectors"] if v["size"] == CHUNK_SIZE + 1)
    assert store.put(pattern[: vector["size"]]) == vector["cid"]
    assert store.get(vector["cid"]) == pattern[: vector["size"]]
    # Sharded by the digest's first byte, named by CIDv0, and no temporary file left behind.
    shard = cid_to_digest(HELLO_CID)[:1].hex()
    assert (tmp_path / "content" / shard / HELLO_CID).read_bytes() == b"hello world\n"
    assert not list((tmp_path / "content").rglob("*.tmp"))


def test_local_store_accepts_cidv1(tmp_path: Path) -> None:
    store = LocalContentStore(tmp_path)
    v0 = store.put(b"hello world\n")
    # The same content spelled as a base32 CIDv1 (version 1, dag-pb 0x70, sha2-256), as `ipfs cid base32` prints.
    v1_bytes = bytes.fromhex("01701220") + cid_to_digest(v0)
    v1 = "b" + base64.b32encode(v1_bytes).decode().lower().rstrip("=")
    assert v1.startswith("bafy")
    assert store.has(v1)
    assert store.get(v1) == b"hello world\n"


def test_local_store_missing_content(tmp_path: Path) -> None:
    store = LocalContentStore(tmp_path)
    assert not store.has(HELLO_CID)
    with pytest.raises(ContentNotFound, match=f"no content with CID '{HELLO_CID}'"):
        store.get(HELLO_CID)
    with pytest.raises(InvalidCid):
        store.get("Qmxyz")


def test_local_store_detects_and_repairs_corruption(tmp_path: Path) -> None:
    store = LocalContentStore(tmp_path)
    cid = store.put(b"hello world\n")
    path = store._path(cid)
    path.write_bytes(b"hello w0rld\n")
    with pytest.raises(ContentError, match="is corrupted") as caught:
        store.get(cid)
    assert not isinstance(caught.value, ContentNotFound)
    assert store.put(b"hello world\n") == cid
    assert store.get(cid) == b"hello world\n"


def test_open_store_picks_by_settings(tmp_path: Path) -> None:
    settings = Settings(
        rpc_url="http://127.0.0.1:8545",
        database_url="sqlite://",
        data_dir=tmp_path,
        api_url="http://127.0.0.1:8000",
        ipfs_api=None,
        deployment_file=tmp_path / "deployment.json",
    )
    local = open_store(settings)
    assert isinstance(local, LocalContentStore) and local.root == tmp_path / "content"
    kubo = open_store(replace(settings, ipfs_api="http://127.0.0.1:5001/"))
    assert isinstance(kubo, KuboContentStore) and kubo.api_url == "http://127.0.0.1:5001"
    kubo.close()


# --- Kubo store ---------------------------------------------------------------------------------------------
# There is no IPFS daemon on the test machines, so these talk to a small real HTTP server that answers the
# three RPC commands the store uses the way Kubo does: POST only, multipart upload for add, one JSON line per
# added file, raw bytes from cat, and errors as {"Message", "Code", "Type"} with HTTP 500. It computes CIDs
# with registry.content itself, which the vector tests above check against Kubo.


class _FakeKubo(BaseHTTPRequestHandler):
    blocks: dict[str, bytes]
    requests: list[tuple[str, dict[str, list[str]]]]
    cid_override: str | None

    def do_GET(self) -> None:
        # Kubo's RPC answers GET with 405 Method Not Allowed.
        self._reply(405, b"405 - Method Not Allowed\n", "text/plain")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append((url.path, query))
        if url.path == "/api/v0/version":
            self._json(200, {"Version": "0.22.0", "Commit": "", "Repo": "14", "System": "amd64/linux"})
        elif url.path == "/api/v0/add":
            data = self._multipart_file(body)
            cid = self.cid_override or fingerprint_bytes(data).cid
            self.blocks[cid] = data
            self._json(200, {"Name": "content", "Hash": cid, "Size": str(len(data))})
        elif url.path == "/api/v0/cat":
            cid = query["arg"][0]
            if cid not in self.blocks:
                message = f"block was not found locally (offline): ipld: could not find {cid}"
                self._json(500, {"Message": message, "Code": 0, "Type": "error"})
                return
            data = self.blocks[cid]
            if "length" in query:
                data = data[: int(query["length"][0])]
            self._reply(200, data, "text/plain")
        else:
            self._reply(404, b"404 page not found\n", "text/plain")

    def _multipart_file(self, body: bytes) -> bytes:
        boundary = self.headers["Content-Type"].split("boundary=", 1)[1].strip('"').encode()
        part = body.split(b"--" + boundary)[1]
        _headers, _, content = part.partition(b"\r\n\r\n")
        return content[: -len(b"\r\n")]

    def _json(self, status: int, value: dict) -> None:
        self._reply(status, json.dumps(value).encode() + b"\n", "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def fake_kubo() -> Iterator[tuple[str, type[_FakeKubo]]]:
    handler = type("Handler", (_FakeKubo,), {"blocks": {}, "requests": [], "cid_override": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_kubo_store_round_trip(fake_kubo: tuple[str, type[_FakeKubo]], pattern: bytes) -> None:
    url, handler = fake_kubo
    data = pattern[: 3 * CHUNK_SIZE + 17]
    with KuboContentStore(url) as store:
        assert isinstance(store, ContentStore)
        assert store.version() == "0.22.0"
        assert store.put(b"hello world\n") == HELLO_CID
        cid = store.put(data)
        assert cid == fingerprint_bytes(data).cid
        assert store.get(cid) == data
        assert store.has(HELLO_CID)
        assert not store.has(EMPTY_CID)
    add_query = next(query for path, query in handler.requests if path == "/api/v0/add")
    assert add_query["cid-version"] == ["0"] and add_query["pin"] == ["true"]
    assert add_query["chunker"] == ["size-262144"] and add_query["raw-leaves"] == ["false"]


def test_kubo_store_missing_content(fake_kubo: tuple[str, type[_FakeKubo]]) -> None:
    url, _ = fake_kubo
    with KuboContentStore(url) as store, pytest.raises(ContentNotFound, match=f"could not find {HELLO_CID}"):
        store.get(HELLO_CID)


def test_kubo_store_refuses_a_cid_other_than_the_default_one(fake_kubo: tuple[str, type[_FakeKubo]]) -> None:
    url, handler = fake_kubo
    # What a node set to raw leaves would answer for "hello world\n".
    handler.cid_override = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    with (
        KuboContentStore(url) as store,
        pytest.raises(ContentError, match=f"Kubo's default settings give '{HELLO_CID}'"),
    ):
        store.put(b"hello world\n")


def test_kubo_store_unreachable_node_names_the_url() -> None:
    # A port that was free a moment ago and that nothing listens on: the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with KuboContentStore(url) as store:
        for call in (store.version, lambda: store.put(b"x"), lambda: store.get(HELLO_CID)):
            with pytest.raises(ContentError) as caught:
                call()
            message = str(caught.value)
            assert message.startswith(f"Cannot reach the IPFS node at '{url}': ")
            assert message.endswith("Start Kubo or unset DATAREG_IPFS_API to use the local content store.")


def test_base58_matches_known_vectors_and_round_trips():
    from registry.content.cid import b58decode, b58encode

    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58encode(b"\x00\x00\x28\x7f\xb4\xcd") == "11233QC4"
    assert b58encode(b"") == "" and b58encode(b"\x00") == "1"
    rng = random.Random(58)
    for _ in range(500):
        data = b"\x00" * rng.randrange(3) + rng.randbytes(rng.randrange(40))
        assert b58decode(b58encode(data)) == data
