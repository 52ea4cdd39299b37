// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {RegistryFixture} from "./RegistryFixture.t.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {IPauseFlag} from "../src/interfaces/IPauseFlag.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";

/// @notice The council's emergency stop. That every write of every contract is refused while paused, directly
/// and through the forwarder, is proven cell by cell by the access-control matrix (AccessControl.t.sol); these
/// tests cover the switch itself, the reads, the way back, and the admin role that holds it.
contract PauseTest is RegistryFixture {
    function _pause() internal {
        vm.prank(who[ADMIN]);
        d.participants.pause(keccak256("incident report"));
    }

    function test_pause_onlyByTheAdmin_onceAtATime() public {
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who[EXCHANGE]));
        d.participants.pause(bytes32(0));

        vm.expectEmit(true, true, true, true, address(d.participants));
        emit IParticipantRegistry.Paused(who[ADMIN], keccak256("incident report"));
        _pause();
        assertTrue(d.participants.paused(), "paused");
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.PauseUnchanged.selector, true));
        d.participants.pause(bytes32(0));

        vm.prank(who[REGULATOR]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who[REGULATOR]));
        d.participants.unpause();
        vm.expectEmit(true, true, true, true, address(d.participants));
        emit IParticipantRegistry.Unpaused(who[ADMIN]);
        vm.prank(who[ADMIN]);
        d.participants.unpause();
        assertTrue(!d.participants.paused(), "unpaused");
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.PauseUnchanged.selector, false));
        d.participants.unpause();
    }

    function test_pause_refusesWrites_withAnErrorNamingThePause() public {
        _pause();
        bytes memory paused = abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector);
        vm.prank(who[HOLDER]);
        vm.expectRevert(paused);
        d.registry.transfer(asset, 1, FRESH);
        vm.prank(who[HOLDER]);
        vm.expectRevert(paused);
        d.registry.register(registration(who[HOLDER], keccak256("new")));
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(paused);
        d.listings.setStatus(listingId, IListingRegistry.ListingStatus.Suspended);
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(paused);
        d.office.object(publicityAsset, 1, bytes32(0));
        vm.prank(who[APPRAISER]);
        vm.expectRevert(paused);
        d.attestations.attest(asset, appraisal());
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(paused);
        d.participants.setEndpoint("https://elsewhere");
    }

    /// @dev Every read answers the same while paused as before: the pause touches no record.
    function test_pause_readsAnswerAsBefore() public {
        bytes memory before = _reads();
        _pause();
        assertEq(keccak256(_reads()), keccak256(before), "reads unchanged by the pause");
        assertTrue(d.registry.isRightValid(asset, USAGE_GRANT), "rights stay valid while paused");
        assertTrue(
            d.listings.listingValidity(listingId) == IListingRegistry.ListingValidity.Valid, "listings stay valid"
        );
    }

    function _reads() internal view returns (bytes memory) {
        (IDataRegistry.Validity validity, uint256 failing) = d.registry.rightValidity(asset, USAGE_GRANT);
        (IRegistrationOffice.CertificateStatus cert, bytes17 number, uint64 until) = d.office.certificate(registeredAsset);
        return bytes.concat(
            abi.encode(d.registry.getAsset(asset), d.registry.getRight(asset, USAGE_GRANT), validity, failing),
            abi.encode(d.registry.rightChain(asset, USAGE_GRANT), d.registry.nonces(who[HOLDER]), d.registry.DOMAIN_SEPARATOR()),
            abi.encode(d.listings.getListing(listingId), d.listings.listingValidity(listingId), d.listings.listingCount()),
            abi.encode(d.office.getApplication(publicityAsset), d.office.getObjection(publicityAsset, 1), cert, number, until),
            abi.encode(d.attestations.getAttestation(attestationId), d.attestations.attestationStatus(attestationId)),
            abi.encode(d.participants.getParticipant(who[EXCHANGE]), d.participants.isActive(who[EXCHANGE],
                IParticipantRegistry.Role.Exchange), d.participants.owner())
        );
    }

    /// @dev Unpausing restores writes, and a signature refused during the pause was not spent: the signer's nonce
    /// did not move, so the same signed request goes through afterwards.
    function test_unpause_restoresWrites_andSignaturesRefusedWhilePausedStayGood() public {
        uint256 deadline = block.timestamp + 1 days;
        bytes32 h = keccak256(abi.encode(TRANSFER_TYPEHASH, who[HOLDER], asset, uint256(1), FRESH, uint256(0), deadline));
        bytes memory sig = sign(keys[HOLDER], digest(d.registry.DOMAIN_SEPARATOR(), h));
        ERC2771Forwarder.ForwardRequestData memory req = forwardRequest(
            d.forwarder, keys[GRANTEE], address(d.registry), abi.encodeCall(d.registry.transfer, (asset, USAGE_GRANT, FRESH))
        );
        _pause();
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], deadline, sig);
        vm.prank(who[RELAYER]);
        vm.expectRevert(); // the forwarder reports the refused call as FailedCall
        d.forwarder.execute(req);
        assertEq(d.registry.nonces(who[HOLDER]), 0, "registry nonce not spent");
        assertEq(d.forwarder.nonces(who[GRANTEE]), 0, "forwarder nonce not spent");

        vm.prank(who[ADMIN]);
        d.participants.unpause();
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], deadline, sig);
        vm.prank(who[RELAYER]);
        d.forwarder.execute(req);
        assertEq(d.registry.getRight(asset, 1).holder, FRESH, "signed transfer after unpause");
        assertEq(d.registry.getRight(asset, USAGE_GRANT).holder, FRESH, "forwarded transfer after unpause");
    }

    /// @dev The admin's governance goes on while paused: it is how the council responds, e.g. by suspending a
    /// compromised exchange, whose listings the reads then show as invalid at once.
    function test_pause_leavesTheCouncilsGovernance() public {
        _pause();
        vm.startPrank(who[ADMIN]);
        d.participants.suspendParticipant(who[EXCHANGE], 3, keccak256("key compromise"));
        d.office.setPublicityPeriod(PUBLICITY);
        vm.stopPrank();
        assertTrue(
            d.listings.listingValidity(listingId) == IListingRegistry.ListingValidity.ExchangeNotActive,
            "listing of the suspended exchange invalid"
        );
    }

    function test_pause_byTheAdminThroughTheForwarder() public {
        ERC2771Forwarder.ForwardRequestData memory req = forwardRequest(
            d.forwarder, keys[ADMIN], address(d.participants), abi.encodeCall(d.participants.pause, (bytes32(0)))
        );
        vm.prank(who[RELAYER]);
        d.forwarder.execute(req);
        assertTrue(d.participants.paused(), "paused by the admin's signed request");
    }

    function test_renounceOwnership_isRefused_theRegistryAlwaysHasAnAdmin() public {
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.AdminCannotBeRenounced.selector));
        d.participants.renounceOwnership();
        assertEq(d.participants.owner(), who[ADMIN], "admin unchanged");
    }

    /// @dev The pause switch moves with the admin role, and only when the new admin accepts.
    function test_adminHandover_isTwoStep_andCarriesThePauseSwitch() public {
        address council2 = address(0xC0C2);
        vm.prank(who[ADMIN]);
        d.participants.transferOwnership(council2);
        vm.prank(council2);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, council2));
        d.participants.pause(bytes32(0)); // not admin until it accepts
        vm.prank(council2);
        d.participants.acceptOwnership();
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who[ADMIN]));
        d.participants.pause(bytes32(0));
        vm.prank(council2);
        d.participants.pause(bytes32(0));
        vm.prank(council2);
        d.office.setPublicityPeriod(1 days); // the office follows the participant registry's admin
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IRegistrationOffice.NotAdmin.selector, who[ADMIN]));
        d.office.setPublicityPeriod(1 days);
    }

    /// @dev Attestations issued before a pause keep their status; the pause is not a revocation.
    function test_pause_leavesAttestationsAndCertificatesAsTheyWere() public {
        _pause();
        assertTrue(
            d.attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.Valid, "attestation valid"
        );
        (IRegistrationOffice.CertificateStatus status,,) = d.office.certificate(registeredAsset);
        assertTrue(status == IRegistrationOffice.CertificateStatus.Valid, "certificate valid");
    }

    // ───────────────────────────── the copies of the switch in each contract ─────────────────────────────

    function _copies() internal view returns (IPauseFlag[6] memory) {
        return [IPauseFlag(address(d.registry)), IPauseFlag(address(d.listings)), IPauseFlag(address(d.office)),
            IPauseFlag(address(d.attestations)), IPauseFlag(address(d.trades)), IPauseFlag(address(d.finance))];
    }

    function _bindOne(address target) internal {
        address[] memory targets = new address[](1);
        targets[0] = target;
        vm.prank(who[ADMIN]);
        d.participants.bindContracts(targets);
    }

    /// @dev `pause` and `unpause` set every bound contract's copy in the same transaction.
    function test_pause_setsTheCopyInEveryBoundContract() public {
        address[] memory bound = d.participants.boundContracts();
        IPauseFlag[6] memory copies = _copies();
        assertEq(bound.length, copies.length, "the fixture's deployment binds each of its registry contracts");
        for (uint256 i; i < copies.length; ++i) {
            assertEq(bound[i], address(copies[i]), "bound in deployment order");
            assertTrue(!copies[i].paused(), "running");
        }
        _pause();
        for (uint256 i; i < 5; ++i) {
            assertTrue(copies[i].paused(), "the copy follows the pause");
        }
        vm.prank(who[ADMIN]);
        d.participants.unpause();
        for (uint256 i; i < 5; ++i) {
            assertTrue(!copies[i].paused(), "the copy follows the unpause");
        }
        vm.prank(who[HOLDER]);
        d.registry.transfer(asset, 1, FRESH);
    }

    /// @dev Only the participant registry sets a copy: nobody else, the admin included, directly or forwarded.
    function test_setPaused_onlyByTheParticipantRegistry() public {
        IPauseFlag[6] memory copies = _copies();
        for (uint256 i; i < 5; ++i) {
            for (uint256 role; role < ROLES; ++role) {
                vm.prank(who[role]);
                vm.expectRevert(abi.encodeWithSelector(IPauseFlag.NotParticipantRegistry.selector, who[role]));
                copies[i].setPaused(true);
            }
            assertTrue(!copies[i].paused(), "unchanged");
        }
    }

    /// @dev A contract not bound yet asks the participant registry on every write (the dearer check): no
    /// deployment is ever writable while the registry is paused, bound or not. Binding it while paused copies
    /// the pause.
    function test_unboundContract_followsTheSwitch_andBindingCopiesIt() public {
        DataRegistry unbound = new DataRegistry(d.participants, address(d.forwarder));
        _pause();
        assertTrue(unbound.paused(), "an unbound contract reads the switch");
        vm.prank(who[HOLDER]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        unbound.register(registration(who[HOLDER], keccak256("unbound")));

        vm.expectEmit(true, true, true, true, address(d.participants));
        emit IParticipantRegistry.ContractBound(address(unbound));
        _bindOne(address(unbound));
        assertTrue(unbound.paused(), "bound while paused: its copy is paused");
        vm.prank(who[ADMIN]);
        d.participants.unpause();
        assertTrue(!unbound.paused(), "and follows the unpause");
        vm.prank(who[HOLDER]);
        unbound.register(registration(who[HOLDER], keccak256("unbound")));
    }

    function test_bindContracts_onlyByTheAdmin_once_andOnlyContractsOfThisRegistry() public {
        AttestationRegistry spare = new AttestationRegistry(d.registry, d.participants, address(d.forwarder));
        address[] memory targets = new address[](1);
        targets[0] = address(spare);
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who[EXCHANGE]));
        d.participants.bindContracts(targets);

        targets[0] = address(d.registry);
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.ContractAlreadyBound.selector, address(d.registry)));
        d.participants.bindContracts(targets);

        // A contract that takes its switch from another participant registry refuses the binding.
        ParticipantRegistry other = new ParticipantRegistry(who[ADMIN], address(d.forwarder));
        AttestationRegistry foreign = new AttestationRegistry(d.registry, other, address(d.forwarder));
        targets[0] = address(foreign);
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IPauseFlag.NotParticipantRegistry.selector, address(d.participants)));
        d.participants.bindContracts(targets);
        // Neither is an account without code.
        targets[0] = FRESH;
        vm.prank(who[ADMIN]);
        vm.expectRevert();
        d.participants.bindContracts(targets);

        _bindOne(address(spare));
        assertEq(d.participants.boundContracts().length, _copies().length + 1, "bound");
    }

    /// @dev At most MAX_BOUND_CONTRACTS copies: the gas of `pause` stays bounded.
    function test_bindContracts_isBounded() public {
        uint256 max = d.participants.MAX_BOUND_CONTRACTS();
        for (uint256 i = _copies().length; i < max; ++i) {
            _bindOne(address(new AttestationRegistry(d.registry, d.participants, address(d.forwarder))));
        }
        address extra = address(new AttestationRegistry(d.registry, d.participants, address(d.forwarder)));
        address[] memory targets = new address[](1);
        targets[0] = extra;
        vm.prank(who[ADMIN]);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.TooManyBoundContracts.selector, max));
        d.participants.bindContracts(targets);
        _pause();
        assertTrue(IPauseFlag(d.participants.boundContracts()[max - 1]).paused(), "the last copy follows too");
    }
}
