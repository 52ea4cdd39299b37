// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {SignedCalls} from "./SignedCalls.t.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {CertificateNumber} from "../src/libraries/CertificateNumber.sol";

contract CertificateNumberFuzzHarness {
    function yearMonth(uint256 timestamp) external pure returns (uint256, uint256) {
        return CertificateNumber.yearMonth(timestamp);
    }

    function format(bytes2 region, bytes1 code, uint256 timestamp, uint256 serial) external pure returns (bytes17) {
        return CertificateNumber.format(region, code, timestamp, serial);
    }
}

/// @notice A fuzz test for every external function the other suites do not fuzz yet (register and assetIdOf
/// are fuzzed in DataRegistry.t.sol). Each draws the caller from every role and the arguments at random, states
/// from an independent model whether the call must succeed, and checks what it did. Callers come from the
/// fixture's ten roles; `who[seed % ROLES]`.
contract FuzzTest is SignedCalls {
    function _call(uint256 role, address target, bytes memory data) internal returns (bool ok, bytes4 err) {
        vm.prank(who[role]);
        bytes memory ret;
        (ok, ret) = target.call(data);
        if (!ok && ret.length >= 4) err = bytes4(ret);
    }

    function _outcome(bool ok, bool expected, string memory what) internal pure {
        assertEq(ok, expected, string.concat(what, expected ? ": refused, should succeed" : ": succeeded, should fail"));
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // DataRegistry
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function testFuzz_registerBatch_registersEveryAssetUnderTheCaller(uint256 role, uint8 count, bytes32 salt) public {
        role %= ROLES;
        count = uint8(bound(count, 1, 8));
        IDataRegistry.Registration[] memory batch = new IDataRegistry.Registration[](count);
        for (uint256 i; i < count; ++i) {
            batch[i] = registration(FRESH, keccak256(abi.encode(salt, i)));
        }
        vm.prank(who[role]);
        bytes32[] memory ids = d.registry.registerBatch(batch);
        for (uint256 i; i < count; ++i) {
            assertEq(ids[i], d.registry.assetIdOf(who[role], batch[i].contentHash), "id");
            assertEq(d.registry.getAsset(ids[i]).registrant, who[role], "registrant");
            assertEq(d.registry.getRight(ids[i], 1).holder, FRESH, "holder named in the registration");
        }
    }

    /// @dev Every signed path (the five BySig functions, ListingConsent, ForwardRequest): accepted exactly when
    /// the holder's own key signed and the deadline has not passed, whoever else signs and whenever it arrives.
    function testFuzz_signedPaths_acceptOnlyTheSignersKeyBeforeTheDeadline(
        uint8 path,
        bool holdersKey,
        uint256 otherKey,
        uint32 delay
    ) public {
        Sig memory s = _sig();
        if (!holdersKey) {
            s.key = bound(otherKey, 1, N - 1);
            vm.assume(s.key != keys[HOLDER]);
        }
        s.deadline = block.timestamp + 1 days;
        uint256 wait = bound(delay, 0, 2 days);
        (address submitter, address target, bytes memory data) = _signed(Path(path % 7), s, d);
        vm.warp(block.timestamp + wait);
        vm.prank(submitter);
        (bool ok,) = target.call(data);
        _outcome(ok, holdersKey && wait <= 1 days, "signed call");
    }

    function testFuzz_grant_succeedsExactlyWhenTheCallerHoldsTheParentAndTheTermsFit(
        uint256 role,
        bool fromGrant,
        address grantee,
        uint64 validFrom,
        uint64 validUntil,
        uint8 flags,
        string calldata purpose
    ) public {
        role %= ROLES;
        IDataRegistry.GrantTerms memory t = IDataRegistry.GrantTerms(
            grantee, uint64(bound(validFrom, 0, 2 ** 33)), uint64(bound(validUntil, 0, 2 ** 33)), flags & 1 != 0,
            flags & 2 != 0, purpose, "3502", uint256(keccak256(bytes(purpose))), bytes32(0)
        );
        uint256 parent = fromGrant ? USAGE_GRANT : 2;
        address grantor = who[fromGrant ? GRANTEE : HOLDER];
        bool termFits = t.validFrom <= type(uint32).max && t.validUntil <= type(uint32).max
            && (t.validUntil == 0 || (t.validUntil > t.validFrom && t.validUntil > block.timestamp));
        bool expected = who[role] == grantor && grantee != address(0) && grantee != grantor && termFits;
        uint256 countBefore = d.registry.getAsset(asset).rightCount;

        (bool ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.grant, (asset, parent, t)));
        _outcome(ok, expected, "grant");
        if (ok) {
            _checkGranted(countBefore + 1, parent, t);
        } else {
            assertEq(d.registry.getAsset(asset).rightCount, countBefore, "nothing granted");
        }
    }

    function _checkGranted(uint256 index, uint256 parent, IDataRegistry.GrantTerms memory t) internal view {
        IDataRegistry.RightView memory r = d.registry.getRight(asset, index);
        assertEq(r.holder, t.grantee, "grantee");
        assertTrue(r.kind == IDataRegistry.RightKind.Usage, "kind of the parent");
        assertEq(r.parentIndex, parent, "parent");
        assertEq(r.validFrom, t.validFrom, "start");
        assertEq(r.validUntil, t.validUntil, "end");
        assertEq(r.subGrantable, t.subGrantable, "sub-grantable");
        assertEq(r.transferable, t.transferable, "transferable");
        assertEq(d.registry.isRightValid(asset, index), t.validFrom <= block.timestamp, "valid once started");
    }

    function testFuzz_transfer_movesOnlyTheCallersOwnRight(uint256 role, uint8 index, address to) public {
        role %= ROLES;
        index = uint8(bound(index, 1, 5));
        address holder = index == USAGE_GRANT ? who[GRANTEE] : index <= 3 ? who[HOLDER] : address(0);
        // Right 3 (operating) is pledged in the fixture; right 5 does not exist.
        bool expected = index != 3 && holder != address(0) && who[role] == holder && to != address(0) && to != holder;
        (bool ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.transfer, (asset, index, to)));
        _outcome(ok, expected, "transfer");
        if (ok) assertEq(d.registry.getRight(asset, index).holder, to, "new holder");
        for (uint256 i = 1; i <= 4; ++i) {
            if (i == index && ok) continue;
            address was = i == USAGE_GRANT ? who[GRANTEE] : who[HOLDER];
            assertEq(d.registry.getRight(asset, i).holder, was, "other rights untouched");
        }
        assertTrue(d.registry.isRightValid(asset, USAGE_GRANT), "a grant survives any transfer");
    }

    function testFuzz_revoke_onlyTheGrantor_andForGood(uint256 role, uint8 index, uint16 reason, bytes32 evidence)
        public
    {
        role %= ROLES;
        index = uint8(bound(index, 0, 6));
        bool expected = index == USAGE_GRANT && role == HOLDER;
        (bool ok,) = _call(
            role, address(d.registry), abi.encodeCall(d.registry.revoke, (asset, index, reason, evidence))
        );
        _outcome(ok, expected, "revoke");
        assertEq(d.registry.isRightValid(asset, USAGE_GRANT), !ok, "the grant is valid until revoked");
        if (!ok) return;
        // Final: nothing brings it back.
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightIsRevoked.selector, asset, USAGE_GRANT));
        d.registry.renew(asset, USAGE_GRANT, uint64(block.timestamp + 1 days));
        vm.prank(who[GRANTEE]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightIsRevoked.selector, asset, USAGE_GRANT));
        d.registry.transfer(asset, USAGE_GRANT, FRESH);
    }

    function testFuzz_renew_onlyTheGrantor_toAFutureEnd(uint256 role, uint64 until) public {
        role %= ROLES;
        until = uint64(bound(until, 0, 2 ** 33));
        bool expected = role == HOLDER && until <= type(uint32).max && (until == 0 || until > block.timestamp);
        (bool ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.renew, (asset, USAGE_GRANT, until)));
        _outcome(ok, expected, "renew");
        assertEq(d.registry.getRight(asset, USAGE_GRANT).validUntil, ok ? until : 0, "end of term");
    }

    function testFuzz_freezeAndRelease_onlyTheRegulator(uint256 role, string calldata order, bytes32 evidence) public {
        role %= ROLES;
        (bool ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.freeze, (asset, order, evidence)));
        _outcome(ok, role == REGULATOR, "freeze");
        assertEq(d.registry.getAsset(asset).frozen, ok, "frozen");
        (ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.releaseFreeze, (frozenAsset, 1, evidence)));
        _outcome(ok, role == REGULATOR, "release");
        assertEq(d.registry.getAsset(frozenAsset).frozen, !ok, "released");
    }

    function testFuzz_pledges_onlyARegistrar_andOnlyOnTheirOwnAsset(
        uint256 role,
        string calldata externalNo,
        address pledgee,
        bytes32 otherPledgeId
    ) public {
        role %= ROLES;
        vm.assume(keccak256(bytes(externalNo)) != keccak256("ZD-1"));
        vm.assume(pledgee != address(0)); // no pledge to nobody: refused for every role
        (bool ok,) =
            _call(role, address(d.registry), abi.encodeCall(d.registry.recordPledge, (asset, externalNo, pledgee)));
        _outcome(ok, role == REGISTRAR, "record");
        assertEq(d.registry.getAsset(asset).activePledges, ok ? 2 : 1, "pledges counted");
        // A pledge id names one pledge of one asset: never released against another, nor an unknown one.
        vm.startPrank(who[REGISTRAR]);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.PledgeUnchanged.selector, otherAsset, pledgeId, false));
        d.registry.releasePledge(otherAsset, pledgeId);
        vm.assume(otherPledgeId != pledgeId && otherPledgeId != keccak256(abi.encode(asset, externalNo)));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.PledgeUnchanged.selector, asset, otherPledgeId, false));
        d.registry.releasePledge(asset, otherPledgeId);
        d.registry.releasePledge(asset, pledgeId);
        vm.stopPrank();
        assertEq(d.registry.getAsset(asset).activePledges, ok ? 1 : 0, "released");
    }

    function testFuzz_cancel_byTheRegistrantOnRequest_orByARegistrar(uint256 role, uint16 reason, bytes32 evidence)
        public
    {
        role %= ROLES;
        // The fixture's `asset` is pledged: its pledgee consents first, so only the caller and reason decide.
        vm.prank(who[OTHER_HOLDER]);
        d.registry.consentAsPledgee(asset, pledgeId, IDataRegistry.PledgedOperation.Cancel, 0, address(0));
        bool expected = (role == REGISTRAR && reason >= 2 && reason <= 4) || (role == HOLDER && reason == 1);
        (bool ok,) = _call(role, address(d.registry), abi.encodeCall(d.registry.cancel, (asset, reason, evidence)));
        _outcome(ok, expected, "cancel");
        assertEq(d.registry.isRightValid(asset, 1), !ok, "rights fall with the asset");
        assertEq(
            d.listings.listingValidity(listingId) == IListingRegistry.ListingValidity.AssetNotActive, ok, "listing too"
        );
    }

    /// @dev A change registration takes effect only through the procedure: the registrant applies, the
    /// registrar reviews; nobody can commit a version directly.
    function testFuzz_change_onlyTheRegistrantApplies_andOnlyTheReviewCommits(
        uint256 role,
        bytes32 metadataCid,
        bytes32 contentHash
    ) public {
        role %= ROLES;
        IDataRegistry.Version memory v;
        (v.metadataCid, v.contentHash) = (metadataCid, contentHash);
        (bool direct,) = _call(role, address(d.registry), abi.encodeCall(d.registry.commitChange, (asset, v)));
        assertTrue(!direct, "nobody commits a version directly");
        bool expected = role == HOLDER && metadataCid != bytes32(0) && contentHash != sha256("");
        (bool ok,) = _call(
            role, address(d.office), abi.encodeCall(d.office.applyForChange, (asset, who[REGISTRAR], v, bytes32(0)))
        );
        _outcome(ok, role == HOLDER && metadataCid != bytes32(0), "apply for change");
        assertEq(d.registry.getAsset(asset).version, 1, "nothing changes before the review");
        if (ok) {
            vm.prank(who[REGISTRAR]);
            (ok,) = address(d.office).call(abi.encodeCall(d.office.reviewChange, (asset, true, 0, bytes32(0))));
            assertEq(ok, expected, "the review commits a well-formed version");
        }
        assertEq(d.registry.getAsset(asset).version, ok ? 2 : 1, "version");
        assertTrue(
            (d.attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.Superseded) == ok,
            "attestations of the old version superseded"
        );
    }

    /// @dev The views answer for any asset id and right index: validity never reverts, and getRight and
    /// rightChain revert exactly when the right does not exist.
    function testFuzz_views_answerForAnyIdAndIndex(bytes32 id, uint256 index, bool known) public view {
        if (known) id = asset;
        index = known ? bound(index, 0, 6) : index;
        (IDataRegistry.Validity v,) = d.registry.rightValidity(id, index);
        bool exists = known && index >= 1 && index <= 4;
        assertEq(v != IDataRegistry.Validity.NoSuchRight, exists, "validity knows which rights exist");
        assertEq(d.registry.isRightValid(id, index), exists, "every right of the fixture's asset is valid");
        try d.registry.getRight(id, index) returns (IDataRegistry.RightView memory r) {
            assertTrue(exists && r.holder != address(0), "only existing rights are returned");
            assertEq(d.registry.rightChain(id, index)[0], index, "chain starts at the right");
        } catch {
            assertTrue(!exists, "an existing right is returned");
        }
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // ListingRegistry
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Anyone may record its own consent, but a listing follows only from the consent of the holder of the
    /// operating right, listed by an active exchange, under an id that exchange has not used.
    function testFuzz_approveAndList_onlyTheHoldersConsentLists(uint256 consenter, uint256 lister, string calldata ref)
        public
    {
        consenter %= ROLES;
        lister %= ROLES;
        IListingRegistry.ListingRequest memory r = listingRequest(asset, ref);
        (bool approved,) = _call(consenter, address(d.listings), abi.encodeCall(d.listings.approveListing,
            (who[EXCHANGE], r, uint64(block.timestamp + 1 days))));
        assertTrue(approved, "approving one's own consent is open to all");
        bool expected = consenter == HOLDER && lister == EXCHANGE && keccak256(bytes(ref)) != keccak256("SDE-1");
        (bool ok,) = _call(lister, address(d.listings), abi.encodeCall(d.listings.list, (r, who[consenter], 0, 0, "")));
        _outcome(ok, expected, "list");
        assertEq(d.listings.listingCount(), ok ? 2 : 1, "listings");
        if (ok) assertEq(d.listings.getListing(2).holder, who[HOLDER], "consenting holder");
    }

    /// @dev The listing's status follows the state machine: its exchange may suspend, resume and delist, the
    /// holder may delist, nobody may leave Delisted or set None.
    function testFuzz_setStatus_followsTheStateMachine(uint8[4] calldata steps, uint256[4] calldata roles) public {
        IListingRegistry.ListingStatus status = IListingRegistry.ListingStatus.Listed;
        for (uint256 i; i < 4; ++i) {
            IListingRegistry.ListingStatus to = IListingRegistry.ListingStatus(steps[i] % 4);
            uint256 role = roles[i] % ROLES;
            bool party = role == EXCHANGE || (role == HOLDER && to == IListingRegistry.ListingStatus.Delisted);
            bool expected = party && status != IListingRegistry.ListingStatus.Delisted && status != to
                && to != IListingRegistry.ListingStatus.None;
            (bool ok,) = _call(role, address(d.listings), abi.encodeCall(d.listings.setStatus, (listingId, to)));
            _outcome(ok, expected, "setStatus");
            if (ok) status = to;
            assertTrue(d.listings.getListing(listingId).status == status, "status");
        }
    }

    function testFuzz_listingViews_revertExactlyForUnknownListings(uint256 id) public view {
        bool exists = id == listingId;
        try d.listings.listingValidity(id) returns (IListingRegistry.ListingValidity v) {
            assertTrue(exists && v == IListingRegistry.ListingValidity.Valid, "only the fixture's listing");
        } catch {
            assertTrue(!exists, "the fixture's listing is found");
        }
        try d.listings.getListing(id) returns (IListingRegistry.ListingView memory l) {
            assertTrue(exists && l.exchange == who[EXCHANGE], "only the fixture's listing");
        } catch {
            assertTrue(!exists, "the fixture's listing is found");
        }
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // ParticipantRegistry
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function testFuzz_addParticipant_onlyTheAdmin_onlyWellFormed(
        uint256 role,
        address account,
        uint8 participantRole,
        string calldata name,
        bytes32 creditCodeHash
    ) public {
        role %= ROLES;
        participantRole = uint8(bound(participantRole, 0, 12));
        bool fresh = d.participants.getParticipantStatus(account) == IParticipantRegistry.ParticipantStatus.None;
        bool expected = role == ADMIN && participantRole != 0 && account != address(0) && bytes(name).length != 0
            && creditCodeHash != bytes32(0) && fresh;
        (bool ok,) = _call(role, address(d.participants), abi.encodeCall(d.participants.addParticipant,
            (account, IParticipantRegistry.Role(participantRole), name, creditCodeHash, "")));
        _outcome(ok, expected, "addParticipant");
        // A service role is admitted inactive: it acts once the council records its qualification.
        if (ok) {
            IParticipantRegistry.Role r = IParticipantRegistry.Role(participantRole);
            assertEq(d.participants.isActive(account, r), !d.participants.requiresQualification(r), "active");
        }
    }

    function testFuzz_suspendAndReinstate_toggleOnlyByTheAdmin(uint256 role, bool[4] calldata suspend) public {
        role %= ROLES;
        bool active = true;
        for (uint256 i; i < 4; ++i) {
            bytes memory data = suspend[i]
                ? abi.encodeCall(d.participants.suspendParticipant, (who[REGULATOR], 1, bytes32(0)))
                : abi.encodeCall(d.participants.reinstateParticipant, (who[REGULATOR]));
            (bool ok,) = _call(role, address(d.participants), data);
            _outcome(ok, role == ADMIN && suspend[i] == active, "suspend/reinstate");
            if (ok) active = !active;
            assertEq(d.participants.isActive(who[REGULATOR], IParticipantRegistry.Role.Regulator), active, "status");
        }
    }

    function testFuzz_setEndpoint_onlyParticipants_theirOwn(uint256 role, string calldata endpoint) public {
        role %= ROLES;
        bool participant = role == EXCHANGE || role == REGISTRAR || role == REGULATOR || role == APPRAISER;
        (bool ok,) = _call(role, address(d.participants), abi.encodeCall(d.participants.setEndpoint, (endpoint)));
        _outcome(ok, participant, "setEndpoint");
        if (ok) assertEq(d.participants.getParticipant(who[role]).endpoint, endpoint, "own endpoint");
    }

    function testFuzz_pause_followsTheAdminsSwitch(uint256[4] calldata roles, bool[4] calldata pauses) public {
        bool paused;
        for (uint256 i; i < 4; ++i) {
            uint256 role = roles[i] % ROLES;
            bytes memory data = pauses[i]
                ? abi.encodeCall(d.participants.pause, (bytes32(i)))
                : abi.encodeCall(d.participants.unpause, ());
            (bool ok,) = _call(role, address(d.participants), data);
            _outcome(ok, role == ADMIN && pauses[i] != paused, "pause/unpause");
            if (ok) paused = !paused;
            assertEq(d.participants.paused(), paused, "switch");
            uint256 snapshot = vm.snapshotState();
            (bool wrote, bytes4 err) =
                _call(HOLDER, address(d.registry), abi.encodeCall(d.registry.transfer, (asset, 2, FRESH)));
            assertEq(wrote, !paused, "writes follow the switch");
            if (paused) assertEq(bytes32(err), bytes32(IParticipantRegistry.RegistryPaused.selector), "pause error");
            vm.revertToStateAndDelete(snapshot);
        }
    }

    function testFuzz_adminHandover_onlyToWhoAccepts(
        uint256 role,
        address next,
        bool toARole,
        uint256 nextRole,
        uint256 acceptor
    ) public {
        role %= ROLES;
        acceptor %= ROLES;
        if (toARole) next = who[nextRole % ROLES];
        vm.assume(next != address(0));
        (bool ok,) = _call(role, address(d.participants), abi.encodeCall(d.participants.transferOwnership, (next)));
        _outcome(ok, role == ADMIN, "transferOwnership");
        (ok,) = _call(acceptor, address(d.participants), abi.encodeCall(d.participants.acceptOwnership, ()));
        bool expected = role == ADMIN && who[acceptor] == next;
        _outcome(ok, expected, "acceptOwnership");
        assertEq(d.participants.owner(), expected ? next : who[ADMIN], "admin");
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // RegistrationOffice
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function testFuzz_configureRegistrar_onlyWellFormedUnusedCodes(uint256 role, bytes2 region, bytes1 code) public {
        role %= ROLES;
        bool digits = region[0] >= "0" && region[0] <= "9" && region[1] >= "0" && region[1] <= "9";
        bool alnum = (code >= "0" && code <= "9") || (code >= "A" && code <= "Z");
        bool used = region == bytes2("35") && code == bytes1("A"); // the fixture's registrar holds 35A
        bool expected = role == ADMIN && digits && alnum && !used;
        (bool ok,) = _call(role, address(d.office), abi.encodeCall(d.office.configureRegistrar, (FRESH, region, code)));
        _outcome(ok, expected, "configureRegistrar");
    }

    function testFuzz_setPublicityPeriod_thenReviewStartsThatLongAPublicity(uint256 role, uint64 period) public {
        role %= ROLES;
        period = uint64(bound(period, 0, 3650 days));
        (bool ok,) = _call(role, address(d.office), abi.encodeCall(d.office.setPublicityPeriod, (period)));
        _outcome(ok, role == ADMIN, "setPublicityPeriod");
        uint64 effective = ok ? period : PUBLICITY;
        vm.prank(who[REGISTRAR]);
        d.office.review(acceptedAsset, true, 0, bytes32(0), 0);
        assertEq(d.office.getApplication(acceptedAsset).publicityEnds, block.timestamp + effective, "publicity end");
    }

    function testFuzz_applyAcceptReturnReview_byTheirParties(
        uint256 applicant,
        uint256 registrar,
        bool acceptIt,
        bool passed,
        uint16 reason
    ) public {
        applicant %= ROLES;
        registrar %= ROLES;
        (bool ok,) = _call(applicant, address(d.office), abi.encodeCall(d.office.applyFor,
            (unappliedAsset, who[REGISTRAR], bytes32(0))));
        _outcome(ok, applicant == HOLDER, "applyFor");
        bytes memory step = acceptIt
            ? abi.encodeCall(d.office.accept, (appliedAsset))
            : abi.encodeCall(d.office.returnForMaterial, (appliedAsset, reason, bytes32(0)));
        (ok,) = _call(registrar, address(d.office), step);
        _outcome(ok, registrar == REGISTRAR, "accept or returnForMaterial");
        IRegistrationOffice.Stage applied = d.office.getApplication(appliedAsset).stage;
        assertTrue(
            applied == (!ok ? IRegistrationOffice.Stage.Applied
                : acceptIt ? IRegistrationOffice.Stage.Accepted : IRegistrationOffice.Stage.Returned),
            "stage after accept or return"
        );
        (ok,) = _call(registrar, address(d.office), abi.encodeCall(d.office.review, (acceptedAsset, passed, reason,
            bytes32(0), 0)));
        _outcome(ok, registrar == REGISTRAR, "review");
        if (ok) {
            IRegistrationOffice.Stage stage = d.office.getApplication(acceptedAsset).stage;
            assertTrue(
                stage == (passed ? IRegistrationOffice.Stage.Publicity : IRegistrationOffice.Stage.Terminated), "stage"
            );
        }
    }

    function testFuzz_object_byParticipants_untilPublicityEnds(uint256 role, uint32 delay) public {
        role %= ROLES;
        uint64 ends = d.office.getApplication(publicityAsset).publicityEnds;
        uint256 wait = bound(delay, 0, 2 * PUBLICITY);
        vm.warp(block.timestamp + wait);
        bool participant = role == EXCHANGE || role == REGISTRAR || role == REGULATOR || role == APPRAISER;
        (bool ok,) = _call(role, address(d.office), abi.encodeCall(d.office.object, (publicityAsset, 1, bytes32(0))));
        _outcome(ok, participant && block.timestamp < ends, "object");
        assertEq(d.office.getApplication(publicityAsset).pendingObjections, ok ? 2 : 1, "pending objections");
    }

    function testFuzz_resolveObjection_onlyPendingOnes(uint256 objectionId, bool upheld) public {
        objectionId = bound(objectionId, 0, 3);
        vm.prank(who[REGISTRAR]);
        (bool ok,) = address(d.office).call(
            abi.encodeCall(d.office.resolveObjection, (publicityAsset, objectionId, upheld, bytes32(0)))
        );
        _outcome(ok, objectionId == 1, "resolveObjection");
        if (ok && upheld) {
            assertTrue(d.office.getApplication(publicityAsset).stage == IRegistrationOffice.Stage.Refused, "refused");
        }
    }

    function testFuzz_register_oneToFiveYears_afterPublicity(uint8 years_, uint32 early) public {
        uint256 before = bound(early, 0, PUBLICITY);
        uint64 ends = d.office.getApplication(publicityAsset).publicityEnds;
        vm.warp(ends - before);
        vm.prank(who[REGISTRAR]);
        d.office.resolveObjection(publicityAsset, 1, false, bytes32(0));
        vm.prank(who[REGISTRAR]);
        (bool ok,) = address(d.office).call(abi.encodeCall(d.office.register, (publicityAsset, years_)));
        _outcome(ok, before == 0 && years_ >= 1 && years_ <= 5, "register");
        if (!ok) return;
        (IRegistrationOffice.CertificateStatus status, bytes17 number,) = d.office.certificate(publicityAsset);
        assertTrue(status == IRegistrationOffice.CertificateStatus.Valid, "valid certificate");
        assertEq(bytes32(bytes5(number)), bytes32(bytes5("SJ35A")), "number prefix");
    }

    /// @dev The holder requests renewal inside the window only; the registrar then renews by calendar years:
    /// the same time of day, 365 days a year plus one for each leap day crossed.
    function testFuzz_renewRegistration_onlyInsideItsWindow(uint256 at, uint8 years_) public {
        uint64 end = d.office.getApplication(renewableAsset).validUntil;
        at = bound(at, block.timestamp, end);
        vm.warp(at);
        bool inWindow = at >= end - 183 days && at <= end - 1 days;
        (bool ok,) = _call(HOLDER, address(d.office), abi.encodeCall(d.office.requestRenewal, (renewableAsset)));
        _outcome(ok, inWindow, "request renewal");
        vm.prank(who[REGISTRAR]);
        (ok,) = address(d.office).call(abi.encodeCall(d.office.renew, (renewableAsset, years_)));
        _outcome(ok, inWindow && years_ >= 1 && years_ <= 5, "renew registration");
        if (!ok) return;
        uint64 renewed = d.office.getApplication(renewableAsset).validUntil;
        uint256 extra = renewed - end - uint256(years_) * 365 days;
        assertTrue(extra % 1 days == 0 && extra / 1 days <= (uint256(years_) + 3) / 4, "calendar years");
    }

    /// @dev The civil-date algorithm behind certificate numbers agrees with its inverse (days from a civil date)
    /// for any time up to the year 9999: the month's first day is at or before the day, the next month's after.
    function testFuzz_certificateMonth_matchesTheInverseAlgorithm(uint256 timestamp, uint16 serial) public {
        timestamp = bound(timestamp, 0, 253_402_300_799 - 8 hours); // 9999-12-31 23:59:59 in Beijing
        CertificateNumberFuzzHarness h = new CertificateNumberFuzzHarness();
        (uint256 y, uint256 m) = h.yearMonth(timestamp);
        assertTrue(m >= 1 && m <= 12, "month");
        uint256 day = (timestamp + 8 hours) / 1 days;
        assertTrue(_daysFromCivil(y, m) <= day, "month started");
        assertTrue(day < (m == 12 ? _daysFromCivil(y + 1, 1) : _daysFromCivil(y, m + 1)), "month not over");
        serial = uint16(bound(serial, 1, 9999));
        bytes17 number = h.format("35", "A", timestamp, serial);
        for (uint256 i = 5; i < 15; ++i) {
            assertTrue(number[i] >= "0" && number[i] <= "9", "digits after SJ + region + code");
        }
        assertTrue(number[15] == 0 && number[16] == 0, "15 characters, zero bytes after them");
    }

    /// @dev Howard Hinnant's days_from_civil, written independently of the contract's civil_from_days.
    function _daysFromCivil(uint256 y, uint256 m) internal pure returns (uint256) {
        int256 yy = int256(y) - (m <= 2 ? int256(1) : int256(0));
        int256 era = yy / 400;
        int256 yoe = yy - era * 400;
        int256 mp = m > 2 ? int256(m) - 3 : int256(m) + 9;
        int256 doy = (153 * mp + 2) / 5; // day 1 of the month
        int256 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return uint256(era * 146097 + doe - 719468);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // AttestationRegistry
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function testFuzz_attest_onlyTheMatchingServiceProvider(uint256 role, uint8 kind) public {
        role %= ROLES;
        kind = uint8(bound(kind, 0, 5));
        IAttestationRegistry.AttestationData memory a = appraisal();
        a.kind = IAttestationRegistry.Kind(kind);
        (bool ok,) = _call(role, address(d.attestations), abi.encodeCall(d.attestations.attest, (asset, a)));
        // Appraisals go through `appraise` only, and the fixture admits no other service provider.
        _outcome(ok, false, "attest");
    }

    function testFuzz_appraise_onlyTheEngagedAppraiser_andExpires(uint256 role, uint64 validUntil) public {
        role %= ROLES;
        validUntil = uint64(bound(validUntil, 0, block.timestamp + 730 days));
        IAttestationRegistry.AttestationData memory a = appraisal();
        a.validUntil = validUntil;
        (bool ok,) = _call(
            role, address(d.attestations), abi.encodeCall(d.attestations.appraise, (asset, a, appraisalTerms(openEngagement)))
        );
        _outcome(ok, role == APPRAISER, "appraise");
        if (!ok) return;
        uint256 id = d.attestations.attestationCount();
        bool expired = validUntil != 0 && block.timestamp >= validUntil;
        assertTrue(
            d.attestations.attestationStatus(id)
                == (expired ? IAttestationRegistry.Status.Expired : IAttestationRegistry.Status.Valid),
            "status"
        );
    }

    function testFuzz_revokeAttestation_onlyItsIssuer_once(uint256 role, uint256 id, uint16 reason) public {
        role %= ROLES;
        id = bound(id, 0, 2);
        (bool ok,) = _call(role, address(d.attestations), abi.encodeCall(d.attestations.revokeAttestation, (id, reason)));
        _outcome(ok, role == APPRAISER && id == attestationId, "revokeAttestation");
        (ok,) = _call(role, address(d.attestations), abi.encodeCall(d.attestations.revokeAttestation, (id, reason)));
        assertTrue(!ok, "never twice");
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Forwarder
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev A forward request runs exactly when signed by its `from`, with the current nonce, before its
    /// deadline, and then acts as `from` and nobody else.
    function testFuzz_forwarder_executesOnlyFreshRequestsSignedByTheirSender(
        uint256 signer,
        uint256 from,
        uint8 nonceOffset,
        uint32 delay
    ) public {
        signer %= ROLES;
        from %= ROLES;
        nonceOffset = uint8(bound(nonceOffset, 0, 2));
        uint256 wait = bound(delay, 0, 2 hours);
        ERC2771Forwarder.ForwardRequestData memory req;
        req.from = who[from];
        req.to = address(d.registry);
        req.gas = 1_000_000;
        req.deadline = uint48(block.timestamp + 1 hours);
        req.data = abi.encodeCall(d.registry.transfer, (asset, 1, FRESH));
        req.signature = sign(keys[signer], forwardDigest(d.forwarder, req, nonceOffset, block.chainid));
        vm.warp(block.timestamp + wait);
        vm.prank(who[RELAYER]);
        (bool ok,) = address(d.forwarder).call(abi.encodeCall(d.forwarder.execute, (req)));
        // The call itself (the holder's transfer of right 1) succeeds only for the holder.
        _outcome(ok, signer == from && nonceOffset == 0 && wait <= 1 hours && from == HOLDER, "execute");
        assertEq(d.registry.getRight(asset, 1).holder, ok ? FRESH : who[HOLDER], "acts as the signer");
    }
}
