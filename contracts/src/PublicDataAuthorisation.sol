// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IPublicDataAuthorisation} from "./interfaces/IPublicDataAuthorisation.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title PublicDataAuthorisation
/// @notice See {IPublicDataAuthorisation}. Storage keeps what the checks read (parties, terms, revocation,
/// scenario states, licences); catalogue, scenario names and documents are in the events.
/// @dev Scenarios are keyed by `keccak256(bytes(name))`, so a grant's `purpose` string names its scenario exactly.
contract PublicDataAuthorisation is IPublicDataAuthorisation, ERC2771Context, PauseFlag {
    uint8 private constant PERMITTED = 1;
    uint8 private constant APPROVED = 2;

    /// @dev Two slots.
    struct Authorisation {
        address authority;
        uint64 validFrom;
        uint32 catalogueEntries;
        address operator;
        uint64 validUntil;
        uint16 revocationReason;
    }

    /// @dev One slot; `validUntil` zero means no licence.
    struct Licence {
        uint64 validUntil;
        bool revoked;
    }

    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    /// @inheritdoc IPublicDataAuthorisation
    uint256 public authorisationCount;
    mapping(uint256 id => Authorisation) private _authorisations;
    mapping(uint256 id => mapping(bytes32 scenarioHash => uint8)) private _scenarios;
    mapping(uint256 id => mapping(address licensee => Licence)) private _licences;
    mapping(uint256 id => mapping(address licensee => mapping(bytes32 scenarioHash => bool))) private _licensed;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, address forwarder)
        ERC2771Context(forwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The authority
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPublicDataAuthorisation
    function authorise(AuthorisationTerms calldata t) external returns (uint256 id) {
        _whenNotPaused();
        address authority = _msgSender();
        if (!participants.isActive(authority, IParticipantRegistry.Role.DataAuthority)) {
            revert NotADataAuthority(authority);
        }
        if (t.operator == address(0) || t.operator == authority || t.catalogueEntries == 0) {
            revert InvalidAuthorisation(t.operator);
        }
        if (t.validUntil == 0 || t.validUntil <= t.validFrom || t.validUntil <= block.timestamp) {
            revert InvalidTerm(t.validFrom, t.validUntil);
        }
        id = ++authorisationCount;
        _authorisations[id] = Authorisation({
            authority: authority,
            validFrom: t.validFrom,
            catalogueEntries: t.catalogueEntries,
            operator: t.operator,
            validUntil: t.validUntil,
            revocationReason: 0
        });
        for (uint256 i; i < t.scenarios.length; ++i) {
            if (bytes(t.scenarios[i]).length == 0) revert EmptyScenario();
            _scenarios[id][keccak256(bytes(t.scenarios[i]))] = PERMITTED;
        }
        emit AuthorisationGranted(
            id,
            authority,
            t.operator,
            t.catalogueCid,
            t.catalogueEntries,
            t.scenarios,
            t.validFrom,
            t.validUntil,
            t.conditionsCid
        );
    }

    /// @inheritdoc IPublicDataAuthorisation
    function approveScenario(uint256 id, string calldata scenario, bytes32 approvalCid) external {
        _whenNotPaused();
        Authorisation storage a = _byAuthority(id);
        _requireInForce(id, a, a.operator);
        bytes32 key = keccak256(bytes(scenario));
        uint8 state = _scenarios[id][key];
        if (state == 0) revert ScenarioNotPermitted(id, scenario);
        if (state == APPROVED) revert ScenarioAlreadyApproved(id, scenario);
        _scenarios[id][key] = APPROVED;
        emit ScenarioApproved(id, key, scenario, approvalCid);
    }

    /// @inheritdoc IPublicDataAuthorisation
    function revokeAuthorisation(uint256 id, uint16 reasonCode, bytes32 evidenceCid) external {
        _whenNotPaused();
        Authorisation storage a = _byAuthority(id);
        if (a.revocationReason != 0) revert AlreadyRevoked(id);
        if (reasonCode == 0) revert MissingReason();
        a.revocationReason = reasonCode;
        emit AuthorisationRevoked(id, a.authority, reasonCode, evidenceCid);
    }

    function _byAuthority(uint256 id) private view returns (Authorisation storage a) {
        a = _existing(id);
        if (a.authority != _msgSender()) revert NotAuthority(id, _msgSender());
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The first-level operator
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPublicDataAuthorisation
    function license(uint256 id, address licensee, string[] calldata scenarios, uint64 validUntil, bytes32 termsCid)
        external
    {
        _whenNotPaused();
        Authorisation storage a = _byOperator(id);
        if (licensee == address(0) || licensee == a.operator) revert InvalidLicensee(licensee);
        if (_licences[id][licensee].validUntil != 0) revert LicenceExists(id, licensee);
        // Within the authorisation's term: a licence cannot outlast what it is carved from.
        if (validUntil <= block.timestamp || validUntil > a.validUntil) revert InvalidTerm(0, validUntil);
        if (scenarios.length == 0) revert EmptyScenario();
        for (uint256 i; i < scenarios.length; ++i) {
            bytes32 key = keccak256(bytes(scenarios[i]));
            if (_scenarios[id][key] == 0) revert ScenarioNotPermitted(id, scenarios[i]);
            _licensed[id][licensee][key] = true;
        }
        _licences[id][licensee] = Licence({validUntil: validUntil, revoked: false});
        emit LicenceGranted(id, licensee, scenarios, validUntil, termsCid);
    }

    /// @inheritdoc IPublicDataAuthorisation
    function revokeLicence(uint256 id, address licensee, uint16 reasonCode) external {
        _whenNotPaused();
        _existing(id);
        if (_authorisations[id].operator != _msgSender()) revert NotOperator(id, _msgSender());
        Licence storage l = _licences[id][licensee];
        if (l.validUntil == 0) revert NotInForce(id, licensee, Standing.NotLicensed);
        if (l.revoked) revert NotInForce(id, licensee, Standing.LicenceRevoked);
        if (reasonCode == 0) revert MissingReason();
        l.revoked = true;
        emit LicenceRevoked(id, licensee, reasonCode);
    }

    /// @inheritdoc IPublicDataAuthorisation
    function bindAsset(uint256 id, bytes32 assetId, uint32 catalogueEntry) external {
        _whenNotPaused();
        Authorisation storage a = _byOperator(id);
        if (catalogueEntry == 0 || catalogueEntry > a.catalogueEntries) {
            revert CatalogueEntryOutOfScope(id, catalogueEntry, a.catalogueEntries);
        }
        IDataRegistry.AssetView memory asset = dataRegistry.getAsset(assetId);
        if (asset.registrant != a.operator) revert NotOperatorsAsset(id, assetId, asset.registrant);
        // Only the operator's own asset with nothing granted: rights made before would not follow the rules. The
        // registry records the binding without checking (it has no room left), so every check is here.
        if (asset.status != IDataRegistry.AssetStatus.Active || asset.frozen || asset.attributes & 0x18 != 0
                || asset.rightCount != 3) revert AssetNotBindable(assetId);
        for (uint256 index = 1; index <= 3; ++index) {
            IDataRegistry.RightView memory right = dataRegistry.getRight(assetId, index);
            if (right.holder != a.operator || right.pending || right.revoked || right.validUntil != 0) {
                revert AssetNotBindable(assetId);
            }
        }
        emit AssetBound(id, assetId, catalogueEntry);
        dataRegistry.bindPublicData(assetId, id);
    }

    /// @dev The operator acting, under an authorisation in force.
    function _byOperator(uint256 id) private view returns (Authorisation storage a) {
        a = _existing(id);
        if (a.operator != _msgSender()) revert NotOperator(id, _msgSender());
        _requireInForce(id, a, a.operator);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Checks the DataRegistry asks for
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPublicDataAuthorisation
    function standing(uint256 id, address account) public view returns (Standing) {
        Authorisation storage a = _authorisations[id];
        if (a.authority == address(0)) return Standing.NoSuchAuthorisation;
        return _standing(id, a, account);
    }

    /// @inheritdoc IPublicDataAuthorisation
    function requireStanding(uint256 id, address account) public view {
        Standing s = standing(id, account);
        if (s != Standing.InForce) revert NotInForce(id, account, s);
    }

    /// @inheritdoc IPublicDataAuthorisation
    function check(uint256 id, address account, uint8 mode, bytes32 purposeHash, uint64 validUntil)
        external
        view
        returns (uint8)
    {
        if (mode == 0) return uint8(standing(id, account));
        if (mode == 1) requireStanding(id, account);
        else requireGrant(id, account, purposeHash, validUntil);
        return 0;
    }

    /// @inheritdoc IPublicDataAuthorisation
    function requireGrant(uint256 id, address grantee, bytes32 purposeHash, uint64 validUntil) public view {
        Authorisation storage a = _existing(id);
        _requireInForce(id, a, grantee);
        bytes32 key = purposeHash;
        if (_scenarios[id][key] != APPROVED) revert ScenarioNotApproved(id, key);
        if (grantee != a.operator && !_licensed[id][grantee][key]) revert ScenarioNotLicensed(id, grantee, key);
        // The grant ends within the authorisation's term (and the grantee's licence), never open-ended.
        uint64 end = grantee == a.operator ? a.validUntil : _licences[id][grantee].validUntil;
        if (validUntil == 0 || validUntil > end) revert InvalidTerm(0, validUntil);
    }

    function _requireInForce(uint256 id, Authorisation storage a, address account) private view {
        Standing s = _standing(id, a, account);
        if (s != Standing.InForce) revert NotInForce(id, account, s);
    }

    /// @dev The one place that decides whether an authorisation, and a party under it, is in force now.
    function _standing(uint256 id, Authorisation storage a, address account) private view returns (Standing) {
        if (a.revocationReason != 0) return Standing.Revoked;
        if (a.validFrom > block.timestamp) return Standing.NotYetInForce;
        if (a.validUntil <= block.timestamp) return Standing.Expired;
        if (account == a.operator) return Standing.InForce;
        Licence storage l = _licences[id][account];
        if (l.validUntil == 0) return Standing.NotLicensed;
        if (l.revoked) return Standing.LicenceRevoked;
        if (l.validUntil <= block.timestamp) return Standing.LicenceExpired;
        return Standing.InForce;
    }

    function _existing(uint256 id) private view returns (Authorisation storage a) {
        a = _authorisations[id];
        if (a.authority == address(0)) revert AuthorisationNotFound(id);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IPublicDataAuthorisation
    function getAuthorisation(uint256 id) external view returns (AuthorisationView memory) {
        Authorisation storage a = _existing(id);
        return AuthorisationView({
            authority: a.authority,
            operator: a.operator,
            validFrom: a.validFrom,
            validUntil: a.validUntil,
            catalogueEntries: a.catalogueEntries,
            revocationReason: a.revocationReason,
            standing: _standing(id, a, a.operator)
        });
    }

    /// @inheritdoc IPublicDataAuthorisation
    function getLicence(uint256 id, address licensee) external view returns (LicenceView memory) {
        Licence storage l = _licences[id][licensee];
        return LicenceView({validUntil: l.validUntil, revoked: l.revoked, standing: standing(id, licensee)});
    }

    /// @inheritdoc IPublicDataAuthorisation
    function scenarioState(uint256 id, string calldata scenario) external view returns (uint8) {
        return _scenarios[id][keccak256(bytes(scenario))];
    }

    /// @inheritdoc IPublicDataAuthorisation
    function isLicensedFor(uint256 id, address licensee, string calldata scenario) external view returns (bool) {
        return _licensed[id][licensee][keccak256(bytes(scenario))];
    }

    /// @dev The council's emergency stop (see {PauseFlag}).
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }
}
