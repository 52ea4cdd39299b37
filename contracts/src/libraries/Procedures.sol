// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "../interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Records} from "./Records.sol";
import {Remarks} from "./Remarks.sol";

/// @title Procedures
/// @notice The DataRegistry's rare record procedures: a named holder's acceptance and the registrant's withdrawal
/// of an assignment, the registration office's change registration, and cancellation. An external library, like
/// {Remarks}: its code runs by DELEGATECALL on the DataRegistry's storage and emits the DataRegistry's events, but
/// lives in its own account, which keeps the DataRegistry under EIP-170's size limit at the optimizer runs of the
/// rest. The DataRegistry checks the pause and who is calling (its `_msgSender`, the registration office) first;
/// the plain register/grant/transfer/revoke/renew path never calls it.
library Procedures {
    uint16 private constant CANCELLED_ON_REQUEST = 1;
    uint16 private constant MAX_CANCELLATION_REASON = 4;

    /// @notice `holder` accepts the right assigned to it at registration.
    function acceptRight(
        mapping(bytes32 => Records.AssetRecord) storage assets,
        mapping(bytes32 => mapping(uint256 => Records.RightRecord)) storage rights,
        Remarks.Store storage remarks,
        address holder,
        bytes32 assetId,
        uint256 rightIndex
    ) external {
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        Records.requireNotFrozen(remarks, assetId, asset.activeFreezes);
        Records.RightRecord storage right = _pendingRight(rights, assetId, rightIndex);
        if (right.holder != holder) revert IDataRegistry.NotRightHolder(assetId, rightIndex, holder);
        right.flags &= ~Records.FLAG_PENDING;
        emit IDataRegistry.RightAccepted(assetId, rightIndex, holder);
    }

    /// @notice The registrant `by` withdraws an assignment not accepted yet: revoked for good.
    function withdrawAssignment(
        mapping(bytes32 => Records.AssetRecord) storage assets,
        mapping(bytes32 => mapping(uint256 => Records.RightRecord)) storage rights,
        Remarks.Store storage remarks,
        address by,
        bytes32 assetId,
        uint256 rightIndex
    ) external {
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        if (by != asset.registrant) revert IDataRegistry.NotRegistrant(assetId, by);
        Records.requireNotFrozen(remarks, assetId, asset.activeFreezes);
        Records.RightRecord storage right = _pendingRight(rights, assetId, rightIndex);
        right.flags = (right.flags | Records.FLAG_REVOKED) & ~Records.FLAG_PENDING;
        emit IDataRegistry.RightAssignmentWithdrawn(assetId, rightIndex, right.holder);
    }

    function _pendingRight(
        mapping(bytes32 => mapping(uint256 => Records.RightRecord)) storage rights,
        bytes32 assetId,
        uint256 rightIndex
    ) private view returns (Records.RightRecord storage right) {
        right = rights[assetId][rightIndex];
        if (right.flags & Records.FLAG_PENDING == 0 || right.flags & Records.FLAG_REVOKED != 0) {
            revert IDataRegistry.NotPendingAssignment(assetId, rightIndex);
        }
    }

    /// @notice A change registration the registration office commits (the DataRegistry has checked that the
    /// office is calling): the asset's new version, its declared classification and attributes.
    function commitChange(
        mapping(bytes32 => Records.AssetRecord) storage assets,
        Remarks.Store storage remarks,
        mapping(bytes32 => bytes32) storage changedContent,
        bytes32 assetId,
        IDataRegistry.Version calldata v
    ) external returns (uint16 version) {
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        Records.requireNotFrozen(remarks, assetId, asset.activeFreezes);
        if (v.metadataCid == bytes32(0)) revert IDataRegistry.MissingMetadata();
        if (v.contentHash == Records.EMPTY_SHA256) revert IDataRegistry.EmptyContent();
        if (v.classification > Records.MAX_CLASSIFICATION) revert IDataRegistry.InvalidClassification(v.classification);
        if (v.attributes & ~Records.DECLARABLE_ATTRIBUTES != 0) revert IDataRegistry.InvalidAttributes(v.attributes);
        // Lineage is a fact of the registration, not of a version: the derived bit stays.
        uint8 attributes = v.attributes | (asset.attributes & Records.ATTR_DERIVED);
        asset.classification = v.classification;
        asset.attributes = attributes;
        version = ++asset.version;
        if (v.contentHash != bytes32(0)) {
            // The registered data (the one the asset id commits to) needs no slot.
            changedContent[assetId] =
                keccak256(abi.encode(asset.registrant, v.contentHash)) == assetId ? bytes32(0) : v.contentHash;
        }
        emit IDataRegistry.AssetChanged(
            assetId, msg.sender, version, v.metadataCid, v.contentHash, v.contentCid, v.classification, attributes
        );
    }

    /// @notice Cancels the asset's record: on request (reason 1) only by its registrant, on the registry's own
    /// grounds (2..4) only by a registrar; the standing pledges' pledgees must have consented.
    function cancel(
        mapping(bytes32 => Records.AssetRecord) storage assets,
        Remarks.Store storage remarks,
        IParticipantRegistry participants,
        address by,
        bytes32 assetId,
        uint16 reasonCode,
        bytes32 evidenceCid
    ) external {
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        bool allowed = reasonCode == CANCELLED_ON_REQUEST
            ? by == asset.registrant
            : reasonCode > CANCELLED_ON_REQUEST && reasonCode <= MAX_CANCELLATION_REASON
                && participants.isActive(by, IParticipantRegistry.Role.Registrar);
        if (!allowed) revert IDataRegistry.CancellationNotAllowed(assetId, by, reasonCode);
        Records.requireNotFrozen(remarks, assetId, asset.activeFreezes);
        if (asset.activePledges != 0) {
            Remarks.useConsent(remarks, assetId, IDataRegistry.PledgedOperation.Cancel, 0, address(0));
            asset.activePledges = 0;
        }
        asset.status = IDataRegistry.AssetStatus.Cancelled;
        emit IDataRegistry.AssetCancelled(assetId, by, reasonCode, evidenceCid);
    }
}
