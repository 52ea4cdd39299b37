// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Public-data authorised operation (公共数据授权运营)
/// @notice An authorising body (a participant with role DataAuthority, 授权主体) authorises a first-level operator
/// (一级开发主体) to operate public data: the scope (a catalogue of data entries, committed by its document's CID and
/// its entry count), the scenarios it may serve (应用场景目录), a term and the conditions document. Each scenario must
/// be approved by the authority before it is served (一类场景一审定). The operator may license second-level operators
/// (二级开发主体) within the authorisation's scenarios and term.
/// The operator binds its registered assets to the authorisation (entries of the catalogue): they become public-data
/// assets in the DataRegistry, and so do products derived from them (their lineage carries the authorisation).
/// Rights over public-data assets are granted only to the operator or a licensed second-level operator, for an
/// approved scenario (the grant's purpose is the scenario's name, byte for byte), within the term. Revoking an
/// authorisation, or its term ending, lapses every right under it (`Validity.AuthorisationLapsed`), and with them
/// their listings.
/// @dev The DataRegistry asks this contract through `requireStanding`, `requireGrant` and `standing`.
interface IPublicDataAuthorisation {
    /// @notice Whether an authorisation, or a party's standing under it, is in force now, and if not, why.
    enum Standing {
        InForce,
        NoSuchAuthorisation,
        Revoked, // the authority revoked the authorisation
        NotYetInForce, // its term starts later
        Expired, // its term has ended
        NotLicensed, // the party is neither the operator nor a second-level operator licensed under it
        LicenceRevoked, // the operator revoked the party's licence
        LicenceExpired // the party's licence ended
    }

    /// @notice What an authority records when authorising an operator.
    /// @param operator The first-level operator (一级开发主体).
    /// @param catalogueCid SHA-256 digest of the CIDv0 of the catalogue document listing the data entries in scope.
    /// @param catalogueEntries How many entries the catalogue lists (entries are numbered 1..catalogueEntries).
    /// @param scenarios Names of the permitted scenarios (e.g. "交通规划研究"); each is approved separately.
    /// @param validFrom Unix time the authorisation starts; 0 for at once.
    /// @param validUntil Unix time it ends; required (an authorisation always has a term).
    /// @param conditionsCid SHA-256 digest of the CIDv0 of the conditions document (运营行为规范, security duties).
    struct AuthorisationTerms {
        address operator;
        bytes32 catalogueCid;
        uint32 catalogueEntries;
        string[] scenarios;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 conditionsCid;
    }

    /// @notice An authorisation as returned by `getAuthorisation`. `revocationReason` is 0 unless revoked.
    struct AuthorisationView {
        address authority;
        address operator;
        uint64 validFrom;
        uint64 validUntil;
        uint32 catalogueEntries;
        uint16 revocationReason;
        Standing standing;
    }

    /// @notice A second-level licence as returned by `getLicence`.
    struct LicenceView {
        uint64 validUntil;
        bool revoked;
        Standing standing;
    }

    error NotADataAuthority(address account);
    error AuthorisationNotFound(uint256 authorisationId);
    /// @notice Thrown when an authorisation (or a party's licence under it) is not in force; `standing` says why.
    error NotInForce(uint256 authorisationId, address account, Standing standing);
    error NotAuthority(uint256 authorisationId, address account);
    error NotOperator(uint256 authorisationId, address account);
    /// @notice Thrown when the operator is zero or the authority itself, or the catalogue is empty.
    error InvalidAuthorisation(address operator);
    /// @notice Thrown when a term ends before it starts, has already ended, has no end, or outlasts the term above it.
    error InvalidTerm(uint64 validFrom, uint64 validUntil);
    error EmptyScenario();
    error ScenarioNotPermitted(uint256 authorisationId, string scenario);
    error ScenarioNotApproved(uint256 authorisationId, bytes32 scenarioHash);
    error ScenarioAlreadyApproved(uint256 authorisationId, string scenario);
    /// @notice Thrown when a second-level operator is licensed for a scenario of the authorisation and then
    /// granted a right for another one.
    error ScenarioNotLicensed(uint256 authorisationId, address licensee, bytes32 scenarioHash);
    error LicenceExists(uint256 authorisationId, address licensee);
    error InvalidLicensee(address licensee);
    error CatalogueEntryOutOfScope(uint256 authorisationId, uint32 entry, uint32 catalogueEntries);
    /// @notice Thrown when the operator binds an asset it did not register.
    error NotOperatorsAsset(uint256 authorisationId, bytes32 assetId, address registrant);
    error AlreadyRevoked(uint256 authorisationId);
    /// @notice Thrown when binding an asset that is public data already, derived, cancelled or frozen, or whose
    /// primary rights are not all its registrant's, or that has grants (made outside the authorisation's rules).
    error AssetNotBindable(bytes32 assetId);
    /// @notice Thrown when a revocation gives no reason (reason codes: registry/vocabulary.py
    /// AuthorisationRevocationReason).
    error MissingReason();

    event AuthorisationGranted(
        uint256 indexed authorisationId,
        address indexed authority,
        address indexed operator,
        bytes32 catalogueCid,
        uint32 catalogueEntries,
        string[] scenarios,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 conditionsCid
    );
    /// @notice The authority approved a permitted scenario (一类场景一审定), with its review document.
    event ScenarioApproved(uint256 indexed authorisationId, bytes32 indexed scenarioHash, string scenario, bytes32 approvalCid);
    /// @notice The operator licensed a second-level operator for some of the authorisation's scenarios.
    event LicenceGranted(
        uint256 indexed authorisationId, address indexed licensee, string[] scenarios, uint64 validUntil, bytes32 termsCid
    );
    event LicenceRevoked(uint256 indexed authorisationId, address indexed licensee, uint16 reasonCode);
    /// @notice The operator bound its registered asset, catalogue entry `catalogueEntry`, to the authorisation.
    event AssetBound(uint256 indexed authorisationId, bytes32 indexed assetId, uint32 catalogueEntry);
    event AuthorisationRevoked(
        uint256 indexed authorisationId, address indexed authority, uint16 reasonCode, bytes32 evidenceCid
    );

    /// @notice Records an authorisation; the caller must be an active DataAuthority. Numbered from 1.
    function authorise(AuthorisationTerms calldata terms) external returns (uint256 authorisationId);

    /// @notice The authority approves one of the permitted scenarios.
    function approveScenario(uint256 authorisationId, string calldata scenario, bytes32 approvalCid) external;

    /// @notice The operator licenses a second-level operator for permitted scenarios, within the term.
    function license(
        uint256 authorisationId,
        address licensee,
        string[] calldata scenarios,
        uint64 validUntil,
        bytes32 termsCid
    ) external;

    /// @notice The operator revokes a second-level licence.
    function revokeLicence(uint256 authorisationId, address licensee, uint16 reasonCode) external;

    /// @notice The authority revokes the authorisation; every right under it lapses.
    function revokeAuthorisation(uint256 authorisationId, uint16 reasonCode, bytes32 evidenceCid) external;

    /// @notice The operator binds an asset it registered, catalogue entry `catalogueEntry`, to the authorisation;
    /// the DataRegistry marks it public data. Only an asset without grants or co-holders can be bound.
    function bindAsset(uint256 authorisationId, bytes32 assetId, uint32 catalogueEntry) external;

    /// @notice InForce when the authorisation is in force and `account` is its operator or a second-level operator
    /// with a licence in force; otherwise why not.
    function standing(uint256 authorisationId, address account) external view returns (Standing);

    /// @notice Reverts with `NotInForce` unless `standing(authorisationId, account)` is InForce.
    function requireStanding(uint256 authorisationId, address account) external view;

    /// @notice Reverts unless a right over a public-data asset under the authorisation may be granted to
    /// `grantee` for the purpose whose keccak256 is `purposeHash` until `validUntil`: the grantee stands under it, the purpose is an approved scenario
    /// (licensed to the grantee, for a second-level operator), and the grant ends within the term.
    function requireGrant(uint256 authorisationId, address grantee, bytes32 purposeHash, uint64 validUntil)
        external
        view;

    /// @notice The DataRegistry's one question (one call site with static arguments keeps it within the contract
    /// size limit): mode 0 returns `standing` (as uint8); mode 1 is `requireStanding`; mode 2 is `requireGrant` with
    /// `purposeHash` (keccak256 of the grant's purpose) and `validUntil` (modes 1 and 2 return 0 or revert).
    function check(uint256 authorisationId, address account, uint8 mode, bytes32 purposeHash, uint64 validUntil)
        external
        view
        returns (uint8);

    function getAuthorisation(uint256 authorisationId) external view returns (AuthorisationView memory);

    function getLicence(uint256 authorisationId, address licensee) external view returns (LicenceView memory);

    /// @notice 0 not permitted, 1 permitted, 2 approved.
    function scenarioState(uint256 authorisationId, string calldata scenario) external view returns (uint8);

    function isLicensedFor(uint256 authorisationId, address licensee, string calldata scenario)
        external
        view
        returns (bool);

    function authorisationCount() external view returns (uint256);
}
