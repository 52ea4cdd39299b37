// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {RegistryFixture} from "./RegistryFixture.t.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice Issue 21: qualification records of the service roles, attestations only from the qualified role, and
/// appraisals under the holder's engagement.
contract QualificationsTest is RegistryFixture {
    address internal constant NOTARY = address(0xA0A1);
    address internal constant CUSTODIAN = address(0xC057);
    address internal constant INSURER = address(0x1A5E);
    address internal constant MERCHANT = address(0x5E11);
    address internal constant APPRAISER_2 = address(0xA772);

    event QualificationRecorded(
        address indexed account, uint32 indexed serial, IParticipantRegistry.QualificationData qualification
    );
    event QualificationRenewed(address indexed account, uint32 indexed serial, uint64 validUntil, bytes32 documentCid);
    event QualificationRevoked(address indexed account, uint32 indexed serial, uint16 reasonCode, bytes32 evidenceCid);
    event Engaged(
        uint256 indexed engagementId,
        bytes32 indexed assetId,
        address indexed holder,
        address appraiser,
        uint256 rightIndex,
        bytes32 letterCid
    );
    event Appraised(
        uint256 indexed attestationId,
        uint256 indexed engagementId,
        uint64 valuationDate,
        IAttestationRegistry.ValueType valueType,
        string basis
    );

    function _admitAs(address account, IParticipantRegistry.Role role) internal {
        vm.prank(who[ADMIN]);
        d.participants.addParticipant(account, role, "P", keccak256(abi.encode(account)), "");
    }

    function _qualify(address account, uint64 from, uint64 until) internal {
        IParticipantRegistry.QualificationData memory q = qualification(until);
        q.validFrom = from;
        vm.prank(who[ADMIN]);
        d.participants.qualify(account, q);
    }

    function _data(IAttestationRegistry.Kind kind) internal pure returns (IAttestationRegistry.AttestationData memory a) {
        a.kind = kind;
        a.conclusion = "ok";
        a.reportCid = keccak256("report");
    }

    // ───────────────────────────── qualifications ─────────────────────────────

    function test_serviceRoles_needAQualification_publicBodiesDoNot() public view {
        IParticipantRegistry p = d.participants;
        assertTrue(!p.requiresQualification(IParticipantRegistry.Role.Exchange), "exchange");
        assertTrue(!p.requiresQualification(IParticipantRegistry.Role.Registrar), "registrar");
        assertTrue(!p.requiresQualification(IParticipantRegistry.Role.Regulator), "regulator");
        assertTrue(!p.requiresQualification(IParticipantRegistry.Role.DataAuthority), "data authority");
        for (uint8 r = 3; r <= 12; ++r) {
            if (r == 6 || r == 7) continue;
            assertTrue(p.requiresQualification(IParticipantRegistry.Role(r)), "service role");
        }
        assertTrue(p.isActive(who[EXCHANGE], IParticipantRegistry.Role.Exchange), "exchange active unqualified");
        assertTrue(p.qualificationStatus(who[EXCHANGE]) == IParticipantRegistry.QualificationStatus.None, "none");
    }

    function test_admitted_inactiveUntilQualified_thenActive() public {
        _admitAs(NOTARY, IParticipantRegistry.Role.Notary);
        assertTrue(!d.participants.isActive(NOTARY, IParticipantRegistry.Role.Notary), "admitted, not qualified");
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.QualificationNotFound.selector, NOTARY));
        d.participants.getQualification(NOTARY);

        IParticipantRegistry.QualificationData memory q = qualification(uint64(block.timestamp + 365 days));
        vm.expectEmit(true, true, true, true, address(d.participants));
        emit QualificationRecorded(NOTARY, 1, q);
        vm.prank(who[ADMIN]);
        d.participants.qualify(NOTARY, q);
        assertTrue(d.participants.isActive(NOTARY, IParticipantRegistry.Role.Notary), "qualified");
        assertTrue(!d.participants.isActive(NOTARY, IParticipantRegistry.Role.Appraiser), "in its own role only");
        IParticipantRegistry.Qualification memory got = d.participants.getQualification(NOTARY);
        assertEq(got.serial, 1, "serial");
        assertEq(got.number, "PG-35-0001", "number");
        assertEq(got.issuer, unicode"福建省财政厅", "issuer");
        assertEq(got.scope, unicode"数据资产评估", "scope");
        assertEq(got.validUntil, block.timestamp + 365 days, "until");
        assertEq(got.documentCid, keccak256("licence"), "document");
    }

    function test_dataMerchant_recognition() public {
        _admitAs(MERCHANT, IParticipantRegistry.Role.DataMerchant);
        IParticipantRegistry.QualificationData memory q;
        q.kind = IParticipantRegistry.QualificationKind.Recognition;
        q.issuer = unicode"海南省大数据管理局";
        q.number = "HN-SJS-2026-018";
        q.scope = unicode"数据产品经营（交通、金融）";
        vm.prank(who[ADMIN]);
        d.participants.qualify(MERCHANT, q);
        assertTrue(d.participants.isActive(MERCHANT, IParticipantRegistry.Role.DataMerchant), "recognised");
        assertTrue(
            d.participants.getQualification(MERCHANT).kind == IParticipantRegistry.QualificationKind.Recognition, "kind"
        );
        vm.warp(block.timestamp + 3650 days);
        assertTrue(d.participants.isActive(MERCHANT, IParticipantRegistry.Role.DataMerchant), "no end");
    }

    function test_expiry_makesInactive_andAttestationsIssuerNotQualified() public {
        _admitAs(NOTARY, IParticipantRegistry.Role.Notary);
        uint64 until = uint64(block.timestamp + 30 days);
        _qualify(NOTARY, 0, until);
        vm.prank(NOTARY);
        uint256 id = d.attestations.attest(asset, _data(IAttestationRegistry.Kind.Notarisation));
        assertTrue(d.attestations.attestationStatus(id) == IAttestationRegistry.Status.Valid, "valid");

        vm.warp(until);
        assertTrue(!d.participants.isActive(NOTARY, IParticipantRegistry.Role.Notary), "expired");
        assertTrue(d.participants.qualificationStatus(NOTARY) == IParticipantRegistry.QualificationStatus.Expired, "st");
        assertTrue(
            d.attestations.attestationStatus(id) == IAttestationRegistry.Status.IssuerNotQualified, "not qualified"
        );
        vm.prank(NOTARY);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttestationRegistry.NotAServiceProvider.selector, NOTARY, IAttestationRegistry.Kind.Notarisation
            )
        );
        d.attestations.attest(asset, _data(IAttestationRegistry.Kind.Notarisation));

        // Renewed: active again, and so is what it issued.
        vm.expectEmit(true, true, true, true, address(d.participants));
        emit QualificationRenewed(NOTARY, 1, until + 365 days, keccak256("renewed"));
        vm.prank(who[ADMIN]);
        d.participants.renewQualification(NOTARY, until + 365 days, keccak256("renewed"));
        assertTrue(d.attestations.attestationStatus(id) == IAttestationRegistry.Status.Valid, "valid again");
        assertEq(d.participants.getQualification(NOTARY).documentCid, keccak256("renewed"), "new document");
    }

    function test_notYetValid_untilItsStart() public {
        _admitAs(CUSTODIAN, IParticipantRegistry.Role.Custodian);
        _qualify(CUSTODIAN, uint64(block.timestamp + 10 days), 0);
        assertTrue(!d.participants.isActive(CUSTODIAN, IParticipantRegistry.Role.Custodian), "not yet");
        assertTrue(
            d.participants.qualificationStatus(CUSTODIAN) == IParticipantRegistry.QualificationStatus.NotYetValid, "st"
        );
        vm.warp(block.timestamp + 10 days);
        assertTrue(d.participants.isActive(CUSTODIAN, IParticipantRegistry.Role.Custodian), "from its start");
    }

    function test_revoke_thenRequalify_withANewSerial() public {
        vm.prank(who[ADMIN]);
        vm.expectEmit(true, true, true, true, address(d.participants));
        emit QualificationRevoked(who[APPRAISER], 1, 2, keccak256("decision"));
        d.participants.revokeQualification(who[APPRAISER], 2, keccak256("decision"));
        assertTrue(!d.participants.isActive(who[APPRAISER], IParticipantRegistry.Role.Appraiser), "revoked");
        assertTrue(
            d.participants.qualificationStatus(who[APPRAISER]) == IParticipantRegistry.QualificationStatus.Revoked, "st"
        );
        assertTrue(
            d.attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.IssuerNotQualified, "lapsed"
        );
        vm.startPrank(who[ADMIN]);
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.QualificationAlreadyRevoked.selector, who[APPRAISER], 1)
        );
        d.participants.revokeQualification(who[APPRAISER], 2, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.QualificationAlreadyRevoked.selector, who[APPRAISER], 1)
        );
        d.participants.renewQualification(who[APPRAISER], uint64(T0 + 9000 days), bytes32(0));
        d.participants.qualify(who[APPRAISER], qualification(uint64(T0 + 9000 days)));
        vm.stopPrank();
        assertEq(d.participants.getQualification(who[APPRAISER]).serial, 2, "serial 2");
        assertTrue(d.attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.Valid, "valid again");
    }

    function test_suspended_isIssuerNotActive_notIssuerNotQualified() public {
        vm.prank(who[ADMIN]);
        d.participants.suspendParticipant(who[APPRAISER], 1, bytes32(0));
        assertTrue(
            d.attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.IssuerNotActive, "suspended"
        );
    }

    function test_qualify_refusals() public {
        vm.startPrank(who[ADMIN]);
        IParticipantRegistry.QualificationData memory q = qualification(0);
        q.issuer = "";
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.InvalidQualification.selector, who[APPRAISER]));
        d.participants.qualify(who[APPRAISER], q);
        q = qualification(0);
        q.number = "";
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.InvalidQualification.selector, who[APPRAISER]));
        d.participants.qualify(who[APPRAISER], q);
        q = qualification(uint64(block.timestamp)); // ends now: already over
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.InvalidQualification.selector, who[APPRAISER]));
        d.participants.qualify(who[APPRAISER], q);
        q = qualification(uint64(block.timestamp + 10 days));
        q.validFrom = uint64(block.timestamp + 10 days); // ends when it starts
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.InvalidQualification.selector, who[APPRAISER]));
        d.participants.qualify(who[APPRAISER], q);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.ParticipantNotFound.selector, FRESH));
        d.participants.qualify(FRESH, qualification(0));
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.QualificationNotFound.selector, who[EXCHANGE]));
        d.participants.renewQualification(who[EXCHANGE], uint64(T0 + 9000 days), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.QualificationNotFound.selector, who[EXCHANGE]));
        d.participants.revokeQualification(who[EXCHANGE], 1, bytes32(0));
        uint64 until = uint64(T0 + 3650 days);
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.RenewalNotLater.selector, who[APPRAISER], until, until)
        );
        d.participants.renewQualification(who[APPRAISER], until, bytes32(0));
        d.participants.qualify(who[APPRAISER], qualification(0)); // no end: nothing to extend
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.RenewalNotLater.selector, who[APPRAISER], 0, until)
        );
        d.participants.renewQualification(who[APPRAISER], until, bytes32(0));
        vm.stopPrank();
        vm.prank(who[OUTSIDER]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who[OUTSIDER]));
        d.participants.qualify(who[APPRAISER], qualification(0));
    }

    function test_publicBody_withARevokedQualification_isInactive() public {
        vm.startPrank(who[ADMIN]);
        d.participants.qualify(who[EXCHANGE], qualification(0));
        assertTrue(d.participants.isActive(who[EXCHANGE], IParticipantRegistry.Role.Exchange), "still active");
        d.participants.revokeQualification(who[EXCHANGE], 1, bytes32(0));
        vm.stopPrank();
        assertTrue(!d.participants.isActive(who[EXCHANGE], IParticipantRegistry.Role.Exchange), "a record governs");
    }

    // ───────────────────────────── attestation kinds ─────────────────────────────

    function test_agencyKinds_onlyFromTheirQualifiedRole() public {
        _admitAs(NOTARY, IParticipantRegistry.Role.Notary);
        _admitAs(CUSTODIAN, IParticipantRegistry.Role.Custodian);
        _admitAs(INSURER, IParticipantRegistry.Role.Insurer);
        _qualify(NOTARY, 0, 0);
        _qualify(CUSTODIAN, 0, 0);
        _qualify(INSURER, 0, 0);
        address[3] memory by = [NOTARY, CUSTODIAN, INSURER];
        for (uint256 i; i < 3; ++i) {
            IAttestationRegistry.Kind kind = IAttestationRegistry.Kind(3 + i);
            for (uint256 j; j < 3; ++j) {
                if (i == j) continue;
                vm.prank(by[j]);
                vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.NotAServiceProvider.selector, by[j], kind));
                d.attestations.attest(asset, _data(kind));
            }
            vm.prank(by[i]);
            uint256 id = d.attestations.attest(asset, _data(kind));
            assertTrue(d.attestations.getAttestation(id).kind == kind, "kind");
            assertTrue(d.attestations.attestationStatus(id) == IAttestationRegistry.Status.Valid, "valid");
        }
    }

    // ───────────────────────────── appraisals and engagements ─────────────────────────────

    function test_appraisal_onlyByAppraise() public {
        vm.prank(who[APPRAISER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.AppraisalNeedsEngagement.selector));
        d.attestations.attest(asset, appraisal());
    }

    function test_appraise_emitsItsTerms_andUsesTheEngagement() public {
        IAttestationRegistry.AppraisalTerms memory t = appraisalTerms(openEngagement);
        t.valueType = IAttestationRegistry.ValueType.Investment;
        uint256 next = d.attestations.attestationCount() + 1;
        vm.expectEmit(true, true, true, true, address(d.attestations));
        emit Appraised(next, openEngagement, t.valuationDate, t.valueType, t.basis);
        vm.prank(who[APPRAISER]);
        uint256 id = d.attestations.appraise(asset, appraisal(), t);
        assertEq(id, next, "id");
        assertTrue(d.attestations.getEngagement(openEngagement).used, "used");
        vm.prank(who[APPRAISER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.EngagementClosed.selector, openEngagement));
        d.attestations.appraise(asset, appraisal(), t);
    }

    function test_appraise_refusals() public {
        IAttestationRegistry.AppraisalTerms memory t = appraisalTerms(openEngagement);
        vm.startPrank(who[APPRAISER]);
        t.valueType = IAttestationRegistry.ValueType.None;
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.InvalidValueType.selector));
        d.attestations.appraise(asset, appraisal(), t);
        t = appraisalTerms(openEngagement);
        t.valuationDate = uint64(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.InvalidValuationDate.selector, t.valuationDate));
        d.attestations.appraise(asset, appraisal(), t);
        t.valuationDate = 0;
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.InvalidValuationDate.selector, 0));
        d.attestations.appraise(asset, appraisal(), t);
        t = appraisalTerms(99);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.EngagementNotFound.selector, 99));
        d.attestations.appraise(asset, appraisal(), t);
        t = appraisalTerms(openEngagement);
        vm.expectRevert(
            abi.encodeWithSelector(IAttestationRegistry.NotEngaged.selector, openEngagement, who[APPRAISER], otherAsset)
        );
        d.attestations.appraise(otherAsset, appraisal(), t);
        IAttestationRegistry.AttestationData memory quality = appraisal();
        quality.kind = IAttestationRegistry.Kind.QualityEvaluation;
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttestationRegistry.NotAServiceProvider.selector, who[APPRAISER],
                IAttestationRegistry.Kind.QualityEvaluation
            )
        );
        d.attestations.appraise(asset, quality, t);
        vm.stopPrank();

        // Another qualified appraiser cannot use an engagement of this one.
        _admitAs(APPRAISER_2, IParticipantRegistry.Role.Appraiser);
        _qualify(APPRAISER_2, 0, 0);
        vm.prank(APPRAISER_2);
        vm.expectRevert(
            abi.encodeWithSelector(IAttestationRegistry.NotEngaged.selector, openEngagement, APPRAISER_2, asset)
        );
        d.attestations.appraise(asset, appraisal(), t);
    }

    function test_appraise_refused_whenTheEngagerNoLongerHolds() public {
        vm.prank(who[HOLDER]);
        d.registry.transfer(asset, 1, FRESH);
        vm.prank(who[APPRAISER]);
        vm.expectRevert(
            abi.encodeWithSelector(IAttestationRegistry.NotHoldingRightHolder.selector, asset, 1, who[HOLDER])
        );
        d.attestations.appraise(asset, appraisal(), appraisalTerms(openEngagement));
    }

    function test_appraise_refused_whenTheAppraiserIsNoLongerQualified() public {
        vm.prank(who[ADMIN]);
        d.participants.revokeQualification(who[APPRAISER], 1, bytes32(0));
        vm.prank(who[APPRAISER]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttestationRegistry.NotAServiceProvider.selector, who[APPRAISER], IAttestationRegistry.Kind.Appraisal
            )
        );
        d.attestations.appraise(asset, appraisal(), appraisalTerms(openEngagement));
    }

    function test_engage_refusals() public {
        // A usage right is no holding right; the grantee holds no holding right at all.
        vm.prank(who[HOLDER]);
        IAttestationRegistry.EngagementRequest memory r = engagementRequest(asset);
        r.rightIndex = 2;
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.NotHoldingRightHolder.selector, asset, 2, who[HOLDER]));
        d.attestations.engage(r);
        vm.prank(who[GRANTEE]);
        vm.expectRevert(
            abi.encodeWithSelector(IAttestationRegistry.NotHoldingRightHolder.selector, asset, 1, who[GRANTEE])
        );
        d.attestations.engage(engagementRequest(asset));
        // Only a qualified appraiser can be engaged.
        r = engagementRequest(asset);
        r.appraiser = who[EXCHANGE];
        vm.prank(who[HOLDER]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAttestationRegistry.NotAServiceProvider.selector, who[EXCHANGE], IAttestationRegistry.Kind.Appraisal
            )
        );
        d.attestations.engage(r);
        // A frozen asset can still be appraised (a court or a pledgee may need its value).
        vm.prank(who[HOLDER]);
        uint256 id = d.attestations.engage(engagementRequest(frozenAsset));
        assertEq(d.attestations.getEngagement(id).holder, who[HOLDER], "engaged");
    }

    function test_withdrawEngagement() public {
        vm.prank(who[OUTSIDER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.NotEngager.selector, openEngagement, who[OUTSIDER]));
        d.attestations.withdrawEngagement(openEngagement);
        vm.prank(who[HOLDER]);
        d.attestations.withdrawEngagement(openEngagement);
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.EngagementClosed.selector, openEngagement));
        d.attestations.withdrawEngagement(openEngagement);
        vm.prank(who[APPRAISER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.EngagementClosed.selector, openEngagement));
        d.attestations.appraise(asset, appraisal(), appraisalTerms(openEngagement));
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.EngagementNotFound.selector, 77));
        d.attestations.getEngagement(77);
    }

    function _sig(uint256 signer, IAttestationRegistry.EngagementRequest memory r, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                ENGAGEMENT_TYPEHASH, who[HOLDER], r.appraiser, r.assetId, r.rightIndex, r.letterCid, nonce, deadline
            )
        );
        return sign(keys[signer], digest(domain("AttestationRegistry", block.chainid, address(d.attestations)), structHash));
    }

    function test_engageBySig_relayedOnce_beforeItsDeadline() public {
        IAttestationRegistry.EngagementRequest memory r = engagementRequest(asset);
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sig(HOLDER, r, 0, deadline);
        assertEq(d.attestations.DOMAIN_SEPARATOR(), domain("AttestationRegistry", block.chainid, address(d.attestations)), "domain");
        uint256 next = d.attestations.engagementCount() + 1;
        vm.expectEmit(true, true, true, true, address(d.attestations));
        emit Engaged(next, asset, who[HOLDER], who[APPRAISER], 1, r.letterCid);
        vm.prank(who[RELAYER]);
        uint256 id = d.attestations.engageBySig(r, who[HOLDER], deadline, sig);
        assertEq(d.attestations.getEngagement(id).holder, who[HOLDER], "the signer engages, not the relayer");
        assertEq(d.attestations.nonces(who[HOLDER]), 1, "nonce used");
        vm.prank(who[RELAYER]);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.InvalidSignature.selector, who[HOLDER]));
        d.attestations.engageBySig(r, who[HOLDER], deadline, sig);

        bytes memory forged = _sig(OUTSIDER, r, 1, deadline);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.InvalidSignature.selector, who[HOLDER]));
        d.attestations.engageBySig(r, who[HOLDER], deadline, forged);

        bytes memory late = _sig(HOLDER, r, 1, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IAttestationRegistry.SignatureExpired.selector, deadline, deadline + 1));
        d.attestations.engageBySig(r, who[HOLDER], deadline, late);
    }
}
