// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "./utils/Vm.sol";
import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";

/// @notice The rights lifecycle: grants with terms, transfers, revocation, expiry and renewal.
contract DataRegistryRightsTest is DataRegistryBase {
    bytes32 internal assetId;

    function setUp() public override {
        super.setUp();
        assetId = _registerAs(alice, keccak256("data"), ALL);
    }

    function _terms(address grantee, uint64 until) internal pure returns (IDataRegistry.GrantTerms memory t) {
        t.grantee = grantee;
        t.validUntil = until;
        t.subGrantable = true;
        t.transferable = true;
        t.purpose = unicode"交通规划研究";
        t.territory = "3502";
        t.quantity = 1_000_000;
        t.termsCid = keccak256("terms");
    }

    function _grant(address grantor, uint256 parent, address grantee, uint64 until) internal returns (uint256) {
        vm.prank(grantor);
        return registry.grant(assetId, parent, _terms(grantee, until));
    }

    // ───────────────────────────── grant ─────────────────────────────

    function test_grant_createsChildOfParentKind_withTerms() public {
        IDataRegistry.GrantTerms memory t = _terms(bob, uint64(block.timestamp + 30 days));
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightGranted(assetId, bob, alice, 4, 2, IDataRegistry.RightKind.Usage, t);
        vm.prank(alice);
        uint256 index = registry.grant(assetId, 2, t);

        assertEq(index, 4, "first grant after the primary rights");
        IDataRegistry.RightView memory r = registry.getRight(assetId, index);
        assertEq(r.holder, bob, "holder");
        assertTrue(r.kind == IDataRegistry.RightKind.Usage, "kind of the parent");
        assertEq(r.parentIndex, 2, "parent");
        assertEq(r.validUntil, t.validUntil, "end");
        assertTrue(r.subGrantable && r.transferable && !r.revoked, "flags");
        assertTrue(registry.isRightValid(assetId, index), "valid");
        uint256[] memory chain = registry.rightChain(assetId, index);
        assertEq(chain.length, 2, "chain length");
        assertEq(chain[1], 2, "chain root");
    }

    /// @dev The log `_emitRightGranted` writes by hand must be byte for byte the compiler's encoding of the event.
    function _assertGrantLog(IDataRegistry.GrantTerms memory t, uint256 index, uint256 parent) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one log");
        assertEq(logs[0].topics.length, 4, "four topics");
        assertEq(logs[0].topics[0], IDataRegistry.RightGranted.selector, "event");
        assertEq(logs[0].topics[1], assetId, "asset");
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(t.grantee))), "grantee");
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(alice))), "grantor");
        assertEq(
            keccak256(logs[0].data), keccak256(abi.encode(index, parent, IDataRegistry.RightKind.Usage, t)), "data"
        );
    }

    function testFuzz_grantEventIsTheAbiEncoding(
        string memory purpose,
        string memory territory,
        uint32 from,
        bool subGrantable,
        bool transferable,
        uint256 quantity,
        bytes32 termsCid
    ) public {
        IDataRegistry.GrantTerms memory t = _terms(bob, 0);
        t.validFrom = from;
        t.subGrantable = subGrantable;
        t.transferable = transferable;
        t.purpose = purpose;
        t.territory = territory;
        t.quantity = quantity;
        t.termsCid = termsCid;
        vm.recordLogs();
        vm.prank(alice);
        uint256 index = registry.grant(assetId, 2, t);
        _assertGrantLog(t, index, 2);
    }

    /// @dev Calldata a client may legally send but the compiler never writes: the strings in the other order and
    /// their padding full of ones. The log is still the canonical encoding (offsets recomputed, only the strings'
    /// bytes copied), so a handler that copied the terms' calldata as they are would fail here.
    function test_grant_eventIsCanonical_forNonCanonicalCalldata() public {
        IDataRegistry.GrantTerms memory t = _terms(bob, uint64(block.timestamp + 30 days));
        t.purpose = "abc";
        t.territory = "350200";
        bytes memory head = abi.encode(assetId, uint256(2), uint256(0x60));
        // Terms head: purpose at 0x160 (after territory's two words), territory at 0x120.
        bytes memory termsHead = abi.encode(
            t.grantee,
            t.validFrom,
            t.validUntil,
            t.subGrantable,
            t.transferable,
            uint256(0x160),
            uint256(0x120),
            t.quantity,
            t.termsCid
        );
        bytes32 ones = bytes32(type(uint256).max);
        bytes memory territoryWords = abi.encode(uint256(6), bytes32(bytes(t.territory)) | (ones >> 48));
        bytes memory purposeWords = abi.encode(uint256(3), bytes32(bytes(t.purpose)) | (ones >> 24));
        bytes memory callData =
            bytes.concat(IDataRegistry.grant.selector, head, termsHead, territoryWords, purposeWords);
        vm.recordLogs();
        vm.prank(alice);
        (bool ok, bytes memory ret) = address(registry).call(callData);
        assertTrue(ok, "granted");
        _assertGrantLog(t, abi.decode(ret, (uint256)), 2);
        assertEq(registry.getRight(assetId, 4).holder, bob, "stored");
    }

    function test_grant_revertsWhen_callerDoesNotHoldParent() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotRightHolder.selector, assetId, 2, bob));
        registry.grant(assetId, 2, _terms(carol, 0));
    }

    function test_grant_revertsWhen_parentIsNotSubGrantable() public {
        IDataRegistry.GrantTerms memory t = _terms(bob, 0);
        t.subGrantable = false;
        vm.prank(alice);
        uint256 index = registry.grant(assetId, 2, t);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotSubGrantable.selector, assetId, index));
        registry.grant(assetId, index, _terms(carol, 0));
    }

    function test_grant_revertsWhen_termOutlastsParentOrIsInvalid() public {
        uint64 end = uint64(block.timestamp + 10 days);
        uint256 index = _grant(alice, 2, bob, end);

        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.TermExceedsParent.selector, assetId, index, end));
        registry.grant(assetId, index, _terms(carol, end + 1));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.TermExceedsParent.selector, assetId, index, end));
        registry.grant(assetId, index, _terms(carol, 0)); // open-ended under a term that ends

        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IDataRegistry.InvalidTerm.selector, uint64(0), uint64(block.timestamp))
        );
        registry.grant(assetId, 2, _terms(carol, uint64(block.timestamp)));

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidRecipient.selector, alice));
        registry.grant(assetId, 2, _terms(alice, 0));
    }

    function test_grant_revertsWhen_chainWouldBeTooDeep() public {
        uint256 parent = 2;
        address holder = alice;
        for (uint256 i; i < registry.MAX_GRANT_DEPTH(); ++i) {
            address next = address(uint160(0x1000 + i));
            parent = _grant(holder, parent, next, 0);
            holder = next;
        }
        vm.prank(holder);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.GrantTooDeep.selector, assetId, parent, 8));
        registry.grant(assetId, parent, _terms(carol, 0));
    }

    function test_grant_revertsWhen_parentExpired() public {
        uint64 end = uint64(block.timestamp + 1 days);
        uint256 index = _grant(alice, 2, bob, end);
        vm.warp(end);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightExpired.selector, assetId, index, end));
        registry.grant(assetId, index, _terms(carol, 0));
    }

    // ───────────────────────────── transfer ─────────────────────────────

    function test_transfer_movesImplicitPrimaryRight_andGrantsMadeFromItStayValid() public {
        uint256 grantIndex = _grant(alice, 3, carol, 0);
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightTransferred(assetId, alice, bob, 3);
        vm.prank(alice);
        registry.transfer(assetId, 3, bob);

        assertEq(registry.getRight(assetId, 3).holder, bob, "new holder");
        assertEq(registry.getRight(assetId, 1).holder, alice, "other rights untouched");
        assertTrue(registry.isRightValid(assetId, grantIndex), "grant survives the transfer");
        // The new holder is now the grantor of the grant made by the old one.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotGrantor.selector, assetId, grantIndex, alice));
        registry.revoke(assetId, grantIndex, 1, bytes32(0));
        vm.prank(bob);
        registry.revoke(assetId, grantIndex, 1, bytes32(0));
    }

    function test_transfer_revertsWhen_grantIsNotTransferable() public {
        IDataRegistry.GrantTerms memory t = _terms(bob, 0);
        t.transferable = false;
        vm.prank(alice);
        uint256 index = registry.grant(assetId, 1, t);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotTransferable.selector, assetId, index));
        registry.transfer(assetId, index, carol);
    }

    function test_transfer_revertsWhen_callerIsNotHolderOrRecipientInvalid() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotRightHolder.selector, assetId, 1, bob));
        registry.transfer(assetId, 1, carol);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidRecipient.selector, address(0)));
        registry.transfer(assetId, 1, address(0));
    }

    // ───────────────────────────── revoke, expiry, renew ─────────────────────────────

    function test_revoke_invalidatesEveryGrantUnderIt() public {
        uint256 child = _grant(alice, 2, bob, 0);
        uint256 grandchild = _grant(bob, child, carol, 0);
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightRevoked(assetId, bob, alice, child, 1, keccak256("evidence"));
        vm.prank(alice);
        registry.revoke(assetId, child, 1, keccak256("evidence"));

        (IDataRegistry.Validity validity, uint256 failing) = registry.rightValidity(assetId, grandchild);
        assertTrue(validity == IDataRegistry.Validity.Revoked, "grandchild invalid");
        assertEq(failing, child, "because its parent was revoked");
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightIsRevoked.selector, assetId, child));
        registry.grant(assetId, grandchild, _terms(address(0xD), 0));
    }

    function test_revoke_revertsWhen_notGrantorRootOrAlreadyRevoked() public {
        uint256 child = _grant(alice, 2, bob, 0);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotGrantor.selector, assetId, child, bob));
        registry.revoke(assetId, child, 1, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotAGrant.selector, assetId, 2));
        registry.revoke(assetId, 2, 1, bytes32(0));
        vm.prank(alice);
        registry.revoke(assetId, child, 1, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightIsRevoked.selector, assetId, child));
        registry.revoke(assetId, child, 1, bytes32(0));
    }

    function test_expiry_endsGrantWithoutTransaction_andRenewRestoresIt() public {
        uint64 end = uint64(block.timestamp + 7 days);
        uint256 child = _grant(alice, 2, bob, end);
        vm.warp(end - 1);
        assertTrue(registry.isRightValid(assetId, child), "valid before its end");
        vm.warp(end);
        (IDataRegistry.Validity validity,) = registry.rightValidity(assetId, child);
        assertTrue(validity == IDataRegistry.Validity.Expired, "expired at its end");

        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightRenewed(assetId, bob, alice, child, end, end + 30 days);
        vm.prank(alice);
        registry.renew(assetId, child, end + 30 days);
        assertTrue(registry.isRightValid(assetId, child), "valid again after renewal");
    }

    function test_renew_revertsWhen_revokedOrNotGrantor() public {
        uint256 child = _grant(alice, 2, bob, uint64(block.timestamp + 1 days));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotGrantor.selector, assetId, child, bob));
        registry.renew(assetId, child, uint64(block.timestamp + 2 days));
        vm.prank(alice);
        registry.revoke(assetId, child, 4, bytes32(0));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightIsRevoked.selector, assetId, child));
        registry.renew(assetId, child, uint64(block.timestamp + 2 days));
        assertTrue(!registry.isRightValid(assetId, child), "a revoked grant never becomes valid again");
    }

    function test_derive_revertsWhen_usageGrantExpired() public {
        uint64 end = uint64(block.timestamp + 1 days);
        uint256 usage = _grant(alice, 2, bob, end);
        IDataRegistry.Registration memory r = _registration(keccak256("derived"), _holders1(bob, ALL));
        r.sources = new IDataRegistry.Source[](1);
        r.sources[0] = IDataRegistry.Source(assetId, usage);
        vm.warp(end + 1);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightExpired.selector, assetId, usage, end));
        registry.register(r);
    }

    // ───────────────────────────── by signature ─────────────────────────────

    function _domainDigest(bytes32 structHash) internal view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", registry.DOMAIN_SEPARATOR(), structHash));
    }

    function _termsHash(IDataRegistry.GrantTerms memory t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256(
                    "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
                    "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
                ),
                t.grantee,
                t.validFrom,
                t.validUntil,
                t.subGrantable,
                t.transferable,
                keccak256(bytes(t.purpose)),
                keccak256(bytes(t.territory)),
                t.quantity,
                t.termsCid
            )
        );
    }

    function test_lifecycleBySig_relayedOperationsActForTheSigner_once() public {
        uint256 deadline = block.timestamp + 1 hours;
        IDataRegistry.GrantTerms memory t = _terms(bob, uint64(block.timestamp + 10 days));
        bytes32 grantHash = keccak256(
            abi.encode(
                keccak256(
                    "Grant(address grantor,bytes32 assetId,uint256 parentIndex,GrantTerms terms,uint256 nonce,uint256 deadline)"
                    "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
                    "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
                ),
                alice,
                assetId,
                uint256(2),
                _termsHash(t),
                uint256(0),
                deadline
            )
        );
        bytes memory sig = _sign(ALICE_KEY, _domainDigest(grantHash));
        vm.prank(relayer);
        uint256 child = registry.grantBySig(assetId, 2, t, alice, deadline, sig);
        assertEq(registry.getRight(assetId, child).holder, bob, "granted for the signer");
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.grantBySig(assetId, 2, t, alice, deadline, sig);

        bytes32 renewHash = keccak256(
            abi.encode(
                keccak256(
                    "Renew(address grantor,bytes32 assetId,uint256 rightIndex,uint64 validUntil,uint256 nonce,uint256 deadline)"
                ),
                alice,
                assetId,
                child,
                uint64(block.timestamp + 20 days),
                uint256(1),
                deadline
            )
        );
        registry.renewBySig(
            assetId, child, uint64(block.timestamp + 20 days), alice, deadline, _sign(ALICE_KEY, _domainDigest(renewHash))
        );
        assertEq(registry.getRight(assetId, child).validUntil, block.timestamp + 20 days, "renewed");

        bytes32 transferHash = keccak256(
            abi.encode(
                keccak256(
                    "Transfer(address holder,bytes32 assetId,uint256 rightIndex,address to,uint256 nonce,uint256 deadline)"
                ),
                bob,
                assetId,
                child,
                carol,
                uint256(0),
                deadline
            )
        );
        registry.transferBySig(assetId, child, carol, bob, deadline, _sign(BOB_KEY, _domainDigest(transferHash)));
        assertEq(registry.getRight(assetId, child).holder, carol, "transferred for the signer");

        bytes32 revokeHash = keccak256(
            abi.encode(
                keccak256(
                    "Revoke(address grantor,bytes32 assetId,uint256 rightIndex,uint16 reasonCode,bytes32 evidenceCid,"
                    "uint256 nonce,uint256 deadline)"
                ),
                alice,
                assetId,
                child,
                uint16(2),
                keccak256("evidence"),
                uint256(2),
                deadline
            )
        );
        bytes memory revokeSig = _sign(ALICE_KEY, _domainDigest(revokeHash));
        // A signature by the wrong party (the holder) for the grantor's operation is refused.
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, carol));
        registry.revokeBySig(assetId, child, 2, keccak256("evidence"), carol, deadline, revokeSig);
        registry.revokeBySig(assetId, child, 2, keccak256("evidence"), alice, deadline, revokeSig);
        assertTrue(registry.getRight(assetId, child).revoked, "revoked for the signer");
    }
}
