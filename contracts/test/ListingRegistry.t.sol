// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {ListingHelpers} from "./ListingHelpers.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";
import {RegistrationOffice} from "../src/RegistrationOffice.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice Set-up and helpers shared by the listing tests and the gas figures.
abstract contract ListingRegistryBase is DataRegistryBase {
    ListingRegistry internal listings;
    RegistrationOffice internal office;
    AttestationRegistry internal attestations;
    address internal exchangeA = address(0xEA);
    address internal exchangeB = address(0xEB);
    address internal certifier = address(0xCE);
    address internal registrar = address(0x4E6);
    bytes32 internal assetId;
    uint256 internal operating; // Bob's operating right, granted by Alice
    uint256 internal nextConsentId = 1;

    function setUp() public virtual override {
        super.setUp();
        office = new RegistrationOffice(registry, participants, 1 days, address(forwarder));
        attestations = new AttestationRegistry(registry, participants, address(forwarder));
        listings = new ListingRegistry(registry, participants, office, attestations, address(forwarder));
        registry.setRegistrationOffice(address(office));
        _bind(address(listings));
        participants.addParticipant(
            exchangeA, IParticipantRegistry.Role.Exchange, unicode"上海数据交易所", keccak256("91310000MA1FL70B7K"), "https://a"
        );
        participants.addParticipant(
            exchangeB, IParticipantRegistry.Role.Exchange, unicode"深圳数据交易所", keccak256("91440300MA5H1WXX6U"), "https://b"
        );
        participants.addParticipant(
            certifier, IParticipantRegistry.Role.ComplianceCertifier, unicode"合规认证机构", keccak256("c"), ""
        );
        IParticipantRegistry.QualificationData memory accreditation; // a certifier acts under its qualification
        (accreditation.kind, accreditation.issuer, accreditation.number) =
            (IParticipantRegistry.QualificationKind.Accreditation, unicode"国家认监委", "CNCA-R-2026-001");
        participants.qualify(certifier, accreditation);
        participants.addParticipant(registrar, IParticipantRegistry.Role.Registrar, unicode"登记机构", keccak256("r"), "");
        office.configureRegistrar(registrar, "35", "A");
        // Most tests list uncertified assets: both exchanges allow them; the compliance tests change that.
        vm.prank(exchangeA);
        listings.setListingPolicy(ListingHelpers.permissive());
        vm.prank(exchangeB);
        listings.setListingPolicy(ListingHelpers.permissive());
        assetId = _registerAs(alice, keccak256("data"), ALL);
        operating = _grantOperating(assetId, bob);
    }

    function _grantOperating(bytes32 id, address to) internal returns (uint256) {
        IDataRegistry.GrantTerms memory t;
        t.grantee = to;
        t.validUntil = uint64(block.timestamp + 365 days);
        t.transferable = true;
        vm.prank(alice);
        return registry.grant(id, 3, t);
    }

    function _request(uint256 origin, string memory ref) internal view returns (IListingRegistry.ListingRequest memory) {
        return ListingHelpers.request(assetId, operating, origin, ref, keccak256(bytes(ref)));
    }

    function _consentWithId(
        uint256 key,
        address exchange,
        IListingRegistry.ListingRequest memory r,
        uint256 consentId,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = ListingHelpers.consentHash(vm.addr(key), exchange, r, consentId, deadline);
        return _sign(key, keccak256(abi.encodePacked("\x19\x01", listings.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @dev Signs with the next consent id, which `_list` then submits.
    function _consent(uint256 key, address exchange, IListingRegistry.ListingRequest memory r, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        return _consentWithId(key, exchange, r, nextConsentId, deadline);
    }

    /// @dev Lists with the consent `_consent` signed last (its id), then moves on to the next id.
    function _list(address exchange, IListingRegistry.ListingRequest memory r, address holder, uint256 deadline, bytes memory sig)
        internal
        returns (uint256 id)
    {
        vm.prank(exchange);
        id = listings.list(r, holder, nextConsentId, deadline, sig);
        ++nextConsentId;
    }

    function _listOnA() internal returns (uint256) {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0001");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        return _list(exchangeA, r, bob, block.timestamp + 1 days, sig);
    }

    function _crossListOnB(uint256 origin) internal returns (uint256) {
        IListingRegistry.ListingRequest memory r = _request(origin, "SZDE-88");
        bytes memory sig = _consent(BOB_KEY, exchangeB, r, block.timestamp + 1 days);
        return _list(exchangeB, r, bob, block.timestamp + 1 days, sig);
    }

    function _validity(uint256 id) internal view returns (IListingRegistry.ListingValidity) {
        return listings.listingValidity(id);
    }

}

contract ListingRegistryTest is ListingRegistryBase {
    // ───────────────────────────── listing and consent ─────────────────────────────

    function test_list_withSignedConsent_thenCrossList_oneProductTwoVenues() public {
        uint256 a = _listOnA();
        uint256 b = _crossListOnB(a);
        IListingRegistry.ListingView memory cross = listings.getListing(b);
        assertEq(cross.exchange, exchangeB, "venue B");
        assertEq(cross.originListingId, a, "references the origin");
        assertEq(cross.assetId, assetId, "same product");
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.Valid, "origin valid");
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.Valid, "cross-listing valid");
    }

    function test_list_withHoldersOwnTransaction() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2");
        vm.prank(bob);
        listings.approveListing(exchangeA, r, uint64(block.timestamp + 1 days));
        vm.prank(exchangeA);
        uint256 id = listings.list(r, bob, 0, 0, "");
        assertEq(listings.getListing(id).holder, bob, "consenting holder");
        // The approval is used up.
        r.exchangeListingId = "SDE-2";
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.list(r, bob, 0, 0, "");
    }

    function test_list_revertsWhen_noConsent_expiredConsent_replayedConsent_orNotAnExchange() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-3");
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.list(r, bob, 0, 0, "");

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, deadline);
        vm.warp(deadline + 1);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.SignatureExpired.selector, deadline, deadline + 1));
        listings.list(r, bob, nextConsentId, deadline, sig);

        deadline = block.timestamp + 1 hours;
        sig = _consent(BOB_KEY, exchangeA, r, deadline);
        _list(exchangeA, r, bob, deadline, sig);
        vm.prank(exchangeA); // the same consent again: its id is used
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentUsed.selector, bob, nextConsentId - 1));
        listings.list(r, bob, nextConsentId - 1, deadline, sig);
        r.exchangeListingId = "SDE-4"; // under a new id, the consent (for SDE-3) does not match
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidSignature.selector, bob));
        listings.list(r, bob, nextConsentId - 1, deadline, sig);

        sig = _consent(BOB_KEY, carol, r, deadline);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotAnExchange.selector, carol));
        listings.list(r, bob, nextConsentId, deadline, sig);
    }

    function test_list_revertsWhen_consentIsForAnotherExchange() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-5");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidSignature.selector, bob));
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
    }

    function test_list_revertsWhen_signerHoldsNoValidOperatingRight() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-6");
        bytes memory sig = _consent(CAROL_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                IListingRegistry.ConsentNotValid.selector, assetId, operating,
                IListingRegistry.ListingValidity.HolderChanged
            )
        );
        listings.list(r, carol, nextConsentId, block.timestamp + 1 days, sig);

        r.rightIndex = 2; // Alice's usage right: not an operating right
        sig = _consent(ALICE_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotOperatingRight.selector, assetId, 2));
        listings.list(r, alice, nextConsentId, block.timestamp + 1 days, sig);
    }

    // ───────────────────────────── cross-listing conflicts ─────────────────────────────

    function test_crossList_revertsWhen_originDelisted_sameExchange_orAlreadyCrossListed() public {
        uint256 a = _listOnA();
        IListingRegistry.ListingRequest memory r = _request(a, "SDE-again");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.CrossListingOnSameExchange.selector, a, exchangeA));
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);

        uint256 b = _crossListOnB(a);
        r = _request(a, "SZDE-89");
        sig = _consent(BOB_KEY, exchangeB, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.AlreadyCrossListed.selector, a, exchangeB, b));
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);

        vm.prank(exchangeA);
        listings.setStatus(a, IListingRegistry.ListingStatus.Delisted);
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.OriginNotValid, "cross-listing falls with origin");
        vm.prank(exchangeB);
        listings.setStatus(b, IListingRegistry.ListingStatus.Delisted);
        vm.prank(exchangeB);
        vm.expectRevert(
            abi.encodeWithSelector(
                IListingRegistry.OriginNotListable.selector, a, IListingRegistry.ListingValidity.Delisted
            )
        );
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
    }

    // ───────────────────────────── validity follows consent ─────────────────────────────

    function test_validity_followsRevocationTransferExpiryAndExchangeSuspension() public {
        uint256 a = _listOnA();
        uint256 b = _crossListOnB(a);

        vm.prank(bob);
        registry.transfer(assetId, operating, carol);
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.HolderChanged, "transferred away");
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.HolderChanged, "cross-listing too");
        vm.prank(carol);
        registry.transfer(assetId, operating, bob);
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.Valid, "back with the consenting holder");

        vm.warp(block.timestamp + 366 days);
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.RightNotValid, "expired");
        vm.prank(alice);
        registry.renew(assetId, operating, uint64(block.timestamp + 30 days));
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.Valid, "renewed");

        participants.suspendParticipant(exchangeA, 1, bytes32(0));
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.ExchangeNotActive, "exchange suspended");
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.OriginNotValid, "origin not valid");
        participants.reinstateParticipant(exchangeA);

        vm.prank(alice);
        registry.revoke(assetId, operating, 1, bytes32(0));
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.RightNotValid, "revoked");
        assertTrue(_validity(b) == IListingRegistry.ListingValidity.RightNotValid, "revoked, at B too");
    }

    function test_setStatus_byExchangeOrHolder_only() public {
        uint256 a = _listOnA();
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotListingParty.selector, a, carol));
        listings.setStatus(a, IListingRegistry.ListingStatus.Delisted);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotListingParty.selector, a, bob));
        listings.setStatus(a, IListingRegistry.ListingStatus.Suspended); // the holder may only delist

        vm.prank(exchangeA);
        listings.setStatus(a, IListingRegistry.ListingStatus.Suspended);
        assertTrue(_validity(a) == IListingRegistry.ListingValidity.Suspended, "suspended");
        vm.prank(exchangeA);
        listings.setStatus(a, IListingRegistry.ListingStatus.Listed);
        vm.prank(bob);
        listings.setStatus(a, IListingRegistry.ListingStatus.Delisted);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                IListingRegistry.InvalidStatusChange.selector, a, IListingRegistry.ListingStatus.Delisted,
                IListingRegistry.ListingStatus.Listed
            )
        );
        listings.setStatus(a, IListingRegistry.ListingStatus.Listed);
    }

    // ───────────────────────────── participants ─────────────────────────────

    function test_participants_onlyAdminAdmitsAndSuspends() public {
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", exchangeA));
        participants.addParticipant(carol, IParticipantRegistry.Role.Exchange, "x", keccak256("x"), "");
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.ParticipantExists.selector, exchangeA));
        participants.addParticipant(exchangeA, IParticipantRegistry.Role.Exchange, "x", keccak256("x"), "");
        participants.addParticipant(carol, IParticipantRegistry.Role.Appraiser, unicode"评估机构", keccak256("c"), "");
        assertTrue(!participants.isActive(carol, IParticipantRegistry.Role.Exchange), "an appraiser is no exchange");
        vm.prank(exchangeA);
        participants.setEndpoint("https://a2");
        assertEq(keccak256(bytes(participants.getParticipant(exchangeA).endpoint)), keccak256("https://a2"), "own");
    }
    // ───────────────────────────── issue 17: structured terms ─────────────────────────────

    function test_terms_emittedWithTheListing() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-T1");
        r.terms.priceModel = IListingRegistry.PriceModel.PerUse;
        r.terms.productForm = IListingRegistry.ProductForm.DataInterface;
        r.terms.deliveryModes = 2 | 4; // API and privacy computing
        r.terms.validUntil = uint64(block.timestamp + 90 days);
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.expectEmit(true, true, true, true, address(listings));
        emit IListingRegistry.ListingTermsSet(1, 0, nextConsentId, r.terms);
        uint256 id = _list(exchangeA, r, bob, block.timestamp + 1 days, sig);
        (uint256 attestationId, uint64 validUntil) = listings.getListingConditions(id);
        assertEq(attestationId, 0, "no certification named");
        assertEq(validUntil, r.terms.validUntil, "validity stored");
    }

    function test_terms_revertWhen_malformed() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-T2");
        r.terms.priceModel = IListingRegistry.PriceModel.Negotiable; // 面议 with a price named
        _refusedTerms(r, "price");
        r.terms.priceAmount = 0;
        r.terms.currency = bytes3(0);
        r.terms.deliveryModes = 0;
        _refusedTerms(r, "deliveryModes");
        r.terms.deliveryModes = 0x10; // no such mode
        _refusedTerms(r, "deliveryModes");
        r = _request(0, "SDE-T2");
        r.terms.priceAmount = 0; // a fixed price of nothing
        _refusedTerms(r, "price");
        r.terms.priceAmount = 1;
        r.terms.currency = "cny";
        _refusedTerms(r, "price");
        r = _request(0, "SDE-T2");
        r.terms.validUntil = uint64(block.timestamp);
        _refusedTerms(r, "validUntil");
        r = _request(0, "SDE-T2");
        r.terms.usageScope = string(new bytes(201));
        _refusedTerms(r, "usageScope");
    }

    function _refusedTerms(IListingRegistry.ListingRequest memory r, string memory field) internal {
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidTerms.selector, field));
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
    }

    // ───────────────────────────── issue 17: compliance at listing (上架审核) ─────────────────────────────

    /// @dev An asset of Alice's with `classification` and `attributes`, Bob holding an operating right over it.
    function _sensitiveAsset(bytes32 content, uint8 classification, uint8 attributes) internal returns (bytes32 id) {
        IDataRegistry.Registration memory reg = _registration(content, _holders1(alice, ALL));
        reg.classification = classification;
        reg.attributes = attributes;
        vm.prank(alice);
        id = registry.register(reg);
        assetId = id;
        operating = _grantOperating(id, bob);
    }

    function _certify(bytes32 id) internal returns (uint256) {
        IAttestationRegistry.AttestationData memory a;
        a.kind = IAttestationRegistry.Kind.ComplianceCertification;
        a.method = "DSL/PIPL";
        a.conclusion = "pass";
        a.reportCid = keccak256("certification report");
        vm.prank(certifier);
        return attestations.attest(id, a);
    }

    function _tryList(address exchange, string memory ref, uint256 attestationId, bytes memory expected)
        internal
        returns (uint256 id)
    {
        IListingRegistry.ListingRequest memory r = _request(0, ref);
        r.attestationId = attestationId;
        bytes memory sig = _consent(BOB_KEY, exchange, r, block.timestamp + 1 days);
        if (expected.length != 0) {
            vm.expectRevert(expected);
            vm.prank(exchange);
            listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
            return 0;
        }
        return _list(exchange, r, bob, block.timestamp + 1 days, sig);
    }

    function test_compliance_coreDataIsNeverListed() public {
        bytes32 id = _sensitiveAsset(keccak256("core"), 2, 0);
        uint256 cert = _certify(id); // not even certified
        _tryList(exchangeA, "SDE-C1", cert, abi.encodeWithSelector(IListingRegistry.CoreDataNotListable.selector, id));
    }

    function test_compliance_importantData_onlyWithValidCertificationOfCurrentVersion() public {
        bytes32 id = _sensitiveAsset(keccak256("important"), 1, 0);
        bytes memory needs0 =
            abi.encodeWithSelector(IListingRegistry.ComplianceCertificationRequired.selector, id, uint256(0));
        _tryList(exchangeA, "SDE-I1", 0, needs0);
        _tryList(exchangeA, "SDE-I1", 99, abi.encodeWithSelector(
            IListingRegistry.ComplianceCertificationRequired.selector, id, uint256(99))); // no such attestation

        // A certification of another asset does not count.
        uint256 other = _certify(_registerAs(alice, keccak256("x"), ALL));
        _tryList(exchangeA, "SDE-I1", other, abi.encodeWithSelector(
            IListingRegistry.ComplianceCertificationRequired.selector, id, other));

        uint256 cert = _certify(id);
        uint256 listing = _tryList(exchangeA, "SDE-I1", cert, "");
        assertTrue(_validity(listing) == IListingRegistry.ListingValidity.Valid, "certified: listed");

        // Revoked: the listing is no longer compliant, and no new listing names it.
        vm.prank(certifier);
        attestations.revokeAttestation(cert, 1);
        assertTrue(_validity(listing) == IListingRegistry.ListingValidity.NotCompliant, "certification revoked");
        _tryList(exchangeA, "SDE-I2", cert, abi.encodeWithSelector(
            IListingRegistry.ComplianceCertificationRequired.selector, id, cert));
    }

    function test_compliance_personalInformation_needsCertification_notAnAppraisal() public {
        bytes32 id = _sensitiveAsset(keccak256("personal"), 0, 1);
        IAttestationRegistry.AttestationData memory a;
        a.kind = IAttestationRegistry.Kind.Appraisal;
        a.value = 100;
        a.currency = "CNY";
        participants.addParticipant(address(0xA9), IParticipantRegistry.Role.Appraiser, "A", keccak256("a"), "");
        IParticipantRegistry.QualificationData memory licence;
        (licence.issuer, licence.number) = (unicode"财政厅", "PG-1");
        participants.qualify(address(0xA9), licence);
        vm.prank(alice); // the holder engages the appraiser (issue 21: no appraisal without an engagement)
        uint256 engagement = attestations.engage(IAttestationRegistry.EngagementRequest(address(0xA9), id, 1, bytes32(0)));
        vm.prank(address(0xA9));
        uint256 appraisal = attestations.appraise(
            id, a, IAttestationRegistry.AppraisalTerms(uint64(block.timestamp), IAttestationRegistry.ValueType.Market, "", engagement)
        );
        _tryList(exchangeA, "SDE-P1", appraisal, abi.encodeWithSelector(
            IListingRegistry.ComplianceCertificationRequired.selector, id, appraisal));
        _tryList(exchangeA, "SDE-P1", _certify(id), "");
        // Sensitive personal information (bit 1 alone) too.
        id = _sensitiveAsset(keccak256("sensitive"), 0, 2);
        _tryList(exchangeA, "SDE-P2", 0, abi.encodeWithSelector(
            IListingRegistry.ComplianceCertificationRequired.selector, id, uint256(0)));
    }

    function test_compliance_councilFloor_bindsEveryExchange_andOnlyTheCouncilSetsIt() public {
        IListingRegistry.ListingFloor memory floor;
        floor.personalInformationForbidden = true;
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotCouncil.selector, exchangeA));
        listings.setListingFloor(floor);
        listings.setListingFloor(floor); // this test contract is the participant registry's owner: the council

        bytes32 id = _sensitiveAsset(keccak256("personal"), 0, 1);
        uint256 cert = _certify(id);
        _tryList(exchangeA, "SDE-F1", cert, abi.encodeWithSelector(
            IListingRegistry.PersonalInformationForbidden.selector, id));

        floor.personalInformationForbidden = false;
        floor.importantDataForbidden = true;
        listings.setListingFloor(floor);
        _tryList(exchangeA, "SDE-F1", cert, ""); // personal information is allowed again, with its certification
        id = _sensitiveAsset(keccak256("important"), 1, 0);
        _tryList(exchangeA, "SDE-F2", _certify(id), abi.encodeWithSelector(
            IListingRegistry.ImportantDataForbidden.selector, id));

        // The floor requires certificates: the exchange's policy allowing uncertified assets no longer counts.
        floor.importantDataForbidden = false;
        floor.certificateRequired = true;
        listings.setListingFloor(floor);
        _sensitiveAsset(keccak256("general"), 0, 0);
        _tryList(exchangeA, "SDE-F3", 0, abi.encodeWithSelector(
            IListingRegistry.RegistrationCertificateRequired.selector, assetId, exchangeA));
        assertTrue(listings.listingFloor().certificateRequired, "floor readable");
    }

    function test_compliance_crossBorderExchange_refusesExportRestrictedAssets() public {
        IListingRegistry.ListingPolicy memory policy = ListingHelpers.permissive();
        policy.crossBorder = true;
        vm.prank(exchangeB);
        listings.setListingPolicy(policy);
        // The set-up's asset has no export flag: restricted.
        _tryList(exchangeB, "SZDE-X1", 0, abi.encodeWithSelector(
            IListingRegistry.ExportRestricted.selector, assetId, exchangeB));
        _tryList(exchangeA, "SDE-X1", 0, ""); // a domestic exchange lists it
        _sensitiveAsset(keccak256("exportable"), 0, 4); // bit 2: export allowed
        _tryList(exchangeB, "SZDE-X2", 0, "");
    }

    function test_compliance_uncertifiedAsset_onlyWhenTheExchangesPolicyAllows() public {
        address exchangeC = address(0xEC);
        participants.addParticipant(exchangeC, IParticipantRegistry.Role.Exchange, "C", keccak256("c-e"), "");
        // A fresh exchange's policy is the strict default.
        _tryList(exchangeC, "C-1", 0, abi.encodeWithSelector(
            IListingRegistry.RegistrationCertificateRequired.selector, assetId, exchangeC));

        // Registered (登记证书 issued): listed with the default policy.
        vm.prank(alice);
        office.applyFor(assetId, registrar, bytes32(0));
        vm.startPrank(registrar);
        office.accept(assetId);
        office.review(assetId, true, 0, bytes32(0), 0);
        vm.warp(block.timestamp + 2 days);
        office.register(assetId, 1);
        vm.stopPrank();
        _tryList(exchangeC, "C-1", 0, "");

        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotAnExchange.selector, carol));
        listings.setListingPolicy(ListingHelpers.permissive());
        assertTrue(listings.listingPolicy(exchangeA).allowUncertified, "policy readable");
    }

    // ───────────────────────────── issue 17: consent that can be managed ─────────────────────────────

    function test_consent_idsAreUnordered_manySignedInParallel() public {
        IListingRegistry.ListingRequest memory r1 = _request(0, "SDE-N1");
        IListingRegistry.ListingRequest memory r2 = _request(0, "SDE-N2");
        uint256 deadline = block.timestamp + 1 days;
        // Both signed before either is used; the later id used first.
        bytes memory sig1 = _consentWithId(BOB_KEY, exchangeA, r1, 5, deadline);
        bytes memory sig2 = _consentWithId(BOB_KEY, exchangeA, r2, 70_000, deadline);
        vm.startPrank(exchangeA);
        listings.list(r2, bob, 70_000, deadline, sig2);
        listings.list(r1, bob, 5, deadline, sig1);
        vm.stopPrank();
        assertTrue(listings.consentUsed(bob, 5) && listings.consentUsed(bob, 70_000), "both used");
        assertTrue(!listings.consentUsed(bob, 6), "others free");
        assertEq(listings.consentBitmap(bob, 0), 1 << 5, "word 0: bit 5");
    }

    function test_consent_withdrawnByTheHolderBeforeUse() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-W1");
        uint256 deadline = block.timestamp + 1 days;
        bytes memory sig = _consentWithId(BOB_KEY, exchangeA, r, 300, deadline);
        vm.expectEmit(true, true, true, true, address(listings));
        emit IListingRegistry.ConsentsWithdrawn(bob, 1, 1 << 44);
        vm.prank(bob);
        listings.withdrawConsents(1, 1 << 44); // id 300 = word 1, bit 44
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentUsed.selector, bob, 300));
        listings.list(r, bob, 300, deadline, sig);
    }

    function test_approval_expires_andCanBeRevoked() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-A1");
        vm.startPrank(bob);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidApprovalExpiry.selector, uint64(block.timestamp)));
        listings.approveListing(exchangeA, r, uint64(block.timestamp));
        uint64 until = uint64(block.timestamp + 1 hours);
        listings.approveListing(exchangeA, r, until);
        vm.stopPrank();
        assertEq(listings.approvalValidUntil(bob, exchangeA, r), until, "approval readable");
        vm.warp(until + 1);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ApprovalExpired.selector, bob, exchangeA, until));
        listings.list(r, bob, 0, 0, "");

        vm.prank(bob);
        listings.approveListing(exchangeA, r, uint64(block.timestamp + 1 days));
        vm.prank(bob);
        listings.revokeApproval(exchangeA, r);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.list(r, bob, 0, 0, "");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.revokeApproval(exchangeA, r);
    }

    function test_crossList_coHolderCannotUseAnotherHoldersOrigin() public {
        uint256 a = _listOnA(); // Bob's product, under Bob's operating right
        // Alice holds operating right 3 too (a co-holder): she may not take Bob's product to exchange B, with her
        // right or with his.
        IListingRegistry.ListingRequest memory r = ListingHelpers.request(assetId, 3, a, "SZDE-co", keccak256("o"));
        bytes memory sig = _consent(ALICE_KEY, exchangeB, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotOriginHolder.selector, a, alice, uint256(3)));
        listings.list(r, alice, nextConsentId, block.timestamp + 1 days, sig);
        // Bob's own cross-listing on B is not blocked.
        assertTrue(_validity(_crossListOnB(a)) == IListingRegistry.ListingValidity.Valid, "holder cross-lists");
    }

    function test_listingId_reusedAfterDelistingOrExpiry() public {
        uint256 a = _listOnA();
        vm.prank(exchangeA);
        listings.setStatus(a, IListingRegistry.ListingStatus.Delisted);
        uint256 again = _listOnA(); // "SDE-2026-0001" again
        assertTrue(again != a && _validity(again) == IListingRegistry.ListingValidity.Valid, "id reused");
        // Still listed: refused.
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0001");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(IListingRegistry.DuplicateExchangeListingId.selector, exchangeA, "SDE-2026-0001")
        );
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);

        // A listing with an end: past it, it is expired, and its id and its cross-listing place are free.
        r = _request(0, "SDE-END");
        r.terms.validUntil = uint64(block.timestamp + 10 days);
        sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        uint256 ending = _list(exchangeA, r, bob, block.timestamp + 1 days, sig);
        IListingRegistry.ListingRequest memory c = _request(again, "SZDE-END");
        c.terms.validUntil = uint64(block.timestamp + 10 days);
        sig = _consent(BOB_KEY, exchangeB, c, block.timestamp + 1 days);
        uint256 cross = _list(exchangeB, c, bob, block.timestamp + 1 days, sig);
        vm.warp(block.timestamp + 11 days);
        assertTrue(_validity(ending) == IListingRegistry.ListingValidity.Expired, "expired");
        r.terms.validUntil = 0;
        sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        _list(exchangeA, r, bob, block.timestamp + 1 days, sig);
        assertTrue(_validity(cross) == IListingRegistry.ListingValidity.Expired, "cross-listing expired");
        c.exchangeListingId = "SZDE-END-2";
        c.terms.validUntil = 0;
        sig = _consent(BOB_KEY, exchangeB, c, block.timestamp + 1 days);
        _list(exchangeB, c, bob, block.timestamp + 1 days, sig); // B cross-lists the origin again
    }
}
