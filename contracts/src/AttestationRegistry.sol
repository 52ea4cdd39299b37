// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title AttestationRegistry
/// @notice See {IAttestationRegistry}. Storage holds what the status check reads; the figures, method,
/// conclusion and report are in the event.
contract AttestationRegistry is IAttestationRegistry, ERC2771Context, PauseFlag {
    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    uint256 public attestationCount;
    mapping(uint256 attestationId => Attestation) private _attestations;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, address forwarder)
        ERC2771Context(forwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
    }

    /// @inheritdoc IAttestationRegistry
    function attest(bytes32 assetId, AttestationData calldata data) external returns (uint256 attestationId) {
        _whenNotPaused();
        address issuer = _msgSender();
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
    function attestationStatus(uint256 attestationId) external view returns (Status) {
        Attestation storage a = _existing(attestationId);
        if (a.revoked) return Status.Revoked;
        if (!participants.isActive(a.issuer, _role(a.kind))) return Status.IssuerNotActive;
        if (a.validUntil != 0 && block.timestamp >= a.validUntil) return Status.Expired;
        if (dataRegistry.getAsset(a.assetId).version != a.assetVersion) return Status.Superseded;
        return Status.Valid;
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    function _existing(uint256 attestationId) private view returns (Attestation storage a) {
        a = _attestations[attestationId];
        if (a.issuer == address(0)) revert AttestationNotFound(attestationId);
    }

    function _role(Kind kind) private pure returns (IParticipantRegistry.Role) {
        if (kind == Kind.Appraisal) return IParticipantRegistry.Role.Appraiser;
        if (kind == Kind.ComplianceCertification) return IParticipantRegistry.Role.ComplianceCertifier;
        return IParticipantRegistry.Role.QualityEvaluator;
    }
}
