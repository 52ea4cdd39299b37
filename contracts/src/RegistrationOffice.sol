// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "./interfaces/IRegistrationOffice.sol";
import {CertificateNumber} from "./libraries/CertificateNumber.sol";

/// @title RegistrationOffice
/// @notice See {IRegistrationOffice}. Its admin (registrar codes, publicity period) is the participant
/// registry's admin: the council's multisig.
contract RegistrationOffice is IRegistrationOffice, ERC2771Context {
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

    uint64 public publicityPeriod;
    mapping(address registrar => RegistrarCode) public registrarCodes;
    mapping(bytes3 regionAndCode => address registrar) private _codeOwners;
    mapping(address registrar => mapping(uint256 yyyymm => uint256 serial)) private _serials;
    mapping(bytes32 assetId => Application) private _applications;
    mapping(bytes32 assetId => mapping(uint256 objectionId => Objection)) private _objections;

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
        emit RegistrarConfigured(registrar, region, code);
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
    function applyFor(bytes32 assetId, address registrar, bytes32 documentsCid) external {
        _whenNotPaused();
        address applicant = _msgSender();
        IDataRegistry.AssetView memory asset = dataRegistry.getAsset(assetId);
        if (asset.registrant != applicant) revert NotApplicant(assetId, applicant);
        if (registrarCodes[registrar].code == bytes1(0)) revert RegistrarNotConfigured(registrar);
        Application storage a = _applications[assetId];
        if (a.stage != Stage.None && a.stage != Stage.Returned && a.stage != Stage.Refused
                && a.stage != Stage.Terminated) {
            revert WrongStage(assetId, a.stage);
        }
        _applications[assetId] = Application(applicant, registrar, Stage.Applied, 0, 0, 0, 0, a.objections, 0);
        emit ApplicationFiled(assetId, applicant, registrar, documentsCid);
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
    function review(bytes32 assetId, bool passed, uint16 reasonCode, bytes32 noteCid) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Accepted);
        if (!passed) {
            a.stage = Stage.Terminated;
            emit ApplicationTerminated(assetId, a.registrar, reasonCode, noteCid);
            return;
        }
        a.stage = Stage.Publicity;
        a.publicityEnds = uint64(block.timestamp) + publicityPeriod;
        emit ReviewPassed(assetId, a.registrar, a.publicityEnds);
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
    function register(bytes32 assetId, uint8 validityYears) external returns (bytes15 certificateNumber) {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Publicity);
        if (block.timestamp < a.publicityEnds) revert PublicityNotOver(assetId, a.publicityEnds);
        if (a.pendingObjections != 0) revert ObjectionsPending(assetId, a.pendingObjections);
        if (validityYears == 0 || validityYears > MAX_VALIDITY_YEARS) revert InvalidValidity(validityYears);
        RegistrarCode memory code = registrarCodes[a.registrar];
        uint256 serial = ++_serials[a.registrar][CertificateNumber.monthKey(block.timestamp)];
        certificateNumber = CertificateNumber.format(code.region, code.code, block.timestamp, serial);
        a.stage = Stage.Registered;
        a.certificateNumber = certificateNumber;
        a.registeredAt = uint64(block.timestamp);
        a.validUntil = uint64(block.timestamp) + uint64(validityYears) * 365 days;
        emit Registered(assetId, a.registrar, certificateNumber, a.validUntil);
    }

    /// @inheritdoc IRegistrationOffice
    function renew(bytes32 assetId, uint8 validityYears) external {
        _whenNotPaused();
        Application storage a = _asRegistrar(assetId, Stage.Registered);
        uint64 opens = a.validUntil - RENEWAL_OPENS;
        uint64 closes = a.validUntil - RENEWAL_CLOSES;
        if (block.timestamp < opens || block.timestamp > closes) revert OutsideRenewalWindow(assetId, opens, closes);
        if (validityYears == 0 || validityYears > MAX_VALIDITY_YEARS) revert InvalidValidity(validityYears);
        a.validUntil += uint64(validityYears) * 365 days;
        emit RegistrationRenewed(assetId, a.registrar, a.validUntil);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IRegistrationOffice
    function getApplication(bytes32 assetId) external view returns (Application memory) {
        return _applications[assetId];
    }

    /// @inheritdoc IRegistrationOffice
    function getObjection(bytes32 assetId, uint256 objectionId) external view returns (Objection memory) {
        return _objections[assetId][objectionId];
    }

    /// @inheritdoc IRegistrationOffice
    function certificate(bytes32 assetId)
        external
        view
        returns (CertificateStatus status, bytes15 number, uint64 validUntil)
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

    /// @dev The council's emergency stop (see {IParticipantRegistry}): first in every write.
    function _whenNotPaused() private view {
        if (participants.paused()) revert IParticipantRegistry.RegistryPaused();
    }

    /// @dev The application, after checking that the caller is its registrar (still active) and its stage.
    function _asRegistrar(bytes32 assetId, Stage stage) private view returns (Application storage a) {
        a = _applications[assetId];
        address caller = _msgSender();
        if (caller != a.registrar || !participants.isActive(caller, IParticipantRegistry.Role.Registrar)) {
            revert NotAssignedRegistrar(assetId, caller);
        }
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
