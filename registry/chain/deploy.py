"""Deploys the registry contracts and records where they are (the deployment file)."""
from __future__ import annotations

from eth_account import Account
from web3 import Web3

from registry.chain.abi import load_abi, load_bytecode
from registry.config import Deployment
from registry.errors import ChainError


def deploy(rpc_url: str, deployer_key: str) -> Deployment:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # noqa: BLE001
        raise ChainError(f"Cannot reach the chain node at '{rpc_url}': {exc}.") from exc
    deployer = Account.from_key(deployer_key)
    contract = w3.eth.contract(abi=load_abi(), bytecode=load_bytecode())
    tx = contract.constructor().build_transaction(
        {"from": deployer.address, "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
         "chainId": chain_id}
    )
    tx_hash = w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
    if receipt["status"] != 1:
        raise ChainError(f"Deploying DataRegistry failed in transaction 0x{bytes(tx_hash).hex()}.")
    return Deployment(
        chain_id=chain_id,
        registry=receipt["contractAddress"],
        deploy_block=receipt["blockNumber"],
        deploy_tx="0x" + bytes(tx_hash).hex(),
    )
