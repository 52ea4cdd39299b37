"""Provenance verification: POST /v1/verify over real HTTP against anvil and the indexer, and `datareg verify`."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import httpx
import pytest
from eth_account import Account

from api.routes.verify import MAX_UPLOAD_ENV
from registry.chain.operations import (
    AddParticipant,
    ApproveListing,
    Grant,
    GrantTerms,
    ListingPolicy,
    ListingRequest,
    ListProduct,
    Revoke,
    SetListingPolicy,
    SetListingStatus,
    Transfer,
)
from registry.chain.types import RightKind
from registry.cli import verify as cli_verify
from registry.cli.api_client import ApiClient
from registry.cli.common import Output
from registry.content import cid_to_digest, fingerprint_file
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DAY = 86_400


def fresh_account(stack):
    """A funded account no other test signs with, so nonces never collide."""
    account = Account.create()
    stack.client.w3.provider.make_request("anvil_setBalance", [account.address, hex(10**21)])
    return account


def write_data(tmp_path: Path, name: str = "data.csv", size: int | None = None) -> Path:
    """A data file of fresh content (the same registrant cannot register the same content twice)."""
    path = tmp_path / name
    body = b"detector,hour,vehicles\n" + os.urandom(16).hex().encode() + b",08,1200\n"
    if size is not None:
        body = os.urandom(size)
    path.write_bytes(body)
    return path


def register_file(stack, data: Path, account, example: str = "traffic-flow.json"):
    """Registers `data` with an example metadata document, the account holding all three rights."""
    document = parse_metadata((EXAMPLES / example).read_text())
    assert stack.http.post("/v1/metadata", json=json.loads(canonical_bytes(document))).status_code == 201
    prepared = prepare_registration(data, document, account.address, [(account.address, k) for k in RightKind])
    result = stack.client.register(prepared.registration, account)
    asset = stack.wait_indexed(result.asset_ids[0])
    return prepared, result, asset


def upload(stack, path: Path) -> httpx.Response:
    with path.open("rb") as stream:
        return stack.http.post("/v1/verify", files={"file": (path.name, stream, "text/csv")})


def check_log(stack, evidence: dict, address: str) -> dict:
    """The log the evidence points at, read from the chain: same block hash, emitted by `address`."""
    receipt = stack.client.w3.eth.get_transaction_receipt(evidence["tx_hash"])
    assert "0x" + bytes(receipt["blockHash"]).hex() == evidence["block_hash"]
    assert receipt["blockNumber"] == evidence["block_number"]
    assert "0x" + bytes(stack.client.w3.eth.get_block(evidence["block_number"])["hash"]).hex() == evidence["block_hash"]
    log = next(entry for entry in receipt["logs"] if entry["logIndex"] == evidence["log_index"])
    assert log["address"] == address
    return log


def cidv1(cid: str) -> str:
    raw = b"\x01\x70\x12\x20" + cid_to_digest(cid)
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


# ─────────────────────────────────────── the API ───────────────────────────────────────


def test_uploaded_registered_file_is_verified_with_holders_and_chain_evidence(stack, tmp_path):
    owner = fresh_account(stack)
    data = write_data(tmp_path)
    prepared, result, asset = register_file(stack, data, owner, "hospital-outcomes.json")

    response = upload(stack, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["registered"] is True
    local = fingerprint_file(data)
    assert body["fingerprint"] == {"sha256": local.sha256_hex, "cid": local.cid, "size": data.stat().st_size}
    assert "1 registered asset has this content" in body["message"]
    [match] = body["matches"]
    assert match["asset_id"] == result.asset_ids[0]
    assert match["name"] == asset["name"] == prepared.document.name
    assert match["registrant"] == owner.address
    assert (match["status"], match["classification"]) == ("active", "important")
    assert match["flags"] == {"personal_information": True, "sensitive_personal_information": True,
                              "export_allowed": False, "derived": False}
    assert match["matched_by"] == ["sha256", "cid"]
    assert match["encumbrances"] == []
    assert match["listings"] == []
    assert match["lineage"] == {"sources": [], "derived": [], "source_count": 0, "derived_count": 0}
    for index, kind in enumerate(("holding", "usage", "operating"), start=1):
        [holder] = match["holders"][kind]
        assert holder["holder"] == owner.address and holder["right_index"] == index
        assert holder["chain"] == [index] and holder["chain_holders"] == [owner.address]
        assert holder["terms"] is None

    evidence = match["evidence"]
    assert evidence["chain_id"] == 31337 == stack.client.w3.eth.chain_id
    assert evidence["contracts"] == {"DataRegistry": stack.deployment.contracts["DataRegistry"],
                                     "ListingRegistry": stack.deployment.contracts["ListingRegistry"]}
    registration = evidence["registration"]
    assert registration["event"] == "AssetRegistered"
    assert (registration["tx_hash"], registration["block_hash"]) == (result.tx_hash, result.block_hash)
    log = check_log(stack, registration, stack.deployment.registry)
    assert "0x" + bytes(log["topics"][1]).hex() == match["asset_id"]
    assert [r["right_index"] for r in evidence["rights"]] == [1, 2, 3]
    for right in evidence["rights"]:
        assert right["created"]["event"] == "RightAssigned" and right["created"] == right["last_changed"]
        assert right["created"]["tx_hash"] == result.tx_hash
        log = check_log(stack, right["created"], stack.deployment.registry)
        assert int.from_bytes(log["topics"][2], "big") == right["right_index"]
    assert evidence["indexed_block"] >= result.block_number
    assert evidence["confirmations"] == evidence["indexed_block"] - result.block_number + 1
    assert body["indexed_block"] == evidence["indexed_block"]


def test_verify_by_sha256_or_cid_sent_as_json(stack, tmp_path):
    owner = fresh_account(stack)
    data = write_data(tmp_path)
    _, result, _ = register_file(stack, data, owner)
    local = fingerprint_file(data)
    asset_id = result.asset_ids[0]

    def ask(body: dict) -> dict:
        response = stack.http.post("/v1/verify", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    by_hash = ask({"sha256": local.sha256_hex})
    assert by_hash["registered"] and [m["asset_id"] for m in by_hash["matches"]] == [asset_id]
    assert by_hash["matches"][0]["matched_by"] == ["sha256"]
    assert by_hash["fingerprint"] == {"sha256": local.sha256_hex, "cid": None, "size": None}
    # Without 0x, in capitals: the same answer.
    assert ask({"sha256": local.sha256_hex[2:].upper()})["matches"] == by_hash["matches"]

    by_cid = ask({"cid": local.cid})
    assert [m["asset_id"] for m in by_cid["matches"]] == [asset_id]
    assert by_cid["matches"][0]["matched_by"] == ["cid"]
    # The CIDv1 of the same content is mapped to its CIDv0.
    v1 = ask({"cid": cidv1(local.cid)})
    assert v1["fingerprint"]["cid"] == local.cid and [m["asset_id"] for m in v1["matches"]] == [asset_id]

    both = ask({"sha256": local.sha256_hex, "cid": local.cid})
    assert both["matches"][0]["matched_by"] == ["sha256", "cid"]
    assert both["matches"][0]["evidence"]["registration"]["tx_hash"] == result.tx_hash


def test_unregistered_content_is_an_answer_not_an_error(stack, tmp_path):
    data = write_data(tmp_path, "never-registered.csv")
    response = upload(stack, data)
    assert response.status_code == 200
    body = response.json()
    assert body["registered"] is False and body["matches"] == []
    assert "No asset with this fingerprint is registered" in body["message"]
    assert body["fingerprint"]["sha256"] == fingerprint_file(data).sha256_hex
    by_hash = stack.http.post("/v1/verify", json={"sha256": "0x" + os.urandom(32).hex()}).json()
    assert by_hash["registered"] is False and "No asset with this fingerprint" in by_hash["message"]


def test_same_content_registered_by_two_registrants_gives_two_matches(stack, tmp_path):
    first, second = fresh_account(stack), fresh_account(stack)
    data = write_data(tmp_path)
    _, r1, _ = register_file(stack, data, first)
    _, r2, _ = register_file(stack, data, second, "hospital-outcomes.json")
    assert r1.asset_ids[0] != r2.asset_ids[0]

    body = upload(stack, data).json()
    assert body["registered"] is True
    assert [(m["asset_id"], m["registrant"]) for m in body["matches"]] == [
        (r1.asset_ids[0], first.address), (r2.asset_ids[0], second.address)]  # first registration first
    assert "2 registered assets have this content, registered by 2 registrants" in body["message"]
    assert [m["evidence"]["registration"]["tx_hash"] for m in body["matches"]] == [r1.tx_hash, r2.tx_hash]
    assert [m["classification"] for m in body["matches"]] == ["general", "important"]


def test_granted_rights_show_among_holders_with_their_chain_and_events(stack, tmp_path):
    alice, bob, carol, dave = (fresh_account(stack) for _ in range(4))
    data = write_data(tmp_path)
    _, registered, _ = register_file(stack, data, alice)
    asset = registered.asset_ids[0]
    until = stack.chain_time() + 30 * DAY
    terms = dict(valid_until=until, sub_grantable=True, transferable=True, purpose="交通规划研究",
                 territory="3502", quantity=1000)
    granted = stack.client.execute(Grant(asset, 2, GrantTerms(grantee=bob.address, **terms)), alice)
    child = granted.events[0].args["rightIndex"]
    sub = stack.client.execute(Grant(asset, child, GrantTerms(grantee=carol.address, **terms)), bob)
    grandchild = sub.events[0].args["rightIndex"]
    moved = stack.client.execute(Transfer(asset, grandchild, dave.address), carol)
    stack.wait_block(moved.block_number)

    match = stack.http.post("/v1/verify", json={"sha256": fingerprint_file(data).sha256_hex}).json()["matches"][0]
    usage = {h["right_index"]: h for h in match["holders"]["usage"]}
    assert set(usage) == {2, child, grandchild}
    assert usage[child]["holder"] == bob.address and usage[child]["chain"] == [child, 2]
    assert usage[child]["chain_holders"] == [bob.address, alice.address]
    assert usage[grandchild]["holder"] == dave.address
    assert usage[grandchild]["chain"] == [grandchild, child, 2]
    assert usage[grandchild]["chain_holders"] == [dave.address, bob.address, alice.address]
    assert usage[grandchild]["terms"]["grantor"] == bob.address
    assert usage[grandchild]["terms"]["purpose"] == "交通规划研究"
    assert usage[grandchild]["valid_until"] is not None
    assert [h["holder"] for h in match["holders"]["holding"]] == [alice.address]

    rights = {r["right_index"]: r for r in match["evidence"]["rights"]}
    assert set(rights) == {1, 2, 3, child, grandchild}
    assert rights[child]["created"]["event"] == "RightGranted"
    assert rights[child]["created"]["tx_hash"] == granted.tx_hash == rights[child]["last_changed"]["tx_hash"]
    assert rights[grandchild]["created"]["tx_hash"] == sub.tx_hash
    assert rights[grandchild]["last_changed"]["event"] == "RightTransferred"
    assert rights[grandchild]["last_changed"]["tx_hash"] == moved.tx_hash
    assert rights[grandchild]["holder"] == dave.address
    # On the chain: RightGranted(assetId, grantee, grantor, ...) and RightTransferred(assetId, from, to, ...).
    created = check_log(stack, rights[grandchild]["created"], stack.deployment.registry)
    changed = check_log(stack, rights[grandchild]["last_changed"], stack.deployment.registry)
    assert "0x" + bytes(created["topics"][1]).hex() == asset == "0x" + bytes(changed["topics"][1]).hex()
    assert bytes(created["topics"][2])[-20:] == bytes.fromhex(carol.address[2:])
    assert bytes(changed["topics"][3])[-20:] == bytes.fromhex(dave.address[2:])

    # Revoking the middle grant ends both it and the grant below it: neither is a valid holder any more.
    revoked = stack.client.execute(Revoke(asset, child, 1, bytes(32)), alice)
    stack.wait_block(revoked.block_number)
    match = stack.http.post("/v1/verify", json={"cid": fingerprint_file(data).cid}).json()["matches"][0]
    assert [h["right_index"] for h in match["holders"]["usage"]] == [2]
    assert {r["right_index"] for r in match["evidence"]["rights"]} == {1, 2, 3}


def test_valid_listings_are_shown_and_delisted_ones_are_not(stack, tmp_path):
    owner, exchange = fresh_account(stack), fresh_account(stack)
    admin = Account.from_key(dev_key(DEPLOYER_ACCOUNT))
    stack.client.execute(AddParticipant(exchange.address, "exchange", "深圳数据交易所（测试）",
                                        "91440300MA5G00000X"), admin)
    stack.client.execute(SetListingPolicy(ListingPolicy(allow_uncertified=True)), exchange)
    data = write_data(tmp_path)
    _, registered, _ = register_file(stack, data, owner)
    request = ListingRequest(registered.asset_ids[0], 3, f"SZDE-{os.urandom(4).hex()}")
    stack.client.execute(ApproveListing(exchange.address, request, stack.chain_time() + 86_400), owner)
    listed = stack.client.execute(ListProduct(request, owner.address), exchange)
    stack.wait_block(listed.block_number)
    listing_id = next(e.args["listingId"] for e in listed.events if e.name == "Listed")

    match = stack.http.post("/v1/verify", json={"sha256": fingerprint_file(data).sha256_hex}).json()["matches"][0]
    [listing] = match["listings"]
    assert listing["listing_id"] == listing_id
    assert (listing["exchange"], listing["exchange_name"]) == (exchange.address, "深圳数据交易所（测试）")
    assert listing["exchange_listing_id"] == request.exchange_listing_id
    assert listing["origin_listing_id"] is None
    assert (listing["holder"], listing["right_index"]) == (owner.address, 3)
    assert listing["listed_tx"] == listed.tx_hash

    delisted = stack.client.execute(SetListingStatus(listing_id, "delisted"), exchange)
    stack.wait_block(delisted.block_number)
    match = stack.http.post("/v1/verify", json={"sha256": fingerprint_file(data).sha256_hex}).json()["matches"][0]
    assert match["listings"] == []


@pytest.mark.parametrize(
    "request_kwargs, message_part",
    [
        ({}, "neither a file nor a fingerprint"),
        ({"json": {}}, "neither a file nor a fingerprint"),
        ({"json": {"sha256": None, "cid": None}}, "neither a file nor a fingerprint"),
        ({"json": {"sha256": "0x1234"}}, "'sha256' must be 0x followed by the 64 hexadecimal digits"),
        ({"json": {"sha256": "0x" + "zz" * 32}}, "it is not hexadecimal"),
        ({"json": {"sha256": 12345}}, "'sha256' must be text"),
        ({"json": {"cid": "Qmxyz"}}, "'cid' is not a valid content id: 'Qmxyz' is not a CID"),
        ({"json": {"cid": "not-a-cid"}}, "should start with 'Qm'"),
        ({"json": {"sha": "0x" + "ab" * 32}}, "Unknown field 'sha'"),
        ({"json": ["0x" + "ab" * 32]}, "must be an object"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "not valid JSON"),
        ({"content": b"abc", "headers": {"content-type": "text/plain"}}, "Content type 'text/plain' is not accepted"),
        ({"files": {"document": ("a.csv", b"a,b\n")}}, "no part named 'file'"),
        ({"files": [("file", ("a.csv", b"1")), ("file", ("b.csv", b"2"))]}, "more than one part named 'file'"),
    ],
)
def test_bad_input_is_a_422_that_says_what_to_send(stack, request_kwargs, message_part):
    response = stack.http.post("/v1/verify", **request_kwargs)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input"
    assert message_part in body["message"]
    assert any(fix in body["message"]
               for fix in ("{\"sha256\"", "field 'file'", "datareg fingerprint", "one file per request"))


def test_upload_over_the_limit_is_refused_with_413(stack, tmp_path, monkeypatch):
    monkeypatch.setenv(MAX_UPLOAD_ENV, "1000")
    at_limit = write_data(tmp_path, "at-limit.bin", size=1000)
    assert upload(stack, at_limit).status_code == 200
    # Over the limit, found while streaming; and far over it, refused from the Content-Length before reading.
    for size in (1001, 300_000):
        response = upload(stack, write_data(tmp_path, f"big-{size}.bin", size=size))
        assert response.status_code == 413, response.text
        body = response.json()
        assert body["error"] == "upload_too_large"
        assert "1,000-byte limit" in body["message"] and "datareg verify FILE" in body["message"]
    # A fingerprint has no size limit to hit.
    assert stack.http.post("/v1/verify", json={"sha256": "0x" + "00" * 32}).status_code == 200


def test_large_upload_is_fingerprinted_as_it_streams(stack, tmp_path):
    """Several MiB, in many network chunks and hash batches: the same fingerprint `ipfs add` would give."""
    data = write_data(tmp_path, "large.bin", size=5 * 1024 * 1024 + 12_345)
    body = upload(stack, data).json()
    local = fingerprint_file(data)
    assert body["fingerprint"] == {"sha256": local.sha256_hex, "cid": local.cid, "size": local.size}


# ─────────────────────────────────────── the CLI ───────────────────────────────────────


class RecordingApiClient(ApiClient):
    """The real client, recording every request it sends."""

    sent: list[httpx.Request] = []

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        super().__init__(base_url, timeout)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout,
                                 event_hooks={"request": [RecordingApiClient.sent.append]})


def test_cli_verify_sends_only_the_fingerprint_never_the_file(stack, tmp_path, monkeypatch, capsys):
    owner = fresh_account(stack)
    data = write_data(tmp_path)
    marker = b"SECRET-ROW-" + os.urandom(8).hex().encode()
    data.write_bytes(data.read_bytes() + marker + b"\n")
    _, result, _ = register_file(stack, data, owner)
    RecordingApiClient.sent = []
    monkeypatch.setattr(cli_verify, "ApiClient", RecordingApiClient)
    settings = stack.settings

    with pytest.raises(SystemExit) as recorded:  # registered, never certified: exit 3
        cli_verify.cmd_verify(Namespace(file=str(data)), settings, Output(True))
    assert recorded.value.code == 3
    answer = json.loads(capsys.readouterr().out)
    assert answer["registered"] is True and answer["matches"][0]["asset_id"] == result.asset_ids[0]

    [request] = RecordingApiClient.sent
    assert (request.method, request.url.path) == ("POST", "/v1/verify")
    assert request.headers["content-type"] == "application/json"
    local = fingerprint_file(data)
    assert json.loads(request.content) == {"sha256": local.sha256_hex, "cid": local.cid}
    assert marker not in request.content and data.read_bytes() not in request.content

    RecordingApiClient.sent = []
    other = write_data(tmp_path, "other.csv")
    with pytest.raises(SystemExit) as exit_info:
        cli_verify.cmd_verify(Namespace(file=str(other)), settings, Output(False))
    assert exit_info.value.code == 1
    assert "NOT REGISTERED" in capsys.readouterr().out
    sent = [json.loads(r.content) for r in RecordingApiClient.sent]
    assert sent == [cli_verify.request_body(fingerprint_file(other))]


@pytest.fixture(scope="module")
def datareg(stack, tmp_path_factory):
    home = tmp_path_factory.mktemp("verify-cli")
    env = dict(os.environ, DATAREG_RPC_URL=stack.rpc_url, DATAREG_API_URL=stack.api_url, DATAREG_DATA_DIR=str(home))

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "registry.cli.main", *args], env={**env, **extra_env},
                              capture_output=True, text=True, timeout=120)

    return run


def test_datareg_verify_exits_3_when_recorded_1_when_not_2_on_error(stack, tmp_path, datareg):
    """Was: exit 0 and "REGISTERED" for an asset only recorded on chain, never reviewed nor certified."""
    owner = fresh_account(stack)
    data = write_data(tmp_path)
    _, result, _ = register_file(stack, data, owner)

    shown = datareg("verify", str(data))
    assert shown.returncode == 3, shown.stderr
    assert shown.stdout.startswith("RECORDED, NOT CERTIFIED")
    assert "legal status    recorded (已存证，未发证)" in shown.stdout
    for part in (result.asset_ids[0], owner.address, result.tx_hash, "holding 持有权", "listings        none valid"):
        assert part in shown.stdout

    as_json = datareg("verify", str(data), "--json")
    assert as_json.returncode == 3
    assert json.loads(as_json.stdout)["legal_status"]["status"] == "recorded"
    assert json.loads(as_json.stdout)["matches"][0]["evidence"]["registration"]["block_hash"] == result.block_hash
    assert json.loads(datareg("--json", "verify", str(data)).stdout)["registered"] is True

    unregistered = datareg("verify", str(write_data(tmp_path, "unregistered.csv")))
    assert unregistered.returncode == 1
    assert "NOT REGISTERED" in unregistered.stdout and "No asset with this fingerprint" in unregistered.stdout
    assert json.loads(datareg("verify", "--json", str(tmp_path / "unregistered.csv")).stdout)["registered"] is False

    missing = datareg("verify", str(tmp_path / "no-such-file.csv"))
    assert missing.returncode == 2 and "no file" in missing.stderr
    unreachable = datareg("verify", str(data), DATAREG_API_URL="http://127.0.0.1:9")
    assert unreachable.returncode == 2 and "Cannot reach the registry API" in unreachable.stderr

    usage = " ".join(datareg("verify", "--help").stdout.split())
    for text in ("0 certified and unencumbered", "3 recorded on chain but not certified", "4 lapsed or cancelled",
                 "5 encumbered", "1 not registered", "2 error"):
        assert text in usage
