"""The API's limits and refusals, over real HTTP against a real anvil: request body sizes, pagination caps, write
rate per client address, the CORS policy, non-UTF-8 input, and the relayer, which pays only for calls to the
registry's own contracts that would succeed."""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from api.limits import Limits, Rate, TokenBucket, client_key
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import deploy
from registry.chain.operations import Forward, Grant, GrantTerms, Register, Renew, Revoke, Transfer
from registry.devchain import DEPLOYER_ACCOUNT, RELAYER_ACCOUNT, dev_key
from registry.errors import ConfigurationError
from tests.conftest import random_registration
from tests.faults import anvil_node, api_app, own_stack, serve

ALL = 7
DAY = 86_400
BODY_LIMIT = 64 * 1024
RELAYER = Account.from_key(dev_key(RELAYER_ACCOUNT))


@pytest.fixture(scope="module")
def s(tmp_path_factory):
    """A stack of its own with a small body limit and no write rate limit (the rate tests build their own app)."""
    with anvil_node() as (anvil_url, _):
        env = {"DATAREG_MAX_BODY_BYTES": str(BODY_LIMIT), "DATAREG_WRITE_RATE_LIMIT": "off",
               "DATAREG_STORE_RATE_LIMIT": "off"}
        with own_stack(anvil_url, tmp_path_factory.mktemp("security"), env=env) as stack:
            yield stack


def error_of(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert body["error"] and len(body["message"]) > 20, body
    if code:
        assert body["error"] == code, body
    return body


# ───────────────────────────── request body size ─────────────────────────────


@pytest.mark.parametrize("path", ["/v1/metadata", "/v1/relay/register", "/v1/transactions"])
def test_json_body_over_the_limit_is_refused_with_413_before_it_is_read(s, path):
    body = json.dumps({"padding": "x" * BODY_LIMIT})
    refused = error_of(s.http.post(path, content=body, headers={"content-type": "application/json"}), 413,
                       "request_too_large")
    assert f"{BODY_LIMIT:,} bytes" in refused["message"] and path in refused["message"]


def test_chunked_body_over_the_limit_is_refused_as_it_streams(s):
    def chunks():  # no Content-Length: the limit is counted as the bytes arrive
        yield b'{"padding": "'
        for _ in range(BODY_LIMIT // 1024 + 8):
            yield b"x" * 1024
        yield b'"}'

    response = s.http.post("/v1/metadata", content=chunks(), headers={"content-type": "application/json"})
    error_of(response, 413, "request_too_large")
    assert s.http.get("/v1/status").status_code == 200  # the server is fine afterwards


def test_documents_have_their_own_larger_limit(s):
    assert s.http.post("/v1/content", content=b"d" * (BODY_LIMIT * 2)).status_code == 201
    refused = error_of(s.http.post("/v1/content", content=b"d" * (10 * 1024 * 1024 + 1)), 413, "request_too_large")
    assert "10,485,760 bytes" in refused["message"]


def test_verify_upload_keeps_its_own_limit(s):
    """/v1/verify is not held to the JSON limit: files are streamed and hashed (DATAREG_VERIFY_MAX_UPLOAD_BYTES)."""
    data = b"row\n" * (BODY_LIMIT // 2)
    answer = s.http.post("/v1/verify", files={"file": ("big.csv", data)})
    assert answer.status_code == 200 and answer.json()["registered"] is False


# ───────────────────────────── pagination caps ─────────────────────────────


def test_every_list_endpoint_has_a_page_size_cap(s):
    """Every GET whose answer is a list (or a page of one) takes `limit` with a maximum, and refuses more."""
    document = s.http.get("/openapi.json").json()
    lists = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        schema = get["responses"]["200"].get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        if schema.get("type") == "array" or "data" in schema.get("properties", {}):
            lists.append((path, get))
    assert len(lists) >= 7, lists
    for path, get in lists:
        limit = next((p for p in get.get("parameters", []) if p["name"] == "limit"), None)
        assert limit is not None, f"{path} has no limit"
        maximum = limit["schema"]["maximum"]
        assert maximum <= 1000, (path, maximum)
        url = path.replace("{asset_id}", "0x" + "ab" * 32).replace("{address}", s.accounts[1].address)
        params = {"limit": maximum + 1}
        if path == "/v1/listings/feed":
            params["exchange"] = s.accounts[1].address
        refused = error_of(s.http.get(url, params=params), 422)
        assert "'limit'" in refused["message"], (path, refused)


@pytest.mark.parametrize("path", ["/v1/assets", "/v1/listings", "/v1/registrations", "/v1/participants"])
def test_offsets_beyond_64_bits_are_refused_not_overflowed(s, path):
    assert s.http.get(path, params={"offset": 2**63 - 1, "limit": 1}).status_code == 200
    refused = error_of(s.http.get(path, params={"offset": 2**64}), 422)
    assert "'offset'" in refused["message"] and "9223372036854775807" in refused["message"]


# ───────────────────────────── rate limits ─────────────────────────────


def test_rate_limit_setting_is_parsed_or_refused_clearly():
    assert Rate.parse("60/minute", "X") == Rate(60, 60.0)
    assert Rate.parse("5/second", "X") == Rate(5, 1.0) and Rate.parse("off", "X") is None
    with pytest.raises(ConfigurationError, match="must look like 60/minute"):
        Rate.parse("lots", "DATAREG_WRITE_RATE_LIMIT")
    assert Limits().write_rate == Rate(60, 60.0) and Limits().cors_origins == ()


def test_ipv6_clients_share_the_allowance_of_their_64_network():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:10.0.0.1") == "10.0.0.1" and client_key("127.0.0.2") == "127.0.0.2"


def test_token_bucket_allows_a_burst_then_one_per_interval():
    now = [0.0]
    bucket = TokenBucket(Rate(3, 3.0), clock=lambda: now[0])
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0  # another client has its own bucket
    now[0] += 1.0
    assert bucket.take("a") == 0.0 and bucket.take("a") > 0


def test_writes_beyond_the_rate_get_429_with_retry_after_per_client_address(s):
    app = api_app(s.settings, DATAREG_WRITE_RATE_LIMIT="3/minute", DATAREG_STORE_RATE_LIMIT="2/minute")
    junk = {"signer": "0x" + "11" * 20, "deadline": 1, "signature": "0x", "operation": {}}
    with serve(app) as url, httpx.Client(base_url=url) as http:
        answers = [http.post("/v1/relay/register", json=junk).status_code for _ in range(2)]
        answers.append(http.post("/v1/transactions", json={"raw_transaction": "0x00"}).status_code)
        assert answers == [422, 422, 422]  # refused for what they are, and counted
        limited = http.post("/v1/relay/grant", json=junk)
        body = error_of(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert "127.0.0.1" in body["message"] and "3 per minute" in body["message"]
        assert "DATAREG_WRITE_RATE_LIMIT" in body["message"]
        # Reads are not limited, and another client address has its own allowance.
        assert all(http.get("/v1/status").status_code == 200 for _ in range(5))
        other = httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        with other:
            assert other.post("/v1/relay/register", json=junk).status_code == 422
        # Stored documents have a bucket of their own.
        assert [http.post("/v1/content", content=b"doc %d" % i).status_code for i in range(2)] == [201, 201]
        error_of(http.post("/v1/content", content=b"doc 3"), 429, "rate_limited")


def test_the_allowance_comes_back_after_retry_after(s):
    app = api_app(s.settings, DATAREG_WRITE_RATE_LIMIT="2/second")
    with serve(app) as url, httpx.Client(base_url=url) as http:
        for _ in range(2):
            assert http.post("/v1/transactions", json={"raw_transaction": "0x00"}).status_code == 422
        limited = http.post("/v1/transactions", json={"raw_transaction": "0x00"})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        time.sleep(1.0)
        assert http.post("/v1/transactions", json={"raw_transaction": "0x00"}).status_code == 422


# ───────────────────────────── CORS ─────────────────────────────


def test_by_default_no_other_origin_may_call_the_api_from_a_browser(s):
    preflight = s.http.options("/v1/relay/register", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    body = error_of(preflight, 403, "cors_refused")
    assert "https://evil.example" in body["message"] and "DATAREG_CORS_ORIGINS" in body["message"]
    assert "access-control-allow-origin" not in preflight.headers
    read = s.http.get("/v1/status", headers={"Origin": "https://evil.example"})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers


def test_configured_origins_may_call_the_api_without_credentials(s):
    app = api_app(s.settings, DATAREG_CORS_ORIGINS="https://explorer.example.org, https://b.example")
    with serve(app) as url, httpx.Client(base_url=url) as http:
        preflight = http.options("/v1/verify", headers={
            "Origin": "https://explorer.example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://explorer.example.org"
        assert "access-control-allow-credentials" not in preflight.headers
        read = http.get("/v1/status", headers={"Origin": "https://b.example"})
        assert read.headers["access-control-allow-origin"] == "https://b.example"
        assert "retry-after" in read.headers.get("access-control-expose-headers", "").lower()
        error_of(http.options("/v1/status", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "GET"}), 403, "cors_refused")
        error_of(http.options("/v1/status", headers={"Origin": "https://b.example",
                                                      "Access-Control-Request-Method": "DELETE"}), 403, "cors_refused")
    with pytest.raises(ConfigurationError, match="DATAREG_CORS_ORIGINS"):
        api_app(s.settings, DATAREG_CORS_ORIGINS="explorer.example.org")


# ───────────────────────────── input that is not UTF-8 ─────────────────────────────


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def _post(path: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /v1/assets?holder=%ff%fe&q=%c3%28 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 422),
    (b"GET /v1/assets/%c3%28/history HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 422),
    (b"GET /v1/metadata/Qm%ff%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 422),
    (b"POST /v1/metadata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n"
     b"Connection: close\r\n\r\n\xff\xfe\xfd\xfc", 422),
    (_post("/v1/relay/register", json.dumps({"signer": "\ud800", "deadline": 1, "signature": "0x",
                                             "operation": {}}).encode()), 422),
    (b'POST /v1/metadata HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 18\r\n'
     b'Connection: close\r\n\r\n{"name": "\\ud800"}', 422),
    (b"GET /v1/assets HTTP/1.1\r\nHost: x\r\nX-Note: \xff\xfe\r\nConnection: close\r\n\r\n", 200),
])
def test_bytes_that_are_not_utf8_get_a_clear_json_refusal(s, request_bytes, status):
    answer = _raw(s.api_url, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(status).encode(), answer[:300]
    if status >= 400:
        error = json.loads(body)
        assert error["error"] and len(error["message"]) > 20, error


def test_raw_bytes_in_the_request_line_are_refused_by_the_http_server(s):
    """Bytes that are not ASCII in the request line never reach the app: uvicorn's parser answers 400."""
    answer = _raw(s.api_url, b"GET /v1/assets/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")


def test_a_chinese_query_is_sent_percent_encoded_as_the_readme_prints_it(s):
    """Issue 18: the README printed `curl 'http://127.0.0.1:8000/v1/assets?q=交通'`, raw UTF-8 in the request line,
    which uvicorn's h11 answers with a bare 400 "Invalid HTTP request received." (httptools, tried as uvicorn's
    other parser, refuses it the same way: llhttp takes no bytes above 0x7f in a URL). The README now sends it as
    `curl -G --data-urlencode` does, percent-encoded, which is answered; the raw form stays a 400."""
    raw = _raw(s.api_url, "GET /v1/assets?q=交通 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert raw.startswith(b"HTTP/1.1 400 ")
    encoded = _raw(s.api_url, b"GET /v1/assets?q=%E4%BA%A4%E9%80%9A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = encoded.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), encoded[:300]
    assert "count" in json.loads(body)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "curl -s 'http://127.0.0.1:8000/v1/assets?q=交通'" not in readme and "--data-urlencode q=交通" in readme


# ───────────────────── the relayer pays only for calls to the registry that succeed ─────────────────────


def _relayed(signed) -> dict:
    return {"signer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
            "operation": signed.operation.to_json()}


@pytest.fixture(scope="module")
def other_deployment(s):
    """The same contracts deployed again on the same chain: addresses that are not this registry's."""
    return RegistryClient(Chain(s.rpc_url, deploy(s.rpc_url, dev_key(DEPLOYER_ACCOUNT))))


def _nothing_sent(s, action) -> None:
    """Runs `action` and checks that no transaction was sent: the relayer's nonce and the head are unchanged."""
    w3 = s.client.w3
    nonce, head = w3.eth.get_transaction_count(RELAYER.address), w3.eth.block_number
    action()
    assert w3.eth.get_transaction_count(RELAYER.address) == nonce, "the relayer sent a transaction"
    assert w3.eth.block_number == head, "a block was mined"


def test_raw_transactions_to_anything_but_the_registry_are_refused(s, other_deployment):
    alice = s.accounts[1]
    w3 = s.client.w3
    nonce = w3.eth.get_transaction_count(alice.address)
    base = {"value": 0, "gas": 200_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9, "nonce": nonce,
            "chainId": 31337, "type": 2}
    data = s.client.contract.functions.register(random_registration([(alice.address, ALL)]).as_abi()) \
        ._encode_transaction_data()
    cases = {
        "an account": {**base, "to": s.accounts[2].address},
        "another deployment's registry": {**base, "to": other_deployment.contract.address, "data": data},
        "a contract creation": {**base, "to": b"", "data": "0x6000"},
    }
    for what, tx in cases.items():
        raw = Account.sign_transaction(tx, alice.key).raw_transaction
        refused = error_of(s.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(raw).hex()}),
                           422, "invalid_input")
        assert "only calls to the registry are accepted" in refused["message"], what
    other_chain = Account.sign_transaction({**base, "to": s.deployment.registry, "data": data, "chainId": 1},
                                           alice.key).raw_transaction
    refused = error_of(s.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(other_chain).hex()}),
                       422)
    assert "signed for chain 1" in refused["message"]
    assert w3.eth.get_transaction_count(alice.address) == nonce, "nothing was sent"


def test_forwarded_calls_to_anything_but_the_registry_are_refused(s, other_deployment):
    alice = s.accounts[1]
    asset = s.client.register(random_registration([(alice.address, ALL)]), alice).asset_ids[0]
    freeze = s.client.contract.functions.freeze(bytes.fromhex(asset[2:]), "x", bytes(32))._encode_transaction_data()
    forwarder = s.deployment.contracts["Forwarder"]
    for target in (s.accounts[2].address, other_deployment.contract.address, forwarder):
        signed = s.client.sign(Forward(target, bytes.fromhex(freeze[2:]), 200_000), alice)
        response = []
        _nothing_sent(s, lambda: response.append(s.http.post("/v1/relay/forward", json=_relayed(signed))))  # noqa: B023
        refused = error_of(response[0], 422, "invalid_input")
        assert f"addressed to '{target}'" in refused["message"] and "only calls to the registry" in refused["message"]


def test_typed_operations_go_only_to_the_registry_and_signatures_for_another_are_refused(s, other_deployment):
    alice = s.accounts[1]
    operation = Register(random_registration([(alice.address, ALL)]))
    elsewhere = other_deployment.sign(operation, alice)  # signed for the other deployment's registry
    response = []
    _nothing_sent(s, lambda: response.append(s.http.post("/v1/relay/register", json=_relayed(elsewhere))))
    assert error_of(response[0], 422, "contract_refused")["contract_error"]["name"] == "InvalidSignature"
    relayed = s.http.post("/v1/relay/register", json=_relayed(s.client.sign(operation, alice)))
    assert relayed.status_code == 200, relayed.text
    tx = s.client.w3.eth.get_transaction(relayed.json()["tx_hash"])
    assert tx["to"] == s.deployment.registry and tx["from"] == RELAYER.address


def test_the_relayer_does_not_pay_for_operations_that_would_revert(s):
    """Every relay path: a correctly signed operation the contract would refuse is refused with the contract's
    reason, and the relayer sends nothing."""
    alice, bob, carol = s.accounts[1], s.accounts[2], s.accounts[3]
    registration = random_registration([(alice.address, ALL)])
    asset = s.client.register(registration, alice).asset_ids[0]
    terms = GrantTerms(bob.address, valid_until=s.chain_time() + DAY)
    granted = s.client.execute(Grant(asset, 2, terms), alice).events[0].args["rightIndex"]
    freeze = s.client.contract.functions.freeze(bytes.fromhex(asset[2:]), "x", bytes(32))._encode_transaction_data()
    attempts = {
        "register": (Register(registration), alice, "AssetAlreadyRegistered", 409),
        "grant": (Grant(asset, 2, GrantTerms(carol.address, valid_until=s.chain_time() + DAY)), carol,
                  "NotRightHolder", 422),
        "transfer": (Transfer(asset, 3, carol.address), bob, "NotRightHolder", 422),
        "revoke": (Revoke(asset, granted, 1), carol, "NotGrantor", 422),
        "renew": (Renew(asset, granted, s.chain_time() + 2 * DAY), bob, "NotGrantor", 422),
        "forward": (Forward(s.deployment.registry, bytes.fromhex(freeze[2:]), 300_000), carol, None, 422),
    }
    for name, (operation, signer, error_name, status) in attempts.items():
        signed = s.client.sign(operation, signer)
        response = []
        _nothing_sent(s, lambda: response.append(s.http.post(f"/v1/relay/{name}", json=_relayed(signed))))  # noqa: B023
        refused = error_of(response[0], status, "contract_refused")
        if error_name:
            assert refused["contract_error"]["name"] == error_name, (name, refused)
    # A raw transaction that would revert is not sent either.
    w3 = s.client.w3
    nonce = w3.eth.get_transaction_count(carol.address)
    tx = {"to": s.deployment.registry, "data": freeze, "value": 0, "gas": 300_000, "maxFeePerGas": 10**10,
          "maxPriorityFeePerGas": 10**9, "nonce": nonce, "chainId": 31337, "type": 2}
    raw = Account.sign_transaction(tx, carol.key).raw_transaction
    error_of(s.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(raw).hex()}), 422,
             "contract_refused")
    assert w3.eth.get_transaction_count(carol.address) == nonce


def test_registration_json_of_the_cli_still_relays(s):
    """The stricter parsing of relayed registrations accepts what the CLI sends."""
    alice = s.accounts[4]
    registration = random_registration([(alice.address, ALL)], classification=2, attributes=5)
    signed = s.client.sign(Register(registration), alice)
    body = _relayed(signed)
    assert body["operation"] == Register(registration).to_json()
    assert s.http.post("/v1/relay/register", json=body).status_code == 200
