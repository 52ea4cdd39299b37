"""The registry's write operations, each declared once: a frozen dataclass whose fields carry their Solidity
type and conversions (`arg(KIND)`), and whose class attributes name the contract, the function for the
signer's own transaction and, for an operation others may relay, its `...BySig` function and EIP-712 type.
From that one declaration come the call's arguments, the EIP-712 typed data, the JSON form (the API's
`/v1/relay/*` bodies and the CLI's consent files) and, for the registration procedure, the CLI's options.
The EIP-712 type strings are derived from the same declaration; tests/test_operations.py checks each against
the contract's `*_TYPEHASH` constant.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from eth_utils.crypto import keccak

from registry.chain.types import HolderTerms, Registration, RightHolder, Source, asset_id_hex, checksum
from registry.errors import ValidationError
from registry.vocabulary import (
    AttestationKind,
    CancelReason,
    DeliveryMode,
    FinanceRemarkKind,
    ListingStatus,
    ObjectionReason,
    PledgedOperation,
    PriceModel,
    ProductForm,
    QualificationKind,
    RefusalReason,
    ReturnReason,
    RevocationReason,
    RightKind,
    Role,
    SettlementStatus,
    Term,
    ValueType,
)

DOMAIN_VERSION = "1"  # each contract's EIP-712 domain: its own name, version 1, chain id, address

EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

ZERO = bytes(32)

# Revocation reason codes, as documented on IDataRegistry.RightRevoked.
REVOCATION_REASONS = {m.value: m.key for m in RevocationReason}
LISTING_STATUSES = {m.key: m.value for m in ListingStatus if m is not ListingStatus.NONE}
ROLES = {m.key: m.value for m in Role.admissible()}
ATTESTATION_KINDS = {m.key: m.value for m in AttestationKind}
QUALIFICATION_KINDS = {m.key: m.value for m in QualificationKind}
VALUE_TYPES = {m.key: m.value for m in ValueType if m is not ValueType.NONE}
PLEDGED_OPERATIONS = {m.key: m.value for m in PledgedOperation}
SETTLEMENT_STATUSES = {m.key: m.value for m in SettlementStatus if m is not SettlementStatus.NONE}
FINANCE_REMARK_KINDS = {m.key: m.value for m in FinanceRemarkKind}
PRICE_MODELS = {m.key: m.value for m in PriceModel}
PRODUCT_FORMS = {m.key: m.value for m in ProductForm}


def _refuse(name: str, message: str, short: str) -> ValidationError:
    return ValidationError(message, [{"field": name, "message": short}])


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _bytes32(value: Any, name: str) -> bytes:
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        return bytes(value)
    try:
        return bytes.fromhex(asset_id_hex(value)[2:])
    except ValidationError:
        raise _refuse(name, f"'{name}' must be 0x followed by 64 hexadecimal digits, got '{value}'.",
                      "0x followed by 64 hexadecimal digits") from None


# ─────────────────────────────── kinds: one Solidity type and its conversions ───────────────────────────────

class Kind:
    """How a value of one Solidity type travels: as a call argument (`abi`), in an EIP-712 message
    (`message`), as JSON (`to_json`), and back from JSON, checked, with a message naming the field."""

    eip712: str = ""
    missing: ClassVar[Any] = None  # what an absent required JSON field is checked as, so refusals name it

    def abi(self, value: Any, name: str) -> Any:
        return value

    def message(self, value: Any) -> Any:
        return value

    def to_json(self, value: Any) -> Any:
        return value

    def from_json(self, value: Any, name: str) -> Any:
        return value

    def structs(self) -> dict[str, list[dict[str, str]]]:
        """The EIP-712 struct types this type refers to, by name."""
        return {}


class AssetIdKind(Kind):
    """A bytes32 asset id, kept as 0x hex in Python and JSON."""

    eip712 = "bytes32"
    missing = ""

    def abi(self, value: Any, name: str) -> bytes:
        return _bytes32(value, name)

    def message(self, value: Any) -> str:
        return asset_id_hex(value)

    to_json = message

    def from_json(self, value: Any, name: str) -> str:
        return asset_id_hex(value)


class DigestKind(Kind):
    """A bytes32 kept as bytes: a CID digest or a content hash."""

    eip712 = "bytes32"

    def abi(self, value: Any, name: str) -> bytes:
        return _bytes32(value, name)

    def message(self, value: Any) -> str:
        return _hex(value)

    to_json = message

    def from_json(self, value: Any, name: str) -> bytes:
        return _bytes32(value, name)


class AddressKind(Kind):
    eip712 = "address"
    missing = ""

    def abi(self, value: Any, name: str) -> str:
        return checksum(value, name)

    def from_json(self, value: Any, name: str) -> str:
        return checksum(value, name)


@dataclass(frozen=True)
class Uint(Kind):
    """An unsigned integer; `low` and `high` bound what JSON may give (tighter than the type where the
    contract's rules are)."""

    bits: int = 256
    low: int = 0
    high: int | None = None
    missing: ClassVar[Any] = 0

    @property
    def eip712(self) -> str:  # type: ignore[override]
        return f"uint{self.bits}"

    def abi(self, value: Any, name: str) -> int:
        return int(value)

    def from_json(self, value: Any, name: str) -> int:
        high = 2**self.bits - 1 if self.high is None else self.high
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= high:
            raise _refuse(name, f"'{name}' must be a whole number from {self.low} to {high}, got {value!r}.",
                          f"a whole number from {self.low} to {high}")
        return value


class BoolKind(Kind):
    eip712 = "bool"

    def abi(self, value: Any, name: str) -> bool:
        return bool(value)

    def from_json(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise _refuse(name, f"'{name}' must be true or false.", "true or false")
        return value


@dataclass(frozen=True)
class Text(Kind):
    """A string; `refusal` replaces the standard message where the field has a rule of its own."""

    min_length: int = 0
    max_length: int = 200
    refusal: str = ""
    eip712: str = "string"

    def abi(self, value: Any, name: str) -> str:
        return str(value)

    def from_json(self, value: Any, name: str) -> str:
        if not isinstance(value, str) or not self.min_length <= len(value) <= self.max_length:
            short = f"text of at most {self.max_length} characters"
            raise _refuse(name, self.refusal or f"'{name}' must be {short}.", short)
        return value


class BytesKind(Kind):
    """Dynamic bytes, as 0x hex in JSON."""

    eip712 = "bytes"
    missing = ""

    def abi(self, value: Any, name: str) -> bytes:
        return bytes(value)

    def to_json(self, value: Any) -> str:
        return _hex(value)

    def from_json(self, value: Any, name: str) -> bytes:
        if not isinstance(value, str) or not value.startswith("0x"):
            raise _refuse(name, f"'{name}' must be the call data as 0x hex.", "0x hex")
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            raise _refuse(name, f"'{name}' must be an even number of hex digits after 0x.", "0x hex") from None


@dataclass(frozen=True)
class FixedText(Kind):
    """A short code as a fixed-size byte string (bytes1, bytes2): the registrar's region and letter."""

    size: int = 1

    @property
    def eip712(self) -> str:  # type: ignore[override]
        return f"bytes{self.size}"

    def abi(self, value: Any, name: str) -> bytes:
        return value.encode() if isinstance(value, str) else bytes(value)


@dataclass(frozen=True)
class Named(Kind):
    """A contract enum given by name in Python: 'regulator', 'suspended'."""

    codes: Mapping[str, int]
    what: str
    eip712: str = "uint8"

    def abi(self, value: Any, name: str) -> int:
        if value not in self.codes:
            raise _refuse(name, f"Unknown {self.what} '{value}': use one of {', '.join(self.codes)}.",
                          f"one of {', '.join(self.codes)}")
        return self.codes[value]

    def message(self, value: Any) -> int:
        return self.abi(value, self.what)


@dataclass(frozen=True)
class PaddedCode(Kind):
    """A short code of A-Z and 0-9 as a fixed-size byte string, left-aligned and zero-padded (bytes6)."""

    size: int = 6
    min_length: int = 2

    @property
    def eip712(self) -> str:  # type: ignore[override]
        return f"bytes{self.size}"

    def abi(self, value: Any, name: str) -> bytes:
        text = str(value)
        if not (self.min_length <= len(text) <= self.size and all(c.isascii() and (c.isupper() or c.isdigit())
                                                                   for c in text)):
            raise _refuse(name, f"'{text}' is not a code of {self.min_length}-{self.size} characters A-Z and 0-9.",
                          f"{self.min_length}-{self.size} characters A-Z, 0-9")
        return text.encode().ljust(self.size, b"\0")


class CreditCodeKind(Kind):
    """A unified social credit code; only its keccak256 goes on chain (`credit_code_hash`)."""

    eip712 = "bytes32"

    def abi(self, value: Any, name: str) -> bytes:
        return credit_code_hash(value)


class CurrencyKind(Kind):
    """An ISO 4217 code such as CNY, as bytes3 (empty: none)."""

    eip712 = "bytes3"

    def abi(self, value: Any, name: str) -> bytes:
        if value and (len(value) != 3 or not value.isalpha()):
            raise _refuse(name, f"'{value}' is not an ISO 4217 currency code such as CNY.", "ISO 4217 code")
        return str(value).upper().encode().ljust(3, b"\0")


class RightKindsKind(Kind):
    """The set of right kinds an account holds: a bit mask on chain, a list of labels in JSON."""

    eip712 = "uint8"

    def abi(self, value: Any, name: str) -> int:
        return sum(1 << k for k in value)

    def message(self, value: Any) -> int:
        return sum(1 << k for k in value)

    def to_json(self, value: Any) -> list[str]:
        return [k.label for k in sorted(value)]

    def from_json(self, value: Any, name: str) -> frozenset[RightKind]:
        if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
            raise _refuse(name, f"'{name}' must be a non-empty list of right kinds (holding, usage, operating), "
                          f"got {value!r}.", "a list of holding, usage, operating")
        return frozenset(RightKind.parse(k) for k in value)


class AddressListKind(Kind):
    """A dynamic array of addresses (a data trust's beneficiaries), a JSON list of 0x addresses."""

    eip712 = "address[]"
    missing: ClassVar[Any] = []

    def abi(self, value: Any, name: str) -> list[str]:
        return [checksum(v, name) for v in value]

    message = abi  # type: ignore[assignment]

    def to_json(self, value: Any) -> list[str]:
        return list(value)

    def from_json(self, value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _refuse(name, f"'{name}' must be a list of addresses, got {value!r}.", "a list of addresses")
        return tuple(checksum(v, name) for v in value)
class DeliveryModesKind(Kind):
    """A listing's delivery modes: a bit mask on chain (IListingRegistry.ListingTerms.deliveryModes), a list of
    names in JSON (download, api, privacy_computing, sandbox)."""

    eip712 = "uint8"

    def abi(self, value: Any, name: str) -> int:
        return sum(DeliveryMode.from_key(m, "delivery mode").value for m in value)

    def message(self, value: Any) -> int:
        return self.abi(value, "")

    def to_json(self, value: Any) -> list[str]:
        return [m.key for m in DeliveryMode if m.key in value]

    def from_json(self, value: Any, name: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
            modes = ", ".join(DeliveryMode.keys())
            raise _refuse(name, f"'{name}' must be a non-empty list of delivery modes ({modes}), got {value!r}.",
                          f"a list of {modes}")
        for m in value:
            DeliveryMode.from_key(m, "delivery mode")
        return tuple(m.key for m in DeliveryMode if m.key in value)


ASSET_ID = AssetIdKind()
DIGEST = DigestKind()
ADDRESS = AddressKind()
UINT256 = Uint()
BOOL = BoolKind()
BYTES = BytesKind()
CREDIT_CODE = CreditCodeKind()
CURRENCY = CurrencyKind()
RIGHT_KINDS = RightKindsKind()
ADDRESSES = AddressListKind()
DELIVERY_MODES = DeliveryModesKind()


# ─────────────────────────────── fields and structs ───────────────────────────────

def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


@dataclass(frozen=True)
class Cli:
    """How `datareg` takes a field: the option (`--reason`) with its argparse settings, where the field is not
    simply the positional argument of its own name. `source` names how the CLI turns the text into the value
    when the kind's JSON parsing does not: "document" (a file, stored; its CID digest goes on chain),
    "metadata" (a metadata document, stored), "fingerprint" (a file's SHA-256), "time" (ISO or +30d), "names"
    (a reason code: a member's name in `vocabulary` (registry/vocabulary.py), or its number), "publicity" (a
    publicity end: given, or else counted on the working-day calendar from when the transaction is mined).
    `invert`: a flag that sets the field false (--terminate for `passed`). `private`: a document only the parties
    of the procedure may read (application documents, objection evidence): stored encrypted on the API's server,
    never on IPFS (POST /v1/content?private=true)."""

    flag: str
    help: str | None = None
    required: bool = False
    default: Any = None
    source: str = ""
    vocabulary: type[Term] | None = None
    invert: bool = False
    private: bool = False


@dataclass(frozen=True)
class Arg:
    """One field's declaration beside its Python type."""

    kind: Kind
    sol: str = ""  # its name in Solidity and EIP-712; default: the Python name in camelCase
    label: str = ""  # what refusals call it; default: its JSON key
    json: str = ""  # its key in the JSON form; default: the Python name
    flatten: bool = False  # a struct whose members the EIP-712 message lists in its place
    inline_json: bool = False  # a struct whose members the JSON form lists in its place
    packed: bool = False  # gathered with the other packed fields into one struct argument of the call
    absent: Any = None  # what the JSON form means when it leaves the field out (REQUIRED: it is refused);
    # default: the Python default, else the kind's `missing` value, checked as if given
    cli: Cli | None = None  # how `datareg` takes it, where a command builds the operation from its arguments


REQUIRED = object()  # `Arg.absent`: a JSON form without the field is refused, naming it


def arg(kind: Kind, default: Any = dataclasses.MISSING, *, kw_only: bool = False, **options: Any) -> Any:
    """A dataclass field declared with its Solidity kind (see `Arg` for the options)."""
    return dataclasses.field(default=default, kw_only=kw_only, metadata={"arg": Arg(kind, **options)})


@dataclass(frozen=True)
class Member:
    name: str
    arg: Arg
    default: Any

    @property
    def kind(self) -> Kind:
        return self.arg.kind

    @property
    def sol(self) -> str:
        return self.arg.sol or _camel(self.name)

    @property
    def key(self) -> str:
        return self.arg.json or self.name


class Struct(Kind):
    """A Solidity struct mirrored by a frozen dataclass: the operation's own fields, or a struct argument.
    Classes declared elsewhere (the registration's, in chain/types.py) give their kinds in `declared`."""

    def __init__(self, cls: type, type_name: str = "", declared: Mapping[str, Arg] | None = None,
                 refusal: str = "", missing: Any = None) -> None:
        self.cls = cls
        self.eip712 = type_name or cls.__name__
        self.declared = declared
        self.refusal = refusal or f"'{{name}}' must be an object with {', '.join(self._names())}."
        self.missing = missing  # type: ignore[misc]

    def _names(self) -> list[str]:
        return [m.key for m in self.members()]

    def members(self) -> list[Member]:
        return _members(self.cls, self.declared)

    def member_types(self) -> list[dict[str, str]]:
        types: list[dict[str, str]] = []
        for m in self.members():
            if m.arg.flatten:
                types.extend(_as_struct(m.kind).member_types())
            else:
                types.append({"name": m.sol, "type": m.kind.eip712})
        return types

    def children(self) -> dict[str, list[dict[str, str]]]:
        """The struct types its members refer to."""
        found: dict[str, list[dict[str, str]]] = {}
        for m in self.members():
            found.update(_as_struct(m.kind).children() if m.arg.flatten else m.kind.structs())
        return found

    def structs(self) -> dict[str, list[dict[str, str]]]:
        return {self.eip712: self.member_types(), **self.children()}

    def abi(self, value: Any, name: str = "") -> tuple[Any, ...]:
        args: list[Any] = []
        packed: list[Any] = []
        for m in self.members():
            converted = m.kind.abi(getattr(value, m.name), m.arg.label or m.name)
            if m.arg.packed:
                if not packed:
                    args.append(packed)  # the struct argument sits where its first field is declared
                packed.append(converted)
            else:
                args.append(converted)
        return tuple(tuple(a) if a is packed else a for a in args)

    def message(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in self.members():
            item = getattr(value, m.name)
            if m.arg.flatten:
                out.update(m.kind.message(item))
            else:
                out[m.sol] = m.kind.message(item)
        return out

    def to_json(self, value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in self.members():
            item = m.kind.to_json(getattr(value, m.name))
            if m.arg.inline_json:
                out.update(item)
            else:
                out[m.key] = item
        return out

    def from_json(self, value: Any, name: str = "", prefix: str = "") -> Any:
        if not isinstance(value, dict):
            raise _refuse(name, self.refusal.replace("{name}", name), "an object")
        values: dict[str, Any] = {}
        for m in self.members():
            label = m.arg.label or prefix + m.key
            if m.arg.inline_json:
                values[m.name] = m.kind.from_json(value, label)
            elif m.key in value:
                values[m.name] = m.kind.from_json(value[m.key], label)
            elif m.arg.absent is REQUIRED:
                values[m.name] = m.kind.from_json(None, label)
            elif m.arg.absent is not None:
                values[m.name] = m.arg.absent
            elif m.default is not dataclasses.MISSING:
                values[m.name] = m.default
            else:  # absent, no default: checked as the kind's `missing` value ('', 0), refused where that is
                values[m.name] = m.kind.from_json(m.kind.missing, label)
        return self.cls(**values)


@dataclass(frozen=True)
class ListOf(Kind):
    """A dynamic array of structs."""

    item: Struct
    refusal: str = ""
    short: str = ""
    missing: ClassVar[Any] = []

    @property
    def eip712(self) -> str:  # type: ignore[override]
        return f"{self.item.eip712}[]"

    def abi(self, value: Any, name: str) -> list[Any]:
        return [self.item.abi(v) for v in value]

    def message(self, value: Any) -> list[Any]:
        return [self.item.message(v) for v in value]

    def to_json(self, value: Any) -> list[Any]:
        return [self.item.to_json(v) for v in value]

    def from_json(self, value: Any, name: str) -> tuple[Any, ...]:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise _refuse(name, self.refusal, self.short)
        return tuple(self.item.from_json(v, f"{name}[{i}]", prefix=f"{name}[{i}].") for i, v in enumerate(value))

    def structs(self) -> dict[str, list[dict[str, str]]]:
        return self.item.structs()


def _as_struct(kind: Kind) -> Struct:
    assert isinstance(kind, Struct), "only a struct can be flattened"
    return kind


@cache
def _members_cached(cls: type, declared: tuple[tuple[str, Arg], ...] | None) -> list[Member]:
    given = dict(declared) if declared is not None else None
    members = []
    for f in dataclasses.fields(cls):
        declaration = given[f.name] if given is not None else f.metadata["arg"]
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else dataclasses.MISSING)
        members.append(Member(f.name, declaration, default))
    return members


def _members(cls: type, declared: Mapping[str, Arg] | None) -> list[Member]:
    return _members_cached(cls, tuple(declared.items()) if declared is not None else None)


# ─────────────────────────────── operations ───────────────────────────────

EVIDENCE = Cli("--evidence", source="document")  # the documents the CLI stores, their CID digests going on chain
NOTE = Cli("--note", source="document")


class Operation:
    """Base of every write operation; subclasses are frozen dataclasses whose fields are declared with `arg`."""

    contract: ClassVar[str] = "DataRegistry"  # which contract runs it; also its EIP-712 domain name
    name: ClassVar[str]  # the API's and CLI's name, e.g. "grant"
    function: ClassVar[str | None] = None  # the contract function for the signer's own transaction
    by_sig_function: ClassVar[str | None] = None  # the one for a relayed, EIP-712 signed operation
    signer_field: ClassVar[str] = ""  # who signs, as the EIP-712 type names it: "registrant", "grantor", ...
    primary_type: ClassVar[str] = ""  # the EIP-712 type; default: the class name
    domain_name: ClassVar[str] = ""  # the EIP-712 domain's name; default: the contract's
    # The signed members in the type's order, where it is not signer, fields, nonce, deadline (the forwarder's).
    signed_order: ClassVar[tuple[str, ...]] = ()
    deadline_type: ClassVar[str] = "uint256"
    nonced: ClassVar[bool] = True  # whether the signer's nonce at the contract is part of the signed message
    # Whether the signed message's `nonce` is an id the signer picks (an unordered nonce, Permit2-style) rather
    # than the contract's count: the listing consent's (issue 17).
    unordered_nonce: ClassVar[bool] = False

    @classmethod
    def struct(cls) -> Struct:
        return _struct_of(cls)

    def args(self) -> tuple[Any, ...]:
        """The contract function's arguments."""
        return self.struct().abi(self)

    def by_sig_args(self, signer: str, deadline: int, signature: bytes) -> tuple[Any, ...]:
        return (*self.args(), signer, deadline, signature)

    def message(self) -> dict[str, Any]:
        """The EIP-712 message fields other than the signer, nonce and deadline."""
        return self.struct().message(self)

    def to_json(self) -> dict[str, Any]:
        return self.struct().to_json(self)

    @classmethod
    def from_json(cls, body: Any) -> Any:
        return cls.struct().from_json(body, "operation")

    @classmethod
    def eip712_types(cls) -> dict[str, list[dict[str, str]]]:
        """The primary type and the struct types it refers to (without EIP712Domain)."""
        struct = cls.struct()
        members = {m["name"]: m for m in [{"name": cls.signer_field, "type": "address"}, *struct.member_types(),
                                          {"name": "nonce", "type": "uint256"},
                                          {"name": "deadline", "type": cls.deadline_type}]}
        layout = [members[name] for name in cls.signed_order] if cls.signed_order else list(members.values())
        return {struct.eip712: layout, **struct.children()}

    @classmethod
    def type_string(cls) -> str:
        """EIP-712 `encodeType`: the string whose keccak256 is the contract's typehash constant."""
        types = cls.eip712_types()
        primary = cls.struct().eip712

        def encode(name: str) -> str:
            return name + "(" + ",".join(m["type"] + " " + m["name"] for m in types[name]) + ")"

        return encode(primary) + "".join(encode(name) for name in sorted(types) if name != primary)

    @classmethod
    def typehash(cls) -> bytes:
        return keccak(text=cls.type_string())

    def typed_data(self, signer: str, nonce: int, deadline: int, chain_id: int, registry: str) -> dict[str, Any]:
        return {
            "types": {"EIP712Domain": EIP712_DOMAIN, **self.eip712_types()},
            "primaryType": self.struct().eip712,
            "domain": {"name": self.domain_name or self.contract, "version": DOMAIN_VERSION, "chainId": chain_id,
                       "verifyingContract": registry},
            "message": {self.signer_field: signer, **self.message(), "nonce": nonce, "deadline": deadline},
        }


_STRUCTS: dict[type, Struct] = {}


def _struct_of(cls: type) -> Struct:
    if cls not in _STRUCTS:
        struct = Struct(cls, getattr(cls, "primary_type", "") or cls.__name__)
        inline = [m.kind for m in struct.members() if m.arg.inline_json]
        if inline:  # the JSON form is that struct's: so is the refusal of a body that is no object
            struct.refusal = _as_struct(inline[0]).refusal
        _STRUCTS[cls] = struct
    return _STRUCTS[cls]


def credit_code_hash(credit_code: str) -> bytes:
    """What goes on chain for a unified social credit code: its keccak256, so the code itself is not
    published but anyone holding it can check it."""
    return keccak(text=credit_code.strip().upper())


# ─────────────────────────────── the record and its rights (DataRegistry) ───────────────────────────────

# The registration's structs are defined in chain/types.py (used throughout); their wire forms are declared here.
SOURCE = Struct(Source, declared={"asset_id": Arg(ASSET_ID, absent=REQUIRED),
                                  "right_index": Arg(UINT256, absent=REQUIRED)})
RIGHT_HOLDER = Struct(RightHolder, declared={"account": Arg(ADDRESS, absent=REQUIRED), "kinds": Arg(RIGHT_KINDS)})
HOLDER_TERMS = Struct(HolderTerms, declared={"valid_until": Arg(Uint(64, high=2**32 - 1), absent=0),
                                             "limits_cid": Arg(DIGEST, absent=ZERO)})
REGISTRATION = Struct(Registration, declared={
    "content_hash": Arg(DIGEST),
    "content_cid": Arg(DIGEST, absent=ZERO),
    "metadata_cid": Arg(DIGEST),
    "classification": Arg(Uint(8)),
    "attributes": Arg(Uint(8)),
    "sources": Arg(ListOf(SOURCE, "'sources' must be a list of {asset_id, right_index} objects: the source assets "
                          "and the usage right held over each.", "a list of {asset_id, right_index}")),
    "holders": Arg(ListOf(RIGHT_HOLDER, "'holders' must be a list of {account, kinds} objects, e.g. "
                          '[{"account": "0x…", "kinds": ["holding", "usage", "operating"]}].',
                          "a list of {account, kinds}")),
    "terms": Arg(ListOf(HOLDER_TERMS, "'terms' must be empty or a list of {valid_until, limits_cid} objects, one per "
                        "holder entry in the same order.", "a list of {valid_until, limits_cid}"), absent=()),
}, refusal="The registration must be a JSON object with content_hash, metadata_cid, holders, ...")


@dataclass(frozen=True)
class Register(Operation):
    """A new asset record. The JSON form is the registration's own fields; the holders keep the order given,
    since the signature covers it (the contract refuses unsorted holders)."""

    registration: Registration = arg(REGISTRATION, flatten=True, inline_json=True)

    name = "register"
    function = "register"
    by_sig_function = "registerBySig"
    signer_field = "registrant"


@dataclass(frozen=True)
class GrantTerms:
    """IDataRegistry.GrantTerms. JSON bounds the times to 32 bits (until 2106) although the type has 64."""

    grantee: str = arg(ADDRESS)
    valid_from: int = arg(Uint(64, high=2**32 - 1), 0)
    valid_until: int = arg(Uint(64, high=2**32 - 1), 0)
    sub_grantable: bool = arg(BOOL, False, label="terms.sub_grantable")
    transferable: bool = arg(BOOL, False, label="terms.transferable")
    purpose: str = arg(Text(), "", label="terms.purpose")
    territory: str = arg(Text(), "", label="terms.territory")
    quantity: int = arg(UINT256, 0)
    terms_cid: bytes = arg(DIGEST, ZERO)


@dataclass(frozen=True)
class Grant(Operation):
    asset_id: str = arg(ASSET_ID)
    parent_index: int = arg(Uint(low=1))
    terms: GrantTerms = arg(Struct(GrantTerms, refusal="'terms' is required: {grantee, valid_until, purpose, ...}."))

    name = "grant"
    function = "grant"
    by_sig_function = "grantBySig"
    signer_field = "grantor"


@dataclass(frozen=True)
class Transfer(Operation):
    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))
    to: str = arg(ADDRESS, label="recipient")

    name = "transfer"
    function = "transfer"
    by_sig_function = "transferBySig"
    signer_field = "holder"


@dataclass(frozen=True)
class Revoke(Operation):
    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))
    reason_code: int = arg(Uint(16))
    evidence_cid: bytes = arg(DIGEST, ZERO)

    name = "revoke"
    function = "revoke"
    by_sig_function = "revokeBySig"
    signer_field = "grantor"


@dataclass(frozen=True)
class Renew(Operation):
    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))
    valid_until: int = arg(Uint(64, high=2**32 - 1))

    name = "renew"
    function = "renew"
    by_sig_function = "renewBySig"
    signer_field = "grantor"


# ─────────────────────────────── remarks and the record's lifecycle (DataRegistry) ───────────────────────────────

@dataclass(frozen=True)
class Freeze(Operation):
    asset_id: str = arg(ASSET_ID)
    order_reference: str = arg(Text(), cli=Cli("--order", required=True))
    evidence_cid: bytes = arg(DIGEST, cli=EVIDENCE)

    name = "freeze"
    function = "freeze"


@dataclass(frozen=True)
class ReleaseFreeze(Operation):
    """Lifts one freeze order: only the regulator that issued it."""

    asset_id: str = arg(ASSET_ID)
    order_id: int = arg(Uint(low=1), cli=Cli("--order-id", "the freeze order's number on the asset", required=True))
    evidence_cid: bytes = arg(DIGEST, cli=EVIDENCE)

    name = "release_freeze"
    function = "releaseFreeze"


@dataclass(frozen=True)
class AdminReleaseFreeze(Operation):
    """The council admin lifts a freeze order (e.g. its regulator was dissolved), with a recorded reason."""

    asset_id: str = arg(ASSET_ID)
    order_id: int = arg(Uint(low=1), cli=Cli("--order-id", "the freeze order's number on the asset", required=True))
    reason_cid: bytes = arg(DIGEST, cli=Cli("--reason", "the decision; stored, its CID goes on chain", required=True,
                                            source="document"))

    name = "admin_release_freeze"
    function = "adminReleaseFreeze"


@dataclass(frozen=True)
class ConsentAsPledgee(Operation):
    """A pledgee consents, once, to a transfer or grant of the pledged operating right, or to the cancellation."""

    asset_id: str = arg(ASSET_ID)
    pledge_id: bytes = arg(DIGEST, cli=Cli("--pledge", required=True))
    operation: str = arg(Named(PLEDGED_OPERATIONS, "pledged operation"), cli=Cli("--operation", required=True))
    right_index: int = arg(UINT256, 0, cli=Cli("--right", default=0))
    counterparty: str = arg(ADDRESS, "0x0000000000000000000000000000000000000000",
                            cli=Cli("--to", "the new holder or grantee",
                                    default="0x0000000000000000000000000000000000000000"))

    name = "consent_as_pledgee"
    function = "consentAsPledgee"


@dataclass(frozen=True)
class AcceptRight(Operation):
    """The named holder accepts a right assigned to it at registration (until then it is pending)."""

    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))

    name = "accept_right"
    function = "acceptRight"
    by_sig_function = "acceptRightBySig"
    signer_field = "holder"


@dataclass(frozen=True)
class WithdrawAssignment(Operation):
    """The registrant withdraws a right it named another party to, before that party accepted it."""

    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))

    name = "withdraw_assignment"
    function = "withdrawAssignment"


@dataclass(frozen=True)
class RecordPledge(Operation):
    asset_id: str = arg(ASSET_ID)
    external_registration_no: str = arg(Text(), cli=Cli("--external-no", required=True))
    pledgee: str = arg(ADDRESS, cli=Cli("--pledgee", required=True))

    name = "record_pledge"
    function = "recordPledge"


@dataclass(frozen=True)
class ReleasePledge(Operation):
    asset_id: str = arg(ASSET_ID)
    pledge_id: bytes = arg(DIGEST)

    name = "release_pledge"
    function = "releasePledge"


@dataclass(frozen=True)
class Cancel(Operation):
    asset_id: str = arg(ASSET_ID)
    reason_code: int = arg(Uint(8), cli=Cli("--reason", required=True, source="names", vocabulary=CancelReason))
    evidence_cid: bytes = arg(DIGEST, cli=EVIDENCE)

    name = "cancel"
    function = "cancel"


@dataclass(frozen=True)
class ApplyForChange(Operation):
    """A change registration: the registrant applies for a new version (metadata, and data if a file is given,
    classification and flags); the registrar reviews it (ReviewChange) and only then is it current."""

    asset_id: str = arg(ASSET_ID)
    registrar: str = arg(ADDRESS, cli=Cli("--registrar", required=True))
    metadata_cid: bytes = arg(DIGEST, packed=True, cli=Cli("--metadata", required=True, source="metadata"))
    content_hash: bytes = arg(DIGEST, packed=True, cli=Cli("--file", source="fingerprint"))
    content_cid: bytes = arg(DIGEST, ZERO, packed=True, cli=Cli("--content-cid", "digest of the new data's CIDv0",
                                                                default="0x" + "00" * 32))
    classification: int = arg(Uint(8, high=2), 0, packed=True, cli=Cli("--classification", "0 general, 1 important, "
                                                                       "2 core", default=0))
    attributes: int = arg(Uint(8, high=7), 0, packed=True, cli=Cli("--attributes", "bits: 1 personal information, 2 "
                                                                   "sensitive, 4 export allowed", default=0))
    documents_cid: bytes = arg(DIGEST, ZERO, cli=Cli("--documents", "change documents; stored, their CID goes on chain",
                                                     source="document", private=True))

    contract = "RegistrationOffice"
    name = "apply_for_change"
    function = "applyForChange"


# ─────────────────────────────── listings (ListingRegistry) ───────────────────────────────

@dataclass(frozen=True)
class ListingTerms:
    """IListingRegistry.ListingTerms: the structured terms exchanges filter on (issue 17). The default is a
    negotiable (面议) dataset delivered by download, with no end and no usage scope stated."""

    price_model: str = arg(Named(PRICE_MODELS, "price model"), "negotiable")
    price_amount: int = arg(UINT256, 0)  # in the smallest unit of the currency (fen); 0 when negotiable
    currency: str = arg(CURRENCY, "")  # ISO 4217; empty when negotiable
    product_form: str = arg(Named(PRODUCT_FORMS, "product form"), "dataset")
    delivery_modes: tuple[str, ...] = arg(DELIVERY_MODES, ("download",))
    valid_until: int = arg(Uint(64), 0)  # Unix time the listing ends; 0 for no end
    usage_scope: str = arg(Text(0, 200, refusal="'usage_scope' must be at most 200 characters."), "")


@dataclass(frozen=True)
class ListingRequest:
    """What an exchange lists and what the holder of the operating right consents to. Its fields are in the
    contract's order; `origin_listing_id` (non-zero for a cross-listing), `attestation_id` (the compliance
    certification important or personal data needs) and `terms` are keyword-only."""

    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(Uint(low=1))
    origin_listing_id: int = arg(Uint(high=2**64 - 1), 0, kw_only=True)
    exchange_listing_id: str = arg(Text(1, 100, refusal="'exchange_listing_id' must be the exchange's own listing "
                                                        "id, 1-100 characters."))
    offer_terms_cid: bytes = arg(DIGEST, ZERO)
    attestation_id: int = arg(Uint(high=2**40 - 1), 0, kw_only=True)
    terms: ListingTerms = arg(Struct(ListingTerms, missing={}), ListingTerms(), kw_only=True)


@dataclass(frozen=True)
class ListingConsent(Operation):
    """The operating-right holder's consent to one exchange listing one product; signed once, offline, and
    handed to the exchange, which submits it with `ListProduct`. Its `nonce` is the consent's own id, an
    unordered nonce the signer picks (ChainClient.sign: at random unless given), so any number of consents can
    be signed in parallel; `WithdrawConsents` cancels ids not yet used."""

    exchange: str = arg(ADDRESS)
    request: ListingRequest = arg(Struct(ListingRequest, missing={}), flatten=True)

    contract = "ListingRegistry"
    name = "consent"
    signer_field = "holder"
    nonced = False
    unordered_nonce = True


@dataclass(frozen=True)
class ListProduct(Operation):
    """An exchange lists (or cross-lists) a product with the holder's consent: a signature with its consent id,
    or none when the holder approved by its own transaction (`ApproveListing`)."""

    request: ListingRequest = arg(Struct(ListingRequest))
    holder: str = arg(ADDRESS)
    consent_id: int = arg(UINT256, 0)
    deadline: int = arg(UINT256, 0)
    signature: bytes = arg(BYTES, b"")

    contract = "ListingRegistry"
    name = "list"
    function = "list"

    @classmethod
    def with_consent(cls, request: ListingRequest, consent: Any) -> "ListProduct":
        """With a SignedOperation of a ListingConsent: its signer, id (nonce), deadline and signature."""
        return cls(request, consent.signer, consent.nonce, consent.deadline, consent.signature)


@dataclass(frozen=True)
class ApproveListing(Operation):
    """The holder's consent as its own transaction, usable until `valid_until` (it must end)."""

    exchange: str = arg(ADDRESS)
    request: ListingRequest = arg(Struct(ListingRequest))
    valid_until: int = arg(Uint(64))

    contract = "ListingRegistry"
    name = "approve_listing"
    function = "approveListing"


@dataclass(frozen=True)
class RevokeApproval(Operation):
    """The holder takes back an approval the exchange has not used."""

    exchange: str = arg(ADDRESS)
    request: ListingRequest = arg(Struct(ListingRequest))

    contract = "ListingRegistry"
    name = "revoke_approval"
    function = "revokeApproval"


@dataclass(frozen=True)
class WithdrawConsents(Operation):
    """The holder withdraws signed consents not yet used: ids word_pos * 256 + i for each bit i of `mask`."""

    word_pos: int = arg(UINT256)
    mask: int = arg(UINT256)

    contract = "ListingRegistry"
    name = "withdraw_consents"
    function = "withdrawConsents"

    @classmethod
    def of(cls, consent_ids: list[int]) -> list["WithdrawConsents"]:
        """One operation per 256-id word the ids fall in."""
        words: dict[int, int] = {}
        for consent_id in consent_ids:
            words[consent_id >> 8] = words.get(consent_id >> 8, 0) | (1 << (consent_id & 0xFF))
        return [cls(word, mask) for word, mask in sorted(words.items())]


@dataclass(frozen=True)
class ListingPolicy:
    """IListingRegistry.ListingPolicy, an exchange's own listing rules."""

    allow_uncertified: bool = arg(BOOL, False)  # may list assets without a valid registration certificate
    cross_border: bool = arg(BOOL, False)  # trades across borders: export-restricted assets are refused


@dataclass(frozen=True)
class ListingFloor:
    """IListingRegistry.ListingFloor, the council's floor below which no exchange's policy goes."""

    certificate_required: bool = arg(BOOL, False)
    important_data_forbidden: bool = arg(BOOL, False)
    personal_information_forbidden: bool = arg(BOOL, False)


@dataclass(frozen=True)
class SetListingPolicy(Operation):
    policy: ListingPolicy = arg(Struct(ListingPolicy))

    contract = "ListingRegistry"
    name = "set_listing_policy"
    function = "setListingPolicy"


@dataclass(frozen=True)
class SetListingFloor(Operation):
    floor: ListingFloor = arg(Struct(ListingFloor))

    contract = "ListingRegistry"
    name = "set_listing_floor"
    function = "setListingFloor"


@dataclass(frozen=True)
class SetListingStatus(Operation):
    listing_id: int = arg(UINT256)
    status: str = arg(Named(LISTING_STATUSES, "listing status"))  # listed | suspended | delisted

    contract = "ListingRegistry"
    name = "set_listing_status"
    function = "setStatus"


# ─────────────────────────────── trades (TradeRegistry) ───────────────────────────────

@dataclass(frozen=True)
class TradeTerms:
    """ITradeRegistry.Trade: the listing, the buyer, the seller's usage right the buyer's right comes from, the
    price (amount and currency, or the hash of a confidential one) and the contract document."""

    listing_id: int = arg(Uint(low=1, high=2**64 - 1))
    buyer: str = arg(ADDRESS)
    parent_index: int = arg(Uint(low=1), 2)
    price_amount: int = arg(UINT256, 0)
    currency: str = arg(CURRENCY, "")
    price_hash: bytes = arg(DIGEST, ZERO)
    contract_cid: bytes = arg(DIGEST, ZERO)


@dataclass(frozen=True)
class TradeSignatures:
    """ITradeRegistry.Signatures: the seller's `Grant` and the buyer's `TradeAcceptance`, with their deadlines."""

    grant_deadline: int = arg(UINT256)
    grant_signature: bytes = arg(BYTES)
    accept_deadline: int = arg(UINT256)
    accept_signature: bytes = arg(BYTES)


@dataclass(frozen=True)
class TradeAcceptance(Operation):
    """The buyer's acceptance of a trade: the exchange, the listing, the seller's very grant signature (its
    keccak256), the price and the contract. It has no nonce: the grant's nonce, spent by the trade, makes it
    good once."""

    exchange: str = arg(ADDRESS)
    listing_id: int = arg(Uint(low=1, high=2**64 - 1))
    grant_signature_hash: bytes = arg(DIGEST)
    price_amount: int = arg(UINT256, 0)
    currency: str = arg(CURRENCY, "")
    price_hash: bytes = arg(DIGEST, ZERO)
    contract_cid: bytes = arg(DIGEST, ZERO)

    contract = "TradeRegistry"
    name = "accept_trade"
    signer_field = "buyer"
    nonced = False
    signed_order = ("buyer", "exchange", "listingId", "grantSignatureHash", "priceAmount", "currency", "priceHash",
                    "contractCid", "deadline")

    def typed_data(self, signer: str, nonce: int, deadline: int, chain_id: int, registry: str) -> dict[str, Any]:
        typed = super().typed_data(signer, nonce, deadline, chain_id, registry)
        del typed["message"]["nonce"]
        return typed


@dataclass(frozen=True)
class SetTradeCode(Operation):
    code: str = arg(PaddedCode(6))

    contract = "TradeRegistry"
    name = "set_trade_code"
    function = "setTradeCode"


@dataclass(frozen=True)
class AssignTradeCode(Operation):
    """The council approves or overrides an exchange's trade code (TradeRegistry.assignTradeCode)."""

    exchange: str = arg(ADDRESS)
    code: str = arg(PaddedCode(6))

    contract = "TradeRegistry"
    name = "assign_trade_code"
    function = "assignTradeCode"


@dataclass(frozen=True)
class RecordTrade(Operation):
    """The exchange records a trade with both parties' signatures; the buyer's right is granted in the same call."""

    trade: TradeTerms = arg(Struct(TradeTerms, "Trade"))
    terms: GrantTerms = arg(Struct(GrantTerms))
    signatures: TradeSignatures = arg(Struct(TradeSignatures, "Signatures"))

    contract = "TradeRegistry"
    name = "record_trade"
    function = "recordTrade"


@dataclass(frozen=True)
class SetSettlement(Operation):
    year: int = arg(Uint(16))
    serial: int = arg(Uint(32, low=1))
    status: str = arg(Named(SETTLEMENT_STATUSES, "settlement status"))  # pending | settled | refunded | disputed
    note_cid: bytes = arg(DIGEST, ZERO)

    contract = "TradeRegistry"
    name = "set_settlement"
    function = "setSettlement"


@dataclass(frozen=True)
class RecordDelivery(Operation):
    year: int = arg(Uint(16))
    serial: int = arg(Uint(32, low=1))
    evidence_cid: bytes = arg(DIGEST)

    contract = "TradeRegistry"
    name = "record_delivery"
    function = "recordDelivery"


# ─────────────────────────────── participants (ParticipantRegistry) ───────────────────────────────

@dataclass(frozen=True)
class AddParticipant(Operation):
    account: str = arg(ADDRESS, label="participant address")
    role: str = arg(Named(ROLES, "role"))
    participant_name: str = arg(Text())
    credit_code: str = arg(CREDIT_CODE)  # only its hash goes on chain
    endpoint: str = arg(Text(), "")

    contract = "ParticipantRegistry"
    name = "add_participant"
    function = "addParticipant"


@dataclass(frozen=True)
class SuspendParticipant(Operation):
    account: str = arg(ADDRESS, label="participant address")
    reason_code: int = arg(Uint(16), 0)
    evidence_cid: bytes = arg(DIGEST, ZERO)

    contract = "ParticipantRegistry"
    name = "suspend_participant"
    function = "suspendParticipant"


@dataclass(frozen=True)
class ReinstateParticipant(Operation):
    account: str = arg(ADDRESS, label="participant address")

    contract = "ParticipantRegistry"
    name = "reinstate_participant"
    function = "reinstateParticipant"


@dataclass(frozen=True)
class Qualify(Operation):
    """The council records a participant's qualification (its fields after the account are the contract's
    QualificationData struct), replacing its current one."""

    account: str = arg(ADDRESS, label="participant address")
    kind: str = arg(Named(QUALIFICATION_KINDS, "qualification kind"), "licence", packed=True)
    valid_from: int = arg(Uint(64), 0, packed=True)
    valid_until: int = arg(Uint(64), 0, packed=True)
    issuer: str = arg(Text(1, 200, refusal="'issuer' must name the body that issued the qualification."), "",
                      packed=True)
    number: str = arg(Text(1, 100, refusal="'number' must be the licence or recognition number."), "", packed=True)
    scope: str = arg(Text(), "", packed=True)
    document_cid: bytes = arg(DIGEST, ZERO, packed=True)

    contract = "ParticipantRegistry"
    name = "qualify"
    function = "qualify"


@dataclass(frozen=True)
class RenewQualification(Operation):
    account: str = arg(ADDRESS, label="participant address")
    valid_until: int = arg(Uint(64))
    document_cid: bytes = arg(DIGEST, ZERO)

    contract = "ParticipantRegistry"
    name = "renew_qualification"
    function = "renewQualification"


@dataclass(frozen=True)
class RevokeQualification(Operation):
    account: str = arg(ADDRESS, label="participant address")
    reason_code: int = arg(Uint(16), 0)
    evidence_cid: bytes = arg(DIGEST, ZERO)

    contract = "ParticipantRegistry"
    name = "revoke_qualification"
    function = "revokeQualification"


# ─────────────────────────────── the registration procedure (RegistrationOffice) ───────────────────────────────

@dataclass(frozen=True)
class ConfigureRegistrar(Operation):
    registrar: str = arg(ADDRESS)
    region: str = arg(FixedText(2))
    code: str = arg(FixedText(1))

    contract = "RegistrationOffice"
    name = "configure_registrar"
    function = "configureRegistrar"


@dataclass(frozen=True)
class ConfigureIpRegistrar(Operation):
    """The council configures a registrar for data intellectual property certificates (17-digit numbers)."""

    registrar: str = arg(ADDRESS)
    division: str = arg(FixedText(6))
    code: str = arg(FixedText(1))

    contract = "RegistrationOffice"
    name = "configure_ip_registrar"
    function = "configureIpRegistrar"


@dataclass(frozen=True)
class SetPublicityPeriod(Operation):
    seconds: int = arg(UINT256)

    contract = "RegistrationOffice"
    name = "set_publicity_period"
    function = "setPublicityPeriod"


@dataclass(frozen=True)
class ApplyForRegistration(Operation):
    asset_id: str = arg(ASSET_ID)
    registrar: str = arg(ADDRESS, cli=Cli("--registrar", required=True))
    documents_cid: bytes = arg(DIGEST, cli=Cli("--documents", "application documents; stored, their CID goes on chain",
                                               source="document", private=True))

    contract = "RegistrationOffice"
    name = "apply"
    function = "applyFor"


@dataclass(frozen=True)
class AcceptApplication(Operation):
    asset_id: str = arg(ASSET_ID)

    contract = "RegistrationOffice"
    name = "accept"
    function = "accept"


@dataclass(frozen=True)
class ReturnApplication(Operation):
    asset_id: str = arg(ASSET_ID)
    reason_code: int = arg(Uint(16), cli=Cli("--reason", required=True, source="names", vocabulary=ReturnReason))
    note_cid: bytes = arg(DIGEST, cli=NOTE)

    contract = "RegistrationOffice"
    name = "return_for_material"
    function = "returnForMaterial"


@dataclass(frozen=True)
class ReviewApplication(Operation):
    asset_id: str = arg(ASSET_ID)
    passed: bool = arg(BOOL, cli=Cli("--terminate", invert=True))
    reason_code: int = arg(Uint(16), cli=Cli("--reason", default=0, source="names", vocabulary=RefusalReason))
    note_cid: bytes = arg(DIGEST, cli=NOTE)
    # When publicity ends (unix seconds; 24:00 Beijing of its 5th working day, registry/calendar.py); 0: the
    # council's minimum from now. The contract refuses an end sooner than that minimum.
    publicity_ends: int = arg(Uint(64), 0, cli=Cli(
        "--publicity-ends", "the last day of publicity (YYYY-MM-DD, through 24:00 Beijing time) or an exact time; "
        "default: 5 working days on the working-day calendar (DATAREG_CALENDAR)", source="publicity"))

    contract = "RegistrationOffice"
    name = "review"
    function = "review"


@dataclass(frozen=True)
class LodgeObjection(Operation):
    asset_id: str = arg(ASSET_ID)
    reason_code: int = arg(Uint(16), cli=Cli("--reason", required=True, source="names", vocabulary=ObjectionReason))
    evidence_cid: bytes = arg(DIGEST, cli=Cli("--evidence", source="document", private=True))

    contract = "RegistrationOffice"
    name = "object"
    function = "object"


@dataclass(frozen=True)
class ResolveObjection(Operation):
    asset_id: str = arg(ASSET_ID)
    objection_id: int = arg(UINT256)
    upheld: bool = arg(BOOL, cli=Cli("--uphold"))
    note_cid: bytes = arg(DIGEST, cli=NOTE)

    contract = "RegistrationOffice"
    name = "resolve_objection"
    function = "resolveObjection"


@dataclass(frozen=True)
class CompleteRegistration(Operation):
    asset_id: str = arg(ASSET_ID)
    validity_years: int = arg(Uint(8), cli=Cli("--years", "validity, 1-5 years", default=5))

    contract = "RegistrationOffice"
    name = "register_certificate"
    function = "register"


@dataclass(frozen=True)
class ReviewChange(Operation):
    asset_id: str = arg(ASSET_ID)
    passed: bool = arg(BOOL, cli=Cli("--refuse", invert=True))
    reason_code: int = arg(Uint(16), cli=Cli("--reason", default=0, source="names", vocabulary=RefusalReason))
    note_cid: bytes = arg(DIGEST, cli=NOTE)

    contract = "RegistrationOffice"
    name = "review_change"
    function = "reviewChange"


@dataclass(frozen=True)
class RequestRenewal(Operation):
    """The certificate's holder asks for renewal, 6 months to 1 day before the registration ends."""

    asset_id: str = arg(ASSET_ID)

    contract = "RegistrationOffice"
    name = "request_renewal"
    function = "requestRenewal"


@dataclass(frozen=True)
class RefuseRenewal(Operation):
    asset_id: str = arg(ASSET_ID)
    reason_code: int = arg(Uint(16), cli=Cli("--reason", required=True, source="names", vocabulary=RefusalReason))
    note_cid: bytes = arg(DIGEST, cli=NOTE)

    contract = "RegistrationOffice"
    name = "refuse_renewal"
    function = "refuseRenewal"


@dataclass(frozen=True)
class RenewRegistration(Operation):
    asset_id: str = arg(ASSET_ID)
    validity_years: int = arg(Uint(8), cli=Cli("--years", default=5))

    contract = "RegistrationOffice"
    name = "renew_registration"
    function = "renew"


# ─────────────────────────────── attestations (AttestationRegistry) ───────────────────────────────

@dataclass(frozen=True)
class Attest(Operation):
    """The attestation's fields after the asset id are the contract's AttestationData struct argument."""

    asset_id: str = arg(ASSET_ID)
    kind: str = arg(Named(ATTESTATION_KINDS, "attestation kind"), packed=True, cli=Cli("--kind", required=True))
    value: int = arg(UINT256, 0, packed=True,
                     cli=Cli("--value", "for an appraisal, in the currency's smallest unit", default=0))
    currency: str = arg(CURRENCY, "", packed=True, cli=Cli("--currency", default=""))
    method: str = arg(Text(), "", packed=True, cli=Cli("--method", default=""))
    conclusion: str = arg(Text(), "", packed=True, cli=Cli("--conclusion", default=""))
    report_cid: bytes = arg(DIGEST, ZERO, packed=True,
                            cli=Cli("--report", "the report; stored, its CID goes on chain", source="document"))
    valid_until: int = arg(Uint(64), 0, packed=True, cli=Cli("--until", source="time"))

    contract = "AttestationRegistry"
    name = "attest"
    function = "attest"


@dataclass(frozen=True)
class Engage(Operation):
    """A holder of the asset's holding right engages an appraiser (业务委托): by its own transaction, or signed
    (EIP-712 `Engagement`, with its nonce and a deadline) and relayed by anyone, e.g. the appraiser."""

    appraiser: str = arg(ADDRESS, packed=True)
    asset_id: str = arg(ASSET_ID, packed=True)
    right_index: int = arg(Uint(low=1), 1, packed=True, cli=Cli("--right", "the holding right you hold it by",
                                                                default=1))
    letter_cid: bytes = arg(DIGEST, ZERO, packed=True,
                            cli=Cli("--letter", "the engagement letter; stored, its CID goes on chain",
                                    source="document"))

    contract = "AttestationRegistry"
    name = "engage"
    function = "engage"
    by_sig_function = "engageBySig"
    signer_field = "holder"
    primary_type = "Engagement"


@dataclass(frozen=True)
class WithdrawEngagement(Operation):
    engagement_id: int = arg(Uint(low=1), cli=Cli("engagement_id"))

    contract = "AttestationRegistry"
    name = "withdraw_engagement"
    function = "withdrawEngagement"


@dataclass(frozen=True)
class Appraise(Operation):
    """An appraisal under the appraiser's engagement: the attestation's fields (its kind always appraisal), then
    the contract's AppraisalTerms (valuation date, value type, basis, engagement), each a field of its own so the
    JSON form and the CLI's options are flat."""

    asset_id: str = arg(ASSET_ID)
    engagement_id: int = arg(Uint(low=1), cli=Cli("--engagement", required=True))
    value: int = arg(UINT256, cli=Cli("--value", "in the currency's smallest unit (fen for CNY)", required=True))
    valuation_date: int = arg(Uint(64, low=1), cli=Cli("--valuation-date", "评估基准日: a day or time, e.g. "
                                                      "2026-11-30", required=True, source="time"))
    value_type: str = arg(Named(VALUE_TYPES, "value type"), cli=Cli("--value-type", required=True))
    basis: str = arg(Text(), "", cli=Cli("--basis", "the standards and premises, e.g. 数据资产评估指导意见",
                                         default=""))
    currency: str = arg(CURRENCY, "CNY", cli=Cli("--currency", default="CNY"))
    method: str = arg(Text(), "", cli=Cli("--method", "收益法, 成本法 or 市场法", default=""))
    conclusion: str = arg(Text(), "", cli=Cli("--conclusion", default=""))
    report_cid: bytes = arg(DIGEST, ZERO, cli=Cli("--report", "the report; stored, its CID goes on chain",
                                                  source="document"))
    valid_until: int = arg(Uint(64), 0, cli=Cli("--until", source="time"))

    contract = "AttestationRegistry"
    name = "appraise"
    function = "appraise"

    def args(self) -> tuple[Any, ...]:
        data = (ATTESTATION_KINDS["appraisal"], self.value, CURRENCY.abi(self.currency, "currency"), self.method,
                self.conclusion, DIGEST.abi(self.report_cid, "report_cid"), self.valid_until)
        terms = (self.valuation_date, Named(VALUE_TYPES, "value type").abi(self.value_type, "value_type"),
                 self.basis, self.engagement_id)
        return ASSET_ID.abi(self.asset_id, "asset_id"), data, terms


@dataclass(frozen=True)
class RevokeAttestation(Operation):
    attestation_id: int = arg(UINT256)
    reason_code: int = arg(Uint(16))

    contract = "AttestationRegistry"
    name = "revoke_attestation"
    function = "revokeAttestation"


# ─────────────────────────────── finance records (FinanceRecords, 数据资产入表) ───────────────────────────────

@dataclass(frozen=True)
class RecordAccounting(Operation):
    """The holder's commitment to its private accounting document (its CID digest) and the auditor who may read
    the document; `right_index` is the holding right the holder holds (1 for the first holder)."""

    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(UINT256)
    auditor: str = arg(ADDRESS)
    document_cid: bytes = arg(DIGEST)

    contract = "FinanceRecords"
    name = "record_accounting"
    function = "recordAccounting"


@dataclass(frozen=True)
class RecordFinanceRemark(Operation):
    """A capital contribution (counterparty: the investee) or data trust (the trustee, with beneficiaries);
    the fields after the right index are the contract's RemarkData struct argument."""

    asset_id: str = arg(ASSET_ID)
    right_index: int = arg(UINT256)
    kind: str = arg(Named(FINANCE_REMARK_KINDS, "finance remark kind"), packed=True)
    counterparty: str = arg(ADDRESS, packed=True)
    beneficiaries: tuple[str, ...] = arg(ADDRESSES, (), packed=True)
    document_cid: bytes = arg(DIGEST, ZERO, packed=True)
    effective_from: int = arg(Uint(64), 0, packed=True)
    effective_until: int = arg(Uint(64), 0, packed=True)

    contract = "FinanceRecords"
    name = "record_finance_remark"
    function = "recordRemark"


@dataclass(frozen=True)
class EndFinanceRemark(Operation):
    remark_id: int = arg(UINT256)
    evidence_cid: bytes = arg(DIGEST, ZERO)

    contract = "FinanceRecords"
    name = "end_finance_remark"
    function = "endRemark"


# ─────────────────────────────── any operation, through the ERC-2771 forwarder ───────────────────────────────

@dataclass(frozen=True)
class Forward(Operation):
    """Any operation, signed as an EIP-712 `ForwardRequest` for the registry's ERC-2771 forwarder and relayed
    by anyone: the target contract acts for the signer. The signed message shows the target contract and the
    call data; operations whose signed message should name each field have their own `...BySig` types."""

    target: str = arg(ADDRESS, sol="to", json="to", label="target contract")
    data: bytes = arg(BYTES)
    gas: int = arg(Uint(low=1, high=30_000_000))
    value: int = arg(Uint(high=0), 0)

    contract = "Forwarder"
    domain_name = "DataregForwarder"  # OpenZeppelin's forwarder, named in its constructor
    name = "forward"
    by_sig_function = "execute"
    primary_type = "ForwardRequest"
    signer_field = "from"
    signed_order = ("from", "to", "value", "gas", "nonce", "deadline", "data")
    deadline_type = "uint48"

    def by_sig_args(self, signer: str, deadline: int, signature: bytes) -> tuple[Any, ...]:
        # The forwarder takes one ForwardRequestData struct: the signed fields, the deadline and the signature.
        return ((signer, checksum(self.target, "target contract"), self.value, self.gas, deadline, self.data,
                 signature),)


# ─────────────────────────────── mutual recognition (RecognitionRegistry) ───────────────────────────────

@dataclass(frozen=True)
class Recognise(Operation):
    """The council recognises another registry deployment (一地登记、全国共享)."""

    chain_id: int = arg(Uint(64, low=1))
    data_registry: str = arg(ADDRESS)
    registration_office: str = arg(ADDRESS)
    from_block: int = arg(Uint(64))
    region: str = arg(FixedText(2))
    registry_name: str = arg(Text(min_length=1, max_length=200))

    contract = "RecognitionRegistry"
    name = "recognise"
    function = "recognise"


@dataclass(frozen=True)
class WithdrawRecognition(Operation):
    recognition_id: int = arg(Uint(256, low=1))
    reason_code: int = arg(Uint(16))

    contract = "RecognitionRegistry"
    name = "withdraw_recognition"
    function = "withdraw"


# Operations anyone may relay for their signer (those with a `...BySig` function, and the forwarder's), by the
# name the API's relay endpoint uses, in the order they are declared.
# ─────────────────────────────── public-data authorised operation (PublicDataAuthorisation) ───────────────────────


@dataclass(frozen=True)
class TextList(Kind):
    """A string[]: the names of scenarios (each as a grant's purpose will name it, byte for byte)."""

    max_items: int = 50
    eip712: str = "string[]"
    missing: ClassVar[Any] = []

    def abi(self, value: Any, name: str) -> list[str]:
        return [str(v) for v in value]

    def message(self, value: Any) -> list[str]:
        return [str(v) for v in value]

    def to_json(self, value: Any) -> list[str]:
        return [str(v) for v in value]

    def from_json(self, value: Any, name: str) -> tuple[str, ...]:
        short = f"a list of 1 to {self.max_items} scenario names (text of 1 to 200 characters)"
        if (not isinstance(value, (list, tuple)) or not 1 <= len(value) <= self.max_items
                or not all(isinstance(v, str) and 1 <= len(v) <= 200 for v in value)):
            raise _refuse(name, f"'{name}' must be {short}.", short)
        return tuple(value)


AUTHORISATION_ID = Uint(256, low=1)


@dataclass(frozen=True)
class AuthorisationTerms:
    """IPublicDataAuthorisation.AuthorisationTerms."""

    operator: str = arg(ADDRESS, label="operator address")
    catalogue_cid: bytes = arg(DIGEST, ZERO)
    catalogue_entries: int = arg(Uint(32, low=1), 1)
    scenarios: tuple[str, ...] = arg(TextList(), ())
    valid_from: int = arg(Uint(64, high=2**32 - 1), 0)
    valid_until: int = arg(Uint(64, low=1, high=2**32 - 1), 0)
    conditions_cid: bytes = arg(DIGEST, ZERO)


@dataclass(frozen=True)
class Authorise(Operation):
    """A data authority authorises a first-level operator (公共数据授权运营)."""

    terms: AuthorisationTerms = arg(Struct(AuthorisationTerms))

    contract = "PublicDataAuthorisation"
    name = "authorise"
    function = "authorise"


@dataclass(frozen=True)
class ApproveScenario(Operation):
    """The authority approves one permitted scenario (一类场景一审定)."""

    authorisation_id: int = arg(AUTHORISATION_ID)
    scenario: str = arg(Text(min_length=1))
    approval_cid: bytes = arg(DIGEST, ZERO)

    contract = "PublicDataAuthorisation"
    name = "approve_scenario"
    function = "approveScenario"


@dataclass(frozen=True)
class License(Operation):
    """The first-level operator licenses a second-level operator for permitted scenarios, within the term."""

    authorisation_id: int = arg(AUTHORISATION_ID)
    licensee: str = arg(ADDRESS, label="licensee address")
    scenarios: tuple[str, ...] = arg(TextList())
    valid_until: int = arg(Uint(64, low=1, high=2**32 - 1))
    terms_cid: bytes = arg(DIGEST, ZERO)

    contract = "PublicDataAuthorisation"
    name = "license"
    function = "license"


@dataclass(frozen=True)
class RevokeLicence(Operation):
    authorisation_id: int = arg(AUTHORISATION_ID)
    licensee: str = arg(ADDRESS, label="licensee address")
    reason_code: int = arg(Uint(16, low=1))

    contract = "PublicDataAuthorisation"
    name = "revoke_licence"
    function = "revokeLicence"


@dataclass(frozen=True)
class RevokeAuthorisation(Operation):
    """The authority revokes the authorisation: every right under it lapses, with this reason."""

    authorisation_id: int = arg(AUTHORISATION_ID)
    reason_code: int = arg(Uint(16, low=1))
    evidence_cid: bytes = arg(DIGEST, ZERO)

    contract = "PublicDataAuthorisation"
    name = "revoke_authorisation"
    function = "revokeAuthorisation"


@dataclass(frozen=True)
class BindAsset(Operation):
    """The first-level operator binds an asset it registered, a catalogue entry, to its authorisation."""

    authorisation_id: int = arg(AUTHORISATION_ID)
    asset_id: str = arg(ASSET_ID)
    catalogue_entry: int = arg(Uint(32, low=1))

    contract = "PublicDataAuthorisation"
    name = "bind_asset"
    function = "bindAsset"


OPERATIONS: dict[str, type[Operation]] = {op.name: op for op in Operation.__subclasses__() if op.by_sig_function}
