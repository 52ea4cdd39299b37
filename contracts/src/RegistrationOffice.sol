// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "./interfaces/IRegistrationOffice.sol";
import {CertificateNumber} from "./libraries/CertificateNumber.sol";
import {CivilDate} from "./libraries/CivilDate.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title RegistrationOffice
/// @notice See {IRegistrationOffice}. Its admin (registrar codes, the shortest publicity allowed) is the participant
/// registry's admin: the council's multisig.
contract RegistrationOffice is IRegistrationOffice, ERC2771Context, PauseFlag {
    uint8 public constant MAX_VALIDITY_YEARS = 5;
    uint64 public constant RENEWAL_OPENS = 183 days; // six months before the end
    uint64 public constant RENEWAL_CLOSES = 1 days; // one day before the end
    uint16 private constant REFUSED_OBJECTION_UPHELD = 3;

    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    struct RegistrarCode {
        bytes2 region;
        bytes1 code;
    }

    /// The shortest publicity the council allows, in seconds: the floor under the end a registrar sets.
    uint64 public publicityPeriod;
    mapping(address registrar => RegistrarCode) public registrarCodes;
    mapping(bytes3 regionAndCode => address registrar) private _codeOwners;
    /// @inheritdoc IRegistrationOffice
    mapping(address registrar => bytes6 division) public ipDivisions;
    mapping(bytes7 divisionAndCode => address registrar) private _ipCodeOwners;
    mapping(bytes17 number => bytes32 assetId) private _certifiedAssets;
    mapping(address registrar => mapping(uint256 yyyymm => uint256 serial)) private _serials;
    mapping(bytes32 assetId => Application) private _applications;
    mapping(bytes32 assetId => mapping(uint256 objectionId => Objection)) private _objections;
    mapping(bytes32 assetId => ChangeApplication) private _changes;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, uint64 publicityPeriod_, address forwarder)
        ERC2771Context(forwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
        publicityPeriod = publicityPeriod_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Administration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRegistrationOffice
    function configureRegistrar(address registrar, bytes2 region, bytes1 code) external {
        _onlyAdmin();
        if (!_isDigit(region[0]) || !_isDigit(region[1]) || !_isAlnum(code)) revert InvalidRegistrarCode(region, code);
        bytes3 key = bytes3(abi.encodePacked(region, code));
        address holder = _codeOwners[key];
        if (holder != address(0) && holder != registrar) revert InvalidRegistrarCode(region, code);
        _codeOwners[key] = registrar;
        registrarCodes[registrar] = RegistrarCode(region, code);
        delete ipDivisions[registrar];
        emit RegistrarConfigured(registrar, region, code);
    }

    /// @inheritdoc IRegistrationOffice
    function configureIpRegistrar(address registrar, bytes6 division, bytes1 code) external {
        _onlyAdmin();
        for (uint256 i; i < 6; ++i) {
            if (!_isDigit(division[i])) revert InvalidIpRegistrarCode(division, code);
        }
        if (!_isDigit(code)) revert InvalidIpRegistrarCode(division, code);
        bytes7 key = bytes7(abi.encodePacked(division, code));
        address holder = _ipCodeOwners[key];
        if (holder != address(0) && holder != registrar) revert InvalidIpRegistrarCode(division, code);
        _ipCodeOwners[key] = registrar;
        ipDivisions[registrar] = division;
        bytes2 region = bytes2(division);
        registrarCodes[registrar] = RegistrarCode(region, code);
        emit RegistrarConfigured(registrar, region, code);
        emit IpRegistrarConfigured(registrar, division, code);
    }

    /// @inheritdoc IRegistrationOffice
    function setPublicityPeriod(uint64 seconds_) external {
        _onlyAdmin();
        publicityPeriod = seconds_;
        emit PublicityPeriodSet(seconds_);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The procedure
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRegistrationOffice
    /// @dev Open to a first application, after a return, refusal or termination, and after the registration
    /// lapsed (a lapsed registration may be applied for again). The holding right must be held, not pending.
    function applyFor(bytes32 assetId, address registrar, bytes32 documentsCid) external {
        _whenNotPaused();
        address applicant = _msgSender();
        IDataRegistry.AssetView memory asset = dataRegistry.getAsset(assetId);
        if (asset.registrant != applicant) revert NotApplicant(assetId, applicant);
        dataRegistry.requireOpen(assetId);
        if (registrarCodes[registrar].code == bytes1(0)) revert RegistrarNotConfigured(registrar);
        Application storage a = _applications[assetId];
        bool lapsed = a.stage == Stage.Registered && block.timestamp >= a.validUntil;
        if (a.stage != Stage.None && a.stage != Stage.Returned && a.stage != Stage.Refused
                && a.stage != Stage.Terminated && !lapsed) {
            revert WrongStage(assetId, a.stage);
        }
        _requireNoChangePending(assetId);
        IDataRegistry.RightView memory holding = dataRegistry.getRight(assetId, 1);
        if (holding.pending) revert IDataRegistry.RightPending(assetId, 1, holding.holder);
        _applications[assetId] =
            Application(applicant, registrar, Stage.Applied, 0, 0, 0, 0, a.objections, 0, asset.version, address(0), false);
        emit ApplicationFiled(assetId, applicant, registrar, documentsCid);
    }

    /// @inheritdoc IRegistrationOffice
    function applyForChange(
        bytes32 assetId,
        address registrar,
        IDataRegistry.Version calldata version,
        bytes32 documentsCid
    ) external {
        _whenNotPaused();
        address applicant = _msgSender();
        if (dataRegistry.getAsset(assetId).registrant != applicant) revert NotApplicant(assetId, applicant);
        dataRegistry.requireOpen(assetId);
        if (registrarCodes[registrar].code == bytes1(0)) revert RegistrarNotConfigured(registrar);
        Application storage a = _applications[assetId];
        // The version under review is pinned: no change while the registration itself is in procedure.
        if (a.stage == Stage.Applied || a.stage == Stage.Accepted || a.stage == Stage.Publicity) {
            revert ApplicationInProgress(assetId, a.stage);
        }
        if (a.renewalRequested) revert RenewalInProgress(assetId, a.registrar);
        if (a.stage == Stage.Registered && registrar != a.registrar) revert WrongRegistrar(assetId, a.registrar);
        _requireNoChangePending(assetId);
        if (version.metadataCid == bytes32(0)) revert IDataRegistry.MissingMetadata();
        _changes[assetId] = ChangeApplication(registrar, true, version, documentsCid);
        emit ChangeApplied(assetId, applicant, registrar, version, documentsCid);
    }

    /// @inheritdoc IRegistrationOffice
    function reviewChange(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid) external {
        _whenNotPaused();
        ChangeApplication storage c = _changes[assetId];
        if (!c.pending) revert NoChangePending(assetId);
        address registrar = _msgSender();
        if (registrar != c.registrar || !participants.isActive(registrar, IParticipantRegistry.Role.Registrar)) {
            revert NotAssignedRegistrar(assetId, registrar);
        }
        dataRegistry.requireOpen(assetId);
        c.pending = false;
        if (!passed) {
            emit ChangeReviewed(assetId, registrar, false, reasonCode, noteCid, 0);
            return;
        }
        uint16 version = dataRegistry.commitChange(assetId, c.version);
        emit ChangeReviewed(assetId, registrar, true, reasonCode, noteCid, version);
        Application storage a = _applications[assetId];
        if (a.stage == Stage.Registered) {
            a.version = version;
            emit CertificateReissued(assetId, a.holder, a.certificateNumber, version, ReissueReason.Change);
        }
    }

    /// @inheritdoc IRegistrationOffice
    function holderChanged(bytes32 assetId, address holder) external {
        if (msg.sender != address(dataRegistry)) revert NotDataRegistry(msg.sender);
        Application storage a = _applications[assetId];
        if (a.stage != Stage.Registered) return;
        a.holder = holder;
        emit CertificateReissued(assetId, holder, a.certificateNumber, a.version, ReissueReason.Transfer);
    }

    function _requireNoChangePending(bytes32 assetId) private view {
        ChangeApplication storage c = _changes[assetId];
        if (c.pending) revert ChangeInProgress(assetId, c.registrar);
    }

    /// @inheritdoc IRegistrationOffice
    function accept(bytes32 assetId) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Applied);
        a.stage = Stage.Accepted;
        emit ApplicationAccepted(assetId, a.registrar);
    }

    /// @inheritdoc IRegistrationOffice
    function returnForMaterial(bytes32 assetId, uint16 reasonCode, bytes32 noteCid) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Applied);
        a.stage = Stage.Returned;
        emit ApplicationReturned(assetId, a.registrar, reasonCode, noteCid);
    }

    /// @inheritdoc IRegistrationOffice
    /// @dev The registrar's `publicityEnds` (5 working days on the working-day calendar, computed off chain) is
    /// taken as given once it is no earlier than the council's minimum from now; 0 takes the minimum itself.
    function review(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid, uint64 publicityEnds)
        external
    {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Accepted);
        if (!passed) {
            a.stage = Stage.Terminated;
            emit ApplicationTerminated(assetId, a.registrar, reasonCode, noteCid);
            return;
        }
        uint64 earliest = uint64(block.timestamp) + publicityPeriod;
        if (publicityEnds == 0) publicityEnds = earliest;
        else if (publicityEnds < earliest) revert PublicityTooShort(assetId, publicityEnds, earliest);
        a.stage = Stage.Publicity;
        a.publicityEnds = publicityEnds;
        emit ReviewPassed(assetId, a.registrar, publicityEnds);
    }

    /// @inheritdoc IRegistrationOffice
    function object(bytes32 assetId, uint16 reasonCode, bytes32 evidenceCid) external returns (uint256 objectionId) {
        _whenNotPaused();
        address objector = _msgSender();
        if (participants.getParticipantStatus(objector) != IParticipantRegistry.ParticipantStatus.Active) {
            revert NotAParticipant(objector);
        }
        Application storage a = _applications[assetId];
        if (a.stage != Stage.Publicity) revert WrongStage(assetId, a.stage);
        if (block.timestamp >= a.publicityEnds) revert PublicityOver(assetId, a.publicityEnds);
        objectionId = ++a.objections;
        ++a.pendingObjections;
        _objections[assetId][objectionId] = Objection(objector, ObjectionStatus.Pending, reasonCode, evidenceCid);
        emit ObjectionLodged(assetId, objectionId, objector, reasonCode, evidenceCid);
    }

    /// @inheritdoc IRegistrationOffice
    function resolveObjection(bytes32 assetId, uint256 objectionId, bool upheld, bytes32 noteCid) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Publicity);
        Objection storage o = _objections[assetId][objectionId];
        if (o.status != ObjectionStatus.Pending) revert ObjectionNotPending(assetId, objectionId);
        o.status = upheld ? ObjectionStatus.Upheld : ObjectionStatus.Rejected;
        --a.pendingObjections;
        emit ObjectionResolved(assetId, objectionId, a.registrar, upheld, noteCid);
        if (upheld) {
            a.stage = Stage.Refused;
            emit RegistrationRefused(assetId, a.registrar, REFUSED_OBJECTION_UPHELD);
        }
    }

    /// @inheritdoc IRegistrationOffice
    function register(bytes32 assetId, uint8 validityYears) external returns (bytes17 certificateNumber) {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Publicity);
        if (block.timestamp < a.publicityEnds) revert PublicityNotOver(assetId, a.publicityEnds);
        if (a.pendingObjections != 0) revert ObjectionsPending(assetId, a.pendingObjections);
        if (validityYears == 0 || validityYears > MAX_VALIDITY_YEARS) revert InvalidValidity(validityYears);
        RegistrarCode memory code = registrarCodes[a.registrar];
        uint256 serial = ++_serials[a.registrar][CertificateNumber.monthKey(block.timestamp)];
        bytes6 division = ipDivisions[a.registrar];
        certificateNumber = division == bytes6(0)
            ? CertificateNumber.format(code.region, code.code, block.timestamp, serial)
            : CertificateNumber.formatIp(division, code.code, block.timestamp, serial);
        _certifiedAssets[certificateNumber] = assetId;
        a.stage = Stage.Registered;
        a.certificateNumber = certificateNumber;
        a.registeredAt = uint64(block.timestamp);
        a.validUntil = uint64(CivilDate.addYears(block.timestamp, validityYears));
        a.version = dataRegistry.getAsset(assetId).version;
        a.holder = dataRegistry.getRight(assetId, 1).holder;
        emit Registered(assetId, a.registrar, certificateNumber, a.validUntil);
    }

    /// @inheritdoc IRegistrationOffice
    function requestRenewal(bytes32 assetId) external {
        _whenNotPaused();
        Application storage a = _applications[assetId];
        if (a.stage != Stage.Registered) revert WrongStage(assetId, a.stage);
        address holder = _msgSender();
        if (holder != a.holder) revert NotCertificateHolder(assetId, holder, a.holder);
        dataRegistry.requireOpen(assetId);
        if (a.renewalRequested) revert RenewalInProgress(assetId, a.registrar);
        _requireNoChangePending(assetId);
        _requireRenewalWindow(assetId, a);
        a.renewalRequested = true;
        emit RenewalRequested(assetId, holder, a.registrar);
    }

    /// @inheritdoc IRegistrationOffice
    function renew(bytes32 assetId, uint8 validityYears) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Registered);
        if (!a.renewalRequested) revert RenewalNotRequested(assetId);
        if (block.timestamp >= a.validUntil) revert RegistrationLapsed(assetId, a.validUntil);
        if (validityYears == 0 || validityYears > MAX_VALIDITY_YEARS) revert InvalidValidity(validityYears);
        a.renewalRequested = false;
        a.validUntil = uint64(CivilDate.addYears(a.validUntil, validityYears));
        emit RegistrationRenewed(assetId, a.registrar, a.validUntil);
    }

    /// @inheritdoc IRegistrationOffice
    function refuseRenewal(bytes32 assetId, uint16 reasonCode, bytes32 noteCid) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Registered);
        if (!a.renewalRequested) revert RenewalNotRequested(assetId);
        a.renewalRequested = false;
        emit RenewalRefused(assetId, a.registrar, reasonCode, noteCid);
    }

    function _requireRenewalWindow(bytes32 assetId, Application storage a) private view {
        uint64 opens = a.validUntil - RENEWAL_OPENS;
        uint64 closes = a.validUntil - RENEWAL_CLOSES;
        if (block.timestamp < opens || block.timestamp > closes) revert OutsideRenewalWindow(assetId, opens, closes);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRegistrationOffice
    function getApplication(bytes32 assetId) external view returns (Application memory) {
        return _applications[assetId];
    }

    /// @inheritdoc IRegistrationOffice
    function getChange(bytes32 assetId) external view returns (ChangeApplication memory) {
        return _changes[assetId];
    }

    /// @inheritdoc IRegistrationOffice
    function certificateRecord(bytes32 assetId) external view returns (CertificateRecord memory r) {
        Application storage a = _applications[assetId];
        (r.status, r.number, r.validUntil) = certificate(assetId);
        if (r.number != 0) (r.version, r.holder, r.registeredAt) = (a.version, a.holder, a.registeredAt);
    }

    /// @inheritdoc IRegistrationOffice
    function assetOfCertificate(bytes17 number) external view returns (bytes32) {
        return _certifiedAssets[number];
    }

    /// @inheritdoc IRegistrationOffice
    function getObjection(bytes32 assetId, uint256 objectionId) external view returns (Objection memory) {
        return _objections[assetId][objectionId];
    }

    /// @inheritdoc IRegistrationOffice
    function certificate(bytes32 assetId)
        public
        view
        returns (CertificateStatus status, bytes17 number, uint64 validUntil)
    {
        Application storage a = _applications[assetId];
        Stage stage = a.stage;
        if (stage == Stage.None) return (CertificateStatus.None, 0, 0);
        if (stage == Stage.Applied || stage == Stage.Accepted || stage == Stage.Publicity) {
            return (CertificateStatus.Pending, 0, 0);
        }
        if (stage != Stage.Registered) return (CertificateStatus.NotRegistered, 0, 0);
        if (dataRegistry.getAsset(assetId).status == IDataRegistry.AssetStatus.Cancelled) {
            return (CertificateStatus.Cancelled, a.certificateNumber, a.validUntil);
        }
        if (block.timestamp >= a.validUntil) return (CertificateStatus.Lapsed, a.certificateNumber, a.validUntil);
        return (CertificateStatus.Valid, a.certificateNumber, a.validUntil);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Internals
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    /// @dev The application, after checking that the caller is its registrar (still active), that the asset is
    /// active and free of freeze orders (else the DataRegistry's error names the order), and its stage.
    function _asRegistrar(bytes32 assetId, Stage stage) private view returns (Application storage a) {
        a = _applications[assetId];
        address caller = _msgSender();
        if (caller != a.registrar || !participants.isActive(caller, IParticipantRegistry.Role.Registrar)) {
            revert NotAssignedRegistrar(assetId, caller);
        }
        dataRegistry.requireOpen(assetId);
        if (a.stage != stage) revert WrongStage(assetId, a.stage);
    }

    function _onlyAdmin() private view {
        if (_msgSender() != Ownable(address(participants)).owner()) revert NotAdmin(_msgSender());
    }

    function _isDigit(bytes1 c) private pure returns (bool) {
        return c >= "0" && c <= "9";
    }

    function _isAlnum(bytes1 c) private pure returns (bool) {
        return _isDigit(c) || (c >= "A" && c <= "Z");
    }
}
