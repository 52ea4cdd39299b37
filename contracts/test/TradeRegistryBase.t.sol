// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {ListingHelpers} from "./ListingHelpers.sol";
import {AttestationRegistry} from "../src/AttestationRegistry.sol";
import {RegistrationOffice} from "../src/RegistrationOffice.sol";
import {IAttestationRegistry} from "../src/interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {ITradeRegistry} from "../src/interfaces/ITradeRegistry.sol";
import {ListingRegistry} from "../src/ListingRegistry.sol";
import {TradeRegistry} from "../src/TradeRegistry.sol";

/// @notice Alice registers an asset (all three rights) and lists it on exchange A (code SZDE); Carol buys. A
/// compliance certifier and a registrar (of change registrations) stand by for the compliance tests.
abstract contract TradeRegistryBase is DataRegistryBase {
    ListingRegistry internal listings;
    TradeRegistry internal trades;
    RegistrationOffice internal office;
    AttestationRegistry internal attestations;
    address internal exchangeA = address(0xEA);
    address internal exchangeB = address(0xEB);
    address internal certifier = address(0xCE);
    address internal registrar = address(0x4E6);
    bytes32 internal assetId;
    uint256 internal listingA;

    // Independent of the contract's own constants, so a typo in either shows up as a failing signature test.
    bytes32 internal constant GRANT_TERMS_TYPE = keccak256(
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 internal constant GRANT_TYPEHASH = keccak256(
        "Grant(address grantor,bytes32 assetId,uint256 parentIndex,GrantTerms terms,uint256 nonce,uint256 deadline)"
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 internal constant ACCEPTANCE_TYPEHASH = keccak256(
        "TradeAcceptance(address buyer,address exchange,uint256 listingId,bytes32 grantSignatureHash,"
        "uint256 priceAmount,bytes3 currency,bytes32 priceHash,bytes32 contractCid,uint256 deadline)"
    );
    bytes32 internal constant CONTRACT_CID = keccak256("trade contract");

    function setUp() public virtual override {
        super.setUp();
        office = new RegistrationOffice(registry, participants, 1 days, address(forwarder));
        attestations = new AttestationRegistry(registry, participants, address(forwarder));
        listings = new ListingRegistry(registry, participants, office, attestations, address(forwarder));
        trades = new TradeRegistry(registry, listings, participants, address(forwarder));
        registry.setRegistrationOffice(address(office));
        _bind(address(listings));
        _bind(address(trades)); // as the deployment does: the trade registry reads its own copy of the switch
        participants.addParticipant(
            exchangeA, IParticipantRegistry.Role.Exchange, unicode"深圳数据交易所", keccak256("91440300MA5H1WXX6U"), "https://a"
        );
        participants.addParticipant(
            exchangeB, IParticipantRegistry.Role.Exchange, unicode"上海数据交易所", keccak256("91310000MA1FL70B7K"), "https://b"
        );
        participants.addParticipant(
            certifier, IParticipantRegistry.Role.ComplianceCertifier, unicode"合规认证机构", keccak256("c"), ""
        );
        IParticipantRegistry.QualificationData memory accreditation; // a certifier acts under its qualification
        (accreditation.kind, accreditation.issuer, accreditation.number) =
            (IParticipantRegistry.QualificationKind.Accreditation, unicode"国家认监委", "CNCA-R-2026-001");
        participants.qualify(certifier, accreditation);
        participants.addParticipant(registrar, IParticipantRegistry.Role.Registrar, unicode"登记机构", keccak256("r"), "");
        office.configureRegistrar(registrar, "35", "A");
        vm.prank(exchangeA);
        trades.setTradeCode("SZDE");
        vm.prank(exchangeA);
        listings.setListingPolicy(ListingHelpers.permissive());
        vm.prank(exchangeB);
        listings.setListingPolicy(ListingHelpers.permissive());
        assetId = _registerAs(alice, keccak256("data"), ALL);
        listingA = _list(exchangeA, "SZDE-0001");
    }

    function _list(address exchange, string memory ref) internal returns (uint256) {
        return _listUntil(exchange, ref, 0);
    }

    /// @dev A listing whose terms end at `validUntil` (0: no end).
    function _listUntil(address exchange, string memory ref, uint64 validUntil) internal returns (uint256) {
        return _listWith(exchange, ref, validUntil, 0);
    }

    /// @dev A listing of `assetId` naming compliance certification `attestationId` (0: none).
    function _listWith(address exchange, string memory ref, uint64 validUntil, uint256 attestationId)
        internal
        returns (uint256)
    {
        IListingRegistry.ListingRequest memory r = ListingHelpers.request(assetId, 3, 0, ref, keccak256("offer"));
        r.terms.validUntil = validUntil;
        r.attestationId = attestationId;
        uint256 deadline = block.timestamp + 1 days;
        uint256 consentId = listings.listingCount(); // unordered: any unused id
        bytes32 structHash = ListingHelpers.consentHash(alice, exchange, r, consentId, deadline);
        bytes memory sig = _sign(ALICE_KEY, keccak256(abi.encodePacked("\x19\x01", listings.DOMAIN_SEPARATOR(), structHash)));
        vm.prank(exchange);
        return listings.list(r, alice, consentId, deadline, sig);
    }

    /// @dev Alice's asset of `classification` and `attributes` (all three rights), now `assetId`, certified for
    /// compliance (合规认证) of its current version when `certified`, and listed on exchange A naming that
    /// certification, as listing `ref`. Returns the listing and the certification (0 for none).
    function _listSensitive(string memory ref, uint8 classification, uint8 attributes, bool certified)
        internal
        returns (uint256 listingId, uint256 certification)
    {
        IDataRegistry.Registration memory reg = _registration(keccak256(bytes(ref)), _holders1(alice, ALL));
        (reg.classification, reg.attributes) = (classification, attributes);
        vm.prank(alice);
        assetId = registry.register(reg);
        if (certified) certification = _certify(assetId);
        listingId = _listWith(exchangeA, ref, 0, certification);
    }

    function _certify(bytes32 id) internal returns (uint256) {
        IAttestationRegistry.AttestationData memory a;
        a.kind = IAttestationRegistry.Kind.ComplianceCertification;
        a.method = "DSL/PIPL";
        a.conclusion = "pass";
        a.reportCid = keccak256("certification report");
        vm.prank(certifier);
        return attestations.attest(id, a);
    }

    /// @dev A change registration (变更登记) of `id`, applied for by Alice and passed by the registrar: the asset's
    /// next version has `classification` and `attributes` (new metadata, the same data).
    function _change(bytes32 id, uint8 classification, uint8 attributes) internal {
        IDataRegistry.Version memory v;
        v.metadataCid = keccak256(abi.encode("metadata", id, registry.getAsset(id).version + 1));
        (v.classification, v.attributes) = (classification, attributes);
        vm.prank(alice);
        office.applyForChange(id, registrar, v, bytes32(0));
        vm.prank(registrar);
        office.reviewChange(id, true, 0, bytes32(0));
    }

    function _trade(uint256 listingId, address buyer) internal pure returns (ITradeRegistry.Trade memory t) {
        t.listingId = listingId;
        t.buyer = buyer;
        t.parentIndex = 2; // Alice's primary usage right
        t.priceAmount = 1_250_000_00; // 1,250,000.00 CNY in fen
        t.currency = "CNY";
        t.contractCid = CONTRACT_CID;
    }

    function _terms(address buyer) internal view returns (IDataRegistry.GrantTerms memory g) {
        g.grantee = buyer;
        g.validUntil = uint64(block.timestamp + 365 days);
        g.purpose = unicode"交通规划研究";
        g.territory = "4403";
        g.termsCid = CONTRACT_CID;
    }

    function _termsHash(IDataRegistry.GrantTerms memory g) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                GRANT_TERMS_TYPE, g.grantee, g.validFrom, g.validUntil, g.subGrantable, g.transferable,
                keccak256(bytes(g.purpose)), keccak256(bytes(g.territory)), g.quantity, g.termsCid
            )
        );
    }

    function _grantSig(uint256 key, uint256 parentIndex, IDataRegistry.GrantTerms memory g, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        address grantor = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(GRANT_TYPEHASH, grantor, assetId, parentIndex, _termsHash(g), registry.nonces(grantor), deadline)
        );
        return _sign(key, keccak256(abi.encodePacked("\x19\x01", registry.DOMAIN_SEPARATOR(), structHash)));
    }

    function _acceptSig(
        uint256 key,
        address exchange,
        ITradeRegistry.Trade memory t,
        bytes memory grantSignature,
        uint256 deadline
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(
                ACCEPTANCE_TYPEHASH, vm.addr(key), exchange, t.listingId, keccak256(grantSignature), t.priceAmount,
                t.currency, t.priceHash, t.contractCid, deadline
            )
        );
        return _sign(key, keccak256(abi.encodePacked("\x19\x01", trades.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @dev Both parties' signatures for a trade on `exchange`, good for a day.
    function _sigs(address exchange, ITradeRegistry.Trade memory t, IDataRegistry.GrantTerms memory g)
        internal
        view
        returns (ITradeRegistry.Signatures memory s)
    {
        s.grantDeadline = block.timestamp + 1 days;
        s.grantSignature = _grantSig(ALICE_KEY, t.parentIndex, g, s.grantDeadline);
        s.acceptDeadline = block.timestamp + 1 days;
        s.acceptSignature = _acceptSig(CAROL_KEY, exchange, t, s.grantSignature, s.acceptDeadline);
    }
}
