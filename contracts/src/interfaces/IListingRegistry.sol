// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Listing registry: data products listed on exchanges, and dual listing (双向挂牌) between them
/// @notice An exchange lists a product of a registered asset only with the consent of a holder of a valid
/// operating right (数据产品经营权), given once, offline, as an EIP-712 `ListingConsent` signature, or as the
/// holder's own `approveListing` transaction. A product listed on exchange A is cross-listed on exchange B as a
/// listing that references A's (the origin), with the consent of the origin's holder for B: one product, two
/// venues.
/// Consents carry their own id, an unordered nonce (as in Permit2: a bitmap of used ids per holder), so a holder
/// signs any number in parallel, and withdraws those not yet used (`withdrawConsents`); approvals by transaction
/// expire (`validUntil`) and can be revoked (`revokeApproval`).
/// Compliance at listing (上架审核), enforced by `list`, each refusal a custom error naming its rule:
/// - core data (classification 2) is never listed (`CoreDataNotListable`);
/// - important data (classification 1) and personal information (attributes bit 0 or 1) only with a compliance
///   certification (合规认证) that is valid now for the asset's current version, named by `attestationId`
///   (`ComplianceCertificationRequired`), and only where the council's floor does not forbid them outright
///   (`ImportantDataForbidden`, `PersonalInformationForbidden`);
/// - an exchange whose policy says it trades across borders refuses assets whose export is not allowed
///   (attributes bit 2 clear): the listing is itself the offer to buyers abroad, and a flag on it would leave
///   the export to each trade to stop, so it is refused (`ExportRestricted`);
/// - an asset without a valid registration certificate (登记证书) only where the exchange's policy allows
///   uncertified assets and the council's floor does not require certificates (`RegistrationCertificateRequired`).
/// The structured terms (price model and price, product form, delivery modes, usage scope, validity) are in the
/// `ListingTermsSet` event; the full terms document is in content storage, committed to by `offerTermsCid`.
/// @dev A listing is valid only while its consent holds, judged on every read, with no transaction needed:
/// the listing is listed (not suspended or delisted) and not past its end, its exchange is an active exchange,
/// the operating right is valid and still held by the party that consented, the asset is active and not frozen,
/// the listing is still compliant (the asset did not become core data by a change registration; for important
/// data or personal information, the compliance certification it was listed with is still `Valid`: not revoked,
/// expired, superseded by a new version of the asset, nor its certifier suspended or unqualified), and the origin
/// listing, for a cross-listing, is valid too. The TradeRegistry records trades by the same rule
/// (`tradeableListing`). Every write reverts with `IParticipantRegistry.RegistryPaused` while the
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
        Expired, // past the listing's `validUntil`
        NotCompliant, // now core data, or important or personal data whose compliance certification no longer holds
        AuthorisationLapsed // public data: the asset's authorisation was revoked or ended (or the holder's licence)
    }

    /// @notice How the price is set (定价方式). Negotiable: no price on the listing (amount and currency zero).
    enum PriceModel {
        Negotiable, // 面议
        Fixed, // 一口价: per copy or licence
        PerUse, // 按次计费: per call or query
        Subscription // 按期订阅: per period
    }

    /// @notice The product form (产品形态).
    enum ProductForm {
        Dataset, // 数据集
        DataInterface, // 数据接口
        Model, // 模型
        Report // 报告
    }

    /// @notice The listing's structured terms: the fields exchanges filter on. The full document is the offer terms.
    /// @param priceAmount In the smallest unit of `currency` (e.g. fen); zero when negotiable.
    /// @param currency ISO 4217 code, e.g. "CNY"; zero when negotiable.
    /// @param deliveryModes Bit 0 download (下载), bit 1 API (接口调用), bit 2 privacy computing (隐私计算),
    /// bit 3 sandbox (数据沙箱); at least one.
    /// @param validUntil Unix time the listing ends (then its id may be reused); 0 for no end.
    /// @param usageScope Usage scope (使用范围), e.g. "仅限交通规划研究", at most 200 bytes.
    struct ListingTerms {
        PriceModel priceModel;
        uint256 priceAmount;
        bytes3 currency;
        ProductForm productForm;
        uint8 deliveryModes;
        uint64 validUntil;
        string usageScope;
    }

    /// @notice An exchange's listing policy (挂牌规则), set by the exchange.
    /// @param allowUncertified Whether assets without a valid registration certificate may be listed.
    /// @param crossBorder Whether the exchange trades across borders (export-restricted assets are refused).
    struct ListingPolicy {
        bool allowUncertified;
        bool crossBorder;
    }

    /// @notice The council's floor, below which no exchange's policy goes.
    struct ListingFloor {
        bool certificateRequired; // every listed asset needs a valid registration certificate
        bool importantDataForbidden; // no important data at all, certified or not
        bool personalInformationForbidden; // no personal information at all, certified or not
    }

    /// @notice What an exchange lists, and what the holder consents to.
    /// @param assetId The registered asset.
    /// @param rightIndex The operating right of the consenting holder.
    /// @param originListingId Zero for an origin listing; the listing on another exchange for a cross-listing.
    /// @param exchangeListingId The exchange's own listing id (挂牌编号), unique per exchange.
    /// @param offerTermsCid SHA-256 digest of the offer terms document's CIDv0: the commitment to the full terms.
    /// @param attestationId The compliance certification (AttestationRegistry) of the asset's current version,
    /// required for important data and personal information; 0 for none.
    /// @param terms The structured terms.
    struct ListingRequest {
        bytes32 assetId;
        uint256 rightIndex;
        uint256 originListingId;
        string exchangeListingId;
        bytes32 offerTermsCid;
        uint256 attestationId;
        ListingTerms terms;
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
    error ConsentUsed(address holder, uint256 consentId); // used already, or withdrawn by the holder
    error ApprovalExpired(address holder, address exchange, uint64 validUntil);
    error InvalidApprovalExpiry(uint64 validUntil);
    error NotOriginHolder(uint256 originListingId, address holder, uint256 rightIndex);
    error InvalidTerms(string field);
    error NotCouncil(address account);
    // Compliance at listing (上架审核): one error per rule.
    error CoreDataNotListable(bytes32 assetId);
    error ImportantDataForbidden(bytes32 assetId);
    error PersonalInformationForbidden(bytes32 assetId);
    error ComplianceCertificationRequired(bytes32 assetId, uint256 attestationId);
    error ExportRestricted(bytes32 assetId, address exchange);
    error RegistrationCertificateRequired(bytes32 assetId, address exchange);

    /// @notice Emitted when a holder approves a listing by its own transaction (the other form of consent),
    /// usable until `validUntil`.
    event ListingApproved(
        address indexed holder, address indexed exchange, bytes32 indexed assetId, bytes32 consentHash,
        uint64 validUntil
    );

    /// @notice Emitted when a holder revokes an approval not yet used.
    event ListingApprovalRevoked(
        address indexed holder, address indexed exchange, bytes32 indexed assetId, bytes32 consentHash
    );

    /// @notice Emitted when a holder withdraws signed consents not yet used: ids `wordPos * 256 + i` for each bit
    /// `i` set in `mask`.
    event ConsentsWithdrawn(address indexed holder, uint256 wordPos, uint256 mask);

    /// @notice Emitted with `Listed`: the structured terms, the compliance certification named, and the consent
    /// used (its id; `type(uint256).max` for an approval by transaction).
    event ListingTermsSet(
        uint256 indexed listingId, uint256 attestationId, uint256 consentId, ListingTerms terms
    );

    event ListingPolicySet(address indexed exchange, ListingPolicy policy);
    event ListingFloorSet(address indexed council, ListingFloor floor);

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
    /// `ListingConsent` with id `consentId` (its `nonce`); empty when the holder approved by its own
    /// `approveListing` transaction (then `consentId` and `deadline` are ignored).
    function list(
        ListingRequest calldata request,
        address holder,
        uint256 consentId,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 listingId);

    /// @notice The holder's own-transaction consent to `exchange` listing `request`, usable until `validUntil`.
    function approveListing(address exchange, ListingRequest calldata request, uint64 validUntil) external;

    /// @notice The holder takes back an approval `exchange` has not used.
    function revokeApproval(address exchange, ListingRequest calldata request) external;

    /// @notice The holder withdraws signed consents not yet used: ids `wordPos * 256 + i` for each bit `i` in `mask`.
    function withdrawConsents(uint256 wordPos, uint256 mask) external;

    /// @notice The calling exchange sets its listing policy.
    function setListingPolicy(ListingPolicy calldata policy) external;

    /// @notice The council (the ParticipantRegistry's owner) sets the floor.
    function setListingFloor(ListingFloor calldata floor) external;

    /// @notice Suspends (Suspended), resumes (Listed) or delists (Delisted) a listing. The listing's exchange
    /// may do all three; the holder of the operating right may delist.
    function setStatus(uint256 listingId, ListingStatus status) external;

    function getListing(uint256 listingId) external view returns (ListingView memory);

    function listingValidity(uint256 listingId) external view returns (ListingValidity);

    /// @notice A listing and whether a trade can be recorded on it now: `listingValidity`'s rule, the same code,
    /// except for the exchange's own standing, which the TradeRegistry checks itself (its caller must be an active
    /// exchange and the listing's). Not `Valid` for a listing that is delisted, suspended, past its end, whose
    /// operating right is not valid or no longer the consenting holder's, whose asset is cancelled or frozen, that
    /// is no longer compliant (`NotCompliant`) or whose origin listing is not valid. Reverts with
    /// `ListingNotFound` for an unknown id.
    function tradeableListing(uint256 listingId)
        external
        view
        returns (ListingView memory listing, ListingValidity validity);

    function listingCount() external view returns (uint256);

    /// @notice Whether consent `consentId` of `holder` was used or withdrawn.
    function consentUsed(address holder, uint256 consentId) external view returns (bool);

    /// @notice Used or withdrawn consent ids `wordPos * 256 + i` of `holder`, one bit each.
    function consentBitmap(address holder, uint256 wordPos) external view returns (uint256);

    /// @notice Until when an approval by transaction can be used; 0 when there is none.
    function approvalValidUntil(address holder, address exchange, ListingRequest calldata request)
        external
        view
        returns (uint64);

    /// @notice What a listing was listed with beyond `getListing`: its compliance certification and its end.
    function getListingConditions(uint256 listingId) external view returns (uint256 attestationId, uint64 validUntil);

    function listingPolicy(address exchange) external view returns (ListingPolicy memory);

    function listingFloor() external view returns (ListingFloor memory);

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
