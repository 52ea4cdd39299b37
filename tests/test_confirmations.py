"""Confirmed-only answers: every read of an asset says how many confirmations it has, and with
`min_confirmations` leaves out what happened in the blocks that do not have that many yet, showing the asset
as it stood after the last block that does."""
from __future__ import annotations

from registry.chain.operations import Transfer
from tests.conftest import random_registration

ALL = 7


def mine(stack, blocks: int) -> int:
    for _ in range(blocks):
        stack.client.w3.provider.make_request("evm_mine", [])
    head = stack.client.w3.eth.block_number
    stack.wait_block(head)
    return head


def test_answers_count_confirmations_from_the_head_and_can_leave_out_unconfirmed_blocks(stack):
    alice, bob = stack.accounts[1], stack.accounts[2]
    registered = stack.client.register(random_registration([(alice.address, ALL)]), alice)
    asset = registered.asset_ids[0]
    stack.wait_block(registered.block_number)

    fresh = stack.http.get(f"/v1/assets/{asset}").json()
    assert fresh["confirmations"] == fresh["head_block"] - registered.block_number + 1 >= 1
    refused = stack.http.get(f"/v1/assets/{asset}", params={"min_confirmations": fresh["confirmations"] + 1})
    assert refused.status_code == 404
    assert f"{fresh['confirmations']} confirmation(s): fewer than the {fresh['confirmations'] + 1}" in \
        refused.json()["message"]

    head = mine(stack, 2)
    assert stack.http.get(f"/v1/assets/{asset}", params={"min_confirmations": 3}).json()["confirmations"] == \
        head - registered.block_number + 1

    # The usage right changes hands in the newest block: with 2 confirmations asked, that block is left out.
    moved = stack.client.execute(Transfer(asset, 2, bob.address), alice)
    stack.wait_block(moved.block_number)
    now = stack.http.get(f"/v1/assets/{asset}").json()
    confirmed = stack.http.get(f"/v1/assets/{asset}", params={"min_confirmations": 2}).json()
    assert confirmed["confirmed_block"] == moved.block_number - 1
    holders = lambda answer: {r["right_index"]: r["holder"] for r in answer["rights"]}  # noqa: E731
    assert holders(now)[2] == bob.address
    assert holders(confirmed)[2] == alice.address

    rights = stack.http.get(f"/v1/assets/{asset}/rights", params={"min_confirmations": 2}).json()
    assert rights["block"] == moved.block_number - 1
    assert {r["right_index"]: r["holder"] for r in rights["rights"]}[2] == alice.address

    history = stack.http.get(f"/v1/assets/{asset}/history", params={"min_confirmations": 2}).json()
    assert "right_transferred" not in [e["action"] for e in history["data"]]
    everything = stack.http.get(f"/v1/assets/{asset}/history").json()
    assert everything["count"] == history["count"] + 1

    # Once the block has its confirmations, the confirmed answer catches up.
    mine(stack, 1)
    assert holders(stack.http.get(f"/v1/assets/{asset}", params={"min_confirmations": 2}).json())[2] == bob.address


def test_min_confirmations_must_be_a_whole_number(stack):
    answer = stack.http.get("/v1/assets/0x" + "00" * 32, params={"min_confirmations": -1})
    assert answer.status_code == 422 and "min_confirmations" in answer.text
