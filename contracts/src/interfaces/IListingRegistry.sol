// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Listing registry: data products listed on exchanges, and dual listing (双向挂牌) between them
/// @notice An exchange lists a product of a registered asset only with the consent of a holder of a valid
/// operating right (数据产品经营权), given once, offline, as an EIP-712 `ListingConsent` signature, or as the
/// holder's own `approveListing` transaction. A product listed on exchange A is cross-listed on exchange B as a
/// listing that references A's (the origin), with the holder's consent for B: one product, two venues.
/// @dev A listing is valid only while its consent holds, judged on every read, with no transaction needed:
/// the listing is listed (not suspended or delisted), its exchange is an active exchange, the operating right
/// is valid and still held by the party that consented, the asset is active, and the origin listing, for a
/// cross-listing, is valid too. Every write reverts with `IParticipantRegistry.RegistryPaused` while the
/// council has paused the registry.
interface IListingRegistry {
    enum ListingStatus {
        None,
        Listed,
        Suspended,
        Delisted
    }

    /// @notice Whether a listing is valid now and, if not, why.
    enum ListingValidity {
        Valid,
        Suspended, // suspended by its exchange
        Delisted, // delisted by its exchange or by the holder
        ExchangeNotActive, // the exchange was suspended as a participant
        AssetNotActive, // the asset was cancelled
        RightNotValid, // the operating right was revoked or expired (or an ancestor was)
        HolderChanged, // the consenting party no longer holds the operating right (transferred away)
        OriginNotValid, // for a cross-listing: the origin listing is no longer valid
        AssetFrozen, // a regulator froze the asset (查封)
        AuthorisationLapsed // public data: the asset's authorisation was revoked or ended (or the holder's licence)
    }

    /// @notice What an exchange lists, and what the holder consents to.
    /// @param assetId The registered asset.
    /// @param rightIndex The operating right of the consenting holder.
    /// @param originListingId Zero for an origin listing; the listing on another exchange for a cross-listing.
    /// @param exchangeListingId The exchange's own listing id (挂牌编号), unique per exchange.
    /// @param offerTermsCid SHA-256 digest of the offer terms document's CIDv0.
    struct ListingRequest {
        bytes32 assetId;
        uint256 rightIndex;
        uint256 originListingId;
        string exchangeListingId;
        bytes32 offerTermsCid;
    }

    /// @notice A listing as returned by `getListing`.
    struct ListingView {
        address exchange;
        ListingStatus status;
        bytes32 assetId;
        uint256 rightIndex;
        address holder;
        uint256 originListingId;
    }

    error NotAnExchange(address account);
    error ListingNotFound(uint256 listingId);
    error NotOperatingRight(bytes32 assetId, uint256 rightIndex);
    error ConsentMissing(address holder, address exchange);
    error DuplicateExchangeListingId(address exchange, string exchangeListingId);
    error OriginNotListable(uint256 originListingId, ListingValidity validity);
    error CrossListingOnSameExchange(uint256 originListingId, address exchange);
    error AlreadyCrossListed(uint256 originListingId, address exchange, uint256 listingId);
    error AssetMismatch(uint256 originListingId, bytes32 assetId);
    error ConsentNotValid(bytes32 assetId, uint256 rightIndex, ListingValidity reason);
    error NotListingParty(uint256 listingId, address account);
    error InvalidStatusChange(uint256 listingId, ListingStatus from, ListingStatus to);
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    error InvalidSignature(address signer);

    /// @notice Emitted when a holder approves a listing by its own transaction (the other form of consent).
    event ListingApproved(
        address indexed holder, address indexed exchange, bytes32 indexed assetId, bytes32 consentHash
    );

    /// @notice Emitted when an exchange lists a product (origin listing or cross-listing).
    event Listed(
        uint256 indexed listingId,
        bytes32 indexed assetId,
        address indexed exchange,
        address holder,
        uint256 rightIndex,
        uint256 originListingId,
        string exchangeListingId,
        bytes32 offerTermsCid
    );

    /// @notice Emitted when a listing is suspended, resumed or delisted.
    event ListingStatusChanged(
        uint256 indexed listingId, address indexed exchange, address indexed by, ListingStatus status
    );

    /// @notice Lists a product; the caller must be an active exchange. `signature` is the holder's EIP-712
    /// `ListingConsent`; empty when the holder approved by its own `approveListing` transaction.
    function list(ListingRequest calldata request, address holder, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 listingId);

    /// @notice The holder's own-transaction consent to `exchange` listing `request`.
    function approveListing(address exchange, ListingRequest calldata request) external;

    /// @notice Suspends (Suspended), resumes (Listed) or delists (Delisted) a listing. The listing's exchange
    /// may do all three; the holder of the operating right may delist.
    function setStatus(uint256 listingId, ListingStatus status) external;

    function getListing(uint256 listingId) external view returns (ListingView memory);

    function listingValidity(uint256 listingId) external view returns (ListingValidity);

    function listingCount() external view returns (uint256);

    function nonces(address holder) external view returns (uint256);

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
