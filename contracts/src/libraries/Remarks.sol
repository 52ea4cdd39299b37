// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IDataRegistry} from "../interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {Records} from "./Records.sol";

/// @title Remarks
/// @notice The registration remarks (备注) of the DataRegistry: freeze orders (查封, waiting-list seizures
/// 轮候查封) and pledges with their pledgees' consents. An external library: its code runs by DELEGATECALL on
/// the DataRegistry's own storage and emits the DataRegistry's events, but lives in its own account, which
/// keeps the DataRegistry under the EIP-170 size limit. Only rare operations call it (recording and lifting
/// remarks, the consent of a pledgee, and refusals), never the plain register/grant/transfer/revoke/renew path.
/// The counts the DataRegistry's own checks read (standing orders, active pledges) are kept in the asset's slot,
/// which these operations update; the DataRegistry checks the pause and passes who is calling (its `_msgSender`).
library Remarks {
    /// @dev A freeze order's issuer and state; its reference and evidence are in its event.
    struct FreezeOrder {
        address regulator;
        bool active;
    }

    /// @dev A pledge's recording registrar, its pledgee, and the one operation its pledgee consented to.
    struct Pledge {
        address registrar;
        address pledgee;
        bool active;
        bytes32 consent;
    }

    struct Store {
        /// Order `i + 1` of an asset is element `i`.
        mapping(bytes32 assetId => FreezeOrder[]) freezeOrders;
        /// Keyed by asset too, so a pledge can only be released against the asset it was recorded on.
        mapping(bytes32 assetId => mapping(bytes32 pledgeId => Pledge)) pledges;
        /// Every pledge ever recorded on an asset, to check each standing one's consent.
        mapping(bytes32 assetId => bytes32[]) pledgeIds;
    }

    /// @notice A regulator's freeze order on an active asset; a waiting-list seizure if others stand.
    function freeze(
        Store storage s,
        mapping(bytes32 => Records.AssetRecord) storage assets,
        IParticipantRegistry participants,
        address regulator,
        bytes32 assetId,
        string calldata orderReference,
        bytes32 evidenceCid
    ) external returns (uint256 orderId) {
        _requireRole(participants, regulator, IParticipantRegistry.Role.Regulator);
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        uint8 standing = asset.activeFreezes;
        if (standing == type(uint8).max) _refuseFrozen(s, assetId); // 255 orders: the register of orders is full
        asset.activeFreezes = standing + 1;
        s.freezeOrders[assetId].push(FreezeOrder(regulator, true));
        orderId = s.freezeOrders[assetId].length;
        emit IDataRegistry.AssetFrozen(assetId, orderId, regulator, orderReference, evidenceCid, standing != 0);
    }

    /// @notice Lifts a standing order: by its issuing regulator, or by the council admin (`byAdmin`, with a reason).
    function release(
        Store storage s,
        mapping(bytes32 => Records.AssetRecord) storage assets,
        IParticipantRegistry participants,
        address by,
        bytes32 assetId,
        uint256 orderId,
        bytes32 evidenceCid,
        bool byAdmin
    ) external {
        if (byAdmin) {
            if (by != Ownable(address(participants)).owner()) revert IDataRegistry.NotAdmin(by);
            if (evidenceCid == bytes32(0)) revert IDataRegistry.MissingMetadata();
        } else {
            _requireRole(participants, by, IParticipantRegistry.Role.Regulator);
        }
        Records.AssetRecord storage asset = _existingAsset(assets, assetId);
        FreezeOrder[] storage orders = s.freezeOrders[assetId];
        if (orderId == 0 || orderId > orders.length || !orders[orderId - 1].active) {
            revert IDataRegistry.FreezeOrderNotActive(assetId, orderId);
        }
        FreezeOrder storage order = orders[orderId - 1];
        if (!byAdmin && order.regulator != by) revert IDataRegistry.NotFreezeIssuer(assetId, orderId, order.regulator);
        order.active = false;
        --asset.activeFreezes;
        emit IDataRegistry.AssetFreezeReleased(assetId, orderId, by, evidenceCid, byAdmin);
    }

    /// @notice Reverts naming the first standing order (the one in force) and its issuer: who can lift it.
    function refuseFrozen(Store storage s, bytes32 assetId) external view {
        _refuseFrozen(s, assetId);
    }

    function _refuseFrozen(Store storage s, bytes32 assetId) private view {
        FreezeOrder[] storage orders = s.freezeOrders[assetId];
        for (uint256 i; i < orders.length; ++i) {
            if (orders[i].active) revert IDataRegistry.AssetIsFrozen(assetId, i + 1, orders[i].regulator);
        }
    }

    /// @notice A registrar records a pledge on an active asset that is not frozen (a seized asset takes no new
    /// encumbrance).
    function recordPledge(
        Store storage s,
        mapping(bytes32 => Records.AssetRecord) storage assets,
        IParticipantRegistry participants,
        address registrar,
        bytes32 assetId,
        string calldata externalRegistrationNo,
        address pledgee
    ) external returns (bytes32 pledgeId) {
        _requireRole(participants, registrar, IParticipantRegistry.Role.Registrar);
        Records.AssetRecord storage asset = Records.activeAsset(assets, assetId);
        if (asset.activeFreezes != 0) _refuseFrozen(s, assetId);
        if (pledgee == address(0)) revert IDataRegistry.InvalidRecipient(pledgee);
        pledgeId = keccak256(abi.encode(assetId, externalRegistrationNo));
        Pledge storage p = s.pledges[assetId][pledgeId];
        if (p.active) revert IDataRegistry.PledgeUnchanged(assetId, pledgeId, true);
        if (p.registrar == address(0)) s.pledgeIds[assetId].push(pledgeId);
        s.pledges[assetId][pledgeId] = Pledge(registrar, pledgee, true, bytes32(0));
        ++asset.activePledges;
        emit IDataRegistry.PledgeRecorded(assetId, pledgeId, registrar, externalRegistrationNo, pledgee);
    }

    /// @notice Releases a pledge: only the registrar that recorded it.
    function releasePledge(
        Store storage s,
        mapping(bytes32 => Records.AssetRecord) storage assets,
        IParticipantRegistry participants,
        address registrar,
        bytes32 assetId,
        bytes32 pledgeId
    ) external {
        _requireRole(participants, registrar, IParticipantRegistry.Role.Registrar);
        Records.AssetRecord storage asset = _existingAsset(assets, assetId);
        Pledge storage p = s.pledges[assetId][pledgeId];
        if (!p.active) revert IDataRegistry.PledgeUnchanged(assetId, pledgeId, false);
        if (p.registrar != registrar) revert IDataRegistry.NotPledgeRegistrar(assetId, pledgeId, p.registrar);
        p.active = false;
        p.consent = bytes32(0);
        --asset.activePledges;
        emit IDataRegistry.PledgeReleased(assetId, pledgeId, registrar);
    }

    /// @notice The pledgee's consent to one operation on an active asset, replacing any earlier one.
    function consent(
        Store storage s,
        mapping(bytes32 => Records.AssetRecord) storage assets,
        address by,
        bytes32 assetId,
        bytes32 pledgeId,
        IDataRegistry.PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    ) external {
        Records.requireActive(assetId, assets[assetId].status);
        Pledge storage p = s.pledges[assetId][pledgeId];
        if (!p.active) revert IDataRegistry.PledgeUnchanged(assetId, pledgeId, false);
        if (by != p.pledgee) revert IDataRegistry.NotPledgee(assetId, pledgeId, p.pledgee);
        p.consent = keccak256(abi.encode(operation, rightIndex, counterparty));
        emit IDataRegistry.PledgeeConsented(assetId, pledgeId, by, operation, rightIndex, counterparty);
    }

    /// @notice Every standing pledge's pledgee must have consented to exactly this operation, or the refusal
    /// names the first that did not; the consents are used up. A cancellation extinguishes the pledges.
    function useConsent(
        Store storage s,
        bytes32 assetId,
        IDataRegistry.PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    ) external {
        bytes32 wanted = keccak256(abi.encode(operation, rightIndex, counterparty));
        bytes32[] storage ids = s.pledgeIds[assetId];
        for (uint256 i; i < ids.length; ++i) {
            Pledge storage p = s.pledges[assetId][ids[i]];
            if (p.active && p.consent != wanted) {
                revert IDataRegistry.RightPledged(assetId, ids[i], p.pledgee, p.registrar);
            }
        }
        for (uint256 i; i < ids.length; ++i) {
            Pledge storage p = s.pledges[assetId][ids[i]];
            if (!p.active) continue;
            p.consent = bytes32(0);
            if (operation == IDataRegistry.PledgedOperation.Cancel) {
                p.active = false;
                emit IDataRegistry.PledgeReleased(assetId, ids[i], p.pledgee);
            }
        }
    }

    function _requireRole(IParticipantRegistry participants, address account, IParticipantRegistry.Role role)
        private
        view
    {
        if (!participants.isActive(account, role)) revert IDataRegistry.MissingRole(account, uint8(role));
    }

    function _existingAsset(mapping(bytes32 => Records.AssetRecord) storage assets, bytes32 assetId)
        private
        view
        returns (Records.AssetRecord storage asset)
    {
        asset = assets[assetId];
        if (asset.status == IDataRegistry.AssetStatus.None) revert IDataRegistry.AssetNotFound(assetId);
    }
}
