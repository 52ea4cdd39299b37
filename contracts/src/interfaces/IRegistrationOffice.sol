// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "./IDataRegistry.sol";

/// @title Registration office: the national registration procedure, every step on chain
/// @notice 数据产权登记工作指引（试行）: application → acceptance (or return for missing material) → review by the
/// registrar → publicity (公示; 5 working days: the registrar sets its end, no earlier than the council's minimum)
/// during which any participant may lodge an objection (异议) → the registrar
/// resolves each objection → registration, with a certificate number in the national format and a validity of
/// at most 5 calendar years, renewable (the holder requests, the registrar reviews) from 6 months to 1 day before
/// it ends; a registration not renewed lapses and may be applied for again. Refusal and termination carry a
/// reason code. Change registration is a procedure too: the registrant applies for a new version, the registrar
/// reviews it, and only then does the DataRegistry make it current; the certificate is re-issued (same number)
/// for the new version, and for a new holder when the primary holding right changes hands. While any
/// application of an asset is in progress its registered version is pinned. Every step on a cancelled or
/// frozen asset is refused with the DataRegistry's error naming the freeze order (objections excepted).
/// Certificate numbers are ASCII, left-aligned in a `bytes17`: the national 15-character number (`SJ35A2026110001`,
/// two zero bytes after it) from a registrar configured with `configureRegistrar`, the 17-digit data intellectual
/// property number (`35020012026110001`) from one configured with `configureIpRegistrar` (see CertificateNumber).
/// `assetOfCertificate` finds the asset a number was issued for: how another registry checks our certificates.
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

    /// @notice Why a certificate was re-issued under its number.
    enum ReissueReason {
        Change, // an approved change registration: new version
        Transfer // the primary holding right changed hands: new holder
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
        bytes17 certificateNumber;
        /// The asset version the certificate certifies (set at registration, re-issued on a change).
        uint16 version;
        /// The certificate's holder: the holder of the primary holding right (follows its transfers).
        address holder;
        /// The holder requested renewal and the registrar has not decided yet.
        bool renewalRequested;
    }

    /// @notice A change registration applied for and not yet reviewed (`pending`).
    struct ChangeApplication {
        address registrar;
        bool pending;
        IDataRegistry.Version version;
        bytes32 documentsCid;
    }

    /// @notice The certificate as it stands: what the printed certificate must show.
    struct CertificateRecord {
        CertificateStatus status;
        bytes17 number;
        uint16 version;
        address holder;
        uint64 registeredAt;
        uint64 validUntil;
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
    /// @notice Thrown when a registrar opens publicity ending at `publicityEnds`, before `earliest`: now plus the
    /// council's minimum (`publicityPeriod`).
    error PublicityTooShort(bytes32 assetId, uint64 publicityEnds, uint64 earliest);
    error ObjectionsPending(bytes32 assetId, uint16 pending);
    error ObjectionNotPending(bytes32 assetId, uint256 objectionId);
    error InvalidValidity(uint8 validityYears);
    error OutsideRenewalWindow(bytes32 assetId, uint64 opens, uint64 closes);
    error InvalidRegistrarCode(bytes2 region, bytes1 code);
    /// @notice Thrown when configuring an IP registrar with a division code that is not 6 digits, a registrar code
    /// that is not a digit, or a division and code another registrar has.
    error InvalidIpRegistrarCode(bytes6 division, bytes1 code);
    /// @notice Thrown when a change is applied for while the registration application is in `stage`.
    error ApplicationInProgress(bytes32 assetId, Stage stage);
    /// @notice Thrown when applying while a change application awaits `registrar`'s review.
    error ChangeInProgress(bytes32 assetId, address registrar);
    /// @notice Thrown when applying while a renewal request awaits `registrar`'s review.
    error RenewalInProgress(bytes32 assetId, address registrar);
    /// @notice Thrown when reviewing a change that was not applied for.
    error NoChangePending(bytes32 assetId);
    /// @notice Thrown when a registrar renews a registration whose holder has not requested renewal.
    error RenewalNotRequested(bytes32 assetId);
    /// @notice Thrown when someone other than the certificate's holder requests renewal.
    error NotCertificateHolder(bytes32 assetId, address account, address holder);
    /// @notice Thrown when renewing a registration that has already lapsed (apply again instead).
    error RegistrationLapsed(bytes32 assetId, uint64 validUntil);
    /// @notice Thrown when a change of a registered asset names another registrar than the one that certified it.
    error WrongRegistrar(bytes32 assetId, address registrar);
    /// @notice Thrown when a call only the DataRegistry may make comes from elsewhere.
    error NotDataRegistry(address account);

    event RegistrarConfigured(address indexed registrar, bytes2 region, bytes1 code);
    /// @notice A registrar now issues 17-digit data intellectual property certificates (数据知识产权登记).
    /// @param registrar The registrar.
    /// @param division Its administrative division code, 6 ASCII digits (GB/T 2260), the numbers' first six digits.
    /// @param code Its registrar digit, the numbers' seventh.
    event IpRegistrarConfigured(address indexed registrar, bytes6 division, bytes1 code);
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
    event Registered(bytes32 indexed assetId, address indexed registrar, bytes17 certificateNumber, uint64 validUntil);
    event RegistrationRenewed(bytes32 indexed assetId, address indexed registrar, uint64 validUntil);
    event RenewalRequested(bytes32 indexed assetId, address indexed holder, address indexed registrar);
    event RenewalRefused(bytes32 indexed assetId, address indexed registrar, uint16 reasonCode, bytes32 noteCid);
    event ChangeApplied(
        bytes32 indexed assetId,
        address indexed applicant,
        address indexed registrar,
        IDataRegistry.Version version,
        bytes32 documentsCid
    );
    /// @param version The version now current when `passed`; 0 when refused.
    event ChangeReviewed(
        bytes32 indexed assetId, address indexed registrar, bool passed, uint16 reasonCode, bytes32 noteCid, uint16 version
    );
    event CertificateReissued(
        bytes32 indexed assetId, address indexed holder, bytes17 certificateNumber, uint16 version, ReissueReason reason
    );

    /// @notice The council gives a registrar its region and code for national (15-character) certificate numbers;
    /// a registrar configured for IP before now issues national numbers.
    function configureRegistrar(address registrar, bytes2 region, bytes1 code) external;
    /// @notice The council configures a registrar for data intellectual property registration: its certificates
    /// get 17-digit numbers (division, code, YYYYMM, serial). It also emits `RegistrarConfigured` with the
    /// division's first two digits as region, so the registrar's region reads as for any other.
    function configureIpRegistrar(address registrar, bytes6 division, bytes1 code) external;
    /// @notice The division code of a registrar configured for IP certificates; zero for a national registrar.
    function ipDivisions(address registrar) external view returns (bytes6);
    /// @notice The asset a certificate number was issued for (zero if none was): with `certificateRecord` of that
    /// asset, what another registry reads to check one of our certificates. A number stays issued to its asset
    /// when a lapsed registration is registered again under a new one; `certificateRecord` then shows the new.
    function assetOfCertificate(bytes17 number) external view returns (bytes32 assetId);
    /// @notice The council sets the shortest publicity a registrar may open, in seconds.
    function setPublicityPeriod(uint64 seconds_) external;
    function applyFor(bytes32 assetId, address registrar, bytes32 documentsCid) external;
    function accept(bytes32 assetId) external;
    function returnForMaterial(bytes32 assetId, uint16 reasonCode, bytes32 noteCid) external;
    /// @notice The registrar's review: passed, it opens publicity until `publicityEnds` (unix seconds, the first
    /// moment after it: 24:00 Beijing time of its last working day, from the off-chain working-day calendar), which
    /// must be at least the council's `publicityPeriod` from now (0: exactly that minimum); not passed, it ends
    /// the application with `reasonCode` (`publicityEnds` is ignored).
    function review(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid, uint64 publicityEnds) external;
    function object(bytes32 assetId, uint16 reasonCode, bytes32 evidenceCid) external returns (uint256 objectionId);
    function resolveObjection(bytes32 assetId, uint256 objectionId, bool upheld, bytes32 noteCid) external;
    function register(bytes32 assetId, uint8 validityYears) external returns (bytes17 certificateNumber);
    /// @notice The registrar grants the holder's renewal request: `validityYears` calendar years more.
    function renew(bytes32 assetId, uint8 validityYears) external;
    function requestRenewal(bytes32 assetId) external;
    function refuseRenewal(bytes32 assetId, uint16 reasonCode, bytes32 noteCid) external;
    function applyForChange(
        bytes32 assetId,
        address registrar,
        IDataRegistry.Version calldata version,
        bytes32 documentsCid
    ) external;
    function reviewChange(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid) external;
    /// @notice The DataRegistry reports that the primary holding right changed hands.
    function holderChanged(bytes32 assetId, address holder) external;
    function getChange(bytes32 assetId) external view returns (ChangeApplication memory);
    function certificateRecord(bytes32 assetId) external view returns (CertificateRecord memory);

    function getApplication(bytes32 assetId) external view returns (Application memory);
    function getObjection(bytes32 assetId, uint256 objectionId) external view returns (Objection memory);
    function certificate(bytes32 assetId)
        external
        view
        returns (CertificateStatus status, bytes17 number, uint64 validUntil);
    function publicityPeriod() external view returns (uint64);
}
