"""The bulk write path (RegistryClient.register_many): registrations in batches of registerBatch transactions,
encoded with eth_abi directly. Its argument type once fell behind the contract's Registration (issue 21 added a
field) and every batch failed to encode; only scripts/bench_bulk.py noticed."""
from __future__ import annotations

import pytest
from eth_abi.exceptions import EncodingError

from tests.conftest import random_registration


def test_register_many_registers_every_asset_in_batches_and_the_api_shows_them(private_stack):
    stack = private_stack  # its own chain: three more assets of alice on the shared one would change other tests
    alice, bob = stack.accounts[1], stack.accounts[2]
    registrations = [random_registration([(alice.address, 0b111)]) for _ in range(2)]
    registrations.append(random_registration([(alice.address, 1), (bob.address, 2 | 4)]))

    results = stack.client.register_many(registrations, alice, per_transaction=2)

    assert len(results) == 2, "three registrations in batches of two are two transactions"
    asset_ids = [asset for result in results for asset in result.asset_ids]
    assert len(asset_ids) == 3 and len(set(asset_ids)) == 3
    stack.wait_block(max(r.block_number for r in results))
    for asset_id, registration in zip(asset_ids, registrations, strict=True):
        asset = stack.http.get(f"/v1/assets/{asset_id}").json()
        assert asset["content_hash"] == "0x" + registration.content_hash.hex()
        assert asset["registrant"] == alice.address
    holders = {r["holder"] for r in stack.http.get(f"/v1/assets/{asset_ids[2]}/rights").json()["rights"]}
    assert holders == {alice.address, bob.address}


def test_a_batch_that_cannot_be_encoded_sends_nothing_and_the_next_bulk_goes_through(private_stack):
    """Every batch is encoded before any is signed: a bad registration in a later batch used to leave the
    client's nonce counted past transactions never sent, and its next transaction waited for ever behind the gap."""
    stack = private_stack
    alice = stack.accounts[1]

    def sent() -> int:
        return int(stack.client.chain.rpc.call("eth_getTransactionCount", [alice.address, "pending"]), 16)

    before = sent()
    good = [random_registration([(alice.address, 0b111)]) for _ in range(2)]
    beyond_uint8 = random_registration([(alice.address, 0b111)], classification=256)
    with pytest.raises(EncodingError, match="8 bits"):
        stack.client.register_many([*good, beyond_uint8], alice, per_transaction=2)
    assert sent() == before

    results = stack.client.register_many(good, alice, per_transaction=2)
    assert len(results[0].asset_ids) == 2 and sent() == before + 1
