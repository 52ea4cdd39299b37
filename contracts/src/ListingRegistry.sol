// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IListingRegistry} from "./interfaces/IListingRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title ListingRegistry
/// @notice See {IListingRegistry}. Reads rights from the DataRegistry and exchanges from the
/// ParticipantRegistry, so a listing's validity always follows theirs.
contract ListingRegistry is IListingRegistry, EIP712, Nonces, ERC2771Context, PauseFlag {
    bytes32 private constant CONSENT_TYPEHASH = keccak256(
        "ListingConsent(address holder,address exchange,bytes32 assetId,uint256 rightIndex,uint256 originListingId,"
        "string exchangeListingId,bytes32 offerTermsCid,uint256 nonce,uint256 deadline)"
    );

    IDataRegistry public immutable dataRegistry;
    IParticipantRegistry public immutable participants;

    /// @dev Two slots per listing; the exchange's own listing id and the offer terms are in the event.
    struct ListingRecord {
        address exchange;
        ListingStatus status;
        uint64 originListingId;
        address holder;
        uint64 rightIndex;
        bytes32 assetId;
    }

    uint256 private _count;
    mapping(uint256 listingId => ListingRecord) private _listings;
    mapping(address exchange => mapping(bytes32 exchangeListingIdHash => uint256 listingId)) private _byExchangeId;
    mapping(uint256 originListingId => mapping(address exchange => uint256 listingId)) private _crossListings;
    mapping(bytes32 consentHash => bool) private _approved;

    constructor(IDataRegistry dataRegistry_, IParticipantRegistry participants_, address trustedForwarder)
        EIP712("ListingRegistry", "1")
        ERC2771Context(trustedForwarder)
    {
        dataRegistry = dataRegistry_;
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Listing
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IListingRegistry
    function list(ListingRequest calldata r, address holder, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 listingId)
    {
        _whenNotPaused();
        address exchange = _msgSender();
        if (!participants.isActive(exchange, IParticipantRegistry.Role.Exchange)) revert NotAnExchange(exchange);
        _consume(holder, exchange, r, deadline, signature);
        _checkConsentHolds(r.assetId, r.rightIndex, holder);

        bytes32 idHash = keccak256(bytes(r.exchangeListingId));
        if (_byExchangeId[exchange][idHash] != 0) revert DuplicateExchangeListingId(exchange, r.exchangeListingId);
        if (r.originListingId != 0) _checkOrigin(r, exchange);

        listingId = ++_count;
        _listings[listingId] = ListingRecord({
            exchange: exchange,
            status: ListingStatus.Listed,
            originListingId: uint64(r.originListingId),
            holder: holder,
            // forge-lint: disable-next-line(unsafe-typecast) right indices are uint24 in the DataRegistry
            rightIndex: uint64(r.rightIndex),
            assetId: r.assetId
        });
        _byExchangeId[exchange][idHash] = listingId;
        if (r.originListingId != 0) _crossListings[r.originListingId][exchange] = listingId;
        _emitListed(listingId, exchange, holder, r);
    }

    /// @dev Its own function only to keep `list` within the EVM's stack limit.
    function _emitListed(uint256 listingId, address exchange, address holder, ListingRequest calldata r) private {
        emit Listed(
            listingId, r.assetId, exchange, holder, r.rightIndex, r.originListingId, r.exchangeListingId,
            r.offerTermsCid
        );
    }

    /// @inheritdoc IListingRegistry
    function approveListing(address exchange, ListingRequest calldata r) external {
        _whenNotPaused();
        // The holder's standing is checked when the exchange lists; approving alone changes no listing.
        address holder = _msgSender();
        bytes32 consentHash = _consentHash(holder, exchange, r);
        _approved[consentHash] = true;
        emit ListingApproved(holder, exchange, r.assetId, consentHash);
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

    function _consume(address holder, address exchange, ListingRequest calldata r, uint256 deadline, bytes calldata sig)
        private
    {
        if (sig.length == 0) {
            bytes32 consentHash = _consentHash(holder, exchange, r);
            if (!_approved[consentHash]) revert ConsentMissing(holder, exchange);
            delete _approved[consentHash];
            return;
        }
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        bytes32 structHash = keccak256(
            abi.encode(
                CONSENT_TYPEHASH,
                holder,
                exchange,
                r.assetId,
                r.rightIndex,
                r.originListingId,
                keccak256(bytes(r.exchangeListingId)),
                r.offerTermsCid,
                nonces(holder),
                deadline
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(holder, _hashTypedDataV4(structHash), sig)) {
            revert InvalidSignature(holder);
        }
        _useNonce(holder);
    }

    function _consentHash(address holder, address exchange, ListingRequest calldata r) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                holder, exchange, r.assetId, r.rightIndex, r.originListingId, keccak256(bytes(r.exchangeListingId)),
                r.offerTermsCid
            )
        );
    }

    /// @dev Consent holds when `holder` holds a valid operating right `rightIndex` over an active asset.
    function _checkConsentHolds(bytes32 assetId, uint256 rightIndex, address holder) private view {
        ListingValidity reason = _rightReason(assetId, rightIndex, holder);
        if (reason != ListingValidity.Valid) revert ConsentNotValid(assetId, rightIndex, reason);
    }

    function _rightReason(bytes32 assetId, uint256 rightIndex, address holder) private view returns (ListingValidity) {
        // Which right in the chain fails does not matter here, only whether one does (Slither: unused-return).
        // slither-disable-next-line unused-return
        (IDataRegistry.Validity validity,) = dataRegistry.rightValidity(assetId, rightIndex);
        if (validity == IDataRegistry.Validity.NoSuchRight) return ListingValidity.RightNotValid;
        if (validity == IDataRegistry.Validity.AssetNotActive) return ListingValidity.AssetNotActive;
        if (validity == IDataRegistry.Validity.AuthorisationLapsed) return ListingValidity.AuthorisationLapsed;
        if (validity != IDataRegistry.Validity.Valid) return ListingValidity.RightNotValid;
        if (dataRegistry.getAsset(assetId).frozen) return ListingValidity.AssetFrozen;
        IDataRegistry.RightView memory right = dataRegistry.getRight(assetId, rightIndex);
        if (right.kind != IDataRegistry.RightKind.Operating) revert NotOperatingRight(assetId, rightIndex);
        if (right.holder != holder) return ListingValidity.HolderChanged;
        return ListingValidity.Valid;
    }

    /// @dev A cross-listing references a valid origin listing of the same asset on another exchange, and a
    /// venue cross-lists a given origin at most once at a time: dual listings are conflict-checked here.
    function _checkOrigin(ListingRequest calldata r, address exchange) private view {
        ListingRecord storage origin = _existing(r.originListingId);
        if (origin.originListingId != 0) revert OriginNotListable(r.originListingId, ListingValidity.OriginNotValid);
        ListingValidity validity = listingValidity(r.originListingId);
        if (validity != ListingValidity.Valid) revert OriginNotListable(r.originListingId, validity);
        if (origin.assetId != r.assetId) revert AssetMismatch(r.originListingId, r.assetId);
        if (origin.exchange == exchange) revert CrossListingOnSameExchange(r.originListingId, exchange);
        uint256 existing = _crossListings[r.originListingId][exchange];
        if (existing != 0) revert AlreadyCrossListed(r.originListingId, exchange, existing);
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
        ListingRecord storage l = _existing(listingId);
        if (l.status == ListingStatus.Delisted) return ListingValidity.Delisted;
        if (!participants.isActive(l.exchange, IParticipantRegistry.Role.Exchange)) {
            return ListingValidity.ExchangeNotActive;
        }
        if (l.status == ListingStatus.Suspended) return ListingValidity.Suspended;
        ListingValidity reason = _rightReason(l.assetId, l.rightIndex, l.holder);
        if (reason != ListingValidity.Valid) return reason;
        if (l.originListingId != 0 && listingValidity(l.originListingId) != ListingValidity.Valid) {
            return ListingValidity.OriginNotValid;
        }
        return ListingValidity.Valid;
    }

    /// @inheritdoc IListingRegistry
    function listingCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IListingRegistry
    function nonces(address holder) public view override(IListingRegistry, Nonces) returns (uint256) {
        return super.nonces(holder);
    }

    /// @inheritdoc IListingRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
