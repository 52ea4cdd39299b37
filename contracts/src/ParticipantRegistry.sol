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

    /// @dev A participant in storage. `qualifiedFrom` and `qualifiedUntil` (the current qualification's term, or
    /// [0, max) for a role that needs none, or [0, 0) for one not yet qualified or revoked) share the first slot with
    /// the role and status, so `isActive`, called by every registry write, still reads one slot.
    struct Record {
        Role role;
        ParticipantStatus status;
        uint64 qualifiedFrom;
        uint64 qualifiedUntil;
        bytes32 creditCodeHash;
        string name;
        string endpoint;
    }

    mapping(address account => Record) private _participants;
    mapping(address account => Qualification) private _qualifications;

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
        // A service role starts with an empty qualification term: it is inactive until the council qualifies it.
        uint64 until = _requiresQualification(role) ? 0 : type(uint64).max;
        _participants[account] = Record(role, ParticipantStatus.Active, 0, until, creditCodeHash, name, endpoint);
        emit ParticipantAdded(account, role, name, creditCodeHash, endpoint);
    }

    /// @inheritdoc IParticipantRegistry
    function suspendParticipant(address account, uint16 reasonCode, bytes32 evidenceCid) external onlyOwner {
        Record storage p = _existing(account);
        if (p.status != ParticipantStatus.Active) revert StatusUnchanged(account, p.status);
        p.status = ParticipantStatus.Suspended;
        emit ParticipantSuspended(account, reasonCode, evidenceCid);
    }

    /// @inheritdoc IParticipantRegistry
    function reinstateParticipant(address account) external onlyOwner {
        Record storage p = _existing(account);
        if (p.status != ParticipantStatus.Suspended) revert StatusUnchanged(account, p.status);
        p.status = ParticipantStatus.Active;
        emit ParticipantReinstated(account);
    }

    /// @inheritdoc IParticipantRegistry
    function qualify(address account, QualificationData calldata q) external onlyOwner {
        Record storage p = _existing(account);
        bool ends = q.validUntil != 0;
        if (bytes(q.issuer).length == 0 || bytes(q.number).length == 0) revert InvalidQualification(account);
        if (ends && (q.validUntil <= q.validFrom || q.validUntil <= block.timestamp)) {
            revert InvalidQualification(account);
        }
        Qualification storage current = _qualifications[account];
        uint32 serial = current.serial + 1;
        _qualifications[account] = Qualification({
            serial: serial,
            kind: q.kind,
            revoked: false,
            validFrom: q.validFrom,
            validUntil: q.validUntil,
            documentCid: q.documentCid,
            issuer: q.issuer,
            number: q.number,
            scope: q.scope
        });
        p.qualifiedFrom = q.validFrom;
        p.qualifiedUntil = ends ? q.validUntil : type(uint64).max;
        emit QualificationRecorded(account, serial, q);
    }

    /// @inheritdoc IParticipantRegistry
    function renewQualification(address account, uint64 validUntil, bytes32 documentCid) external onlyOwner {
        Record storage p = _existing(account);
        Qualification storage q = _current(account);
        // A renewal extends a term that ends; "no end" cannot be extended, and an earlier end is a revocation.
        if (q.validUntil == 0 || validUntil <= q.validUntil) revert RenewalNotLater(account, q.validUntil, validUntil);
        q.validUntil = validUntil;
        if (documentCid != bytes32(0)) q.documentCid = documentCid;
        p.qualifiedUntil = validUntil;
        emit QualificationRenewed(account, q.serial, validUntil, documentCid);
    }

    /// @inheritdoc IParticipantRegistry
    function revokeQualification(address account, uint16 reasonCode, bytes32 evidenceCid) external onlyOwner {
        Record storage p = _existing(account);
        Qualification storage q = _current(account);
        q.revoked = true;
        p.qualifiedFrom = 0;
        p.qualifiedUntil = 0;
        emit QualificationRevoked(account, q.serial, reasonCode, evidenceCid);
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
        Record storage p = _participants[account];
        return p.status == ParticipantStatus.Active && p.role == role && block.timestamp >= p.qualifiedFrom
            && block.timestamp < p.qualifiedUntil;
    }

    /// @inheritdoc IParticipantRegistry
    function requiresQualification(Role role) external pure returns (bool) {
        return _requiresQualification(role);
    }

    /// @inheritdoc IParticipantRegistry
    function qualificationStatus(address account) external view returns (QualificationStatus) {
        Qualification storage q = _qualifications[account];
        if (q.serial == 0) return QualificationStatus.None;
        if (q.revoked) return QualificationStatus.Revoked;
        if (block.timestamp < q.validFrom) return QualificationStatus.NotYetValid;
        if (q.validUntil != 0 && block.timestamp >= q.validUntil) return QualificationStatus.Expired;
        return QualificationStatus.Valid;
    }

    /// @inheritdoc IParticipantRegistry
    function getQualification(address account) external view returns (Qualification memory) {
        Qualification storage q = _qualifications[account];
        if (q.serial == 0) revert QualificationNotFound(account);
        return q;
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipantStatus(address account) external view returns (ParticipantStatus) {
        return _participants[account].status;
    }

    /// @inheritdoc IParticipantRegistry
    function getParticipant(address account) external view returns (Participant memory) {
        Record storage p = _existing(account);
        return Participant(p.role, p.status, p.creditCodeHash, p.name, p.endpoint);
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

    function _existing(address account) private view returns (Record storage p) {
        p = _participants[account];
        if (p.status == ParticipantStatus.None) revert ParticipantNotFound(account);
    }

    function _current(address account) private view returns (Qualification storage q) {
        q = _qualifications[account];
        if (q.serial == 0) revert QualificationNotFound(account);
        if (q.revoked) revert QualificationAlreadyRevoked(account, q.serial);
    }

    /// @dev The third-party service roles: the market trusts their attestations and dealings because of a licence
    /// or recognition, so they act only under one. Exchanges, registrars, regulators and data authorities are
    /// public bodies whose standing is their admission by the council.
    function _requiresQualification(Role role) private pure returns (bool) {
        return role == Role.Appraiser || role == Role.ComplianceCertifier || role == Role.QualityEvaluator
            || role >= Role.DataMerchant;
    }
}
