// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {FinanceRecords} from "../src/FinanceRecords.sol";
import {Forwarder} from "../src/Forwarder.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {RecognitionRegistry} from "../src/RecognitionRegistry.sol";
import {RegistrationOffice} from "../src/RegistrationOffice.sol";
import {TradeRegistry} from "../src/TradeRegistry.sol";
import {PublicDataAuthorisation} from "../src/PublicDataAuthorisation.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IFinanceRecords} from "../src/interfaces/IFinanceRecords.sol";
import {ListingHelpers} from "./ListingHelpers.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice The whole registry (forwarder, participants, data, listings, registration office, attestations) with
/// one party in each role, and a world in which every write of every contract has something to act on: an asset
/// with a grant, a listing, a pledge, a frozen asset, applications at every stage of the procedure, an
/// attestation. Shared by the access-control matrix, the pause tests and the signature attack tests.
abstract contract RegistryFixture is Test {
    struct Deployment {
        Forwarder forwarder;
        ParticipantRegistry participants;
        DataRegistry registry;
        ListingRegistry listings;
        RegistrationOffice office;
        AttestationRegistry attestations;
        TradeRegistry trades;
        RecognitionRegistry recognitions;
        FinanceRecords finance;
        PublicDataAuthorisation authorisations;
    }

    // ───────────────────────────── roles: the columns of the matrix ─────────────────────────────

    uint256 internal constant ROLES = 10;
    /// @dev Role indices; `1 << index` is the role's bit in an allowed-set mask.
    uint256 internal constant HOLDER = 0; // registrant of `asset`, holds its three primary rights
    uint256 internal constant GRANTEE = 1; // holds usage grant 4 of `asset` (sub-grantable, transferable)
    uint256 internal constant OTHER_HOLDER = 2; // holds every right of another asset, none of `asset`
    uint256 internal constant EXCHANGE = 3; // active exchange, lists `asset`
    uint256 internal constant REGISTRAR = 4; // active registrar (code 35A), handles every application
    uint256 internal constant REGULATOR = 5; // active regulator
    uint256 internal constant APPRAISER = 6; // active appraiser, issued attestation 1
    uint256 internal constant ADMIN = 7; // the council's multisig: owner of the ParticipantRegistry
    uint256 internal constant OUTSIDER = 8; // no right, no role
    uint256 internal constant RELAYER = 9; // pays gas for others' signed requests; no right, no role of its own

    uint16 internal constant NOBODY = 0;
    uint16 internal constant ANYONE = uint16((1 << ROLES) - 1);

    string[ROLES] internal roleNames = [
        "holder", "grantee", "other", "exchange", "registrar", "regulator", "appraiser", "admin", "outsider", "relayer"
    ];
    uint256[ROLES] internal keys;
    address[ROLES] internal who;

    /// @dev Receives rights in the matrix's calls; never a caller.
    address internal constant FRESH = address(0xF4E5);
    address internal constant SUSPENDED_EXCHANGE = address(0x5E5E);

    // ───────────────────────────── the world ─────────────────────────────

    uint256 internal constant T0 = 1_795_219_200; // 2026-11-21 00:00 UTC
    uint64 internal constant PUBLICITY = 5 days;
    bytes32 internal constant METADATA = keccak256("metadata document");

    Deployment internal d;
    bytes32 internal asset;
    bytes32 internal otherAsset;
    bytes32 internal frozenAsset;
    bytes32 internal unappliedAsset;
    bytes32 internal appliedAsset;
    bytes32 internal acceptedAsset;
    bytes32 internal publicityAsset; // in publicity, objection 1 pending
    bytes32 internal publicityOverAsset; // publicity over, no objection
    bytes32 internal registeredAsset; // registered, inside its renewal window, renewal requested by the holder
    bytes32 internal renewableAsset; // registered with registeredAsset, inside its renewal window, not requested
    bytes32 internal changeAsset; // a change registration applied for, awaiting the registrar's review
    bytes32 internal pendingAsset; // usage right 2 assigned to GRANTEE, not accepted yet
    uint256 internal constant USAGE_GRANT = 4; // of `asset`, held by GRANTEE
    uint256 internal listingId; // `asset`'s operating right 3 on EXCHANGE
    bytes32 internal pledgeId; // on `asset`
    uint256 internal attestationId; // by APPRAISER on `asset`, under engagement 1
    uint256 internal openEngagement; // HOLDER engaged APPRAISER for `asset` (engagement 2), not used yet
    uint256 internal financeRemarkId; // a capital contribution of `asset`, recorded by HOLDER

    function setUp() public virtual {
        vm.warp(T0);
        for (uint256 i; i < ROLES; ++i) {
            keys[i] = uint256(keccak256(abi.encode("role", i))) % (2 ** 160);
            who[i] = vm.addr(keys[i]);
            vm.label(who[i], roleNames[i]);
        }
        d = deploy();
        _admit(d);

        asset = _register(d, who[HOLDER], "asset");
        otherAsset = _register(d, who[OTHER_HOLDER], "other asset");
        frozenAsset = _register(d, who[HOLDER], "frozen asset");
        unappliedAsset = _register(d, who[HOLDER], "unapplied");
        appliedAsset = _register(d, who[HOLDER], "applied");
        acceptedAsset = _register(d, who[HOLDER], "accepted");
        publicityAsset = _register(d, who[HOLDER], "publicity");
        publicityOverAsset = _register(d, who[HOLDER], "publicity over");
        registeredAsset = _register(d, who[HOLDER], "registered");
        renewableAsset = _register(d, who[HOLDER], "renewable");
        changeAsset = _register(d, who[HOLDER], "change");
        {
            IDataRegistry.Registration memory pr = registration(who[HOLDER], keccak256("pending"));
            pr.holders = new IDataRegistry.RightHolder[](2);
            (address a0, uint8 k0, address a1, uint8 k1) = who[HOLDER] < who[GRANTEE]
                ? (who[HOLDER], uint8(5), who[GRANTEE], uint8(2))
                : (who[GRANTEE], uint8(2), who[HOLDER], uint8(5));
            pr.holders[0] = IDataRegistry.RightHolder(a0, k0);
            pr.holders[1] = IDataRegistry.RightHolder(a1, k1);
            vm.prank(who[HOLDER]);
            pendingAsset = d.registry.register(pr);
        }

        vm.prank(who[HOLDER]);
        uint256 grantIndex = d.registry.grant(asset, 2, terms(who[GRANTEE], 0));
        assertEq(grantIndex, USAGE_GRANT, "usage grant index");
        vm.prank(who[REGULATOR]);
        d.registry.freeze(frozenAsset, "(2026)01", bytes32(0));
        vm.prank(who[REGISTRAR]);
        pledgeId = d.registry.recordPledge(asset, "ZD-1", who[OTHER_HOLDER]);

        IListingRegistry.ListingRequest memory r = listingRequest(asset, "SDE-1");
        vm.prank(who[HOLDER]);
        d.listings.approveListing(who[EXCHANGE], r, uint64(block.timestamp + 1 days));
        vm.prank(who[EXCHANGE]);
        listingId = d.listings.list(r, who[HOLDER], 0, 0, "");

        vm.prank(who[HOLDER]);
        uint256 engagementId = d.attestations.engage(engagementRequest(asset));
        vm.prank(who[APPRAISER]);
        attestationId = d.attestations.appraise(asset, appraisal(), appraisalTerms(engagementId));
        vm.prank(who[HOLDER]);
        openEngagement = d.attestations.engage(engagementRequest(asset));
        vm.prank(who[HOLDER]);
        financeRemarkId = d.finance.recordRemark(asset, 1, contribution());

        // The procedure: one application registered a year ago and due for renewal, and one at every other stage.
        _toPublicity(registeredAsset);
        _toPublicity(renewableAsset);
        vm.warp(block.timestamp + PUBLICITY);
        vm.startPrank(who[REGISTRAR]);
        d.office.register(registeredAsset, 1);
        d.office.register(renewableAsset, 1);
        vm.stopPrank();
        vm.warp(block.timestamp + 200 days); // inside the renewal window: 183 to 1 day before the end
        vm.startPrank(who[HOLDER]);
        d.office.requestRenewal(registeredAsset);
        d.office.applyForChange(changeAsset, who[REGISTRAR], version2(), bytes32(0));
        vm.stopPrank();
        _toPublicity(publicityOverAsset);
        vm.warp(block.timestamp + PUBLICITY);
        _toPublicity(publicityAsset);
        vm.prank(who[EXCHANGE]);
        d.office.object(publicityAsset, 2, keccak256("evidence"));
        vm.prank(who[HOLDER]);
        d.office.applyFor(appliedAsset, who[REGISTRAR], bytes32(0));
        vm.prank(who[HOLDER]);
        d.office.applyFor(acceptedAsset, who[REGISTRAR], bytes32(0));
        vm.prank(who[REGISTRAR]);
        d.office.accept(acceptedAsset);
    }

    // ───────────────────────────── deployment ─────────────────────────────

    /// @dev A complete deployment administered by ADMIN; called again for cross-deployment attacks.
    function deploy() internal returns (Deployment memory x) {
        x.forwarder = new Forwarder();
        x.participants = new ParticipantRegistry(who[ADMIN], address(x.forwarder));
        x.registry = new DataRegistry(x.participants, address(x.forwarder));
        x.office = new RegistrationOffice(x.registry, x.participants, PUBLICITY, address(x.forwarder));
        x.attestations = new AttestationRegistry(x.registry, x.participants, address(x.forwarder));
        x.listings =
            new ListingRegistry(x.registry, x.participants, x.office, x.attestations, address(x.forwarder));
        x.trades = new TradeRegistry(x.registry, x.listings, x.participants, address(x.forwarder));
        x.recognitions = new RecognitionRegistry(x.participants, address(x.forwarder));
        x.finance = new FinanceRecords(x.registry, x.participants, address(x.forwarder));
        x.authorisations = new PublicDataAuthorisation(x.registry, x.participants, address(x.forwarder));
    }

    function _admit(Deployment memory x) internal {
        vm.startPrank(who[ADMIN]);
        x.participants.addParticipant(who[EXCHANGE], IParticipantRegistry.Role.Exchange, "E", keccak256("e"), "");
        x.participants.addParticipant(who[REGISTRAR], IParticipantRegistry.Role.Registrar, "R", keccak256("r"), "");
        x.participants.addParticipant(who[REGULATOR], IParticipantRegistry.Role.Regulator, "G", keccak256("g"), "");
        x.participants.addParticipant(who[APPRAISER], IParticipantRegistry.Role.Appraiser, "A", keccak256("a"), "");
        x.participants.qualify(who[APPRAISER], qualification(uint64(T0 + 3650 days)));
        x.participants.addParticipant(SUSPENDED_EXCHANGE, IParticipantRegistry.Role.Exchange, "S", keccak256("s"), "");
        x.participants.suspendParticipant(SUSPENDED_EXCHANGE, 1, bytes32(0));
        x.office.configureRegistrar(who[REGISTRAR], "35", "A");
        // Recognition 1: another province's registry, for the withdrawal rows.
        x.recognitions.recognise(31_338, address(0x4601), address(0x4602), 1, "46", unicode"海南省数据登记中心");
        x.registry.setRegistrationOffice(address(x.office));
        x.registry.setPublicDataAuthorisation(address(x.authorisations));
        address[] memory bound = new address[](7);
        (bound[0], bound[1], bound[2], bound[3], bound[4], bound[5], bound[6]) = (address(x.registry),
            address(x.listings), address(x.office), address(x.attestations), address(x.trades), address(x.finance),
            address(x.authorisations));
        x.participants.bindContracts(bound);
        vm.stopPrank();
        // The fixture's assets are mostly uncertified: its exchange's policy allows them.
        vm.prank(who[EXCHANGE]);
        x.listings.setListingPolicy(ListingHelpers.permissive());
    }

    function _register(Deployment memory x, address registrant, string memory content) internal returns (bytes32) {
        vm.prank(registrant);
        return x.registry.register(registration(registrant, keccak256(bytes(content))));
    }

    function _toPublicity(bytes32 id) internal {
        vm.prank(who[HOLDER]);
        d.office.applyFor(id, who[REGISTRAR], bytes32(0));
        vm.startPrank(who[REGISTRAR]);
        d.office.accept(id);
        d.office.review(id, true, 0, bytes32(0), 0);
        vm.stopPrank();
    }

    // ───────────────────────────── values ─────────────────────────────

    function registration(address holder, bytes32 contentHash)
        internal
        pure
        returns (IDataRegistry.Registration memory r)
    {
        r.contentHash = contentHash;
        r.metadataCid = METADATA;
        r.sources = new IDataRegistry.Source[](0);
        r.holders = new IDataRegistry.RightHolder[](1);
        r.holders[0] = IDataRegistry.RightHolder(holder, 7);
    }

    function version2() internal pure returns (IDataRegistry.Version memory v) {
        v.metadataCid = keccak256("metadata v2");
        v.contentHash = keccak256("data v2");
        v.classification = 1;
        v.attributes = 1;
    }

    function terms(address grantee, uint64 until) internal pure returns (IDataRegistry.GrantTerms memory t) {
        t.grantee = grantee;
        t.validUntil = until;
        t.subGrantable = true;
        t.transferable = true;
        t.purpose = unicode"交通规划研究";
        t.territory = "3502";
        t.termsCid = keccak256("terms");
    }

    function listingRequest(bytes32 id, string memory ref)
        internal
        pure
        returns (IListingRegistry.ListingRequest memory)
    {
        return ListingHelpers.request(id, 3, 0, ref, keccak256(bytes(ref)));
    }

    /// @dev A capital contribution (作价出资) of an asset into FRESH, agreed by the document "agreement".
    function contribution() internal pure returns (IFinanceRecords.RemarkData memory r) {
        r.kind = IFinanceRecords.RemarkKind.CapitalContribution;
        r.counterparty = FRESH;
        r.beneficiaries = new address[](0);
        r.documentCid = keccak256("agreement");
        r.effectiveFrom = uint64(T0);
    }

    function appraisal() internal pure returns (IAttestationRegistry.AttestationData memory a) {
        a.kind = IAttestationRegistry.Kind.Appraisal;
        a.value = 100;
        a.currency = "CNY";
        a.method = unicode"收益法";
        a.reportCid = keccak256("report");
    }

    /// @dev An appraisal licence (资产评估资质) from the finance department, valid from now until `until`.
    function qualification(uint64 until) internal pure returns (IParticipantRegistry.QualificationData memory q) {
        q.kind = IParticipantRegistry.QualificationKind.Licence;
        q.validUntil = until;
        q.issuer = unicode"福建省财政厅";
        q.number = "PG-35-0001";
        q.scope = unicode"数据资产评估";
        q.documentCid = keccak256("licence");
    }

    /// @dev HOLDER's engagement of APPRAISER by its holding right 1 of `id`.
    function engagementRequest(bytes32 id) internal view returns (IAttestationRegistry.EngagementRequest memory) {
        return IAttestationRegistry.EngagementRequest(who[APPRAISER], id, 1, keccak256("engagement letter"));
    }

    function appraisalTerms(uint256 engagementId) internal view returns (IAttestationRegistry.AppraisalTerms memory) {
        return IAttestationRegistry.AppraisalTerms(
            uint64(block.timestamp - 1 days), IAttestationRegistry.ValueType.Market,
            unicode"数据资产评估指导意见", engagementId
        );
    }

    // ───────────────────────────── signatures (typed data written out independently of the contracts) ─────

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant GRANT_TERMS_TYPEHASH = keccak256(
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 internal constant REGISTER_TYPEHASH = keccak256(
        "Register(address registrant,bytes32 contentHash,bytes32 contentCid,bytes32 metadataCid,uint8 classification,"
        "uint8 attributes,Source[] sources,RightHolder[] holders,HolderTerms[] terms,uint256 nonce,uint256 deadline)"
        "HolderTerms(uint64 validUntil,bytes32 limitsCid)RightHolder(address account,uint8 kinds)"
        "Source(bytes32 assetId,uint256 rightIndex)"
    );
    bytes32 internal constant ACCEPT_RIGHT_TYPEHASH =
        keccak256("AcceptRight(address holder,bytes32 assetId,uint256 rightIndex,uint256 nonce,uint256 deadline)");
    bytes32 internal constant GRANT_TYPEHASH = keccak256(
        "Grant(address grantor,bytes32 assetId,uint256 parentIndex,GrantTerms terms,uint256 nonce,uint256 deadline)"
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 internal constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(address holder,bytes32 assetId,uint256 rightIndex,address to,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant REVOKE_TYPEHASH = keccak256(
        "Revoke(address grantor,bytes32 assetId,uint256 rightIndex,uint16 reasonCode,bytes32 evidenceCid,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant RENEW_TYPEHASH = keccak256(
        "Renew(address grantor,bytes32 assetId,uint256 rightIndex,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant ENGAGEMENT_TYPEHASH = keccak256(
        "Engagement(address holder,address appraiser,bytes32 assetId,uint256 rightIndex,bytes32 letterCid,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant FORWARD_REQUEST_TYPEHASH = keccak256(
        "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
    );

    function domain(string memory name, uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256(bytes(name)), keccak256("1"), chainId, verifyingContract));
    }

    function digest(bytes32 domainSeparator, bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function sign(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    function registerHash(IDataRegistry.Registration memory r, address registrant, uint256 nonce, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        bytes32[] memory sources = new bytes32[](r.sources.length);
        for (uint256 i; i < r.sources.length; ++i) {
            sources[i] = keccak256(
                abi.encode(
                    keccak256("Source(bytes32 assetId,uint256 rightIndex)"), r.sources[i].assetId, r.sources[i].rightIndex
                )
            );
        }
        bytes32[] memory holders = new bytes32[](r.holders.length);
        for (uint256 i; i < r.holders.length; ++i) {
            holders[i] = keccak256(
                abi.encode(keccak256("RightHolder(address account,uint8 kinds)"), r.holders[i].account, r.holders[i].kinds)
            );
        }
        bytes32[] memory termHashes = new bytes32[](r.terms.length);
        for (uint256 i; i < r.terms.length; ++i) {
            termHashes[i] = keccak256(
                abi.encode(keccak256("HolderTerms(uint64 validUntil,bytes32 limitsCid)"), r.terms[i].validUntil,
                    r.terms[i].limitsCid)
            );
        }
        return keccak256(
            bytes.concat(
                abi.encode(
                    REGISTER_TYPEHASH, registrant, r.contentHash, r.contentCid, r.metadataCid, r.classification,
                    r.attributes
                ),
                abi.encode(keccak256(abi.encodePacked(sources)), keccak256(abi.encodePacked(holders)),
                    keccak256(abi.encodePacked(termHashes)), nonce, deadline)
            )
        );
    }

    function termsHash(IDataRegistry.GrantTerms memory t) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                GRANT_TERMS_TYPEHASH, t.grantee, t.validFrom, t.validUntil, t.subGrantable, t.transferable,
                keccak256(bytes(t.purpose)), keccak256(bytes(t.territory)), t.quantity, t.termsCid
            )
        );
    }

    function consentHash(
        address holder,
        address exchange,
        IListingRegistry.ListingRequest memory r,
        uint256 nonce,
        uint256 deadline
    ) internal pure returns (bytes32) {
        return ListingHelpers.consentHash(holder, exchange, r, nonce, deadline);
    }

    /// @dev A forward request from `key`'s account to `to`, signed for forwarder `f` on this chain.
    function forwardRequest(Forwarder f, uint256 key, address to, bytes memory data)
        internal
        view
        returns (ERC2771Forwarder.ForwardRequestData memory req)
    {
        req.from = vm.addr(key);
        req.to = to;
        req.gas = 1_500_000;
        req.deadline = uint48(block.timestamp + 1 hours);
        req.data = data;
        req.signature = sign(key, forwardDigest(f, req, f.nonces(req.from), block.chainid));
    }

    function forwardDigest(Forwarder f, ERC2771Forwarder.ForwardRequestData memory req, uint256 nonce, uint256 chainId)
        internal
        pure
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                FORWARD_REQUEST_TYPEHASH, req.from, req.to, req.value, req.gas, nonce, req.deadline, keccak256(req.data)
            )
        );
        return digest(domain("DataregForwarder", chainId, address(f)), structHash);
    }
}
