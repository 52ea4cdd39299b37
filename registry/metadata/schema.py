"""The metadata document of a registered data asset, modelled on the application fields of the national data
property registration guideline (数据产权登记工作指引（试行）), with the rules the registry enforces.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar, cast

from eth_typing import ChecksumAddress, HexAddress, HexStr
from eth_utils import is_checksum_address, to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)
from pydantic.config import JsonDict, JsonValue
from pydantic_core import PydanticCustomError

from registry import vocabulary
from registry.content.cid import InvalidCid, cid_to_digest
from registry.metadata.codes import (
    CREDIT_CODE_ALPHABET,
    INDUSTRY_SECTIONS,
    PROVINCES,
    credit_code_check_char,
    division_range_text,
    looks_like_resident_id,
    section_divisions,
    section_of_division,
)
from registry.vocabulary import Attribute

SCHEMA_VERSION = "datareg/metadata/v1"
SCHEMA_ID = "https://datareg.dev/schemas/metadata/v1.json"
SCHEMA_TITLE = "datareg data asset metadata, v1 (数据资产登记元数据)"
#: The committed copy of `json_schema()`, shipped with the package.
SCHEMA_PATH = Path(__file__).with_name("schema.json")

#: Bits of `MetadataDocument.attribute_flags()`, the same as the contract's `attributes`.
FLAG_PERSONAL_INFORMATION = Attribute.PERSONAL
FLAG_SENSITIVE_PERSONAL_INFORMATION = Attribute.SENSITIVE
FLAG_EXPORT_ALLOWED = Attribute.EXPORT
FLAG_DERIVED = Attribute.DERIVED


# ── Problems ─────────────────────────────────────────────────────────────────────────────────────────────
# Validators raise PydanticCustomError so pydantic collects every problem in one pass; `validate.py` turns
# them into the registry's messages. "datareg_value" is a finished message about the value at its location;
# "datareg_rule" carries (relative path, message) pairs, so a model-level rule can name the exact field.


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("datareg_value", "{reason}", {"reason": message})


def _rule(problems: list[tuple[str, str]]) -> PydanticCustomError:
    reason = " ".join(f"'{path}': {message}" if path else message for path, message in problems)
    return PydanticCustomError("datareg_rule", "{reason}", {"reason": reason, "problems": tuple(problems)})


# ── Enumerations ─────────────────────────────────────────────────────────────────────────────────────────


class PartyType(StrEnum):
    """Type of party (主体类型): natural_person 自然人, legal_person 法人, other_organisation 非法人组织."""

    NATURAL_PERSON = "natural_person"
    LEGAL_PERSON = "legal_person"
    OTHER_ORGANISATION = "other_organisation"


class SourceType(StrEnum):
    """How the data was obtained (数据来源): collected_or_generated 自行采集或生产, public_crawled 公开数据爬取,
    obtained_by_agreement 协议获取, derived 衍生加工 (processed from other registered assets)."""

    COLLECTED_OR_GENERATED = "collected_or_generated"
    PUBLIC_CRAWLED = "public_crawled"
    OBTAINED_BY_AGREEMENT = "obtained_by_agreement"
    DERIVED = "derived"


class UpdateFrequency(StrEnum):
    """Update frequency (更新频率): once 一次性, realtime 实时, daily 每日, weekly 每周, monthly 每月,
    quarterly 每季度, yearly 每年, irregular 不定期."""

    ONCE = "once"
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"


class DataForm(StrEnum):
    """Form of the data (数据形态): structured 结构化, semi_structured 半结构化, unstructured 非结构化."""

    STRUCTURED = "structured"
    SEMI_STRUCTURED = "semi_structured"
    UNSTRUCTURED = "unstructured"


class PersonalInformation(StrEnum):
    """Personal information under the PIPL (个人信息): none 不含个人信息, personal 含个人信息,
    sensitive_personal 含敏感个人信息."""

    NONE = "none"
    PERSONAL = "personal"
    SENSITIVE_PERSONAL = "sensitive_personal"


class _ChainTerm(StrEnum):
    """A word of the document that the chain stores as a number: the vocabulary's keys, with their codes."""

    @property
    def code(self) -> int:
        """Its number on chain (for a right kind, its bit in a kinds mask is 1 << code)."""
        return int(_CHAIN_TERMS[type(self).__name__][self.name])


_CHAIN_TERMS = {"Classification": vocabulary.Classification, "RightKind": vocabulary.RightKind}


def _chain_terms(name: str, doc: str) -> Any:
    """The document's enum of a vocabulary enum: same members, in the same order, spelled by their keys."""
    # The functional Enum API: mypy reads a call of an enum class as a lookup of one of its members.
    terms = _ChainTerm(name, {m.name: m.key for m in _CHAIN_TERMS[name]}, module=__name__)  # type: ignore[call-arg]
    terms.__doc__ = doc
    return terms


if TYPE_CHECKING:  # built at run time from the vocabulary; to a type checker, words of the chain
    Classification: TypeAlias = _ChainTerm
    RightKind: TypeAlias = _ChainTerm
else:
    Classification = _chain_terms("Classification", """Data classification under the Data Security Law (数据分类分级): general 一般数据, important 重要数据,
        core 核心数据.""")
    RightKind = _chain_terms("RightKind", """The three separated rights (三权分置): holding 数据资源持有权, usage 数据加工使用权,
        operating 数据产品经营权.""")


IndustrySection = StrEnum(  # type: ignore[misc]
    "IndustrySection", {letter: letter for letter in INDUSTRY_SECTIONS}, module=__name__
)
IndustrySection.__doc__ = "GB/T 4754-2017 section (门类): " + "; ".join(
    f"{letter} {name}" for letter, (name, _, _) in INDUSTRY_SECTIONS.items()
) + "."


LegalBasis = StrEnum(  # type: ignore[misc]
    "LegalBasis", {m.name: m.key for m in vocabulary.PersonalInformationBasis}, module=__name__
)
LegalBasis.__doc__ = "The legal basis for processing personal information (个人信息处理的合法性基础, PIPL art. 13): " + \
    "; ".join(f"{m.key} {m.zh}" for m in vocabulary.PersonalInformationBasis) + "."


# ── Value types ──────────────────────────────────────────────────────────────────────────────────────────


# Non-empty text of at most N characters (characters, not bytes: 数据 counts as two).
Text40 = Annotated[str, Field(min_length=1, max_length=40)]
Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text400 = Annotated[str, Field(min_length=1, max_length=400)]


def _check_credit_code(code: str) -> str:
    what = "a unified social credit code (统一社会信用代码)"
    if len(code) != 18:
        raise _problem(f"'{code}' has {len(code)} characters; {what} has exactly 18.")
    wrong = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if wrong:
        listed = ", ".join(f"'{char}'" for char in wrong)
        raise _problem(
            f"'{code}' contains {listed}, which never appear in {what}: it uses digits and capital letters "
            "except I, O, S, V and Z."
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        if looks_like_resident_id(code):
            raise _problem(
                # The number is deliberately not quoted: messages end up in logs.
                "this looks like a resident identity card number (居民身份证号码); metadata documents are "
                "published, so never put ID numbers in them. Natural persons leave credit_code out; the "
                "registrar verifies their identity separately."
            )
        raise _problem(
            f"'{code}' fails the GB 32100-2015 check: its last character is '{code[17]}' but the first 17 "
            f"characters give '{expected}'. A character is probably mistyped; copy the code from the business "
            "licence (营业执照) or registration certificate."
        )
    return code


CreditCode = Annotated[
    str,
    AfterValidator(_check_credit_code),
    Field(json_schema_extra={"pattern": f"^[{CREDIT_CODE_ALPHABET}]{{18}}$"}),
]

_REGION_PATTERN = re.compile(r"[0-9]+")
_REGION_HINT = "write 2, 4 or 6 digits of GB/T 2260 such as '35' (福建省), '3502' (厦门市) or '350203' (思明区)"


def _check_region_code(value: str) -> str:
    if not _REGION_PATTERN.fullmatch(value) or len(value) not in (2, 4, 6):
        raise _problem(f"'{value}' is not a region code; {_REGION_HINT}.")
    if value[:2] not in PROVINCES:
        raise _problem(
            f"'{value}' does not start with a GB/T 2260 province code ('{value[:2]}' is not one); {_REGION_HINT}."
        )
    return value


RegionCode = Annotated[
    str, AfterValidator(_check_region_code), Field(json_schema_extra={"pattern": "^[0-9]{2}([0-9]{2}){0,2}$"})
]


def _check_region_or_place(value: str) -> str:
    # Digits are a region code and must be a real one; anything else is a place named in words.
    return _check_region_code(value) if _REGION_PATTERN.fullmatch(value) else value


RegionOrPlace = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_check_region_or_place)]

_HEX32 = re.compile(r"0x[0-9a-fA-F]{64}")


def _hex32(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not _HEX32.fullmatch(value):
            raise _problem(f"'{value}' is not {what}; write 0x followed by 64 hexadecimal digits.")
        return value.lower()

    return check


_HEX32_SCHEMA = Field(json_schema_extra={"pattern": "^0x[0-9a-fA-F]{64}$"})
AssetId = Annotated[str, AfterValidator(_hex32("an asset id")), _HEX32_SCHEMA]
Sha256Hex = Annotated[str, AfterValidator(_hex32("a SHA-256 digest")), _HEX32_SCHEMA]


def _check_address(value: str) -> ChecksumAddress:
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise _problem(f"'{value}' is not an account address; write 0x followed by 40 hexadecimal digits.")
    if value[2:] != value[2:].lower() and value[2:] != value[2:].upper() and not is_checksum_address(value):
        raise _problem(
            f"'{value}' has a wrong EIP-55 checksum (its mix of capitals), so a character is probably mistyped; "
            "copy the address again from the wallet, or write it all in lower case."
        )
    return to_checksum_address(value)


def _check_cid(value: str) -> str:
    try:
        if not value.startswith("Qm"):
            raise InvalidCid(value)
        cid_to_digest(value)
    except InvalidCid:
        raise _problem(f"'{value}' is not a CIDv0 (Qm followed by 44 base58 characters, as `ipfs add` or "
                       "`datareg fingerprint` prints it).") from None
    return value


CidV0 = Annotated[str, AfterValidator(_check_cid), Field(json_schema_extra={"pattern": "^Qm[1-9A-HJ-NP-Za-km-z]{44}$"})]


EvmAddress = Annotated[
    str, AfterValidator(_check_address), Field(json_schema_extra={"pattern": "^0x[0-9a-fA-F]{40}$"})
]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(value: Any) -> Any:
    # Only calendar dates written YYYY-MM-DD: no timestamps, no datetimes, nothing pydantic would coerce.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _problem(f"'{value}' is not a date on the calendar; check the month and the day.") from None
    shown = f"'{value}'" if isinstance(value, str) else repr(value)
    raise _problem(f"{shown} is not a date; write it as YYYY-MM-DD in quotes, e.g. \"2024-01-01\".")


IsoDate = Annotated[date, BeforeValidator(_parse_date)]


def _check_division(value: str) -> str:
    if not (len(value) == 2 and section_of_division(value)):
        raise _problem(
            f"'{value}' is not a GB/T 4754-2017 division (大类); divisions are two digits from '01' to '97'."
        )
    return value


Division = Annotated[
    str,
    AfterValidator(_check_division),
    Field(json_schema_extra={"pattern": "^(0[1-9]|[1-8][0-9]|9[0-7])$"}),
]


_UNIQUE = Field(json_schema_extra={"uniqueItems": True})


def _no_duplicates(items: list[Any]) -> list[Any]:
    repeated = [item for item, count in Counter(items).items() if count > 1]
    if repeated:
        listed = ", ".join(f"'{item}'" for item in repeated)
        raise _problem(f"lists {listed} more than once; name each one once.")
    return items


_Item = TypeVar("_Item")
#: A non-empty list naming each item once.
UniqueList = Annotated[list[_Item], Field(min_length=1), _UNIQUE, AfterValidator(_no_duplicates)]


def _canonical_kinds(kinds: list[RightKind]) -> list[RightKind]:
    # A set of rights: always written holding, usage, operating so the document's bytes do not depend on order.
    return sorted(_no_duplicates(kinds), key=lambda kind: kind.code)


def _any_given(*names: str) -> dict[str, Any]:
    """JSON Schema for "at least one of these optional fields is given and not null"."""
    return {"anyOf": [{"required": [name], "not": {"properties": {name: {"type": "null"}}}} for name in names]}


# JSON Schema fragments for a kinds list: it includes the holding right / it leaves out the operating right.
_WITH_HOLDING: JsonDict = {"contains": {"const": vocabulary.RightKind.HOLDING.key}}
_WITHOUT_OPERATING: JsonDict = {"not": {"contains": {"const": vocabulary.RightKind.OPERATING.key}}}


# ── Models ───────────────────────────────────────────────────────────────────────────────────────────────


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PersonalInformationBasis(_Model):
    """Why the data's personal information may be processed, and the evidence of it (个人信息处理的合法性基础):
    required when personal_information is not none. Shown only to the parties to the registration and regulators,
    like the applicant's contact details."""

    basis: LegalBasis = Field(title="Legal basis 合法性基础", description="consent, contract, statutory_duty or "
                              "anonymised (PIPL art. 13; anonymised data is no longer personal information, art. 4).")
    evidence_cid: CidV0 = Field(title="Evidence 证明材料", description="CIDv0 of the evidence: the consent records "
                                "or their sample and the consent text, the contract, the legal provision and duty, "
                                "or the anonymisation assessment; store it with POST /v1/content?private=true.")


class Contact(_Model):
    """Contact for the application (联系方式); give at least one of name, phone and email."""

    model_config = ConfigDict(json_schema_extra=_any_given("name", "phone", "email"))

    name: Text40 | None = Field(None, title="Contact person 联系人", description="Contact person (联系人).")
    phone: Annotated[str, Field(pattern=r"^[0-9+\-() ]{5,30}$")] | None = Field(
        None, title="Phone 联系电话", description="Phone number (联系电话), e.g. 0592-1234567."
    )
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=100)] | None = Field(
        None, title="Email 电子邮箱", description="Email address (电子邮箱)."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Contact:
        if self.name is None and self.phone is None and self.email is None:
            raise _rule([("", "give at least one of name, phone and email, or leave contact out.")])
        return self


class Applicant(_Model):
    """The applicant (申请人): who applies for the registration."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"type": {"enum": [PartyType.LEGAL_PERSON.value, PartyType.OTHER_ORGANISATION.value]}},
                "required": ["type"],
            },
            "then": {"required": ["credit_code"], "properties": {"credit_code": {"type": "string"}}},
        }
    )

    name: Text100 = Field(title="Applicant name 申请人名称", description="Full legal name (申请人名称), as on the licence.")
    type: PartyType = Field(
        title="Applicant type 申请人类型", description="Natural person, legal person or other organisation (主体类型)."
    )
    credit_code: CreditCode | None = Field(
        None,
        title="Unified social credit code 统一社会信用代码",
        description=(
            "Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters with a check character. "
            "Required for legal persons and other organisations. Natural persons leave it out (or give the code of "
            "their individual business, 个体工商户): ID numbers never go in a published document."
        ),
    )
    contact: Contact | None = Field(None, title="Contact 联系方式", description="Contact for the application (联系方式).")

    @model_validator(mode="after")
    def _organisations_give_credit_code(self) -> Applicant:
        if self.type is not PartyType.NATURAL_PERSON and self.credit_code is None:
            raise _rule([(
                "credit_code",
                f"an applicant of type '{self.type.value}' must give its unified social credit code "
                "(统一社会信用代码), the 18 characters on its business licence or registration certificate; add it.",
            )])
        return self


class Industry(_Model):
    """Industry of the data (所属行业), GB/T 4754-2017: a section and, optionally, a division within it."""

    model_config = ConfigDict(
        json_schema_extra={
            # The division must lie within its section: one if/then per section.
            "allOf": [
                {
                    "if": {"properties": {"section": {"const": letter}}, "required": ["section"]},
                    "then": {"properties": {"division": {"enum": cast("list[JsonValue]", section_divisions(letter))}}},
                }
                for letter in INDUSTRY_SECTIONS
            ]
        }
    )

    section: IndustrySection = Field(title="Section 门类", description="GB/T 4754-2017 section letter A–T (门类).")
    division: Division | None = Field(
        None,
        title="Division 大类",
        description='GB/T 4754-2017 division (大类): two digits in quotes, within the section, e.g. "54" under G.',
    )

    @model_validator(mode="after")
    def _division_within_section(self) -> Industry:
        if self.division is not None:
            actual = section_of_division(self.division)
            assert actual is not None  # _check_division let only divisions of the table through
            if actual != self.section:
                covers = division_range_text(self.section)
                raise _rule([(
                    "division",
                    f"division '{self.division}' is not under section '{self.section}' (GB/T 4754-2017: "
                    f"{self.section} covers {covers}); '{self.division}' belongs to section '{actual}' "
                    f"({INDUSTRY_SECTIONS[actual][0]}). Use a division in {covers} or change the section.",
                )])
        return self


class DateRange(_Model):
    """A span of calendar dates (起止日期), inclusive; no end means open-ended (持续)."""

    start: IsoDate = Field(title="Start 开始日期", description="First day (开始日期), YYYY-MM-DD.")
    end: IsoDate | None = Field(
        None, title="End 结束日期", description="Last day (结束日期), YYYY-MM-DD, on or after start; leave out if open-ended."
    )

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRange:
        if self.end is not None and self.end < self.start:
            raise _rule([(
                "end",
                f"{self.end.isoformat()} is before the start {self.start.isoformat()}; the end must be on or after "
                "the start (swap them if they are reversed).",
            )])
        return self


class Volume(_Model):
    """Data volume (数据规模); give at least one of records, bytes and description."""

    model_config = ConfigDict(json_schema_extra=_any_given("records", "bytes", "description"))

    records: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, title="Records 记录数", description="Number of records or rows (记录数)."
    )
    bytes: Annotated[StrictInt, Field(ge=0)] | None = Field(
        None, title="Bytes 数据量（字节）", description="Size in bytes (数据量，字节)."
    )
    description: Text200 | None = Field(
        None, title="Description 规模说明", description="Volume in words (规模说明), e.g. 约1.2亿条/年."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Volume:
        if self.records is None and self.bytes is None and self.description is None:
            raise _rule([("", "give at least one of records, bytes and description.")])
        return self


class Restrictions(_Model):
    """Restrictions on use and trade (使用限制), shown publicly during the publicity period."""

    eligible_user_types: UniqueList[PartyType] | None = Field(
        None,
        title="Eligible user types 适用主体类型",
        description="Types of party that may acquire the data (适用主体类型); leave out if any type may.",
    )
    buyer_qualifications: list[Text200] = Field(
        default_factory=list,
        title="Buyer qualifications 受让方资质要求",
        description="Qualifications a buyer must have (受让方资质要求), each in words; empty if none.",
    )
    buyer_environment: Text200 | None = Field(
        None,
        title="Buyer environment 使用环境要求",
        description="Where the data may be used (使用环境要求), e.g. 隐私计算平台内使用，原始数据不出域.",
    )
    buyer_regions: UniqueList[RegionCode] | None = Field(
        None,
        title="Buyer regions 受让方地域限制",
        description="GB/T 2260 region codes buyers must be registered in (受让方地域限制); leave out if anywhere.",
    )
    resale_allowed: StrictBool = Field(title="Resale allowed 是否允许转售", description="Whether buyers may resell (是否允许转售).")
    export_allowed: StrictBool = Field(
        title="Export allowed 是否允许出境",
        description="Whether the data may leave the country (是否允许出境); must be stated explicitly.",
    )


class RightEntry(_Model):
    """One right holder in the rights configuration (权利配置): who holds which of the three rights."""

    holder_name: Text100 = Field(title="Holder name 权利人名称", description="Name of the right holder (权利人名称).")
    credit_code: CreditCode | None = Field(
        None,
        title="Unified social credit code 统一社会信用代码",
        description="The holder's unified social credit code (统一社会信用代码), if an organisation.",
    )
    address: EvmAddress | None = Field(
        None,
        title="Account address 链上账户地址",
        description="The holder's account on the chain (链上账户地址), 0x + 40 hex digits; written back EIP-55 checksummed.",
    )
    kinds: Annotated[list[RightKind], Field(min_length=1), _UNIQUE, AfterValidator(_canonical_kinds)] = Field(
        title="Right kinds 权利类型",
        description="Rights this holder holds (权利类型): one or more of holding, usage, operating, each once.",
    )
    term: DateRange | None = Field(None, title="Term 权利期限", description="Term of the rights (权利期限); leave out if none.")
    limits: Text400 | None = Field(
        None, title="Limits 权利行使限制", description="Agreed limits on exercising the rights (权利行使限制，备注)."
    )


class MetadataDocument(_Model):
    """Metadata of a registered data asset (数据资产登记元数据), after the application fields of the national
    data property registration guideline. Rules this JSON Schema cannot express, which the registry also
    enforces: credit codes must pass the GB 32100-2015 check character; region codes start with a GB/T 2260
    province code; time_scope and term end on or after their start; mixed-case addresses carry a valid EIP-55
    checksum."""

    model_config = ConfigDict(
        title=SCHEMA_TITLE,
        json_schema_extra={
            "allOf": [
                {
                    "if": {
                        "properties": {"source_type": {"const": SourceType.DERIVED.value}},
                        "required": ["source_type"],
                    },
                    "then": {"required": ["sources"], "properties": {"sources": {"minItems": 1}}},
                    "else": {"properties": {"sources": {"maxItems": 0}}},
                },
                {"properties": {"rights": {"contains": {"properties": {"kinds": _WITH_HOLDING}}}}},
                {
                    "if": {
                        "properties": {"source_type": {"const": SourceType.PUBLIC_CRAWLED.value}},
                        "required": ["source_type"],
                    },
                    "then": {"properties": {"rights": {"items": {"properties": {"kinds": _WITHOUT_OPERATING}}}}},
                },
            ]
        },
    )

    schema_version: Literal["datareg/metadata/v1"] = Field(
        title="Schema version 模式版本", description='Schema version (模式版本): always "datareg/metadata/v1".'
    )
    name: Text40 = Field(
        title="Data name 数据名称",
        description="Data name (数据名称), at most 40 characters; say time, region, industry and content.",
    )
    summary: Text400 = Field(
        title="Summary 数据摘要", description="Summary (数据摘要), at most 400 characters; shown publicly."
    )
    applicant: Applicant = Field(title="Applicant 申请人", description="Who applies for the registration (申请人).")
    industry: Industry = Field(title="Industry 所属行业", description="Industry of the data, GB/T 4754-2017 (所属行业).")
    source_type: SourceType = Field(title="Source 数据来源", description="How the data was obtained (数据来源).")
    sources: Annotated[list[AssetId], _UNIQUE, AfterValidator(_no_duplicates)] = Field(
        default_factory=list,
        title="Source assets 来源资产",
        description=(
            "Registered assets the data was derived from (来源资产), as asset ids (0x + 64 hex digits): required "
            "and non-empty when source_type is derived, empty otherwise."
        ),
    )
    geographic_scope: Annotated[list[RegionOrPlace], Field(min_length=1)] = Field(
        title="Geographic scope 地域范围",
        description='Regions the data covers (地域范围): GB/T 2260 codes such as "3502" and/or places in words (全国).',
    )
    time_scope: DateRange = Field(title="Time scope 时间范围", description="Period the data covers (时间范围).")
    update_frequency: UpdateFrequency = Field(
        title="Update frequency 更新频率", description="How often the data is updated (更新频率)."
    )
    volume: Volume = Field(title="Volume 数据规模", description="How much data there is (数据规模).")
    form: DataForm = Field(title="Form 数据形态", description="Structured, semi-structured or unstructured (数据形态).")
    classification: Classification = Field(
        title="Classification 数据分级", description="General, important or core data (数据分类分级)."
    )
    personal_information: PersonalInformation = Field(
        title="Personal information 个人信息",
        description="Whether the data contains personal or sensitive personal information (个人信息).",
    )
    personal_information_basis: PersonalInformationBasis | None = Field(
        None, title="Personal information basis 个人信息处理依据",
        description="Required when personal_information is personal or sensitive_personal: the legal basis and its "
                    "evidence. Withheld from readers who are not parties to the registration.")
    restrictions: Restrictions = Field(title="Restrictions 使用限制", description="Restrictions on use and trade (使用限制).")
    rights: Annotated[list[RightEntry], Field(min_length=1)] = Field(
        title="Rights configuration 权利配置",
        description="Who holds which rights (权利配置); the same right may be held by several parties.",
    )
    keywords: Annotated[list[Text40], Field(max_length=20)] = Field(
        default_factory=list, title="Keywords 关键词", description="Keywords (关键词), at most 20."
    )
    format: Text40 | None = Field(
        None, title="Format 数据格式", description="File format or delivery (数据格式), e.g. csv, parquet, api."
    )
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = Field(
        None, title="Language 语言", description="Language of the content as a BCP 47 tag (语言), e.g. zh-CN."
    )
    data_fingerprint: Sha256Hex | None = Field(
        None, title="Data fingerprint 数据指纹", description="SHA-256 of the data file (数据指纹), 0x + 64 hex digits."
    )

    @model_validator(mode="after")
    def _policy_rules(self) -> MetadataDocument:
        problems: list[tuple[str, str]] = []
        if self.source_type is SourceType.DERIVED and not self.sources:
            problems.append((
                "sources",
                "derived data must name the assets it was derived from; add their asset ids (0x + 64 hex digits), "
                "or change source_type if the data is not derived.",
            ))
        if self.source_type is not SourceType.DERIVED and self.sources:
            problems.append((
                "sources",
                f"only derived data names source assets, but source_type is '{self.source_type.value}'; remove "
                "sources or set source_type to 'derived'.",
            ))
        if self.source_type is SourceType.PUBLIC_CRAWLED:
            for position, entry in enumerate(self.rights):
                if vocabulary.RightKind.OPERATING.key in entry.kinds:
                    problems.append((
                        f"rights.{position}.kinds",
                        "publicly crawled data (public_crawled) may register only the holding and usage rights, "
                        "not the operating right (数据产品经营权); remove 'operating'.",
                    ))
        if not any(vocabulary.RightKind.HOLDING.key in entry.kinds for entry in self.rights):
            problems.append((
                "rights",
                "no entry holds the holding right (数据资源持有权); every registration names at least one holder "
                "of it, so add 'holding' to the kinds of the party that holds the data.",
            ))
        if self.personal_information is not PersonalInformation.NONE and self.personal_information_basis is None:
            problems.append((
                "personal_information_basis",
                "data with personal information needs the legal basis of its processing and the evidence of it "
                "(个人信息处理的合法性基础): add personal_information_basis with basis (consent, contract, "
                "statutory_duty or anonymised) and evidence_cid.",
            ))
        if self.personal_information is PersonalInformation.NONE and self.personal_information_basis is not None:
            problems.append((
                "personal_information_basis",
                "personal_information is none, so there is no personal information to give a basis for; remove "
                "personal_information_basis or set personal_information.",
            ))
        if problems:
            raise _rule(problems)
        return self

    # ── What the chain layer reads ──

    def classification_code(self) -> int:
        """0 general, 1 important, 2 core: the contract's `classification`."""
        return self.classification.code

    def attribute_flags(self) -> int:
        """The contract's `attributes` bits: FLAG_PERSONAL_INFORMATION (bit 0, also set for sensitive personal
        information, which is personal information too), FLAG_SENSITIVE_PERSONAL_INFORMATION (bit 1),
        FLAG_EXPORT_ALLOWED (bit 2) and FLAG_DERIVED (bit 3).

        The contract sets bit 3 itself from a registration's sources and refuses it set by hand: clear it with
        `& ~FLAG_DERIVED` before sending; it is here so that off-chain filters use the same bits.
        """
        flags = 0
        if self.personal_information is not PersonalInformation.NONE:
            flags |= FLAG_PERSONAL_INFORMATION
        if self.personal_information is PersonalInformation.SENSITIVE_PERSONAL:
            flags |= FLAG_SENSITIVE_PERSONAL_INFORMATION
        if self.restrictions.export_allowed:
            flags |= FLAG_EXPORT_ALLOWED
        if self.source_type is SourceType.DERIVED:
            flags |= FLAG_DERIVED
        return flags

    def rights_kinds_by_address(self) -> dict[ChecksumAddress, set[RightKind]]:
        """Rights per account over all entries that give an address, merged when an account appears twice, in
        ascending address order (the order the contract wants its first holders in)."""
        merged: dict[ChecksumAddress, set[RightKind]] = {}
        for entry in self.rights:
            if entry.address is not None:
                merged.setdefault(ChecksumAddress(HexAddress(HexStr(entry.address))), set()).update(entry.kinds)
        return dict(sorted(merged.items(), key=lambda item: int(item[0], 16)))


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of metadata documents (draft 2020-12), as committed in `schema.json`."""
    generated = _unwrap_descriptions(MetadataDocument.model_json_schema())
    generated.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        **generated,
    }


def _unwrap_descriptions(node: Any) -> Any:
    # Docstrings are wrapped for the source file; in the published schema each description is one line.
    if isinstance(node, dict):
        return {
            key: " ".join(value.split())
            if key == "description" and isinstance(value, str)
            else _unwrap_descriptions(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_unwrap_descriptions(item) for item in node]
    return node


def schema_file_text() -> str:
    """`json_schema()` exactly as `schema.json` holds it: two-space indent, Chinese unescaped, final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
