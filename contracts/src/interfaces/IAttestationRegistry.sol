// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Attestations by third-party service providers
/// @notice Appraisals (数据资产评估: value, currency, method), compliance certifications (合规认证) and quality
/// evaluations (质量评价), issued by registered service providers of the matching role, each bound to one
/// version of the asset (its metadata at that version), revocable by its issuer, and superseded as soon as the
/// asset changes (a change registration raises its version).
/// @dev Every write reverts with `IParticipantRegistry.RegistryPaused` while the council has paused the registry.
interface IAttestationRegistry {
    enum Kind {
        Appraisal, // by an Appraiser
        ComplianceCertification, // by a ComplianceCertifier
        QualityEvaluation // by a QualityEvaluator
    }

    /// @notice What `attestationStatus` reports, judged now.
    enum Status {
        None,
        Valid,
        Revoked,
        Superseded, // the asset has changed since
        Expired,
        IssuerNotActive // the issuer was suspended as a participant
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

    error NotAServiceProvider(address account, Kind kind);
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
    event AttestationRevoked(uint256 indexed attestationId, bytes32 indexed assetId, address indexed issuer, uint16 reasonCode);

    function attest(bytes32 assetId, AttestationData calldata data) external returns (uint256 attestationId);
    function revokeAttestation(uint256 attestationId, uint16 reasonCode) external;
    function getAttestation(uint256 attestationId) external view returns (Attestation memory);
    function attestationStatus(uint256 attestationId) external view returns (Status);
}
