"""Deploys the registry contracts and records where they are (the deployment file)."""
from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from registry.chain.abi import load_abi, load_bytecode
from registry.config import Deployment
from registry.errors import ChainError


def _deploy_one(w3: Web3, deployer: LocalAccount, name: str, *args) -> dict:
    contract = w3.eth.contract(abi=load_abi(name), bytecode=load_bytecode(name))
    tx = contract.constructor(*args).build_transaction(
        {"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
         "chainId": w3.eth.chain_id}
    )
    tx_hash = w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise ChainError(f"Deploying {name} failed in transaction 0x{bytes(tx_hash).hex()}.")
    return receipt


# Production: 5 working days (a week). A local chain passes seconds.
DEFAULT_PUBLICITY_SECONDS = 7 * 86_400


def deploy(rpc_url: str, deployer_key: str, admin: str | None = None,
           publicity_seconds: int = DEFAULT_PUBLICITY_SECONDS) -> Deployment:
    """Deploys the trusted forwarder, the ParticipantRegistry (administered by `admin`: in production the
    council's multisig; by default the deployer), the DataRegistry, and the ListingRegistry,
    RegistrationOffice and AttestationRegistry that read it."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # noqa: BLE001
        raise ChainError(f"Cannot reach the chain node at '{rpc_url}': {exc}.") from exc
    deployer = Account.from_key(deployer_key)
    first = _deploy_one(w3, deployer, "Forwarder")
    forwarder = first["contractAddress"]
    participants = _deploy_one(w3, deployer, "ParticipantRegistry", admin or deployer.address, forwarder)
    p = participants["contractAddress"]
    data = _deploy_one(w3, deployer, "DataRegistry", p, forwarder)["contractAddress"]
    contracts = {
        "Forwarder": forwarder,
        "ParticipantRegistry": p,
        "DataRegistry": data,
        "ListingRegistry": _deploy_one(w3, deployer, "ListingRegistry", data, p, forwarder)["contractAddress"],
        "RegistrationOffice": _deploy_one(w3, deployer, "RegistrationOffice", data, p, publicity_seconds,
                                          forwarder)["contractAddress"],
        "AttestationRegistry": _deploy_one(w3, deployer, "AttestationRegistry", data, p,
                                           forwarder)["contractAddress"],
    }
    return Deployment(chain_id=chain_id, contracts=contracts, deploy_block=first["blockNumber"],
                      deploy_tx="0x" + bytes(first["transactionHash"]).hex())
