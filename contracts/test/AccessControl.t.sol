// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";

import {RegistryFixture} from "./RegistryFixture.t.sol";
import {Vm} from "./utils/Vm.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IPublicDataAuthorisation} from "../src/interfaces/IPublicDataAuthorisation.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IFinanceRecords} from "../src/interfaces/IFinanceRecords.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IRecognitionRegistry} from "../src/interfaces/IRecognitionRegistry.sol";
import {IRegistrationOffice} from "../src/interfaces/IRegistrationOffice.sol";
import {IPauseFlag} from "../src/interfaces/IPauseFlag.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {ITradeRegistry} from "../src/interfaces/ITradeRegistry.sol";

/// @notice The access-control matrix: every external write of every contract, called by every role, from the
/// same starting world (RegistryFixture), with the outcome each role must get. A refusal must carry the
/// expected authorisation error, so a call refused for an incidental reason (wrong stage, missing state) does
/// not pass for a working check. Four passes over the same table:
/// - direct: each role sends the call itself;
/// - through the forwarder: each role signs an ERC-2771 request and the relayer submits it; the outcome must be
///   the same as the direct one (the forwarder carries identity, never power of its own);
/// - paused, direct and through the forwarder: every write is refused with `RegistryPaused`, except the
///   council admin's governance calls, which are how it responds to an incident.
/// `forge test --match-contract AccessControlMatrix -vv` prints each pass as a table.
contract AccessControlMatrixTest is RegistryFixture {
    struct Row {
        string name;
        address target;
        bytes data;
        uint16 allowed; // roles that succeed (bit i = role i)
        bytes4 refusal; // the error everyone else gets
        bytes4 altRefusal; // a second acceptable error (e.g. the admin's own, for a call nobody may make)
        bool governance; // the admin's governance: not paused
        uint16 pausedAllowed; // for governance rows: who succeeds while paused
        bytes4 pausedAltRefusal;
        bool setupPause; // the row needs the registry paused first (unpause)
    }

    uint16 internal constant H = uint16(1 << HOLDER);
    uint16 internal constant G = uint16(1 << GRANTEE);
    uint16 internal constant E = uint16(1 << EXCHANGE);
    uint16 internal constant R = uint16(1 << REGISTRAR);
    uint16 internal constant L = uint16(1 << REGULATOR); // reguLator
    uint16 internal constant A = uint16(1 << APPRAISER);
    uint16 internal constant M = uint16(1 << ADMIN); // the council's Multisig
    uint16 internal constant PARTICIPANTS = E | R | L | A;

    Row[] internal rows;
    uint256 internal tradeListing; // `otherAsset` on EXCHANGE, for the trade rows

    function setUp() public override {
        super.setUp();
        _participantRows();
        _dataRegistryRows();
        _listingRows();
        _officeRows();
        _recognitionRows();
        _attestationRows();
        _authorisationRows();
        _financeRows();
        _tradeRows();
        _forwarderRows();
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The matrix
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function _participantRows() internal {
        address p = address(d.participants);
        bytes4 notAdmin = Ownable.OwnableUnauthorizedAccount.selector;
        _gov("Participants.addParticipant", p, abi.encodeCall(d.participants.addParticipant,
            (FRESH, IParticipantRegistry.Role.Exchange, "N", keccak256("n"), "")), M, notAdmin);
        _gov("Participants.suspendParticipant", p, abi.encodeCall(d.participants.suspendParticipant,
            (who[EXCHANGE], 1, bytes32(0))), M, notAdmin);
        _gov("Participants.reinstateParticipant", p, abi.encodeCall(d.participants.reinstateParticipant,
            (SUSPENDED_EXCHANGE)), M, notAdmin);
        _gov("Participants.qualify", p, abi.encodeCall(d.participants.qualify,
            (who[APPRAISER], qualification(uint64(T0 + 4000 days)))), M, notAdmin);
        _gov("Participants.renewQualification", p, abi.encodeCall(d.participants.renewQualification,
            (who[APPRAISER], uint64(T0 + 4000 days), bytes32(0))), M, notAdmin);
        _gov("Participants.revokeQualification", p, abi.encodeCall(d.participants.revokeQualification,
            (who[APPRAISER], 1, bytes32(0))), M, notAdmin);
        _row("Participants.setEndpoint (own)", p, abi.encodeCall(d.participants.setEndpoint, ("https://new")),
            PARTICIPANTS, IParticipantRegistry.ParticipantNotFound.selector);
        _gov("Participants.transferOwnership", p, abi.encodeCall(d.participants.transferOwnership, (FRESH)), M, notAdmin);
        _gov("Participants.acceptOwnership (none pending)", p, abi.encodeCall(d.participants.acceptOwnership, ()),
            NOBODY, notAdmin);
        _gov("Participants.renounceOwnership", p, abi.encodeCall(d.participants.renounceOwnership, ()), NOBODY, notAdmin);
        rows[rows.length - 1].altRefusal = IParticipantRegistry.AdminCannotBeRenounced.selector;
        rows[rows.length - 1].pausedAltRefusal = IParticipantRegistry.AdminCannotBeRenounced.selector;
        _gov("Participants.pause", p, abi.encodeCall(d.participants.pause, (keccak256("incident"))), M, notAdmin);
        rows[rows.length - 1].pausedAllowed = NOBODY; // already paused
        rows[rows.length - 1].pausedAltRefusal = IParticipantRegistry.PauseUnchanged.selector;
        _gov("Participants.unpause (paused)", p, abi.encodeCall(d.participants.unpause, ()), M, notAdmin);
        rows[rows.length - 1].setupPause = true;
        // A second attestation registry of this deployment, not bound yet: the admin binds it (also while paused).
        address[] memory spare = new address[](1);
        spare[0] = address(new AttestationRegistry(d.registry, d.participants, address(d.forwarder)));
        _gov("Participants.bindContracts", p, abi.encodeCall(d.participants.bindContracts, (spare)), M, notAdmin);
        // Each contract's copy of the switch is set by the participant registry alone (no role, no forwarder).
        bytes4 notSwitch = IPauseFlag.NotParticipantRegistry.selector;
        _gov("Data.setPaused", address(d.registry), abi.encodeCall(d.registry.setPaused, (true)), NOBODY, notSwitch);
        _gov("Listings.setPaused", address(d.listings), abi.encodeCall(d.listings.setPaused, (true)), NOBODY, notSwitch);
        _gov("Office.setPaused", address(d.office), abi.encodeCall(d.office.setPaused, (true)), NOBODY, notSwitch);
        _gov("Attestations.setPaused", address(d.attestations), abi.encodeCall(d.attestations.setPaused, (true)),
            NOBODY, notSwitch);
        _gov("Finance.setPaused", address(d.finance), abi.encodeCall(d.finance.setPaused, (true)), NOBODY,
            notSwitch);
        _gov("Trades.setPaused", address(d.trades), abi.encodeCall(d.trades.setPaused, (true)), NOBODY, notSwitch);
    }

    function _dataRegistryRows() internal {
        _registerRows();
        _grantAndTransferRows();
        _revokeAndRenewRows();
        _remarkRows();
    }

    function _registerRows() internal {
        address r = address(d.registry);
        uint256 deadline = block.timestamp + 1 days;
        IDataRegistry.Registration[] memory batch = new IDataRegistry.Registration[](2);
        batch[0] = registration(FRESH, keccak256("batch 0"));
        batch[1] = registration(FRESH, keccak256("batch 1"));
        _row("Data.register", r, abi.encodeCall(d.registry.register, (registration(FRESH, keccak256("matrix")))),
            ANYONE, 0);
        _row("Data.registerBatch", r, abi.encodeCall(d.registry.registerBatch, (batch)), ANYONE, 0);
        IDataRegistry.Registration memory own = registration(who[HOLDER], keccak256("by signature"));
        bytes32 h = registerHash(own, who[HOLDER], 0, deadline);
        _row("Data.registerBySig (holder's sig)", r, abi.encodeCall(d.registry.registerBySig,
            (own, who[HOLDER], deadline, _sigBy(HOLDER, h))), ANYONE, 0);
        _row("Data.registerBySig (outsider's sig)", r, abi.encodeCall(d.registry.registerBySig,
            (own, who[HOLDER], deadline, _sigBy(OUTSIDER, h))), NOBODY, IDataRegistry.InvalidSignature.selector);
    }

    function _grantAndTransferRows() internal {
        address r = address(d.registry);
        bytes4 notHolder = IDataRegistry.NotRightHolder.selector;
        uint256 deadline = block.timestamp + 1 days;
        IDataRegistry.GrantTerms memory t = terms(FRESH, uint64(block.timestamp + 90 days));
        _row("Data.grant (from holder's usage right 2)", r, abi.encodeCall(d.registry.grant, (asset, 2, t)), H,
            notHolder);
        _row("Data.grant (from grantee's grant 4)", r, abi.encodeCall(d.registry.grant, (asset, USAGE_GRANT, t)), G,
            notHolder);
        bytes32 h = keccak256(abi.encode(GRANT_TYPEHASH, who[HOLDER], asset, uint256(2), termsHash(t), uint256(0),
            deadline));
        _row("Data.grantBySig (holder's sig)", r, abi.encodeCall(d.registry.grantBySig,
            (asset, 2, t, who[HOLDER], deadline, _sigBy(HOLDER, h))), ANYONE, 0);
        _row("Data.grantBySig (outsider's sig)", r, abi.encodeCall(d.registry.grantBySig,
            (asset, 2, t, who[HOLDER], deadline, _sigBy(OUTSIDER, h))), NOBODY, IDataRegistry.InvalidSignature.selector);

        _row("Data.transfer (holder's right 1)", r, abi.encodeCall(d.registry.transfer, (asset, 1, FRESH)), H, notHolder);
        _row("Data.transfer (grantee's grant 4)", r, abi.encodeCall(d.registry.transfer, (asset, USAGE_GRANT, FRESH)),
            G, notHolder);
        h = keccak256(abi.encode(TRANSFER_TYPEHASH, who[HOLDER], asset, uint256(1), FRESH, uint256(0), deadline));
        _row("Data.transferBySig (holder's sig)", r, abi.encodeCall(d.registry.transferBySig,
            (asset, 1, FRESH, who[HOLDER], deadline, _sigBy(HOLDER, h))), ANYONE, 0);
        _row("Data.transferBySig (outsider's sig)", r, abi.encodeCall(d.registry.transferBySig,
            (asset, 1, FRESH, who[HOLDER], deadline, _sigBy(OUTSIDER, h))), NOBODY,
            IDataRegistry.InvalidSignature.selector);
    }

    function _revokeAndRenewRows() internal {
        address r = address(d.registry);
        bytes4 notGrantor = IDataRegistry.NotGrantor.selector;
        bytes4 badSig = IDataRegistry.InvalidSignature.selector;
        uint256 deadline = block.timestamp + 1 days;
        uint64 until = uint64(block.timestamp + 90 days);
        _row("Data.revoke (grant 4)", r, abi.encodeCall(d.registry.revoke, (asset, USAGE_GRANT, 1, bytes32(0))), H,
            notGrantor);
        bytes32 h = keccak256(
            abi.encode(REVOKE_TYPEHASH, who[HOLDER], asset, USAGE_GRANT, uint16(1), bytes32(0), uint256(0), deadline)
        );
        _row("Data.revokeBySig (holder's sig)", r, abi.encodeCall(d.registry.revokeBySig,
            (asset, USAGE_GRANT, 1, bytes32(0), who[HOLDER], deadline, _sigBy(HOLDER, h))), ANYONE, 0);
        _row("Data.revokeBySig (outsider's sig)", r, abi.encodeCall(d.registry.revokeBySig,
            (asset, USAGE_GRANT, 1, bytes32(0), who[HOLDER], deadline, _sigBy(OUTSIDER, h))), NOBODY, badSig);

        _row("Data.renew (grant 4)", r, abi.encodeCall(d.registry.renew, (asset, USAGE_GRANT, until)), H, notGrantor);
        h = keccak256(abi.encode(RENEW_TYPEHASH, who[HOLDER], asset, USAGE_GRANT, until, uint256(0), deadline));
        _row("Data.renewBySig (holder's sig)", r, abi.encodeCall(d.registry.renewBySig,
            (asset, USAGE_GRANT, until, who[HOLDER], deadline, _sigBy(HOLDER, h))), ANYONE, 0);
        _row("Data.renewBySig (outsider's sig)", r, abi.encodeCall(d.registry.renewBySig,
            (asset, USAGE_GRANT, until, who[HOLDER], deadline, _sigBy(OUTSIDER, h))), NOBODY, badSig);
    }

    function _remarkRows() internal {
        address r = address(d.registry);
        bytes4 missingRole = IDataRegistry.MissingRole.selector;
        bytes4 notRegistrant = IDataRegistry.NotRegistrant.selector;
        bytes4 cancelRefused = IDataRegistry.CancellationNotAllowed.selector;
        _row("Data.freeze", r, abi.encodeCall(d.registry.freeze, (asset, "(2026)02", bytes32(0))), L, missingRole);
        _row("Data.releaseFreeze (its issuer)", r, abi.encodeCall(d.registry.releaseFreeze, (frozenAsset, 1,
            bytes32(0))), L, missingRole);
        _row("Data.adminReleaseFreeze (with reason)", r, abi.encodeCall(d.registry.adminReleaseFreeze, (frozenAsset, 1,
            keccak256("reason"))), M, IDataRegistry.NotAdmin.selector);
        _row("Data.recordPledge", r, abi.encodeCall(d.registry.recordPledge, (asset, "ZD-2", FRESH)), R, missingRole);
        _row("Data.releasePledge", r, abi.encodeCall(d.registry.releasePledge, (asset, pledgeId)), R, missingRole);
        // The pledgee of the fixture's pledge is OTHER_HOLDER (a bank that holds another asset).
        _row("Data.consentAsPledgee", r, abi.encodeCall(d.registry.consentAsPledgee, (asset, pledgeId,
            IDataRegistry.PledgedOperation.Transfer, 3, FRESH)), uint16(1 << OTHER_HOLDER),
            IDataRegistry.NotPledgee.selector);
        _row("Data.cancel (reason 1: on request)", r, abi.encodeCall(d.registry.cancel, (unappliedAsset, 1,
            bytes32(0))), H, cancelRefused);
        _row("Data.cancel (reason 3: objection upheld)", r, abi.encodeCall(d.registry.cancel, (unappliedAsset, 3,
            bytes32(0))), R, cancelRefused);
        _row("Data.cancel (pledged asset, no consent)", r, abi.encodeCall(d.registry.cancel, (asset, 1, bytes32(0))),
            NOBODY, cancelRefused);
        rows[rows.length - 1].altRefusal = IDataRegistry.RightPledged.selector;
        _row("Data.acceptRight (pending 2)", r, abi.encodeCall(d.registry.acceptRight, (pendingAsset, 2)), G,
            IDataRegistry.NotRightHolder.selector);
        uint256 deadline = block.timestamp + 1 days;
        bytes32 h = keccak256(abi.encode(ACCEPT_RIGHT_TYPEHASH, who[GRANTEE], pendingAsset, uint256(2), uint256(0),
            deadline));
        _row("Data.acceptRightBySig (grantee's sig)", r, abi.encodeCall(d.registry.acceptRightBySig,
            (pendingAsset, 2, who[GRANTEE], deadline, _sigBy(GRANTEE, h))), ANYONE, 0);
        _row("Data.acceptRightBySig (outsider's sig)", r, abi.encodeCall(d.registry.acceptRightBySig,
            (pendingAsset, 2, who[GRANTEE], deadline, _sigBy(OUTSIDER, h))), NOBODY,
            IDataRegistry.InvalidSignature.selector);
        _row("Data.withdrawAssignment (pending 2)", r, abi.encodeCall(d.registry.withdrawAssignment, (pendingAsset,
            2)), H, notRegistrant);
        _row("Data.commitChange", r, abi.encodeCall(d.registry.commitChange, (asset, version2())), NOBODY,
            IDataRegistry.NotRegistrationOffice.selector);
        _gov("Data.setRegistrationOffice (already set)", r, abi.encodeCall(d.registry.setRegistrationOffice, (FRESH)),
            NOBODY, IDataRegistry.NotAdmin.selector);
        rows[rows.length - 1].altRefusal = IDataRegistry.RegistrationOfficeAlreadySet.selector;
        rows[rows.length - 1].pausedAltRefusal = IDataRegistry.RegistrationOfficeAlreadySet.selector;
    }

    function _listingRows() internal {
        address l = address(d.listings);
        uint256 deadline = block.timestamp + 1 days;
        IListingRegistry.ListingRequest memory req = listingRequest(asset, "SDE-2");
        bytes memory consent = sign(keys[HOLDER], digest(domain("ListingRegistry", block.chainid, l),
            consentHash(who[HOLDER], who[EXCHANGE], req, 0, deadline)));
        _row("Listings.list (holder's consent)", l, abi.encodeCall(d.listings.list, (req, who[HOLDER], 0, deadline, consent)),
            E, IListingRegistry.NotAnExchange.selector);
        // Anyone may record its own consent; it lists nothing unless the consenting party holds the right.
        _row("Listings.approveListing (own consent)", l, abi.encodeCall(d.listings.approveListing, (who[EXCHANGE], req, uint64(deadline))),
            ANYONE, 0);
        // Issue 17. The holder approved `held` beforehand: only it can revoke that approval.
        IListingRegistry.ListingRequest memory held = listingRequest(asset, "SDE-held");
        vm.prank(who[HOLDER]);
        d.listings.approveListing(who[EXCHANGE], held, uint64(deadline));
        _row("Listings.revokeApproval (own approval)", l, abi.encodeCall(d.listings.revokeApproval,
            (who[EXCHANGE], held)), H, IListingRegistry.ConsentMissing.selector);
        // Anyone may withdraw its own consent ids: they are its own.
        _row("Listings.withdrawConsents (own ids)", l, abi.encodeCall(d.listings.withdrawConsents, (0, 1)), ANYONE, 0);
        _row("Listings.setListingPolicy", l, abi.encodeCall(d.listings.setListingPolicy,
            (IListingRegistry.ListingPolicy(true, true))), E, IListingRegistry.NotAnExchange.selector);
        IListingRegistry.ListingFloor memory floor;
        floor.certificateRequired = true;
        _gov("Listings.setListingFloor", l, abi.encodeCall(d.listings.setListingFloor, (floor)), M,
            IListingRegistry.NotCouncil.selector);
        _row("Listings.setStatus (suspend)", l, abi.encodeCall(d.listings.setStatus,
            (listingId, IListingRegistry.ListingStatus.Suspended)), E, IListingRegistry.NotListingParty.selector);
        _row("Listings.setStatus (delist)", l, abi.encodeCall(d.listings.setStatus,
            (listingId, IListingRegistry.ListingStatus.Delisted)), E | H, IListingRegistry.NotListingParty.selector);
    }

    /// @dev The exchange lists `otherAsset` (its holder's own approval), sets its trade code and records one trade
    /// (OTHER_HOLDER sells a usage right to GRANTEE: HOLDER's nonce, which the rows above signed with, stays 0);
    /// the rows then record a second, settle and deliver the first, and set a code again.
    function _tradeRows() internal {
        address t = address(d.trades);
        IListingRegistry.ListingRequest memory req = listingRequest(otherAsset, "AC-1");
        vm.prank(who[OTHER_HOLDER]);
        d.listings.approveListing(who[EXCHANGE], req, uint64(block.timestamp + 1 days));
        vm.startPrank(who[EXCHANGE]);
        tradeListing = d.listings.list(req, who[OTHER_HOLDER], 0, 0, "");
        d.trades.setTradeCode("AC");
        vm.stopPrank();
        (ITradeRegistry.Trade memory trade, IDataRegistry.GrantTerms memory g, ITradeRegistry.Signatures memory s) =
            _signedTrade();
        vm.prank(who[EXCHANGE]);
        (uint16 year, uint32 serial,) = d.trades.recordTrade(trade, g, s);
        (trade, g, s) = _signedTrade();
        _row("Trades.recordTrade (both signed)", t, abi.encodeCall(d.trades.recordTrade, (trade, g, s)), E,
            ITradeRegistry.NotAnExchange.selector);
        _row("Trades.setSettlement", t, abi.encodeCall(d.trades.setSettlement,
            (year, serial, ITradeRegistry.SettlementStatus.Settled, bytes32(0))), E,
            ITradeRegistry.TradeNotFound.selector);
        _row("Trades.recordDelivery", t, abi.encodeCall(d.trades.recordDelivery, (year, serial, keccak256("d"))), E,
            ITradeRegistry.TradeNotFound.selector);
        // The code is set once: the exchange that has one is refused too.
        _row("Trades.setTradeCode", t, abi.encodeCall(d.trades.setTradeCode, ("XY")), NOBODY,
            ITradeRegistry.NotAnExchange.selector);
        rows[rows.length - 1].altRefusal = ITradeRegistry.TradeCodeAlreadySet.selector;
        // The council approves or overrides an exchange's code.
        _gov("Trades.assignTradeCode", t, abi.encodeCall(d.trades.assignTradeCode, (who[EXCHANGE], "ACX")), M,
            ITradeRegistry.NotCouncil.selector);
    }

    function _signedTrade()
        internal
        view
        returns (ITradeRegistry.Trade memory trade, IDataRegistry.GrantTerms memory g, ITradeRegistry.Signatures memory s)
    {
        g = terms(who[GRANTEE], 0);
        g.termsCid = keccak256("contract");
        trade = ITradeRegistry.Trade(tradeListing, who[GRANTEE], 2, 100, "CNY", bytes32(0), g.termsCid);
        s.grantDeadline = block.timestamp + 1 days;
        s.acceptDeadline = s.grantDeadline;
        s.grantSignature = _sigBy(OTHER_HOLDER, keccak256(abi.encode(GRANT_TYPEHASH, who[OTHER_HOLDER], otherAsset,
            uint256(2), termsHash(g), d.registry.nonces(who[OTHER_HOLDER]), s.grantDeadline)));
        bytes32 acceptance = keccak256(abi.encode(
            keccak256("TradeAcceptance(address buyer,address exchange,uint256 listingId,bytes32 grantSignatureHash,"
                "uint256 priceAmount,bytes3 currency,bytes32 priceHash,bytes32 contractCid,uint256 deadline)"),
            who[GRANTEE], who[EXCHANGE], tradeListing, keccak256(s.grantSignature), trade.priceAmount, trade.currency,
            bytes32(0), g.termsCid, s.acceptDeadline));
        s.acceptSignature = sign(keys[GRANTEE], digest(domain("TradeRegistry", block.chainid, address(d.trades)),
            acceptance));
    }

    function _officeRows() internal {
        address o = address(d.office);
        bytes4 notAssigned = IRegistrationOffice.NotAssignedRegistrar.selector;
        _gov("Office.configureRegistrar", o, abi.encodeCall(d.office.configureRegistrar, (FRESH, "36", "B")), M,
            IRegistrationOffice.NotAdmin.selector);
        _gov("Office.configureIpRegistrar", o, abi.encodeCall(d.office.configureIpRegistrar, (FRESH, "350200", "1")),
            M, IRegistrationOffice.NotAdmin.selector);
        _gov("Office.setPublicityPeriod", o, abi.encodeCall(d.office.setPublicityPeriod, (7 days)), M,
            IRegistrationOffice.NotAdmin.selector);
        _row("Office.applyFor", o, abi.encodeCall(d.office.applyFor, (unappliedAsset, who[REGISTRAR], bytes32(0))), H,
            IRegistrationOffice.NotApplicant.selector);
        _row("Office.accept", o, abi.encodeCall(d.office.accept, (appliedAsset)), R, notAssigned);
        _row("Office.returnForMaterial", o, abi.encodeCall(d.office.returnForMaterial, (appliedAsset, 1, bytes32(0))),
            R, notAssigned);
        _row("Office.review", o, abi.encodeCall(d.office.review, (acceptedAsset, true, 0, bytes32(0), 0)), R, notAssigned);
        _row("Office.object", o, abi.encodeCall(d.office.object, (publicityAsset, 1, bytes32(0))), PARTICIPANTS,
            IRegistrationOffice.NotAParticipant.selector);
        _row("Office.resolveObjection", o, abi.encodeCall(d.office.resolveObjection, (publicityAsset, 1, false,
            bytes32(0))), R, notAssigned);
        _row("Office.register", o, abi.encodeCall(d.office.register, (publicityOverAsset, 5)), R, notAssigned);
        _row("Office.renew (requested)", o, abi.encodeCall(d.office.renew, (registeredAsset, 1)), R, notAssigned);
        _row("Office.refuseRenewal (requested)", o, abi.encodeCall(d.office.refuseRenewal, (registeredAsset, 1,
            bytes32(0))), R, notAssigned);
        _row("Office.requestRenewal", o, abi.encodeCall(d.office.requestRenewal, (renewableAsset)), H,
            IRegistrationOffice.NotCertificateHolder.selector);
        _row("Office.applyForChange", o, abi.encodeCall(d.office.applyForChange, (unappliedAsset, who[REGISTRAR],
            version2(), bytes32(0))), H, IRegistrationOffice.NotApplicant.selector);
        _row("Office.reviewChange", o, abi.encodeCall(d.office.reviewChange, (changeAsset, true, 0, bytes32(0))), R,
            notAssigned);
        _gov("Office.holderChanged", o, abi.encodeCall(d.office.holderChanged, (registeredAsset, FRESH)), NOBODY,
            IRegistrationOffice.NotDataRegistry.selector);
    }

    function _recognitionRows() internal {
        address r = address(d.recognitions);
        bytes4 notCouncil = IRecognitionRegistry.NotCouncil.selector;
        _gov("Recognitions.recognise", r, abi.encodeCall(d.recognitions.recognise, (31_339, address(0x4401),
            address(0x4402), 1, "44", "GD")), M, notCouncil);
        _gov("Recognitions.withdraw", r, abi.encodeCall(d.recognitions.withdraw, (1, 1)), M, notCouncil);
    }

    function _attestationRows() internal {
        address a = address(d.attestations);
        _row("Attestations.attest (appraisal)", a, abi.encodeCall(d.attestations.attest, (asset, appraisal())), NOBODY,
            IAttestationRegistry.AppraisalNeedsEngagement.selector);
        _row("Attestations.appraise (engagement 2)", a, abi.encodeCall(d.attestations.appraise,
            (asset, appraisal(), appraisalTerms(openEngagement))), A, IAttestationRegistry.NotEngaged.selector);
        _row("Attestations.engage (holding right 1)", a, abi.encodeCall(d.attestations.engage,
            (engagementRequest(asset))), H, IAttestationRegistry.NotHoldingRightHolder.selector);
        _row("Attestations.engageBySig (holder's sig)", a, abi.encodeCall(d.attestations.engageBySig,
            (engagementRequest(asset), who[HOLDER], block.timestamp, _engagementSig(HOLDER))), ANYONE, 0);
        _row("Attestations.engageBySig (outsider's sig)", a, abi.encodeCall(d.attestations.engageBySig,
            (engagementRequest(asset), who[HOLDER], block.timestamp, _engagementSig(OUTSIDER))), NOBODY,
            IAttestationRegistry.InvalidSignature.selector);
        _row("Attestations.withdrawEngagement", a, abi.encodeCall(d.attestations.withdrawEngagement,
            (openEngagement)), H, IAttestationRegistry.NotEngager.selector);
        _row("Attestations.revokeAttestation", a, abi.encodeCall(d.attestations.revokeAttestation, (attestationId, 1)),
            A, IAttestationRegistry.NotIssuer.selector);
    }

    /// @dev No role of the matrix is a data authority, and no authorisation exists: every write is refused (the
    /// rules themselves are in PublicDataAuthorisation.t.sol); paused, every one says RegistryPaused.
    function _authorisationRows() internal {
        address a = address(d.authorisations);
        IPublicDataAuthorisation.AuthorisationTerms memory t;
        t.operator = FRESH;
        t.catalogueEntries = 1;
        t.validUntil = uint64(block.timestamp + 1 days);
        t.scenarios = new string[](0);
        bytes4 missing = IPublicDataAuthorisation.AuthorisationNotFound.selector;
        _row("Authorisations.authorise", a, abi.encodeCall(d.authorisations.authorise, (t)), NOBODY,
            IPublicDataAuthorisation.NotADataAuthority.selector);
        _row("Authorisations.approveScenario", a, abi.encodeCall(d.authorisations.approveScenario, (1, "s", 0)),
            NOBODY, missing);
        _row("Authorisations.license", a, abi.encodeCall(d.authorisations.license, (1, FRESH, t.scenarios, 1, 0)),
            NOBODY, missing);
        _row("Authorisations.revokeLicence", a, abi.encodeCall(d.authorisations.revokeLicence, (1, FRESH, 1)), NOBODY,
            missing);
        _row("Authorisations.revokeAuthorisation", a, abi.encodeCall(d.authorisations.revokeAuthorisation, (1, 1, 0)),
            NOBODY, missing);
        _row("Authorisations.bindAsset", a, abi.encodeCall(d.authorisations.bindAsset, (1, asset, 1)), NOBODY, missing);
        _gov("Authorisations.setPaused", a, abi.encodeCall(d.authorisations.setPaused, (true)), NOBODY,
            IPauseFlag.NotParticipantRegistry.selector);
        address r = address(d.registry);
        // Only the authorisation contract may call it, and that one checks the pause itself (the registry has no
        // room left for the check): paused, every caller is refused as when running.
        _gov("Data.bindPublicData", r, abi.encodeCall(d.registry.bindPublicData, (asset, 1)), NOBODY,
            IDataRegistry.NotPublicDataAuthorisation.selector);
        _gov("Data.setPublicDataAuthorisation (already set)", r,
            abi.encodeCall(d.registry.setPublicDataAuthorisation, (FRESH)), NOBODY, IDataRegistry.NotAdmin.selector);
        rows[rows.length - 1].altRefusal = IDataRegistry.InvalidRecipient.selector;
        rows[rows.length - 1].pausedAltRefusal = IDataRegistry.InvalidRecipient.selector;
    }

    /// @dev Only the holder of a valid holding right records the asset's accounting commitment and finance
    /// remarks, and only the holder that recorded a remark ends it.
    function _financeRows() internal {
        address f = address(d.finance);
        bytes4 notHolder = IFinanceRecords.NotHoldingRightHolder.selector;
        _row("Finance.recordAccounting", f, abi.encodeCall(d.finance.recordAccounting, (asset, 1, who[OUTSIDER],
            keccak256("accounts"))), H, notHolder);
        _row("Finance.recordRemark", f, abi.encodeCall(d.finance.recordRemark, (asset, 1, contribution())), H,
            notHolder);
        _row("Finance.endRemark", f, abi.encodeCall(d.finance.endRemark, (financeRemarkId, keccak256("ended"))), H,
            IFinanceRecords.NotRemarkHolder.selector);
    }

    function _forwarderRows() internal {
        address f = address(d.forwarder);
        bytes memory call_ = abi.encodeCall(d.registry.transfer, (asset, 1, FRESH));
        ERC2771Forwarder.ForwardRequestData memory req = forwardRequest(d.forwarder, keys[HOLDER], address(d.registry),
            call_);
        ERC2771Forwarder.ForwardRequestData memory forged = forwardRequest(d.forwarder, keys[OUTSIDER],
            address(d.registry), call_);
        forged.from = who[HOLDER];
        ERC2771Forwarder.ForwardRequestData[] memory batch = new ERC2771Forwarder.ForwardRequestData[](1);
        batch[0] = req;
        _row("Forwarder.execute (holder's request)", f, abi.encodeCall(d.forwarder.execute, (req)), ANYONE, 0);
        _row("Forwarder.execute (forged in holder's name)", f, abi.encodeCall(d.forwarder.execute, (forged)), NOBODY,
            ERC2771Forwarder.ERC2771ForwarderInvalidSigner.selector);
        _row("Forwarder.executeBatch (holder's request)", f, abi.encodeCall(d.forwarder.executeBatch,
            (batch, payable(address(0)))), ANYONE, 0);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // The passes
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function test_accessMatrix_direct() public {
        _run(false, false);
    }

    function test_accessMatrix_throughForwarder() public {
        _run(false, true);
    }

    function test_accessMatrix_paused() public {
        vm.prank(who[ADMIN]);
        d.participants.pause(keccak256("incident"));
        _run(true, false);
    }

    function test_accessMatrix_pausedThroughForwarder() public {
        vm.prank(who[ADMIN]);
        d.participants.pause(keccak256("incident"));
        _run(true, true);
    }

    function _run(bool paused, bool forwarded) internal {
        string memory failures;
        uint256 failed;
        log(string.concat(
            "\n", paused ? "PAUSED, " : "", forwarded ? "through the forwarder (signed by the role, sent by the relayer)"
                : "direct calls", ": Y allowed, - refused"
        ));
        log(_header());
        for (uint256 i; i < rows.length; ++i) {
            Row storage row = rows[i];
            if (forwarded && row.target == address(d.forwarder)) continue;
            string memory line = _pad(row.name, 46);
            for (uint256 role; role < ROLES; ++role) {
                (bool expected, bytes4 refusal, bytes4 alt) = _expectation(row, role, paused);
                (bool ok, bytes4 got) = _cell(row, role, forwarded);
                bool matches = ok == expected && (ok || got == refusal || (alt != 0 && got == alt));
                line = string.concat(line, _pad(ok ? "Y" : "-", 10));
                if (!matches) {
                    ++failed;
                    failures = string.concat(failures, "\n  ", row.name, " by ", roleNames[role], ": expected ",
                        expected ? "allowed" : "refused", ", got ", ok ? "allowed" : "refused",
                        ok ? "" : string.concat(" with selector ", _hex(got)));
                }
            }
            log(line);
        }
        assertTrue(failed == 0, string.concat(_str(failed), " cell(s) of the matrix differ:", failures));
    }

    function _expectation(Row storage row, uint256 role, bool paused)
        internal
        view
        returns (bool allowed, bytes4 refusal, bytes4 alt)
    {
        uint16 bit = uint16(1 << role);
        if (!paused) return (row.allowed & bit != 0, row.refusal, row.altRefusal);
        if (row.governance) return (row.pausedAllowed & bit != 0, row.refusal, row.pausedAltRefusal);
        // The forwarder checks the request's signature before it calls, and reports a failed call as FailedCall.
        if (row.target == address(d.forwarder)) {
            return (false, row.allowed == NOBODY ? row.refusal : Errors.FailedCall.selector, 0);
        }
        return (false, IParticipantRegistry.RegistryPaused.selector, 0);
    }

    /// @dev One call from the fixture's state, undone afterwards. Through the forwarder, the target's error is
    /// read from the forwarder's batch mode, which reports each request's failure instead of reverting.
    function _cell(Row storage row, uint256 role, bool forwarded) internal returns (bool ok, bytes4 selector) {
        uint256 snapshot = vm.snapshotState();
        if (row.setupPause && !d.participants.paused()) {
            vm.prank(who[ADMIN]);
            d.participants.pause(bytes32(0));
        }
        bytes memory ret;
        if (!forwarded) {
            vm.recordLogs();
            vm.prank(who[role]);
            (ok, ret) = row.target.call(row.data);
            // A batch that carries a failed request does not revert (it carries no value); its event tells.
            if (ok && row.target == address(d.forwarder) && !_forwardedCallsSucceeded()) {
                (ok, ret) = (false, abi.encodeWithSelector(Errors.FailedCall.selector));
            }
        } else {
            ERC2771Forwarder.ForwardRequestData memory req = forwardRequest(d.forwarder, keys[role], row.target,
                row.data);
            vm.prank(who[RELAYER]);
            (ok, ret) = address(d.forwarder).call(abi.encodeCall(d.forwarder.execute, (req)));
            if (!ok) {
                // Replay the target's refusal as the forwarder delivered it, to read its error.
                vm.prank(address(d.forwarder));
                (, ret) = row.target.call(abi.encodePacked(row.data, who[role]));
            }
        }
        if (!ok && ret.length >= 4) selector = bytes4(ret);
        vm.revertToStateAndDelete(snapshot);
    }

    function _forwardedCallsSucceeded() internal returns (bool) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(d.forwarder)
                && logs[i].topics[0] == ERC2771Forwarder.ExecutedForwardRequest.selector) {
                (, bool success) = abi.decode(logs[i].data, (uint256, bool));
                if (!success) return false;
            }
        }
        return true;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Table helpers
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function _row(string memory name, address target, bytes memory data, uint16 allowed, bytes4 refusal) internal {
        rows.push(Row(name, target, data, allowed, refusal, 0, false, NOBODY, 0, false));
    }

    function _gov(string memory name, address target, bytes memory data, uint16 allowed, bytes4 refusal) internal {
        rows.push(Row(name, target, data, allowed, refusal, 0, true, allowed, 0, false));
    }

    /// @dev `role`'s signature of HOLDER's engagement of APPRAISER for `asset`, with HOLDER's current nonce.
    function _engagementSig(uint256 role) internal view returns (bytes memory) {
        IAttestationRegistry.EngagementRequest memory r = engagementRequest(asset);
        bytes32 structHash = keccak256(abi.encode(ENGAGEMENT_TYPEHASH, who[HOLDER], r.appraiser, r.assetId,
            r.rightIndex, r.letterCid, d.attestations.nonces(who[HOLDER]), block.timestamp));
        return sign(keys[role], digest(domain("AttestationRegistry", block.chainid, address(d.attestations)),
            structHash));
    }

    /// @dev `role`'s signature of a DataRegistry struct.
    function _sigBy(uint256 role, bytes32 structHash) internal view returns (bytes memory) {
        return sign(keys[role], digest(domain("DataRegistry", block.chainid, address(d.registry)), structHash));
    }

    function _header() internal view returns (string memory line) {
        line = _pad("function", 46);
        for (uint256 role; role < ROLES; ++role) {
            line = string.concat(line, _pad(roleNames[role], 10));
        }
    }

    function _pad(string memory s, uint256 width) internal pure returns (string memory) {
        bytes memory b = bytes(s);
        if (b.length >= width) return string.concat(s, " ");
        bytes memory spaces = new bytes(width - b.length);
        for (uint256 i; i < spaces.length; ++i) {
            spaces[i] = " ";
        }
        return string.concat(s, string(spaces));
    }
}
