// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {SignedCalls} from "./SignedCalls.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";

/// @notice An ERC-1271 signer that tries to change the registry's state while its signature is being checked.
contract ReenteringWallet {
    IDataRegistry public registry;

    constructor(IDataRegistry registry_) {
        registry = registry_;
    }

    function isValidSignature(bytes32, bytes calldata) external returns (bytes4) {
        IDataRegistry.Registration memory r;
        r.contentHash = keccak256("smuggled in during the check");
        r.metadataCid = keccak256("m");
        r.holders = new IDataRegistry.RightHolder[](1);
        r.holders[0] = IDataRegistry.RightHolder(address(this), 7);
        registry.register(r); // reverts under the STATICCALL the registry makes
        return 0x1626ba7e;
    }
}

/// @notice Every signed path of the registry against every signature attack, table-driven: the paths are the
/// rows (registerBySig, grantBySig, transferBySig, revokeBySig, renewBySig, the ListingRegistry's
/// ListingConsent, the forwarder's ForwardRequest), each test is a column and asserts the attack is refused on
/// every path with the error that names it. `forge test --match-contract SignatureAttacks -vv` prints the table.
/// Each attack starts from a signature that is accepted when nothing is tampered with (the baseline column),
/// so a refusal is never vacuous.
contract SignatureAttacksTest is SignedCalls {
    Deployment internal d2;

    function setUp() public override {
        super.setUp();
        // A second deployment on the same chain, in the same state: the same asset id (it does not depend on the
        // contract's address), the same grant, the same participants.
        d2 = deploy();
        _admit(d2);
        assertEq(_register(d2, who[HOLDER], "asset"), asset, "asset ids are the same in every deployment");
        vm.prank(who[HOLDER]);
        d2.registry.grant(asset, 2, terms(who[GRANTEE], 0));
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The attacks, one column each
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function test_baseline_validSignatureAcceptedOnEveryPath() public {
        _header("baseline: a valid signature, submitted once");
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            (bool ok, bytes4 err) = _submit(Path(p), _sig(), d);
            _report(p, "accepted");
            assertTrue(ok, string.concat(pathNames[p], ": valid signature refused with ", _hex(err)));
            vm.revertToStateAndDelete(snapshot);
        }
    }

    function test_attack_replay_refusedOnEveryPath() public {
        _header("replay: the same signature submitted a second time");
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            Sig memory s = _sig();
            (address submitter, address target, bytes memory data) = _signed(Path(p), s, d);
            vm.prank(submitter);
            (bool first,) = target.call(data);
            assertTrue(first, "the first submission is accepted");
            vm.prank(submitter);
            (bool ok, bytes memory ret) = target.call(data);
            if (Path(p) == Path.ListingConsent) {
                // Consent ids are unordered nonces (issue 17): a replay names the used id.
                assertTrue(!ok, "ListingConsent: replay accepted");
                assertEq(bytes32(bytes4(ret)), bytes32(IListingRegistry.ConsentUsed.selector), "ListingConsent: used id");
                _report(p, "refused ConsentUsed");
            } else {
                _expectRefused(Path(p), ok, ret, false);
            }
            vm.revertToStateAndDelete(snapshot);
        }
    }

    function test_attack_crossChainReplay_refusedOnEveryPath() public {
        _header("cross-chain: signed on this chain, submitted after the chain id changes (vm.chainId)");
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            (address submitter, address target, bytes memory data) = _signed(Path(p), _sig(), d);
            vm.chainId(block.chainid + 1); // a fork or another network with the same contract addresses
            vm.prank(submitter);
            (bool ok, bytes memory ret) = target.call(data);
            _expectRefused(Path(p), ok, ret, false);
            vm.revertToStateAndDelete(snapshot);
        }
    }

    function test_attack_signedForAnotherChain_refusedOnEveryPath() public {
        _header("cross-chain: signed for another chain id, submitted here");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            s.chainId = block.chainid + 1;
            _attempt(Path(p), s, d, false);
        }
    }

    function test_attack_crossDeploymentReplay_refusedOnEveryPath() public {
        _header("cross-deployment: signed for deployment 1, submitted to deployment 2 (same chain, same asset id)");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            s.verifying = _ownContract(Path(p), d); // deployment 1's contract in the domain ...
            _attempt(Path(p), s, d2, false); // ... everything else, nonce included, for deployment 2
        }
    }

    function test_attack_crossContractReplay_refusedOnEveryPath() public {
        _header("cross-contract: the same typed data signed under another registry contract's domain");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            if (p < uint256(Path.ListingConsent)) {
                (s.domainName, s.verifying) = ("ListingRegistry", address(d.listings));
            } else {
                (s.domainName, s.verifying) = ("DataRegistry", address(d.registry));
            }
            _attempt(Path(p), s, d, false);
        }
    }

    function test_attack_expiredDeadline_refusedOnEveryPath() public {
        _header("expired: submitted one second after the deadline");
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            Sig memory s = _sig();
            (address submitter, address target, bytes memory data) = _signed(Path(p), s, d);
            vm.warp(s.deadline + 1);
            vm.prank(submitter);
            (bool ok, bytes memory ret) = target.call(data);
            _expectRefused(Path(p), ok, ret, true);
            vm.revertToStateAndDelete(snapshot);
        }
    }

    function test_attack_malleableHighS_refusedOnEveryPath() public {
        _header("malleable: the high-s twin (n - s, v flipped) of a valid signature");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            s.malleate = true;
            _attempt(Path(p), s, d, false);
        }
    }

    function test_attack_wrongSigner_refusedOnEveryPath() public {
        _header("wrong signer: the outsider signs in the holder's name");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            s.key = keys[OUTSIDER];
            _attempt(Path(p), s, d, false);
        }
    }

    function test_attack_tamperedField_refusedOnEveryPath() public {
        _header("tampered: the submitter changes a signed field (recipient, reason, term, listing id, call)");
        for (uint256 p; p < PATHS; ++p) {
            Sig memory s = _sig();
            s.tamper = true;
            _attempt(Path(p), s, d, false);
        }
    }

    function test_attack_erc1271SignerChangesItsAnswer_refusedOnEveryPath() public {
        _header("ERC-1271: the wallet approved the digest when signing, and withdrew it before submission");
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            Sig memory s = _walletSig();
            (address submitter, address target, bytes memory data) = _signed(Path(p), s, d);
            if (Path(p) != Path.Forward) {
                assertTrue(wallet.isValidSignature(lastDigest, "") == 0x1626ba7e, "valid at signing");
            }
            wallet.withdraw(lastDigest);
            vm.prank(submitter);
            (bool ok, bytes memory ret) = target.call(data);
            _expectRefused(Path(p), ok, ret, false);
            vm.revertToStateAndDelete(snapshot);
        }
    }

    /// @dev The control for the ERC-1271 column: a wallet that keeps its answer is accepted by every path that
    /// supports contract signers; the forwarder supports EOAs only (OpenZeppelin's ECDSA check), so a wallet's
    /// request is refused even then.
    function test_erc1271_walletThatKeepsItsAnswer_acceptedExceptByTheForwarder() public {
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            (bool ok, bytes4 err) = _submit(Path(p), _walletSig(), d);
            if (Path(p) == Path.Forward) {
                assertTrue(!ok && err == ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector, "EOA only");
            } else {
                assertTrue(ok, string.concat(pathNames[p], ": wallet signature refused"));
            }
            vm.revertToStateAndDelete(snapshot);
        }
    }

    // ───────────────────────────── attacks that need their own set-up ─────────────────────────────

    /// @dev A signature of one contract presented, bytes and all, to the other: a DataRegistry `Transfer` as a
    /// listing consent, a `ListingConsent` as a transfer, a `ForwardRequest` signature as a transfer.
    function test_attack_signatureOfOneContractPresentedToAnother_refused() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 transferHash =
            keccak256(abi.encode(TRANSFER_TYPEHASH, who[HOLDER], asset, uint256(3), who[EXCHANGE], uint256(0), deadline));
        bytes memory transferSig = sign(keys[HOLDER], digest(d.registry.DOMAIN_SEPARATOR(), transferHash));
        IListingRegistry.ListingRequest memory req = listingRequest(asset, "SIG-X");
        vm.prank(who[EXCHANGE]);
        vm.expectRevert(abi.encodeWithSelector(IListingRegistry.InvalidSignature.selector, who[HOLDER]));
        d.listings.list(req, who[HOLDER], 0, deadline, transferSig);

        bytes memory consentSig = sign(
            keys[HOLDER], digest(d.listings.DOMAIN_SEPARATOR(), consentHash(who[HOLDER], who[EXCHANGE], req, 0, deadline))
        );
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, who[HOLDER]));
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], deadline, consentSig);

        ERC2771Forwarder.ForwardRequestData memory fwd = forwardRequest(
            d.forwarder, keys[HOLDER], address(d.registry), abi.encodeCall(d.registry.transfer, (asset, 1, FRESH))
        );
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, who[HOLDER]));
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], fwd.deadline, fwd.signature);
    }

    /// @dev A signature for one operation is not good for another of the same contract: a `Renew` signature
    /// submitted as a `Revoke` with the same fields.
    function test_attack_signatureOfOneOperationUsedForAnother_refused() public {
        uint256 deadline = block.timestamp + 1 hours;
        uint64 until = uint64(block.timestamp + 30 days);
        bytes32 renewHash =
            keccak256(abi.encode(RENEW_TYPEHASH, who[HOLDER], asset, USAGE_GRANT, until, uint256(0), deadline));
        bytes memory sig = sign(keys[HOLDER], digest(d.registry.DOMAIN_SEPARATOR(), renewHash));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, who[HOLDER]));
        d.registry.revokeBySig(asset, USAGE_GRANT, uint16(until), bytes32(0), who[HOLDER], deadline, sig);
    }

    /// @dev The zero address has no key: a garbage signature "by" it is refused, not recovered as address(0).
    function test_attack_zeroAddressSigner_refused() public {
        IDataRegistry.Registration memory r = registration(address(0x1), keccak256("nobody's"));
        bytes memory garbage = abi.encodePacked(bytes32(0), bytes32(0), uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, address(0)));
        d.registry.registerBySig(r, address(0), block.timestamp + 1, garbage);
    }

    /// @dev The EIP-2098 compact (64-byte) form of a signature already used is no second chance: the nonce moved.
    function test_attack_compactFormOfUsedSignature_refused() public {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 h = keccak256(abi.encode(TRANSFER_TYPEHASH, who[HOLDER], asset, uint256(1), FRESH, uint256(0), deadline));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[HOLDER], digest(d.registry.DOMAIN_SEPARATOR(), h));
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], deadline, abi.encodePacked(r, s, v));
        bytes memory compact = abi.encodePacked(r, bytes32(uint256(s) | (uint256(v - 27) << 255)));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, who[HOLDER]));
        d.registry.transferBySig(asset, 1, FRESH, who[HOLDER], deadline, compact);
    }

    /// @dev An ERC-1271 signer is asked with STATICCALL: it cannot change state while its answer is awaited.
    function test_erc1271_signerCannotReenterDuringTheCheck() public {
        ReenteringWallet w = new ReenteringWallet(d.registry);
        IDataRegistry.Registration memory r = registration(address(w), keccak256("reentrant"));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, address(w)));
        d.registry.registerBySig(r, address(w), block.timestamp + 1, "");
        bytes32 smuggled = d.registry.assetIdOf(address(w), keccak256("smuggled in during the check"));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetNotFound.selector, smuggled));
        d.registry.getAsset(smuggled);
    }

    /// @dev A deadline is inclusive: good at its very second, refused one second later.
    function test_deadline_isInclusive() public {
        Sig memory s = _sig();
        s.deadline = block.timestamp;
        for (uint256 p; p < PATHS; ++p) {
            uint256 snapshot = vm.snapshotState();
            (bool ok, bytes4 err) = _submit(Path(p), s, d);
            assertTrue(ok, string.concat(pathNames[p], ": refused at its deadline with ", _hex(err)));
            vm.revertToStateAndDelete(snapshot);
        }
    }

    /// @dev Signs and submits in a snapshot, and expects the refusal that names the attack.
    function _attempt(Path p, Sig memory s, Deployment memory x, bool expired) internal {
        uint256 snapshot = vm.snapshotState();
        (address submitter, address target, bytes memory data) = _signed(p, s, x);
        vm.prank(submitter);
        (bool ok, bytes memory ret) = target.call(data);
        _expectRefused(p, ok, ret, expired);
        vm.revertToStateAndDelete(snapshot);
    }

    function _expectRefused(Path p, bool ok, bytes memory ret, bool expired) internal {
        bytes4 want;
        if (p == Path.Forward) {
            want = expired
                ? ERC2771Forwarder.ERC2771ForwarderExpiredRequest.selector
                : ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector;
        } else {
            // IListingRegistry declares the same two errors, with the same selectors.
            want = expired ? IDataRegistry.SignatureExpired.selector : IDataRegistry.InvalidSignature.selector;
        }
        bytes4 got = ret.length >= 4 ? bytes4(ret) : bytes4(0);
        _report(uint256(p), ok ? "ACCEPTED" : string.concat("refused ", _hex(got)));
        assertTrue(!ok, string.concat(pathNames[uint256(p)], ": attack accepted"));
        assertEq(bytes32(got), bytes32(want), string.concat(pathNames[uint256(p)], ": refused with another error"));
    }

    function _header(string memory attack) internal view {
        log(string.concat("\n", attack));
    }

    function _report(uint256 p, string memory outcome) internal view {
        log(string.concat("  ", pathNames[p], ": ", outcome));
    }

}
