// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title AttestationRegistry
/// @notice See {IAttestationRegistry}. Storage holds what the status check reads; the figures, method,
/// conclusion and report are in the event.
contract AttestationRegistry is IAttestationRegistry, EIP712, Nonces, ERC2771Context, PauseFlag {
    bytes32 private constant ENGAGEMENT_TYPEHASH = keccak256(
        "Engagement(address holder,address appraiser,bytes32 assetId,uint256 rightIndex,bytes32 letterCid,"
        "uint256 nonce,uint256 deadline)"
    );

    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    uint256 public attestationCount;
    mapping(uint256 attestationId => Attestation) private _attestations;

    /// @inheritdoc IAttestationRegistry
    uint256 public engagementCount;
    mapping(uint256 engagementId => Engagement) private _engagements;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, address forwarder)
        EIP712("AttestationRegistry", "1")
        ERC2771Context(forwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
    }

    /// @inheritdoc IAttestationRegistry
    function attest(bytes32 assetId, AttestationData calldata data) external returns (uint256) {
        _whenNotPaused();
        if (data.kind == Kind.Appraisal) revert AppraisalNeedsEngagement();
        return _attest(_msgSender(), assetId, data);
    }

    /// @inheritdoc IAttestationRegistry
    function appraise(bytes32 assetId, AttestationData calldata data, AppraisalTerms calldata terms)
        external
        returns (uint256 attestationId)
    {
        _whenNotPaused();
        address appraiser = _msgSender();
        if (data.kind != Kind.Appraisal) revert NotAServiceProvider(appraiser, data.kind);
        if (terms.valueType == ValueType.None) revert InvalidValueType();
        if (terms.valuationDate == 0 || terms.valuationDate > block.timestamp) {
            revert InvalidValuationDate(terms.valuationDate);
        }
        Engagement storage e = _engagements[terms.engagementId];
        if (e.holder == address(0)) revert EngagementNotFound(terms.engagementId);
        if (e.appraiser != appraiser || e.assetId != assetId) revert NotEngaged(terms.engagementId, appraiser, assetId);
        if (e.used || e.withdrawn) revert EngagementClosed(terms.engagementId);
        // The engager must still hold the asset: a holder that has since transferred its right no longer speaks
        // for the asset, and its engagement lapses with it.
        _requireHolder(assetId, e.rightIndex, e.holder);
        e.used = true;
        attestationId = _attest(appraiser, assetId, data);
        emit Appraised(attestationId, terms.engagementId, terms.valuationDate, terms.valueType, terms.basis);
    }

    /// @inheritdoc IAttestationRegistry
    function engage(EngagementRequest calldata r) external returns (uint256) {
        _whenNotPaused();
        return _engage(r, _msgSender());
    }

    /// @inheritdoc IAttestationRegistry
    function engageBySig(EngagementRequest calldata r, address holder, uint256 deadline, bytes calldata signature)
        external
        returns (uint256)
    {
        _whenNotPaused();
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        bytes32 structHash = keccak256(
            abi.encode(
                ENGAGEMENT_TYPEHASH, holder, r.appraiser, r.assetId, r.rightIndex, r.letterCid, nonces(holder), deadline
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(holder, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(holder);
        }
        // The nonce makes a signature good once, on this chain and this contract only.
        _useNonce(holder);
        return _engage(r, holder);
    }

    /// @inheritdoc IAttestationRegistry
    function withdrawEngagement(uint256 engagementId) external {
        _whenNotPaused();
        Engagement storage e = _existingEngagement(engagementId);
        if (e.holder != _msgSender()) revert NotEngager(engagementId, _msgSender());
        if (e.used || e.withdrawn) revert EngagementClosed(engagementId);
        e.withdrawn = true;
        emit EngagementWithdrawn(engagementId, e.assetId, e.holder);
    }

    /// @inheritdoc IAttestationRegistry
    function revokeAttestation(uint256 attestationId, uint16 reasonCode) external {
        _whenNotPaused();
        Attestation storage a = _existing(attestationId);
        if (a.issuer != _msgSender()) revert NotIssuer(attestationId, _msgSender());
        if (a.revoked) revert AlreadyRevoked(attestationId);
        a.revoked = true;
        emit AttestationRevoked(attestationId, a.assetId, a.issuer, reasonCode);
    }

    /// @inheritdoc IAttestationRegistry
    function getAttestation(uint256 attestationId) external view returns (Attestation memory) {
        return _existing(attestationId);
    }

    /// @inheritdoc IAttestationRegistry
    function getEngagement(uint256 engagementId) external view returns (Engagement memory) {
        return _existingEngagement(engagementId);
    }

    /// @inheritdoc IAttestationRegistry
    function attestationStatus(uint256 attestationId) external view returns (Status) {
        Attestation storage a = _existing(attestationId);
        if (a.revoked) return Status.Revoked;
        if (!participants.isActive(a.issuer, _role(a.kind))) {
            // Admitted in the role and not suspended, so what fails is the qualification.
            if (participants.getParticipantStatus(a.issuer) == IParticipantRegistry.ParticipantStatus.Active) {
                return Status.IssuerNotQualified;
            }
            return Status.IssuerNotActive;
        }
        if (a.validUntil != 0 && block.timestamp >= a.validUntil) return Status.Expired;
        // assetTraits reads the asset's one slot; getAsset also reads the changed-content slot (a cold SLOAD, ~2,100
        // gas on every important-data trade, which asks for its certification's status).
        // slither-disable-next-line unused-return (only the version decides Superseded)
        (,, uint16 version,) = dataRegistry.assetTraits(a.assetId);
        if (version != a.assetVersion) return Status.Superseded;
        return Status.Valid;
    }

    /// @inheritdoc IAttestationRegistry
    function nonces(address holder) public view override(IAttestationRegistry, Nonces) returns (uint256) {
        return super.nonces(holder);
    }

    /// @inheritdoc IAttestationRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    function _attest(address issuer, bytes32 assetId, AttestationData calldata data)
        private
        returns (uint256 attestationId)
    {
        // isActive is false for a service provider whose qualification has lapsed: it must be qualified now.
        if (!participants.isActive(issuer, _role(data.kind))) revert NotAServiceProvider(issuer, data.kind);
        IDataRegistry.AssetView memory asset = dataRegistry.getAsset(assetId);
        if (asset.status != IDataRegistry.AssetStatus.Active) revert AttestationAssetNotActive(assetId);
        attestationId = ++attestationCount;
        _attestations[attestationId] = Attestation({
            issuer: issuer,
            kind: data.kind,
            revoked: false,
            assetVersion: asset.version,
            issuedAt: uint64(block.timestamp),
            validUntil: data.validUntil,
            assetId: assetId
        });
        emit Attested(attestationId, assetId, issuer, asset.version, data);
    }

    function _engage(EngagementRequest calldata r, address holder) private returns (uint256 engagementId) {
        if (!participants.isActive(r.appraiser, IParticipantRegistry.Role.Appraiser)) {
            revert NotAServiceProvider(r.appraiser, Kind.Appraisal);
        }
        _requireHolder(r.assetId, r.rightIndex, holder);
        engagementId = ++engagementCount;
        _engagements[engagementId] = Engagement({
            holder: holder,
            used: false,
            withdrawn: false,
            appraiser: r.appraiser,
            // forge-lint: disable-next-line(unsafe-typecast) right indices are uint24 in the DataRegistry
            rightIndex: uint64(r.rightIndex),
            assetId: r.assetId,
            letterCid: r.letterCid
        });
        emit Engaged(engagementId, r.assetId, holder, r.appraiser, r.rightIndex, r.letterCid);
    }

    /// @dev `account` holds the valid holding right `rightIndex` of an active asset (a granted holding right counts:
    /// 持有权 may be held by several parties).
    function _requireHolder(bytes32 assetId, uint256 rightIndex, address account) private view {
        // slither-disable-next-line unused-return (only whether the chain fails matters, not which right)
        (IDataRegistry.Validity validity,) = dataRegistry.rightValidity(assetId, rightIndex);
        if (validity != IDataRegistry.Validity.Valid) revert NotHoldingRightHolder(assetId, rightIndex, account);
        IDataRegistry.RightView memory right = dataRegistry.getRight(assetId, rightIndex);
        if (right.kind != IDataRegistry.RightKind.Holding || right.holder != account) {
            revert NotHoldingRightHolder(assetId, rightIndex, account);
        }
    }

    function _existing(uint256 attestationId) private view returns (Attestation storage a) {
        a = _attestations[attestationId];
        if (a.issuer == address(0)) revert AttestationNotFound(attestationId);
    }

    function _existingEngagement(uint256 engagementId) private view returns (Engagement storage e) {
        e = _engagements[engagementId];
        if (e.holder == address(0)) revert EngagementNotFound(engagementId);
    }

    function _role(Kind kind) private pure returns (IParticipantRegistry.Role) {
        if (kind == Kind.Appraisal) return IParticipantRegistry.Role.Appraiser;
        if (kind == Kind.ComplianceCertification) return IParticipantRegistry.Role.ComplianceCertifier;
        if (kind == Kind.QualityEvaluation) return IParticipantRegistry.Role.QualityEvaluator;
        if (kind == Kind.Notarisation) return IParticipantRegistry.Role.Notary;
        if (kind == Kind.Custody) return IParticipantRegistry.Role.Custodian;
        return IParticipantRegistry.Role.Insurer;
    }
}
