// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TradeRegistryBase} from "./TradeRegistryBase.t.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {ITradeRegistry} from "../src/interfaces/ITradeRegistry.sol";

contract TradeRegistryTest is TradeRegistryBase {
    function _record(address exchange, ITradeRegistry.Trade memory t, IDataRegistry.GrantTerms memory g)
        internal
        returns (uint16 year, uint32 serial, uint256 rightIndex)
    {
        ITradeRegistry.Signatures memory s = _sigs(exchange, t, g);
        vm.prank(exchange);
        return trades.recordTrade(t, g, s);
    }

    // ───────────────────────────── happy path ─────────────────────────────

    function test_recordTrade_grantsBuyersUsageRight_numbersTheTrade_andSettles() public {
        ITradeRegistry.Trade memory t = _trade(listingA, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        vm.expectEmit(true, true, true, true, address(trades));
        emit ITradeRegistry.TradeRecorded(exchangeA, assetId, carol, 2025, 1, 4, t);
        vm.prank(exchangeA);
        (uint16 year, uint32 serial, uint256 rightIndex) = trades.recordTrade(t, g, s);
        assertEq(year, 2025, "Beijing year of 1,750,000,000");
        assertEq(serial, 1, "first of the year");
        IDataRegistry.RightView memory right = registry.getRight(assetId, rightIndex);
        assertEq(right.holder, carol, "buyer holds the right");
        assertTrue(right.kind == IDataRegistry.RightKind.Usage, "a usage right");
        assertEq(right.parentIndex, 2, "granted from the seller's usage right");
        (IDataRegistry.Validity v,) = registry.rightValidity(assetId, rightIndex);
        assertTrue(v == IDataRegistry.Validity.Valid, "valid right");
        assertTrue(trades.settlementOf(exchangeA, year, serial) == ITradeRegistry.SettlementStatus.Pending, "pending");
        assertEq(trades.certificateNumber(exchangeA, year, serial), "SZDEJY2025000001", "number");

        vm.expectEmit(true, true, true, true, address(trades));
        emit ITradeRegistry.TradeSettlementChanged(exchangeA, year, serial, ITradeRegistry.SettlementStatus.Settled, 0);
        vm.prank(exchangeA);
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Settled, 0);
        assertTrue(trades.settlementOf(exchangeA, year, serial) == ITradeRegistry.SettlementStatus.Settled, "settled");

        vm.expectEmit(true, true, true, true, address(trades));
        emit ITradeRegistry.DeliveryRecorded(exchangeA, year, serial, keccak256("receipt 2"));
        vm.prank(exchangeA);
        trades.recordDelivery(year, serial, keccak256("receipt 2"));

        // The second trade of the year takes the next serial; a new year starts again at 1.
        (, serial,) = _record(exchangeA, _trade(listingA, carol), _terms(carol));
        assertEq(serial, 2, "second of the year");
        vm.warp(1_767_196_800); // 2026-01-01 00:00 Beijing
        t = _trade(listingA, carol);
        t.priceAmount = 0;
        t.currency = 0;
        t.priceHash = keccak256(abi.encode(uint256(99), bytes3("CNY"), bytes32("salt")));
        (year, serial,) = _record(exchangeA, t, _terms(carol));
        assertEq(year, 2026, "new year");
        assertEq(serial, 1, "serial restarts");
        assertTrue(trades.settlementOf(exchangeA, 2025, 1) == ITradeRegistry.SettlementStatus.Settled, "kept apart");
        assertTrue(trades.settlementOf(exchangeA, 2025, 2) == ITradeRegistry.SettlementStatus.Pending, "last year's");
        assertTrue(trades.settlementOf(exchangeA, 2025, 3) == ITradeRegistry.SettlementStatus.None, "no third");
        assertTrue(trades.settlementOf(exchangeA, 2026, 2) == ITradeRegistry.SettlementStatus.None, "not yet");
        assertTrue(trades.settlementOf(exchangeA, 2026, 0) == ITradeRegistry.SettlementStatus.None, "no serial 0");
    }

    // ───────────────────────────── refusals ─────────────────────────────

    /// @dev Issue 17: a listing past its end is no offer; before, TradeRegistry judged the listing without its end
    /// and recorded a trade on it.
    function test_recordTrade_revertsWhen_listingIsPastItsEnd() public {
        uint256 ending = _listUntil(exchangeA, "SZDE-0002", uint64(block.timestamp + 10 days));
        vm.warp(block.timestamp + 10 days + 1);
        ITradeRegistry.Trade memory t = _trade(ending, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradeRegistry.ListingNotValid.selector, ending, uint8(IListingRegistry.ListingValidity.Expired)
            )
        );
        trades.recordTrade(t, g, s);
    }

    // Issue 17's last trust gap: a listing that stopped being compliant after it was listed is no offer. Before,
    // TradeRegistry judged listings with its own partial copy of the listing rule, which left compliance out, and
    // recorded these trades (the first three tests fail on that code).

    /// @dev Trades on `listingId` are refused with ListingNotValid(`listingId`, `reason`), and nothing is written.
    function _refused(uint256 listingId, IListingRegistry.ListingValidity reason) internal {
        ITradeRegistry.Trade memory t = _trade(listingId, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        uint256 rights = registry.getAsset(assetId).rightCount;
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.ListingNotValid.selector, listingId, uint8(reason)));
        trades.recordTrade(t, g, s);
        assertEq(registry.getAsset(assetId).rightCount, rights, "no right for the buyer");
        assertTrue(listings.listingValidity(listingId) == reason, "the listing registry's own verdict");
    }

    function _traded(uint256 listingId) internal returns (uint256 rightIndex) {
        (,, rightIndex) = _record(exchangeA, _trade(listingId, carol), _terms(carol));
        assertEq(registry.getRight(assetId, rightIndex).holder, carol, "the buyer's right");
    }

    function test_recordTrade_revertsWhen_aChangeRegistrationMadeTheAssetCoreData() public {
        _traded(listingA);
        _change(assetId, 2, 0); // 核心数据: never listed, and no longer traded on an earlier listing
        _refused(listingA, IListingRegistry.ListingValidity.NotCompliant);
    }

    function test_recordTrade_revertsWhen_theListingsComplianceCertificationIsRevoked() public {
        (uint256 important, uint256 cert) = _listSensitive("SZDE-I1", 1, 0, true);
        _traded(important);
        vm.prank(certifier);
        attestations.revokeAttestation(cert, 1);
        _refused(important, IListingRegistry.ListingValidity.NotCompliant);

        // Personal information (attributes bit 0) alike; and a new certification does not revive the listing,
        // which names the revoked one: the exchange lists the product again with the new one.
        (uint256 personal, uint256 cert2) = _listSensitive("SZDE-P1", 0, 1, true);
        vm.prank(certifier);
        attestations.revokeAttestation(cert2, 1);
        _certify(assetId);
        _refused(personal, IListingRegistry.ListingValidity.NotCompliant);
    }

    /// @dev A compliance certification is of one version of the asset (AttestationRegistry: Superseded once a change
    /// registration made a new one), whatever the change: for important data or personal information the listing
    /// is then no longer compliant. An asset that no longer needs a certification after the change stays tradeable.
    function test_recordTrade_revertsWhen_aNewVersionSupersededTheCertification_ofDataThatNeedsOne() public {
        (uint256 important, uint256 cert) = _listSensitive("SZDE-S1", 1, 0, true);
        _change(assetId, 1, 0); // still important data; new metadata only
        assertTrue(
            attestations.attestationStatus(cert) == IAttestationRegistry.Status.Superseded, "certification superseded"
        );
        _refused(important, IListingRegistry.ListingValidity.NotCompliant);

        // Personal information that a change declared general, without personal information: no certification is
        // needed any more, so the superseded one does not matter.
        (uint256 personal, uint256 cert2) = _listSensitive("SZDE-S2", 0, 1, true);
        _change(assetId, 0, 0);
        assertTrue(
            attestations.attestationStatus(cert2) == IAttestationRegistry.Status.Superseded, "superseded as well"
        );
        _traded(personal);

        // General data whose listing named a certification anyway, after a change: still tradeable.
        (uint256 general,) = _listSensitive("SZDE-S3", 0, 0, true);
        _change(assetId, 0, 4);
        _traded(general);
    }

    /// @dev The ordinary paths the compliance check must not refuse: a general asset, also after a change
    /// registration that keeps it general, and important data and personal information with their certification
    /// valid. (A guard against refusing too much, so it passes on the old code too.)
    function test_recordTrade_compliantListingsStillTrade() public {
        _traded(listingA);
        _change(assetId, 0, 4);
        _traded(listingA);
        (uint256 important,) = _listSensitive("SZDE-V1", 1, 0, true);
        _traded(important);
        (uint256 personal,) = _listSensitive("SZDE-V2", 0, 2, true);
        _traded(personal);
        (IListingRegistry.ListingView memory listing, IListingRegistry.ListingValidity validity) =
            listings.tradeableListing(personal);
        assertTrue(validity == IListingRegistry.ListingValidity.Valid, "tradeable");
        assertEq(listing.assetId, assetId, "the listing's asset");
        assertEq(listing.holder, alice, "the seller");
    }

    /// @dev The listing rule is the listing registry's, but for the exchange's standing, which recordTrade checks
    /// first (its caller is an active exchange and the listing's): a frozen asset is refused as a listing that is
    /// not valid, before the grant would refuse it.
    function test_recordTrade_frozenAsset_refusedAsAListingNotValid() public {
        participants.addParticipant(
            address(0x6E6), IParticipantRegistry.Role.Regulator, unicode"法院", keccak256("court"), ""
        );
        vm.prank(address(0x6E6));
        registry.freeze(assetId, unicode"(2026)闽0203执保88号", keccak256("order"));
        _refused(listingA, IListingRegistry.ListingValidity.AssetFrozen);
        (, IListingRegistry.ListingValidity validity) = listings.tradeableListing(listingA);
        assertTrue(validity == IListingRegistry.ListingValidity.AssetFrozen, "the same reason");
    }

    function test_recordTrade_revertsWhen_listingIsAnotherExchanges_orNotValid() public {
        vm.prank(exchangeB);
        trades.setTradeCode("SHDE");
        ITradeRegistry.Trade memory t = _trade(listingA, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeB, t, g);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotExchangesListing.selector, listingA, exchangeB));
        trades.recordTrade(t, g, s);

        s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        listings.setStatus(listingA, IListingRegistry.ListingStatus.Suspended);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradeRegistry.ListingNotValid.selector, listingA, uint8(IListingRegistry.ListingValidity.Suspended)
            )
        );
        trades.recordTrade(t, g, s);
        vm.prank(exchangeA);
        listings.setStatus(listingA, IListingRegistry.ListingStatus.Listed);

        // The seller transferred the operating right away: the listing no longer holds.
        vm.prank(alice);
        registry.transfer(assetId, 3, bob);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradeRegistry.ListingNotValid.selector, listingA, uint8(IListingRegistry.ListingValidity.HolderChanged)
            )
        );
        trades.recordTrade(t, g, s);

        // Not an exchange at all.
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotAnExchange.selector, carol));
        trades.recordTrade(t, g, s);
    }

    function test_recordTrade_revertsWhen_noTradeCode_badPrice_wrongGrantee_orContractMismatch() public {
        uint256 listingB = _list(exchangeB, "SH-1");
        ITradeRegistry.Trade memory t = _trade(listingB, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeB, t, g);
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeNotSet.selector, exchangeB));
        trades.recordTrade(t, g, s);

        t = _trade(listingA, carol);
        t.priceHash = keccak256("both");
        s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidPrice.selector));
        trades.recordTrade(t, g, s);

        t = _trade(listingA, carol);
        t.currency = "cny";
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidPrice.selector));
        trades.recordTrade(t, g, s);

        t = _trade(listingA, carol);
        g = _terms(bob);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.BuyerMismatch.selector, carol, bob));
        trades.recordTrade(t, g, s);

        g = _terms(carol);
        g.termsCid = keccak256("other");
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.ContractMismatch.selector, CONTRACT_CID, g.termsCid));
        trades.recordTrade(t, g, s);

        // The operating right is no usage right: a trade grants usage.
        g = _terms(carol);
        t.parentIndex = 3;
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotAUsageRight.selector, assetId, 3));
        trades.recordTrade(t, g, s);
    }

    function test_recordTrade_revertsWhen_signaturesForgedExpiredOrReplayed() public {
        ITradeRegistry.Trade memory t = _trade(listingA, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory good = _sigs(exchangeA, t, g);

        // Buyer's acceptance signed by someone else.
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        s.acceptSignature = _acceptSig(BOB_KEY, exchangeA, t, s.grantSignature, s.acceptDeadline);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidSignature.selector, carol));
        trades.recordTrade(t, g, s);

        // Buyer accepted another price.
        ITradeRegistry.Trade memory cheaper = _trade(listingA, carol);
        cheaper.priceAmount = 1;
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidSignature.selector, carol));
        trades.recordTrade(cheaper, g, good);

        // Buyer's acceptance for another exchange.
        s = _sigs(exchangeA, t, g);
        s.acceptSignature = _acceptSig(CAROL_KEY, exchangeB, t, s.grantSignature, s.acceptDeadline);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidSignature.selector, carol));
        trades.recordTrade(t, g, s);

        // Seller's grant signed by someone else (and accepted by the buyer as such).
        s = _sigs(exchangeA, t, g);
        s.grantSignature = _grantSig(BOB_KEY, t.parentIndex, g, s.grantDeadline);
        s.acceptSignature = _acceptSig(CAROL_KEY, exchangeA, t, s.grantSignature, s.acceptDeadline);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        trades.recordTrade(t, g, s);

        // Expired: the buyer's, then the seller's.
        s = _sigs(exchangeA, t, g);
        vm.warp(s.acceptDeadline + 1);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeRegistry.SignatureExpired.selector, s.acceptDeadline, s.acceptDeadline + 1)
        );
        trades.recordTrade(t, g, s);
        s = _sigs(exchangeA, t, g);
        s.grantDeadline = block.timestamp - 1;
        s.grantSignature = _grantSig(ALICE_KEY, t.parentIndex, g, s.grantDeadline);
        s.acceptSignature = _acceptSig(CAROL_KEY, exchangeA, t, s.grantSignature, s.acceptDeadline);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.SignatureExpired.selector, s.grantDeadline, block.timestamp)
        );
        trades.recordTrade(t, g, s);

        // The buyer accepted another grant than the one submitted.
        s = _sigs(exchangeA, t, g);
        IDataRegistry.GrantTerms memory wider = _terms(carol);
        wider.territory = "";
        s.grantSignature = _grantSig(ALICE_KEY, t.parentIndex, wider, s.grantDeadline);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidSignature.selector, carol));
        trades.recordTrade(t, wider, s);

        // Good once; the same pair again is refused (the seller's grant nonce moved on: the grant, and with it
        // the acceptance, is spent).
        s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        trades.recordTrade(t, g, s);
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        trades.recordTrade(t, g, s);
    }

    function test_setSettlement_onlyByTheRecordingExchange_andNeverBackToNone() public {
        (uint16 year, uint32 serial,) = _record(exchangeA, _trade(listingA, carol), _terms(carol));
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeNotFound.selector, exchangeB, year, serial));
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Refunded, 0);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeNotFound.selector, carol, year, serial));
        trades.recordDelivery(year, serial, keccak256("x"));
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(
                ITradeRegistry.InvalidSettlementChange.selector, year, serial,
                ITradeRegistry.SettlementStatus.Pending, ITradeRegistry.SettlementStatus.None
            )
        );
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.None, 0);
        vm.prank(exchangeA);
        vm.expectRevert(
            abi.encodeWithSelector(ITradeRegistry.TradeNotFound.selector, exchangeA, year, serial + 1)
        );
        trades.setSettlement(year, serial + 1, ITradeRegistry.SettlementStatus.Settled, 0);
        vm.prank(exchangeA);
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Disputed, keccak256("complaint"));
        vm.prank(exchangeA);
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Refunded, keccak256("ruling"));
        assertTrue(trades.settlementOf(exchangeA, year, serial) == ITradeRegistry.SettlementStatus.Refunded, "refunded");
    }

    function test_setTradeCode_onceUniqueAndWellFormed() public {
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeAlreadySet.selector, exchangeA, bytes6("SZDE")));
        trades.setTradeCode("XX");
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeTaken.selector, bytes6("SZDE"), exchangeA));
        trades.setTradeCode("SZDE");
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidTradeCode.selector, bytes6("sh")));
        trades.setTradeCode("sh");
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidTradeCode.selector, bytes6("S")));
        trades.setTradeCode("S");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotAnExchange.selector, carol));
        trades.setTradeCode("CC");
    }

    function test_paused_refusesEveryWrite() public {
        (uint16 year, uint32 serial,) = _record(exchangeA, _trade(listingA, carol), _terms(carol));
        ITradeRegistry.Trade memory t = _trade(listingA, bob);
        IDataRegistry.GrantTerms memory g = _terms(bob);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        participants.pause(bytes32(0));
        bytes memory paused = abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector);
        vm.startPrank(exchangeA);
        vm.expectRevert(paused);
        trades.recordTrade(t, g, s);
        vm.expectRevert(paused);
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Settled, 0);
        vm.expectRevert(paused);
        trades.recordDelivery(year, serial, 0);
        vm.stopPrank();
        vm.prank(exchangeB);
        vm.expectRevert(paused);
        trades.setTradeCode("SHDE");
    }
    // ───────────────────────────── the council and trade codes ─────────────────────────────

    /// @dev The council (the participant registry's owner, this test) approves a code for an exchange without one.
    function test_assignTradeCode_councilApprovesACode_forAnExchangeWithoutOne() public {
        vm.expectEmit(true, true, true, true, address(trades));
        emit ITradeRegistry.TradeCodeSet(exchangeB, bytes6("SHDE"));
        vm.expectEmit(true, true, true, true, address(trades));
        emit ITradeRegistry.TradeCodeAssigned(exchangeB, bytes6("SHDE"), bytes6(0), address(this));
        trades.assignTradeCode(exchangeB, "SHDE");
        assertEq(trades.tradeCodes(exchangeB), bytes6("SHDE"), "approved");
        // The exchange can no longer pick its own: it has one.
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeAlreadySet.selector, exchangeB, bytes6("SHDE")));
        trades.setTradeCode("SH");
    }

    /// @dev An override changes the code of the trades to come; numbers issued keep the old code, which stays the
    /// exchange's (nobody else can take it, so no two trades ever share a number).
    function test_assignTradeCode_overrides_keepsIssuedNumbers_andNeverReusesACode() public {
        (uint16 year, uint32 serial,) = _record(exchangeA, _trade(listingA, carol), _terms(carol));
        trades.assignTradeCode(exchangeA, "SZX");
        assertEq(trades.tradeCodes(exchangeA), bytes6("SZX"), "overridden");
        assertEq(trades.certificateNumber(exchangeA, year, serial), "SZDEJY2025000001", "issued number kept");
        (uint16 year2, uint32 serial2,) = _record(exchangeA, _trade(listingA, carol), _terms(carol));
        assertEq(trades.certificateNumber(exchangeA, year2, serial2), "SZXJY2025000002", "new code, serial goes on");
        // A second override: each era keeps its code.
        trades.assignTradeCode(exchangeA, "SZY");
        assertEq(trades.certificateNumber(exchangeA, year, serial), "SZDEJY2025000001", "first era");
        assertEq(trades.certificateNumber(exchangeA, year2, serial2), "SZXJY2025000002", "second era");
        // The old code is refused to another exchange, by the council as by the exchange itself.
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeTaken.selector, bytes6("SZDE"), exchangeA));
        trades.assignTradeCode(exchangeB, "SZDE");
        vm.prank(exchangeB);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeTaken.selector, bytes6("SZX"), exchangeA));
        trades.setTradeCode("SZX");
        // Unchanged, malformed, or for a non-exchange: refused.
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.TradeCodeAlreadySet.selector, exchangeA, bytes6("SZY")));
        trades.assignTradeCode(exchangeA, "SZY");
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.InvalidTradeCode.selector, bytes6("s z")));
        trades.assignTradeCode(exchangeA, "s z");
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotAnExchange.selector, carol));
        trades.assignTradeCode(carol, "CC");
    }

    /// @dev Like the council's other governance (admitting participants, binding contracts), also while paused.
    function test_assignTradeCode_onlyByTheCouncil_alsoWhilePaused() public {
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotCouncil.selector, exchangeA));
        trades.assignTradeCode(exchangeA, "XYZ");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ITradeRegistry.NotCouncil.selector, carol));
        trades.assignTradeCode(exchangeB, "XYZ");
        participants.pause(bytes32(0));
        trades.assignTradeCode(exchangeB, "XYZ");
        assertEq(trades.tradeCodes(exchangeB), bytes6("XYZ"), "assigned while paused");
    }

    /// @dev The trade registry keeps its own copy of the switch, set by the participant registry alone.
    function test_pauseFlag_boundCopy_followsTheSwitch() public {
        assertTrue(!trades.paused(), "running");
        participants.pause(bytes32(0));
        assertTrue(trades.paused(), "the copy follows the pause");
        participants.unpause();
        assertTrue(!trades.paused(), "and the unpause");
        vm.prank(exchangeA);
        vm.expectRevert(abi.encodeWithSignature("NotParticipantRegistry(address)", exchangeA));
        trades.setPaused(true);
    }
}
