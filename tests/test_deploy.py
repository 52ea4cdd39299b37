"""`datareg deploy` on a real network (issue 20): interrupted, it continues where it stopped on the next run,
never deploys a contract twice, and checks every contract's code against the build."""
from __future__ import annotations

import json

import pytest
from eth_account import Account

from registry.chain.abi import load_abi
from registry.chain.client import Chain, RegistryClient
from registry.chain.deploy import LIBRARIES, deploy
from registry.chain.operations import AcceptRight, Cancel
from registry.chain.rpc import Rpc
from registry.chain.types import Source
from registry.devchain import DEPLOYER_ACCOUNT, dev_key, free_port, start_anvil, stop
from registry.errors import ChainError
from tests.conftest import random_registration

KEY = dev_key(DEPLOYER_ACCOUNT)
ADDRESS = Account.from_key(KEY).address


class Interrupted(Exception):
    """Stands for the process dying at a chosen point of the deployment."""


def interrupt_at(when: str, contract: str):
    def hook(event: str, name: str) -> None:
        if (event, name) == (when, contract):
            raise Interrupted(f"{event} {name}")
    return hook


@pytest.fixture()
def node():
    port = free_port()
    process = start_anvil(port)
    yield f"http://127.0.0.1:{port}"
    stop(process)


def nonce(rpc_url: str) -> int:
    return int(Rpc(rpc_url).call("eth_getTransactionCount", [ADDRESS, "latest"]), 16)


@pytest.mark.parametrize("when", ["deployed", "sent"], ids=["after-recorded", "between-send-and-receipt"])
def test_an_interrupted_deployment_continues_and_never_deploys_twice(node, tmp_path, when):
    """Interrupted after the second contract (recorded, or sent and not yet recorded as mined), the second run
    keeps the addresses already deployed, sends only what is missing (thirteen creations, the DataRegistry's three
    linked libraries (Remarks, Lineage, Procedures), the TradeRegistry, the FinanceRecords, the RecognitionRegistry
    and the PublicDataAuthorisation among them, the office and the authorisation contract bound to the DataRegistry
    and the seven registry contracts bound to the pause switch: sixteen transactions in all, counted by the
    deployer's nonce) and gives a working deployment. Fails on the old deploy, which had no record and started over."""
    record = tmp_path / "deployment.record.json"
    start = nonce(node)
    with pytest.raises(Interrupted):
        deploy(node, KEY, record=record, hook=interrupt_at(when, "ParticipantRegistry"))
    first = json.loads(record.read_text())
    assert nonce(node) == start + 2
    assert list(first["contracts"]) == (["Forwarder", "ParticipantRegistry"] if when == "deployed" else ["Forwarder"])

    deployment = deploy(node, KEY, record=record)
    assert nonce(node) == start + 16
    assert deployment.contracts["Forwarder"] == first["contracts"]["Forwarder"]["address"]
    expected = (first["contracts"]["ParticipantRegistry"]["address"] if when == "deployed"
                else first["pending"]["address"])
    assert deployment.contracts["ParticipantRegistry"] == expected
    assert json.loads(record.read_text())["pending"] is None

    assert deploy(node, KEY, record=record) == deployment  # run once more: nothing sent, the same deployment
    assert nonce(node) == start + 16

    owner = Account.from_key(dev_key(1))
    result = RegistryClient(Chain(node, deployment)).register(random_registration([(owner.address, 7)]), owner)
    assert result.events[0].name == "AssetRegistered"


def test_a_recorded_address_holding_other_code_is_refused(node, tmp_path):
    record = tmp_path / "deployment.record.json"
    deploy(node, KEY, record=record)
    data = json.loads(record.read_text())
    contracts = data["contracts"]
    contracts["DataRegistry"], contracts["ListingRegistry"] = contracts["ListingRegistry"], contracts["DataRegistry"]
    record.write_text(json.dumps(data))
    start = nonce(node)
    with pytest.raises(ChainError, match="is not the build's DataRegistry"):
        deploy(node, KEY, record=record)
    assert nonce(node) == start


def test_the_deployment_binds_every_registry_contract_to_the_pause_switch(node, tmp_path):
    """Each registry contract keeps a copy of the council's pause switch, set by the participant registry: the
    deployment binds all six (the TradeRegistry since issue 17's remainders), and a pause reaches each copy in the
    same transaction (issue 19: a write reads its own slot instead of calling the participant registry). Fails on
    the old deploy, which bound none."""
    deployment = deploy(node, KEY, record=tmp_path / "deployment.record.json")
    w3 = Chain(node, deployment).w3
    names = ("DataRegistry", "ListingRegistry", "RegistrationOffice", "AttestationRegistry", "TradeRegistry",
             "FinanceRecords", "PublicDataAuthorisation")
    participants = w3.eth.contract(deployment.contracts["ParticipantRegistry"], abi=load_abi("ParticipantRegistry"))
    assert participants.functions.boundContracts().call() == [deployment.contracts[n] for n in names]
    copies = [w3.eth.contract(deployment.contracts[n], abi=load_abi(n)) for n in names]
    assert not any(c.functions.paused().call() for c in copies)
    tx = participants.functions.pause(b"\x01" * 32).build_transaction({"from": ADDRESS, "nonce": nonce(node)})
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(
        Account.from_key(KEY).sign_transaction(tx).raw_transaction))
    assert all(c.functions.paused().call() for c in copies)
    start = nonce(node)
    deploy(node, KEY, record=tmp_path / "deployment.record.json")  # resumed: nothing is bound twice
    assert nonce(node) == start


def test_the_data_registry_runs_its_cold_code_in_linked_libraries(node, tmp_path):
    """Issue 19 (gas): the DataRegistry's cold code runs in three linked libraries (Remarks; Lineage, the sources of a
    derived registration; Procedures, acceptance, withdrawal, change registration and cancellation), so it fits
    EIP-170 at the optimizer runs of the other contracts. The deployment records each library (not as a contract of
    the deployment), links their addresses into the registry's code (checked against the build), and what runs
    there acts on the registry's storage: a derived registration, an acceptance, a cancellation. Fails on the old
    deploy, which deployed and linked Remarks alone."""
    record = tmp_path / "deployment.record.json"
    deployment = deploy(node, KEY, record=record)
    recorded = json.loads(record.read_text())["contracts"]
    assert all(name in recorded and name not in deployment.contracts for name in LIBRARIES)
    code = Rpc(node).call("eth_getCode", [deployment.contracts["DataRegistry"], "latest"]).lower()
    assert all(recorded[name]["address"].lower().removeprefix("0x") in code for name in LIBRARIES)

    client = RegistryClient(Chain(node, deployment))
    alice, bob = Account.from_key(dev_key(1)), Account.from_key(dev_key(2))
    source = client.register(random_registration([(alice.address, 1 | 4), (bob.address, 2)]), alice).asset_ids[0]
    client.execute(AcceptRight(source, 2), bob)  # Procedures
    derived = client.register(random_registration([(bob.address, 7)], sources=[Source(source, 2)]), bob)  # Lineage
    assert [e.name for e in derived.events][:2] == ["AssetRegistered", "AssetDerived"]
    assert client.get_right(source, 2)["holder"] == bob.address
    client.execute(Cancel(derived.asset_ids[0], 1, b"\x02" * 32), bob)  # Procedures
    assert client.get_asset(derived.asset_ids[0])["status"] == 2
