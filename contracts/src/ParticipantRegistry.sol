// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistry
/// @notice See {IParticipantRegistry}. The owner is the admin (a council multisig in production).
contract ParticipantRegistry is IParticipantRegistry, Ownable2Step {
    mapping(address account => Participant) private _participants;

    constructor(address admin) Ownable(admin) {}

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
        _existing(msg.sender).endpoint = endpoint;
        emit ParticipantEndpointChanged(msg.sender, endpoint);
    }

    /// @inheritdoc IParticipantRegistry
    function isActive(address account, Role role) external view returns (bool) {
        Participant storage p = _participants[account];
        return p.status == ParticipantStatus.Active && p.role == role;
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(address account) external view returns (Participant memory) {
        return _existing(account);
    }

    function _existing(address account) private view returns (Participant storage p) {
        p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotFound(account);
    }
}
