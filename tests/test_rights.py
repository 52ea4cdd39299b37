"""The rights lifecycle through the Python client, the indexer and the HTTP API, on an anvil of its own
(these tests move the chain's clock)."""
from __future__ import annotations

import csv
import io

import pytest

from registry.chain.operations import (
    Grant,
    GrantTerms,
    Register,
    Renew,
    Revoke,
    Transfer,
)
from registry.chain.types import Source
from registry.errors import ContractRevert
from tests.conftest import random_registration

ALL, HOLDING, USAGE, OPERATING = 7, 1, 2, 4
DAY = 86_400


@pytest.fixture(scope="module")
def s(private_stack):
    return private_stack


def terms(grantee: str, until: int = 0, **kw) -> GrantTerms:
    return GrantTerms(grantee=grantee, valid_until=until, sub_grantable=kw.get("sub", True),
                      transferable=kw.get("transferable", True), purpose=kw.get("purpose", "交通规划研究"),
                      territory="3502", quantity=kw.get("quantity", 1000), terms_cid=bytes([7]) * 32)


def register(s, owner, kinds=ALL) -> str:
    return s.client.register(random_registration([(owner.address, kinds)]), owner).asset_ids[0]


def rights_by_index(s, asset_id: str, at: str | None = None) -> dict[int, dict]:
    params = {"at": at} if at else {}
    body = s.http.get(f"/v1/assets/{asset_id}/rights", params=params).json()
    return {r["right_index"]: r for r in body["rights"]}


def test_grant_transfer_revoke_renew_are_indexed_with_history_and_evidence(s):
    alice, bob, carol, dave = s.accounts[1:5]
    asset = register(s, alice)
    grant = s.client.execute(Grant(asset, 2, terms(bob.address, s.chain_time() + 30 * DAY)), alice)
    child = grant.events[0].args["rightIndex"]
    sub = s.client.execute(Grant(asset, child, terms(carol.address, s.chain_time() + 10 * DAY)), bob)
    grandchild = sub.events[0].args["rightIndex"]
    moved = s.client.execute(Transfer(asset, child, dave.address), bob)
    revoked = s.client.execute(Revoke(asset, child, 1, bytes([9]) * 32), alice)
    s.wait_block(revoked.block_number)

    rights = rights_by_index(s, asset)
    assert rights[child]["holder"] == dave.address
    assert rights[child]["valid"] is False and rights[child]["invalid_reason"] == "revoked"
    assert rights[child]["revocation"]["reason"] == "breach_of_terms"
    assert rights[child]["terms"]["grantor"] == alice.address
    assert rights[child]["terms"]["purpose"] == "交通规划研究" and rights[child]["terms"]["quantity"] == 1000
    assert rights[grandchild]["invalid_reason"] == "parent_revoked"
    assert rights[2]["valid"] is True

    history = s.http.get(f"/v1/assets/{asset}/history").json()
    actions = [e["action"] for e in history["data"]]
    assert actions == ["registered"] + ["right_assigned"] * 3 + ["right_granted", "right_granted",
                                                                 "right_transferred", "right_revoked"]
    transfer_event = history["data"][6]
    assert transfer_event["actor"] == bob.address and dave.address in transfer_event["parties"]
    assert transfer_event["tx_hash"] == moved.tx_hash and transfer_event["block_hash"] == moved.block_hash
    assert transfer_event["kind"] == "usage"
    assert history["data"][4]["details"]["terms"]["territory"] == "3502"

    # Before the transfer, Bob held the grant, and it was valid then.
    before = rights_by_index(s, asset, at=str(moved.block_number - 1))
    assert before[child]["holder"] == bob.address and before[child]["valid"] is True

    bobs = {(r["asset_id"], r["right_index"]): r for r in s.http.get(f"/v1/parties/{bob.address}/rights").json()}
    assert bobs[(asset, child)]["status"] == "transferred_away"
    assert bobs[(asset, child)]["transferred_to"] == dave.address
    assert bobs[(asset, child)]["held_until_block"] == moved.block_number
    carols = s.http.get(f"/v1/parties/{carol.address}/rights").json()
    assert [(r["status"], r["holds_now"]) for r in carols if r["asset_id"] == asset] == [("parent_revoked", True)]


def test_expiry_needs_no_transaction_and_renewal_restores(s):
    alice, bob = s.accounts[1:3]
    asset = register(s, alice)
    end = s.chain_time() + 2 * DAY
    child = s.client.execute(Grant(asset, 3, terms(bob.address, end)), alice).events[0].args["rightIndex"]
    s.advance_time(3 * DAY)
    s.wait_block(s.client.w3.eth.block_number)
    assert rights_by_index(s, asset)[child]["invalid_reason"] == "expired"
    assert s.client.right_validity(asset, child)[0] == 5  # Validity.Expired, as the contract says

    renewed = s.client.execute(Renew(asset, child, s.chain_time() + 30 * DAY), alice)
    s.wait_block(renewed.block_number)
    assert rights_by_index(s, asset)[child]["valid"] is True
    # As of a time inside the first term, the grant was valid; as of the expired gap, not.
    history = s.http.get(f"/v1/assets/{asset}/history", params={"kind": "operating"}).json()["data"]
    assert [e["action"] for e in history] == ["right_assigned", "right_granted", "right_renewed"]


@pytest.mark.parametrize(
    "case, error_name, message_part",
    [
        ("no_such_right", "RightNotFound", "has no right number 99"),
        ("not_sub_grantable", "NotSubGrantable", "without permission to sub-grant"),
        ("not_transferable", "NotTransferable", "was granted as not transferable"),
        ("expired", "RightExpired", "expired at"),
        ("revoked", "RightIsRevoked", "has been revoked"),
        ("not_grantor", "NotGrantor", "is not the grantor"),
        ("derive_without_usage", "NotRightHolder", "does not hold right 2"),
    ],
)
def test_refusals_are_clear_and_change_nothing(s, case, error_name, message_part):
    alice, bob, carol = s.accounts[1:4]
    asset = register(s, alice)
    limited = s.client.execute(
        Grant(asset, 2, terms(bob.address, s.chain_time() + DAY, sub=False, transferable=False)), alice
    ).events[0].args["rightIndex"]
    attempts = {
        "no_such_right": (Grant(asset, 99, terms(carol.address)), alice),
        "not_sub_grantable": (Grant(asset, limited, terms(carol.address, s.chain_time() + 3600)), bob),
        "not_transferable": (Transfer(asset, limited, carol.address), bob),
        "not_grantor": (Revoke(asset, limited, 1), carol),
        "derive_without_usage": (Register(random_registration([(carol.address, ALL)],
                                                              sources=[Source(asset, 2)])), carol),
    }
    if case == "expired":
        s.advance_time(2 * DAY)
        attempts[case] = (Transfer(asset, limited, carol.address), bob)
    if case == "revoked":
        s.client.execute(Revoke(asset, limited, 2), alice)
        attempts[case] = (Renew(asset, limited, s.chain_time() + 5 * DAY), alice)
    operation, account = attempts[case]
    block = s.client.w3.eth.block_number
    with pytest.raises(ContractRevert) as refused:
        s.client.execute(operation, account)
    assert refused.value.error_name == error_name
    assert message_part in str(refused.value)
    assert s.client.w3.eth.block_number == block, "nothing was sent"

    # The API refuses the same operation, relayed, with the same message.
    signed = s.client.sign(operation, account)
    response = s.http.post(f"/v1/relay/{operation.name}", json={
        "signer": account.address, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
        "operation": operation.to_json()})
    assert response.status_code in (404, 422)
    assert response.json()["contract_error"]["name"] == error_name
    assert message_part in response.json()["message"]


def test_every_operation_can_be_relayed_for_its_signer(s):
    alice, bob, carol = s.accounts[1:4]
    asset = register(s, alice)

    def relay(operation, account):
        signed = s.client.sign(operation, account)
        response = s.http.post(f"/v1/relay/{operation.name}", json={
            "signer": account.address, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
            "operation": operation.to_json()})
        assert response.status_code == 200, response.text
        return response.json()

    granted = relay(Grant(asset, 2, terms(bob.address, s.chain_time() + 10 * DAY)), alice)
    child = granted["events"][0]["args"]["rightIndex"]
    relay(Renew(asset, child, s.chain_time() + 20 * DAY), alice)
    relay(Transfer(asset, child, carol.address), bob)
    done = relay(Revoke(asset, child, 4), alice)
    s.wait_block(done["block_number"])
    right = rights_by_index(s, asset)[child]
    assert right["holder"] == carol.address and right["revoked"] is True
    actors = [e["actor"] for e in s.http.get(f"/v1/assets/{asset}/history").json()["data"][4:]]
    assert actors == [alice.address, alice.address, bob.address, alice.address], "the signers, not the relayer"


def test_history_filters_paginates_and_exports_csv(s):
    alice, bob = s.accounts[1:3]
    asset = register(s, alice)
    for _ in range(3):
        s.client.execute(Grant(asset, 1, terms(bob.address)), alice)
    last = s.client.execute(Grant(asset, 2, terms(bob.address, purpose="模型训练")), alice)
    s.wait_block(last.block_number)

    page = s.http.get(f"/v1/assets/{asset}/history", params={"limit": 3, "offset": 3}).json()
    assert page["count"] == 8 and len(page["data"]) == 3
    assert [e["action"] for e in page["data"]] == ["right_assigned", "right_granted", "right_granted"]
    by_bob = s.http.get(f"/v1/assets/{asset}/history", params={"party": bob.address}).json()
    assert by_bob["count"] == 4
    usage = s.http.get(f"/v1/assets/{asset}/history", params={"kind": "usage", "party": bob.address}).json()
    assert usage["count"] == 1 and usage["data"][0]["details"]["terms"]["purpose"] == "模型训练"
    since = s.http.get(f"/v1/assets/{asset}/history", params={"since": str(last.block_number)}).json()
    assert since["count"] == 1

    exported = s.http.get(f"/v1/assets/{asset}/history", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(rows) == 8 and rows[-1]["tx_hash"] == last.tx_hash and "模型训练" in rows[-1]["details"]

    # Cursor paging walks the same events as offsets, and says when there are no more.
    walked, cursor = [], None
    while True:
        params = {"limit": 3, **({"after": cursor} if cursor else {})}
        page = s.http.get(f"/v1/assets/{asset}/history", params=params).json()
        walked += [(e["block_number"], e["log_index"]) for e in page["data"]]
        cursor = page["next"]
        if cursor is None:
            break
    everything = s.http.get(f"/v1/assets/{asset}/history").json()["data"]
    assert walked == [(e["block_number"], e["log_index"]) for e in everything] and len(walked) == 8
    refused = s.http.get(f"/v1/assets/{asset}/history", params={"after": "yesterday"})
    assert refused.status_code == 422 and "after" in refused.text

    bad = s.http.get(f"/v1/assets/{asset}/history", params={"since": "yesterday"})
    assert bad.status_code == 422 and "block number or an ISO 8601 time" in bad.json()["message"]


def test_lineage_graph_follows_sources_and_derived_assets(s):
    alice, bob = s.accounts[1:3]
    source = register(s, alice)
    usage = s.client.execute(Grant(source, 2, terms(bob.address)), alice).events[0].args["rightIndex"]
    derived = s.client.register(random_registration([(bob.address, ALL)], sources=[Source(source, usage)]),
                                bob).asset_ids[0]
    second = s.client.register(random_registration([(bob.address, ALL)], sources=[Source(derived, 2)]), bob)
    s.wait_block(second.block_number)

    graph = s.http.get(f"/v1/assets/{derived}/lineage", params={"depth": 2}).json()
    levels = {n["asset_id"]: n["level"] for n in graph["nodes"]}
    assert levels == {source: -1, derived: 0, second.asset_ids[0]: 1}
    assert {(e["source"], e["derived"], e["right_index"]) for e in graph["edges"]} == {
        (source, derived, usage), (derived, second.asset_ids[0], 2)}
    shallow = s.http.get(f"/v1/assets/{second.asset_ids[0]}/lineage", params={"depth": 1}).json()
    assert {n["asset_id"] for n in shallow["nodes"]} == {derived, second.asset_ids[0]}


def test_rights_show_the_chain_of_grants_they_are_held_through(s):
    alice, bob, carol = s.accounts[1:4]
    asset = register(s, alice)
    child = s.client.execute(Grant(asset, 3, terms(bob.address)), alice).events[0].args["rightIndex"]
    grandchild = s.client.execute(Grant(asset, child, terms(carol.address)), bob)
    s.wait_block(grandchild.block_number)
    index = grandchild.events[0].args["rightIndex"]
    right = rights_by_index(s, asset)[index]
    assert right["chain"] == [index, child, 3]
    assert s.client.contract.functions.rightChain(bytes.fromhex(asset[2:]), index).call() == right["chain"]
