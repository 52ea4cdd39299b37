// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase, ApprovingWallet} from "./DataRegistryBase.t.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";

contract DataRegistryRegisterTest is DataRegistryBase {
    // ───────────────────────────── own transaction ─────────────────────────────

    function test_register_recordsAssetWithImplicitRights_whenRegistrantHoldsAll() public {
        bytes32 assetId = _registerAs(alice, keccak256("data"), ALL);

        assertEq(assetId, keccak256(abi.encode(alice, keccak256("data"))), "asset id derivation");
        assertEq(assetId, registry.assetIdOf(alice, keccak256("data")), "assetIdOf");
        IDataRegistry.AssetView memory a = registry.getAsset(assetId);
        assertEq(a.registrant, alice, "registrant");
        assertTrue(a.status == IDataRegistry.AssetStatus.Active, "status");
        assertEq(a.version, 1, "version");
        assertEq(a.rightCount, 3, "primary rights reserved");
        for (uint256 kind; kind < 3; ++kind) {
            IDataRegistry.RightView memory right = registry.getRight(assetId, kind + 1);
            assertEq(right.holder, alice, "holder");
            assertEq(uint256(right.kind), kind, "kind");
            assertEq(right.parentIndex, 0, "root right");
            assertTrue(right.subGrantable && right.transferable && !right.revoked, "root flags");
            assertTrue(registry.isRightValid(assetId, kind + 1), "valid");
        }
    }

    function test_register_emitsEvents_inDocumentedOrder() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders2(alice, HOLDING, bob, USAGE));
        bytes32 assetId = registry.assetIdOf(alice, r.contentHash);

        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.AssetRegistered(assetId, alice, alice, r.contentHash, r.contentCid, METADATA, 0, 0);
        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.RightAssigned(assetId, 1, alice, IDataRegistry.RightKind.Holding);
        vm.prank(alice);
        registry.register(r);
    }

    function test_register_storesSeparateHolders_perKind() public {
        IDataRegistry.Registration memory r =
            _registration(keccak256("data"), _holders2(alice, HOLDING | USAGE, bob, OPERATING));
        vm.prank(alice);
        bytes32 assetId = registry.register(r);

        assertEq(registry.getRight(assetId, 1).holder, alice, "holding");
        assertEq(registry.getRight(assetId, 2).holder, alice, "usage");
        assertEq(registry.getRight(assetId, 3).holder, bob, "operating");
        assertTrue(registry.getRight(assetId, 3).kind == IDataRegistry.RightKind.Operating, "kind");
        assertTrue(registry.getRight(assetId, 3).transferable, "stored root right is transferable");
    }

    function test_register_givesCoHoldersOwnIndices_whenSeveralHoldTheSameRight() public {
        // Art. 21: the same right over the same data may be held by several parties at once.
        IDataRegistry.RightHolder[] memory h = new IDataRegistry.RightHolder[](3);
        address[3] memory sorted = _sorted(alice, bob, carol);
        for (uint256 i; i < 3; ++i) {
            h[i] = IDataRegistry.RightHolder(sorted[i], HOLDING | USAGE);
        }
        vm.prank(alice);
        bytes32 assetId = registry.register(_registration(keccak256("data"), h));

        assertEq(registry.getAsset(assetId).rightCount, 7, "3 primary + 4 co-held");
        // The registrant's own rights take the primary indices, whatever its address order.
        assertEq(registry.getRight(assetId, 1).holder, alice, "primary holding");
        assertEq(registry.getRight(assetId, 2).holder, alice, "primary usage");
        address firstOther = sorted[0] == alice ? sorted[1] : sorted[0];
        address lastOther = sorted[2] == alice ? sorted[1] : sorted[2];
        assertEq(registry.getRight(assetId, 4).holder, firstOther, "co-holder");
        assertTrue(registry.getRight(assetId, 4).kind == IDataRegistry.RightKind.Holding, "co-holder kind");
        assertEq(registry.getRight(assetId, 7).holder, lastOther, "last co-holder");
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightNotFound.selector, assetId, 3));
        registry.getRight(assetId, 3); // nobody holds the operating right
    }

    function test_register_revertsWhen_sameRegistrantRegistersSameContentTwice() public {
        bytes32 assetId = _registerAs(alice, keccak256("data"), ALL);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetAlreadyRegistered.selector, assetId));
        _registerAs(alice, keccak256("data"), ALL);
    }

    function test_register_acceptsSameContent_fromAnotherRegistrant() public {
        bytes32 a = _registerAs(alice, keccak256("data"), ALL);
        bytes32 b = _registerAs(bob, keccak256("data"), ALL);
        assertTrue(a != b, "distinct ids");
    }

    function test_register_revertsWhen_declarationIsMalformed() public {
        IDataRegistry.Registration memory r = _registration(bytes32(0), _holders1(alice, ALL));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.MissingContentHash.selector));
        registry.register(r);

        r = _registration(keccak256("data"), _holders1(alice, ALL));
        r.metadataCid = bytes32(0);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.MissingMetadata.selector));
        registry.register(r);

        r.metadataCid = METADATA;
        r.classification = 3;
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidClassification.selector, uint8(3)));
        registry.register(r);

        r.classification = 1;
        r.attributes = 0x08; // the derived bit is the contract's to set
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidAttributes.selector, uint8(0x08)));
        registry.register(r);
    }

    function test_register_revertsWhen_holdersAreInvalid() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, USAGE));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.MissingHoldingRight.selector));
        registry.register(r);

        r.holders = _holders1(address(0), ALL);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidHolder.selector, 0, address(0), ALL));
        registry.register(r);

        r.holders = _holders1(alice, 8);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidHolder.selector, 0, alice, uint8(8)));
        registry.register(r);

        r.holders = new IDataRegistry.RightHolder[](2);
        r.holders[0] = IDataRegistry.RightHolder(alice, HOLDING);
        r.holders[1] = IDataRegistry.RightHolder(alice, USAGE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.HoldersNotSorted.selector, 1, alice));
        registry.register(r);

        (address low, address high) = alice < bob ? (alice, bob) : (bob, alice);
        r.holders[0] = IDataRegistry.RightHolder(high, HOLDING);
        r.holders[1] = IDataRegistry.RightHolder(low, USAGE);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.HoldersNotSorted.selector, 1, low));
        registry.register(r);
    }

    function test_registerBatch_registersAll_orNone() public {
        IDataRegistry.Registration[] memory batch = new IDataRegistry.Registration[](3);
        for (uint256 i; i < 3; ++i) {
            batch[i] = _registration(keccak256(abi.encode(i)), _holders1(alice, ALL));
        }
        vm.prank(alice);
        bytes32[] memory ids = registry.registerBatch(batch);
        assertEq(ids.length, 3, "ids");
        assertEq(registry.getAsset(ids[2]).registrant, alice, "last registered");

        batch[2].contentHash = keccak256("new");
        batch[0].contentHash = keccak256("also new");
        batch[1].contentHash = keccak256(abi.encode(uint256(1))); // already registered: the whole batch fails
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetAlreadyRegistered.selector, ids[1]));
        registry.registerBatch(batch);
        bytes32 notRegistered = registry.assetIdOf(alice, keccak256("also new"));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetNotFound.selector, notRegistered));
        registry.getAsset(notRegistered);
    }

    // ───────────────────────────── derived data ─────────────────────────────

    function test_register_recordsLineage_whenRegistrantHoldsUsageRightOverSources() public {
        bytes32 source = _registerAs(bob, keccak256("source"), HOLDING);
        // Bob keeps holding and operating, Alice received the usage right at registration.
        IDataRegistry.Registration memory s =
            _registration(keccak256("source2"), _holders2(bob, HOLDING | OPERATING, alice, USAGE));
        vm.prank(bob);
        bytes32 source2 = registry.register(s);
        vm.prank(alice);
        registry.acceptRight(source2, 2); // Alice accepts the usage right named to her

        IDataRegistry.Registration memory r = _registration(keccak256("derived"), _holders1(alice, ALL));
        r.sources = new IDataRegistry.Source[](1);
        r.sources[0] = IDataRegistry.Source(source2, 2);
        bytes32 derivedId = registry.assetIdOf(alice, r.contentHash);
        vm.expectEmit(true, true, false, true);
        emit IDataRegistry.AssetDerived(derivedId, source2, 2);
        vm.prank(alice);
        registry.register(r);
        assertEq(registry.getAsset(derivedId).attributes, 0x08, "derived bit set");

        // Without a usage right over the source: refused, naming the right and the account.
        r.contentHash = keccak256("derived again");
        r.sources[0] = IDataRegistry.Source(source, 1);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.NotRightHolder.selector, source, 1, alice));
        registry.register(r);
    }

    function test_register_revertsWhen_sourceRightIsOfAnotherKindOrMissing() public {
        bytes32 source = _registerAs(alice, keccak256("source"), HOLDING | OPERATING);
        IDataRegistry.Registration memory r = _registration(keccak256("derived"), _holders1(alice, ALL));
        r.sources = new IDataRegistry.Source[](1);
        r.sources[0] = IDataRegistry.Source(source, 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDataRegistry.WrongRightKind.selector,
                source,
                1,
                IDataRegistry.RightKind.Usage,
                IDataRegistry.RightKind.Holding
            )
        );
        registry.register(r);

        r.sources[0] = IDataRegistry.Source(source, 2);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.RightNotFound.selector, source, 2));
        registry.register(r);

        r.sources[0] = IDataRegistry.Source(keccak256("nothing"), 2);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.AssetNotFound.selector, keccak256("nothing")));
        registry.register(r);
    }

    function test_register_revertsWhen_sourceRepeats() public {
        bytes32 source = _registerAs(alice, keccak256("source"), ALL);
        IDataRegistry.Registration memory r = _registration(keccak256("derived"), _holders1(alice, ALL));
        r.sources = new IDataRegistry.Source[](2);
        r.sources[0] = IDataRegistry.Source(source, 2);
        r.sources[1] = IDataRegistry.Source(source, 2);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSource.selector, 1, source));
        registry.register(r);
    }

    // ───────────────────────────── relayed (EIP-712) ─────────────────────────────

    function test_registerBySig_registersForSigner_andRecordsRelayer() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        bytes32 assetId = registry.assetIdOf(alice, r.contentHash);

        vm.expectEmit(true, true, true, true);
        emit IDataRegistry.AssetRegistered(assetId, alice, relayer, r.contentHash, r.contentCid, METADATA, 0, 0);
        vm.prank(relayer);
        registry.registerBySig(r, alice, deadline, sig);

        assertEq(registry.getAsset(assetId).registrant, alice, "registrant is the signer");
        assertEq(registry.nonces(alice), 1, "nonce consumed");
    }

    function test_registerBySig_revertsWhen_replayed() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        vm.prank(relayer);
        registry.registerBySig(r, alice, deadline, sig);

        vm.prank(relayer);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, sig);
    }

    function test_registerBySig_revertsWhen_expired() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 60;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.SignatureExpired.selector, deadline, deadline + 1));
        registry.registerBySig(r, alice, deadline, sig);
    }

    function test_registerBySig_revertsWhen_signedForAnotherChain() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        vm.chainId(block.chainid + 1);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, sig);
    }

    function test_registerBySig_revertsWhen_signedForAnotherRegistry() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        registry = new DataRegistry(participants, address(forwarder)); // a second deployment: same code, same chain, another address
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, sig);
    }

    function test_registerBySig_revertsWhen_forgedOrTampered() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        // Bob signs a registration in Alice's name.
        bytes memory forged = _sign(BOB_KEY, _registerDigest(r, alice, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, forged);

        // Alice signs; the relayer changes who gets the rights.
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        r.holders = _holders1(relayer, ALL);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, sig);

        // The relayer extends the deadline.
        r.holders = _holders1(alice, ALL);
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline + 1, sig);
    }

    function test_registerBySig_revertsWhen_signatureIsMalleated() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        // The other valid-looking signature of the same digest: s' = n - s, v flipped.
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        bytes memory malleated = abi.encodePacked(rr, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, alice));
        registry.registerBySig(r, alice, deadline, malleated);
    }

    function test_registerBySig_acceptsContractSigner_thatApprovesDigest() public {
        ApprovingWallet wallet = new ApprovingWallet();
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(address(wallet), ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _registerDigest(r, address(wallet), 0, deadline);

        vm.expectRevert(abi.encodeWithSelector(IDataRegistry.InvalidSignature.selector, address(wallet)));
        registry.registerBySig(r, address(wallet), deadline, "");

        wallet.approve(digest);
        vm.prank(relayer);
        bytes32 assetId = registry.registerBySig(r, address(wallet), deadline, "");
        assertEq(registry.getAsset(assetId).registrant, address(wallet), "multisig is registrant");
        assertEq(registry.getRight(assetId, 3).holder, address(wallet), "multisig holds operating right");
    }

    // ───────────────────────────── fuzz ─────────────────────────────

    /// @dev Any set of up to six holders with any kinds: every right assigned can be read back, each kind's
    /// first claimant is at its primary index, and nothing else exists.
    function testFuzz_register_assignsEveryDeclaredRight(uint256 seed, uint8 count) public {
        count = uint8(bound(count, 1, 6));
        vm.assume(bytes32(seed | 1) != sha256("")); // empty content is refused (tested on its own)
        IDataRegistry.RightHolder[] memory h = new IDataRegistry.RightHolder[](count);
        uint160 account = uint160(bound(seed, 1, type(uint160).max - 1000));
        uint256 expectedRights = 3;
        uint8 claimed;
        for (uint256 i; i < count; ++i) {
            account += uint160(bound(uint256(keccak256(abi.encode(seed, i))), 1, 100));
            uint8 kinds = uint8(bound(uint256(keccak256(abi.encode(seed, i, "k"))), 1, 7));
            if (i == 0) kinds |= HOLDING;
            h[i] = IDataRegistry.RightHolder(address(account), kinds);
            for (uint8 k; k < 3; ++k) {
                if (kinds & (1 << k) == 0) continue;
                if (claimed & (1 << k) == 0) claimed |= uint8(1 << k);
                else expectedRights++;
            }
        }
        vm.prank(h[0].account);
        bytes32 assetId = registry.register(_registration(bytes32(seed | 1), h));
        _acceptAll(assetId); // every named holder but the registrant accepts

        assertEq(registry.getAsset(assetId).rightCount, expectedRights, "right count");
        for (uint8 k; k < 3; ++k) {
            assertEq(registry.isRightValid(assetId, k + 1), claimed & (1 << k) != 0, "primary right present");
        }
        for (uint256 i = 4; i <= expectedRights; ++i) {
            IDataRegistry.RightView memory right = registry.getRight(assetId, i);
            assertTrue(right.holder != h[0].account, "first holder never needs a co-holder index");
            assertTrue(registry.isRightValid(assetId, i), "co-held right valid");
        }
        assertTrue(!registry.isRightValid(assetId, expectedRights + 1), "nothing beyond the count");
    }

    function testFuzz_assetIdOf_matchesRegisteredId(address registrant, bytes32 contentHash) public {
        vm.assume(registrant != address(0) && contentHash != bytes32(0) && registrant.code.length == 0);
        vm.prank(registrant);
        bytes32 assetId = registry.register(_registration(contentHash, _holders1(registrant, ALL)));
        assertEq(assetId, registry.assetIdOf(registrant, contentHash), "deterministic id");
    }

    function _sorted(address a, address b, address c) private pure returns (address[3] memory s) {
        s = [a, b, c];
        for (uint256 i; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (s[j] < s[i]) (s[i], s[j]) = (s[j], s[i]);
            }
        }
    }
}
