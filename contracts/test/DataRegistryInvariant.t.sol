// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";

/// @notice Acts as several parties at random: registers, grants, transfers, revokes, renews and lets time
/// pass, keeping a ghost copy of every right to compare with the contract.
contract RightsHandler is Test {
    struct Ghost {
        address holder;
        uint256 parent;
        uint64 validUntil;
        bool revoked;
        bool pending;
    }

    DataRegistry public immutable registry;
    address[4] public actors = [address(0xA1), address(0xB2), address(0xC3), address(0xD4)];
    bytes32[] public assets;
    mapping(bytes32 assetId => uint256) public rightCount;
    mapping(bytes32 assetId => mapping(uint256 index => Ghost)) internal _ghost;
    uint256 public grants;
    uint256 public transfers;
    uint256 public revocations;
    uint256 public renewals;

    constructor(DataRegistry registry_) {
        registry = registry_;
    }

    function ghost(bytes32 assetId, uint256 index) external view returns (Ghost memory) {
        return _ghost[assetId][index];
    }

    function assetCount() external view returns (uint256) {
        return assets.length;
    }

    function register(uint256 actorSeed, uint256 salt) external {
        address actor = actors[actorSeed % 4];
        IDataRegistry.Registration memory r;
        r.contentHash = keccak256(abi.encode(salt, assets.length));
        r.metadataCid = keccak256("m");
        r.holders = new IDataRegistry.RightHolder[](1);
        r.holders[0] = IDataRegistry.RightHolder(actor, 7);
        vm.prank(actor);
        bytes32 id = registry.register(r);
        assets.push(id);
        rightCount[id] = 3;
        for (uint256 i = 1; i <= 3; ++i) {
            _ghost[id][i] = Ghost(actor, 0, 0, false, false);
        }
    }

    function _pick(uint256 seed) internal view returns (bytes32 id, uint256 index, bool ok) {
        if (assets.length == 0) return (bytes32(0), 0, false);
        id = assets[seed % assets.length];
        index = 1 + (seed / 7) % rightCount[id];
        ok = true;
    }

    function grant(uint256 seed, uint256 granteeSeed, uint32 duration) public virtual {
        (bytes32 id, uint256 parent, bool ok) = _pick(seed);
        if (!ok) return;
        IDataRegistry.GrantTerms memory t;
        t.grantee = actors[granteeSeed % 4];
        t.subGrantable = true;
        t.transferable = true;
        Ghost memory p = _ghost[id][parent];
        t.validUntil = p.validUntil == 0 && duration % 3 == 0
            ? 0
            : uint64(block.timestamp + bound(duration, 1, 30 days));
        if (p.validUntil != 0 && t.validUntil > p.validUntil) t.validUntil = p.validUntil;
        vm.prank(p.holder);
        try registry.grant(id, parent, t) returns (uint256 index) {
            rightCount[id] = index;
            _ghost[id][index] = Ghost(t.grantee, parent, t.validUntil, false, false);
            grants++;
        } catch {}
    }

    function transfer(uint256 seed, uint256 toSeed) public virtual {
        (bytes32 id, uint256 index, bool ok) = _pick(seed);
        if (!ok) return;
        address to = actors[toSeed % 4];
        vm.prank(_ghost[id][index].holder);
        try registry.transfer(id, index, to) {
            _ghost[id][index].holder = to;
            transfers++;
        } catch {}
    }

    function revoke(uint256 seed) external {
        (bytes32 id, uint256 index, bool ok) = _pick(seed);
        if (!ok || _ghost[id][index].parent == 0) return;
        vm.prank(_ghost[id][_ghost[id][index].parent].holder);
        try registry.revoke(id, index, 1, bytes32(0)) {
            _ghost[id][index].revoked = true;
            revocations++;
        } catch {}
    }

    function renew(uint256 seed, uint32 extra) external {
        (bytes32 id, uint256 index, bool ok) = _pick(seed);
        if (!ok || _ghost[id][index].parent == 0) return;
        Ghost memory p = _ghost[id][_ghost[id][index].parent];
        uint64 until = uint64(block.timestamp + bound(extra, 1, 60 days));
        if (p.validUntil != 0 && until > p.validUntil) until = p.validUntil;
        vm.prank(p.holder);
        try registry.renew(id, index, until) {
            _ghost[id][index].validUntil = until;
            renewals++;
        } catch {}
    }

    function passTime(uint32 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 20 days));
    }
}

contract DataRegistryInvariantTest is Test {
    DataRegistry internal registry;
    RightsHandler internal handler;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        registry = new DataRegistry(new ParticipantRegistry(address(this), address(0)), address(0));
        handler = new RightsHandler(registry);
    }

    function targetContracts() public view virtual returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev The handler's operations succeed when they should: otherwise the invariants would pass vacuously.
    function test_handler_exercisesEveryOperation() public {
        handler.register(0, 1);
        bytes32 id = handler.assets(0);
        // seed 0 picks right 1 of the only asset; grant to actor 1 with a 1-day term
        handler.grant(0, 1, 1 days);
        assertEq(handler.grants(), 1, "grant");
        handler.transfer(7 * 3, 2); // right 4 (the grant) to actor 2
        assertEq(handler.transfers(), 1, "transfer");
        handler.renew(7 * 3, 5 days);
        assertEq(handler.renewals(), 1, "renew");
        handler.revoke(7 * 3);
        assertEq(handler.revocations(), 1, "revoke");
        assertTrue(registry.getRight(id, 4).revoked, "revoked on chain");
        invariant_rightsEqualWhatTheOperationsSay();
        invariant_validGrantsHaveValidAncestors_andRevokedGrantsAreInvalid();
    }

    /// @dev Every right the contract reports equals what the operations made of it, and the right count too.
    function invariant_rightsEqualWhatTheOperationsSay() public view {
        for (uint256 a; a < handler.assetCount(); ++a) {
            bytes32 id = handler.assets(a);
            assertEq(registry.getAsset(id).rightCount, handler.rightCount(id), "right count");
            for (uint256 i = 1; i <= handler.rightCount(id); ++i) {
                IDataRegistry.RightView memory r = registry.getRight(id, i);
                RightsHandler.Ghost memory g = handler.ghost(id, i);
                assertEq(r.holder, g.holder, "holder");
                assertEq(r.parentIndex, g.parent, "parent");
                assertEq(r.validUntil, g.validUntil, "end of term");
                assertEq(r.revoked, g.revoked, "revoked");
                assertEq(r.pending, g.pending, "pending");
            }
        }
    }

    /// @dev No valid grant without a valid ancestor, and a revoked grant is never valid.
    function invariant_validGrantsHaveValidAncestors_andRevokedGrantsAreInvalid() public view {
        for (uint256 a; a < handler.assetCount(); ++a) {
            bytes32 id = handler.assets(a);
            for (uint256 i = 1; i <= handler.rightCount(id); ++i) {
                RightsHandler.Ghost memory g = handler.ghost(id, i);
                bool valid = registry.isRightValid(id, i);
                if (g.revoked) assertTrue(!valid, "a revoked grant is never valid");
                if (valid && g.parent != 0) assertTrue(registry.isRightValid(id, g.parent), "valid ancestor");
                if (valid) assertTrue(g.validUntil == 0 || g.validUntil > block.timestamp, "within its term");
                if (valid) assertTrue(!g.pending, "a pending right is never valid");
            }
        }
    }
}
