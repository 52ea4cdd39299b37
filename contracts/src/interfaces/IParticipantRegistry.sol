// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Participant registry: who may act as exchange, registrar, service provider or regulator
/// @notice Exchanges (数据交易所), registrars (登记机构), third-party service providers (appraisers 数据资产评估,
/// compliance certifiers 合规认证, quality evaluators 质量评价) and regulators, each with a role, a name, the hash
/// of its unified social credit code and its API endpoint.
/// Qualifications (issue 21): the service roles (appraiser, compliance certifier, quality evaluator, data merchant,
/// data broker, notary, custodian, insurer; see `requiresQualification`) act only under a qualification record the
/// council keeps for them: the issuing body, the licence or recognition number, the scope, the term and the
/// document. Such a participant is admitted inactive and becomes active when the council records its
/// qualification (`qualify`); it stops being active when the qualification expires or is revoked, exactly as if it
/// were suspended, so every contract's `isActive` check follows the qualification with no change of its own. A data
/// merchant's recognition (数据商登记、审核、认定) is its qualification of kind `Recognition`: the council records it
/// once the recognising body has registered, reviewed and recognised the merchant. The other roles (exchange,
/// registrar, regulator, data authority) are public bodies that need no record; if the council records one for
/// them anyway, it governs them in the same way.
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

    /// @notice What a qualification record is (资质类型).
    enum QualificationKind {
        Licence, // a licence or practising certificate (执业资格/许可), e.g. an appraisal firm's filing, a notary office's licence
        Recognition, // recognition after registration and review (登记、审核、认定), e.g. a data merchant's
        Accreditation // accreditation of a certification or testing body (认证认可), e.g. CNAS
    }

    /// @notice Whether a participant's current qualification stands now (`qualificationStatus`).
    enum QualificationStatus {
        None, // no record
        Valid,
        NotYetValid,
        Expired,
        Revoked
    }

    /// @notice A qualification as the council records it (`qualify`).
    /// @param issuer The body that issued it (发证机关/认定机构).
    /// @param number The licence, certificate or recognition number.
    /// @param scope What it covers (业务范围), e.g. "数据资产评估" or "数据产品经营（交通、金融）".
    /// @param validFrom Unix time it starts; 0 for at once.
    /// @param validUntil Unix time it ends; 0 for no end.
    /// @param documentCid SHA-256 digest of the CIDv0 of the certificate or recognition decision, or zero.
    struct QualificationData {
        QualificationKind kind;
        uint64 validFrom;
        uint64 validUntil;
        string issuer;
        string number;
        string scope;
        bytes32 documentCid;
    }

    /// @notice A participant's current qualification (`getQualification`); `serial` counts its records from 1.
    struct Qualification {
        uint32 serial;
        QualificationKind kind;
        bool revoked;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 documentCid;
        string issuer;
        string number;
        string scope;
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
    /// @notice Thrown when the role None is given.
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

    /// @notice Thrown when a qualification has no issuer or number, or ends before it starts or before now.
    error InvalidQualification(address account);
    /// @notice Thrown when renewing or revoking the qualification of a participant that has none.
    error QualificationNotFound(address account);
    /// @notice Thrown when renewing or revoking a revoked qualification.
    error QualificationAlreadyRevoked(address account, uint32 serial);
    /// @notice Thrown when a renewal does not extend the qualification's term (or it has no end already).
    error RenewalNotLater(address account, uint64 validUntil, uint64 requested);

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
    /// @notice Emitted when the admin records a participant's qualification; it replaces any earlier one.
    event QualificationRecorded(address indexed account, uint32 indexed serial, QualificationData qualification);
    /// @notice Emitted when the admin extends a qualification's term (a renewed licence).
    event QualificationRenewed(address indexed account, uint32 indexed serial, uint64 validUntil, bytes32 documentCid);
    /// @notice Emitted when the admin revokes a qualification: the participant is no longer active in its role.
    event QualificationRevoked(address indexed account, uint32 indexed serial, uint16 reasonCode, bytes32 evidenceCid);
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

    /// @notice Records `account`'s qualification (admin only), replacing its current one if any.
    function qualify(address account, QualificationData calldata qualification) external;

    /// @notice Extends the term of `account`'s current qualification to `validUntil` (admin only).
    function renewQualification(address account, uint64 validUntil, bytes32 documentCid) external;

    /// @notice Revokes `account`'s current qualification (admin only).
    function revokeQualification(address account, uint16 reasonCode, bytes32 evidenceCid) external;

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

    /// @notice Whether `account` is an active participant in `role`: admitted in that role, not suspended, and,
    /// for a role that requires a qualification (or a participant with one on record), qualified now.
    function isActive(address account, Role role) external view returns (bool);

    /// @notice Whether participants of `role` act only under a qualification record.
    function requiresQualification(Role role) external pure returns (bool);

    /// @notice Whether `account`'s current qualification stands now (None when it has no record).
    function qualificationStatus(address account) external view returns (QualificationStatus);

    /// @notice `account`'s current qualification; reverts with `QualificationNotFound` when it has none.
    function getQualification(address account) external view returns (Qualification memory);

    /// @notice A participant's status (None for an account that is not one), in any role.
    function getParticipantStatus(address account) external view returns (ParticipantStatus);

    /// @notice A participant; reverts with `ParticipantNotFound` for an unknown account.
    function getParticipant(address account) external view returns (Participant memory);
}
