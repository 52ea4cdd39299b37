"""The registry's write operations, each in one place: the contract function for the signer's own
transaction, the `...BySig` function and the EIP-712 type for a relayed one, and the JSON form the API's
relay endpoint takes. The type strings must equal the contract's typehashes byte for byte; the tests check
every operation's signature against the contract on anvil.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from registry.chain.types import (
    Registration,
    asset_id_hex,
    checksum,
    registration_from_json,
    registration_to_json,
)
from registry.errors import ValidationError
from registry.vocabulary import AttestationKind, CancelReason, ListingStatus, RevocationReason, Role

DOMAIN_VERSION = "1"  # each contract's EIP-712 domain: its own name, version 1, chain id, address

EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

# Revocation reason codes, as documented on IDataRegistry.RightRevoked.
REVOCATION_REASONS = {m.value: m.key for m in RevocationReason}


def _b32(value: str | bytes, name: str) -> bytes:
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        return bytes(value)
    try:
        return bytes.fromhex(asset_id_hex(value)[2:])
    except ValidationError:
        raise ValidationError(f"'{name}' must be 0x followed by 64 hexadecimal digits, got '{value}'.") from None


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _int(body: dict, name: str, low: int = 0, high: int = 2**256 - 1) -> int:
    value = body.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"'{name}' must be a whole number from {low} to {high}, got {value!r}.")
    return value


class Operation:
    """Base of every write operation."""

    contract: ClassVar[str] = "DataRegistry"  # which contract runs it; also its EIP-712 domain name
    name: ClassVar[str]  # the API's name, e.g. "grant"
    primary_type: ClassVar[str]  # the EIP-712 primary type, e.g. "Grant"
    signer_field: ClassVar[str]  # who signs: "registrant", "grantor" or "holder"
    types: ClassVar[dict[str, list[dict[str, str]]]]
    function: ClassVar[str]
    by_sig_function: ClassVar[str]

    def args(self) -> tuple:
        raise NotImplementedError

    def message(self) -> dict[str, Any]:
        """The EIP-712 message fields other than the signer, nonce and deadline."""
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Operation":
        raise NotImplementedError

    def by_sig_args(self, signer: str, deadline: int, signature: bytes) -> tuple:
        return (*self.args(), signer, deadline, signature)

    def typed_data(self, signer: str, nonce: int, deadline: int, chain_id: int, registry: str) -> dict:
        return {
            "types": {"EIP712Domain": EIP712_DOMAIN, **self.types},
            "primaryType": self.primary_type,
            "domain": {"name": self.contract, "version": DOMAIN_VERSION, "chainId": chain_id,
                       "verifyingContract": registry},
            "message": {self.signer_field: signer, **self.message(), "nonce": nonce, "deadline": deadline},
        }


@dataclass(frozen=True)
class Register(Operation):
    registration: Registration

    name = "register"
    primary_type = "Register"
    signer_field = "registrant"
    function = "register"
    by_sig_function = "registerBySig"
    types = {
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
        "RightHolder": [{"name": "account", "type": "address"}, {"name": "kinds", "type": "uint8"}],
        "Source": [{"name": "assetId", "type": "bytes32"}, {"name": "rightIndex", "type": "uint256"}],
    }

    def args(self) -> tuple:
        return (self.registration.as_abi(),)

    def message(self) -> dict[str, Any]:
        r = self.registration
        return {
            "contentHash": _hex(r.content_hash),
            "contentCid": _hex(r.content_cid),
            "metadataCid": _hex(r.metadata_cid),
            "classification": r.classification,
            "attributes": r.attributes,
            "sources": [{"assetId": s.asset_id, "rightIndex": s.right_index} for s in r.sources],
            "holders": [{"account": h.account, "kinds": h.mask} for h in r.holders],
        }

    def to_json(self) -> dict[str, Any]:
        return registration_to_json(self.registration)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Register":
        return cls(registration_from_json(body))


@dataclass(frozen=True)
class GrantTerms:
    grantee: str
    valid_from: int = 0
    valid_until: int = 0
    sub_grantable: bool = False
    transferable: bool = False
    purpose: str = ""
    territory: str = ""
    quantity: int = 0
    terms_cid: bytes = bytes(32)

    def as_abi(self) -> tuple:
        return (self.grantee, self.valid_from, self.valid_until, self.sub_grantable, self.transferable,
                self.purpose, self.territory, self.quantity, self.terms_cid)

    def message(self) -> dict[str, Any]:
        return {
            "grantee": self.grantee,
            "validFrom": self.valid_from,
            "validUntil": self.valid_until,
            "subGrantable": self.sub_grantable,
            "transferable": self.transferable,
            "purpose": self.purpose,
            "territory": self.territory,
            "quantity": self.quantity,
            "termsCid": _hex(self.terms_cid),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "grantee": self.grantee,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "sub_grantable": self.sub_grantable,
            "transferable": self.transferable,
            "purpose": self.purpose,
            "territory": self.territory,
            "quantity": self.quantity,
            "terms_cid": _hex(self.terms_cid),
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "GrantTerms":
        for flag in ("sub_grantable", "transferable"):
            if not isinstance(body.get(flag, False), bool):
                raise ValidationError(f"'terms.{flag}' must be true or false.")
        for text in ("purpose", "territory"):
            if not isinstance(body.get(text, ""), str) or len(body.get(text, "")) > 200:
                raise ValidationError(f"'terms.{text}' must be text of at most 200 characters.")
        return cls(
            grantee=checksum(body.get("grantee", ""), "grantee"),
            valid_from=_int(body, "valid_from", high=2**32 - 1),
            valid_until=_int(body, "valid_until", high=2**32 - 1),
            sub_grantable=body.get("sub_grantable", False),
            transferable=body.get("transferable", False),
            purpose=body.get("purpose", ""),
            territory=body.get("territory", ""),
            quantity=_int(body, "quantity"),
            terms_cid=_b32(body.get("terms_cid", _hex(bytes(32))), "terms_cid"),
        )


_TERMS_TYPE = [
    {"name": "grantee", "type": "address"},
    {"name": "validFrom", "type": "uint64"},
    {"name": "validUntil", "type": "uint64"},
    {"name": "subGrantable", "type": "bool"},
    {"name": "transferable", "type": "bool"},
    {"name": "purpose", "type": "string"},
    {"name": "territory", "type": "string"},
    {"name": "quantity", "type": "uint256"},
    {"name": "termsCid", "type": "bytes32"},
]


@dataclass(frozen=True)
class Grant(Operation):
    asset_id: str
    parent_index: int
    terms: GrantTerms

    name = "grant"
    primary_type = "Grant"
    signer_field = "grantor"
    function = "grant"
    by_sig_function = "grantBySig"
    types = {
        "Grant": [
            {"name": "grantor", "type": "address"},
            {"name": "assetId", "type": "bytes32"},
            {"name": "parentIndex", "type": "uint256"},
            {"name": "terms", "type": "GrantTerms"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ],
        "GrantTerms": _TERMS_TYPE,
    }

    def args(self) -> tuple:
        return (_b32(self.asset_id, "asset_id"), self.parent_index, self.terms.as_abi())

    def message(self) -> dict[str, Any]:
        return {"assetId": asset_id_hex(self.asset_id), "parentIndex": self.parent_index,
                "terms": self.terms.message()}

    def to_json(self) -> dict[str, Any]:
        return {"asset_id": asset_id_hex(self.asset_id), "parent_index": self.parent_index,
                "terms": self.terms.to_json()}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Grant":
        if not isinstance(body.get("terms"), dict):
            raise ValidationError("'terms' is required: {grantee, valid_until, purpose, ...}.")
        return cls(asset_id_hex(body.get("asset_id", "")), _int(body, "parent_index", 1),
                   GrantTerms.from_json(body["terms"]))


@dataclass(frozen=True)
class Transfer(Operation):
    asset_id: str
    right_index: int
    to: str

    name = "transfer"
    primary_type = "Transfer"
    signer_field = "holder"
    function = "transfer"
    by_sig_function = "transferBySig"
    types = {
        "Transfer": [
            {"name": "holder", "type": "address"},
            {"name": "assetId", "type": "bytes32"},
            {"name": "rightIndex", "type": "uint256"},
            {"name": "to", "type": "address"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }

    def args(self) -> tuple:
        return (_b32(self.asset_id, "asset_id"), self.right_index, self.to)

    def message(self) -> dict[str, Any]:
        return {"assetId": asset_id_hex(self.asset_id), "rightIndex": self.right_index, "to": self.to}

    def to_json(self) -> dict[str, Any]:
        return {"asset_id": asset_id_hex(self.asset_id), "right_index": self.right_index, "to": self.to}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Transfer":
        return cls(asset_id_hex(body.get("asset_id", "")), _int(body, "right_index", 1),
                   checksum(body.get("to", ""), "recipient"))


@dataclass(frozen=True)
class Revoke(Operation):
    asset_id: str
    right_index: int
    reason_code: int
    evidence_cid: bytes = bytes(32)

    name = "revoke"
    primary_type = "Revoke"
    signer_field = "grantor"
    function = "revoke"
    by_sig_function = "revokeBySig"
    types = {
        "Revoke": [
            {"name": "grantor", "type": "address"},
            {"name": "assetId", "type": "bytes32"},
            {"name": "rightIndex", "type": "uint256"},
            {"name": "reasonCode", "type": "uint16"},
            {"name": "evidenceCid", "type": "bytes32"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }

    def args(self) -> tuple:
        return (_b32(self.asset_id, "asset_id"), self.right_index, self.reason_code, self.evidence_cid)

    def message(self) -> dict[str, Any]:
        return {"assetId": asset_id_hex(self.asset_id), "rightIndex": self.right_index,
                "reasonCode": self.reason_code, "evidenceCid": _hex(self.evidence_cid)}

    def to_json(self) -> dict[str, Any]:
        return {"asset_id": asset_id_hex(self.asset_id), "right_index": self.right_index,
                "reason_code": self.reason_code, "evidence_cid": _hex(self.evidence_cid)}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Revoke":
        return cls(asset_id_hex(body.get("asset_id", "")), _int(body, "right_index", 1),
                   _int(body, "reason_code", 0, 65535), _b32(body.get("evidence_cid", _hex(bytes(32))),
                                                             "evidence_cid"))


@dataclass(frozen=True)
class Renew(Operation):
    asset_id: str
    right_index: int
    valid_until: int

    name = "renew"
    primary_type = "Renew"
    signer_field = "grantor"
    function = "renew"
    by_sig_function = "renewBySig"
    types = {
        "Renew": [
            {"name": "grantor", "type": "address"},
            {"name": "assetId", "type": "bytes32"},
            {"name": "rightIndex", "type": "uint256"},
            {"name": "validUntil", "type": "uint64"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }

    def args(self) -> tuple:
        return (_b32(self.asset_id, "asset_id"), self.right_index, self.valid_until)

    def message(self) -> dict[str, Any]:
        return {"assetId": asset_id_hex(self.asset_id), "rightIndex": self.right_index,
                "validUntil": self.valid_until}

    def to_json(self) -> dict[str, Any]:
        return {"asset_id": asset_id_hex(self.asset_id), "right_index": self.right_index,
                "valid_until": self.valid_until}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Renew":
        return cls(asset_id_hex(body.get("asset_id", "")), _int(body, "right_index", 1),
                   _int(body, "valid_until", 0, 2**32 - 1))


# ─────────────────────────────── listings (ListingRegistry) ───────────────────────────────

LISTING_STATUSES = {m.key: m.value for m in ListingStatus if m is not ListingStatus.NONE}


@dataclass(frozen=True)
class ListingRequest:
    """What an exchange lists and what the holder of the operating right consents to."""

    asset_id: str
    right_index: int
    exchange_listing_id: str
    offer_terms_cid: bytes = bytes(32)
    origin_listing_id: int = 0  # non-zero for a cross-listing (dual listing)

    def as_abi(self) -> tuple:
        return (_b32(self.asset_id, "asset_id"), self.right_index, self.origin_listing_id,
                self.exchange_listing_id, self.offer_terms_cid)

    def to_json(self) -> dict[str, Any]:
        return {"asset_id": asset_id_hex(self.asset_id), "right_index": self.right_index,
                "origin_listing_id": self.origin_listing_id, "exchange_listing_id": self.exchange_listing_id,
                "offer_terms_cid": _hex(self.offer_terms_cid)}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "ListingRequest":
        ref = body.get("exchange_listing_id")
        if not isinstance(ref, str) or not 0 < len(ref) <= 100:
            raise ValidationError("'exchange_listing_id' must be the exchange's own listing id, 1-100 characters.")
        return cls(asset_id_hex(body.get("asset_id", "")), _int(body, "right_index", 1), ref,
                   _b32(body.get("offer_terms_cid", _hex(bytes(32))), "offer_terms_cid"),
                   _int(body, "origin_listing_id", 0, 2**64 - 1))


@dataclass(frozen=True)
class ListingConsent(Operation):
    """The operating-right holder's consent to one exchange listing one product; signed once, offline, and
    handed to the exchange, which submits it with `ListProduct`."""

    exchange: str
    request: ListingRequest

    contract = "ListingRegistry"
    name = "consent"
    primary_type = "ListingConsent"
    signer_field = "holder"
    types = {
        "ListingConsent": [
            {"name": "holder", "type": "address"},
            {"name": "exchange", "type": "address"},
            {"name": "assetId", "type": "bytes32"},
            {"name": "rightIndex", "type": "uint256"},
            {"name": "originListingId", "type": "uint256"},
            {"name": "exchangeListingId", "type": "string"},
            {"name": "offerTermsCid", "type": "bytes32"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint256"},
        ]
    }

    def message(self) -> dict[str, Any]:
        r = self.request
        return {"exchange": self.exchange, "assetId": asset_id_hex(r.asset_id), "rightIndex": r.right_index,
                "originListingId": r.origin_listing_id, "exchangeListingId": r.exchange_listing_id,
                "offerTermsCid": _hex(r.offer_terms_cid)}

    def to_json(self) -> dict[str, Any]:
        return {"exchange": self.exchange, "request": self.request.to_json()}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "ListingConsent":
        return cls(checksum(body.get("exchange", ""), "exchange"), ListingRequest.from_json(body.get("request", {})))


@dataclass(frozen=True)
class ListProduct(Operation):
    """An exchange lists (or cross-lists) a product with the holder's consent: a signature, or none when the
    holder approved by its own transaction (`ApproveListing`)."""

    request: ListingRequest
    holder: str
    deadline: int = 0
    signature: bytes = b""

    contract = "ListingRegistry"
    name = "list"
    function = "list"

    def args(self) -> tuple:
        return (self.request.as_abi(), self.holder, self.deadline, self.signature)


@dataclass(frozen=True)
class ApproveListing(Operation):
    """The holder's consent as its own transaction."""

    exchange: str
    request: ListingRequest

    contract = "ListingRegistry"
    name = "approve_listing"
    function = "approveListing"

    def args(self) -> tuple:
        return (self.exchange, self.request.as_abi())


@dataclass(frozen=True)
class SetListingStatus(Operation):
    listing_id: int
    status: str  # listed | suspended | delisted

    contract = "ListingRegistry"
    name = "set_listing_status"
    function = "setStatus"

    def args(self) -> tuple:
        if self.status not in LISTING_STATUSES:
            raise ValidationError(f"Unknown listing status '{self.status}': use {', '.join(LISTING_STATUSES)}.")
        return (self.listing_id, LISTING_STATUSES[self.status])


# ─────────────────────────────── participants (ParticipantRegistry) ───────────────────────────────

ROLES = {m.key: m.value for m in Role.admissible()}


@dataclass(frozen=True)
class AddParticipant(Operation):
    account: str
    role: str
    participant_name: str
    credit_code: str  # only its hash goes on chain
    endpoint: str = ""

    contract = "ParticipantRegistry"
    name = "add_participant"
    function = "addParticipant"

    def args(self) -> tuple:
        if self.role not in ROLES:
            raise ValidationError(f"Unknown role '{self.role}': use one of {', '.join(ROLES)}.")
        return (checksum(self.account, "participant address"), ROLES[self.role], self.participant_name,
                credit_code_hash(self.credit_code), self.endpoint)


@dataclass(frozen=True)
class SuspendParticipant(Operation):
    account: str
    reason_code: int = 0
    evidence_cid: bytes = bytes(32)

    contract = "ParticipantRegistry"
    name = "suspend_participant"
    function = "suspendParticipant"

    def args(self) -> tuple:
        return (checksum(self.account, "participant address"), self.reason_code, self.evidence_cid)


@dataclass(frozen=True)
class ReinstateParticipant(Operation):
    account: str

    contract = "ParticipantRegistry"
    name = "reinstate_participant"
    function = "reinstateParticipant"

    def args(self) -> tuple:
        return (checksum(self.account, "participant address"),)


# ─────────────────────────────── remarks and the record's lifecycle (DataRegistry) ───────────────────────────────

CANCEL_REASONS = {m.key: m.value for m in CancelReason}


def _simple(name_: str, function_: str, contract_: str, fields: tuple[tuple[str, str], ...]):
    """An operation whose arguments are its fields, converted by kind: 'asset' (0x32-byte id), 'b32' (CID
    digest), 'addr', 'int', 'str', 'bool'. Saves a class body for each of the many one-call operations."""
    converters = {
        "asset": lambda v, f: _b32(v, f),
        "b32": lambda v, f: v if isinstance(v, (bytes, bytearray)) else _b32(v, f),
        "addr": lambda v, f: checksum(v, f),
        "int": lambda v, f: int(v),
        "str": lambda v, f: str(v),
        "bool": lambda v, f: bool(v),
        "bytes2": lambda v, f: v.encode() if isinstance(v, str) else v,
        "bytes1": lambda v, f: v.encode() if isinstance(v, str) else v,
    }

    def args(self) -> tuple:
        return tuple(converters[kind](getattr(self, field), field) for field, kind in fields)

    namespace = {"__annotations__": {field: Any for field, _ in fields}, "args": args, "contract": contract_,
                 "name": name_, "function": function_, "__doc__": f"`{contract_}.{function_}`."}
    return dataclass(frozen=True)(type(name_.title().replace("_", ""), (Operation,), namespace))


Freeze = _simple("freeze", "freeze", "DataRegistry", (("asset_id", "asset"), ("order_reference", "str"),
                                                      ("evidence_cid", "b32")))
ReleaseFreeze = _simple("release_freeze", "releaseFreeze", "DataRegistry",
                        (("asset_id", "asset"), ("evidence_cid", "b32")))
RecordPledge = _simple("record_pledge", "recordPledge", "DataRegistry",
                       (("asset_id", "asset"), ("external_registration_no", "str"), ("pledgee", "addr")))
ReleasePledge = _simple("release_pledge", "releasePledge", "DataRegistry", (("asset_id", "asset"), ("pledge_id", "b32")))
Cancel = _simple("cancel", "cancel", "DataRegistry", (("asset_id", "asset"), ("reason_code", "int"),
                                                      ("evidence_cid", "b32")))
ChangeMetadata = _simple("change_metadata", "changeMetadata", "DataRegistry",
                         (("asset_id", "asset"), ("metadata_cid", "b32"), ("content_hash", "b32")))

# ─────────────────────────────── the registration procedure (RegistrationOffice) ───────────────────────────────

ConfigureRegistrar = _simple("configure_registrar", "configureRegistrar", "RegistrationOffice",
                             (("registrar", "addr"), ("region", "bytes2"), ("code", "bytes1")))
SetPublicityPeriod = _simple("set_publicity_period", "setPublicityPeriod", "RegistrationOffice",
                             (("seconds", "int"),))
ApplyForRegistration = _simple("apply", "applyFor", "RegistrationOffice",
                               (("asset_id", "asset"), ("registrar", "addr"), ("documents_cid", "b32")))
AcceptApplication = _simple("accept", "accept", "RegistrationOffice", (("asset_id", "asset"),))
ReturnApplication = _simple("return_for_material", "returnForMaterial", "RegistrationOffice",
                            (("asset_id", "asset"), ("reason_code", "int"), ("note_cid", "b32")))
ReviewApplication = _simple("review", "review", "RegistrationOffice",
                            (("asset_id", "asset"), ("passed", "bool"), ("reason_code", "int"), ("note_cid", "b32")))
LodgeObjection = _simple("object", "object", "RegistrationOffice",
                         (("asset_id", "asset"), ("reason_code", "int"), ("evidence_cid", "b32")))
ResolveObjection = _simple("resolve_objection", "resolveObjection", "RegistrationOffice",
                           (("asset_id", "asset"), ("objection_id", "int"), ("upheld", "bool"), ("note_cid", "b32")))
CompleteRegistration = _simple("register_certificate", "register", "RegistrationOffice",
                               (("asset_id", "asset"), ("validity_years", "int")))
RenewRegistration = _simple("renew_registration", "renew", "RegistrationOffice",
                            (("asset_id", "asset"), ("validity_years", "int")))

# ─────────────────────────────── attestations (AttestationRegistry) ───────────────────────────────

ATTESTATION_KINDS = {m.key: m.value for m in AttestationKind}


@dataclass(frozen=True)
class Attest(Operation):
    asset_id: str
    kind: str  # appraisal | compliance_certification | quality_evaluation
    value: int = 0
    currency: str = ""
    method: str = ""
    conclusion: str = ""
    report_cid: bytes = bytes(32)
    valid_until: int = 0

    contract = "AttestationRegistry"
    name = "attest"
    function = "attest"

    def args(self) -> tuple:
        if self.kind not in ATTESTATION_KINDS:
            raise ValidationError(f"Unknown attestation kind '{self.kind}': use {', '.join(ATTESTATION_KINDS)}.")
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            raise ValidationError(f"'{self.currency}' is not an ISO 4217 currency code such as CNY.")
        data = (ATTESTATION_KINDS[self.kind], self.value, self.currency.upper().encode().ljust(3, b"\0"),
                self.method, self.conclusion, self.report_cid, self.valid_until)
        return (_b32(self.asset_id, "asset_id"), data)


RevokeAttestation = _simple("revoke_attestation", "revokeAttestation", "AttestationRegistry",
                            (("attestation_id", "int"), ("reason_code", "int")))


@dataclass(frozen=True)
class Forward(Operation):
    """Any operation, signed as an EIP-712 `ForwardRequest` for the registry's ERC-2771 forwarder and relayed
    by anyone: the target contract acts for the signer. The signed message shows the target contract and the
    call data; operations whose signed message should name each field have their own `...BySig` types."""

    target: str  # contract address
    data: bytes
    gas: int
    value: int = 0

    contract = "Forwarder"
    name = "forward"
    by_sig_function = "execute"
    primary_type = "ForwardRequest"
    signer_field = "from"
    types = {
        "ForwardRequest": [
            {"name": "from", "type": "address"},
            {"name": "to", "type": "address"},
            {"name": "value", "type": "uint256"},
            {"name": "gas", "type": "uint256"},
            {"name": "nonce", "type": "uint256"},
            {"name": "deadline", "type": "uint48"},
            {"name": "data", "type": "bytes"},
        ]
    }

    def message(self) -> dict[str, Any]:
        return {"to": self.target, "value": self.value, "gas": self.gas, "data": self.data}

    def typed_data(self, signer: str, nonce: int, deadline: int, chain_id: int, registry: str) -> dict:
        typed = super().typed_data(signer, nonce, deadline, chain_id, registry)
        typed["domain"]["name"] = "DataregForwarder"
        return typed

    def by_sig_args(self, signer: str, deadline: int, signature: bytes) -> tuple:
        return ((signer, self.target, self.value, self.gas, deadline, self.data, signature),)

    def to_json(self) -> dict[str, Any]:
        return {"to": self.target, "data": _hex(self.data), "gas": self.gas, "value": self.value}

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> "Forward":
        data = body.get("data", "")
        if not isinstance(data, str) or not data.startswith("0x"):
            raise ValidationError("'data' must be the call data as 0x hex.")
        try:
            raw = bytes.fromhex(data[2:])
        except ValueError:
            raise ValidationError("'data' must be an even number of hex digits after 0x.") from None
        return cls(checksum(body.get("to", ""), "target contract"), raw, _int(body, "gas", 1, 30_000_000),
                   _int(body, "value", 0, 0))


def credit_code_hash(credit_code: str) -> bytes:
    """What goes on chain for a unified social credit code: its keccak256, so the code itself is not
    published but anyone holding it can check it."""
    from eth_utils import keccak

    return keccak(text=credit_code.strip().upper())


# Operations anyone may relay for their signer, by the name the API's relay endpoint uses.
OPERATIONS: dict[str, type[Operation]] = {op.name: op for op in (Register, Grant, Transfer, Revoke, Renew, Forward)}
