"""The relayer under load and after a reorg (issue 14, items 3 and 4): one nonce lock, nonces from the node's
pending count, every relay followed until it is mined for good, and never a 5xx for an operation that can still
be mined."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from eth_account import Account

from registry.chain.operations import Register
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
