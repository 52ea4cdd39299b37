"""Bounded parsing (issue 14, item 1): the depth and size of a JSON request body are checked on its raw bytes
before anything decodes it, so a hostile body is refused with 413 or 422 and the API process lives on."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.limits import JsonDepthScanner
from registry.devchain import free_port

REPO = Path(__file__).resolve().parents[1]
BODY_ROUTES = ["/v1/metadata", "/v1/relay/register", "/v1/relay/grant", "/v1/transactions"]


@pytest.mark.parametrize("text, depth", [
    (b'{"a": [1, {"b": 2}]}', 3),
    (b'"[[[[[[[["', 0),                      # brackets inside a string do not count
    (b'["\\"[[[[", [1]]', 2),                 # nor after an escaped quote
    (b'["\\\\", [[1]]]', 3),                  # an escaped backslash does not escape the quote after it
    (b'[' * 40 + b']' * 40, 40),
])
def test_depth_scanner_measures_nesting_outside_strings(text: bytes, depth: int) -> None:
    assert JsonDepthScanner(depth).feed(text)
    assert not JsonDepthScanner(depth - 1).feed(text) if depth else True


def test_depth_scanner_keeps_its_state_across_chunks() -> None:
    """A string or an escape split between two chunks is followed across them, byte by byte."""
    text = b'["ab\\"[[[[[", [[{"c": "\\\\"}]]]'
    for size in range(1, 6):
        scanner = JsonDepthScanner(4)
        assert all(scanner.feed(text[i:i + size]) for i in range(0, len(text), size))
        scanner = JsonDepthScanner(3)
        assert not all(scanner.feed(text[i:i + size]) for i in range(0, len(text), size))


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The API in a process of its own, so that a crash shows as a dead process, not a dead test run."""
    data = tmp_path_factory.mktemp("bounded")
    deployment = data / "deployment.json"
    deployment.write_text(json.dumps({"chain_id": 31337, "deploy_block": 0, "contracts": {
        "DataRegistry": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}))
    port = free_port()
    env = {**os.environ, "DATAREG_DATA_DIR": str(data), "DATAREG_DEPLOYMENT": str(deployment),
           "DATAREG_DATABASE_URL": f"sqlite:///{data / 'index.db'}", "DATAREG_RPC_URL": "http://127.0.0.1:9",
           "DATAREG_WRITE_RATE_LIMIT": "off", "DATAREG_STORE_RATE_LIMIT": "off"}
    with open(data / "api.log", "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "registry.cli.main", "api", "--port", str(port)],
                                   env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (data / "api.log").read_text()
        try:
            if http.get("/v1/schemas/metadata").status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, (data / "api.log").read_text()
            time.sleep(0.2)
    yield process, http
    http.close()
    process.terminate()
    process.wait(15)


@pytest.mark.parametrize("path", BODY_ROUTES)
@pytest.mark.parametrize("opening", [b"[", b'{"a":'])
def test_a_million_levels_of_nesting_are_refused_and_the_api_lives_on(api, path: str, opening: bytes) -> None:
    """Fails on the old code: 100,000 levels already killed the API process (a segfault in decoding) on
    /v1/metadata, /v1/relay/* and /v1/transactions, so the request got no answer and the next none either."""
    process, http = api
    levels = 10**6 if opening == b"[" else 10**5  # each within the 1 MiB body limit
    response = http.post(path, content=opening * levels, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "json_too_deep"
    assert "more than 32 levels deep" in response.json()["message"]
    assert process.poll() is None
    assert http.get("/v1/schemas/metadata").status_code == 200


@pytest.mark.parametrize("path", BODY_ROUTES)
def test_a_deep_body_over_the_size_limit_is_refused_as_too_large(api, path: str) -> None:
    """10^6 levels, opened and closed (2 MB): over the 1 MiB body limit, refused with 413 before any of it is
    read; sent without Content-Length (chunked) it is refused for its depth as soon as the depth is passed."""
    process, http = api
    body = b"[" * 10**6 + b"]" * 10**6
    response = http.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "request_too_large"
    chunked = http.post(path, content=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                        headers={"Content-Type": "application/json"})
    assert chunked.status_code in (413, 422), chunked.text
    assert chunked.json()["error"] in ("request_too_large", "json_too_deep")
    assert process.poll() is None


def test_a_deep_fingerprint_body_is_refused_before_verify_decodes_it(api) -> None:
    """POST /v1/verify reads small JSON bodies itself (at most a few KB): 1,000 levels fit in that."""
    process, http = api
    response = http.post("/v1/verify", content=b"[" * 1000, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "json_too_deep"
    assert process.poll() is None


def test_a_deep_body_without_content_type_is_refused_too(api) -> None:
    """FastAPI decodes a body without a content type as JSON, so it is measured as well."""
    process, http = api
    response = http.post("/v1/metadata", content=b"[" * 10**5)
    assert response.status_code == 422 and response.json()["error"] == "json_too_deep"
    assert process.poll() is None


def test_ordinary_bodies_and_stored_documents_are_not_affected(api) -> None:
    """A shallow body reaches the route (its own 422 for a wrong document), and POST /v1/content stores any
    bytes, brackets included, since it never decodes them."""
    _, http = api
    response = http.post("/v1/metadata", json={"title": "x"})
    assert response.status_code == 422 and response.json()["error"] != "json_too_deep"
    stored = http.post("/v1/content", content=b"[" * 100_000, headers={"Content-Type": "application/json"})
    assert stored.status_code == 201, stored.text


def test_a_deeply_nested_document_in_the_store_does_not_stop_the_indexer(tmp_path) -> None:
    """Fails on the old code: POST /v1/content stores any bytes (it never decodes them), and an asset
    registered with such a document as its metadata killed the indexer in json.loads (a segfault: py_ecc raises
    the recursion limit to 100,000, past what the C stack holds). Now the document is measured first and
    treated as unreadable: the asset is indexed without its fields."""
    from registry.content.cid import cid_to_digest
    from registry.content.store import open_store
    from registry.db.models import Asset
    from tests.ledger import Ledger, account, table

    ledger = Ledger(tmp_path / "deep")
    cid = open_store(ledger.settings).put(b"[" * 100_000)
    asset_id = "0x" + "cd" * 32
    ledger.emit("AssetRegistered", assetId=asset_id, registrant=account(1), submitter=account(1),
                contentHash=b"\x01" * 32, contentCid=b"\x02" * 32, metadataCid=cid_to_digest(cid),
                classification=0, attributes=0)
    ledger.index()
    assets = table(ledger.engine, Asset)
    assert [(a["asset_id"], a["metadata_cid"], a["name"]) for a in assets] == [(asset_id, cid, None)]


def test_a_deeply_nested_metadata_file_is_refused_by_the_cli_in_one_line(tmp_path, capsys) -> None:
    """Fails on the old code: `datareg metadata check` of a file of 100,000 brackets killed the process
    (segfault in json.loads). Now: one line on stderr, exit status 2."""
    from registry.cli.main import main

    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    status = main(["metadata", "check", str(deep)])
    err = capsys.readouterr().err
    assert status == 2 and "more than 32 levels deep" in err and len(err.strip().splitlines()) == 1, err
