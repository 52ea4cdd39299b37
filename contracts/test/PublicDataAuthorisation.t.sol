// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TradeRegistryBase} from "./TradeRegistryBase.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IPublicDataAuthorisation} from "../src/interfaces/IPublicDataAuthorisation.sol";
import {PublicDataAuthorisation} from "../src/PublicDataAuthorisation.sol";

/// @notice Issue 21, public-data authorised operation: authority `gov` authorises Alice (first-level operator) over a
/// catalogue of 10 entries for two scenarios; Alice binds her asset `pub` (entry 1) and licenses Bob (second level).
contract PublicDataAuthorisationTest is TradeRegistryBase {
    PublicDataAuthorisation internal pda;
    address internal gov = address(0x60F);
    address internal outsider = address(0x0B5);
    string internal constant TRAFFIC = unicode"交通规划研究";
    string internal constant HEALTH = unicode"医疗健康";
    uint64 internal termEnd;
    uint256 internal authId;
    bytes32 internal pub;

    function setUp() public override {
        super.setUp();
        pda = new PublicDataAuthorisation(registry, participants, address(forwarder));
        _bind(address(pda));
        registry.setPublicDataAuthorisation(address(pda));
        participants.addParticipant(
            gov, IParticipantRegistry.Role.DataAuthority, unicode"厦门市大数据管理局", keccak256("11350200MB0000000X"), ""
        );
        termEnd = uint64(block.timestamp + 365 days);
        authId = _authorise(alice);
        pub = _registerAs(alice, keccak256("public data"), ALL);
        vm.prank(alice);
        pda.bindAsset(authId, pub, 1);
    }

    function _authTerms(address operator)
        internal
        view
        returns (IPublicDataAuthorisation.AuthorisationTerms memory t) {
        t.operator = operator;
        t.catalogueCid = keccak256("catalogue");
        t.catalogueEntries = 10;
        t.scenarios = new string[](2);
        t.scenarios[0] = TRAFFIC;
        t.scenarios[1] = HEALTH;
        t.validUntil = termEnd;
        t.conditionsCid = keccak256("conditions");
    }

    function _authorise(address operator) internal returns (uint256) {
        vm.prank(gov);
        return pda.authorise(_authTerms(operator));
    }

    function _approve(string memory scenario) internal {
        vm.prank(gov);
        pda.approveScenario(authId, scenario, keccak256("review"));
    }

    function _licenseBob() internal {
        string[] memory s = new string[](1);
        s[0] = TRAFFIC;
        vm.prank(alice);
        pda.license(authId, bob, s, termEnd, keccak256("licence"));
    }

    function _grantTerms(address grantee, string memory purpose, uint64 until)
        internal
        pure
        returns (IDataRegistry.GrantTerms memory g)
    {
        g.grantee = grantee;
        g.validUntil = until;
        g.purpose = purpose;
        g.subGrantable = true;
    }

    /// @dev Alice grants Bob usage (from primary right 2) for the traffic scenario: right 4.
    function _grantBob() internal returns (uint256) {
        _approve(TRAFFIC);
        _licenseBob();
        vm.prank(alice);
        return registry.grant(pub, 2, _grantTerms(bob, TRAFFIC, termEnd));
    }

    function _validity(bytes32 asset, uint256 index) internal view returns (IDataRegistry.Validity v) {
        (v,) = registry.rightValidity(asset, index);
    }

    // ───────────────────────────── authorisations ─────────────────────────────

    function test_AuthorisationRecordsTheTermsAndIsInForce() public view {
        IPublicDataAuthorisation.AuthorisationView memory a = pda.getAuthorisation(authId);
        assertEq(a.authority, gov, "line 96");
        assertEq(a.operator, alice, "line 97");
        assertEq(a.validUntil, termEnd, "line 98");
        assertEq(a.catalogueEntries, 10, "line 99");
        assertEq(uint8(a.standing), uint8(IPublicDataAuthorisation.Standing.InForce), "line 100");
        assertEq(pda.scenarioState(authId, TRAFFIC), 1, "line 101");
        assertEq(registry.getAsset(pub).attributes & 0x10, 0x10, "line 102");
    }

    function test_RevertWhen_AuthorisingWithoutTheDataAuthorityRole() public {
        vm.prank(outsider);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.NotADataAuthority.selector, outsider));
        pda.authorise(_authTerms(alice));
    }

    function test_RevertWhen_AuthorisationHasNoTermOrNoCatalogue() public {
        IPublicDataAuthorisation.AuthorisationTerms memory t = _authTerms(alice);
        t.validUntil = 0;
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidTerm.selector, 0, 0));
        pda.authorise(t);
        t = _authTerms(alice);
        t.catalogueEntries = 0;
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidAuthorisation.selector, alice));
        pda.authorise(t);
    }

    function test_RevertWhen_PausedAuthorising() public {
        participants.pause(keccak256("incident"));
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        pda.authorise(_authTerms(alice));
    }

    // ───────────────────────────── scenarios (一类场景一审定) ─────────────────────────────

    function test_RevertWhen_ScenarioApprovedByAnotherOrNotPermittedOrTwice() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.NotAuthority.selector, authId, alice));
        pda.approveScenario(authId, TRAFFIC, bytes32(0));
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.ScenarioNotPermitted.selector, authId, "x"));
        pda.approveScenario(authId, "x", bytes32(0));
        _approve(TRAFFIC);
        assertEq(pda.scenarioState(authId, TRAFFIC), 2, "line 141");
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.ScenarioAlreadyApproved.selector, authId, TRAFFIC));
        pda.approveScenario(authId, TRAFFIC, bytes32(0));
    }

    // ───────────────────────────── second-level licences ─────────────────────────────

    function test_RevertWhen_LicensingOutsideTheAuthorisation() public {
        string[] memory s = new string[](1);
        s[0] = TRAFFIC;
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.NotOperator.selector, authId, bob));
        pda.license(authId, carol, s, termEnd, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidTerm.selector, 0, termEnd + 1));
        pda.license(authId, bob, s, termEnd + 1, bytes32(0));
        s[0] = "other";
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.ScenarioNotPermitted.selector, authId, "other"));
        pda.license(authId, bob, s, termEnd, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidLicensee.selector, alice));
        pda.license(authId, alice, s, termEnd, bytes32(0));
        _licenseBob();
        s[0] = TRAFFIC;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.LicenceExists.selector, authId, bob));
        pda.license(authId, bob, s, termEnd, bytes32(0));
        assertTrue(pda.isLicensedFor(authId, bob, TRAFFIC), "line 170");
        assertTrue(!pda.isLicensedFor(authId, bob, HEALTH), "line 171");
    }

    // ───────────────────────────── binding assets ─────────────────────────────

    function test_RevertWhen_BindingOutOfScopeOrAnothersAssetOrGrantedAsset() public {
        bytes32 second = _registerAs(alice, keccak256("second"), ALL);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IPublicDataAuthorisation.CatalogueEntryOutOfScope.selector, authId, 11, 10)
        );
        pda.bindAsset(authId, second, 11);
        bytes32 bobs = _registerAs(bob, keccak256("bobs"), ALL);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.NotOperatorsAsset.selector, authId, bobs, bob));
        pda.bindAsset(authId, bobs, 2);
        vm.prank(alice);
        registry.grant(second, 2, _grantTerms(carol, "any", termEnd));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.AssetNotBindable.selector, second));
        pda.bindAsset(authId, second, 2);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.AssetNotBindable.selector, pub));
        pda.bindAsset(authId, pub, 1); // already public data
    }

    function test_BindingRecordsTheAuthorisationInTheRegistry() public {
        bytes32 second = _registerAs(alice, keccak256("third"), ALL);
        vm.expectEmit(true, true, false, false, address(registry));
        emit IDataRegistry.PublicDataBound(second, authId);
        vm.prank(alice);
        pda.bindAsset(authId, second, 4);
        assertEq(registry.getAsset(second).attributes, 0x10, "line 203");
    }

    function test_RevertWhen_BindingDirectlyInTheRegistry() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotPublicDataAuthorisation.selector, alice));
        registry.bindPublicData(pub, authId);
    }

    function test_RevertWhen_SettingTheAuthorisationContractTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidRecipient.selector, address(1)));
        registry.setPublicDataAuthorisation(address(1));
    }

    // ───────────────────────────── grants within the authorisation ─────────────────────────────

    function test_GrantToALicensedOperatorForAnApprovedScenario() public {
        uint256 index = _grantBob();
        assertEq(uint8(_validity(pub, index)), uint8(IDataRegistry.Validity.Valid), "line 221");
    }

    function test_RevertWhen_GrantingToAnUnlicensedParty() public {
        _approve(TRAFFIC);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, carol, IPublicDataAuthorisation.Standing.NotLicensed
            )
        );
        registry.grant(pub, 2, _grantTerms(carol, TRAFFIC, termEnd));
    }

    function test_RevertWhen_GrantingForAScenarioNotApprovedOrNotLicensed() public {
        _licenseBob();
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.ScenarioNotApproved.selector, authId, keccak256(bytes(TRAFFIC))
            )
        );
        registry.grant(pub, 2, _grantTerms(bob, TRAFFIC, termEnd));
        _approve(HEALTH);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.ScenarioNotLicensed.selector, authId, bob, keccak256(bytes(HEALTH))
            )
        );
        registry.grant(pub, 2, _grantTerms(bob, HEALTH, termEnd));
    }

    function test_RevertWhen_GrantOutlastsTheTermOrHasNoEnd() public {
        _approve(TRAFFIC);
        _licenseBob();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidTerm.selector, 0, 0));
        registry.grant(pub, 2, _grantTerms(bob, TRAFFIC, 0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.InvalidTerm.selector, 0, termEnd + 1));
        registry.grant(pub, 2, _grantTerms(bob, TRAFFIC, termEnd + 1));
    }

    function test_RevertWhen_TransferringToAnUnlicensedParty() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, carol, IPublicDataAuthorisation.Standing.NotLicensed
            )
        );
        registry.transfer(pub, 3, carol);
    }

    /// @dev A licensee whose licence was revoked can no longer act on its rights: it cannot grant onwards.
    function test_RevertWhen_ALapsedLicenseeGrants() public {
        uint256 index = _grantBob();
        vm.prank(alice);
        pda.revokeLicence(authId, bob, 1);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, bob, IPublicDataAuthorisation.Standing.LicenceRevoked
            )
        );
        registry.grant(pub, index, _grantTerms(alice, TRAFFIC, termEnd));
    }

    // ───────────────────────────── lineage ─────────────────────────────

    /// @dev Bob, licensed, derives a product from his usage grant: it is public data under the same authorisation.
    function _derive() internal returns (bytes32 derived) {
        uint256 index = _grantBob();
        IDataRegistry.Registration memory r = _registration(keccak256("product"), _holders1(bob, ALL));
        r.sources = new IDataRegistry.Source[](1);
        r.sources[0] = IDataRegistry.Source(pub, index);
        vm.prank(bob);
        derived = registry.register(r);
    }

    function test_DerivedProductCarriesTheAuthorisation() public {
        bytes32 derived = _derive();
        assertEq(registry.getAsset(derived).attributes, 0x18, "line 288"); // derived | public data
        // The same rule: only the operator or a licensee, for an approved scenario.
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, carol, IPublicDataAuthorisation.Standing.NotLicensed
            )
        );
        registry.grant(derived, 2, _grantTerms(carol, TRAFFIC, termEnd));
        vm.prank(bob);
        registry.grant(derived, 2, _grantTerms(alice, TRAFFIC, termEnd));
    }

    function test_OrdinaryDerivedDataIsNotPublicData() public {
        vm.prank(alice);
        registry.grant(assetId, 2, _grantTerms(carol, "any", 0));
        IDataRegistry.Registration memory r = _registration(keccak256("own product"), _holders1(carol, ALL));
        r.sources = new IDataRegistry.Source[](1);
        r.sources[0] = IDataRegistry.Source(assetId, 4);
        vm.prank(carol);
        bytes32 derived = registry.register(r);
        assertEq(registry.getAsset(derived).attributes, 0x08, "line 309");
    }

    // ───────────────────────────── lapse: revocation, expiry, licence ─────────────────────────────

    function test_RevokingTheAuthorisationLapsesEveryRightUnderIt() public {
        bytes32 derived = _derive();
        vm.prank(gov);
        vm.expectEmit(true, true, false, true, address(pda));
        emit IPublicDataAuthorisation.AuthorisationRevoked(authId, gov, 1, keccak256("evidence"));
        pda.revokeAuthorisation(authId, 1, keccak256("evidence"));
        assertEq(uint8(_validity(pub, 1)), uint8(IDataRegistry.Validity.AuthorisationLapsed), "line 320");
        assertEq(uint8(_validity(pub, 4)), uint8(IDataRegistry.Validity.AuthorisationLapsed), "line 321");
        assertEq(uint8(_validity(derived, 3)), uint8(IDataRegistry.Validity.AuthorisationLapsed), "line 322");
        assertTrue(!registry.isRightValid(derived, 1), "line 323");
        assertEq(uint8(pda.getAuthorisation(authId).standing), uint8(IPublicDataAuthorisation.Standing.Revoked), "line 324");
        // Nothing more can be granted under it: the grantor no longer stands under it.
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, bob, IPublicDataAuthorisation.Standing.Revoked
            )
        );
        registry.grant(derived, 2, _grantTerms(alice, TRAFFIC, termEnd));
        // Ordinary assets are untouched.
        assertEq(uint8(_validity(assetId, 1)), uint8(IDataRegistry.Validity.Valid), "line 334");
    }

    function test_RevertWhen_RevokedByAnotherTwiceOrWithoutReason() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.NotAuthority.selector, authId, alice));
        pda.revokeAuthorisation(authId, 1, bytes32(0));
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.MissingReason.selector));
        pda.revokeAuthorisation(authId, 0, bytes32(0));
        vm.prank(gov);
        pda.revokeAuthorisation(authId, 1, bytes32(0));
        vm.prank(gov);
        vm.expectRevert(abi.encodeWithSelector(IPublicDataAuthorisation.AlreadyRevoked.selector, authId));
        pda.revokeAuthorisation(authId, 1, bytes32(0));
    }

    function test_TheAuthorisationExpiresByTime() public {
        uint256 index = _grantBob();
        vm.warp(termEnd);
        assertEq(uint8(_validity(pub, 1)), uint8(IDataRegistry.Validity.AuthorisationLapsed), "line 354");
        // Bob's grant ended with the term too (its own end is the term's end).
        assertEq(uint8(_validity(pub, index)), uint8(IDataRegistry.Validity.Expired), "line 356");
        assertEq(uint8(pda.standing(authId, alice)), uint8(IPublicDataAuthorisation.Standing.Expired), "line 357");
    }

    function test_RevokingALicenceLapsesTheLicenseesRights() public {
        uint256 index = _grantBob();
        vm.prank(alice);
        pda.revokeLicence(authId, bob, 1);
        assertEq(uint8(_validity(pub, index)), uint8(IDataRegistry.Validity.AuthorisationLapsed), "line 364");
        assertEq(uint8(_validity(pub, 1)), uint8(IDataRegistry.Validity.Valid), "line 365"); // the operator's stand
        assertEq(uint8(pda.standing(authId, bob)), uint8(IPublicDataAuthorisation.Standing.LicenceRevoked), "line 366");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPublicDataAuthorisation.NotInForce.selector, authId, bob, IPublicDataAuthorisation.Standing.LicenceRevoked
            )
        );
        pda.revokeLicence(authId, bob, 1);
    }

    function test_ListingOfPublicDataLapsesWithTheAuthorisation() public {
        bytes32 saved = assetId;
        assetId = pub; // _list lists `assetId`'s operating right 3, held by Alice
        uint256 listing = _list(exchangeA, "SZDE-PUB-1");
        assetId = saved;
        assertEq(uint8(listings.listingValidity(listing)), uint8(IListingRegistry.ListingValidity.Valid), "line 381");
        vm.prank(gov);
        pda.revokeAuthorisation(authId, 2, bytes32(0));
        assertEq(
            uint8(listings.listingValidity(listing)), uint8(IListingRegistry.ListingValidity.AuthorisationLapsed)
        , "line 384");
    }
}
