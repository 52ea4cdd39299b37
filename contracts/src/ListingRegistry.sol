// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IListingRegistry} from "./interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IRegistrationOffice} from "./interfaces/IRegistrationOffice.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title ListingRegistry
/// @notice See {IListingRegistry}. Reads rights from the DataRegistry, exchanges from the ParticipantRegistry,
/// certificates from the RegistrationOffice and certifications from the AttestationRegistry, so a listing's
/// validity always follows theirs.
contract ListingRegistry is IListingRegistry, EIP712, ERC2771Context, PauseFlag {
    bytes32 private constant TERMS_TYPEHASH = keccak256(
        "ListingTerms(uint8 priceModel,uint256 priceAmount,bytes3 currency,uint8 productForm,uint8 deliveryModes,"
        "uint64 validUntil,string usageScope)"
    );
    bytes32 private constant CONSENT_TYPEHASH = keccak256(
        "ListingConsent(address holder,address exchange,bytes32 assetId,uint256 rightIndex,uint256 originListingId,"
        "string exchangeListingId,bytes32 offerTermsCid,uint256 attestationId,ListingTerms terms,uint256 nonce,"
        "uint256 deadline)ListingTerms(uint8 priceModel,uint256 priceAmount,bytes3 currency,uint8 productForm,"
        "uint8 deliveryModes,uint64 validUntil,string usageScope)"
    );
    /// @dev The consent id `ListingTermsSet` reports for an approval by transaction, which has none.
    uint256 private constant APPROVAL = type(uint256).max;
    uint8 private constant ALL_DELIVERY_MODES = 0x0f;
    uint256 private constant MAX_USAGE_SCOPE = 200;
    uint8 private constant PERSONAL_INFORMATION = 0x03; // attributes bit 0 personal, bit 1 sensitive personal
    uint8 private constant EXPORT_ALLOWED = 0x04; // attributes bit 2

    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;
    IRegistrationOffice public immutable office;
    IAttestationRegistry public immutable attestations;

    /// @dev What the listing rule reads of an asset: the DataRegistry's `assetTraits`, the asset's one slot, not
    /// its whole record (`getAsset` costs a trade 3,141 gas more, over its 150,000 target: SECURITY.md).
    struct AssetTraits {
        uint8 classification;
        uint8 attributes;
        uint16 version;
        bool frozen;
    }

    /// @dev Three slots per listing, as before the terms: the ids are narrowed to fit (a listing id is at most
    /// `_count`, an attestation id was checked to exist, right indices are uint24 in the DataRegistry). The
    /// exchange's own listing id, the offer terms and the structured terms are in the events.
    struct ListingRecord {
        address exchange;
        ListingStatus status;
        uint48 originListingId;
        uint40 attestationId;
        address holder;
        uint32 rightIndex;
        uint64 validUntil;
        bytes32 assetId;
    }

    // One slot: `list` reads the floor and then counts, so the floor's cold read is the count's too.
    uint48 private _count;
    bool private _certificateRequired;
    bool private _importantDataForbidden;
    bool private _personalInformationForbidden;
    mapping(uint256 listingId => ListingRecord) private _listings;
    mapping(address exchange => mapping(bytes32 exchangeListingIdHash => uint256 listingId)) private _byExchangeId;
    mapping(uint256 originListingId => mapping(address exchange => uint256 listingId)) private _crossListings;
    mapping(bytes32 consentHash => uint64 validUntil) private _approved;
    mapping(address holder => mapping(uint256 wordPos => uint256 bitmap)) private _usedConsents;
    mapping(address exchange => ListingPolicy) private _policies;

    constructor(
        IDataRegistry dataRegistry_,
        IParticipantRegistry participants_,
        IRegistrationOffice office_,
        IAttestationRegistry attestations_,
        address trustedForwarder
    ) EIP712("ListingRegistry", "1") ERC2771Context(trustedForwarder) {
        dataRegistry = dataRegistry_;
        participants = participants_;
        office = office_;
        attestations = attestations_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Listing
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IListingRegistry
    function list(
        ListingRequest calldata r,
        address holder,
        uint256 consentId,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 listingId) {
        _whenNotPaused();
        address exchange = _msgSender();
        if (!participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) revert NotAnExchange(exchange);
        _checkTerms(r.terms);
        _consume(holder, exchange, r, consentId, deadline, signature);
        AssetTraits memory asset = _checkConsentHolds(r.assetId, r.rightIndex, holder);
        _checkCompliance(r, exchange, asset);

        bytes32 idHash = keccak256(bytes(r.exchangeListingId));
        uint256 previous = _byExchangeId[exchange][idHash];
        // An exchange's listing id is its own again once the listing that had it has ended.
        if (previous != 0 && !_ended(previous)) revert DuplicateExchangeListingId(exchange, r.exchangeListingId);
        if (r.originListingId != 0) _checkOrigin(r, exchange, holder);

        listingId = ++_count;
        _listings[listingId] = ListingRecord({
            exchange: exchange,
            status: ListingStatus.Listed,
            // forge-lint: disable-next-line(unsafe-typecast) an existing listing's id (_checkOrigin), below _count
            originListingId: uint48(r.originListingId),
            // forge-lint: disable-next-line(unsafe-typecast) an existing attestation's id (_checkCompliance)
            attestationId: uint40(r.attestationId),
            holder: holder,
            // forge-lint: disable-next-line(unsafe-typecast) right indices are uint24 in the DataRegistry
            rightIndex: uint32(r.rightIndex),
            validUntil: r.terms.validUntil,
            assetId: r.assetId
        });
        _byExchangeId[exchange][idHash] = listingId;
        if (r.originListingId != 0) _crossListings[r.originListingId][exchange] = listingId;
        _emitListed(listingId, exchange, holder, r, signature.length == 0 ? APPROVAL : consentId);
    }

    /// @dev Its own function only to keep `list` within the EVM's stack limit.
    function _emitListed(uint256 listingId, address exchange, address holder, ListingRequest calldata r, uint256 consentId)
        private
    {
        emit Listed(
            listingId, r.assetId, exchange, holder, r.rightIndex, r.originListingId, r.exchangeListingId,
            r.offerTermsCid
        );
        emit ListingTermsSet(listingId, r.attestationId, consentId, r.terms);
    }

    /// @inheritdoc IListingRegistry
    function approveListing(address exchange, ListingRequest calldata r, uint64 validUntil) external {
        _whenNotPaused();
        // An approval that never ends could not be told from one forgotten: it must end, and in the future.
        if (validUntil <= block.timestamp) revert InvalidApprovalExpiry(validUntil);
        // The holder's standing is checked when the exchange lists; approving alone changes no listing.
        address holder = _msgSender();
        bytes32 consentHash = _consentHash(holder, exchange, r);
        _approved[consentHash] = validUntil;
        emit ListingApproved(holder, exchange, r.assetId, consentHash, validUntil);
    }

    /// @inheritdoc IListingRegistry
    function revokeApproval(address exchange, ListingRequest calldata r) external {
        _whenNotPaused();
        address holder = _msgSender();
        bytes32 consentHash = _consentHash(holder, exchange, r);
        if (_approved[consentHash] == 0) revert ConsentMissing(holder, exchange);
        delete _approved[consentHash];
        emit ListingApprovalRevoked(holder, exchange, r.assetId, consentHash);
    }

    /// @inheritdoc IListingRegistry
    function withdrawConsents(uint256 wordPos, uint256 mask) external {
        _whenNotPaused();
        address holder = _msgSender();
        _usedConsents[holder][wordPos] |= mask;
        emit ConsentsWithdrawn(holder, wordPos, mask);
    }

    /// @inheritdoc IListingRegistry
    function setListingPolicy(ListingPolicy calldata policy) external {
        _whenNotPaused();
        address exchange = _msgSender();
        if (!participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) revert NotAnExchange(exchange);
        _policies[exchange] = policy;
        emit ListingPolicySet(exchange, policy);
    }

    /// @inheritdoc IListingRegistry
    /// @dev Not paused: the floor is the council's own lever, like its other emergency measures.
    function setListingFloor(ListingFloor calldata floor) external {
        address council = _msgSender();
        if (council != Ownable(address(participants)).owner()) revert NotCouncil(council);
        (_certificateRequired, _importantDataForbidden, _personalInformationForbidden) =
            (floor.certificateRequired, floor.importantDataForbidden, floor.personalInformationForbidden);
        emit ListingFloorSet(council, floor);
    }

    /// @inheritdoc IListingRegistry
    function setStatus(uint256 listingId, ListingStatus status) external {
        _whenNotPaused();
        ListingRecord storage l = _existing(listingId);
        address by = _msgSender();
        bool isExchange = by == l.exchange;
        bool isHolder = !isExchange && status == ListingStatus.Delisted
            && dataRegistry.getRight(l.assetId, l.rightIndex).holder == by;
        if (!isExchange && !isHolder) revert NotListingParty(listingId, by);
        ListingStatus from = l.status;
        bool allowed = from != ListingStatus.Delisted && from != status && status != ListingStatus.None;
        if (!allowed) revert InvalidStatusChange(listingId, from, status);
        l.status = status;
        if (status == ListingStatus.Delisted && l.originListingId != 0) {
            // The venue may cross-list the product again later, with fresh consent.
            delete _crossListings[l.originListingId][l.exchange];
        }
        emit ListingStatusChanged(listingId, l.exchange, by, status);
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    function _consume(
        address holder,
        address exchange,
        ListingRequest calldata r,
        uint256 consentId,
        uint256 deadline,
        bytes calldata sig
    ) private {
        if (sig.length == 0) {
            bytes32 consentHash = _consentHash(holder, exchange, r);
            uint64 validUntil = _approved[consentHash];
            if (validUntil == 0) revert ConsentMissing(holder, exchange);
            if (block.timestamp > validUntil) revert ApprovalExpired(holder, exchange, validUntil);
            delete _approved[consentHash];
            return;
        }
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        // Two encodings concatenated are the one flat encoding EIP-712 asks for, within the stack limit.
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(
                    CONSENT_TYPEHASH,
                    holder,
                    exchange,
                    r.assetId,
                    r.rightIndex,
                    r.originListingId,
                    keccak256(bytes(r.exchangeListingId)),
                    r.offerTermsCid
                ),
                abi.encode(r.attestationId, _termsHash(r.terms), consentId, deadline)
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(holder, _hashTypedDataV4(structHash), sig)) {
            revert InvalidSignature(holder);
        }
        // Unordered (Permit2's bitmap): flipping the id's bit both checks and marks it.
        uint256 bit = 1 << (consentId & 0xff);
        uint256 flipped = _usedConsents[holder][consentId >> 8] ^= bit;
        if (flipped & bit == 0) revert ConsentUsed(holder, consentId);
    }

    function _termsHash(ListingTerms calldata t) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TERMS_TYPEHASH,
                t.priceModel,
                t.priceAmount,
                t.currency,
                t.productForm,
                t.deliveryModes,
                t.validUntil,
                keccak256(bytes(t.usageScope))
            )
        );
    }

    function _consentHash(address holder, address exchange, ListingRequest calldata r) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(
                    holder, exchange, r.assetId, r.rightIndex, r.originListingId,
                    keccak256(bytes(r.exchangeListingId)), r.offerTermsCid
                ),
                abi.encode(r.attestationId, _termsHash(r.terms))
            )
        );
    }

    /// @dev A price is named in full (amount and currency) or not at all (negotiable); the product is delivered
    /// some known way; the listing ends in the future, if at all.
    function _checkTerms(ListingTerms calldata t) private view {
        if (t.priceModel == PriceModel.Negotiable) {
            if (t.priceAmount != 0 || t.currency != 0) revert InvalidTerms("price");
        } else if (t.priceAmount == 0 || !_validCurrency(t.currency)) {
            revert InvalidTerms("price");
        }
        if (t.deliveryModes == 0 || t.deliveryModes & ~ALL_DELIVERY_MODES != 0) revert InvalidTerms("deliveryModes");
        if (t.validUntil != 0 && t.validUntil <= block.timestamp) revert InvalidTerms("validUntil");
        if (bytes(t.usageScope).length > MAX_USAGE_SCOPE) revert InvalidTerms("usageScope");
    }

    function _validCurrency(bytes3 c) private pure returns (bool) {
        for (uint256 i = 0; i < 3; ++i) {
            if (c[i] < "A" || c[i] > "Z") return false;
        }
        return true;
    }

    /// @dev 上架审核: the council's floor first (it binds every exchange), then the asset's own rules, then the
    /// exchange's policy. See {IListingRegistry} for the rules.
    function _checkCompliance(ListingRequest calldata r, address exchange, AssetTraits memory asset)
        private
        view
    {
        bytes32 assetId = r.assetId;
        ListingFloor memory floor = listingFloor();
        if (asset.classification == 2) revert CoreDataNotListable(assetId);
        bool important = asset.classification == 1;
        bool personal = asset.attributes & PERSONAL_INFORMATION != 0;
        if (important && floor.importantDataForbidden) revert ImportantDataForbidden(assetId);
        if (personal && floor.personalInformationForbidden) revert PersonalInformationForbidden(assetId);
        if (r.attestationId != 0 || important || personal) _checkCertification(assetId, r.attestationId, asset.version);
        ListingPolicy memory policy = _policies[exchange];
        if (policy.crossBorder && asset.attributes & EXPORT_ALLOWED == 0) revert ExportRestricted(assetId, exchange);
        if (!policy.allowUncertified || floor.certificateRequired) {
            // Whether the certificate is valid is all that matters here (Slither: unused-return).
            // slither-disable-next-line unused-return
            (IRegistrationOffice.CertificateStatus status,,) = office.certificate(assetId);
            if (status != IRegistrationOffice.CertificateStatus.Valid) {
                revert RegistrationCertificateRequired(assetId, exchange);
            }
        }
    }

    /// @dev A compliance certification of this asset, valid now, for its current version.
    function _checkCertification(bytes32 assetId, uint256 attestationId, uint16 version) private view {
        if (attestationId == 0 || attestationId > type(uint40).max) {
            revert ComplianceCertificationRequired(assetId, attestationId);
        }
        try attestations.getAttestation(attestationId) returns (IAttestationRegistry.Attestation memory a) {
            bool matches = a.kind == IAttestationRegistry.Kind.ComplianceCertification && a.assetId == assetId
                && a.assetVersion == version;
            if (!matches) revert ComplianceCertificationRequired(assetId, attestationId);
        } catch {
            revert ComplianceCertificationRequired(assetId, attestationId);
        }
        if (attestations.attestationStatus(attestationId) != IAttestationRegistry.Status.Valid) {
            revert ComplianceCertificationRequired(assetId, attestationId);
        }
    }

    /// @dev Consent holds when `holder` holds a valid operating right `rightIndex` over an active asset.
    function _checkConsentHolds(bytes32 assetId, uint256 rightIndex, address holder)
        private
        view
        returns (AssetTraits memory asset)
    {
        ListingValidity reason;
        (reason, asset) = _rightReason(assetId, rightIndex, holder);
        if (reason != ListingValidity.Valid) revert ConsentNotValid(assetId, rightIndex, reason);
    }

    function _rightReason(bytes32 assetId, uint256 rightIndex, address holder)
        private
        view
        returns (ListingValidity, AssetTraits memory asset)
    {
        // Which right in the chain fails does not matter here, only whether one does (Slither: unused-return).
        // slither-disable-next-line unused-return
        (IDataRegistry.Validity validity,) = dataRegistry.rightValidity(assetId, rightIndex);
        if (validity == IDataRegistry.Validity.NoSuchRight) return (ListingValidity.RightNotValid, asset);
        if (validity == IDataRegistry.Validity.AssetNotActive) return (ListingValidity.AssetNotActive, asset);
        if (validity == IDataRegistry.Validity.AuthorisationLapsed) {
            return (ListingValidity.AuthorisationLapsed, asset);
        }
        if (validity != IDataRegistry.Validity.Valid) return (ListingValidity.RightNotValid, asset);
        (asset.classification, asset.attributes, asset.version, asset.frozen) = dataRegistry.assetTraits(assetId);
        if (asset.frozen) return (ListingValidity.AssetFrozen, asset);
        IDataRegistry.RightView memory right = dataRegistry.getRight(assetId, rightIndex);
        if (right.kind != IDataRegistry.RightKind.Operating) revert NotOperatingRight(assetId, rightIndex);
        if (right.holder != holder) return (ListingValidity.HolderChanged, asset);
        return (ListingValidity.Valid, asset);
    }

    /// @dev A cross-listing references a valid origin listing of the same asset on another exchange, by the
    /// holder of the origin's own operating right (a co-holder of the operating right cannot take another
    /// holder's product to a venue), and a venue cross-lists a given origin at most once at a time.
    function _checkOrigin(ListingRequest calldata r, address exchange, address holder) private view {
        ListingRecord storage origin = _existing(r.originListingId);
        if (origin.originListingId != 0) revert OriginNotListable(r.originListingId, ListingValidity.OriginNotValid);
        ListingValidity validity = listingValidity(r.originListingId);
        if (validity != ListingValidity.Valid) revert OriginNotListable(r.originListingId, validity);
        if (origin.assetId != r.assetId) revert AssetMismatch(r.originListingId, r.assetId);
        if (origin.holder != holder || origin.rightIndex != r.rightIndex) {
            revert NotOriginHolder(r.originListingId, holder, r.rightIndex);
        }
        if (origin.exchange == exchange) revert CrossListingOnSameExchange(r.originListingId, exchange);
        uint256 existing = _crossListings[r.originListingId][exchange];
        if (existing != 0 && !_ended(existing)) revert AlreadyCrossListed(r.originListingId, exchange, existing);
    }

    /// @dev Delisted, or past its end: its exchange listing id, and its place as a cross-listing, are free again.
    function _ended(uint256 listingId) private view returns (bool) {
        ListingRecord storage l = _listings[listingId];
        return l.status == ListingStatus.Delisted || (l.validUntil != 0 && block.timestamp > l.validUntil);
    }

    function _existing(uint256 listingId) private view returns (ListingRecord storage l) {
        l = _listings[listingId];
        if (l.status == ListingStatus.None) revert ListingNotFound(listingId);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IListingRegistry
    function getListing(uint256 listingId) external view returns (ListingView memory) {
        ListingRecord storage l = _existing(listingId);
        return ListingView(l.exchange, l.status, l.assetId, l.rightIndex, l.holder, l.originListingId);
    }

    /// @inheritdoc IListingRegistry
    function listingValidity(uint256 listingId) public view returns (ListingValidity) {
        ListingRecord memory l = _existing(listingId);
        if (l.status == ListingStatus.Delisted) return ListingValidity.Delisted;
        if (!participants.isActive(l.exchange, IParticipantRegistry.Role.Exchange)) {
            return ListingValidity.ExchangeNotActive;
        }
        return _offerValidity(l);
    }

    /// @inheritdoc IListingRegistry
    function tradeableListing(uint256 listingId)
        external
        view
        returns (ListingView memory listing, ListingValidity validity)
    {
        ListingRecord memory l = _existing(listingId);
        listing = ListingView(l.exchange, l.status, l.assetId, l.rightIndex, l.holder, l.originListingId);
        validity = l.status == ListingStatus.Delisted ? ListingValidity.Delisted : _offerValidity(l);
    }

    /// @dev The listing rule after the exchange's own standing, one piece of code for `listingValidity` and for
    /// the trade registry (`tradeableListing`), which checks the exchange itself. The record is a memory copy:
    /// its three slots are read once each (380 gas less per trade than reading fields through storage).
    function _offerValidity(ListingRecord memory l) private view returns (ListingValidity) {
        if (l.status == ListingStatus.Suspended) return ListingValidity.Suspended;
        if (l.validUntil != 0 && block.timestamp > l.validUntil) return ListingValidity.Expired;
        (ListingValidity reason, AssetTraits memory asset) = _rightReason(l.assetId, l.rightIndex, l.holder);
        if (reason != ListingValidity.Valid) return reason;
        if (!_stillCompliant(asset, l.attestationId)) return ListingValidity.NotCompliant;
        if (l.originListingId != 0 && listingValidity(l.originListingId) != ListingValidity.Valid) {
            return ListingValidity.OriginNotValid;
        }
        return ListingValidity.Valid;
    }

    /// @dev What a change registration or a revocation can undo after listing: the asset became core data, or
    /// it is important or personal and its certification no longer holds (revoked, expired, superseded by a
    /// new version). Policies and the floor bind new listings only.
    function _stillCompliant(AssetTraits memory asset, uint256 attestationId) private view returns (bool) {
        if (asset.classification == 2) return false;
        if (asset.classification != 1 && asset.attributes & PERSONAL_INFORMATION == 0) return true;
        return attestationId != 0
            && attestations.attestationStatus(attestationId) == IAttestationRegistry.Status.Valid;
    }

    /// @inheritdoc IListingRegistry
    function listingCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IListingRegistry
    function consentUsed(address holder, uint256 consentId) external view returns (bool) {
        return _usedConsents[holder][consentId >> 8] & (1 << (consentId & 0xff)) != 0;
    }

    /// @inheritdoc IListingRegistry
    function consentBitmap(address holder, uint256 wordPos) external view returns (uint256) {
        return _usedConsents[holder][wordPos];
    }

    /// @inheritdoc IListingRegistry
    function approvalValidUntil(address holder, address exchange, ListingRequest calldata r)
        external
        view
        returns (uint64)
    {
        return _approved[_consentHash(holder, exchange, r)];
    }

    /// @inheritdoc IListingRegistry
    function getListingConditions(uint256 listingId) external view returns (uint256 attestationId, uint64 validUntil) {
        ListingRecord storage l = _existing(listingId);
        return (l.attestationId, l.validUntil);
    }

    /// @inheritdoc IListingRegistry
    function listingPolicy(address exchange) external view returns (ListingPolicy memory) {
        return _policies[exchange];
    }

    /// @inheritdoc IListingRegistry
    function listingFloor() public view returns (ListingFloor memory) {
        return ListingFloor(_certificateRequired, _importantDataForbidden, _personalInformationForbidden);
    }

    /// @inheritdoc IListingRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
