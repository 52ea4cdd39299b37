// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryInvariantTest, RightsHandler} from "./DataRegistryInvariant.t.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {RegistrationOffice} from "../src/RegistrationOffice.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice The rights handler extended to the rest of the market, acting at random as holders, two exchanges, a
/// regulator, a registrar and the council admin: freezes and releases, pledges and their release (against the
/// right asset or, to try, another), cancellations, consents and listings (origin and cross-listings), listing
/// status changes, exchange suspensions, and the emergency pause; and issue 13's record: several freeze orders
/// by two regulators (waiting-list seizures) released by their issuers or the admin, pledgee consents,
/// registrations naming other holders (pending until accepted, or withdrawn) with terms, the registration
/// procedure, change registrations and renewal requests. Every operation is tried; the ghost state changes only
/// when the contract accepts it.
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
    address public constant REGULATOR_2 = address(0x6E7);
    address public constant PLEDGEE = address(0xBA4C);
    address public constant REGISTRAR = address(0x4E6);
    address[2] public exchanges = [address(0xE1), address(0xE2)];

    ParticipantRegistry public immutable participants;
    ListingRegistry public immutable listings;
    RegistrationOffice public office;

    /// @dev Standing freeze orders per asset, by id, with their issuers.
    mapping(bytes32 assetId => uint256) public standingOrders;
    mapping(bytes32 assetId => mapping(uint256 orderId => address)) public orderIssuer;
    mapping(bytes32 assetId => uint256) public orderCount;
    /// @dev Set when a cancellation went through while the asset was frozen or pledged: must never happen.
    mapping(bytes32 assetId => bool) public cancelledWhileEncumbered;
    uint256 public procedureSteps; // applications, reviews, registrations, changes, renewals that went through
    uint256 public acceptances;
    uint256 public certified;

    function frozen(bytes32 id) public view returns (bool) {
        return standingOrders[id] != 0;
    }

    function registrantOf(bytes32 id) public view returns (address) {
        return registry.getAsset(id).registrant;
    }

    /// @dev A transfer or grant of a pledged operating right goes through only with the pledgees' consent;
    /// the pinned holders are then those after it.
    function transfer(uint256 seed, uint256 toSeed) public override {
        super.transfer(seed, toSeed);
        _repin(seed);
    }

    function grant(uint256 seed, uint256 granteeSeed, uint32 duration) public override {
        super.grant(seed, granteeSeed, duration);
        _repin(seed);
    }

    function _repin(uint256 seed) internal {
        (bytes32 id,, bool ok) = _pick(seed);
        if (ok && activePledges[id] != 0) _atFirstPledge[id] = Snapshot(rightCount[id], holdersHash(id, true));
    }
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
        return assets.length + grants + transfers + revocations + renewals + remarks + listingWrites + procedureSteps
            + acceptances;
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

    function setOffice(RegistrationOffice office_) external {
        office = office_;
    }

    /// @dev A freeze order by one of two regulators; a second order on a frozen asset is a waiting-list seizure.
    function freeze(uint256 seed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        address regulator = seed % 3 == 0 ? REGULATOR_2 : REGULATOR;
        bool wasFrozen = frozen(id);
        vm.prank(regulator);
        try registry.freeze(id, "order", bytes32(0)) returns (uint256 orderId) {
            assertEq(orderId, ++orderCount[id], "orders numbered per asset");
            orderIssuer[id][orderId] = regulator;
            if (!wasFrozen) _atFreeze[id] = Snapshot(rightCount[id], holdersHash(id, false));
            standingOrders[id]++;
            remarks++;
        } catch {}
    }

    /// @dev Releases an order: by its issuer, by the other regulator (must fail), or by the admin with a reason.
    function releaseFreeze(uint256 seed, uint256 orderSeed, uint8 who) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        if (orderCount[id] == 0) return;
        uint256 orderId = 1 + orderSeed % orderCount[id];
        address issuer = orderIssuer[id][orderId];
        bool byAdmin = who % 4 == 0;
        address by = byAdmin ? ADMIN : (who % 4 == 1 ? (issuer == REGULATOR ? REGULATOR_2 : REGULATOR) : issuer);
        vm.prank(by);
        (bool ok,) = address(registry).call(
            byAdmin
                ? abi.encodeCall(registry.adminReleaseFreeze, (id, orderId, keccak256("reason")))
                : abi.encodeCall(registry.releaseFreeze, (id, orderId, bytes32(0)))
        );
        if (!ok) return;
        assertTrue(by == issuer || byAdmin, "only the issuer or the admin lifts an order");
        orderIssuer[id][orderId] = address(0);
        standingOrders[id]--;
        remarks++;
    }

    function recordPledge(uint256 seed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        vm.prank(REGISTRAR);
        try registry.recordPledge(id, string(abi.encodePacked("ZD-", bytes32(pledges.length))), PLEDGEE) returns (
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

    /// @dev The pledgee consents to every pledge of an asset for one operation: a transfer or grant of the
    /// operating right 3 to an actor, or the cancellation.
    function consentAsPledgee(uint256 seed, uint8 op, uint256 toSeed) external {
        if (pledges.length == 0) return;
        bytes32 id = pledges[seed % pledges.length].assetId;
        IDataRegistry.PledgedOperation operation = IDataRegistry.PledgedOperation(op % 3);
        (uint256 index, address to) =
            operation == IDataRegistry.PledgedOperation.Cancel ? (0, address(0)) : (3, actors[toSeed % 4]);
        for (uint256 i; i < pledges.length; ++i) {
            if (pledges[i].assetId != id || !pledges[i].active) continue;
            vm.prank(PLEDGEE);
            try registry.consentAsPledgee(id, pledges[i].pledgeId, operation, index, to) {} catch {}
        }
    }

    /// @dev Rare (one call in eight), so that most assets stay active; by the registrar or, on request, the
    /// registrant. A cancellation the pledgee consented to extinguishes the pledges.
    function cancel(uint256 seed) external {
        if (assets.length == 0 || seed % 8 != 0) return;
        bytes32 id = assets[(seed / 8) % assets.length];
        bool byRegistrant = seed % 16 == 0;
        IDataRegistry.AssetView memory before = registry.getAsset(id);
        vm.prank(byRegistrant ? registrantOf(id) : REGISTRAR);
        try registry.cancel(id, byRegistrant ? 1 : 4, bytes32(0)) {
            cancelled[id] = true;
            // Frozen before, or a pledge still standing after: the record escaped a remark.
            if (before.activeFreezes != 0 || registry.getAsset(id).activePledges != 0) cancelledWhileEncumbered[id] = true;
            if (before.activePledges != 0) _extinguishPledges(id);
            remarks++;
        } catch {}
    }

    function _extinguishPledges(bytes32 id) internal {
        for (uint256 i; i < pledges.length; ++i) {
            if (pledges[i].assetId == id && pledges[i].active) {
                pledges[i].active = false;
                activePledges[id]--;
            }
        }
    }

    // ───────────────────────────── consent of named holders ─────────────────────────────

    /// @dev Registers with the usage right named to another actor (pending) and, half the time, a term on the
    /// registrant's own rights.
    function registerNaming(uint256 actorSeed, uint256 otherSeed, uint32 term) external {
        address actor = actors[actorSeed % 4];
        address other = actors[otherSeed % 4];
        if (other == actor) other = actors[(otherSeed + 1) % 4];
        IDataRegistry.Registration memory r;
        r.contentHash = keccak256(abi.encode("naming", assets.length));
        r.metadataCid = keccak256("m");
        r.holders = new IDataRegistry.RightHolder[](2);
        r.terms = new IDataRegistry.HolderTerms[](2);
        uint64 until = term % 2 == 0 ? 0 : uint64(block.timestamp + bound(term, 1 days, 90 days));
        (uint256 mine, uint256 theirs) = actor < other ? (0, 1) : (1, 0);
        r.holders[mine] = IDataRegistry.RightHolder(actor, 5);
        r.holders[theirs] = IDataRegistry.RightHolder(other, 2);
        r.terms[mine].validUntil = until;
        vm.prank(actor);
        bytes32 id = registry.register(r);
        assets.push(id);
        rightCount[id] = 3;
        _ghost[id][1] = Ghost(actor, 0, until, false, false);
        _ghost[id][2] = Ghost(other, 0, 0, false, true);
        _ghost[id][3] = Ghost(actor, 0, until, false, false);
    }

    function acceptOrWithdraw(uint256 seed, bool accept) external {
        (bytes32 id, uint256 index, bool ok) = _pick(seed);
        if (!ok) return;
        Ghost storage g = _ghost[id][index];
        vm.prank(accept ? g.holder : registrantOf(id));
        (ok,) = address(registry).call(
            accept
                ? abi.encodeCall(registry.acceptRight, (id, index))
                : abi.encodeCall(registry.withdrawAssignment, (id, index))
        );
        if (!ok) return;
        assertTrue(g.pending && !frozen(id) && !cancelled[id], "only a pending right of an open asset");
        g.pending = false;
        if (!accept) g.revoked = true;
        acceptances++;
    }

    // ───────────────────────────── the procedure ─────────────────────────────

    /// @dev Drives one asset one step through the registration procedure, whatever its stage; the registrar
    /// lets the publicity period pass before registering.
    function procedureStep(uint256 seed, uint8 yearsSeed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        IRegistrationOffice.Application memory a = office.getApplication(id);
        bool lapsed = a.stage == IRegistrationOffice.Stage.Registered && block.timestamp >= a.validUntil;
        bytes memory call_;
        address by = REGISTRAR;
        if (a.stage == IRegistrationOffice.Stage.None || lapsed) {
            (by, call_) = (registrantOf(id), abi.encodeCall(office.applyFor, (id, REGISTRAR, bytes32(0))));
        } else if (a.stage == IRegistrationOffice.Stage.Applied) {
            call_ = abi.encodeCall(office.accept, (id));
        } else if (a.stage == IRegistrationOffice.Stage.Accepted) {
            call_ = abi.encodeCall(office.review, (id, true, 0, bytes32(0), 0));
        } else if (a.stage == IRegistrationOffice.Stage.Publicity) {
            if (block.timestamp < a.publicityEnds) vm.warp(a.publicityEnds);
            call_ = abi.encodeCall(office.register, (id, uint8(1 + yearsSeed % 5)));
        } else if (a.stage == IRegistrationOffice.Stage.Registered) {
            if (!a.renewalRequested) {
                // Now and then the registry's clock runs on to the renewal window.
                if (yearsSeed % 4 == 0 && block.timestamp + 100 days < a.validUntil) vm.warp(a.validUntil - 100 days);
                (by, call_) = (a.holder, abi.encodeCall(office.requestRenewal, (id)));
            } else {
                call_ = abi.encodeCall(office.renew, (id, uint8(1 + yearsSeed % 5)));
            }
        } else {
            return;
        }
        vm.prank(by);
        (bool ok,) = address(office).call(call_);
        if (!ok) return;
        procedureSteps++;
        assertTrue(!frozen(id) && !cancelled[id], "no step of the procedure on a frozen or cancelled asset");
        if (office.getApplication(id).stage == IRegistrationOffice.Stage.Registered && a.stage != IRegistrationOffice.Stage.Registered) {
            certified++;
        }
    }

    /// @dev The registrant applies for a change (new data, classification and flags), or the registrar reviews
    /// the one applied for.
    function changeStep(uint256 seed, bool passed) external {
        if (assets.length == 0) return;
        bytes32 id = assets[seed % assets.length];
        bool pending = office.getChange(id).pending;
        IDataRegistry.Version memory v;
        v.metadataCid = keccak256(abi.encode("metadata", seed));
        v.contentHash = seed % 2 == 0 ? bytes32(0) : keccak256(abi.encode("data", seed));
        v.classification = uint8(seed % 3);
        v.attributes = uint8(seed % 8);
        vm.prank(pending ? REGISTRAR : registrantOf(id));
        (bool ok,) = address(office).call(
            pending
                ? abi.encodeCall(office.reviewChange, (id, passed, 0, bytes32(0)))
                : abi.encodeCall(office.applyForChange, (id, REGISTRAR, v, bytes32(0)))
        );
        if (!ok) return;
        procedureSteps++;
        assertTrue(!frozen(id) && !cancelled[id], "no change of a frozen or cancelled asset");
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
        r.terms.deliveryModes = 1; // negotiable, a dataset, by download
        vm.prank(holder);
        try listings.approveListing(exchange, r, uint64(block.timestamp + 1 days)) {
            listingWrites++;
        } catch {
            return;
        }
        vm.prank(exchange);
        try listings.list(r, holder, 0, 0, "") {
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
            if (g.revoked || g.pending || (g.validUntil != 0 && g.validUntil <= block.timestamp)) return false;
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
    RegistrationOffice internal office;

    function setUp() public override {
        vm.warp(1_750_000_000);
        participants = new ParticipantRegistry(address(0xAD), address(0));
        registry = new DataRegistry(participants, address(0));
        office = new RegistrationOffice(registry, participants, 5 days, address(0));
        listings = new ListingRegistry(
            registry, participants, office, new AttestationRegistry(registry, participants, address(0)), address(0)
        );
        market = new MarketHandler(registry, participants, listings);
        market.setOffice(office);
        handler = market;
        vm.startPrank(address(0xAD));
        registry.setRegistrationOffice(address(office));
        address[] memory bound = new address[](3);
        (bound[0], bound[1], bound[2]) = (address(registry), address(listings), address(office));
        participants.bindContracts(bound);
        office.configureRegistrar(market.REGISTRAR(), "35", "A");
        participants.addParticipant(market.REGULATOR(), IParticipantRegistry.Role.Regulator, "G", keccak256("g"), "");
        participants.addParticipant(market.REGULATOR_2(), IParticipantRegistry.Role.Regulator, "G2", keccak256("g2"), "");
        participants.addParticipant(market.REGISTRAR(), IParticipantRegistry.Role.Registrar, "R", keccak256("r"), "");
        participants.addParticipant(market.exchanges(0), IParticipantRegistry.Role.Exchange, "E1", keccak256("1"), "");
        participants.addParticipant(market.exchanges(1), IParticipantRegistry.Role.Exchange, "E2", keccak256("2"), "");
        vm.stopPrank();
        // The handler's assets are not registered with the office: both exchanges allow uncertified assets.
        for (uint256 i; i < 2; ++i) {
            vm.prank(market.exchanges(i));
            listings.setListingPolicy(IListingRegistry.ListingPolicy({allowUncertified: true, crossBorder: false}));
        }
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
        market.freeze(0); // regulator 2 (seed 0)
        market.freeze(1); // regulator 1: a waiting-list seizure
        assertEq(registry.getAsset(id).activeFreezes, 2, "two orders");
        assertTrue(registry.getAsset(id).frozen, "frozen");
        market.transfer(7 * 0, 2); // refused: frozen
        assertEq(market.transfers(), 0, "no transfer while frozen");
        market.releaseFreeze(0, 0, 1); // order 1 by the other regulator: refused
        assertEq(registry.getAsset(id).activeFreezes, 2, "not lifted by another regulator");
        market.releaseFreeze(0, 0, 2); // order 1 by its issuer
        market.releaseFreeze(0, 1, 0); // order 2 by the admin, with a reason
        assertTrue(!registry.getAsset(id).frozen, "released");
        market.suspendOrReinstateExchange(0);
        market.togglePause(0);
        assertTrue(participants.paused(), "paused");
        market.togglePause(0);
        // The procedure, a change, a renewal; a pending right accepted; a consented cancellation.
        for (uint256 i; i < 5; ++i) {
            market.procedureStep(0, 0); // apply, accept, review, register, request renewal
        }
        assertEq(market.certified(), 1, "certified");
        assertTrue(office.getApplication(id).renewalRequested, "renewal requested");
        market.procedureStep(0, 0); // renewed
        assertTrue(!office.getApplication(id).renewalRequested, "renewed");
        market.changeStep(1, true); // apply: new data
        market.changeStep(1, true); // review: passed
        assertEq(registry.getAsset(id).version, 2, "changed");
        assertEq(office.certificateRecord(id).version, 2, "certificate re-issued");
        market.registerNaming(0, 1, 1);
        bytes32 named = market.assets(1);
        assertTrue(registry.getRight(named, 2).pending, "pending");
        market.acceptOrWithdraw(7, true); // asset 7 % 2 = 1, right 1 + 7 / 7 = 2
        assertEq(market.acceptances(), 1, "accepted");
        market.cancel(0); // refused: the pledge stands without consent
        assertTrue(!market.cancelled(id), "not cancelled while pledged");
        market.consentAsPledgee(0, 2, 0);
        market.cancel(0);
        assertTrue(market.cancelled(id), "cancelled");
        assertEq(registry.getAsset(id).activePledges, 0, "the consenting pledges end with the record");
        invariant_listingValidIffConsentHolds();
        invariant_frozenAssetsRightsNeverChangeHands();
        invariant_pledgesAreCountedOnTheirOwnAsset_andPinTheOperatingRights();
        invariant_cancelledAssetsHaveNoValidRightOrListing();
        invariant_nothingIsWrittenWhilePaused();
        invariant_noCancellationEscapedARemark();
        invariant_certificateShowsTheCurrentVersionAndHolder();
        invariant_noRightValidPastItsTermOrWhilePending();
    }

    /// @dev No cancelled asset was frozen, or still pledged, at the moment of its cancellation.
    function invariant_noCancellationEscapedARemark() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            assertTrue(!market.cancelledWhileEncumbered(market.assets(a)), "cancelled while frozen or pledged");
        }
    }

    /// @dev A certificate's version and holder are the chain's current ones.
    function invariant_certificateShowsTheCurrentVersionAndHolder() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            bytes32 id = market.assets(a);
            IRegistrationOffice.CertificateRecord memory c = office.certificateRecord(id);
            if (c.number == bytes17(0)) continue;
            assertEq(c.version, registry.getAsset(id).version, "certificate version");
            assertEq(c.holder, registry.getRight(id, 1).holder, "certificate holder");
        }
    }

    /// @dev No right is valid past its own term (primary rights included) or while pending, by the chain's
    /// own views and by the handler's record.
    function invariant_noRightValidPastItsTermOrWhilePending() public view {
        for (uint256 a; a < market.assetCount(); ++a) {
            bytes32 id = market.assets(a);
            for (uint256 i = 1; i <= market.rightCount(id); ++i) {
                if (!registry.isRightValid(id, i)) continue;
                IDataRegistry.RightView memory r = registry.getRight(id, i);
                assertTrue(!r.pending, "valid while pending");
                assertTrue(r.validUntil == 0 || r.validUntil > block.timestamp, "valid past its term");
                assertTrue(market.ghostValid(id, i), "valid where the operations say it is not");
            }
        }
    }

    /// @dev A listing is valid exactly when its consent holds: listed, its exchange active, the asset active
    /// and not frozen, the consenting holder still holding the operating right, that right and its ancestors
    /// valid, the asset still general data without personal information (issue 17), and for a cross-listing the
    /// origin valid too. Judged from the handler's own record (the asset's classification from the DataRegistry).
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
            && _generalData(l.assetId) && (l.originListingId == 0 || _consentHolds(l.originListingId));
    }

    /// @dev Issue 17: the handler's listings name no compliance certification, so a change registration that
    /// makes the asset important, core or personal data takes them out of compliance.
    function _generalData(bytes32 id) internal view returns (bool) {
        IDataRegistry.AssetView memory a = registry.getAsset(id);
        return a.classification == 0 && a.attributes & 3 == 0;
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
