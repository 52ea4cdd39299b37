"""EIP-712 typed data for requests a party signs offline and anyone may relay.

The type strings must equal the contract's typehashes byte for byte; tests/test_chain.py checks the digest
computed here against the contract's own verification on anvil.
"""
from __future__ import annotations

from eth_account.messages import encode_typed_data

from registry.chain.types import Registration

DOMAIN_NAME = "DataRegistry"
DOMAIN_VERSION = "1"

REGISTER_TYPES = {
    "Register": [
        {"name": "registrant", "type": "address"},
        {"name": "contentHash", "type": "bytes32"},
        {"name": "contentCid", "type": "bytes32"},
        {"name": "metadataCid", "type": "bytes32"},
        {"name": "classification", "type": "uint8"},
        {"name": "attributes", "type": "uint8"},
        {"name": "sources", "type": "Source[]"},
        {"name": "holders", "type": "RightHolder[]"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ],
    "RightHolder": [
        {"name": "account", "type": "address"},
        {"name": "kinds", "type": "uint8"},
    ],
    "Source": [
        {"name": "assetId", "type": "bytes32"},
        {"name": "rightIndex", "type": "uint256"},
    ],
}


def domain(chain_id: int, registry: str) -> dict:
    return {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": registry}


def register_typed_data(
    registration: Registration, registrant: str, nonce: int, deadline: int, chain_id: int, registry: str
) -> dict:
    """The full EIP-712 message a wallet shows and signs for a relayed registration."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **REGISTER_TYPES,
        },
        "primaryType": "Register",
        "domain": domain(chain_id, registry),
        "message": {
            "registrant": registrant,
            "contentHash": "0x" + registration.content_hash.hex(),
            "contentCid": "0x" + registration.content_cid.hex(),
            "metadataCid": "0x" + registration.metadata_cid.hex(),
            "classification": registration.classification,
            "attributes": registration.attributes,
            "sources": [{"assetId": s.asset_id, "rightIndex": s.right_index} for s in registration.sources],
            "holders": [{"account": h.account, "kinds": h.mask} for h in registration.holders],
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def signable(typed_data: dict):
    return encode_typed_data(full_message=typed_data)
