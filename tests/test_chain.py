"""The Python chain client against a real anvil: registration by own transaction and by relayed
EIP-712 signature, and every refusal decoded into a message a person can act on."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest
from eth_account import Account

from registry.chain.abi import FORGE_OUT, load_abi
from registry.chain.client import Chain, RegistryClient, asset_id_of
from registry.chain.deploy import deploy
from registry.chain.operations import AcceptRight, Register
from registry.chain.types import Source
from registry.devchain import DEPLOYER_ACCOUNT, dev_key
from registry.errors import ContractRevert, ValidationError
from tests.conftest import random_registration

ALL = 7


def test_committed_abi_matches_forge_build():
    artifact = json.loads((FORGE_OUT / "DataRegistry.sol" / "DataRegistry.json").read_text())
    assert load_abi() == artifact["abi"], "run `make build` to refresh registry/chain/abi/"


def test_register_own_transaction_records_asset_and_rights(stack):
    alice, bob = stack.accounts[1], stack.accounts[2]
    reg = random_registration([(alice.address, 1 | 2), (bob.address, 4)], classification=1, attributes=0x03)
    result = stack.client.register(reg, alice)

    asset_id = asset_id_of(alice.address, reg.content_hash)
    assert result.asset_ids == [asset_id]
    assert [e.name for e in result.events] == ["AssetRegistered"] + ["RightAssigned"] * 3
    asset = stack.client.get_asset(asset_id)
    assert asset == {"registrant": alice.address, "status": 1, "classification": 1, "attributes": 3,
                     "version": 1, "right_count": 3, "frozen": False, "active_pledges": 0,
                     "active_freezes": 0, "changed_content_hash": None}
    assert [stack.client.get_right(asset_id, i)["holder"] for i in (1, 2, 3)] == [alice.address, alice.address,
                                                                                 bob.address]


def test_register_by_signature_relayed_by_another_account(stack):
    registrant, relayer = stack.accounts[3], stack.accounts[4]
    reg = random_registration([(registrant.address, ALL)])
    nonce = stack.client.nonce_of(registrant.address)
    signed = stack.client.sign(Register(reg), registrant)
    result = stack.client.relay(Register(reg), signed.signer, signed.deadline, signed.signature, relayer)

    event = result.events[0]
    assert event.args["registrant"] == registrant.address
    assert event.args["submitter"] == relayer.address
    assert stack.client.get_asset(result.asset_ids[0])["registrant"] == registrant.address
    assert stack.client.nonce_of(registrant.address) == nonce + 1


def _assert_refused_unchanged(stack, action, error_name: str, message_part: str, signer: str) -> None:
    nonce = stack.client.nonce_of(signer)
    block = stack.client.w3.eth.block_number
    with pytest.raises(ContractRevert) as refused:
        action()
    assert refused.value.error_name == error_name
    assert message_part in str(refused.value)
    # Refused before sending: no transaction mined, no nonce used.
    assert stack.client.w3.eth.block_number == block
    assert stack.client.nonce_of(signer) == nonce


def test_register_by_signature_refuses_replay(stack):
    registrant, relayer = stack.accounts[3], stack.accounts[4]
    reg = random_registration([(registrant.address, ALL)])
    signed = stack.client.sign(Register(reg), registrant)
    stack.client.relay(Register(reg), registrant.address, signed.deadline, signed.signature, relayer)
    _assert_refused_unchanged(
        stack,
        lambda: stack.client.relay(Register(reg), registrant.address, signed.deadline, signed.signature, relayer),
        "InvalidSignature",
        "a nonce that has already been used",
        registrant.address,
    )


def test_register_by_signature_refuses_expired_deadline(stack):
    registrant, relayer = stack.accounts[3], stack.accounts[4]
    reg = random_registration([(registrant.address, ALL)])
    signed = stack.client.sign(Register(reg), registrant, deadline=int(time.time()) - 3600)
    _assert_refused_unchanged(
        stack,
        lambda: stack.client.relay(Register(reg), registrant.address, signed.deadline, signed.signature, relayer),
        "SignatureExpired",
        "Sign the request again with a later deadline",
        registrant.address,
    )


def test_register_by_signature_refuses_signature_for_another_chain(stack):
    registrant, relayer = stack.accounts[3], stack.accounts[4]
    reg = random_registration([(registrant.address, ALL)])
    other_chain = Chain(stack.rpc_url, dataclasses.replace(stack.deployment, chain_id=999))
    signed = RegistryClient(other_chain).sign(Register(reg), registrant)
    assert signed.typed_data["domain"]["chainId"] == 999
    _assert_refused_unchanged(
        stack,
        lambda: stack.client.relay(Register(reg), registrant.address, signed.deadline, signed.signature, relayer),
        "InvalidSignature",
        f"signer '{registrant.address}'",
        registrant.address,
    )


def test_register_by_signature_refuses_forged_and_tampered(stack):
    registrant, forger, relayer = stack.accounts[3], stack.accounts[5], stack.accounts[4]
    reg = random_registration([(registrant.address, ALL)])
    # The forger signs a registration in the registrant's name.
    forged = stack.client.sign(Register(reg), forger)
    _assert_refused_unchanged(
        stack,
        lambda: stack.client.relay(Register(reg), registrant.address, forged.deadline, forged.signature, relayer),
        "InvalidSignature", "made by another key", registrant.address,
    )
    # The registrant signs; the relayer gives the rights to itself.
    signed = stack.client.sign(Register(reg), registrant)
    tampered = random_registration([(relayer.address, ALL)])
    tampered = type(reg)(reg.content_hash, reg.content_cid, reg.metadata_cid, holders=tampered.holders)
    _assert_refused_unchanged(
        stack,
        lambda: stack.client.relay(Register(tampered), registrant.address, signed.deadline, signed.signature,
                                             relayer),
        "InvalidSignature", "for other values", registrant.address,
    )


def test_signature_for_another_registry_deployment_is_refused(stack):
    registrant, relayer = stack.accounts[3], stack.accounts[4]
    other = deploy(stack.rpc_url, dev_key(DEPLOYER_ACCOUNT))
    reg = random_registration([(registrant.address, ALL)])
    signed = stack.client.sign(Register(reg), registrant)
    other_client = RegistryClient(Chain(stack.rpc_url, other))
    with pytest.raises(ContractRevert) as refused:
        other_client.relay(Register(reg), registrant.address, signed.deadline, signed.signature, relayer)
    assert refused.value.error_name == "InvalidSignature"


@pytest.mark.parametrize(
    "holders, error_name, message_part",
    [
        ([("usage_only", 2)], "MissingHoldingRight", "names no holder of the holding right"),
        ([("self", 8)], "InvalidHolder", "must be a non-empty subset"),
    ],
)
def test_register_refuses_invalid_rights_with_clear_message(stack, holders, error_name, message_part):
    alice = stack.accounts[1]
    reg = random_registration([(alice.address, mask) for _, mask in holders])
    with pytest.raises(ContractRevert) as refused:
        stack.client.register(reg, alice)
    assert refused.value.error_name == error_name
    assert message_part in str(refused.value)


def test_register_twice_is_refused_with_asset_id(stack):
    alice = stack.accounts[1]
    reg = random_registration([(alice.address, ALL)])
    asset_id = stack.client.register(reg, alice).asset_ids[0]
    with pytest.raises(ContractRevert, match=f"Asset '{asset_id}' is already registered"):
        stack.client.register(reg, alice)


def test_derived_registration_needs_usage_right_over_source(stack):
    alice, bob = stack.accounts[1], stack.accounts[2]
    source = stack.client.register(random_registration([(bob.address, ALL)]), bob).asset_ids[0]
    derived = random_registration([(alice.address, ALL)], sources=[Source(source, 2)])
    with pytest.raises(ContractRevert) as refused:
        stack.client.register(derived, alice)
    assert refused.value.error_name == "NotRightHolder"
    assert f"Account '{alice.address}' does not hold right 2 of asset '{source}'" in str(refused.value)

    shared = stack.client.register(random_registration([(bob.address, 1 | 4), (alice.address, 2)]), bob)
    # Named by bob, alice holds the usage right only once she accepts it (issue 13).
    with pytest.raises(ContractRevert, match="is pending"):
        stack.client.register(random_registration([(alice.address, ALL)], sources=[Source(shared.asset_ids[0], 2)]),
                              alice)
    stack.client.execute(AcceptRight(shared.asset_ids[0], 2), alice)
    result = stack.client.register(
        random_registration([(alice.address, ALL)], sources=[Source(shared.asset_ids[0], 2)]), alice
    )
    assert [e.name for e in result.events][:2] == ["AssetRegistered", "AssetDerived"]
    assert stack.client.get_asset(result.asset_ids[0])["attributes"] & 0x08


def test_raw_transaction_to_another_contract_is_refused(stack):
    alice = stack.accounts[1]
    tx = {"to": alice.address, "value": 0, "gas": 21000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
          "nonce": 0, "chainId": 31337, "type": 2}
    raw = Account.sign_transaction(tx, alice.key).raw_transaction
    with pytest.raises(ValidationError, match="only calls to the registry are accepted"):
        stack.client.send_raw_transaction(bytes(raw))


@pytest.mark.parametrize("fees", ["zero", "legacy"])
def test_deploy_register_grant_and_relay_through_a_qbft_shaped_node(tmp_path, fees):
    """Issue 20: web3 refused every proof-of-authority block ("The field extraData is 97 bytes, but should be
    32"), so on the old code `datareg deploy`, register, grant and the API's relay all failed against a QBFT
    or Clique node. Here a proxy makes anvil look like a Besu QBFT node (97-byte extraData in every block,
    no anvil_/evm_ methods, each new block's logs and receipts served half a second late), and everything
    (deploy, the client, the indexer and the API) goes through it, on a network with base fee and gas price
    0, where the accounts that register, grant and relay-sign hold no ether at all, and on one whose blocks
    carry no base fee (legacy gas prices)."""
    from registry.chain.operations import Grant, GrantTerms
    from registry.chain.rpc import Rpc
    from registry.devchain_proxy import LONG_EXTRA_DATA, RpcProxy
    from tests.faults import anvil_node, own_stack

    with (anvil_node(zero_fees=fees == "zero") as (anvil_url, _),
          RpcProxy(anvil_url, qbft=True, pre_london=fees == "legacy", late_logs_seconds=0.5) as node):
        block = Rpc(node.url).call("eth_getBlockByNumber", ["latest", False])
        assert len(bytes.fromhex(block["extraData"][2:])) == 97 and block["extraData"] == LONG_EXTRA_DATA
        with own_stack(node.url, tmp_path) as s:
            if fees == "zero":
                alice, bob, carol = (Account.create() for _ in range(3))
                assert s.client.w3.eth.get_balance(alice.address) == 0
            else:
                alice, bob, carol = s.accounts[1:4]
            registered = s.client.register(random_registration([(alice.address, ALL)]), alice)
            asset_id = registered.asset_ids[0]
            granted = s.client.execute(Grant(asset_id, 3, GrantTerms(bob.address)), alice)
            assert [e.name for e in granted.events] == ["RightGranted"]

            signed = s.client.sign(Register(random_registration([(carol.address, ALL)])), carol)
            relayed = s.http.post("/v1/relay/register", json={
                "signer": signed.signer, "deadline": signed.deadline, "signature": "0x" + signed.signature.hex(),
                "operation": signed.operation.to_json()})
            assert relayed.status_code == 200, relayed.text
            relayed_id = relayed.json()["asset_ids"][0]
            shown = s.wait_indexed(relayed_id, timeout=30)
            assert shown["registrant"] == carol.address
            rights = s.http.get(f"/v1/assets/{asset_id}").json()["rights"]
            assert any(r["holder"] == bob.address for r in rights)
        assert node.calls("eth_getLogs") and not any(r.method.startswith("evm_") for r in node.records)
        sent = [r.params[0] for r in node.calls("eth_sendRawTransaction")]
        assert sent and all(raw.startswith("0x02") == (fees == "zero") for raw in sent)  # EIP-1559 or legacy


def test_rpc_transport_answers_in_order_and_maps_every_failure_to_the_package_errors(stack):
    """The one JSON-RPC transport: a batch's results come back in the order asked (whatever order the node
    answers in); a contract's custom error is a ContractRevert, any other refusal an RpcError carrying the
    node's code, and a node that cannot be reached a ChainUnavailable after its retries."""
    from registry.chain.rpc import Rpc, RpcError
    from registry.devchain import free_port
    from registry.errors import ChainUnavailable

    rpc = Rpc(stack.rpc_url)
    numbers = [int(b["number"], 16) for b in rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in (3, 1, 2)])]
    assert numbers == [3, 1, 2]

    missing = "0x" + "ab" * 32
    call = stack.client.contract.functions.getAsset(bytes.fromhex(missing[2:]))
    with pytest.raises(ContractRevert) as refused:
        rpc.call("eth_call", [{"to": call.address, "data": call._encode_transaction_data()}, "latest"])
    assert refused.value.error_name == "AssetNotFound" and missing in str(refused.value)

    with pytest.raises(RpcError) as unknown:
        rpc.call("no_such_method")
    assert unknown.value.rpc_code == -32601 and "no_such_method" in str(unknown.value)

    with pytest.raises(ChainUnavailable, match="cannot be reached"):
        Rpc(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0).call("eth_chainId")


def test_a_transaction_sent_meanwhile_from_elsewhere_with_the_same_key_does_not_refuse_the_next(stack):
    """The client caches each sender's nonce. Failed on the old code ("The node refused the transaction: nonce
    too low") when the same key had sent a transaction from another client (another `datareg` process, a
    wallet) since: the refused transaction is now signed again with the node's count, once."""
    account = stack.accounts[5]
    stack.client.register(random_registration([(account.address, ALL)]), account)  # caches the nonce
    elsewhere = RegistryClient(Chain(stack.rpc_url, stack.deployment))
    elsewhere.register(random_registration([(account.address, ALL)]), account)
    result = stack.client.register(random_registration([(account.address, ALL)]), account)
    assert stack.client.get_asset(result.asset_ids[0])["registrant"] == account.address
