// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IPauseFlag} from "./interfaces/IPauseFlag.sol";

/// @title ParticipantRegistry
/// @notice See {IParticipantRegistry}. The owner is the admin (a council multisig in production). It also
/// holds the registry-wide pause switch, which it copies into every registry contract bound to it.
contract ParticipantRegistry is IParticipantRegistry, Ownable2Step, ERC2771Context {
    /// @dev Bounds the gas of `pause` and `unpause`, which set each bound contract's copy of the switch.
    uint256 public constant MAX_BOUND_CONTRACTS = 16;

    mapping(address account => Participant) private _participants;

    /// @inheritdoc IParticipantRegistry
    bool public paused;

    /// @dev The registry contracts that keep a copy of the switch (see {IPauseFlag}).
    address[] private _bound;

    constructor(address admin, address trustedForwarder) Ownable(admin) ERC2771Context(trustedForwarder) {}

    /// @inheritdoc IParticipantRegistry
    function addParticipant(
        address account,
        Role role,
        string calldata name,
        bytes32 creditCodeHash,
        string calldata endpoint
    ) external onlyOwner {
        if (role == Role.None) revert InvalidRole(uint8(role));
        if (account == address(0) || bytes(name).length == 0 || creditCodeHash == bytes32(0)) {
            revert InvalidParticipant(account);
        }
        if (_participants[account].status != ParticipantStatus.None) revert ParticipantExists(account);
        _participants[account] = Participant(role, ParticipantStatus.Active, creditCodeHash, name, endpoint);
        emit ParticipantAdded(account, role, name, creditCodeHash, endpoint);
    }

    /// @inheritdoc IParticipantRegistry
    function suspendParticipant(address account, uint16 reasonCode, bytes32 evidenceCid) external onlyOwner {
        Participant storage p = _existing(account);
        if (p.status != ParticipantStatus.Active) revert StatusUnchanged(account, p.status);
        p.status = ParticipantStatus.Suspended;
        emit ParticipantSuspended(account, reasonCode, evidenceCid);
    }

    /// @inheritdoc IParticipantRegistry
    function reinstateParticipant(address account) external onlyOwner {
        Participant storage p = _existing(account);
        if (p.status != ParticipantStatus.Suspended) revert StatusUnchanged(account, p.status);
        p.status = ParticipantStatus.Active;
        emit ParticipantReinstated(account);
    }

    /// @inheritdoc IParticipantRegistry
    function setEndpoint(string calldata endpoint) external {
        if (paused) revert RegistryPaused();
        _existing(_msgSender()).endpoint = endpoint;
        emit ParticipantEndpointChanged(_msgSender(), endpoint);
    }

    /// @inheritdoc IParticipantRegistry
    function pause(bytes32 reasonCid) external onlyOwner {
        if (paused) revert PauseUnchanged(true);
        paused = true;
        _copySwitch(true);
        emit Paused(_msgSender(), reasonCid);
    }

    /// @inheritdoc IParticipantRegistry
    function unpause() external onlyOwner {
        if (!paused) revert PauseUnchanged(false);
        paused = false;
        _copySwitch(false);
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IParticipantRegistry
    function bindContracts(address[] calldata targets) external onlyOwner {
        // Every target is checked and recorded before any is called (checks-effects-interactions).
        for (uint256 i; i < targets.length; ++i) {
            address target = targets[i];
            uint256 count = _bound.length;
            if (count == MAX_BOUND_CONTRACTS) revert TooManyBoundContracts(MAX_BOUND_CONTRACTS);
            for (uint256 j; j < count; ++j) {
                if (_bound[j] == target) revert ContractAlreadyBound(target);
            }
            _bound.push(target);
        }
        bool current = paused;
        for (uint256 i; i < targets.length; ++i) {
            // Reverts unless the target takes its switch from this registry (IPauseFlag.NotParticipantRegistry).
            IPauseFlag(targets[i]).setPaused(current);
            emit ContractBound(targets[i]);
        }
    }

    /// @inheritdoc IParticipantRegistry
    function boundContracts() external view returns (address[] memory) {
        return _bound;
    }

    /// @notice Refused: without an admin nobody could admit participants or lift a pause ever again.
    function renounceOwnership() public view override onlyOwner {
        revert AdminCannotBeRenounced();
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account, Role role) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.status == ParticipantStatus.Active && p.role == role;
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipantStatus(address account) external view returns (ParticipantStatus) {
        return _participants[account].status;
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(address account) external view returns (Participant memory) {
        return _existing(account);
    }

    function _msgSender() internal view override(Context, ERC2771Context) returns (address) {
        return ERC2771Context._msgSender();
    }

    function _msgData() internal view override(Context, ERC2771Context) returns (bytes calldata) {
        return ERC2771Context._msgData();
    }

    function _contextSuffixLength() internal view override(Context, ERC2771Context) returns (uint256) {
        return ERC2771Context._contextSuffixLength();
    }

    /// @dev Every bound contract's copy follows the switch in the same transaction; one that refused would revert
    /// the whole pause, so the copies never disagree with the switch.
    function _copySwitch(bool value) private {
        uint256 count = _bound.length;
        for (uint256 i; i < count; ++i) {
            IPauseFlag(_bound[i]).setPaused(value);
        }
    }

    function _existing(address account) private view returns (Participant storage p) {
        p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotFound(account);
    }
}
