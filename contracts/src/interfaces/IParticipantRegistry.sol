// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Participant registry: who may act as exchange, registrar, service provider or regulator
/// @notice Exchanges (数据交易所), registrars (登记机构), third-party service providers (appraisers 数据资产评估,
/// compliance certifiers 合规认证, quality evaluators 质量评价) and regulators, each with a role, a name, the hash
/// of its unified social credit code and its API endpoint.
/// @dev Governance: one admin account adds, suspends and reinstates participants. In production the admin is
/// a multisig wallet (e.g. a Safe) held by the council of member exchanges, so no single exchange or operator
/// can admit or exclude a participant alone; the admin role moves only by a two-step handover
/// (`transferOwnership` then `acceptOwnership`) and can never be renounced. On the local chain the deployer
/// holds it.
/// Emergency stop: the admin can pause the whole registry. While paused, every write of every registry
/// contract (DataRegistry, ListingRegistry, RegistrationOffice, AttestationRegistry and this registry's own
/// `setEndpoint`) reverts with `RegistryPaused`, directly or through the forwarder; reads and the history
/// (events already on chain) are unaffected, and so are the admin's own governance calls, which are how the
/// council responds (suspending a participant, handing over the admin role, unpausing). Each registry contract
/// keeps a copy of the switch in its own storage (see {IPauseFlag}), set by this registry when the admin binds the
/// contract (`bindContracts`, once after deployment) and on every `pause` and `unpause`.
interface IParticipantRegistry {
    enum Role {
        None,
        Exchange,
        Registrar,
        Appraiser,
        ComplianceCertifier,
        QualityEvaluator,
        Regulator,
        // Issue 21: the authorising body of public data (授权主体), and the service agencies of the data market.
        DataAuthority,
        DataMerchant,
        DataBroker,
        Notary,
        Custodian,
        Insurer
    }

    enum ParticipantStatus {
        None,
        Active,
        Suspended
    }

    /// @notice A participant as returned by `getParticipant`.
    struct Participant {
        Role role;
        ParticipantStatus status;
        bytes32 creditCodeHash;
        string name;
        string endpoint;
    }

    /// @notice Thrown when adding an account that is already a participant.
    error ParticipantExists(address account);
    /// @notice Thrown when an account is not a participant.
    error ParticipantNotFound(address account);
    /// @notice Thrown when a role outside Exchange..Regulator is given.
    error InvalidRole(uint8 role);
    /// @notice Thrown when the zero address, an empty name or an empty credit code hash is given.
    error InvalidParticipant(address account);
    /// @notice Thrown when suspending a suspended participant or reinstating an active one.
    error StatusUnchanged(address account, ParticipantStatus status);
    /// @notice Thrown by every write of every registry contract while the admin has paused the registry.
    error RegistryPaused();
    /// @notice Thrown when pausing a paused registry or unpausing one that is not paused.
    error PauseUnchanged(bool paused);
    /// @notice Thrown when binding a contract that is already bound.
    error ContractAlreadyBound(address target);
    /// @notice Thrown when binding more than `max` contracts.
    error TooManyBoundContracts(uint256 max);
    /// @notice Thrown by `renounceOwnership`: the registry must always have an admin (who alone can unpause).
    error AdminCannotBeRenounced();

    /// @notice Emitted when the admin admits a participant.
    event ParticipantAdded(
        address indexed account, Role indexed role, string name, bytes32 creditCodeHash, string endpoint
    );
    /// @notice Emitted when the admin suspends a participant: it can no longer act in its role.
    event ParticipantSuspended(address indexed account, uint16 reasonCode, bytes32 evidenceCid);
    /// @notice Emitted when the admin reinstates a suspended participant.
    event ParticipantReinstated(address indexed account);
    /// @notice Emitted when a participant changes its API endpoint.
    event ParticipantEndpointChanged(address indexed account, string endpoint);
    /// @notice Emitted when the admin pauses every write of the registry (emergency stop).
    /// @param reasonCid SHA-256 digest of the CIDv0 of the council's decision or incident note, or zero.
    event Paused(address indexed admin, bytes32 reasonCid);
    /// @notice Emitted when the admin lifts the pause.
    event Unpaused(address indexed admin);
    /// @notice Emitted when the admin binds a registry contract: it keeps a copy of the pause switch from now on.
    event ContractBound(address indexed target);

    /// @notice Admits `account` in `role` (admin only).
    function addParticipant(
        address account,
        Role role,
        string calldata name,
        bytes32 creditCodeHash,
        string calldata endpoint
    ) external;

    /// @notice Suspends a participant (admin only).
    function suspendParticipant(address account, uint16 reasonCode, bytes32 evidenceCid) external;

    /// @notice Reinstates a suspended participant (admin only).
    function reinstateParticipant(address account) external;

    /// @notice Changes the caller's own API endpoint.
    function setEndpoint(string calldata endpoint) external;

    /// @notice Pauses every write of every registry contract (admin only).
    function pause(bytes32 reasonCid) external;

    /// @notice Lifts the pause (admin only).
    function unpause() external;

    /// @notice Binds registry contracts to the pause switch (admin only): each keeps a copy of it, set now and on
    /// every `pause` and `unpause`, and reads its own copy before a write. Reverts for a contract already bound,
    /// or one that does not take its switch from this registry.
    function bindContracts(address[] calldata targets) external;

    /// @notice The registry contracts bound to the pause switch, in the order they were bound.
    function boundContracts() external view returns (address[] memory);

    /// @notice Whether the admin has paused the registry's writes.
    function paused() external view returns (bool);

    /// @notice Whether `account` is an active participant in `role`.
    function isActive(address account, Role role) external view returns (bool);

    /// @notice A participant's status (None for an account that is not one), in any role.
    function getParticipantStatus(address account) external view returns (ParticipantStatus);

    /// @notice A participant; reverts with `ParticipantNotFound` for an unknown account.
    function getParticipant(address account) external view returns (Participant memory);
}
