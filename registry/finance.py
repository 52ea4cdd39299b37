"""Accounting documents of data assets (数据资产入表): their shape, their canonical bytes, and the check that a
document is the one a holder committed to on chain (FinanceRecords.AccountingRecorded).

The document is private to the holder and the auditor it names: the API keeps it encrypted and the chain holds
only the SHA-256 digest of its CIDv0. Amounts and dates are guessable, so the document carries a random `salt`
(32 bytes, added when absent): without it, anyone could confirm a guess of its content against the public
commitment by hashing candidates.
"""
from __future__ import annotations

import json
import os
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from registry.chain.types import asset_id_hex, checksum
from registry.content.fingerprint import fingerprint_bytes
from registry.errors import ValidationError
from registry.vocabulary import AccountingCategory, AmortisationMethod

SCHEMA_VERSION = "datareg/accounting/v1"


def _amount(text: str) -> str:
    """A non-negative decimal amount in the currency's main unit with at most two decimals, e.g. "120000.00"."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not a decimal amount such as 120000.00") from None
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"'{text}' must be a non-negative amount with at most two decimals")
    return text


def _key_of(vocabulary: type[AccountingCategory] | type[AmortisationMethod]) -> Any:
    def check(text: str) -> str:
        return vocabulary.from_key(text).key
    return AfterValidator(check)


def _hex_address(text: str) -> str:
    return checksum(text, "address")


def _asset(text: str) -> str:
    return asset_id_hex(text)


Amount = Annotated[str, AfterValidator(_amount)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CostItem(_Model):
    """One item of the cost basis (初始计量成本构成): collection, processing, storage, labour, outsourcing..."""

    item: Annotated[str, Field(min_length=1, max_length=100)]
    amount: Amount


class Impairment(_Model):
    """An impairment loss recognised on a date (资产减值)."""

    date: date
    amount: Amount
    reason: Annotated[str, Field(min_length=1, max_length=400)]


class AccountingDocument(_Model):
    """A holder's accounting record of one asset."""

    schema_: Annotated[str, Field(alias="schema", pattern=f"^{SCHEMA_VERSION}$")] = SCHEMA_VERSION
    asset_id: Annotated[str, AfterValidator(_asset)]
    holder: Annotated[str, AfterValidator(_hex_address)]
    category: Annotated[str, _key_of(AccountingCategory)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    recognised_on: date | None = None
    cost_basis: Annotated[list[CostItem], Field(max_length=100)] = Field(default_factory=list)
    useful_life_months: Annotated[int, Field(ge=1, le=1200)] | None = None
    amortisation_method: Annotated[str, _key_of(AmortisationMethod)] | None = None
    impairments: Annotated[list[Impairment], Field(max_length=100)] = Field(default_factory=list)
    notes: Annotated[str, Field(max_length=2000)] | None = None
    salt: Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _rules(self) -> AccountingDocument:
        category = AccountingCategory.from_key(self.category)
        if category is not AccountingCategory.NOT_RECOGNISED:
            if not self.cost_basis:
                raise ValueError("an asset recognised as inventory or an intangible asset needs its cost basis: "
                                 "add cost_basis items, or set category to not_recognised")
            if self.recognised_on is None:
                raise ValueError("give recognised_on, the date the asset was recognised in the books")
        if category is AccountingCategory.INTANGIBLE_ASSET:
            if self.amortisation_method is None:
                raise ValueError("an intangible asset needs its amortisation_method (straight_line, "
                                 "units_of_production, diminishing_balance or none for an indefinite life)")
            if self.amortisation_method != AmortisationMethod.NONE.key and self.useful_life_months is None:
                raise ValueError("an amortised intangible asset needs its useful_life_months")
        elif self.amortisation_method not in (None, AmortisationMethod.NONE.key) or self.useful_life_months:
            raise ValueError(f"only an intangible asset is amortised: remove amortisation_method and "
                             f"useful_life_months for category '{self.category}'")
        return self

    def cost(self) -> Decimal:
        return sum((Decimal(i.amount) for i in self.cost_basis), Decimal(0))


def parse_accounting(document: Any) -> AccountingDocument:
    """The validated document; a random salt is added when it has none. ValidationError names every problem."""
    if not isinstance(document, dict):
        raise ValidationError("The accounting document must be a JSON object.",
                              [{"field": "", "message": "a JSON object"}])
    if "salt" not in document:
        document = {**document, "salt": "0x" + os.urandom(32).hex()}
    try:
        return AccountingDocument.model_validate(document)
    except pydantic.ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": str(e["msg"]).removeprefix("Value error, ")}
                  for e in exc.errors()]
        summary = "; ".join(f"{e['field'] or 'document'}: {e['message']}" for e in errors)
        raise ValidationError(f"The accounting document is not valid: {summary}.", errors) from None


def canonical_bytes(document: AccountingDocument) -> bytes:
    """What is stored and committed to: sorted keys, no whitespace, UTF-8, absent optional fields left out."""
    plain = document.model_dump(mode="json", by_alias=True, exclude_none=True)
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def committed_document(data: bytes, committed_cid: str, asset_id: str, holder: str) -> dict[str, Any]:
    """The accounting document `data` as JSON, once it is shown to be the one committed to on chain (its CID is
    `committed_cid`) and to be about `asset_id` and `holder`; ValidationError saying which check failed."""
    if fingerprint_bytes(data).cid != committed_cid:
        raise ValidationError(f"The stored accounting document does not match the commitment on chain "
                              f"({committed_cid}): it was altered, or another document was stored under it.")
    try:
        document: dict[str, Any] = json.loads(data)
    except ValueError:
        raise ValidationError("The committed accounting document is not JSON.") from None
    if str(document.get("asset_id", "")).lower() != asset_id.lower() or \
            str(document.get("holder", "")).lower() != holder.lower():
        raise ValidationError(f"The committed accounting document is about asset {document.get('asset_id')} of "
                              f"{document.get('holder')}, not asset {asset_id} of {holder}: the holder committed "
                              "to another asset's document.")
    return document
