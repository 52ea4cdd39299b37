// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Registration office: the national registration procedure, every step on chain
/// @notice 数据产权登记工作指引（试行）: application → acceptance (or return for missing material) → review by the
/// registrar → publicity (公示) during which any participant may lodge an objection (异议) → the registrar
/// resolves each objection → registration, with a certificate number in the national format and a validity of
/// at most 5 years, renewable from 6 months to 1 day before it ends; a registration not renewed lapses.
/// Refusal and termination carry a reason code. Change registration and cancellation act on the asset record
/// in the DataRegistry (`changeMetadata`, `cancel`), which this office reads.
/// @dev Every write reverts with `IParticipantRegistry.RegistryPaused` while the council has paused the registry (its
/// admin calls excepted).
interface IRegistrationOffice {
    enum Stage {
        None,
        Applied,
        Accepted,
        Returned, // returned for missing material; the applicant may apply again
        Publicity,
        Registered,
        Refused, // an objection was upheld
        Terminated // the review ended it (reason code)
    }

    enum ObjectionStatus {
        None,
        Pending,
        Upheld,
        Rejected
    }

    /// @notice What `certificate` reports, judged now.
    enum CertificateStatus {
        None,
        Pending, // applied, in review or in publicity
        Valid,
        Lapsed, // past its validity, not renewed
        Cancelled, // the asset record was cancelled
        NotRegistered // returned, refused or terminated
    }

    struct Application {
        address applicant;
        address registrar;
        Stage stage;
        uint64 publicityEnds;
        uint64 registeredAt;
        uint64 validUntil;
        uint16 pendingObjections;
        uint16 objections;
        bytes15 certificateNumber;
    }

    struct Objection {
        address objector;
        ObjectionStatus status;
        uint16 reasonCode;
        bytes32 evidenceCid;
    }

    error NotApplicant(bytes32 assetId, address account);
    error NotAssignedRegistrar(bytes32 assetId, address account);
    error RegistrarNotConfigured(address registrar);
    error NotAdmin(address account);
    error NotAParticipant(address account);
    error WrongStage(bytes32 assetId, Stage stage);
    error PublicityOver(bytes32 assetId, uint64 publicityEnds);
    error PublicityNotOver(bytes32 assetId, uint64 publicityEnds);
    error ObjectionsPending(bytes32 assetId, uint16 pending);
    error ObjectionNotPending(bytes32 assetId, uint256 objectionId);
    error InvalidValidity(uint8 validityYears);
    error OutsideRenewalWindow(bytes32 assetId, uint64 opens, uint64 closes);
    error InvalidRegistrarCode(bytes2 region, bytes1 code);

    event RegistrarConfigured(address indexed registrar, bytes2 region, bytes1 code);
    event PublicityPeriodSet(uint64 seconds_);
    event ApplicationFiled(bytes32 indexed assetId, address indexed applicant, address indexed registrar, bytes32 documentsCid);
    event ApplicationAccepted(bytes32 indexed assetId, address indexed registrar);
    event ApplicationReturned(bytes32 indexed assetId, address indexed registrar, uint16 reasonCode, bytes32 noteCid);
    event ReviewPassed(bytes32 indexed assetId, address indexed registrar, uint64 publicityEnds);
    event ApplicationTerminated(bytes32 indexed assetId, address indexed registrar, uint16 reasonCode, bytes32 noteCid);
    event ObjectionLodged(
        bytes32 indexed assetId, uint256 indexed objectionId, address indexed objector, uint16 reasonCode, bytes32 evidenceCid
    );
    event ObjectionResolved(
        bytes32 indexed assetId, uint256 indexed objectionId, address indexed registrar, bool upheld, bytes32 noteCid
    );
    event RegistrationRefused(bytes32 indexed assetId, address indexed registrar, uint16 reasonCode);
    event Registered(bytes32 indexed assetId, address indexed registrar, bytes15 certificateNumber, uint64 validUntil);
    event RegistrationRenewed(bytes32 indexed assetId, address indexed registrar, uint64 validUntil);

    function configureRegistrar(address registrar, bytes2 region, bytes1 code) external;
    function setPublicityPeriod(uint64 seconds_) external;
    function applyFor(bytes32 assetId, address registrar, bytes32 documentsCid) external;
    function accept(bytes32 assetId) external;
    function returnForMaterial(bytes32 assetId, uint16 reasonCode, bytes32 noteCid) external;
    function review(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid) external;
    function object(bytes32 assetId, uint16 reasonCode, bytes32 evidenceCid) external returns (uint256 objectionId);
    function resolveObjection(bytes32 assetId, uint256 objectionId, bool upheld, bytes32 noteCid) external;
    function register(bytes32 assetId, uint8 validityYears) external returns (bytes15 certificateNumber);
    function renew(bytes32 assetId, uint8 validityYears) external;

    function getApplication(bytes32 assetId) external view returns (Application memory);
    function getObjection(bytes32 assetId, uint256 objectionId) external view returns (Objection memory);
    function certificate(bytes32 assetId)
        external
        view
        returns (CertificateStatus status, bytes15 number, uint64 validUntil);
    function publicityPeriod() external view returns (uint64);
}
