"""Typed values shared by the chain client, the indexer, the API and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from eth_utils import is_address, to_checksum_address

from registry.errors import ValidationError
# The contracts' enums live in registry.vocabulary; RightKind and Classification are re-exported here for the
# code that reads them with the chain's types.
from registry.vocabulary import Classification, RightKind  # noqa: F401

ASSET_ID_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")


# Indices 1..3 are the primary right of each kind (kind + 1); see IDataRegistry.
PRIMARY_RIGHTS = len(RightKind)


def checksum(address: str, what: str = "address") -> str:
    """A checksummed address, or a ValidationError naming what was wrong."""
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
class Registration:
    """What a registrant declares; mirrors IDataRegistry.Registration."""

    content_hash: bytes
    content_cid: bytes
    metadata_cid: bytes
    classification: int = 0
    attributes: int = 0
    sources: tuple[Source, ...] = ()
    holders: tuple[RightHolder, ...] = field(default_factory=tuple)

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

    def as_abi(self) -> tuple:
        return (
            self.content_hash,
            self.content_cid,
            self.metadata_cid,
            self.classification,
            self.attributes,
            [(bytes.fromhex(s.asset_id[2:]), s.right_index) for s in self.sources],
            [(h.account, h.mask) for h in self.holders],
        )


def registration_to_json(r: Registration) -> dict:
    """The JSON form of a registration, as the API's relay endpoint takes it and the CLI sends it."""
    return {
        "content_hash": "0x" + r.content_hash.hex(),
        "content_cid": "0x" + r.content_cid.hex(),
        "metadata_cid": "0x" + r.metadata_cid.hex(),
        "classification": r.classification,
        "attributes": r.attributes,
        "sources": [{"asset_id": s.asset_id, "right_index": s.right_index} for s in r.sources],
        "holders": [
            {"account": h.account, "kinds": [k.label for k in sorted(h.kinds)]} for h in r.holders
        ],
    }


def _bytes32(value: object, name: str) -> bytes:
    if not isinstance(value, str) or not ASSET_ID_RE.match(value):
        raise ValidationError(f"'{name}' must be 0x followed by 64 hexadecimal digits, got '{value}'.")
    return bytes.fromhex(value[2:])


_HOLDERS_EXAMPLE = '[{"account": "0x…", "kinds": ["holding", "usage", "operating"]}]'


def _whole(value: object, name: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ValidationError(f"'{name}' must be a whole number from 0 to {high}, got {value!r}.",
                              [{"field": name, "message": f"a whole number from 0 to {high}"}])
    return value


def registration_from_json(body: dict) -> Registration:
    """Parses the JSON form, keeping the holders exactly in the order given: the signature covers that
    order, so it must not be changed here (the contract itself refuses unsorted holders). Every field is
    checked for its type and the range of its Solidity type, with a message naming it."""
    if not isinstance(body, dict):
        raise ValidationError("The registration must be a JSON object with content_hash, metadata_cid, holders, ...")
    raw_holders = body.get("holders", [])
    if not isinstance(raw_holders, list) or not all(isinstance(h, dict) for h in raw_holders):
        raise ValidationError(f"'holders' must be a list of {{account, kinds}} objects, e.g. {_HOLDERS_EXAMPLE}.",
                              [{"field": "holders", "message": "a list of {account, kinds}"}])
    holders = []
    for i, h in enumerate(raw_holders):
        kinds = h.get("kinds")
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
            raise ValidationError(
                f"'holders[{i}].kinds' must be a non-empty list of right kinds (holding, usage, operating), got "
                f"{kinds!r}.", [{"field": f"holders.{i}.kinds", "message": "a list of holding, usage, operating"}])
        holders.append(RightHolder(checksum(h.get("account"), f"holders[{i}].account"),
                                   frozenset(RightKind.parse(k) for k in kinds)))
    raw_sources = body.get("sources", [])
    if not isinstance(raw_sources, list) or not all(isinstance(x, dict) for x in raw_sources):
        raise ValidationError("'sources' must be a list of {asset_id, right_index} objects: the source assets and "
                              "the usage right held over each.",
                              [{"field": "sources", "message": "a list of {asset_id, right_index}"}])
    sources = tuple(
        Source(asset_id_hex(x.get("asset_id")), _whole(x.get("right_index"), f"sources[{i}].right_index", 2**256 - 1))
        for i, x in enumerate(raw_sources)
    )
    return Registration(
        content_hash=_bytes32(body.get("content_hash"), "content_hash"),
        content_cid=_bytes32(body.get("content_cid", "0x" + "00" * 32), "content_cid"),
        metadata_cid=_bytes32(body.get("metadata_cid"), "metadata_cid"),
        classification=_whole(body.get("classification", 0), "classification", 255),
        attributes=_whole(body.get("attributes", 0), "attributes", 255),
        sources=sources,
        holders=tuple(holders),
    )
