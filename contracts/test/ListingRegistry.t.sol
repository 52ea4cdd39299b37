// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";

contract ListingRegistryTest is DataRegistryBase {
    ListingRegistry internal listings;
    address internal exchangeA = address(0xEA);
    address internal exchangeB = address(0xEB);
    bytes32 internal assetId;
    uint256 internal operating; // Bob's operating right, granted by Alice

    bytes32 internal constant CONSENT_TYPEHASH = keccak256(
        "ListingConsent(address holder,address exchange,bytes32 assetId,uint256 rightIndex,uint256 originListingId,"
        "string exchangeListingId,bytes32 offerTermsCid,uint256 nonce,uint256 deadline)"
    );

    function setUp() public override {
        super.setUp();
        listings = new ListingRegistry(registry, participants, address(forwarder));
        _bind(address(listings));
        participants.addParticipant(
            exchangeA, IParticipantRegistry.Role.Exchange, unicode"上海数据交易所", keccak256("91310000MA1FL70B7K"), "https://a"
        );
        participants.addParticipant(
            exchangeB, IParticipantRegistry.Role.Exchange, unicode"深圳数据交易所", keccak256("91440300MA5H1WXX6U"), "https://b"
        );
        assetId = _registerAs(alice, keccak256("data"), ALL);
        IDataRegistry.GrantTerms memory t;
        t.grantee = bob;
        t.validUntil = uint64(block.timestamp + 365 days);
        t.transferable = true;
        vm.prank(alice);
        operating = registry.grant(assetId, 3, t);
    }

    function _request(uint256 origin, string memory ref) internal view returns (IListingRegistry.ListingRequest memory) {
        return IListingRegistry.ListingRequest(assetId, operating, origin, ref, keccak256(bytes(ref)));
    }

    function _consent(uint256 key, address exchange, IListingRegistry.ListingRequest memory r, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        address holder = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                CONSENT_TYPEHASH, holder, exchange, r.assetId, r.rightIndex, r.originListingId,
                keccak256(bytes(r.exchangeListingId)), r.offerTermsCid, listings.nonces(holder), deadline
            )
        );
        return _sign(key, keccak256(abi.encodePacked("\x19\x01", listings.DOMAIN_SEPARATOR(), structHash)));
    }

    function _listOnA() internal returns (uint256) {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0001");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        return listings.list(r, bob, block.timestamp + 1 days, sig);
    }

    function _crossListOnB(uint256 origin) internal returns (uint256) {
        IListingRegistry.ListingRequest memory r = _request(origin, "SZDE-88");
        bytes memory sig = _consent(BOB_KEY, exchangeB, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        return listings.list(r, bob, block.timestamp + 1 days, sig);
    }

    function _validity(uint256 id) internal view returns (IListingRegistry.ListingValidity) {
        return listings.listingValidity(id);
    }

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
        listings.approveListing(exchangeA, r);
        vm.prank(exchangeA);
        uint256 id = listings.list(r, bob, 0, "");
        assertEq(listings.getListing(id).holder, bob, "consenting holder");
        // The approval is used up.
        r.exchangeListingId = "SDE-2";
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.list(r, bob, 0, "");
    }

    function test_list_revertsWhen_noConsent_expiredConsent_replayedConsent_orNotAnExchange() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-3");
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.ConsentMissing.selector, bob, exchangeA));
        listings.list(r, bob, 0, "");

        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, deadline);
        vm.warp(deadline + 1);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.SignatureExpired.selector, deadline, deadline + 1));
        listings.list(r, bob, deadline, sig);

        deadline = block.timestamp + 1 hours;
        sig = _consent(BOB_KEY, exchangeA, r, deadline);
        vm.prank(exchangeA);
        listings.list(r, bob, deadline, sig);
        r.exchangeListingId = "SDE-4"; // even under a new id, the consent was for SDE-3 and is spent
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidSignature.selector, bob));
        listings.list(r, bob, deadline, sig);

        sig = _consent(BOB_KEY, carol, r, deadline);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotAnExchange.selector, carol));
        listings.list(r, bob, deadline, sig);
    }

    function test_list_revertsWhen_consentIsForAnotherExchange() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-5");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidSignature.selector, bob));
        listings.list(r, bob, block.timestamp + 1 days, sig);
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
        listings.list(r, carol, block.timestamp + 1 days, sig);

        r.rightIndex = 2; // Alice's usage right: not an operating right
        sig = _consent(ALICE_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.NotOperatingRight.selector, assetId, 2));
        listings.list(r, alice, block.timestamp + 1 days, sig);
    }

    // ───────────────────────────── cross-listing conflicts ─────────────────────────────

    function test_crossList_revertsWhen_originDelisted_sameExchange_orAlreadyCrossListed() public {
        uint256 a = _listOnA();
        IListingRegistry.ListingRequest memory r = _request(a, "SDE-again");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.CrossListingOnSameExchange.selector, a, exchangeA));
        listings.list(r, bob, block.timestamp + 1 days, sig);

        uint256 b = _crossListOnB(a);
        r = _request(a, "SZDE-89");
        sig = _consent(BOB_KEY, exchangeB, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.AlreadyCrossListed.selector, a, exchangeB, b));
        listings.list(r, bob, block.timestamp + 1 days, sig);

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
        listings.list(r, bob, block.timestamp + 1 days, sig);
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
}
