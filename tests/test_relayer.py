"""The relayer under load and after a reorg (issue 14, items 3 and 4): one nonce lock, nonces from the node's
pending count, every relay followed until it is mined for good, and never a 5xx for an operation that can still
be mined."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from eth_account import Account
from eth_utils import keccak

from registry.chain.operations import Register
from registry.chain.relayer import Relayer
from registry.db.session import make_engine
from registry.devchain import dev_key
from tests.conftest import random_registration

ALL = 7


def signed_registration(stack, account) -> dict:
    signed = stack.client.sign(Register(random_registration([(account.address, ALL)])), account)
    return {"signer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
            "operation": signed.operation.to_json()}


def test_twenty_concurrent_relays_from_twenty_signers_are_all_mined(private_stack) -> None:
    """Fails on the old code: 9 of 20 answered 502 ("nonce too low" / "replacement transaction underpriced"),
    the relayer's nonce being read and cached by each request thread without a lock."""
    s = private_stack
    bodies = [signed_registration(s, Account.from_key(os.urandom(32))) for _ in range(20)]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda body: s.http.post("/v1/relay/register", json=body), bodies))
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers if a.status_code != 200]
    assert len({a.json()["tx_hash"] for a in answers}) == 20
    for answer in answers:
        relay = s.http.get(f"/v1/relay/{answer.json()['relay_id']}").json()
        assert relay["status"] == "mined" and relay["block_number"] == answer.json()["block_number"]
        assert relay["asset_ids"] == answer.json()["asset_ids"]


def test_an_orphaned_relayed_transaction_does_not_wedge_the_relayer(private_stack) -> None:
    """Fails on the old code: after a reorg removed a relayed transaction, the relayer kept its cached nonce,
    so the next relay waited 60 s and answered 502 "No receipt" (and was executed on chain later). Now the
    next relay is mined at once, and the orphaned one is sent again and mined, as GET /v1/relay/{id} shows."""
    s = private_stack
    rpc = s.client.w3.provider
    snapshot = rpc.make_request("evm_snapshot", [])["result"]
    orphaned = s.http.post("/v1/relay/register", json=signed_registration(s, Account.from_key(os.urandom(32))))
    assert orphaned.status_code == 200, orphaned.text
    assert rpc.make_request("evm_revert", [snapshot])["result"] is True
    after = s.http.post("/v1/relay/register", json=signed_registration(s, Account.from_key(os.urandom(32))))
    assert after.status_code == 200, after.text
    assert after.json()["relay_id"] != orphaned.json()["relay_id"]
    # The orphaned operation can still be carried out (its signature is unused again): it is mined again.
    deadline = time.monotonic() + 60
    while True:
        status = s.http.get(f"/v1/relay/{orphaned.json()['relay_id']}").json()
        if status["status"] == "mined" and s.client.w3.eth.get_transaction_receipt(status["tx_hash"]):
            break
        assert status["status"] == "pending", status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["asset_ids"] == orphaned.json()["asset_ids"]  # the same asset: the same signed registration


def test_an_unknown_relay_id_is_a_404(private_stack) -> None:
    response = private_stack.http.get("/v1/relay/0123456789abcdef")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_a_forwarded_transaction_not_mined_in_time_is_a_202_and_followed_until_mined(private_stack, monkeypatch):
    """Fails on the old code: POST /v1/transactions waited 60 s for the receipt and then answered 502 "No receipt"
    for a transaction the node still held, which could be (and was) mined later. Now it answers 202 with a relay
    id, and the API follows the transaction: dropped from the node's pool, it is broadcast again as signed."""
    s = private_stack
    monkeypatch.setenv("DATAREG_RELAY_WAIT", "0.5")
    sender = s.accounts[6]
    call = s.client.contract.functions.register(random_registration([(sender.address, ALL)]).as_abi())
    raw = bytes(sender.sign_transaction(call.build_transaction({
        "from": sender.address, "chainId": 31337,
        "nonce": s.client.w3.eth.get_transaction_count(sender.address, "pending")})).raw_transaction)
    rpc = s.client.w3.provider
    rpc.make_request("evm_setAutomine", [False])
    try:
        accepted = s.http.post("/v1/transactions", json={"raw_transaction": "0x" + raw.hex()})
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["status"] == "pending" and body["tx_hash"] == "0x" + keccak(raw).hex()
        assert body["operation"] == "transaction" and body["signer"] == sender.address
        assert s.http.get(f"/v1/relay/{body['relay_id']}").json()["status"] == "pending"
        rpc.make_request("anvil_dropTransaction", [body["tx_hash"]])  # lost by the node: only a re-broadcast helps
    finally:
        rpc.make_request("evm_setAutomine", [True])
    deadline = time.monotonic() + 60
    while (status := s.http.get(f"/v1/relay/{body['relay_id']}").json())["status"] == "pending":
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["status"] == "mined" and status["tx_hash"] == body["tx_hash"], status
    assert status["asset_ids"] and s.client.w3.eth.get_transaction_receipt(status["tx_hash"])["status"] == 1


def test_relays_are_answered_from_the_database_by_a_process_that_never_saw_them(private_stack) -> None:
    """A relay's record is a row of the index database: a relayer that never saw it (another API instance, or
    this one restarted) answers for it. Fails on the old code, which kept relays only in the accepting process."""
    s = private_stack
    answer = s.http.post("/v1/relay/register", json=signed_registration(s, Account.from_key(os.urandom(32))))
    assert answer.status_code == 200, answer.text
    other = Relayer(s.client, None, make_engine(s.settings.database_url))  # as another instance holds one
    remembered = other.get(answer.json()["relay_id"])
    assert remembered is not None and remembered.status == "mined" and not remembered.local
    assert remembered.result.tx_hash == answer.json()["tx_hash"]
    assert remembered.result.asset_ids == answer.json()["asset_ids"]
    assert other.get("0" * 32) is None


def test_a_relay_whose_answer_from_the_node_is_lost_is_followed_not_refused(private_stack, monkeypatch) -> None:
    """Fails on the old code: the node took the transaction but the connection broke before its answer, and the
    API answered 503 "may or may not have been sent" (a failure, for a transaction then mined). Now it is
    followed as sent: its receipt is found, and the relay is mined, sent once."""
    s = private_stack
    relayer = Relayer(s.client, Account.from_key(dev_key(8)), make_engine(s.settings.database_url))
    signer = Account.from_key(os.urandom(32))
    signed = s.client.sign(Register(random_registration([(signer.address, ALL)])), signer)
    call = s.client.relay_call(signed.operation, signed.signer, signed.deadline, signed.signature)
    send = relayer.w3.eth.send_raw_transaction

    def answer_lost(raw):
        send(raw)
        raise ConnectionError("Connection reset by peer")

    monkeypatch.setattr(relayer.w3.eth, "send_raw_transaction", answer_lost)
    try:
        relay = relayer.submit(call, "register", signed.signer)
    finally:
        monkeypatch.undo()
    try:
        assert relay.settled.wait(30) and relay.status == "mined", relay
        assert relay.tx_hashes == [relay.result.tx_hash] and relay.result.asset_ids
    finally:
        relayer.close()
