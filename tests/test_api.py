"""The HTTP API over real HTTP, with the indexer following a real anvil."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from registry.chain.operations import AcceptRight, Register
from registry.content import fingerprint_bytes
from registry.metadata import canonical_bytes, parse_metadata
from registry.prepare import prepare_registration
from tests.conftest import random_registration

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ALL = 7


def test_status_reports_chain_contract_and_lag(stack):
    body = stack.http.get("/v1/status").json()
    assert body["chain_id"] == 31337
    assert body["contracts"]["DataRegistry"] == stack.deployment.registry
    assert body["rpc_reachable"] is True
    assert body["head_block"] >= stack.deployment.deploy_block
    assert body["lag_blocks"] is not None and body["lag_blocks"] >= 0
    assert body["database"] == "sqlite"


def test_registered_asset_is_served_with_metadata_rights_and_evidence(stack, tmp_path):
    owner, operator = stack.accounts[0], stack.accounts[1]
    document = parse_metadata((EXAMPLES / "hospital-outcomes.json").read_text())
    stored = stack.http.post("/v1/metadata", json=json.loads(canonical_bytes(document)))
    assert stored.status_code == 201
    data = tmp_path / "outcomes.csv"
    data.write_bytes(b"quarter,cases\n2024Q1,17\n")  # fresh content, so the example can be re-run
    prepared = prepare_registration(data, document, owner.address)
    assert stored.json()["cid"] == prepared.metadata_cid

    result = stack.client.register(prepared.registration, owner)
    asset = stack.wait_indexed(result.asset_ids[0])

    assert asset["name"] == document.name
    assert asset["classification"] == "important"
    assert asset["sensitive_personal_information"] is True and asset["export_allowed"] is False
    assert asset["content_hash"] == prepared.fingerprint.sha256_hex
    assert asset["content_cid"] == prepared.fingerprint.cid
    assert asset["metadata_cid"] == prepared.metadata_cid
    assert asset["metadata"]["applicant"]["name"] == document.applicant.name
    holders = {(r["kind"], r["holder"]) for r in asset["rights"]}
    assert holders == {("holding", owner.address), ("usage", owner.address), ("operating", operator.address)}
    # Issue 13: the operating right named to another party is pending, not valid, until that party accepts it.
    assert [r["kind"] for r in asset["rights"] if not r["valid"]] == ["operating"]
    accepted = stack.client.execute(AcceptRight(asset["asset_id"], 3), operator)
    stack.wait_block(accepted.block_number)
    asset = stack.http.get(f"/v1/assets/{asset['asset_id']}").json()
    assert all(r["valid"] for r in asset["rights"])
    evidence = asset["evidence"]
    assert evidence["tx_hash"] == result.tx_hash and evidence["block_hash"] == result.block_hash
    assert evidence["contract"] == stack.deployment.registry and evidence["event"] == "AssetRegistered"
    # The evidence is checkable on the chain: the receipt's log at that index is this registration.
    receipt = stack.client.w3.eth.get_transaction_receipt(evidence["tx_hash"])
    log = next(entry for entry in receipt["logs"] if entry["logIndex"] == evidence["log_index"])
    assert "0x" + bytes(log["topics"][1]).hex() == asset["asset_id"]

    rights = stack.http.get(f"/v1/assets/{asset['asset_id']}/rights").json()["rights"]
    assert [r["right_index"] for r in rights] == [1, 2, 3]


def test_asset_list_filters_by_holder_kind_classification_and_text(stack):
    alice, bob = stack.accounts[5], stack.accounts[6]
    r1 = stack.client.register(random_registration([(alice.address, ALL)], classification=2), alice)
    r2 = stack.client.register(random_registration([(alice.address, 1), (bob.address, 2 | 4)]), alice)
    for result in (r1, r2):
        stack.wait_indexed(result.asset_ids[0])

    def ids(**params) -> set[str]:
        body = stack.http.get("/v1/assets", params={**params, "limit": 100}).json()
        return {a["asset_id"] for a in body["data"]}

    assert ids(holder=bob.address) == {r2.asset_ids[0]}
    assert ids(holder=bob.address, kind="holding") == set()
    assert ids(holder=alice.address, kind="operating") == {r1.asset_ids[0]}
    assert r1.asset_ids[0] in ids(classification="core") and r2.asset_ids[0] not in ids(classification="core")
    assert ids(registrant=alice.address) >= {r1.asset_ids[0], r2.asset_ids[0]}
    page = stack.http.get("/v1/assets", params={"limit": 1, "offset": 0}).json()
    assert len(page["data"]) == 1 and page["count"] >= 2


@pytest.mark.parametrize(
    "path, status, message_part",
    [
        ("/v1/assets/0x" + "ab" * 32, 404, "No asset '0x" + "ab" * 32 + "' is in the index"),
        ("/v1/assets/0x12", 422, "'0x12' is not an asset id"),
        ("/v1/assets?holder=0xnothex", 422, "'0xnothex' is not a valid holder address"),
        ("/v1/assets?kind=ownership", 422, "Unknown right kind 'ownership'"),
        ("/v1/assets?classification=secret", 422, "Unknown classification 'secret'"),
        ("/v1/assets?limit=1000", 422, "'limit'"),
        ("/v1/metadata/Qmxyz", 422, "'Qmxyz' is not a CID"),
        ("/v1/nothing", 404, "Not Found"),
    ],
)
def test_bad_requests_get_clear_errors(stack, path, status, message_part):
    response = stack.http.get(path)
    assert response.status_code == status
    assert message_part in response.json()["message"]


def test_invalid_metadata_is_refused_naming_the_field(stack):
    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    document["industry"]["division"] = "35"
    del document["name"]
    response = stack.http.post("/v1/metadata", json=document)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_metadata"
    fields = {e["field"] for e in body["errors"]}
    assert {"name", "industry.division"} <= fields
    assert "'industry.division'" in body["message"]


def test_metadata_round_trips_byte_for_byte(stack):
    """A document without contact details, which the public is served byte for byte; one with them is served
    whole only to the parties (tests/test_privacy.py)."""
    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    del document["applicant"]["contact"]
    cid = stack.http.post("/v1/metadata", json=document).json()["cid"]
    served = stack.http.get(f"/v1/metadata/{cid}")
    assert served.status_code == 200
    assert fingerprint_bytes(served.content).cid == cid


def test_signed_raw_transaction_is_forwarded(stack):
    alice = stack.accounts[6]
    reg = random_registration([(alice.address, ALL)])
    fn = stack.client.contract.functions.register(reg.as_abi())
    tx = fn.build_transaction({"from": alice.address, "nonce": stack.client.w3.eth.get_transaction_count(
        alice.address, "pending"), "chainId": 31337})
    raw = alice.sign_transaction(tx).raw_transaction
    response = stack.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(raw).hex()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["asset_ids"] and body["events"][0]["name"] == "AssetRegistered"
    stack.wait_indexed(body["asset_ids"][0])

    again = stack.http.post("/v1/transactions", json={"raw_transaction": "0x" + bytes(raw).hex()})
    assert again.status_code == 409
    assert again.json()["contract_error"]["name"] == "AssetAlreadyRegistered"


def test_relay_registers_for_signer_and_refuses_replay_and_forgery(stack):
    registrant, forger = stack.accounts[7], stack.accounts[5]
    reg = random_registration([(registrant.address, ALL)])
    signed = stack.client.sign(Register(reg), registrant)
    body = {
        "signer": registrant.address,
        "deadline": signed.deadline,
        "signature": "0x" + signed.signature.hex(),
        "operation": Register(reg).to_json(),
    }
    balance = stack.client.w3.eth.get_balance(registrant.address)
    response = stack.http.post("/v1/relay/register", json=body)
    assert response.status_code == 200, response.text
    asset = stack.wait_indexed(response.json()["asset_ids"][0])
    assert asset["registrant"] == registrant.address and asset["submitter"] != registrant.address
    assert stack.client.w3.eth.get_balance(registrant.address) == balance, "the registrant paid no gas"

    replay = stack.http.post("/v1/relay/register", json=body)
    assert replay.status_code == 422
    assert replay.json()["contract_error"]["name"] == "InvalidSignature"

    forged = stack.client.sign(Register(random_registration([(registrant.address, ALL)])), forger)
    body_forged = dict(body, signature="0x" + forged.signature.hex(),
                       operation=forged.operation.to_json())
    refused = stack.http.post("/v1/relay/register", json=body_forged)
    assert refused.status_code == 422
    assert "not valid for signer" in refused.json()["message"]


def test_relay_refuses_malformed_body_with_field_names(stack):
    response = stack.http.post("/v1/relay/register", json={"signer": "0x1", "deadline": -1, "signature": "zz",
                                                          "operation": {}})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"deadline", "signature"} <= fields


def test_metadata_stored_after_registration_is_filled_in_by_the_indexer(stack, tmp_path):
    """The document can be stored after the asset was registered and indexed: the indexer (not the API, which
    only stores documents) fills in the asset's fields when the document turns up in the content store."""
    owner = stack.accounts[2]
    document = json.loads((EXAMPLES / "traffic-flow.json").read_text())
    document["name"] = "迟到的元数据 late metadata"
    parsed = parse_metadata(document)
    data = tmp_path / "late.csv"
    data.write_bytes(b"hour,vehicles\n" + os.urandom(8).hex().encode() + b",1\n")
    prepared = prepare_registration(data, parsed, owner.address)
    asset_id = stack.client.register(prepared.registration, owner).asset_ids[0]
    assert stack.wait_indexed(asset_id)["name"] is None  # the document is not in the store yet

    assert stack.http.post("/v1/metadata", json=json.loads(canonical_bytes(parsed))).json()["cid"] \
        == prepared.metadata_cid
    # The indexer looks while idle: each answer is polled for, as long as the indexer is given (no time asserted).
    for _ in range(2000):
        if (asset := stack.http.get(f"/v1/assets/{asset_id}").json())["name"] is not None:
            break
        threading.Event().wait(0.01)
    assert asset["name"] is not None, "the indexer did not fill in the stored document's fields"
    assert asset["name"] == document["name"]
    assert asset["metadata"]["name"] == document["name"]
    assert [a["asset_id"] for a in stack.http.get("/v1/assets", params={"q": "迟到的元数据"}).json()["data"]] \
        == [asset_id]
