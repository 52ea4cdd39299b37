// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {RegistrationOffice} from "../src/RegistrationOffice.sol";
import {CertificateNumber} from "../src/libraries/CertificateNumber.sol";

contract CertificateNumberHarness {
    function format(bytes2 region, bytes1 code, uint256 timestamp, uint256 serial) external pure returns (bytes17) {
        return CertificateNumber.format(region, code, timestamp, serial);
    }

    function formatIp(bytes6 division, bytes1 code, uint256 timestamp, uint256 serial) external pure returns (bytes17) {
        return CertificateNumber.formatIp(division, code, timestamp, serial);
    }
}

/// @notice The registration procedure, remarks (freeze, pledge), cancellation, change and attestations.
contract RegistrationOfficeTest is DataRegistryBase {
    RegistrationOffice internal office;
    AttestationRegistry internal attestations;
    address internal registrar = address(0xAE6);
    address internal regulator = address(0x6E6);
    address internal objector = address(0x0B1);
    address internal appraiser = address(0xA77);
    bytes32 internal assetId;
    uint64 internal constant PUBLICITY = 5 days;

    // 2026-11-21 00:00:00 UTC = 08:00 Beijing
    uint256 internal constant NOV_21_2026 = 1_795_219_200;

    function setUp() public override {
        super.setUp();
        vm.warp(NOV_21_2026);
        office = new RegistrationOffice(registry, participants, PUBLICITY, address(forwarder));
        attestations = new AttestationRegistry(registry, participants, address(forwarder));
        participants.addParticipant(registrar, IParticipantRegistry.Role.Registrar, unicode"福建省数据登记中心", keccak256("r"), "");
        participants.addParticipant(regulator, IParticipantRegistry.Role.Regulator, unicode"网信办", keccak256("g"), "");
        participants.addParticipant(objector, IParticipantRegistry.Role.Exchange, unicode"交易所", keccak256("o"), "");
        participants.addParticipant(appraiser, IParticipantRegistry.Role.Appraiser, unicode"评估所", keccak256("a"), "");
        IParticipantRegistry.QualificationData memory licence;
        (licence.issuer, licence.number) = (unicode"福建省财政厅", "PG-1");
        participants.qualify(appraiser, licence);
        office.configureRegistrar(registrar, "35", "A");
        registry.setRegistrationOffice(address(office));
        _bind(address(office));
        _bind(address(attestations));
        assetId = _registerAs(alice, keccak256("data"), ALL);
    }

    function _toPublicity() internal {
        vm.prank(alice);
        office.applyFor(assetId, registrar, keccak256("documents"));
        vm.prank(registrar);
        office.accept(assetId);
        vm.prank(registrar);
        office.review(assetId, true, 0, bytes32(0), 0);
    }

    function _stage() internal view returns (IRegistrationOffice.Stage) {
        return office.getApplication(assetId).stage;
    }

    // ───────────────────────────── the procedure ─────────────────────────────

    function test_procedure_objectionUpheld_refusesRegistration() public {
        _toPublicity();
        assertTrue(_stage() == IRegistrationOffice.Stage.Publicity, "in publicity");
        vm.prank(objector);
        uint256 objection = office.object(assetId, 2, keccak256("ownership dispute evidence"));
        vm.warp(block.timestamp + PUBLICITY);
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.ObjectionsPending.selector, assetId, uint16(1)));
        office.register(assetId, 5);
        vm.prank(registrar);
        office.resolveObjection(assetId, objection, true, keccak256("finding"));
        assertTrue(_stage() == IRegistrationOffice.Stage.Refused, "refused");
        (IRegistrationOffice.CertificateStatus status,,) = office.certificate(assetId);
        assertTrue(status == IRegistrationOffice.CertificateStatus.NotRegistered, "no certificate");
    }

    function test_procedure_returnedThenRegistered_withCertificateNumbers() public {
        vm.prank(alice);
        office.applyFor(assetId, registrar, keccak256("incomplete"));
        vm.prank(registrar);
        office.returnForMaterial(assetId, 1, keccak256("missing source proof"));
        assertTrue(_stage() == IRegistrationOffice.Stage.Returned, "returned");
        _toPublicity();
        vm.prank(objector);
        uint256 objection = office.object(assetId, 1, bytes32(0));
        vm.prank(registrar);
        office.resolveObjection(assetId, objection, false, bytes32(0));
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistrationOffice.PublicityNotOver.selector, assetId, uint64(NOV_21_2026 + PUBLICITY)
            )
        );
        office.register(assetId, 5);
        vm.warp(block.timestamp + PUBLICITY);
        vm.prank(objector);
        vm.expectRevert(
            abi.encodeWithSelector(IRegistrationOffice.PublicityOver.selector, assetId, uint64(NOV_21_2026 + PUBLICITY))
        );
        office.object(assetId, 1, bytes32(0));
        vm.prank(registrar);
        bytes17 number = office.register(assetId, 5);
        assertEq(bytes32(number), bytes32(bytes17("SJ35A2026110001")), "SJ + 35 + A + 202611 + 0001");
        (IRegistrationOffice.CertificateStatus status, bytes17 shown, uint64 until) = office.certificate(assetId);
        assertTrue(status == IRegistrationOffice.CertificateStatus.Valid, "valid");
        assertEq(bytes32(shown), bytes32(number), "number");
        // Five calendar years: 26 Nov 2026 to 26 Nov 2031, with 29 Feb 2028 inside (not 5 × 365 days).
        assertEq(until, block.timestamp + 5 * 365 days + 1 days, "five calendar years");

        // The registrar's next registrations: serial 0002 in the same month, 0001 again in the next.
        bytes32[2] memory more = [_registerAs(bob, keccak256("second"), ALL), _registerAs(carol, keccak256("3"), ALL)];
        vm.prank(bob);
        office.applyFor(more[0], registrar, bytes32(0));
        vm.prank(carol);
        office.applyFor(more[1], registrar, bytes32(0));
        office.setPublicityPeriod(1 days); // the admin's parameter
        vm.startPrank(registrar);
        for (uint256 i; i < 2; ++i) {
            office.accept(more[i]);
            office.review(more[i], true, 0, bytes32(0), 0);
        }
        vm.warp(block.timestamp + 1 days); // 27 November
        assertEq(bytes32(office.register(more[0], 1)), bytes32(bytes17("SJ35A2026110002")), "serial 0002");
        vm.warp(NOV_21_2026 + 10 days); // 1 December, 08:00 Beijing
        assertEq(bytes32(office.register(more[1], 1)), bytes32(bytes17("SJ35A2026120001")), "a new month");
        vm.stopPrank();
    }

    function test_procedure_renewalWindowAndLapse() public {
        _toPublicity();
        vm.warp(block.timestamp + PUBLICITY);
        vm.prank(registrar);
        office.register(assetId, 1);
        uint64 end = office.getApplication(assetId).validUntil;
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistrationOffice.OutsideRenewalWindow.selector, assetId, end - 183 days, end - 1 days
            )
        );
        office.requestRenewal(assetId);
        vm.warp(end - 100 days);
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.RenewalNotRequested.selector, assetId));
        office.renew(assetId, 2); // the registrar reviews a request; it does not renew on its own
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotCertificateHolder.selector, assetId, bob, alice));
        office.requestRenewal(assetId);
        vm.prank(alice);
        office.requestRenewal(assetId);
        vm.prank(registrar);
        office.renew(assetId, 2);
        // 1 Dec 2027 + 2 calendar years = 1 Dec 2029, with 29 Feb 2028 inside.
        assertEq(office.getApplication(assetId).validUntil, end + 2 * 365 days + 1 days, "renewed");
        vm.warp(end + 2 * 365 days + 1 days);
        (IRegistrationOffice.CertificateStatus status,,) = office.certificate(assetId);
        assertTrue(status == IRegistrationOffice.CertificateStatus.Lapsed, "lapsed when not renewed");
        // A lapsed registration is no dead end: the registrant applies again.
        vm.prank(alice);
        office.applyFor(assetId, registrar, bytes32(0));
        assertTrue(_stage() == IRegistrationOffice.Stage.Applied, "applied again");
    }

    function test_procedure_refusesWrongParties() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotApplicant.selector, assetId, bob));
        office.applyFor(assetId, registrar, bytes32(0));
        vm.prank(alice);
        office.applyFor(assetId, registrar, bytes32(0));
        vm.prank(objector);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAssignedRegistrar.selector, assetId, objector));
        office.accept(assetId);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAParticipant.selector, carol));
        office.object(assetId, 1, bytes32(0));
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAdmin.selector, carol));
        office.setPublicityPeriod(1);
    }

    // ───────────────────────────── publicity: the registrar's end, the council's minimum ─────────────────────────────

    function _toAccepted() internal {
        vm.prank(alice);
        office.applyFor(assetId, registrar, keccak256("documents"));
        vm.prank(registrar);
        office.accept(assetId);
    }

    /// 5 working days from Saturday 21 Nov 2026 on the calendar: 23-27 Nov, so it ends at 24:00 Beijing on Friday
    /// 27 Nov (16:00 UTC), 6 days 16 hours from now, longer than the council's 5-day minimum.
    function test_publicity_registrarSetEnd_isHonoured() public {
        uint64 ends = uint64(NOV_21_2026 + 6 days + 16 hours);
        _toAccepted();
        vm.prank(registrar);
        vm.expectEmit(true, true, true, true);
        emit IRegistrationOffice.ReviewPassed(assetId, registrar, ends);
        office.review(assetId, true, 0, bytes32(0), ends);
        assertEq(office.getApplication(assetId).publicityEnds, ends, "the registrar's end");
        vm.warp(ends - 1); // the last second of the period: objections open, registration not yet
        vm.prank(objector);
        uint256 objection = office.object(assetId, 1, bytes32(0));
        vm.prank(registrar);
        office.resolveObjection(assetId, objection, false, bytes32(0));
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.PublicityNotOver.selector, assetId, ends));
        office.register(assetId, 5);
        vm.warp(ends); // the period is over at its end
        vm.prank(objector);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.PublicityOver.selector, assetId, ends));
        office.object(assetId, 1, bytes32(0));
        vm.prank(registrar);
        office.register(assetId, 5);
        assertTrue(_stage() == IRegistrationOffice.Stage.Registered, "registered");
    }

    function test_publicity_endBeforeTheCouncilsMinimum_isRefused() public {
        _toAccepted();
        uint64 earliest = uint64(block.timestamp) + PUBLICITY;
        uint64[2] memory early = [earliest - 1, uint64(block.timestamp - 1)];
        for (uint256 i; i < early.length; ++i) {
            vm.prank(registrar);
            vm.expectRevert(
                abi.encodeWithSelector(IRegistrationOffice.PublicityTooShort.selector, assetId, early[i], earliest)
            );
            office.review(assetId, true, 0, bytes32(0), early[i]);
        }
        assertTrue(_stage() == IRegistrationOffice.Stage.Accepted, "still accepted");
        vm.prank(registrar);
        office.review(assetId, true, 0, bytes32(0), earliest); // exactly the minimum is enough
        assertEq(office.getApplication(assetId).publicityEnds, earliest, "the minimum");
    }

    function test_publicity_noEndGiven_takesTheMinimum_andTerminationIgnoresIt() public {
        _toAccepted();
        vm.prank(registrar);
        office.review(assetId, true, 0, bytes32(0), 0);
        assertEq(office.getApplication(assetId).publicityEnds, block.timestamp + PUBLICITY, "now + minimum");

        bytes32 other = _registerAs(bob, keccak256("other"), ALL);
        vm.prank(bob);
        office.applyFor(other, registrar, bytes32(0));
        vm.startPrank(registrar);
        office.accept(other);
        office.review(other, false, 4, bytes32(0), 1); // an end, even an impossible one, does not matter
        vm.stopPrank();
        assertTrue(office.getApplication(other).stage == IRegistrationOffice.Stage.Terminated, "terminated");
        assertEq(office.getApplication(other).publicityEnds, 0, "no publicity");
    }

    function test_publicity_councilChangesTheMinimum() public {
        _toAccepted();
        vm.expectEmit(true, true, true, true);
        emit IRegistrationOffice.PublicityPeriodSet(7 days);
        office.setPublicityPeriod(7 days); // the test contract is the council's admin
        assertEq(office.publicityPeriod(), 7 days, "new minimum");
        uint64 sixDays = uint64(block.timestamp + 6 days);
        vm.prank(registrar);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRegistrationOffice.PublicityTooShort.selector, assetId, sixDays, uint64(block.timestamp + 7 days)
            )
        );
        office.review(assetId, true, 0, bytes32(0), sixDays); // enough under the old minimum, not under the new
        vm.prank(registrar);
        office.review(assetId, true, 0, bytes32(0), uint64(block.timestamp + 7 days));
    }

    function test_publicity_onlyTheCouncilSetsTheMinimum() public {
        address[3] memory others = [registrar, alice, objector];
        for (uint256 i; i < others.length; ++i) {
            vm.prank(others[i]);
            vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAdmin.selector, others[i]));
            office.setPublicityPeriod(1);
        }
        assertEq(office.publicityPeriod(), PUBLICITY, "unchanged");
    }

    function test_certificateNumber_usesBeijingMonth() public {
        CertificateNumberHarness h = new CertificateNumberHarness();
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Beijing.
        assertEq(bytes32(h.format("44", "B", 1_796_054_400, 7)), bytes32(bytes17("SJ44B2026120007")), "December");
        assertEq(bytes32(h.format("44", "B", 1_796_054_399, 7)), bytes32(bytes17("SJ44B2026110007")), "November");
        vm.expectRevert(abi.encodeWithSelector(CertificateNumber.SerialExhausted.selector, 10000));
        h.format("44", "B", 1_796_054_400, 10000);
    }

    function test_certificateNumber_ipIs17DigitsInBeijingMonth() public {
        CertificateNumberHarness h = new CertificateNumberHarness();
        assertEq(bytes32(h.formatIp("350200", "1", 1_796_054_400, 7)), bytes32(bytes17("35020012026120007")),
            "division + registrar digit + YYYYMM + serial");
        assertEq(bytes32(h.formatIp("350200", "1", 1_796_054_399, 9999)), bytes32(bytes17("35020012026119999")),
            "November, the last serial");
        vm.expectRevert(abi.encodeWithSelector(CertificateNumber.SerialExhausted.selector, 10000));
        h.formatIp("350200", "1", 1_796_054_400, 10000);
    }

    // ───────────────────────────── data intellectual property certificates ─────────────────────────────

    function test_register_issues17DigitNumber_forIpRegistrar() public {
        vm.expectEmit(true, false, false, true, address(office));
        emit IRegistrationOffice.RegistrarConfigured(registrar, "35", "1");
        vm.expectEmit(true, false, false, true, address(office));
        emit IRegistrationOffice.IpRegistrarConfigured(registrar, "350200", "1");
        office.configureIpRegistrar(registrar, "350200", "1");
        assertEq(bytes32(office.ipDivisions(registrar)), bytes32(bytes6("350200")), "division");
        _toPublicity();
        vm.warp(block.timestamp + PUBLICITY);
        vm.prank(registrar);
        bytes17 number = office.register(assetId, 5);
        assertEq(bytes32(number), bytes32(bytes17("35020012026110001")), "350200 + 1 + 202611 + 0001");
        IRegistrationOffice.CertificateRecord memory r = office.certificateRecord(assetId);
        assertTrue(r.status == IRegistrationOffice.CertificateStatus.Valid, "valid");
        assertEq(bytes32(r.number), bytes32(number), "served like a national number");
        assertEq(office.assetOfCertificate(number), assetId, "found by its number");
        assertEq(office.assetOfCertificate(bytes17("SJ35A2026110001")), bytes32(0), "no national number issued");
    }

    function test_register_nationalNumberFoundByNumber_andIpConfigurationUndone() public {
        office.configureIpRegistrar(registrar, "350200", "1");
        office.configureRegistrar(registrar, "35", "A"); // national again
        assertEq(bytes32(office.ipDivisions(registrar)), bytes32(0), "no longer IP");
        _toPublicity();
        vm.warp(block.timestamp + PUBLICITY);
        vm.prank(registrar);
        bytes17 number = office.register(assetId, 5);
        assertEq(bytes32(number), bytes32(bytes17("SJ35A2026110001")), "national, two zero bytes after it");
        assertEq(office.assetOfCertificate(number), assetId, "found by its number");
        assertEq(office.assetOfCertificate(bytes17("SJ35A2026110002")), bytes32(0), "not issued");
    }

    function test_configureIpRegistrar_revertsWhen_malformedOrTakenOrNotAdmin() public {
        bytes6[3] memory bad = [bytes6("35020A"), bytes6("3502"), bytes6(" 50200")];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.InvalidIpRegistrarCode.selector, bad[i],
                bytes1("1")));
            office.configureIpRegistrar(registrar, bad[i], "1");
        }
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.InvalidIpRegistrarCode.selector, bytes6("350200"),
            bytes1("A")));
        office.configureIpRegistrar(registrar, "350200", "A"); // IP numbers are digits only
        office.configureIpRegistrar(registrar, "350200", "1");
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.InvalidIpRegistrarCode.selector, bytes6("350200"),
            bytes1("1")));
        office.configureIpRegistrar(regulator, "350200", "1"); // another registrar's
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAdmin.selector, alice));
        office.configureIpRegistrar(alice, "350200", "2");
    }

    // ───────────────────────────── remarks, cancellation, change ─────────────────────────────

    function test_freeze_blocksTransfersGrantsAndChanges_untilReleased() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.MissingRole.selector, alice, uint8(6)));
        registry.freeze(assetId, "order", bytes32(0));
        vm.prank(regulator);
        uint256 orderId = registry.freeze(assetId, unicode"(2026)闽01执保123号", keccak256("court order"));
        assertTrue(registry.getAsset(assetId).frozen, "frozen");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetIsFrozen.selector, assetId, orderId, regulator));
        registry.transfer(assetId, 1, bob);
        IDataRegistry.GrantTerms memory t;
        t.grantee = bob;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetIsFrozen.selector, assetId, orderId, regulator));
        registry.grant(assetId, 2, t);
        assertTrue(registry.isRightValid(assetId, 1), "rights already held stay valid");
        vm.prank(regulator);
        registry.releaseFreeze(assetId, orderId, bytes32(0));
        vm.prank(alice);
        registry.transfer(assetId, 1, bob);
    }

    function test_pledge_blocksOnlyTheOperatingRight() public {
        vm.prank(registrar);
        bytes32 pledgeId = registry.recordPledge(assetId, "ZD2026110100001", carol);
        assertEq(registry.getAsset(assetId).activePledges, 1, "one pledge");
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, assetId, pledgeId, carol, registrar));
        registry.transfer(assetId, 3, bob);
        vm.prank(alice);
        registry.transfer(assetId, 2, bob); // the usage right is not pledged
        vm.prank(registrar);
        registry.releasePledge(assetId, pledgeId);
        vm.prank(alice);
        registry.transfer(assetId, 3, bob);
    }

    /// @dev Regression: a pledge id used to be looked up on its own, so releasing asset A's pledge "against"
    /// asset B cleared B's count (freeing B's operating right while B's pledge stood) and stranded A's.
    function test_releasePledge_revertsWhen_pledgeWasRecordedOnAnotherAsset() public {
        bytes32 other = _registerAs(bob, keccak256("other"), ALL);
        vm.startPrank(registrar);
        bytes32 onAsset = registry.recordPledge(assetId, "ZD-A", carol);
        bytes32 onOther = registry.recordPledge(other, "ZD-B", carol);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.PledgeUnchanged.selector, other, onAsset, false));
        registry.releasePledge(other, onAsset);
        vm.stopPrank();
        assertEq(registry.getAsset(other).activePledges, 1, "the other asset's pledge stands");
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightPledged.selector, other, onOther, carol, registrar));
        registry.transfer(other, 3, carol);
    }

    function test_cancel_byRegistrantOnRequestOrByRegistrar_invalidatesRights() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.CancellationNotAllowed.selector, assetId, bob, 1));
        registry.cancel(assetId, 1, bytes32(0));
        vm.prank(registrar);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.CancellationNotAllowed.selector, assetId, registrar, 1));
        registry.cancel(assetId, 1, bytes32(0)); // "on request" is the registrant's request only
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.CancellationNotAllowed.selector, assetId, alice, 3));
        registry.cancel(assetId, 3, bytes32(0)); // only a registrar cancels for an upheld objection
        vm.prank(registrar);
        registry.cancel(assetId, 3, keccak256("decision"));
        assertTrue(registry.getAsset(assetId).status == IDataRegistry.AssetStatus.Cancelled, "cancelled");
        assertTrue(!registry.isRightValid(assetId, 1), "rights fall with the asset");
    }

    function test_change_raisesVersion_andSupersedesAttestations() public {
        IAttestationRegistry.AttestationData memory d;
        d.kind = IAttestationRegistry.Kind.Appraisal;
        d.value = 12_000_000_00;
        d.currency = "CNY";
        d.method = unicode"收益法";
        d.reportCid = keccak256("report");
        IAttestationRegistry.AppraisalTerms memory terms = _terms(_engage());
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IAttestationRegistry.NotEngaged.selector, terms.engagementId, bob, assetId)
        );
        attestations.appraise(assetId, d, terms);
        vm.prank(appraiser);
        uint256 id = attestations.appraise(assetId, d, terms);
        assertTrue(attestations.attestationStatus(id) == IAttestationRegistry.Status.Valid, "valid");
        assertEq(attestations.getAttestation(id).assetVersion, 1, "bound to version 1");

        IDataRegistry.Version memory v;
        v.metadataCid = keccak256("metadata v2");
        vm.prank(alice);
        office.applyForChange(assetId, registrar, v, bytes32(0));
        assertEq(registry.getAsset(assetId).version, 1, "still version 1 under review");
        vm.prank(registrar);
        office.reviewChange(assetId, true, 0, bytes32(0));
        assertEq(registry.getAsset(assetId).version, 2, "version 2");
        assertTrue(attestations.attestationStatus(id) == IAttestationRegistry.Status.Superseded, "superseded");

        terms = _terms(_engage());
        vm.prank(appraiser);
        uint256 fresh = attestations.appraise(assetId, d, terms);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.NotIssuer.selector, fresh, bob));
        attestations.revokeAttestation(fresh, 1);
        vm.prank(appraiser);
        attestations.revokeAttestation(fresh, 1);
        assertTrue(attestations.attestationStatus(fresh) == IAttestationRegistry.Status.Revoked, "revoked");
    }

    /// @dev alice, holder of the asset's holding right 1, engages the appraiser.
    function _engage() internal returns (uint256) {
        vm.prank(alice);
        return attestations.engage(IAttestationRegistry.EngagementRequest(appraiser, assetId, 1, bytes32(0)));
    }

    function _terms(uint256 engagementId) internal view returns (IAttestationRegistry.AppraisalTerms memory) {
        return IAttestationRegistry.AppraisalTerms(
            uint64(block.timestamp), IAttestationRegistry.ValueType.Market, unicode"评估准则", engagementId
        );
    }
}
