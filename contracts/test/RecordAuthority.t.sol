// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RegistryFixture} from "./RegistryFixture.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {CivilDate} from "../src/libraries/CivilDate.sol";

contract CivilDateHarness {
    function addYears(uint256 timestamp, uint256 count) external pure returns (uint256) {
        return CivilDate.addYears(timestamp, count);
    }
}

/// @notice Issue 13: the registry's record is authoritative. One test per rule (each "What breaks today" case
/// of the issue fails on the code before it), and the freeze/pledge matrix that SECURITY.md states, every cell
/// tried: operation × remark → allowed, or refused with the error naming the remark and who can lift it.
contract RecordAuthorityTest is RegistryFixture {
    address internal constant REGULATOR_2 = address(0x6E62);
    address internal constant BANK = address(0xBA4C);

    function setUp() public override {
        super.setUp();
        vm.prank(who[ADMIN]);
        d.participants.addParticipant(REGULATOR_2, IParticipantRegistry.Role.Regulator, "G2", keccak256("g2"), "");
    }

    function _fresh(string memory content) internal returns (bytes32) {
        return _register(d, who[HOLDER], content);
    }

    function _freeze(address regulator, bytes32 id) internal returns (uint256 orderId) {
        vm.prank(regulator);
        orderId = d.registry.freeze(id, unicode"(2026)闽01执保1号", keccak256("order"));
    }

    function _pledge(bytes32 id, string memory no) internal returns (bytes32 pledgeId) {
        vm.prank(who[REGISTRAR]);
        pledgeId = d.registry.recordPledge(id, no, BANK);
    }

    function _expectFrozen(bytes32 id, uint256 orderId, address regulator) internal {
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetIsFrozen.selector, id, orderId, regulator));
    }

    // ───────────────────────────── freeze orders ─────────────────────────────

    /// @dev Was: one freeze flag; any regulator lifted any other's order; a second order could not be recorded.
    function test_freezeOrders_waitingListSeizure_eachReleasedOnlyByItsIssuer() public {
        bytes32 id = _fresh("seized");
        uint256 first = _freeze(who[REGULATOR], id);
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.AssetFrozen(id, 2, REGULATOR_2, unicode"(2026)闽01执保1号", keccak256("order"), true);
        uint256 second = _freeze(REGULATOR_2, id);
        assertEq(second, 2, "the waiting order is numbered 2");
        assertEq(d.registry.getAsset(id).activeFreezes, 2, "both stand");
        vm.prank(REGULATOR_2);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotFreezeIssuer.selector, id, first, who[REGULATOR]));
        d.registry.releaseFreeze(id, first, bytes32(0));
        vm.prank(who[REGULATOR]);
        d.registry.releaseFreeze(id, first, keccak256("ruling"));
        // The waiting order now binds: still frozen, and the refusal names it and its issuer.
        assertTrue(d.registry.getAsset(id).frozen, "the waiting-list seizure takes over");
        vm.prank(who[HOLDER]);
        _expectFrozen(id, second, REGULATOR_2);
        d.registry.transfer(id, 1, FRESH);
        vm.prank(who[REGULATOR]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.FreezeOrderNotActive.selector, id, first));
        d.registry.releaseFreeze(id, first, bytes32(0));
        assertEq(d.registry.getFreezeOrder(id, second).regulator, REGULATOR_2, "issuer recorded");
        assertEq(d.registry.freezeOrderCount(id), 2, "orders listed");
    }

    function test_adminReleaseFreeze_onlyTheAdmin_withARecordedReason() public {
        bytes32 id = _fresh("seized by a dissolved office");
        uint256 orderId = _freeze(who[REGULATOR], id);
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.MissingMetadata.selector));
        d.registry.adminReleaseFreeze(id, orderId, bytes32(0));
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.AssetFreezeReleased(id, orderId, who[ADMIN], keccak256("council decision"), true);
        vm.prank(who[ADMIN]);
        d.registry.adminReleaseFreeze(id, orderId, keccak256("council decision"));
        assertTrue(!d.registry.getAsset(id).frozen, "released");
    }

    /// @dev Was: the registrant cancelled a frozen asset (`datareg freeze` then `cancel --reason request`).
    function test_cancel_refusedWhileFrozen_byRegistrantAndRegistrar() public {
        bytes32 id = _fresh("frozen, then cancel attempted");
        uint256 orderId = _freeze(who[REGULATOR], id);
        vm.prank(who[HOLDER]);
        _expectFrozen(id, orderId, who[REGULATOR]);
        d.registry.cancel(id, 1, bytes32(0));
        vm.prank(who[REGISTRAR]);
        _expectFrozen(id, orderId, who[REGULATOR]);
        d.registry.cancel(id, 4, bytes32(0));
    }

    // ───────────────────────────── pledges ─────────────────────────────

    /// @dev Was: a pledge did not stop new grants of the operating right, nor cancellation.
    function test_pledge_operatingRightMovesOnlyWithEveryPledgeesConsent_usedOnce() public {
        bytes32 id = _fresh("collateral");
        bytes32 p1 = _pledge(id, "ZD-1");
        IDataRegistry.GrantTerms memory t = terms(FRESH, 0);
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p1, BANK, who[REGISTRAR]));
        d.registry.grant(id, 3, t);
        vm.prank(who[HOLDER]);
        d.registry.grant(id, 2, t); // the usage right is not pledged
        vm.prank(who[OUTSIDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotPledgee.selector, id, p1, BANK));
        d.registry.consentAsPledgee(id, p1, IDataRegistry.PledgedOperation.Transfer, 3, FRESH);
        vm.prank(BANK);
        d.registry.consentAsPledgee(id, p1, IDataRegistry.PledgedOperation.Transfer, 3, FRESH);
        // The consent names the recipient: another recipient is still refused.
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p1, BANK, who[REGISTRAR]));
        d.registry.transfer(id, 3, who[OUTSIDER]);
        vm.prank(who[HOLDER]);
        d.registry.transfer(id, 3, FRESH);
        assertEq(d.registry.getRight(id, 3).holder, FRESH, "moved with consent");
        vm.prank(FRESH);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p1, BANK, who[REGISTRAR]));
        d.registry.transfer(id, 3, who[HOLDER]); // the consent was used up
        assertEq(d.registry.getAsset(id).activePledges, 1, "the pledge follows the right");
    }

    function test_pledge_releasedOnlyByTheRegistrarThatRecordedIt() public {
        address otherRegistrar = address(0x4E62);
        vm.prank(who[ADMIN]);
        d.participants.addParticipant(otherRegistrar, IParticipantRegistry.Role.Registrar, "R2", keccak256("r2"), "");
        bytes32 id = _fresh("pledged");
        bytes32 p = _pledge(id, "ZD-9");
        vm.prank(otherRegistrar);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotPledgeRegistrar.selector, id, p, who[REGISTRAR]));
        d.registry.releasePledge(id, p);
        vm.prank(who[REGISTRAR]);
        d.registry.releasePledge(id, p);
        assertTrue(!d.registry.getPledge(id, p).active, "released");
    }

    /// @dev Was: `datareg cancel --reason request` on a pledged asset took the pledgee's collateral.
    function test_cancel_pledged_needsEveryPledgeesConsent_andExtinguishesThePledges() public {
        bytes32 id = _fresh("pledged twice");
        bytes32 p1 = _pledge(id, "ZD-1");
        bytes32 p2 = _pledge(id, "ZD-2");
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p1, BANK, who[REGISTRAR]));
        d.registry.cancel(id, 1, bytes32(0));
        vm.prank(BANK);
        d.registry.consentAsPledgee(id, p1, IDataRegistry.PledgedOperation.Cancel, 0, address(0));
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p2, BANK, who[REGISTRAR]));
        d.registry.cancel(id, 1, bytes32(0));
        vm.prank(BANK);
        d.registry.consentAsPledgee(id, p2, IDataRegistry.PledgedOperation.Cancel, 0, address(0));
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.PledgeReleased(id, p1, BANK);
        vm.prank(who[HOLDER]);
        d.registry.cancel(id, 1, bytes32(0));
        assertEq(d.registry.getAsset(id).activePledges, 0, "no pledge stands on a cancelled record");
    }

    /// @dev Was: a registrar could cancel "on request" of anyone.
    function test_cancel_onRequest_onlyByTheRegistrant() public {
        bytes32 id = _fresh("on request");
        vm.prank(who[REGISTRAR]);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.CancellationNotAllowed.selector, id, who[REGISTRAR], uint16(1))
        );
        d.registry.cancel(id, 1, bytes32(0));
        vm.prank(who[HOLDER]);
        d.registry.cancel(id, 1, bytes32(0));
    }

    // ───────────────────────────── the procedure on cancelled and frozen assets ─────────────────────────────

    /// @dev Was: a cancelled asset could still be accepted, reviewed and certified (a number was issued).
    function test_procedure_cancelledAsset_refusedAtEveryStep() public {
        bytes32[3] memory ids = [appliedAsset, acceptedAsset, publicityOverAsset];
        for (uint256 i; i < 3; ++i) {
            vm.prank(who[HOLDER]);
            d.registry.cancel(ids[i], 1, bytes32(0));
        }
        vm.startPrank(who[REGISTRAR]);
        bytes memory cancelled = abi.encodeWithSelector(
            IDataRegistry.AssetNotActive.selector, appliedAsset, IDataRegistry.AssetStatus.Cancelled
        );
        vm.expectRevert(cancelled);
        d.office.accept(appliedAsset);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.AssetNotActive.selector, acceptedAsset, IDataRegistry.AssetStatus.Cancelled)
        );
        d.office.review(acceptedAsset, true, 0, bytes32(0), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataRegistry.AssetNotActive.selector, publicityOverAsset, IDataRegistry.AssetStatus.Cancelled
            )
        );
        d.office.register(publicityOverAsset, 5);
        vm.stopPrank();
        vm.prank(who[HOLDER]);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.AssetNotActive.selector, appliedAsset, IDataRegistry.AssetStatus.Cancelled)
        );
        d.office.applyFor(appliedAsset, who[REGISTRAR], bytes32(0));
    }

    function test_procedure_frozenAsset_refusedAtEveryStep_objectionsStillHeard() public {
        uint256 o1 = _freeze(who[REGULATOR], publicityAsset);
        uint256 o2 = _freeze(who[REGULATOR], publicityOverAsset);
        uint256 o3 = _freeze(who[REGULATOR], registeredAsset);
        vm.prank(who[EXCHANGE]);
        d.office.object(publicityAsset, 1, bytes32(0)); // an objection protects: it is still heard
        vm.startPrank(who[REGISTRAR]);
        _expectFrozen(publicityAsset, o1, who[REGULATOR]);
        d.office.resolveObjection(publicityAsset, 1, false, bytes32(0));
        _expectFrozen(publicityOverAsset, o2, who[REGULATOR]);
        d.office.register(publicityOverAsset, 5);
        _expectFrozen(registeredAsset, o3, who[REGULATOR]);
        d.office.renew(registeredAsset, 1);
        vm.stopPrank();
    }

    // ───────────────────────────── change registration ─────────────────────────────

    /// @dev Was: `datareg change` was unilateral; it rewrote the publicised name during review; the certificate
    /// kept its number while data and metadata changed under it; classification and flags never changed.
    function test_change_isReviewed_pinnedDuringTheProcedure_andReissuesTheCertificate() public {
        // During the registration procedure the version under review is pinned.
        vm.prank(who[HOLDER]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistrationOffice.ApplicationInProgress.selector, publicityAsset, IRegistrationOffice.Stage.Publicity
            )
        );
        d.office.applyForChange(publicityAsset, who[REGISTRAR], version2(), bytes32(0));

        // A registered asset: the change waits for the registrar, then becomes current and the certificate is
        // re-issued under the same number for version 2.
        IRegistrationOffice.CertificateRecord memory before = d.office.certificateRecord(renewableAsset);
        assertEq(before.version, 1, "certifies version 1");
        vm.prank(who[HOLDER]);
        d.office.applyForChange(renewableAsset, who[REGISTRAR], version2(), keccak256("documents"));
        assertEq(d.registry.getAsset(renewableAsset).version, 1, "nothing changes before the review");
        vm.prank(who[HOLDER]);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistrationOffice.ChangeInProgress.selector, renewableAsset, who[REGISTRAR])
        );
        d.office.requestRenewal(renewableAsset);
        vm.expectEmit(true, true, false, true);
        emit IRegistrationOffice.CertificateReissued(
            renewableAsset, who[HOLDER], before.number, 2, IRegistrationOffice.ReissueReason.Change
        );
        vm.prank(who[REGISTRAR]);
        d.office.reviewChange(renewableAsset, true, 0, keccak256("review"));
        IDataRegistry.AssetView memory v = d.registry.getAsset(renewableAsset);
        assertEq(v.version, 2, "version 2 current");
        assertEq(v.classification, 1, "classification is part of the version");
        assertEq(v.attributes, 1, "flags are part of the version");
        IRegistrationOffice.CertificateRecord memory afterChange = d.office.certificateRecord(renewableAsset);
        assertEq(bytes32(afterChange.number), bytes32(before.number), "same number");
        assertEq(afterChange.version, 2, "re-issued for version 2");
    }

    /// @dev Was: `datareg change --file` recorded the new hash in the event but the asset kept the old one.
    function test_change_newData_isTheCurrentContent_theOldIsSuperseded() public {
        bytes32 id = _fresh("version 1 data");
        vm.prank(who[HOLDER]);
        d.office.applyForChange(id, who[REGISTRAR], version2(), bytes32(0));
        vm.prank(who[REGISTRAR]);
        d.office.reviewChange(id, true, 0, bytes32(0));
        assertTrue(d.registry.isCurrentContent(id, keccak256("data v2")), "the new data is current");
        assertTrue(!d.registry.isCurrentContent(id, keccak256("version 1 data")), "the old data is superseded");
        assertEq(d.registry.getAsset(id).contentHash, keccak256("data v2"), "current fingerprint shown");
    }

    function test_change_refused_changesNothing() public {
        vm.prank(who[REGISTRAR]);
        d.office.reviewChange(changeAsset, false, 2, keccak256("not accurate"));
        assertEq(d.registry.getAsset(changeAsset).version, 1, "unchanged");
        assertTrue(!d.office.getChange(changeAsset).pending, "decided");
        vm.prank(who[REGISTRAR]);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NoChangePending.selector, changeAsset));
        d.office.reviewChange(changeAsset, true, 0, bytes32(0));
    }

    // ───────────────────────────── transfer registration ─────────────────────────────

    /// @dev Was: the certificate's holder stayed the original applicant after the holding right moved.
    function test_transferOfTheHoldingRight_reissuesTheCertificateToTheNewHolder() public {
        bytes17 number = d.office.certificateRecord(renewableAsset).number;
        vm.expectEmit(true, true, false, true);
        emit IRegistrationOffice.CertificateReissued(
            renewableAsset, FRESH, number, 1, IRegistrationOffice.ReissueReason.Transfer
        );
        vm.prank(who[HOLDER]);
        d.registry.transfer(renewableAsset, 1, FRESH);
        assertEq(d.office.certificateRecord(renewableAsset).holder, FRESH, "the certificate follows");
        // Only the new holder may now request renewal.
        vm.prank(who[HOLDER]);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistrationOffice.NotCertificateHolder.selector, renewableAsset, who[HOLDER], FRESH)
        );
        d.office.requestRenewal(renewableAsset);
        vm.prank(FRESH);
        d.office.requestRenewal(renewableAsset);
    }

    // ───────────────────────────── lapse, renewal, calendar years ─────────────────────────────

    function test_validity_countsCalendarYears_aLeapDayNeverShortensIt() public {
        CivilDateHarness h = new CivilDateHarness();
        uint256 feb29 = 1_835_404_800; // 2028-02-29 00:00 Beijing (2028-02-28 16:00 UTC)
        assertEq(h.addYears(feb29, 1), feb29 + 366 days, "29 Feb 2028 + 1 year = 1 Mar 2029");
        assertEq(h.addYears(feb29, 4), feb29 + 4 * 365 days + 1 days, "29 Feb 2028 + 4 years = 29 Feb 2032");
        uint256 mar1_2027 = 1_803_916_800; // 2027-03-01 00:00 Beijing
        assertEq(h.addYears(mar1_2027, 1), mar1_2027 + 366 days, "across 29 Feb 2028: 366 days");
    }

    /// @dev Any time, any count of years: the anniversary keeps the time of day and is never shorter than the
    /// years' common days nor longer than their leap days allow.
    function testFuzz_validity_anniversary(uint256 timestamp, uint8 count) public {
        timestamp = bound(timestamp, 0, 4_000_000_000);
        count = uint8(bound(count, 1, 5));
        CivilDateHarness h = new CivilDateHarness();
        uint256 end = h.addYears(timestamp, count);
        uint256 extra = end - timestamp - uint256(count) * 365 days;
        assertEq(extra % 1 days, 0, "same time of day");
        assertTrue(extra / 1 days <= (uint256(count) + 3) / 4, "at most one day per leap year crossed");
    }

    // ───────────────────────────── terms of primary rights ─────────────────────────────

    /// @dev Was: a right whose application said it ends 2027-12-31 was valid in 2028.
    function test_primaryRightTerm_endsTheRight_withReasonExpired_andBoundsItsGrants() public {
        IDataRegistry.Registration memory r = registration(who[HOLDER], keccak256("termed"));
        uint64 end = uint64(block.timestamp + 30 days);
        r.terms = new IDataRegistry.HolderTerms[](1);
        r.terms[0] = IDataRegistry.HolderTerms(end, keccak256("limits"));
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightTermsSet(d.registry.assetIdOf(who[HOLDER], keccak256("termed")), who[HOLDER], end,
            keccak256("limits"));
        vm.prank(who[HOLDER]);
        bytes32 id = d.registry.register(r);
        assertEq(d.registry.getRight(id, 2).validUntil, end, "term on chain");
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.TermExceedsParent.selector, id, 2, end));
        d.registry.grant(id, 2, terms(FRESH, end + 1));
        vm.warp(end);
        (IDataRegistry.Validity validity, uint256 failing) = d.registry.rightValidity(id, 2);
        assertTrue(validity == IDataRegistry.Validity.Expired, "expired");
        assertEq(failing, 2, "the primary right itself");
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightExpired.selector, id, 3, end));
        d.registry.transfer(id, 3, FRESH);
    }

    function test_terms_mustMatchTheHolders_andLieAhead() public {
        IDataRegistry.Registration memory r = registration(who[HOLDER], keccak256("bad terms"));
        r.terms = new IDataRegistry.HolderTerms[](2);
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.TermsMismatch.selector, 1, 2));
        d.registry.register(r);
        r.terms = new IDataRegistry.HolderTerms[](1);
        r.terms[0].validUntil = uint64(block.timestamp);
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidTerm.selector, 0, uint64(block.timestamp)));
        d.registry.register(r);
    }

    /// @dev Was: an empty file could be registered (and then verified as registered).
    function test_register_refusesEmptyContent() public {
        IDataRegistry.Registration memory r = registration(who[HOLDER], sha256(""));
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.EmptyContent.selector));
        d.registry.register(r);
    }

    // ───────────────────────────── consent of named holders ─────────────────────────────

    /// @dev Was: `register --holder usage=0xB` made 0xB a right holder without 0xB signing anything.
    function test_namedHolder_pendingUntilAccepted_notHeldNotValid() public {
        (IDataRegistry.Validity validity,) = d.registry.rightValidity(pendingAsset, 2);
        assertTrue(validity == IDataRegistry.Validity.Pending, "pending");
        assertTrue(d.registry.getRight(pendingAsset, 2).pending, "shown as pending");
        vm.prank(who[GRANTEE]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPending.selector, pendingAsset, 2, who[GRANTEE]));
        d.registry.grant(pendingAsset, 2, terms(FRESH, 0));
        vm.prank(who[GRANTEE]);
        d.registry.acceptRight(pendingAsset, 2);
        assertTrue(d.registry.isRightValid(pendingAsset, 2), "held once accepted");
        vm.prank(who[GRANTEE]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotPendingAssignment.selector, pendingAsset, 2));
        d.registry.acceptRight(pendingAsset, 2);
    }

    function test_acceptRightBySig_relayedByAnyone_once() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 h = keccak256(abi.encode(ACCEPT_RIGHT_TYPEHASH, who[GRANTEE], pendingAsset, uint256(2), uint256(0),
            deadline));
        bytes memory sig = sign(keys[GRANTEE], digest(domain("DataRegistry", block.chainid, address(d.registry)), h));
        vm.prank(who[RELAYER]);
        d.registry.acceptRightBySig(pendingAsset, 2, who[GRANTEE], deadline, sig);
        assertTrue(d.registry.isRightValid(pendingAsset, 2), "accepted");
        vm.prank(who[RELAYER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, who[GRANTEE]));
        d.registry.acceptRightBySig(pendingAsset, 2, who[GRANTEE], deadline, sig);
    }

    function test_withdrawAssignment_onlyTheRegistrant_onlyWhilePending() public {
        vm.prank(who[GRANTEE]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotRegistrant.selector, pendingAsset, who[GRANTEE]));
        d.registry.withdrawAssignment(pendingAsset, 2);
        vm.prank(who[HOLDER]);
        d.registry.withdrawAssignment(pendingAsset, 2);
        (IDataRegistry.Validity validity,) = d.registry.rightValidity(pendingAsset, 2);
        assertTrue(validity == IDataRegistry.Validity.Revoked, "withdrawn for good");
        vm.prank(who[GRANTEE]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotPendingAssignment.selector, pendingAsset, 2));
        d.registry.acceptRight(pendingAsset, 2);
    }

    function test_applyFor_refusedWhileTheHoldingRightIsPending() public {
        IDataRegistry.Registration memory r = registration(who[GRANTEE], keccak256("agent registers"));
        vm.prank(who[HOLDER]); // an agent registers for GRANTEE, who must accept the holding right first
        bytes32 id = d.registry.register(r);
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPending.selector, id, 1, who[GRANTEE]));
        d.office.applyFor(id, who[REGISTRAR], bytes32(0));
    }

    // ───────────────────────────── the matrix: operation × remark ─────────────────────────────

    enum State {
        Free,
        Frozen,
        Pledged,
        PledgedWithConsent
    }

    uint256 internal constant OPS = 16;

    /// @dev Builds one asset in `state`: HOLDER holds all three rights, GRANTEE is named co-holder of the usage
    /// right (index 4, pending), FRESH holds usage grant 5; the freeze or pledge is recorded last.
    function _world(State state, uint256 op) internal returns (bytes32 id, uint256 orderId, bytes32 pledgeId_) {
        IDataRegistry.Registration memory r = registration(who[HOLDER], keccak256("matrix"));
        r.holders = new IDataRegistry.RightHolder[](2);
        (uint256 mine, uint256 theirs) = who[HOLDER] < who[GRANTEE] ? (0, 1) : (1, 0);
        r.holders[mine] = IDataRegistry.RightHolder(who[HOLDER], 7);
        r.holders[theirs] = IDataRegistry.RightHolder(who[GRANTEE], 2);
        vm.prank(who[HOLDER]);
        id = d.registry.register(r);
        vm.prank(who[HOLDER]);
        d.registry.grant(id, 2, terms(FRESH, uint64(block.timestamp + 30 days)));
        vm.prank(who[HOLDER]);
        d.listings.approveListing(who[EXCHANGE], listingRequest(id, "M-1"), uint64(block.timestamp + 1 days));
        if (state == State.Frozen) orderId = _freeze(who[REGULATOR], id);
        if (state == State.Pledged || state == State.PledgedWithConsent) pledgeId_ = _pledge(id, "ZD-M");
        if (state == State.PledgedWithConsent) {
            (IDataRegistry.PledgedOperation operation, uint256 index, address to) = op == 1
                ? (IDataRegistry.PledgedOperation.Transfer, uint256(3), FRESH)
                : op == 3
                    ? (IDataRegistry.PledgedOperation.Grant, uint256(3), FRESH)
                    : (IDataRegistry.PledgedOperation.Cancel, uint256(0), address(0));
            vm.prank(BANK);
            d.registry.consentAsPledgee(id, pledgeId_, operation, index, to);
        }
    }

    /// @dev Operation `op` on asset `id`: who calls, where, with what.
    function _op(uint256 op, bytes32 id) internal view returns (string memory name, address by, address target, bytes memory data) {
        address r = address(d.registry);
        address o = address(d.office);
        IDataRegistry.GrantTerms memory t = terms(FRESH, uint64(block.timestamp + 10 days));
        IDataRegistry.Registration memory derived = registration(who[HOLDER], keccak256("derived"));
        derived.sources = new IDataRegistry.Source[](1);
        derived.sources[0] = IDataRegistry.Source(id, 2);
        if (op == 0) return ("transfer holding right 1 (holder)", who[HOLDER], r, abi.encodeCall(d.registry.transfer, (id, 1, FRESH)));
        if (op == 1) return ("transfer operating right 3 (holder)", who[HOLDER], r, abi.encodeCall(d.registry.transfer, (id, 3, FRESH)));
        if (op == 2) return ("grant from usage right 2 (holder)", who[HOLDER], r, abi.encodeCall(d.registry.grant, (id, 2, t)));
        if (op == 3) return ("grant from operating right 3 (holder)", who[HOLDER], r, abi.encodeCall(d.registry.grant, (id, 3, t)));
        if (op == 4) return ("revoke grant 5 (grantor)", who[HOLDER], r, abi.encodeCall(d.registry.revoke, (id, 5, 1, bytes32(0))));
        if (op == 5) return ("renew grant 5 (grantor)", who[HOLDER], r, abi.encodeCall(d.registry.renew, (id, 5, uint64(block.timestamp + 20 days))));
        if (op == 6) return ("derive: register with it as source", who[HOLDER], r, abi.encodeCall(d.registry.register, (derived)));
        if (op == 7) return ("list operating right 3 (exchange)", who[EXCHANGE], address(d.listings), abi.encodeCall(d.listings.list, (listingRequest(id, "M-1"), who[HOLDER], 0, 0, "")));
        if (op == 8) return ("apply for change (registrant)", who[HOLDER], o, abi.encodeCall(d.office.applyForChange, (id, who[REGISTRAR], version2(), bytes32(0))));
        if (op == 9) return ("cancel on request (registrant)", who[HOLDER], r, abi.encodeCall(d.registry.cancel, (id, 1, bytes32(0))));
        if (op == 10) return ("cancel, reason 4 (registrar)", who[REGISTRAR], r, abi.encodeCall(d.registry.cancel, (id, 4, bytes32(0))));
        if (op == 11) return ("apply for registration (registrant)", who[HOLDER], o, abi.encodeCall(d.office.applyFor, (id, who[REGISTRAR], bytes32(0))));
        if (op == 12) return ("accept named right 4 (named holder)", who[GRANTEE], r, abi.encodeCall(d.registry.acceptRight, (id, 4)));
        if (op == 13) return ("record a pledge (registrar)", who[REGISTRAR], r, abi.encodeCall(d.registry.recordPledge, (id, "ZD-N", BANK)));
        if (op == 14) return ("freeze order (regulator)", who[REGULATOR], r, abi.encodeCall(d.registry.freeze, (id, "(2026)2", bytes32(0))));
        return ("withdraw named right 4 (registrant)", who[HOLDER], r, abi.encodeCall(d.registry.withdrawAssignment, (id, 4)));
    }

    /// @dev The matrix of SECURITY.md: refused while frozen (error naming the order and its regulator) are all
    /// but a further freeze order; refused while pledged (error naming the pledge, its pledgee and registrar)
    /// are moving or granting the operating right and cancelling, unless the pledgee consented to exactly that.
    function _expected(uint256 op, State state) internal pure returns (bool allowed) {
        if (state == State.Free || state == State.PledgedWithConsent) return true;
        if (state == State.Frozen) return op == 14;
        return op != 1 && op != 3 && op != 9 && op != 10;
    }

    function test_matrix_operationTimesRemark() public {
        log("operation                                  free      frozen    pledged   pledged+consent");
        uint256 failed;
        for (uint256 op; op < OPS; ++op) {
            string memory line;
            string memory name;
            for (uint256 s; s < 4; ++s) {
                (bool ok, bool matches, string memory n) = _cell(op, State(s));
                name = n;
                if (!matches) {
                    ++failed;
                    log(string.concat("  MISMATCH in the next row, column ", ["free", "frozen", "pledged", "pledged+consent"][s]));
                }
                line = string.concat(line, ok ? "Y         " : "-         ");
            }
            log(string.concat(_pad43(name), line));
        }
        assertEq(failed, 0, "matrix cells differ");
    }

    /// @dev One cell, from a world built for it and undone afterwards: the outcome, and whether it is the
    /// expected one with the expected error.
    function _cell(uint256 op, State state) internal returns (bool ok, bool matches, string memory name) {
        uint256 snap = vm.snapshotState();
        (bytes32 id, uint256 orderId, bytes32 p) = _world(state, op);
        address by;
        address target;
        bytes memory data;
        (name, by, target, data) = _op(op, id);
        vm.prank(by);
        bytes memory ret;
        (ok, ret) = target.call(data);
        matches = ok == _expected(op, state) && (ok || _refusalNamesTheRemark(state, id, orderId, p, ret));
        vm.revertToStateAndDelete(snap);
    }

    function _pad43(string memory name) internal pure returns (string memory) {
        bytes memory padded = bytes(string.concat(name, "                                           "));
        bytes memory cut = new bytes(43);
        for (uint256 i; i < 43; ++i) {
            cut[i] = padded[i];
        }
        return string(cut);
    }

    /// @dev A refusal carries the asset and the remark: the order and its regulator, or the pledge, pledgee and
    /// recording registrar (a listing refusal names the asset and the reason AssetFrozen).
    function _refusalNamesTheRemark(State s, bytes32 id, uint256 orderId, bytes32 p, bytes memory ret)
        internal
        view
        returns (bool)
    {
        if (s == State.Frozen) {
            return keccak256(ret) == keccak256(abi.encodeWithSelector(IDataRegistry.AssetIsFrozen.selector, id, orderId, who[REGULATOR]))
                || keccak256(ret) == keccak256(abi.encodeWithSelector(IListingRegistry.ConsentNotValid.selector, id, 3, IListingRegistry.ListingValidity.AssetFrozen));
        }
        return keccak256(ret) == keccak256(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, id, p, BANK, who[REGISTRAR]));
    }
}
