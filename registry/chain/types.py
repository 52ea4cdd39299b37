"""Typed values shared by the chain client, the indexer, the API and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from registry.errors import ValidationError

# The contracts' enums live in registry.vocabulary; RightKind and Classification are re-exported here for the
# code that reads them with the chain's types.
from registry.vocabulary import Classification as Classification
from registry.vocabulary import RightKind as RightKind

ASSET_ID_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")


# Indices 1..3 are the primary right of each kind (kind + 1); see IDataRegistry.
PRIMARY_RIGHTS = len(RightKind)


def checksum(address: str, what: str = "address") -> str:
    """A checksummed address, or a ValidationError naming what was wrong."""
    # Imported here: eth_utils costs ~0.15 s of CPU, and the CLI's read commands import this module.
    from eth_utils import is_address, to_checksum_address

    if not isinstance(address, str) or not is_address(address):
        raise ValidationError(
            f"'{address}' is not a valid {what}: expected 0x followed by 40 hexadecimal digits."
        )
    digits = address[2:]
    mixed_case = digits != digits.lower() and digits != digits.upper()
    # Mixed case means a checksum was intended: it must be right, or a typo would go unnoticed.
    if mixed_case and to_checksum_address(address) != address:
        raise ValidationError(
            f"'{address}' is not a valid {what}: its mixed-case checksum is wrong (a typo?). "
            "Check the address, or write it in lower case."
        )
    return to_checksum_address(address)


def asset_id_hex(value: str | bytes) -> str:
    """Normalise an asset id to 0x-prefixed lower-case 32-byte hex, or raise a ValidationError."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) != 32:
            raise ValidationError(f"An asset id is 32 bytes, got {len(value)}.")
        return "0x" + bytes(value).hex()
    if not isinstance(value, str) or not ASSET_ID_RE.match(value):
        raise ValidationError(
            f"'{value}' is not an asset id: expected 0x followed by 64 hexadecimal digits."
        )
    return value.lower()


@dataclass(frozen=True)
class RightHolder:
    account: str
    kinds: frozenset[RightKind]

    @property
    def mask(self) -> int:
        return sum(k.mask for k in self.kinds)


@dataclass(frozen=True)
class Source:
    asset_id: str
    right_index: int


@dataclass(frozen=True)
class HolderTerms:
    """The term and limits of one holder entry's rights (the application's rights configuration)."""

    valid_until: int = 0  # unix seconds; 0 for no end
    limits_cid: bytes = bytes(32)  # SHA-256 digest of the limits document's CIDv0, or zero


@dataclass(frozen=True)
class Registration:
    """What a registrant declares; mirrors IDataRegistry.Registration."""

    content_hash: bytes
    content_cid: bytes
    metadata_cid: bytes
    classification: int = 0
    attributes: int = 0
    sources: tuple[Source, ...] = ()
    holders: tuple[RightHolder, ...] = field(default_factory=tuple)
    # Empty, or one entry per holder entry in the same order: each holder's term and limits.
    terms: tuple[HolderTerms, ...] = ()

    def __post_init__(self) -> None:
        for name in ("content_hash", "content_cid", "metadata_cid"):
            value = getattr(self, name)
            if not isinstance(value, (bytes, bytearray)) or len(value) != 32:
                raise ValidationError(f"Registration.{name} must be 32 bytes.")

    @staticmethod
    def merge_holders(pairs: list[tuple[str, RightKind]]) -> tuple[RightHolder, ...]:
        """One entry per account with all its kinds, sorted by address as the contract requires."""
        merged: dict[str, set[RightKind]] = {}
        for account, kind in pairs:
            merged.setdefault(checksum(account, "holder address"), set()).add(kind)
        return tuple(
            RightHolder(account, frozenset(kinds))
            for account, kinds in sorted(merged.items(), key=lambda item: int(item[0], 16))
        )

    def as_abi(self) -> tuple[Any, ...]:
        """The contract's Registration tuple; its form is declared once, in chain/operations.py."""
        from registry.chain.operations import REGISTRATION  # operations builds on this module

        return REGISTRATION.abi(self)
