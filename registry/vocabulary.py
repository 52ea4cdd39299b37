"""The registry's vocabulary, in one place: every enum and bit flag of the contracts, and the numbered codes the
contracts carry as plain numbers, each member with its stable name and its Chinese and English labels.

Everything else imports these: the chain client, the metadata schema, the indexer, the store's read-side rules,
the API (which serves them at GET /v1/vocabulary, so the explorer keeps no copy) and the CLI. The enums mirror the
contracts' Solidity enums member by member, in order; tests/test_vocabulary.py reads the contracts' sources and
fails on any difference, so adding a member is: add it to the contract, add it here with its labels.

A member's `key` is its name in lower case: the word the API and the CLI use (`holding`, `exchange`, `publicity`).
"""
from __future__ import annotations

import enum
import functools
from typing import Any, Self

from registry.errors import ValidationError


class Term(enum.IntEnum):
    """An IntEnum whose members are declared as `NAME = value, "中文", "English"`."""

    zh: str
    en: str

    def __new__(cls, value: int, zh: str = "", en: str = "") -> "Term":
        member = int.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    @functools.cached_property
    def key(self) -> str:
        """The stable name the API and the CLI use (remembered: answers ask for it thousands of times)."""
        return self.name.lower()

    @classmethod
    def keys(cls) -> list[str]:
        return [m.key for m in cls]

    @classmethod
    def from_key(cls, text: str, what: str | None = None) -> Self:
        """The member named `text` (its key), or a ValidationError listing the keys."""
        for member in cls:
            if member.key == text:
                return member
        raise ValidationError(f"Unknown {what or _words(cls.__name__)} '{text}': use one of {', '.join(cls.keys())}.")

    @classmethod
    def from_text(cls, text: str, what: str | None = None) -> Self:
        """The member named `text` (its key, any case) or numbered `text`; a ValidationError listing the choices
        (name and number) for anything else: how the CLI takes a code."""
        text = str(text).strip()
        for member in cls:
            if member.key == text.lower() or (text.isascii() and text.isdigit() and member.value == int(text)):
                return member
        choices = ", ".join(f"{m.key} ({m.value})" for m in cls)
        raise ValidationError(f"Unknown {what or _words(cls.__name__)} '{text}': use one of {choices}.")

    @classmethod
    def labels(cls, value: int | None) -> dict[str, Any]:
        """A code as the API answers it beside the number: its key and labels, null for a code not listed."""
        try:
            member = cls(value) if value is not None else None
        except ValueError:
            member = None
        return {"key": member.key if member else None, "zh": member.zh if member else None,
                "en": member.en if member else None}

    @classmethod
    def key_of(cls, value: int | None, default: str | None = None) -> str | None:
        """The key of the member numbered `value`; `default` (or the number as text) for a number it lacks."""
        try:
            return cls(value).key if value is not None else default
        except ValueError:
            return default if default is not None else (None if value is None else str(value))


def _words(name: str) -> str:
    return "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()


# ─────────────────────────────── DataRegistry ───────────────────────────────


class RightKind(Term):
    """IDataRegistry.RightKind: the three separated rights (三权分置)."""

    HOLDING = 0, "数据资源持有权", "Holding right"
    USAGE = 1, "数据加工使用权", "Processing and usage right"
    OPERATING = 2, "数据产品经营权", "Product operating right"

    @property
    def label(self) -> str:
        return self.key

    @property
    def label_zh(self) -> str:
        return self.zh

    @property
    def short_zh(self) -> str:
        return {0: "持有权", 1: "使用权", 2: "经营权"}[self.value]

    @property
    def mask(self) -> int:
        """Its bit in a holder's kinds mask (IDataRegistry.RightHolder.kinds)."""
        return 1 << self.value

    @classmethod
    def parse(cls, text: str) -> "RightKind":
        aliases = {m.key: m for m in cls} | {m.short_zh: m for m in cls} | {
            "hold": cls.HOLDING, "use": cls.USAGE, "processing": cls.USAGE, "加工使用权": cls.USAGE,
            "operation": cls.OPERATING,
        }
        kind = aliases.get(text.strip().lower()) if isinstance(text, str) else None
        if kind is None:
            raise ValidationError(
                f"Unknown right kind '{text}'. Use one of: {', '.join(cls.keys())} "
                f"({', '.join(m.short_zh for m in cls)})."
            )
        return kind


class AssetStatus(Term):
    """IDataRegistry.AssetStatus: the lifecycle of an asset record."""

    NONE = 0, "不存在", "none"
    ACTIVE = 1, "正常", "active"
    CANCELLED = 2, "已注销", "cancelled"


class Validity(Term):
    """IDataRegistry.Validity: whether a right can be exercised now, and if not, why."""

    VALID = 0, "有效", "valid"
    NO_SUCH_RIGHT = 1, "权利不存在", "no such right"
    ASSET_NOT_ACTIVE = 2, "资产已注销", "asset not active"
    REVOKED = 3, "已撤销", "revoked"
    NOT_YET_VALID = 4, "尚未生效", "not yet valid"
    EXPIRED = 5, "已到期", "expired"
    PENDING = 6, "待指定权利人接受", "pending: the named holder has not accepted it"
    AUTHORISATION_LAPSED = 7, "公共数据授权已失效", "public-data authorisation lapsed (revoked, ended, licence lapsed)"


class PledgedOperation(Term):
    """IDataRegistry.PledgedOperation: what a pledgee may consent to while its pledge stands."""

    TRANSFER = 0, "转让经营权", "transfer of the operating right"
    GRANT = 1, "授权经营权", "grant from the operating right"
    CANCEL = 2, "注销登记", "cancellation of the record"


class Classification(Term):
    """The `classification` of a registration (uint8 on chain): 数据分类分级 under the Data Security Law."""

    GENERAL = 0, "一般数据", "general data"
    IMPORTANT = 1, "重要数据", "important data"
    CORE = 2, "核心数据", "core data"

    @property
    def label(self) -> str:
        return self.key


class Attribute(enum.IntFlag):
    """The `attributes` bits of a registration (DataRegistry's ATTR_* constants). The contract sets DERIVED itself
    from a registration's sources and refuses it set by hand."""

    PERSONAL = 0x01  # 含个人信息
    SENSITIVE = 0x02  # 含敏感个人信息
    EXPORT = 0x04  # 允许出境
    DERIVED = 0x08  # 衍生数据
    PUBLIC = 0x10  # 公共数据 (bound to an authorisation, or derived from such data): set by the contract


ATTRIBUTE_LABELS = {
    Attribute.PERSONAL: ("含个人信息", "personal information"),
    Attribute.SENSITIVE: ("含敏感个人信息", "sensitive personal information"),
    Attribute.EXPORT: ("允许出境", "export allowed"),
    Attribute.DERIVED: ("衍生数据", "derived"),
    Attribute.PUBLIC: ("公共数据", "public data"),
}


class RevocationReason(Term):
    """The `reasonCode` of a revocation (uint16 on chain; IDataRegistry.RightRevoked)."""

    BREACH_OF_TERMS = 1, "违反授权条款", "breach of terms"
    USE_BEYOND_PURPOSE = 2, "超出用途使用", "use beyond purpose"
    SECURITY_INCIDENT = 3, "安全事件", "security incident"
    GRANTEE_REQUEST = 4, "被授权人申请", "at the grantee's request"
    COURT_OR_REGULATOR_ORDER = 5, "法院或监管机关命令", "order of a court or regulator"
    OTHER = 99, "其他", "other"


class AuthorisationStanding(Term):
    """IPublicDataAuthorisation.Standing: whether an authorisation (and a party under it) is in force now."""

    IN_FORCE = 0, "有效", "in force"
    NO_SUCH_AUTHORISATION = 1, "授权不存在", "no such authorisation"
    REVOKED = 2, "授权已撤销", "revoked by the authority"
    NOT_YET_IN_FORCE = 3, "授权尚未生效", "not yet in force"
    EXPIRED = 4, "授权已到期", "its term has ended"
    NOT_LICENSED = 5, "非授权运营主体", "neither the operator nor a licensed second-level operator"
    LICENCE_REVOKED = 6, "二级授权已撤销", "the second-level licence was revoked"
    LICENCE_EXPIRED = 7, "二级授权已到期", "the second-level licence has ended"


class AuthorisationRevocationReason(Term):
    """The `reasonCode` of IPublicDataAuthorisation.AuthorisationRevoked and LicenceRevoked (uint16 on chain)."""

    BREACH_OF_CONDITIONS = 1, "违反授权条件或运营行为规范", "breach of the conditions of operation"
    SECURITY_INCIDENT = 2, "数据安全事件", "data security incident"
    PUBLIC_INTEREST = 3, "公共利益需要或授权范围调整", "public interest or a change of scope"
    OPERATOR_REQUEST = 4, "运营主体申请", "at the operator's request"
    COURT_OR_REGULATOR_ORDER = 5, "法院或监管机关命令", "order of a court or regulator"
    OTHER = 99, "其他", "other"


class CancelReason(Term):
    """The `reasonCode` of a cancellation (uint16 on chain; IDataRegistry.AssetCancelled)."""

    REQUEST = 1, "登记主体申请", "at the registrant's request"
    DATA_DESTROYED = 2, "数据已销毁", "data destroyed"
    OBJECTION_UPHELD = 3, "异议成立", "objection upheld"
    BY_REGISTRAR = 4, "登记机构注销", "by the registrar"


# ─────────────────────────────── reason codes (uint16 on chain, no Solidity enum) ───────────────────────────────
# The contracts carry these as plain numbers; the registry gives each a stable name and labels. A code a contract
# receives that is not listed here is shown as its number with no label (`reason_label` null).


class RefusalReason(Term):
    """Why an application ends without registration: the review terminates it (IRegistrationOffice.
    ApplicationTerminated), the registration is refused (RegistrationRefused: the office itself gives 3 when an
    objection is upheld), a change or a renewal is refused (ChangeReviewed, RenewalRefused). The first four are the
    refusal grounds of the national guideline (数据产权登记工作指引（试行）); the rest are what the review checks."""

    NATIONAL_SECURITY = 1, "危害国家安全或者社会公共利益", "endangers national security or the public interest"
    UNLAWFUL_SOURCE = 2, "数据来源不合法", "unlawful source of the data"
    OWNERSHIP_DISPUTE = 3, "权属存在争议（异议成立）", "pending ownership dispute (an objection was upheld)"
    FALSE_APPLICATION = 4, "申请材料虚假", "false application"
    INACCURATE_DESCRIPTION = 5, "数据描述不准确", "the description of the data is not accurate"
    RIGHTS_UNCLEAR = 6, "权利不清晰", "the rights are not clear"
    PROCESSED_ON_BEHALF = 7, "受托加工数据不予登记", "data processed on another party's behalf may not be registered"
    OTHER = 99, "其他", "other"


class ReturnReason(Term):
    """Why an application is returned for material (IRegistrationOffice.ApplicationReturned): the guideline's
    one-time request for what is missing."""

    MISSING_MATERIAL = 1, "申请材料不齐全", "application material missing"
    MATERIAL_NOT_IN_FORM = 2, "申请材料不符合规定形式", "material not in the required form"
    INCONSISTENT = 3, "申请信息与材料不一致", "the application and its material disagree"
    OTHER = 99, "其他", "other"


class ObjectionReason(Term):
    """Why a participant objects during publicity (IRegistrationOffice.ObjectionLodged)."""

    UNLAWFUL_SOURCE = 1, "数据来源不合法", "unlawful source of the data"
    OWNERSHIP_DISPUTE = 2, "权属争议", "ownership dispute"
    INACCURATE_DESCRIPTION = 3, "数据描述不实", "the description is not true"
    INFRINGES_RIGHTS = 4, "侵犯他人合法权益", "infringes another party's lawful rights"
    PUBLIC_INTEREST = 5, "危害国家安全或者社会公共利益", "endangers national security or the public interest"
    OTHER = 99, "其他", "other"


class SuspensionReason(Term):
    """Why the council suspends a participant (IParticipantRegistry.ParticipantSuspended)."""

    VIOLATION = 1, "违法违规", "violation of law or rules"
    LICENCE_REVOKED = 2, "资质被撤销", "licence revoked"
    REQUEST = 3, "本方申请", "at its own request"
    OTHER = 99, "其他", "other"


class AttestationRevocationReason(Term):
    """Why an issuer revokes an attestation (IAttestationRegistry.AttestationRevoked)."""

    ERROR = 1, "结论有误", "the conclusion was wrong"
    DATA_CHANGED = 2, "数据已变化", "the data changed"
    FRAUD = 3, "材料虚假", "false material"
    OTHER = 99, "其他", "other"


class FreezeRelease(Term):
    """How a freeze order ended (IDataRegistry.AssetFreezeReleased): by its issuing regulator, or by the council
    admin with a recorded reason (`byAdmin`; the reason is a document, its CID on chain)."""

    BY_REGULATOR = 1, "原查封机关解除", "released by its issuing regulator"
    BY_ADMIN = 2, "理事会管理员解除（附理由）", "released by the council admin, with a recorded reason"


# ─────────────────────────────── the legal status (registry/rules.py judges it) ───────────────────────────────


class LegalStatus(Term):
    """Where an asset stands in law, judged from the index at a moment (registry/rules.py: legal_status). Not a
    contract enum: the contracts judge the parts (the record, the application, the certificate), this is their
    one answer."""

    UNREGISTERED = 0, "未登记", "not registered"
    RECORDED = 1, "已存证，未发证", "recorded on chain, no certificate"
    IN_PROCEDURE = 2, "登记办理中", "in the registration procedure"
    CERTIFIED = 3, "已登记发证", "registered, certificate valid"
    LAPSED = 4, "登记已失效", "registration lapsed"
    CANCELLED = 5, "已注销", "cancelled"


class Remark(Term):
    """A remark (备注) beside the legal status: what limits the exercise of the rights."""

    FROZEN = 1, "已查封", "frozen"
    PLEDGED = 2, "已质押", "pledged"
    OBJECTION_PENDING = 3, "异议待处理", "objection pending"
    DISPUTED = 4, "权属争议（异议成立）", "disputed (an objection was upheld)"
    AUTHORISATION_LAPSED = 5, "公共数据授权已失效", "public-data authorisation lapsed"


# ─────────────────────────────── ParticipantRegistry ───────────────────────────────


class Role(Term):
    """IParticipantRegistry.Role. NONE is no role; the others can be admitted."""

    NONE = 0, "无", "none"
    EXCHANGE = 1, "数据交易所", "data exchange"
    REGISTRAR = 2, "登记机构", "registrar"
    APPRAISER = 3, "评估机构", "appraiser"
    COMPLIANCE_CERTIFIER = 4, "合规认证机构", "compliance certifier"
    QUALITY_EVALUATOR = 5, "质量评价机构", "quality evaluator"
    REGULATOR = 6, "监管机构", "regulator"
    DATA_AUTHORITY = 7, "公共数据授权主体", "public-data authority"
    DATA_MERCHANT = 8, "数据商", "data merchant"
    DATA_BROKER = 9, "数据经纪机构", "data broker"
    NOTARY = 10, "数据公证机构", "notary"
    CUSTODIAN = 11, "数据托管机构", "custodian"
    INSURER = 12, "数据保险机构", "insurer"

    @classmethod
    def admissible(cls) -> list["Role"]:
        """The roles a participant can be admitted with (every role but NONE)."""
        return [m for m in cls if m is not cls.NONE]


class ParticipantStatus(Term):
    """IParticipantRegistry.ParticipantStatus."""

    NONE = 0, "非参与方", "not a participant"
    ACTIVE = 1, "正常", "active"
    SUSPENDED = 2, "已暂停", "suspended"


#: The roles that act only under a qualification record (IParticipantRegistry.requiresQualification).
QUALIFIED_ROLES = frozenset({Role.APPRAISER, Role.COMPLIANCE_CERTIFIER, Role.QUALITY_EVALUATOR, Role.DATA_MERCHANT,
                             Role.DATA_BROKER, Role.NOTARY, Role.CUSTODIAN, Role.INSURER})


class QualificationKind(Term):
    """IParticipantRegistry.QualificationKind: what a participant's qualification record is."""

    LICENCE = 0, "执业资格或许可", "licence"
    RECOGNITION = 1, "登记、审核、认定", "recognition"
    ACCREDITATION = 2, "认证认可", "accreditation"


class QualificationStatus(Term):
    """IParticipantRegistry.QualificationStatus: whether a participant's current qualification stands now."""

    NONE = 0, "无资质记录", "no record"
    VALID = 1, "有效", "valid"
    NOT_YET_VALID = 2, "尚未生效", "not yet valid"
    EXPIRED = 3, "已到期", "expired"
    REVOKED = 4, "已撤销", "revoked"


class QualificationRevocationReason(Term):
    """Why the council revokes a qualification (IParticipantRegistry.QualificationRevoked)."""

    REVOKED_BY_ISSUER = 1, "发证机关撤销或吊销", "revoked by its issuer"
    VIOLATION = 2, "违法违规", "violation of law or rules"
    FALSE_MATERIAL = 3, "材料虚假", "false material"
    REQUEST = 4, "本方申请", "at its own request"
    OTHER = 99, "其他", "other"


# ─────────────────────────────── ListingRegistry ───────────────────────────────


class ListingStatus(Term):
    """IListingRegistry.ListingStatus."""

    NONE = 0, "无", "none"
    LISTED = 1, "挂牌中", "listed"
    SUSPENDED = 2, "已暂停", "suspended"
    DELISTED = 3, "已摘牌", "delisted"


#: Where a holder's approval of a listing by its own transaction stands (GET /v1/listings/approvals, `datareg listing
#: approvals`): the index's judgement of the approval's record, not a contract enum.
APPROVAL_STATUSES = ("in_force", "expired", "revoked", "used")


class ListingValidity(Term):
    """IListingRegistry.ListingValidity: whether a listing is valid now and, if not, why."""

    VALID = 0, "有效", "valid"
    SUSPENDED = 1, "已暂停", "suspended"
    DELISTED = 2, "已摘牌", "delisted"
    EXCHANGE_NOT_ACTIVE = 3, "交易所已暂停资格", "its exchange is not active"
    ASSET_NOT_ACTIVE = 4, "资产已注销", "the asset is not active"
    RIGHT_NOT_VALID = 5, "经营权无效", "the operating right is not valid (revoked or expired)"
    HOLDER_CHANGED = 6, "经营权已转让", "the consenting party no longer holds the operating right"
    ORIGIN_NOT_VALID = 7, "原挂牌无效", "its origin listing is not valid"
    ASSET_FROZEN = 8, "资产已查封", "the asset is frozen by a regulator (查封)"
    EXPIRED = 9, "挂牌已到期", "past the listing's end (its terms' validity)"
    NOT_COMPLIANT = 10, "不再合规", ("now core data, or important or personal data whose compliance "
                                  "certification no longer holds")
    AUTHORISATION_LAPSED = 11, "公共数据授权已失效", "the asset's public-data authorisation lapsed"


class PriceModel(Term):
    """IListingRegistry.PriceModel: how a listing's price is set (定价方式)."""

    NEGOTIABLE = 0, "面议", "negotiable"
    FIXED = 1, "一口价", "fixed price"
    PER_USE = 2, "按次计费", "per use (call or query)"
    SUBSCRIPTION = 3, "按期订阅", "subscription"


class ProductForm(Term):
    """IListingRegistry.ProductForm: the product form (产品形态)."""

    DATASET = 0, "数据集", "dataset"
    DATA_INTERFACE = 1, "数据接口", "data interface (API)"
    MODEL = 2, "模型", "model"
    REPORT = 3, "报告", "report"


class DeliveryMode(Term):
    """The `deliveryModes` bits of IListingRegistry.ListingTerms (交付方式): each member's value is its bit."""

    DOWNLOAD = 1, "下载", "download"
    API = 2, "接口调用", "API"
    PRIVACY_COMPUTING = 4, "隐私计算", "privacy computing"
    SANDBOX = 8, "数据沙箱", "sandbox"

    @classmethod
    def of_mask(cls, mask: int) -> list["DeliveryMode"]:
        return [m for m in cls if mask & m.value]


# ─────────────────────────────── TradeRegistry ───────────────────────────────


class SettlementStatus(Term):
    """ITradeRegistry.SettlementStatus: where a trade's settlement (结算) stands, set by its exchange."""

    NONE = 0, "无", "none"
    PENDING = 1, "待结算", "pending"
    SETTLED = 2, "已结算", "settled"
    REFUNDED = 3, "已退款", "refunded"
    DISPUTED = 4, "有争议", "disputed"


# ─────────────────────────────── RegistrationOffice ───────────────────────────────


class Stage(Term):
    """IRegistrationOffice.Stage: where an application for registration stands."""

    NONE = 0, "无", "none"
    APPLIED = 1, "已申请", "applied"
    ACCEPTED = 2, "已受理", "accepted"
    RETURNED = 3, "已退回补正", "returned for material"
    PUBLICITY = 4, "公示中", "in publicity"
    REGISTERED = 5, "已登记", "registered"
    REFUSED = 6, "不予登记", "refused"
    TERMINATED = 7, "已终止", "terminated"


class ReissueReason(Term):
    """IRegistrationOffice.ReissueReason: why a certificate was re-issued under its number."""

    CHANGE = 0, "变更登记", "change registration (new version)"
    TRANSFER = 1, "转移登记", "transfer of the holding right (new holder)"


class ObjectionStatus(Term):
    """IRegistrationOffice.ObjectionStatus."""

    NONE = 0, "无", "none"
    PENDING = 1, "待处理", "pending"
    UPHELD = 2, "成立", "upheld"
    REJECTED = 3, "不成立", "rejected"


class CertificateStatus(Term):
    """IRegistrationOffice.CertificateStatus: what `certificate` reports, judged now."""

    NONE = 0, "无", "none"
    PENDING = 1, "待发证", "pending"
    VALID = 2, "有效", "valid"
    LAPSED = 3, "已失效", "lapsed"
    CANCELLED = 4, "已注销", "cancelled"
    NOT_REGISTERED = 5, "未登记", "not registered"


class CertificateKind(Term):
    """The kind of a registration certificate, told by its number (libraries/CertificateNumber.sol)."""

    NATIONAL = 1, "数据产权登记证书", "data property registration certificate"
    INTELLECTUAL_PROPERTY = 2, "数据知识产权登记证书", "data intellectual property registration certificate"


# ─────────────────────────────── RecognitionRegistry ───────────────────────────────


class RecognitionStatus(Term):
    """IRecognitionRegistry.RecognitionStatus."""

    NONE = 0, "无", "none"
    RECOGNISED = 1, "互认中", "recognised"
    WITHDRAWN = 2, "已撤回互认", "withdrawn"


class RecognitionWithdrawalReason(Term):
    """Why the council withdraws the recognition of another registry (IRecognitionRegistry.RecognitionWithdrawn)."""

    AGREEMENT_ENDED = 1, "互认协议终止", "the recognition agreement ended"
    REGISTRY_CLOSED = 2, "登记机构撤销或合并", "the registry was closed or merged"
    NONCOMPLIANCE = 3, "登记不规范", "the registry's registrations did not meet the standard"
    REDEPLOYED = 4, "合约重新部署", "the registry moved to new contracts"
    OTHER = 99, "其他", "other"


# ─────────────────────────────── AttestationRegistry ───────────────────────────────


class AttestationKind(Term):
    """IAttestationRegistry.Kind, each issued by participants of one role (`issuer_role`)."""

    APPRAISAL = 0, "资产评估", "appraisal"
    COMPLIANCE_CERTIFICATION = 1, "合规认证", "compliance certification"
    QUALITY_EVALUATION = 2, "质量评价", "quality evaluation"
    NOTARISATION = 3, "数据公证", "notarisation"
    CUSTODY = 4, "数据托管", "custody"
    INSURANCE = 5, "数据保险", "insurance"

    @property
    def issuer_role(self) -> Role:
        return {0: Role.APPRAISER, 1: Role.COMPLIANCE_CERTIFIER, 2: Role.QUALITY_EVALUATOR, 3: Role.NOTARY,
                4: Role.CUSTODIAN, 5: Role.INSURER}[self.value]


class ValueType(Term):
    """IAttestationRegistry.ValueType: an appraisal's value type (价值类型)."""

    NONE = 0, "无", "none"
    MARKET = 1, "市场价值", "market value"
    INVESTMENT = 2, "投资价值", "investment value"
    IN_USE = 3, "在用价值", "value in use"
    LIQUIDATION = 4, "清算价值", "liquidation value"
    RESIDUAL = 5, "残余价值", "residual value"


class AttestationStatus(Term):
    """IAttestationRegistry.Status: what `attestationStatus` reports, judged now."""

    NONE = 0, "无", "none"
    VALID = 1, "有效", "valid"
    REVOKED = 2, "已撤销", "revoked"
    SUPERSEDED = 3, "已被新版本取代", "superseded by a later version"
    EXPIRED = 4, "已到期", "expired"
    ISSUER_NOT_ACTIVE = 5, "出具机构资格无效", "issuer not active"
    ISSUER_NOT_QUALIFIED = 6, "出具机构资质已失效", "issuer no longer qualified"


# ─────────────────────────────── FinanceRecords (数据资产入表, 作价出资, 数据信托) ───────────────────────────────


class FinanceRemarkKind(Term):
    """IFinanceRecords.RemarkKind: what a holder's finance remark on an asset records."""

    CAPITAL_CONTRIBUTION = 0, "作价出资", "capital contribution"
    DATA_TRUST = 1, "数据信托", "data trust"


class AccountingCategory(Term):
    """How the holder's books carry the asset (数据资产入表, 企业数据资源相关会计处理暂行规定): held for sale in
    the ordinary course of business, an intangible asset, or not recognised as an asset. Off chain: in the
    private accounting document only."""

    INVENTORY = 0, "存货", "inventory"
    INTANGIBLE_ASSET = 1, "无形资产", "intangible asset"
    NOT_RECOGNISED = 2, "未确认为资产", "not recognised"


class AmortisationMethod(Term):
    """How an intangible data asset's cost is spread over its useful life (摊销方法). Off chain, as above."""

    STRAIGHT_LINE = 0, "直线法", "straight line"
    UNITS_OF_PRODUCTION = 1, "工作量法", "units of production"
    DIMINISHING_BALANCE = 2, "加速摊销法", "diminishing balance"
    NONE = 3, "不摊销", "not amortised"


class PersonalInformationBasis(Term):
    """The legal basis on which data with personal information is processed (PIPL art. 13 个人信息处理的合法
    性基础), required in the metadata of an asset flagged with personal information, with its evidence."""

    CONSENT = 0, "取得个人同意", "consent"
    CONTRACT = 1, "订立、履行合同所必需", "contract"
    STATUTORY_DUTY = 2, "履行法定职责或者法定义务所必需", "statutory duty"
    ANONYMISED = 3, "已匿名化处理", "anonymised"

#: The kind of each event in an asset's history (the `action` field of GET /v1/assets/{id}/history, the CLI's
#: `history` and `audit`, the explorer's history): contract event name -> (snake_case key, 中文, English). The key is
#: the one scheme for event kinds everywhere; the contract's own event name stays beside it as `event`.
#: tests/test_vocabulary.py checks that every event the indexer handles has one and that the keys are snake_case.
EVENT_ACTIONS: dict[str, tuple[str, str, str]] = {
    "AssetRegistered": ("registered", "登记", "registered"),
    "AssetDerived": ("derived", "衍生登记", "registered as derived"),
    "RightAssigned": ("right_assigned", "分配原始权利", "primary right assigned"),
    "RightTermsSet": ("right_terms_set", "设定权利条款", "right terms set"),
    "RightAccepted": ("right_accepted", "接受权利", "right accepted"),
    "RightAssignmentWithdrawn": ("right_assignment_withdrawn", "撤回权利分配", "right assignment withdrawn"),
    "PledgeeConsented": ("pledgee_consented", "质权人同意", "pledgee consented"),
    "RegistrationOfficeSet": ("registration_office_set", "设定登记机构合约", "registration office set"),
    "RightGranted": ("right_granted", "授权", "granted"),
    "RightTransferred": ("right_transferred", "转让", "transferred"),
    "RightRevoked": ("right_revoked", "撤销授权", "revoked"),
    "RightRenewed": ("right_renewed", "续期", "renewed"),
    "ParticipantAdded": ("participant_added", "准入参与方", "participant admitted"),
    "ParticipantSuspended": ("participant_suspended", "暂停参与方", "participant suspended"),
    "ParticipantReinstated": ("participant_reinstated", "恢复参与方", "participant reinstated"),
    "ParticipantEndpointChanged": ("participant_endpoint_changed", "变更参与方接口", "participant endpoint changed"),
    "Listed": ("listed", "挂牌", "listed"),
    "ListingApproved": ("listing_approved", "同意挂牌", "listing approved"),
    "ListingApprovalRevoked": ("listing_approval_revoked", "撤回挂牌同意", "listing approval revoked"),
    "ConsentsWithdrawn": ("consents_withdrawn", "撤回挂牌授权签名", "signed listing consents withdrawn"),
    "ListingStatusChanged": ("listing_status_changed", "挂牌状态变更", "listing status changed"),
    "AssetFrozen": ("asset_frozen", "查封", "frozen"),
    "AssetFreezeReleased": ("asset_freeze_released", "解除查封", "freeze released"),
    "PledgeRecorded": ("pledge_recorded", "质押登记", "pledge recorded"),
    "PledgeReleased": ("pledge_released", "解除质押", "pledge released"),
    "AssetCancelled": ("asset_cancelled", "注销登记", "registration cancelled"),
    "AssetChanged": ("asset_changed", "变更登记", "registration changed"),
    "RegistrarConfigured": ("registrar_configured", "设定登记机构代码", "registrar configured"),
    "IpRegistrarConfigured": ("ip_registrar_configured", "设定数据知识产权登记机构代码",
                              "registrar configured for data intellectual property"),
    "RegistryRecognised": ("registry_recognised", "互认登记机构", "registry recognised"),
    "RecognitionWithdrawn": ("recognition_withdrawn", "撤回互认", "recognition withdrawn"),
    "ApplicationFiled": ("application_filed", "提交登记申请", "registration applied for"),
    "ApplicationAccepted": ("application_accepted", "受理申请", "application accepted"),
    "ApplicationReturned": ("application_returned", "退回补正", "returned for material"),
    "ReviewPassed": ("review_passed", "审核通过，开始公示", "review passed, publicity starts"),
    "ApplicationTerminated": ("application_terminated", "终止审核", "review terminated"),
    "ObjectionLodged": ("objection_lodged", "提出异议", "objection lodged"),
    "ObjectionResolved": ("objection_resolved", "处理异议", "objection resolved"),
    "RegistrationRefused": ("registration_refused", "不予登记", "registration refused"),
    "Registered": ("certificate_issued", "登记发证", "registered, certificate issued"),
    "RegistrationRenewed": ("registration_renewed", "续展登记", "registration renewed"),
    "RenewalRequested": ("renewal_requested", "申请续展", "renewal requested"),
    "RenewalRefused": ("renewal_refused", "不予续展", "renewal refused"),
    "CertificateReissued": ("certificate_reissued", "补发或换发证书", "certificate reissued"),
    "ChangeApplied": ("change_applied", "申请变更登记", "change applied for"),
    "ChangeReviewed": ("change_reviewed", "审核变更登记", "change reviewed"),
    "Attested": ("attested", "出具评估或认证", "attestation issued"),
    "AttestationRevoked": ("attestation_revoked", "撤销评估或认证", "attestation revoked"),
    "QualificationRecorded": ("qualification_recorded", "登记资质", "qualification recorded"),
    "QualificationRenewed": ("qualification_renewed", "资质续期", "qualification renewed"),
    "QualificationRevoked": ("qualification_revoked", "撤销资质", "qualification revoked"),
    "Engaged": ("appraisal_engaged", "委托评估", "appraiser engaged"),
    "EngagementWithdrawn": ("engagement_withdrawn", "撤回评估委托", "engagement withdrawn"),
    "Appraised": ("appraised", "出具评估报告", "appraisal issued"),
    "TradeCodeSet": ("trade_code_set", "设定交易编号代码", "trade code set"),
    "ListingTermsSet": ("listing_terms_set", "挂牌条款", "listing terms set"),
    "ListingPolicySet": ("listing_policy_set", "设定挂牌规则", "listing policy set"),
    "ListingFloorSet": ("listing_floor_set", "设定挂牌底线规则", "listing floor set by the council"),
    "TradeCodeAssigned": ("trade_code_assigned", "核定交易编号代码", "trade code assigned by the council"),
    "TradeRecorded": ("trade_recorded", "交易存证", "trade recorded"),
    "TradeSettlementChanged": ("trade_settlement_changed", "结算状态变更", "settlement status changed"),
    "DeliveryRecorded": ("delivery_recorded", "交付存证", "delivery recorded"),
    "PublicDataAuthorisationSet": ("public_data_authorisation_set", "设定公共数据授权合约",
                                   "public-data authorisation contract set"),
    "PublicDataBound": ("public_data_bound", "纳入公共数据授权", "bound to a public-data authorisation"),
    "AuthorisationGranted": ("authorisation_granted", "公共数据授权运营", "public data authorised for operation"),
    "ScenarioApproved": ("scenario_approved", "应用场景审定", "scenario approved"),
    "LicenceGranted": ("licence_granted", "二级开发授权", "second-level operator licensed"),
    "LicenceRevoked": ("licence_revoked", "撤销二级开发授权", "second-level licence revoked"),
    "AssetBound": ("asset_bound", "目录数据纳入授权", "catalogue asset bound"),
    "AuthorisationRevoked": ("authorisation_revoked", "撤销公共数据授权", "public-data authorisation revoked"),
    "AccountingRecorded": ("accounting_recorded", "数据资产入表记录", "accounting record committed"),
    "FinanceRemarkRecorded": ("finance_remark_recorded", "作价出资或数据信托备注", "contribution or trust recorded"),
    "FinanceRemarkEnded": ("finance_remark_ended", "解除作价出资或终止数据信托", "contribution or trust ended"),
}
#: An event of another asset in this asset's history: a derivation made from it.
DERIVED_FROM_THIS = ("derived_from_this", "被用于衍生登记", "used as a source of derived data")


def event_action(event_name: str) -> str:
    """The snake_case kind of a contract event (EVENT_ACTIONS); an event it does not list (a contract newer than
    this code) gets its name in snake_case, never the contract's CamelCase."""
    known = EVENT_ACTIONS.get(event_name)
    return known[0] if known else "".join(f"_{c.lower()}" if c.isupper() else c for c in event_name).lstrip("_")


#: The vocabulary of the reason code each event carries (its `reasonCode` argument; AssetFreezeReleased's
#: `byAdmin`): how the API labels a reason wherever it returns one.
EVENT_REASONS: dict[str, type[Term]] = {
    "RightRevoked": RevocationReason,
    "AssetCancelled": CancelReason,
    "ApplicationReturned": ReturnReason,
    "ApplicationTerminated": RefusalReason,
    "RegistrationRefused": RefusalReason,
    "RenewalRefused": RefusalReason,
    "ChangeReviewed": RefusalReason,
    "ObjectionLodged": ObjectionReason,
    "ParticipantSuspended": SuspensionReason,
    "AttestationRevoked": AttestationRevocationReason,
    "QualificationRevoked": QualificationRevocationReason,
    "AssetFreezeReleased": FreezeRelease,
    "AuthorisationRevoked": AuthorisationRevocationReason,
    "LicenceRevoked": AuthorisationRevocationReason,
}


def event_reason(name: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """The reason an event gives, as {code, key, zh, en} (key and labels null for a code the vocabulary lacks);
    None for an event that gives none (an approved change carries no reason)."""
    vocabulary = EVENT_REASONS.get(name)
    if vocabulary is None:
        return None
    code = args.get("reasonCode")
    if vocabulary is FreezeRelease:
        code = int(FreezeRelease.BY_ADMIN if args.get("byAdmin") else FreezeRelease.BY_REGULATOR)
    elif not isinstance(code, int) or (name == "ChangeReviewed" and args.get("passed")):
        return None
    return {"code": code, **vocabulary.labels(code)}


#: Each Solidity enum and the Python enum that mirrors it: (contract interface, enum name) -> enum.
CONTRACT_ENUMS: dict[tuple[str, str], type[Term]] = {
    ("IDataRegistry", "RightKind"): RightKind,
    ("IDataRegistry", "AssetStatus"): AssetStatus,
    ("IDataRegistry", "Validity"): Validity,
    ("IDataRegistry", "PledgedOperation"): PledgedOperation,
    ("IParticipantRegistry", "Role"): Role,
    ("IParticipantRegistry", "ParticipantStatus"): ParticipantStatus,
    ("IParticipantRegistry", "QualificationKind"): QualificationKind,
    ("IParticipantRegistry", "QualificationStatus"): QualificationStatus,
    ("IListingRegistry", "ListingStatus"): ListingStatus,
    ("IListingRegistry", "ListingValidity"): ListingValidity,
    ("IListingRegistry", "PriceModel"): PriceModel,
    ("IListingRegistry", "ProductForm"): ProductForm,
    ("ITradeRegistry", "SettlementStatus"): SettlementStatus,
    ("IRegistrationOffice", "Stage"): Stage,
    ("IRegistrationOffice", "ObjectionStatus"): ObjectionStatus,
    ("IRegistrationOffice", "ReissueReason"): ReissueReason,
    ("IRegistrationOffice", "CertificateStatus"): CertificateStatus,
    ("IAttestationRegistry", "Kind"): AttestationKind,
    ("IAttestationRegistry", "Status"): AttestationStatus,
    ("IPublicDataAuthorisation", "Standing"): AuthorisationStanding,
    ("IAttestationRegistry", "ValueType"): ValueType,
    ("IFinanceRecords", "RemarkKind"): FinanceRemarkKind,
    ("IRecognitionRegistry", "RecognitionStatus"): RecognitionStatus,
}

#: The vocabulary GET /v1/vocabulary serves, by the name of each group.
GROUPS: dict[str, type[Term]] = {
    "right_kind": RightKind,
    "asset_status": AssetStatus,
    "validity": Validity,
    "pledged_operation": PledgedOperation,
    "reissue_reason": ReissueReason,
    "classification": Classification,
    "revocation_reason": RevocationReason,
    "authorisation_standing": AuthorisationStanding,
    "authorisation_revocation_reason": AuthorisationRevocationReason,
    "cancel_reason": CancelReason,
    "refusal_reason": RefusalReason,
    "return_reason": ReturnReason,
    "objection_reason": ObjectionReason,
    "suspension_reason": SuspensionReason,
    "attestation_revocation_reason": AttestationRevocationReason,
    "freeze_release": FreezeRelease,
    "legal_status": LegalStatus,
    "remark": Remark,
    "role": Role,
    "participant_status": ParticipantStatus,
    "listing_status": ListingStatus,
    "listing_validity": ListingValidity,
    "price_model": PriceModel,
    "product_form": ProductForm,
    "delivery_mode": DeliveryMode,
    "settlement_status": SettlementStatus,
    "stage": Stage,
    "objection_status": ObjectionStatus,
    "certificate_status": CertificateStatus,
    "attestation_kind": AttestationKind,
    "attestation_status": AttestationStatus,
    "qualification_kind": QualificationKind,
    "qualification_status": QualificationStatus,
    "qualification_revocation_reason": QualificationRevocationReason,
    "value_type": ValueType,
    "finance_remark_kind": FinanceRemarkKind,
    "accounting_category": AccountingCategory,
    "amortisation_method": AmortisationMethod,
    "personal_information_basis": PersonalInformationBasis,
    "certificate_kind": CertificateKind,
    "recognition_status": RecognitionStatus,
    "recognition_withdrawal_reason": RecognitionWithdrawalReason,
}


def as_json() -> dict[str, Any]:
    """Every group as a list of {code, key, zh, en} in code order, and the attribute bits."""
    groups: dict[str, Any] = {
        name: [{"code": m.value, "key": m.key, "zh": m.zh, "en": m.en} for m in enum_] for name, enum_ in GROUPS.items()
    }
    for term in groups["right_kind"]:
        term["zh_short"] = RightKind(term["code"]).short_zh
    groups["attribute"] = [{"code": int(bit), "key": (bit.name or "").lower(), "zh": zh, "en": en}
                           for bit, (zh, en) in ATTRIBUTE_LABELS.items()]
    groups["action"] = [{"key": key, "event": event, "zh": zh, "en": en}
                        for event, (key, zh, en) in EVENT_ACTIONS.items()]
    groups["action"].append(dict(zip(("key", "zh", "en"), DERIVED_FROM_THIS)) | {"event": None})
    return groups
