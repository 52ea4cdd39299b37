// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Data asset registry: assets and the three structurally separated rights over them
/// @notice Records data assets by fingerprint and metadata commitment, never the data itself (原始数据不出域),
/// and the three rights of the national framework (三权分置) as separate objects:
/// the holding right (数据资源持有权), the processing/usage right (数据加工使用权) and the product operating
/// right (数据产品经营权). A party may hold any subset of the rights, and several parties may hold the same
/// right over the same asset at once.
/// @dev Identifiers.
/// - `assetId = keccak256(abi.encode(registrant, contentHash))`: computable off chain before registering,
///   the same on every chain and every deployment (so a migration keeps it), and a commitment to the data's
///   SHA-256: anyone holding the data and knowing the registrant can recompute it.
/// - Rights of an asset are numbered from 1. Indices 1, 2 and 3 are the asset's primary holding, usage and
///   operating rights, assigned at registration (empty when nobody holds that kind); further co-holders and,
///   later, grants derived from a right get 4, 5, ...
/// Storage keeps only what the contract's own checks read; immutable evidence (fingerprints, content ids,
/// lineage, terms) is emitted in events, which the block's receipts root commits to as firmly as storage.
/// Every write reverts with `IParticipantRegistry.RegistryPaused` while the council has paused the registry
/// (emergency stop); views keep answering.
interface IDataRegistry {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Types
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The three rights over a data asset.
    enum RightKind {
        Holding, // 数据资源持有权
        Usage, // 数据加工使用权
        Operating // 数据产品经营权
    }

    /// @notice Lifecycle of an asset record.
    enum AssetStatus {
        None, // never registered
        Active,
        Cancelled
    }

    /// @notice Whether a right can be exercised now, and if not, why.
    enum Validity {
        Valid,
        NoSuchRight, // the asset or the right index does not exist
        AssetNotActive, // the asset was cancelled
        Revoked, // the right or one of its ancestors was revoked
        NotYetValid, // the right or one of its ancestors starts later
        Expired, // the right or one of its ancestors has ended (a grant's term, or a primary right's term)
        Pending, // assigned at registration to a party that has not accepted it yet (not held, not valid)
        // Public data: the asset's authorisation is not in force (revoked by its authority, or its term over), or
        // the holder no longer stands under it (its second-level licence revoked or ended). `failingRightIndex`
        // is the right asked about; the authorisation contract's `standing` says why.
        AuthorisationLapsed
    }

    /// @notice What a pledgee may consent to while its pledge stands (the pledged operating right moving on).
    enum PledgedOperation {
        Transfer, // the operating right `rightIndex` changes holder to `counterparty`
        Grant, // a grant from operating right `rightIndex` to `counterparty`
        Cancel // the asset's record is cancelled; the consenting pledges are extinguished with it
    }

    /// @notice A party and the rights (a bit mask of `1 << RightKind`) it receives at registration.
    /// @param account The holder; an EOA or a contract such as an enterprise multisig.
    /// @param kinds Bit 0 holding, bit 1 usage, bit 2 operating; at least one bit.
    struct RightHolder {
        address account;
        uint8 kinds;
    }

    /// @notice The term and limits of a holder's primary rights, from the application's rights configuration
    /// (权利配置: each holder's term and limits). One entry per holder entry, in the same order, or none at all.
    /// @param validUntil Unix time the holder's rights end; 0 for no end.
    /// @param limitsCid SHA-256 digest of the CIDv0 of the document stating the limits (用途、范围、限制), or zero.
    struct HolderTerms {
        uint64 validUntil;
        bytes32 limitsCid;
    }

    /// @notice A new version of an asset in a change registration: metadata and/or data, classification and
    /// flags. `contentHash` zero keeps the current data (then `contentCid` is ignored).
    struct Version {
        bytes32 metadataCid;
        bytes32 contentHash;
        bytes32 contentCid;
        uint8 classification;
        uint8 attributes;
    }

    /// @notice A source asset of derived data and the usage right over it that the registrant exercises.
    struct Source {
        bytes32 assetId;
        uint256 rightIndex;
    }

    /// @notice What a registrant declares when registering an asset.
    /// @param contentHash SHA-256 of the data; the data itself never goes on chain.
    /// @param contentCid SHA-256 digest of the data's IPFS CIDv0 (the root `ipfs add` prints), or zero.
    /// @param metadataCid SHA-256 digest of the metadata document's CIDv0 (the document is content-addressed).
    /// @param classification 0 general (一般数据), 1 important (重要数据), 2 core (核心数据).
    /// @param attributes Bit 0 personal information, bit 1 sensitive personal information, bit 2 export
    /// allowed, bit 3 derived data (set by the contract when `sources` is not empty; must not be set by hand),
    /// bit 4 public data (set by the contract: bound to a public-data authorisation, or derived from such an asset).
    /// @param sources Source assets of derived data, each with the usage right the registrant holds over it.
    /// @param holders First holders of each right, in strictly ascending address order, one entry per account.
    /// Every holder but the registrant must accept its rights (`acceptRight`) before it holds them.
    /// @param terms Empty, or one entry per holder entry: the term and limits of that holder's primary rights.
    struct Registration {
        bytes32 contentHash;
        bytes32 contentCid;
        bytes32 metadataCid;
        uint8 classification;
        uint8 attributes;
        Source[] sources;
        RightHolder[] holders;
        HolderTerms[] terms;
    }

    /// @notice The terms of a grant (licence) of a right to another party.
    /// @param grantee Who receives the right.
    /// @param validFrom Unix time it starts; 0 for at once.
    /// @param validUntil Unix time it ends; 0 for no end, allowed only under a right with no end.
    /// @param subGrantable Whether the grantee may grant it onwards.
    /// @param transferable Whether the grantee may transfer it to another party.
    /// @param purpose Purpose or usage scenario (用途/使用场景), e.g. "交通规划研究".
    /// @param territory Where it may be exercised, e.g. region codes "3502,3501".
    /// @param quantity Permitted quantity or volume where it applies (unit in the terms document); 0 unlimited.
    /// @param termsCid SHA-256 digest of the full terms document's CIDv0, or zero.
    struct GrantTerms {
        address grantee;
        uint64 validFrom;
        uint64 validUntil;
        bool subGrantable;
        bool transferable;
        string purpose;
        string territory;
        uint256 quantity;
        bytes32 termsCid;
    }

    /// @notice An asset as returned by `getAsset`.
    /// @param frozen Whether any freeze order stands (`activeFreezes` > 0).
    /// @param activeFreezes Freeze orders standing, the first and those waiting behind it (轮候查封).
    /// @param contentHash The current version's data fingerprint when a change registration replaced the data;
    /// zero while the data is the one registered (the one `assetId` commits to).
    struct AssetView {
        address registrant;
        AssetStatus status;
        uint8 classification;
        uint8 attributes;
        uint16 version;
        uint256 rightCount;
        bool frozen;
        uint256 activePledges;
        uint256 activeFreezes;
        bytes32 contentHash;
    }

    /// @notice A freeze order as returned by `getFreezeOrder`.
    struct FreezeOrderView {
        address regulator;
        bool active;
    }

    /// @notice A pledge as returned by `getPledge`.
    struct PledgeView {
        address registrar;
        address pledgee;
        bool active;
    }

    /// @notice A right as returned by `getRight`.
    /// @param parentIndex Zero for a root right; otherwise the right it was granted from.
    /// @param validUntil Zero for no end.
    struct RightView {
        address holder;
        RightKind kind;
        uint256 parentIndex;
        uint64 validFrom;
        uint64 validUntil;
        bool revoked;
        bool subGrantable;
        bool transferable;
        bool pending;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Errors
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Thrown when the same registrant registers the same content twice.
    error AssetAlreadyRegistered(bytes32 assetId);
    /// @notice Thrown when an asset id names no registered asset.
    error AssetNotFound(bytes32 assetId);
    /// @notice Thrown when an operation needs an active asset and this one is not.
    error AssetNotActive(bytes32 assetId, AssetStatus status);
    /// @notice Thrown when the content hash is zero: the fingerprint of the data is required.
    error MissingContentHash();
    /// @notice Thrown when the metadata content id is zero: every asset needs a metadata document.
    error MissingMetadata();
    /// @notice Thrown when the classification is not 0 (general), 1 (important) or 2 (core).
    error InvalidClassification(uint8 classification);
    /// @notice Thrown when attribute bits outside personal information, sensitive and export are set.
    error InvalidAttributes(uint8 attributes);
    /// @notice Thrown when a registration names no holder of the holding right.
    error MissingHoldingRight();
    /// @notice Thrown when a holder entry has a zero account or a kinds mask outside 1..7.
    error InvalidHolder(uint256 position, address account, uint8 kinds);
    /// @notice Thrown when holder entries are not in strictly ascending address order (or repeat an account).
    error HoldersNotSorted(uint256 position, address account);
    /// @notice Thrown when an asset would exceed the number of rights an index can address.
    error TooManyRights(bytes32 assetId);
    /// @notice Thrown when a right index names no right of the asset.
    error RightNotFound(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when an account acts on a right it does not hold.
    error NotRightHolder(bytes32 assetId, uint256 rightIndex, address account);
    /// @notice Thrown when a right of another kind is presented (e.g. a holding right where usage is needed).
    error WrongRightKind(bytes32 assetId, uint256 rightIndex, RightKind expected, RightKind actual);
    /// @notice Thrown when a right, or the right it descends from, has been revoked.
    error RightIsRevoked(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when a right, or the right it descends from, ended at `validUntil`.
    error RightExpired(bytes32 assetId, uint256 rightIndex, uint64 validUntil);
    /// @notice Thrown when a right, or the right it descends from, starts only at `validFrom`.
    error RightNotYetValid(bytes32 assetId, uint256 rightIndex, uint64 validFrom);
    /// @notice Thrown when derived data names its own asset, or the same source twice, as a source.
    error InvalidSource(uint256 position, bytes32 sourceAssetId);
    /// @notice Thrown when an account acts as grantor of a right without holding the right it was granted from.
    error NotGrantor(bytes32 assetId, uint256 rightIndex, address account);
    /// @notice Thrown when a grant is made from a grant whose terms do not allow sub-granting.
    error NotSubGrantable(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when a grant whose terms do not allow transfer is transferred.
    error NotTransferable(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when revoking or renewing a root right, which has no grantor and no term.
    error NotAGrant(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when a grant or transfer names the zero address or the acting party itself.
    error InvalidRecipient(address account);
    /// @notice Thrown when a term ends before it starts, has already ended, or does not fit in 32-bit seconds.
    error InvalidTerm(uint64 validFrom, uint64 validUntil);
    /// @notice Thrown when a grant would outlast the right it is granted from.
    error TermExceedsParent(bytes32 assetId, uint256 parentIndex, uint64 parentValidUntil);
    /// @notice Thrown when a grant would be more than `maxDepth` levels below its root right.
    error GrantTooDeep(bytes32 assetId, uint256 parentIndex, uint256 maxDepth);
    /// @notice Thrown when an operation is attempted on an asset a regulator has frozen (查封): `orderId` is the
    /// first standing order, which only `regulator` (or the council admin, with a recorded reason) can lift.
    error AssetIsFrozen(bytes32 assetId, uint256 orderId, address regulator);
    /// @notice Thrown when releasing a freeze order that does not exist or was already released.
    error FreezeOrderNotActive(bytes32 assetId, uint256 orderId);
    /// @notice Thrown when a regulator other than the issuer releases a freeze order; `regulator` issued it.
    error NotFreezeIssuer(bytes32 assetId, uint256 orderId, address regulator);
    /// @notice Thrown when the pledged operating right would move (transfer, grant) or the asset be cancelled
    /// while pledge `pledgeId` stands without its pledgee's consent: `pledgee` can consent, `registrar` (who
    /// recorded it) can release it.
    error RightPledged(bytes32 assetId, bytes32 pledgeId, address pledgee, address registrar);
    /// @notice Thrown when recording a pledge twice, or releasing one that is not recorded.
    error PledgeUnchanged(bytes32 assetId, bytes32 pledgeId, bool active);
    /// @notice Thrown when a registrar other than the one that recorded a pledge releases it.
    error NotPledgeRegistrar(bytes32 assetId, bytes32 pledgeId, address registrar);
    /// @notice Thrown when someone other than a pledge's pledgee consents in its name.
    error NotPledgee(bytes32 assetId, bytes32 pledgeId, address pledgee);
    /// @notice Thrown when a pending right (assigned, not yet accepted) is exercised: `holder` must accept it.
    error RightPending(bytes32 assetId, uint256 rightIndex, address holder);
    /// @notice Thrown when accepting or withdrawing a right that is not a pending assignment.
    error NotPendingAssignment(bytes32 assetId, uint256 rightIndex);
    /// @notice Thrown when the terms list is neither empty nor one entry per holder entry.
    error TermsMismatch(uint256 holders, uint256 terms);
    /// @notice Thrown when the data's fingerprint is that of empty content (SHA-256 of zero bytes).
    error EmptyContent();
    /// @notice Thrown when a cancellation gives a reason its caller may not give: on request (1) only by the
    /// registrant; data destroyed, objection upheld, by the registrar (2..4) only by a registrar.
    error CancellationNotAllowed(bytes32 assetId, address account, uint16 reasonCode);
    /// @notice Thrown when a call only the registration office may make comes from elsewhere.
    error NotRegistrationOffice(address account);
    /// @notice Thrown when a call only the council admin may make comes from elsewhere.
    error NotAdmin(address account);
    /// @notice Thrown when the registration office is bound a second time.
    error RegistrationOfficeAlreadySet(address office);
    /// @notice Thrown when an account without the needed participant role acts (regulator, registrar).
    error MissingRole(address account, uint8 role);
    /// @notice Thrown when someone other than the registrant or a registrar acts on an asset's record.
    error NotRegistrant(bytes32 assetId, address account);
    /// @notice Thrown when a call only the public-data authorisation contract may make comes from elsewhere.
    error NotPublicDataAuthorisation(address account);
    /// @notice Thrown when a signed request is submitted after its deadline.
    error SignatureExpired(uint256 deadline, uint256 timestamp);
    /// @notice Thrown when a signature is not the signer's for this request, chain, contract and nonce.
    error InvalidSignature(address signer);

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Events
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Emitted when an asset is registered.
    /// @param assetId `keccak256(abi.encode(registrant, contentHash))`.
    /// @param registrant The party that registered it (the signer, for relayed registrations).
    /// @param submitter The account that sent the transaction: the registrant, or the relayer that paid gas.
    /// @param contentHash SHA-256 of the data.
    /// @param contentCid Digest of the data's CIDv0, or zero.
    /// @param metadataCid Digest of the metadata document's CIDv0.
    /// @param classification 0 general, 1 important, 2 core.
    /// @param attributes Personal information, sensitive, export and derived bits.
    event AssetRegistered(
        bytes32 indexed assetId,
        address indexed registrant,
        address indexed submitter,
        bytes32 contentHash,
        bytes32 contentCid,
        bytes32 metadataCid,
        uint8 classification,
        uint8 attributes
    );

    /// @notice Emitted for each source of derived data, right after its `AssetRegistered`.
    /// @param assetId The derived asset.
    /// @param sourceAssetId The asset it was derived from.
    /// @param rightIndex The usage right over the source that the registrant exercised.
    event AssetDerived(bytes32 indexed assetId, bytes32 indexed sourceAssetId, uint256 rightIndex);

    /// @notice Emitted when a root right is assigned to its first holder at registration.
    /// @param assetId The asset.
    /// @param rightIndex The right's number within the asset (1..3 for the primary rights of each kind).
    /// @param holder The party named to hold it. Unless it is the registrant, the right is pending (not held,
    /// not valid) until `holder` accepts it (`RightAccepted`).
    /// @param kind Holding, usage or operating.
    event RightAssigned(bytes32 indexed assetId, uint256 indexed rightIndex, address indexed holder, RightKind kind);

    /// @notice Emitted at registration, before that holder's `RightAssigned` events, when the rights
    /// configuration gives a holder's rights a term or limits (only then, to keep plain registrations cheap):
    /// every right assigned to `holder` in this registration carries them.
    /// @param validUntil End of the rights' term; 0 for no end.
    /// @param limitsCid Digest of the limits document's CIDv0, or zero.
    event RightTermsSet(bytes32 indexed assetId, address indexed holder, uint64 validUntil, bytes32 limitsCid);

    /// @notice Emitted when the named holder accepts a right assigned to it at registration.
    event RightAccepted(bytes32 indexed assetId, uint256 indexed rightIndex, address indexed holder);

    /// @notice Emitted when the registrant withdraws an assignment its holder has not accepted; the right is
    /// then revoked for good.
    event RightAssignmentWithdrawn(bytes32 indexed assetId, uint256 indexed rightIndex, address indexed holder);

    /// @notice Emitted when a holder grants (licenses) a right to another party.
    /// @param assetId The asset.
    /// @param grantee Who received the right.
    /// @param grantor Who granted it: the holder of the parent right.
    /// @param rightIndex The new right's number.
    /// @param parentIndex The right it was granted from.
    /// @param kind The kind, the same as the parent's.
    /// @param terms Purpose, territory, quantity, term, sub-grant and transfer permissions, terms document.
    event RightGranted(
        bytes32 indexed assetId,
        address indexed grantee,
        address indexed grantor,
        uint256 rightIndex,
        uint256 parentIndex,
        RightKind kind,
        GrantTerms terms
    );

    /// @notice Emitted when a right changes holder; grants made from it stay valid.
    event RightTransferred(bytes32 indexed assetId, address indexed from, address indexed to, uint256 rightIndex);

    /// @notice Emitted when a grantor revokes a grant; every grant under it stops being valid too.
    /// @param reasonCode Why (see the registry's documentation: 1 breach of terms, 2 use beyond purpose,
    /// 3 security incident, 4 at the grantee's request, 5 order of a court or regulator, 99 other).
    /// @param evidenceCid SHA-256 digest of the evidence document's CIDv0, or zero.
    event RightRevoked(
        bytes32 indexed assetId,
        address indexed holder,
        address indexed grantor,
        uint256 rightIndex,
        uint16 reasonCode,
        bytes32 evidenceCid
    );

    /// @notice Emitted when a grantor changes the end of a grant's term.
    event RightRenewed(
        bytes32 indexed assetId,
        address indexed holder,
        address indexed grantor,
        uint256 rightIndex,
        uint64 previousValidUntil,
        uint64 validUntil
    );

    /// @notice Emitted when a regulator records a freeze order (查封) on an asset. Orders are numbered per asset
    /// from 1; an order recorded while another stands is a waiting-list seizure (轮候查封, `waiting` true). The
    /// asset stays frozen while any order stands.
    event AssetFrozen(
        bytes32 indexed assetId,
        uint256 indexed orderId,
        address indexed regulator,
        string orderReference,
        bytes32 evidenceCid,
        bool waiting
    );
    /// @notice Emitted when a freeze order is released: by its issuing regulator, or by the council admin
    /// (`byAdmin`, with the CID of its recorded reason as `evidenceCid`).
    event AssetFreezeReleased(
        bytes32 indexed assetId, uint256 indexed orderId, address indexed by, bytes32 evidenceCid, bool byAdmin
    );
    /// @notice Emitted when a pledgee consents to one operation on its pledged right (used once).
    event PledgeeConsented(
        bytes32 indexed assetId,
        bytes32 indexed pledgeId,
        address indexed pledgee,
        PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    );
    /// @notice Emitted once when the council binds the registration office that may commit change registrations.
    event RegistrationOfficeSet(address indexed office);

    /// @notice Emitted once, when the admin names the public-data authorisation contract.
    event PublicDataAuthorisationSet(address indexed authorisations);

    /// @notice Emitted when an asset becomes public data under `authorisationId`, bound by its operator. A product
    /// derived from public data is public data under its source's authorisation (its `AssetDerived` events say which
    /// source; attribute bit 4 is set), without an event of its own.
    event PublicDataBound(bytes32 indexed assetId, uint256 indexed authorisationId);
    /// @notice Emitted when a registrar records a pledge registered in the movable-property financing registry;
    /// while any pledge is active the operating right cannot be transferred.
    event PledgeRecorded(
        bytes32 indexed assetId,
        bytes32 indexed pledgeId,
        address indexed registrar,
        string externalRegistrationNo,
        address pledgee
    );
    /// @notice Emitted when a pledge ends: released by the registrar that recorded it, or extinguished by the
    /// cancellation its pledgee consented to (then `by` is the pledgee).
    event PledgeReleased(bytes32 indexed assetId, bytes32 indexed pledgeId, address indexed by);
    /// @notice Emitted when an asset's record is cancelled: every right over it stops being valid.
    /// @param reasonCode 1 at the registrant's request, 2 data destroyed, 3 objection upheld, 4 by the registrar.
    event AssetCancelled(bytes32 indexed assetId, address indexed by, uint16 reasonCode, bytes32 evidenceCid);
    /// @notice Emitted when a change registration the registrar approved takes effect: the new version with
    /// its metadata, data (`contentHash` zero: unchanged), classification and flags is now current.
    /// @param by The registration office that committed it.
    event AssetChanged(
        bytes32 indexed assetId,
        address indexed by,
        uint16 version,
        bytes32 metadataCid,
        bytes32 contentHash,
        bytes32 contentCid,
        uint8 classification,
        uint8 attributes
    );

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Writes
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice Records a freeze order of a regulator (查封); a further order while one stands waits behind it
    /// (轮候查封). While any order stands: no transfer, grant, revoke, renew, derivation from the asset,
    /// listing, change, cancellation, acceptance of an assignment, or step of the registration procedure;
    /// listings stop being valid. Rights already held stay valid.
    /// @return orderId The order's number within the asset (from 1).
    function freeze(bytes32 assetId, string calldata orderReference, bytes32 evidenceCid)
        external
        returns (uint256 orderId);

    /// @notice Releases freeze order `orderId`: only the regulator that issued it.
    function releaseFreeze(bytes32 assetId, uint256 orderId, bytes32 evidenceCid) external;

    /// @notice The council admin releases freeze order `orderId` (e.g. its regulator was dissolved), with the
    /// CID of its recorded reason.
    function adminReleaseFreeze(bytes32 assetId, uint256 orderId, bytes32 reasonCid) external;

    /// @notice The pledgee of `pledgeId` consents, once, to `operation` on the pledged operating right
    /// (`rightIndex`, `counterparty`: the new holder or grantee; both zero for a cancellation). Relayable as
    /// an EIP-712 forward request. Every standing pledge's pledgee must consent before the operation goes.
    function consentAsPledgee(
        bytes32 assetId,
        bytes32 pledgeId,
        PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    ) external;

    /// @notice The named holder accepts right `rightIndex` assigned to it at registration.
    function acceptRight(bytes32 assetId, uint256 rightIndex) external;

    /// @notice `acceptRight` signed by `holder` as EIP-712 `AcceptRight`, submitted by anyone.
    function acceptRightBySig(bytes32 assetId, uint256 rightIndex, address holder, uint256 deadline, bytes calldata signature)
        external;

    /// @notice The registrant withdraws an assignment its holder has not accepted.
    function withdrawAssignment(bytes32 assetId, uint256 rightIndex) external;

    /// @notice Binds the registration office (once, by the council admin): the only caller of `commitChange`,
    /// told when the primary holding right changes hands so the certificate's holder follows.
    function setRegistrationOffice(address office) external;

    /// @notice The council admin names the public-data authorisation contract, once.
    function setPublicDataAuthorisation(address authorisations) external;

    /// @notice Called by the public-data authorisation contract when its operator binds an asset: the asset
    /// becomes public data under `authorisationId` (attribute bit 4), and its rights follow the authorisation.
    function bindPublicData(bytes32 assetId, uint256 authorisationId) external;


    /// @notice Makes an approved change registration current (the registration office only).
    /// @return version The new version number.
    function commitChange(bytes32 assetId, Version calldata version) external returns (uint16);

    /// @notice Reverts with `AssetNotFound`, `AssetNotActive` or `AssetIsFrozen` unless the asset is active and
    /// free of freeze orders: the procedure's guard.
    function requireOpen(bytes32 assetId) external view;

    /// @notice Records a pledge of the asset's operating right, registered elsewhere under
    /// `externalRegistrationNo` (a registrar). Returns the pledge id, keccak256(assetId, externalRegistrationNo).
    function recordPledge(bytes32 assetId, string calldata externalRegistrationNo, address pledgee)
        external
        returns (bytes32 pledgeId);

    /// @notice Records the release of a pledge of this asset (a registrar); a pledge recorded on another asset
    /// is not found here.
    function releasePledge(bytes32 assetId, bytes32 pledgeId) external;

    /// @notice Cancels an asset's record: by its registrant on request (reason 1), or by a registrar for
    /// another reason (2 data destroyed, 3 objection upheld, 4 by the registrar). Refused while frozen, and
    /// while pledged unless every pledgee consented (the pledges are then extinguished with the record).
    function cancel(bytes32 assetId, uint16 reasonCode, bytes32 evidenceCid) external;

    /// @notice Registers an asset with the caller as registrant.
    /// @return assetId The new asset's id.
    function register(Registration calldata registration) external returns (bytes32 assetId);

    /// @notice Registers several assets with the caller as registrant, in order; all or none.
    function registerBatch(Registration[] calldata registrations) external returns (bytes32[] memory assetIds);

    /// @notice Registers an asset on behalf of `registrant`, who signed it as EIP-712 typed data `Register`;
    /// anyone (an exchange, a registration agent) may submit it and pay the gas.
    /// @param registrant The signer: an EOA, or an ERC-1271 contract such as an enterprise multisig.
    /// @param deadline Unix time after which the signature is no longer accepted.
    /// @param signature The EOA's 65-byte signature, or whatever the ERC-1271 signer accepts.
    function registerBySig(
        Registration calldata registration,
        address registrant,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 assetId);

    /// @notice Grants right `parentIndex` (held by the caller, valid now) to `terms.grantee`.
    /// @return rightIndex The new right's number.
    function grant(bytes32 assetId, uint256 parentIndex, GrantTerms calldata terms)
        external
        returns (uint256 rightIndex);

    /// @notice `grant` signed by `grantor` as EIP-712 `Grant`, submitted by anyone.
    function grantBySig(
        bytes32 assetId,
        uint256 parentIndex,
        GrantTerms calldata terms,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 rightIndex);

    /// @notice Transfers right `rightIndex`, held by the caller and valid now, to `to`.
    function transfer(bytes32 assetId, uint256 rightIndex, address to) external;

    /// @notice `transfer` signed by `holder` as EIP-712 `Transfer`, submitted by anyone.
    function transferBySig(
        bytes32 assetId,
        uint256 rightIndex,
        address to,
        address holder,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Revokes grant `rightIndex`; the caller must hold the right it was granted from.
    function revoke(bytes32 assetId, uint256 rightIndex, uint16 reasonCode, bytes32 evidenceCid) external;

    /// @notice `revoke` signed by `grantor` as EIP-712 `Revoke`, submitted by anyone.
    function revokeBySig(
        bytes32 assetId,
        uint256 rightIndex,
        uint16 reasonCode,
        bytes32 evidenceCid,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Sets a new end for grant `rightIndex`; the caller must hold the right it was granted from.
    function renew(bytes32 assetId, uint256 rightIndex, uint64 validUntil) external;

    /// @notice `renew` signed by `grantor` as EIP-712 `Renew`, submitted by anyone.
    function renewBySig(
        bytes32 assetId,
        uint256 rightIndex,
        uint64 validUntil,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @notice The id an asset gets (or got) when `registrant` registers content with this SHA-256.
    function assetIdOf(address registrant, bytes32 contentHash) external pure returns (bytes32);

    /// @notice An asset's record; reverts with `AssetNotFound` for an unknown id.
    function getAsset(bytes32 assetId) external view returns (AssetView memory);

    /// @notice What rules about an asset's data read (classification, attributes, version, frozen), from its one
    /// storage slot: `getAsset` without the rest of the record, for contracts that judge listings on every trade.
    /// Reverts with `AssetNotFound` for an unknown id.
    function assetTraits(bytes32 assetId)
        external
        view
        returns (uint8 classification, uint8 attributes, uint16 version, bool frozen);

    /// @notice A right of an asset; reverts with `RightNotFound` for an index that names none.
    function getRight(bytes32 assetId, uint256 rightIndex) external view returns (RightView memory);

    /// @notice Whether a right can be exercised now and, if not, why and which right in its chain of grants
    /// fails (the right itself or an ancestor; zero when valid).
    function rightValidity(bytes32 assetId, uint256 rightIndex)
        external
        view
        returns (Validity validity, uint256 failingRightIndex);

    /// @notice The chain of grants from a right up to its root: `[rightIndex, parent, ..., root]`.
    function rightChain(bytes32 assetId, uint256 rightIndex) external view returns (uint256[] memory chain);

    /// @notice Whether a right and every right it descends from are valid now, on an active asset.
    function isRightValid(bytes32 assetId, uint256 rightIndex) external view returns (bool);

    /// @notice Freeze order `orderId` of an asset (regulator zero for none).
    function getFreezeOrder(bytes32 assetId, uint256 orderId) external view returns (FreezeOrderView memory);

    /// @notice Freeze orders ever recorded on an asset (ids 1..count).
    function freezeOrderCount(bytes32 assetId) external view returns (uint256);

    /// @notice A pledge recorded on an asset (registrar zero for none).
    function getPledge(bytes32 assetId, bytes32 pledgeId) external view returns (PledgeView memory);

    /// @notice Whether `contentHash` is the data of the asset's current version.
    function isCurrentContent(bytes32 assetId, bytes32 contentHash) external view returns (bool);

    /// @notice The registration office bound by the council (zero before).
    function registrationOffice() external view returns (address);

    /// @notice The next nonce `signer` must sign with.
    function nonces(address signer) external view returns (uint256);

    /// @notice The EIP-712 domain separator of this registry on this chain.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);
}
