"""Deploys the registry contracts and records where they are (the deployment file)."""
from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector
from web3 import Web3

from registry.chain.abi import link_bytecode, load_abi, load_bytecode
from registry.chain.client import fee_fields, poll_receipt
from registry.chain.rpc import Rpc
from registry.config import Deployment
from registry.errors import ChainError, ChainUnavailable


class _Deployer:
    """Sends the constructor transactions of one deployment from one account, with locally counted nonces
    and fees set for the network (EIP-1559, legacy or zero gas price: see fee_fields)."""

    def __init__(self, rpc: Rpc, account: LocalAccount, chain_id: int) -> None:
        self.rpc, self.account, self.chain_id = rpc, account, chain_id
        self.nonce = int(rpc.call("eth_getTransactionCount", [account.address, "pending"]), 16)

    def deploy(self, name: str, *args: object, libraries: dict[str, str] | None = None) -> dict[str, Any]:
        # A library (Remarks) has no constructor and no ABI of its own in the package (its events are the
        # registry's); a contract that uses one gets its address linked into its bytecode.
        abi = [] if name == "Remarks" else load_abi(name)
        constructor: dict[str, Any] = next((e for e in abi if e["type"] == "constructor"), {"inputs": []})
        bytecode = link_bytecode(name, libraries) if libraries else load_bytecode(name)
        data = (bytecode if bytecode.startswith("0x") else "0x" + bytecode) \
            + encode([i["type"] for i in constructor["inputs"]], list(args)).hex()
        return self._send(f"Deploying {name}", None, data)

    def call(self, name: str, address: str, function: str, *args: object) -> dict[str, Any]:
        entry = next(e for e in load_abi(name) if e.get("name") == function and e["type"] == "function")
        types = [i["type"] for i in entry["inputs"]]
        data = "0x" + (function_signature_to_4byte_selector(f"{function}({','.join(types)})")
                       + encode(types, list(args))).hex()
        return self._send(f"{name}.{function}", address, data)

    def _send(self, what: str, to: str | None, data: str) -> dict[str, Any]:
        destination = {"to": to} if to else {}
        gas = int(self.rpc.call("eth_estimateGas", [{"from": self.account.address, "data": data, **destination}]), 16)
        tx: dict[str, Any] = {"chainId": self.chain_id, "nonce": self.nonce, "data": data, "value": 0, **destination,
                              "gas": gas * 6 // 5 + 20_000, **fee_fields(self.rpc)}  # headroom: estimates can be short
        raw = self.account.sign_transaction(tx).raw_transaction
        tx_hash = self.rpc.call("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
        self.nonce += 1
        receipt = poll_receipt(self.rpc, tx_hash, timeout=120, through_outages=True)
        if int(receipt["status"], 16) != 1:
            raise ChainError(f"{what} failed in transaction {tx_hash}.")
        return receipt


# Production: 5 working days (a week). A local chain passes seconds.
DEFAULT_PUBLICITY_SECONDS = 7 * 86_400


def deploy(rpc_url: str, deployer_key: str, admin: str | None = None,
           publicity_seconds: int = DEFAULT_PUBLICITY_SECONDS) -> Deployment:
    """Deploys the trusted forwarder, the ParticipantRegistry (administered by `admin`: in production the
    council's multisig; by default the deployer), the Remarks library and the DataRegistry linked to it, and
    the ListingRegistry, RegistrationOffice and AttestationRegistry that read it; then binds the office to the
    DataRegistry (when the deployer is the admin; another admin sends `setRegistrationOffice` itself)."""
    rpc = Rpc(rpc_url, timeout=30)
    try:
        chain_id = int(rpc.call("eth_chainId"), 16)
    except ChainUnavailable as exc:
        raise ChainError(f"Cannot reach the chain node at '{rpc_url}': {exc.__cause__ or exc}.") from exc
    deployer = _Deployer(rpc, Account.from_key(deployer_key), chain_id)
    first = deployer.deploy("Forwarder")
    forwarder = first["contractAddress"]
    forwarder = Web3.to_checksum_address(forwarder)
    p = Web3.to_checksum_address(
        deployer.deploy("ParticipantRegistry", admin or deployer.account.address, forwarder)["contractAddress"])
    remarks = Web3.to_checksum_address(deployer.deploy("Remarks")["contractAddress"])
    data = Web3.to_checksum_address(
        deployer.deploy("DataRegistry", p, forwarder, libraries={"Remarks": remarks})["contractAddress"])
    contracts = {
        "Forwarder": forwarder,
        "ParticipantRegistry": p,
        "DataRegistry": data,
        "ListingRegistry": deployer.deploy("ListingRegistry", data, p, forwarder)["contractAddress"],
        "RegistrationOffice": deployer.deploy("RegistrationOffice", data, p, publicity_seconds,
                                              forwarder)["contractAddress"],
        "AttestationRegistry": deployer.deploy("AttestationRegistry", data, p, forwarder)["contractAddress"],
    }
    if admin is None or admin.lower() == deployer.account.address.lower():
        # The office commits approved change registrations and follows transfers of the holding right.
        deployer.call("DataRegistry", data, "setRegistrationOffice",
                      Web3.to_checksum_address(contracts["RegistrationOffice"]))
    rpc.close()
    return Deployment(chain_id=chain_id, contracts={k: Web3.to_checksum_address(v) for k, v in contracts.items()},
                      deploy_block=int(first["blockNumber"], 16), deploy_tx=first["transactionHash"])
