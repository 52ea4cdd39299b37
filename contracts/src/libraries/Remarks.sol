// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "../interfaces/IDataRegistry.sol";

/// @title Remarks
/// @notice The registration remarks (备注) of the DataRegistry: freeze orders (查封, waiting-list seizures
/// 轮候查封) and pledges with their pledgees' consents. An external library: its code runs by DELEGATECALL on
/// the DataRegistry's own storage and emits the DataRegistry's events, but lives in its own account, which
/// keeps the DataRegistry under the EIP-170 size limit. Only rare operations call it (recording and lifting
/// remarks, the consent of a pledgee, and refusals), never the plain register/grant/transfer/revoke/renew path.
/// The DataRegistry keeps the counts its own checks read (standing orders, active pledges) in the asset's slot.
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

    /// @notice Records a freeze order; `standing` is how many stood before it (a waiting-list seizure if any).
    function freeze(
        Store storage s,
        bytes32 assetId,
        address regulator,
        uint256 standing,
        string calldata orderReference,
        bytes32 evidenceCid
    ) external returns (uint256 orderId) {
        s.freezeOrders[assetId].push(FreezeOrder(regulator, true));
        orderId = s.freezeOrders[assetId].length;
        emit IDataRegistry.AssetFrozen(assetId, orderId, regulator, orderReference, evidenceCid, standing != 0);
    }

    /// @notice Lifts a standing order: by its issuer, or by the council admin (`byAdmin`, checked by the caller).
    function release(Store storage s, bytes32 assetId, uint256 orderId, address by, bytes32 evidenceCid, bool byAdmin)
        external
    {
        FreezeOrder[] storage orders = s.freezeOrders[assetId];
        if (orderId == 0 || orderId > orders.length || !orders[orderId - 1].active) {
            revert IDataRegistry.FreezeOrderNotActive(assetId, orderId);
        }
        FreezeOrder storage order = orders[orderId - 1];
        if (!byAdmin && order.regulator != by) revert IDataRegistry.NotFreezeIssuer(assetId, orderId, order.regulator);
        order.active = false;
        emit IDataRegistry.AssetFreezeReleased(assetId, orderId, by, evidenceCid, byAdmin);
    }

    /// @notice Reverts naming the first standing order (the one in force) and its issuer: who can lift it.
    function refuseFrozen(Store storage s, bytes32 assetId) external view {
        FreezeOrder[] storage orders = s.freezeOrders[assetId];
        for (uint256 i; i < orders.length; ++i) {
            if (orders[i].active) revert IDataRegistry.AssetIsFrozen(assetId, i + 1, orders[i].regulator);
        }
    }

    function recordPledge(
        Store storage s,
        bytes32 assetId,
        string calldata externalRegistrationNo,
        address pledgee,
        address registrar
    ) external returns (bytes32 pledgeId) {
        if (pledgee == address(0)) revert IDataRegistry.InvalidRecipient(pledgee);
        pledgeId = keccak256(abi.encode(assetId, externalRegistrationNo));
        Pledge storage p = s.pledges[assetId][pledgeId];
        if (p.active) revert IDataRegistry.PledgeUnchanged(assetId, pledgeId, true);
        if (p.registrar == address(0)) s.pledgeIds[assetId].push(pledgeId);
        s.pledges[assetId][pledgeId] = Pledge(registrar, pledgee, true, bytes32(0));
        emit IDataRegistry.PledgeRecorded(assetId, pledgeId, registrar, externalRegistrationNo, pledgee);
    }

    /// @notice Releases a pledge: only the registrar that recorded it.
    function releasePledge(Store storage s, bytes32 assetId, bytes32 pledgeId, address registrar) external {
        Pledge storage p = s.pledges[assetId][pledgeId];
        if (!p.active) revert IDataRegistry.PledgeUnchanged(assetId, pledgeId, false);
        if (p.registrar != registrar) revert IDataRegistry.NotPledgeRegistrar(assetId, pledgeId, p.registrar);
        p.active = false;
        p.consent = bytes32(0);
        emit IDataRegistry.PledgeReleased(assetId, pledgeId, registrar);
    }

    /// @notice The pledgee's consent to one operation, replacing any earlier one.
    function consent(
        Store storage s,
        bytes32 assetId,
        bytes32 pledgeId,
        address by,
        IDataRegistry.PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    ) external {
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
}
