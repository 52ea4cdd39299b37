// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IRecognitionRegistry} from "./interfaces/IRecognitionRegistry.sol";

/// @title RecognitionRegistry
/// @notice See {IRecognitionRegistry}. Its writes are the council's (the participant registry's owner, a multisig
/// in production), like the registrar codes; as the other admin calls, they are not stopped by the pause switch
/// (a council may need to withdraw a recognition during an emergency), so it keeps no copy of the switch.
contract RecognitionRegistry is IRecognitionRegistry, ERC2771Context {
    /// @dev Bounds a name's storage and the events' size; registry names are short.
    uint256 public constant MAX_NAME_BYTES = 200;

    IParticipantRegistry public immutable participants;

    uint256 private _count;
    mapping(uint256 recognitionId => Recognition) private _recognitions;
    mapping(bytes32 deploymentKey => uint256 recognitionId) private _standing;

    constructor(IParticipantRegistry participants_, address forwarder) ERC2771Context(forwarder) {
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The council's writes
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRecognitionRegistry
    function recognise(
        uint64 chainId,
        address dataRegistry,
        address registrationOffice,
        uint64 fromBlock,
        bytes2 region,
        string calldata name
    ) external returns (uint256 recognitionId) {
        _onlyCouncil();
        if (chainId == 0 || dataRegistry == address(0) || registrationOffice == address(0) || bytes(name).length == 0
                || bytes(name).length > MAX_NAME_BYTES || !_isDigit(region[0]) || !_isDigit(region[1])) {
            revert InvalidRecognition(chainId, dataRegistry);
        }
        bytes32 key = _key(chainId, dataRegistry);
        uint256 standing = _standing[key];
        if (standing != 0) revert AlreadyRecognised(chainId, dataRegistry, standing);
        recognitionId = ++_count;
        _standing[key] = recognitionId;
        _recognitions[recognitionId] = Recognition(
            chainId, fromBlock, RecognitionStatus.Recognised, region, uint64(block.timestamp), 0, 0, dataRegistry,
            registrationOffice, name
        );
        emit RegistryRecognised(recognitionId, chainId, dataRegistry, registrationOffice, fromBlock, region, name);
    }

    /// @inheritdoc IRecognitionRegistry
    function withdraw(uint256 recognitionId, uint16 reasonCode) external {
        _onlyCouncil();
        Recognition storage r = _recognitions[recognitionId];
        if (r.status != RecognitionStatus.Recognised) revert NotRecognised(recognitionId);
        r.status = RecognitionStatus.Withdrawn;
        r.withdrawnAt = uint64(block.timestamp);
        r.withdrawalReason = reasonCode;
        delete _standing[_key(r.chainId, r.dataRegistry)];
        emit RecognitionWithdrawn(recognitionId, r.chainId, r.dataRegistry, reasonCode);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRecognitionRegistry
    function getRecognition(uint256 recognitionId) external view returns (Recognition memory) {
        return _recognitions[recognitionId];
    }

    /// @inheritdoc IRecognitionRegistry
    function recognitionCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IRecognitionRegistry
    function recognitionOf(uint64 chainId, address dataRegistry) external view returns (uint256) {
        return _standing[_key(chainId, dataRegistry)];
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Internals
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function _onlyCouncil() private view {
        address caller = _msgSender();
        if (caller != Ownable(address(participants)).owner()) revert NotCouncil(caller);
    }

    function _key(uint64 chainId, address dataRegistry) private pure returns (bytes32) {
        return keccak256(abi.encode(chainId, dataRegistry));
    }

    function _isDigit(bytes1 c) private pure returns (bool) {
        return c >= "0" && c <= "9";
    }
}
