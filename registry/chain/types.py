"""Typed values shared by the chain client, the indexer, the API and the CLI."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
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
    # Text is remembered (a bulk registration names the same holders thousands of times, and the checksum's
    # keccak was most of the time of encoding a registration); a refusal is raised anew each time.
    return _checksum(address, what) if isinstance(address, str) else _checksum.__wrapped__(address, what)


@lru_cache(maxsize=65_536)
def _checksum(address: str, what: str) -> str:
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


# ─────────────────────────────── certificate numbers (libraries/CertificateNumber.sol) ───────────────────────────────

#: National data property certificate: SJ + region (2 digits) + registrar (digit or capital) + YYYYMM + serial (4).
NATIONAL_CERTIFICATE_RE = re.compile(r"^SJ(?P<region>[0-9]{2})(?P<code>[0-9A-Z])(?P<year>[0-9]{4})(?P<month>[0-9]{2})"
                                     r"(?P<serial>[0-9]{4})$")
#: Data intellectual property certificate, 17 digits: division (6) + registrar (1) + YYYYMM + serial (4).
IP_CERTIFICATE_RE = re.compile(r"^(?P<division>[0-9]{6})(?P<code>[0-9])(?P<year>[0-9]{4})(?P<month>[0-9]{2})"
                               r"(?P<serial>[0-9]{4})$")
CERTIFICATE_NUMBER_BYTES = 17  # the contracts' bytes17


def certificate_text(value: str) -> str | None:
    """A certificate number as the contracts give it (bytes17 as 0x hex: ASCII, left-aligned, zero bytes after a
    15-character number) as text; None for zero (no number)."""
    raw = bytes.fromhex(value.removeprefix("0x")).rstrip(b"\x00")
    return raw.decode("ascii", errors="replace") or None


@dataclass(frozen=True)
class CertificateNumber:
    """A certificate number read apart: which kind, which registrar (region or division and code), which month."""

    number: str
    kind: str  # registry.vocabulary.CertificateKind key
    region: str  # two digits of the administrative division code
    division: str | None  # all six, for an IP certificate
    registrar_code: str
    year: int
    month: int
    serial: int

    def as_bytes(self) -> bytes:
        """The contracts' bytes17."""
        return self.number.encode().ljust(CERTIFICATE_NUMBER_BYTES, b"\x00")

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "region": self.region, "division": self.division,
                "registrar_code": self.registrar_code, "year": self.year, "month": self.month, "serial": self.serial}


def parse_certificate_number(text: Any, field_name: str = "certificate") -> CertificateNumber:
    """A certificate number, national (SJ35A2026110001) or data intellectual property (35020012026110001), read
    apart; a ValidationError saying what the two forms look like for anything else."""
    value = text.strip().upper() if isinstance(text, str) else ""
    national, ip = NATIONAL_CERTIFICATE_RE.match(value), IP_CERTIFICATE_RE.match(value)
    found = national or ip
    if found is None or not 1 <= int(found["month"]) <= 12 or int(found["serial"]) == 0:
        raise ValidationError(
            f"'{text}' is not a certificate number: a national one is SJ, two digits of region, the registrar's "
            "digit or letter, YYYYMM and a 4-digit serial (15 characters, e.g. SJ35A2026110001); a data "
            "intellectual property one is 17 digits: the 6-digit division code, the registrar's digit, YYYYMM "
            "and a 4-digit serial (e.g. 35020012026110001).",
            [{"field": field_name, "message": "a 15-character SJ… or a 17-digit certificate number"}])
    return CertificateNumber(
        number=value, kind="national" if national else "intellectual_property",
        region=found["region"] if national else found["division"][:2],
        division=None if national else found["division"], registrar_code=found["code"], year=int(found["year"]),
        month=int(found["month"]), serial=int(found["serial"]))
