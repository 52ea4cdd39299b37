// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IFinanceRecords} from "./interfaces/IFinanceRecords.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title FinanceRecords
/// @notice See {IFinanceRecords}. A contract of its own, beside the DataRegistry, so that registering (whose gas
/// is budgeted) pays nothing for it: the DataRegistry is only read.
contract FinanceRecords is IFinanceRecords, ERC2771Context, PauseFlag {
    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    /// @inheritdoc IFinanceRecords
    uint256 public remarkCount;
    mapping(bytes32 assetId => mapping(address holder => AccountingRecord)) private _accounting;
    mapping(uint256 remarkId => Remark) private _remarks;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, address forwarder)
        ERC2771Context(forwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Writes
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IFinanceRecords
    function recordAccounting(bytes32 assetId, uint256 rightIndex, address auditor, bytes32 documentCid)
        external
        returns (uint32 revision)
    {
        _whenNotPaused();
        address holder = _holder(assetId, rightIndex);
        if (documentCid == bytes32(0)) revert MissingDocument();
        if (auditor == holder) revert SelfCounterparty(holder);
        AccountingRecord storage r = _accounting[assetId][holder];
        revision = r.revision + 1;
        r.documentCid = documentCid;
        r.auditor = auditor;
        r.revision = revision;
        r.recordedAt = uint64(block.timestamp);
        emit AccountingRecorded(assetId, holder, auditor, documentCid, revision);
    }

    /// @inheritdoc IFinanceRecords
    function recordRemark(bytes32 assetId, uint256 rightIndex, RemarkData calldata data)
        external
        returns (uint256 remarkId)
    {
        _whenNotPaused();
        address holder = _holder(assetId, rightIndex);
        if (data.counterparty == address(0)) revert MissingCounterparty();
        if (data.counterparty == holder) revert SelfCounterparty(holder);
        if (data.documentCid == bytes32(0)) revert MissingDocument();
        uint256 count = data.beneficiaries.length;
        if ((data.kind == RemarkKind.DataTrust) != (count > 0)) revert InvalidBeneficiaries(data.kind, count);
        for (uint256 i; i < count; ++i) {
            if (data.beneficiaries[i] == address(0)) revert InvalidBeneficiaries(data.kind, count);
        }
        if (data.effectiveUntil != 0 && data.effectiveUntil <= data.effectiveFrom) {
            revert InvalidPeriod(data.effectiveFrom, data.effectiveUntil);
        }
        remarkId = ++remarkCount;
        _remarks[remarkId] =
            Remark({assetId: assetId, holder: holder, kind: data.kind, ended: false, counterparty: data.counterparty});
        emit FinanceRemarkRecorded(remarkId, assetId, holder, data);
    }

    /// @inheritdoc IFinanceRecords
    function endRemark(uint256 remarkId, bytes32 evidenceCid) external {
        _whenNotPaused();
        Remark storage r = _existing(remarkId);
        address sender = _msgSender();
        if (r.holder != sender) revert NotRemarkHolder(remarkId, sender);
        if (r.ended) revert RemarkAlreadyEnded(remarkId);
        r.ended = true;
        emit FinanceRemarkEnded(remarkId, r.assetId, sender, evidenceCid);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IFinanceRecords
    function getAccounting(bytes32 assetId, address holder) external view returns (AccountingRecord memory) {
        return _accounting[assetId][holder];
    }

    /// @inheritdoc IFinanceRecords
    function getRemark(uint256 remarkId) external view returns (Remark memory) {
        return _existing(remarkId);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Internal
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev The caller, once the DataRegistry confirms it holds `rightIndex` of `assetId` as a holding right
    /// that is valid now (the asset active, the right neither pending, revoked nor expired).
    function _holder(bytes32 assetId, uint256 rightIndex) private view returns (address holder) {
        holder = _msgSender();
        // Validity first: it answers false (never reverts) for an asset or right that does not exist.
        if (!dataRegistry.isRightValid(assetId, rightIndex)) revert NotHoldingRightHolder(assetId, rightIndex, holder);
        IDataRegistry.RightView memory right = dataRegistry.getRight(assetId, rightIndex);
        if (right.holder != holder || right.kind != IDataRegistry.RightKind.Holding) {
            revert NotHoldingRightHolder(assetId, rightIndex, holder);
        }
    }

    function _existing(uint256 remarkId) private view returns (Remark storage r) {
        r = _remarks[remarkId];
        if (r.holder == address(0)) revert RemarkNotFound(remarkId);
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }
}
