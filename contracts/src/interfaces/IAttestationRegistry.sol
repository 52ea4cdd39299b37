// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Attestations by third-party service providers
/// @notice Appraisals (数据资产评估: value, currency, method), compliance certifications (合规认证) and quality
/// evaluations (质量评价), issued by registered service providers of the matching role, each bound to one
/// version of the asset (its metadata at that version), revocable by its issuer, and superseded as soon as the
/// asset changes (a change registration raises its version).
/// Issue 21: the service agencies' own records are attestations too: notarisations (数据公证, by a Notary),
/// custody (数据托管, by a Custodian: the arrangement under which it holds the data or keys) and insurance policies
/// (数据保险, by an Insurer: `value` the insured amount). An attestation is issued only by a participant active in
/// the kind's role, which for every service role means qualified at issue time (see
/// {IParticipantRegistry-qualify}); its status turns `IssuerNotQualified` when that qualification lapses.
/// Appraisals (评估) are issued only through `appraise`, under an engagement (业务委托) by a holder of a valid holding
/// right of the asset: on chain by the holder (`engage`, directly or through the forwarder) or by its EIP-712
/// signature, which anyone may relay (`engageBySig`, with a deadline and the holder's nonce). Each engagement
/// names one appraiser and is used by one appraisal; the appraisal carries its valuation date (评估基准日), value
/// type (价值类型) and basis (评估依据) besides the figures, method and report of every attestation.
/// @dev Every write reverts with `IParticipantRegistry.RegistryPaused` while the council has paused the registry.
interface IAttestationRegistry {
    enum Kind {
        Appraisal, // by an Appraiser
        ComplianceCertification, // by a ComplianceCertifier
        QualityEvaluation, // by a QualityEvaluator
        Notarisation, // by a Notary (数据公证)
        Custody, // by a Custodian (数据托管)
        Insurance // by an Insurer (数据保险): value = insured amount
    }

    /// @notice The value type of an appraisal (价值类型, 资产评估价值类型指导意见).
    enum ValueType {
        None,
        Market, // 市场价值
        Investment, // 投资价值
        InUse, // 在用价值
        Liquidation, // 清算价值
        Residual // 残余价值
    }

    /// @notice What `attestationStatus` reports, judged now.
    enum Status {
        None,
        Valid,
        Revoked,
        Superseded, // the asset has changed since
        Expired,
        IssuerNotActive, // the issuer was suspended as a participant
        IssuerNotQualified // the issuer's qualification has expired or was revoked
    }

    /// @param value For an appraisal, the value in the smallest unit of `currency` (e.g. fen); else 0.
    /// @param currency ISO 4217 code, e.g. "CNY"; empty when not an appraisal.
    /// @param method Appraisal method (收益法, 成本法, 市场法), certification scheme or evaluation standard.
    /// @param conclusion A short conclusion (grade, pass, score).
    /// @param reportCid SHA-256 digest of the report's CIDv0.
    /// @param validUntil Unix time the attestation ends; 0 for no end.
    struct AttestationData {
        Kind kind;
        uint256 value;
        bytes3 currency;
        string method;
        string conclusion;
        bytes32 reportCid;
        uint64 validUntil;
    }

    struct Attestation {
        address issuer;
        Kind kind;
        bool revoked;
        uint16 assetVersion;
        uint64 issuedAt;
        uint64 validUntil;
        bytes32 assetId;
    }

    /// @param valuationDate The valuation date (评估基准日), unix time, not after the appraisal.
    /// @param valueType Market, investment, in-use, liquidation or residual value.
    /// @param basis The standards and premises of the valuation (评估依据/假设), e.g. "数据资产评估指导意见".
    /// @param engagementId The holder's engagement this appraisal fulfils.
    struct AppraisalTerms {
        uint64 valuationDate;
        ValueType valueType;
        string basis;
        uint256 engagementId;
    }

    /// @notice What a holder engages an appraiser for.
    /// @param rightIndex The holding right by which the engager holds the asset.
    /// @param letterCid SHA-256 digest of the CIDv0 of the engagement letter (业务委托合同), or zero.
    struct EngagementRequest {
        address appraiser;
        bytes32 assetId;
        uint256 rightIndex;
        bytes32 letterCid;
    }

    struct Engagement {
        address holder;
        bool used;
        bool withdrawn;
        address appraiser;
        uint64 rightIndex;
        bytes32 assetId;
        bytes32 letterCid;
    }

    error NotAServiceProvider(address account, Kind kind);
    /// @notice Thrown by `attest` for an appraisal: appraisals need an engagement and their terms (`appraise`).
    error AppraisalNeedsEngagement();
    /// @notice Thrown when the engager does not hold the valid holding right `rightIndex` of the asset (now).
    error NotHoldingRightHolder(bytes32 assetId, uint256 rightIndex, address account);
    error EngagementNotFound(uint256 engagementId);
    /// @notice Thrown when an appraiser uses an engagement of another appraiser or another asset.
    error NotEngaged(uint256 engagementId, address appraiser, bytes32 assetId);
    /// @notice Thrown when an engagement was already used by an appraisal or withdrawn by its holder.
    error EngagementClosed(uint256 engagementId);
    error NotEngager(uint256 engagementId, address account);
    error InvalidValueType();
    error InvalidValuationDate(uint64 valuationDate);
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    error InvalidSignature(address signer);
    error AttestationNotFound(uint256 attestationId);
    error NotIssuer(uint256 attestationId, address account);
    error AlreadyRevoked(uint256 attestationId);
    error AttestationAssetNotActive(bytes32 assetId);

    event Attested(
        uint256 indexed attestationId,
        bytes32 indexed assetId,
        address indexed issuer,
        uint16 assetVersion,
        AttestationData data
    );
    event Engaged(
        uint256 indexed engagementId,
        bytes32 indexed assetId,
        address indexed holder,
        address appraiser,
        uint256 rightIndex,
        bytes32 letterCid
    );
    event EngagementWithdrawn(uint256 indexed engagementId, bytes32 indexed assetId, address indexed holder);
    /// @notice Emitted by `appraise` right after its `Attested`: the appraisal's own terms and engagement.
    event Appraised(
        uint256 indexed attestationId,
        uint256 indexed engagementId,
        uint64 valuationDate,
        ValueType valueType,
        string basis
    );
    event AttestationRevoked(uint256 indexed attestationId, bytes32 indexed assetId, address indexed issuer, uint16 reasonCode);

    /// @notice Issues an attestation of any kind but an appraisal (see `appraise`).
    function attest(bytes32 assetId, AttestationData calldata data) external returns (uint256 attestationId);
    /// @notice Issues an appraisal under the caller's engagement `terms.engagementId`, which it uses up.
    function appraise(bytes32 assetId, AttestationData calldata data, AppraisalTerms calldata terms)
        external
        returns (uint256 attestationId);
    /// @notice The caller, a holder of the asset's holding right `r.rightIndex`, engages `r.appraiser`.
    function engage(EngagementRequest calldata r) external returns (uint256 engagementId);
    /// @notice As `engage`, by the holder's EIP-712 signature of `Engagement(address holder,address appraiser,
    /// bytes32 assetId,uint256 rightIndex,bytes32 letterCid,uint256 nonce,uint256 deadline)`; anyone may relay it.
    function engageBySig(EngagementRequest calldata r, address holder, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 engagementId);
    /// @notice The holder withdraws an engagement not used yet.
    function withdrawEngagement(uint256 engagementId) external;
    function getEngagement(uint256 engagementId) external view returns (Engagement memory);
    function engagementCount() external view returns (uint256);
    function nonces(address holder) external view returns (uint256);
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
    function revokeAttestation(uint256 attestationId, uint16 reasonCode) external;
    function getAttestation(uint256 attestationId) external view returns (Attestation memory);
    function attestationStatus(uint256 attestationId) external view returns (Status);
}
