// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryInvariantTest, RightsHandler} from "./DataRegistryInvariant.t.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice The rights handler extended to the rest of the market, acting at random as holders, two exchanges, a
/// regulator, a registrar and the council admin: freezes and releases, pledges and their release (against the
/// right asset or, to try, another), cancellations, consents and listings (origin and cross-listings), listing
/// status changes, exchange suspensions, and the emergency pause. Every operation is tried; the ghost state
/// changes only when the contract accepts it.
contract MarketHandler is RightsHandler {
    struct Pledge {
        bytes32 assetId;
        bytes32 pledgeId;
        bool active;
    }

    struct Snapshot {
        uint256 rightCount;
        bytes32 holders;
    }

    address public constant ADMIN = address(0xAD);
    address public constant REGULATOR = address(0x6E6);
    address public constant REGISTRAR = address(0x4E6);
    address[2] public exchanges = [address(0xE1), address(0xE2)];

    ParticipantRegistry public immutable participants;
    ListingRegistry public immutable listings;

    mapping(bytes32 assetId => bool) public frozen;
    mapping(bytes32 assetId => bool) public cancelled;
    mapping(bytes32 assetId => Snapshot) internal _atFreeze;
    mapping(bytes32 assetId => Snapshot) internal _atFirstPledge;
    mapping(bytes32 assetId => uint256) public activePledges;
    Pledge[] public pledges;

    bool public paused;
    uint256 public writesAtPause;
    uint256 public remarks; // freezes, releases, pledges recorded and released, cancellations
    uint256 public listingWrites; // consents, listings, status changes
    uint256 public crossListings;
    uint256 public governance; // the admin's suspensions, reinstatements, pauses: allowed while paused

    constructor(DataRegistry registry_, ParticipantRegistry participants_, ListingRegistry listings_)
        RightsHandler(registry_)
    {
        participants = participants_;
        listings = listings_;
    }

    /// @dev Every write that the pause must stop, counted when the contract accepts it.
    function writes() public view returns (uint256) {
        return assets.length + grants + transfers + revocations + renewals + remarks + listingWrites;
    }

    function atFreeze(bytes32 id) external view returns (Snapshot memory) {
        return _atFreeze[id];
    }

    function atFirstPledge(bytes32 id) external view returns (Snapshot memory) {
        return _atFirstPledge[id];
    }

    function pledgeCount() external view returns (uint256) {
        return pledges.length;
    }

    // ───────────────────────────── remarks ─────────────────────────────

    function freeze(uint256 seed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        vm.prank(REGULATOR);
        try registry.freeze(id, "order", bytes32(0)) {
            frozen[id] = true;
            _atFreeze[id] = Snapshot(rightCount[id], holdersHash(id, false));
            remarks++;
        } catch {}
    }

    function releaseFreeze(uint256 seed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        vm.prank(REGULATOR);
        try registry.releaseFreeze(id, bytes32(0)) {
            frozen[id] = false;
            remarks++;
        } catch {}
    }

    function recordPledge(uint256 seed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        vm.prank(REGISTRAR);
        try registry.recordPledge(id, string(abi.encodePacked("ZD-", bytes32(pledges.length))), address(0xBA4C)) returns (
            bytes32 pledgeId
        ) {
            if (activePledges[id]++ == 0) _atFirstPledge[id] = Snapshot(rightCount[id], holdersHash(id, true));
            pledges.push(Pledge(id, pledgeId, true));
            remarks++;
        } catch {}
    }

    /// @dev Releases a recorded pledge against its own asset or, one time in three, against another asset that
    /// has an active pledge of its own (the case a pledge id alone would not tell apart).
    function releasePledge(uint256 pledgeSeed, uint256 assetSeed) external {
        if (pledges.length == 0) return;
        Pledge storage p = pledges[pledgeSeed % pledges.length];
        bytes32 against = p.assetId;
        if (assetSeed % 3 == 0) {
            for (uint256 i; i < pledges.length; ++i) {
                Pledge storage other = pledges[(assetSeed + i) % pledges.length];
                if (other.active && other.assetId != p.assetId) {
                    against = other.assetId;
                    break;
                }
            }
        }
        vm.prank(REGISTRAR);
        try registry.releasePledge(against, p.pledgeId) {
            // The ghost's truth: a pledge belongs to the asset it was recorded on.
            p.active = false;
            activePledges[p.assetId]--;
            remarks++;
        } catch {}
    }

    /// @dev Rare (one call in eight), so that most assets stay active.
    function cancel(uint256 seed) external {
        if (assets.length == 0 || seed % 8 != 0) return;
        bytes32 id = assets[(seed / 8) % assets.length];
        vm.prank(REGISTRAR);
        try registry.cancel(id, 4, bytes32(0)) {
            cancelled[id] = true;
            remarks++;
        } catch {}
    }

    // ───────────────────────────── listings ─────────────────────────────

    /// @dev The holder of an operating right consents by transaction and an exchange lists; half the time as a
    /// cross-listing of an existing listing on the other exchange.
    function list(uint256 seed, uint256 exchangeSeed) external {
        if (assets.length == 0) return;
        address exchange = exchanges[exchangeSeed % 2];
        IListingRegistry.ListingRequest memory r;
        address holder;
        uint256 count = listings.listingCount();
        if (count != 0 && seed % 2 == 1) {
            IListingRegistry.ListingView memory origin = listings.getListing(1 + (seed / 2) % count);
            r.originListingId = 1 + (seed / 2) % count;
            (r.assetId, r.rightIndex, holder) = (origin.assetId, origin.rightIndex, origin.holder);
        } else {
            (bytes32 id, uint256 index, bool ok) = _pick(seed);
            if (!ok || kindOf(id, index) != IDataRegistry.RightKind.Operating) return;
            (r.assetId, r.rightIndex, holder) = (id, index, _ghost[id][index].holder);
        }
        r.exchangeListingId = string(abi.encodePacked("L-", bytes32(count)));
        vm.prank(holder);
        try listings.approveListing(exchange, r) {
            listingWrites++;
        } catch {
            return;
        }
        vm.prank(exchange);
        try listings.list(r, holder, 0, "") {
            listingWrites++;
            if (r.originListingId != 0) crossListings++;
        } catch {}
    }

    /// @dev The exchange suspends, resumes or delists; or the holder of the operating right delists.
    function setListingStatus(uint256 seed, uint8 statusSeed, bool byHolder) external {
        uint256 count = listings.listingCount();
        if (count == 0) return;
        uint256 id = 1 + seed % count;
        IListingRegistry.ListingView memory l = listings.getListing(id);
        IListingRegistry.ListingStatus status = IListingRegistry.ListingStatus(1 + statusSeed % 3);
        vm.prank(byHolder ? _ghost[l.assetId][l.rightIndex].holder : l.exchange);
        try listings.setStatus(id, status) {
            listingWrites++;
        } catch {}
    }

    // ───────────────────────────── the council ─────────────────────────────

    function suspendOrReinstateExchange(uint256 seed) external {
        address exchange = exchanges[seed % 2];
        vm.startPrank(ADMIN);
        if (participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) {
            participants.suspendParticipant(exchange, 1, bytes32(0));
        } else {
            participants.reinstateParticipant(exchange);
        }
        vm.stopPrank();
        governance++;
    }

    /// @dev Pauses or unpauses, one call in four, so that most sequences run unpaused.
    function togglePause(uint256 seed) external {
        if (seed % 4 != 0) return;
        vm.prank(ADMIN);
        if (paused) {
            participants.unpause();
        } else {
            participants.pause(bytes32(0));
            writesAtPause = writes();
        }
        paused = !paused;
        governance++;
    }

    // ───────────────────────────── ghost queries ─────────────────────────────

    /// @dev A right's kind: that of the root it descends from (the handler registers each asset with one holder
    /// of every kind, so roots are the primary rights 1, 2, 3).
    function kindOf(bytes32 id, uint256 index) public view returns (IDataRegistry.RightKind) {
        while (_ghost[id][index].parent != 0) {
            index = _ghost[id][index].parent;
        }
        return IDataRegistry.RightKind(index - 1);
    }

    /// @dev Valid by the ghost's own record: the right and every ancestor unrevoked and within its term.
    function ghostValid(bytes32 id, uint256 index) public view returns (bool) {
        if (cancelled[id] || index == 0 || index > rightCount[id]) return false;
        while (index != 0) {
            Ghost storage g = _ghost[id][index];
            if (g.revoked || (g.validUntil != 0 && g.validUntil <= block.timestamp)) return false;
            index = g.parent;
        }
        return true;
    }

    function ghostHolder(bytes32 id, uint256 index) external view returns (address) {
        return _ghost[id][index].holder;
    }

    /// @dev The holders of an asset's rights as the registry reports them, all or operating ones only.
    function holdersHash(bytes32 id, bool operatingOnly) public view returns (bytes32 h) {
        return holdersHashUpTo(id, registry.getAsset(id).rightCount, operatingOnly);
    }

    function holdersHashUpTo(bytes32 id, uint256 count, bool operatingOnly) public view returns (bytes32 h) {
        for (uint256 i = 1; i <= count; ++i) {
            if (operatingOnly && kindOf(id, i) != IDataRegistry.RightKind.Operating) continue;
            h = keccak256(abi.encode(h, i, registry.getRight(id, i).holder));
        }
    }
}

/// @notice Invariants of the whole market under the handler above, on top of the rights invariants it
/// inherits (rights equal what the operations say; a revoked grant is never valid).
contract RegistryInvariantTest is DataRegistryInvariantTest {
    MarketHandler internal market;
    ParticipantRegistry internal participants;
    ListingRegistry internal listings;

    function setUp() public override {
        vm.warp(1_750_000_000);
        participants = new ParticipantRegistry(address(0xAD), address(0));
        registry = new DataRegistry(participants, address(0));
        listings = new ListingRegistry(registry, participants, address(0));
        market = new MarketHandler(registry, participants, listings);
        handler = market;
        vm.startPrank(address(0xAD));
        participants.addParticipant(market.REGULATOR(), IParticipantRegistry.Role.Regulator, "G", keccak256("g"), "");
        participants.addParticipant(market.REGISTRAR(), IParticipantRegistry.Role.Registrar, "R", keccak256("r"), "");
        participants.addParticipant(market.exchanges(0), IParticipantRegistry.Role.Exchange, "E1", keccak256("1"), "");
        participants.addParticipant(market.exchanges(1), IParticipantRegistry.Role.Exchange, "E2", keccak256("2"), "");
        vm.stopPrank();
    }

    function targetContracts() public view override returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(market);
    }

    /// @dev The new operations succeed when they should, so the invariants below are not vacuous.
    function test_marketHandler_exercisesEveryOperation() public {
        market.register(0, 1);
        bytes32 id = market.assets(0);
        market.list(0, 0); // seed 0 picks right 1: a holding right, refused
        assertEq(listings.listingCount(), 0, "no listing of a holding right");
        market.list(7 * 2, 0); // right 3, the operating right, on exchange 1
        market.list(1, 1); // cross-listing of listing 1 on exchange 2
        assertEq(listings.listingCount(), 2, "origin and cross-listing");
        assertEq(market.crossListings(), 1, "cross-listing");
        market.setListingStatus(1, 1, false); // exchange 2 suspends its cross-listing
        assertTrue(listings.getListing(2).status == IListingRegistry.ListingStatus.Suspended, "suspended");
        market.recordPledge(0);
        market.recordPledge(0);
        market.releasePledge(0, 1); // against its own asset
        assertEq(registry.getAsset(id).activePledges, 1, "one pledge left");
        market.freeze(0);
        assertTrue(registry.getAsset(id).frozen, "frozen");
        market.transfer(7 * 0, 2); // refused: frozen
        assertEq(market.transfers(), 0, "no transfer while frozen");
        market.releaseFreeze(0);
        market.suspendOrReinstateExchange(0);
        market.togglePause(0);
        assertTrue(participants.paused(), "paused");
        market.togglePause(0);
        market.cancel(0);
        assertTrue(market.cancelled(id), "cancelled");
        invariant_listingValidIffConsentHolds();
        invariant_frozenAssetsRightsNeverChangeHands();
        invariant_pledgesAreCountedOnTheirOwnAsset_andPinTheOperatingRights();
        invariant_cancelledAssetsHaveNoValidRightOrListing();
        invariant_nothingIsWrittenWhilePaused();
    }

    /// @dev A listing is valid exactly when its consent holds: listed, its exchange active, the asset active
    /// and not frozen, the consenting holder still holding the operating right, that right and its ancestors
    /// valid, and for a cross-listing the origin valid too. Judged from the handler's own record.
    function invariant_listingValidIffConsentHolds() public view {
        for (uint256 id = 1; id <= listings.listingCount(); ++id) {
            bool valid = listings.listingValidity(id) == IListingRegistry.ListingValidity.Valid;
            assertEq(valid, _consentHolds(id), "listing validity follows its consent");
        }
    }

    function _consentHolds(uint256 id) internal view returns (bool) {
        IListingRegistry.ListingView memory l = listings.getListing(id);
        return l.status == IListingRegistry.ListingStatus.Listed
            && participants.isActive(l.exchange, IParticipantRegistry.Role.Exchange) && !market.frozen(l.assetId)
            && market.ghostValid(l.assetId, l.rightIndex) && market.ghostHolder(l.assetId, l.rightIndex) == l.holder
            && market.kindOf(l.assetId, l.rightIndex) == IDataRegistry.RightKind.Operating
            && (l.originListingId == 0 || _consentHolds(l.originListingId));
    }

    /// @dev While an asset is frozen, no right over it changes hands and none is created.
    function invariant_frozenAssetsRightsNeverChangeHands() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            bytes32 id = market.assets(a);
            assertEq(registry.getAsset(id).frozen, market.frozen(id), "frozen as the regulator left it");
            if (!market.frozen(id)) continue;
            MarketHandler.Snapshot memory s = market.atFreeze(id);
            assertEq(registry.getAsset(id).rightCount, s.rightCount, "no new right while frozen");
            assertEq(market.holdersHash(id, false), s.holders, "no right changed hands while frozen");
        }
    }

    /// @dev Each asset counts exactly the pledges recorded on it and not released; while it has one, its
    /// operating rights stay with their holders.
    function invariant_pledgesAreCountedOnTheirOwnAsset_andPinTheOperatingRights() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            bytes32 id = market.assets(a);
            assertEq(registry.getAsset(id).activePledges, market.activePledges(id), "active pledges");
            if (market.activePledges(id) == 0) continue;
            MarketHandler.Snapshot memory s = market.atFirstPledge(id);
            assertEq(market.holdersHashUpTo(id, s.rightCount, true), s.holders, "operating rights pinned by pledge");
        }
    }

    /// @dev A cancelled asset has no valid right and no valid listing.
    function invariant_cancelledAssetsHaveNoValidRightOrListing() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            bytes32 id = market.assets(a);
            if (!market.cancelled(id)) continue;
            assertTrue(registry.getAsset(id).status == IDataRegistry.AssetStatus.Cancelled, "cancelled on chain");
            for (uint256 i = 1; i <= market.rightCount(id); ++i) {
                assertTrue(!registry.isRightValid(id, i), "no valid right over a cancelled asset");
            }
        }
        for (uint256 l = 1; l <= listings.listingCount(); ++l) {
            if (!market.cancelled(listings.getListing(l).assetId)) continue;
            assertTrue(listings.listingValidity(l) != IListingRegistry.ListingValidity.Valid, "no valid listing");
        }
    }

    /// @dev While the council has paused the registry, no write of any party succeeds.
    function invariant_nothingIsWrittenWhilePaused() public view {
        assertEq(participants.paused(), market.paused(), "paused as the admin left it");
        if (market.paused()) assertEq(market.writes(), market.writesAtPause(), "a write went through the pause");
    }
}
