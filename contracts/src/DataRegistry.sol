// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";

/// @title DataRegistry
/// @notice See {IDataRegistry}.
/// @dev Gas is kept low by three choices, each documented where it is made: storage holds only what the
/// contract's checks read (one slot per asset, one per right); immutable evidence goes into events; and the
/// registrant's own primary rights are implicit in the asset's slot until they first change hands.
contract DataRegistry is IDataRegistry, EIP712, Nonces {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Constants
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    bytes32 private constant RIGHT_HOLDER_TYPEHASH = keccak256("RightHolder(address account,uint8 kinds)");
    bytes32 private constant SOURCE_TYPEHASH = keccak256("Source(bytes32 assetId,uint256 rightIndex)");
    /// @dev Referenced struct types follow the primary type in alphabetical order, as EIP-712 requires.
    bytes32 private constant REGISTER_TYPEHASH = keccak256(
        "Register(address registrant,bytes32 contentHash,bytes32 contentCid,bytes32 metadataCid,uint8 classification,"
        "uint8 attributes,Source[] sources,RightHolder[] holders,uint256 nonce,uint256 deadline)"
        "RightHolder(address account,uint8 kinds)Source(bytes32 assetId,uint256 rightIndex)"
    );

    uint8 private constant ALL_KINDS = 0x07;
    uint8 private constant ATTR_PERSONAL = 0x01;
    uint8 private constant ATTR_SENSITIVE = 0x02;
    uint8 private constant ATTR_EXPORT = 0x04;
    uint8 private constant ATTR_DERIVED = 0x08;
    uint8 private constant DECLARABLE_ATTRIBUTES = ATTR_PERSONAL | ATTR_SENSITIVE | ATTR_EXPORT;
    uint8 private constant MAX_CLASSIFICATION = 2;

    /// @dev Indices 1..3 are reserved for the primary right of each kind, so every asset starts at 3.
    uint24 private constant PRIMARY_RIGHTS = 3;

    /// @dev Bits of `RightRecord.flags`: the kind in bits 0-1, then the grant's state and terms.
    uint8 private constant FLAG_KIND_MASK = 0x03;
    uint8 private constant FLAG_REVOKED = 0x04;
    uint8 private constant FLAG_SUB_GRANTABLE = 0x08;
    uint8 private constant FLAG_TRANSFERABLE = 0x10;
    /// @dev A root right may always be granted onwards and transferred by its holder.
    uint8 private constant ROOT_FLAGS = FLAG_SUB_GRANTABLE | FLAG_TRANSFERABLE;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Storage
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev One slot (30 of 32 bytes).
    struct AssetRecord {
        address registrant;
        AssetStatus status;
        uint8 classification;
        uint8 attributes;
        /// Kinds whose primary right (index kind + 1) the registrant holds without a stored record:
        /// registering an asset whose registrant keeps its own rights then costs one storage slot, not four.
        uint8 registrantKinds;
        /// Reserved for registration remarks (freeze, pledge) so they need no extra slot.
        uint8 remarks;
        uint16 version;
        uint24 rightCount;
    }

    /// @dev One slot (32 bytes). Timestamps are uint32 seconds (good until 2106).
    struct RightRecord {
        address holder;
        uint8 flags;
        uint32 validFrom;
        uint32 validUntil;
        uint24 parentIndex;
    }

    mapping(bytes32 assetId => AssetRecord) private _assets;
    mapping(bytes32 assetId => mapping(uint256 rightIndex => RightRecord)) private _rights;

    constructor() EIP712("DataRegistry", "1") {}

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Registration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function register(Registration calldata registration) external returns (bytes32) {
        return _register(registration, msg.sender);
    }

    /// @inheritdoc IDataRegistry
    function registerBatch(Registration[] calldata registrations) external returns (bytes32[] memory assetIds) {
        assetIds = new bytes32[](registrations.length);
        for (uint256 i; i < registrations.length; ++i) {
            assetIds[i] = _register(registrations[i], msg.sender);
        }
    }

    /// @inheritdoc IDataRegistry
    function registerBySig(
        Registration calldata registration,
        address registrant,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32) {
        _verifySignature(registrant, _hashRegister(registration, registrant, deadline), deadline, signature);
        return _register(registration, registrant);
    }

    function _register(Registration calldata r, address registrant) private returns (bytes32 assetId) {
        assetId = keccak256(abi.encode(registrant, r.contentHash));
        if (r.contentHash == bytes32(0)) revert MissingContentHash();
        if (r.metadataCid == bytes32(0)) revert MissingMetadata();
        if (r.classification > MAX_CLASSIFICATION) revert InvalidClassification(r.classification);
        if (r.attributes & ~DECLARABLE_ATTRIBUTES != 0) revert InvalidAttributes(r.attributes);
        if (_assets[assetId].status != AssetStatus.None) revert AssetAlreadyRegistered(assetId);

        uint8 attributes = r.attributes;
        if (r.sources.length != 0) {
            attributes |= ATTR_DERIVED;
            _checkSources(assetId, r.sources, registrant);
        }

        AssetRecord memory asset = AssetRecord({
            registrant: registrant,
            status: AssetStatus.Active,
            classification: r.classification,
            attributes: attributes,
            registrantKinds: 0,
            remarks: 0,
            version: 1,
            rightCount: PRIMARY_RIGHTS
        });
        // Events follow the single write of the asset slot; RightAssigned events are emitted as rights are
        // stored, so the log order is: AssetRegistered, AssetDerived*, RightAssigned*.
        emit AssetRegistered(
            assetId, registrant, msg.sender, r.contentHash, r.contentCid, r.metadataCid, r.classification, attributes
        );
        for (uint256 i; i < r.sources.length; ++i) {
            emit AssetDerived(assetId, r.sources[i].assetId, r.sources[i].rightIndex);
        }
        _assignRights(assetId, asset, r.holders);
        _assets[assetId] = asset;
    }

    /// @dev Derived data: the registrant must hold a valid usage (processing) right over every source now.
    function _checkSources(bytes32 assetId, Source[] calldata sources, address registrant) private view {
        for (uint256 i; i < sources.length; ++i) {
            bytes32 sourceId = sources[i].assetId;
            if (sourceId == assetId) revert InvalidSource(i, sourceId);
            for (uint256 j; j < i; ++j) {
                if (sources[j].assetId == sourceId) revert InvalidSource(i, sourceId);
            }
            _requireValidRight(sourceId, sources[i].rightIndex, registrant, RightKind.Usage);
        }
    }

    /// @dev The first entry to claim a kind gets that kind's primary index (kind + 1); later entries for the
    /// same kind are co-holders with indices from 4. Entries must be sorted by address so duplicates show.
    function _assignRights(bytes32 assetId, AssetRecord memory asset, RightHolder[] calldata holders) private {
        uint8 claimed;
        address previous;
        for (uint256 i; i < holders.length; ++i) {
            address account = holders[i].account;
            uint8 kinds = holders[i].kinds;
            if (account == address(0) || kinds == 0 || kinds > ALL_KINDS) revert InvalidHolder(i, account, kinds);
            if (account <= previous) revert HoldersNotSorted(i, account);
            previous = account;
            for (uint8 kind; kind < 3; ++kind) {
                uint8 bit = uint8(1) << kind;
                if (kinds & bit == 0) continue;
                uint256 index;
                if (claimed & bit == 0) {
                    claimed |= bit;
                    index = kind + 1;
                    if (account == asset.registrant) asset.registrantKinds |= bit;
                    else _rights[assetId][index] = RightRecord(account, kind | ROOT_FLAGS, 0, 0, 0);
                } else {
                    if (asset.rightCount == type(uint24).max) revert TooManyRights(assetId);
                    index = ++asset.rightCount;
                    _rights[assetId][index] = RightRecord(account, kind | ROOT_FLAGS, 0, 0, 0);
                }
                emit RightAssigned(assetId, index, account, RightKind(kind));
            }
        }
        if (claimed & 0x01 == 0) revert MissingHoldingRight();
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Signatures
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    function _hashRegister(Registration calldata r, address registrant, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        bytes32[] memory sourceHashes = new bytes32[](r.sources.length);
        for (uint256 i; i < r.sources.length; ++i) {
            sourceHashes[i] = keccak256(abi.encode(SOURCE_TYPEHASH, r.sources[i].assetId, r.sources[i].rightIndex));
        }
        bytes32[] memory holderHashes = new bytes32[](r.holders.length);
        for (uint256 i; i < r.holders.length; ++i) {
            holderHashes[i] = keccak256(abi.encode(RIGHT_HOLDER_TYPEHASH, r.holders[i].account, r.holders[i].kinds));
        }
        // Split in two encodings to stay within the stack limit without via-IR.
        bytes memory head = abi.encode(
            REGISTER_TYPEHASH, registrant, r.contentHash, r.contentCid, r.metadataCid, r.classification, r.attributes
        );
        return keccak256(
            bytes.concat(
                head,
                abi.encode(
                    keccak256(abi.encodePacked(sourceHashes)),
                    keccak256(abi.encodePacked(holderHashes)),
                    nonces(registrant),
                    deadline
                )
            )
        );
    }

    /// @dev Consumes the signer's nonce: a signature is good once, on this chain and this contract only
    /// (both are in the EIP-712 domain). ERC-1271 signers are asked through `isValidSignature`.
    function _verifySignature(address signer, bytes32 structHash, uint256 deadline, bytes calldata signature)
        private
    {
        if (block.timestamp > deadline) revert SignatureExpired(deadline, block.timestamp);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, _hashTypedDataV4(structHash), signature)) {
            revert InvalidSignature(signer);
        }
        _useNonce(signer);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Rights
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @dev Reads a right, materialising the registrant's implicit primary rights. Returns a zero holder for
    /// an index that names no right.
    function _loadRight(bytes32 assetId, AssetRecord storage asset, uint256 rightIndex)
        private
        view
        returns (RightRecord memory right)
    {
        right = _rights[assetId][rightIndex];
        if (right.holder == address(0) && rightIndex >= 1 && rightIndex <= PRIMARY_RIGHTS) {
            // forge-lint: disable-next-line(unsafe-typecast) rightIndex is 1..3 here
            uint8 kind = uint8(rightIndex - 1);
            if (asset.registrantKinds & (uint8(1) << kind) != 0) {
                right.holder = asset.registrant;
                right.flags = kind | ROOT_FLAGS;
            }
        }
    }

    /// @dev Reverts unless `account` holds right `rightIndex` of `kind` over an active asset and the right and
    /// all its ancestors are valid now. The error names the right in the chain that fails.
    function _requireValidRight(bytes32 assetId, uint256 rightIndex, address account, RightKind kind) private view {
        AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        if (asset.status != AssetStatus.Active) revert AssetNotActive(assetId, asset.status);
        RightRecord memory right = _loadRight(assetId, asset, rightIndex);
        if (right.holder == address(0)) revert RightNotFound(assetId, rightIndex);
        if (right.holder != account) revert NotRightHolder(assetId, rightIndex, account);
        RightKind actual = RightKind(right.flags & FLAG_KIND_MASK);
        if (actual != kind) revert WrongRightKind(assetId, rightIndex, kind, actual);
        (Validity validity, uint256 failing, uint64 time) = _validity(assetId, asset, rightIndex, right);
        if (validity == Validity.Revoked) revert RightRevoked(assetId, failing);
        if (validity == Validity.NotYetValid) revert RightNotYetValid(assetId, failing, time);
        if (validity == Validity.Expired) revert RightExpired(assetId, failing, time);
    }

    /// @dev Walks from a right up to its root (grants form a tree per asset and kind) and returns the first
    /// failure: which right fails and, for time failures, the moment that matters. The one place that
    /// decides whether a right is valid.
    function _validity(bytes32 assetId, AssetRecord storage asset, uint256 index, RightRecord memory right)
        private
        view
        returns (Validity, uint256 failingIndex, uint64 time)
    {
        while (true) {
            if (right.flags & FLAG_REVOKED != 0) return (Validity.Revoked, index, 0);
            if (right.validFrom > block.timestamp) return (Validity.NotYetValid, index, right.validFrom);
            if (right.validUntil != 0 && right.validUntil <= block.timestamp) {
                return (Validity.Expired, index, right.validUntil);
            }
            if (right.parentIndex == 0) return (Validity.Valid, 0, 0);
            index = right.parentIndex;
            right = _loadRight(assetId, asset, index);
        }
        return (Validity.Valid, 0, 0); // unreachable: the loop returns at the root
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Views
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function assetIdOf(address registrant, bytes32 contentHash) external pure returns (bytes32) {
        return keccak256(abi.encode(registrant, contentHash));
    }

    /// @inheritdoc IDataRegistry
    function getAsset(bytes32 assetId) external view returns (AssetView memory) {
        AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        return AssetView({
            registrant: asset.registrant,
            status: asset.status,
            classification: asset.classification,
            attributes: asset.attributes,
            version: asset.version,
            rightCount: asset.rightCount
        });
    }

    /// @inheritdoc IDataRegistry
    function getRight(bytes32 assetId, uint256 rightIndex) external view returns (RightView memory) {
        AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        RightRecord memory right = _loadRight(assetId, asset, rightIndex);
        if (right.holder == address(0)) revert RightNotFound(assetId, rightIndex);
        return RightView({
            holder: right.holder,
            kind: RightKind(right.flags & FLAG_KIND_MASK),
            parentIndex: right.parentIndex,
            validFrom: right.validFrom,
            validUntil: right.validUntil,
            revoked: right.flags & FLAG_REVOKED != 0,
            subGrantable: right.flags & FLAG_SUB_GRANTABLE != 0,
            transferable: right.flags & FLAG_TRANSFERABLE != 0
        });
    }

    /// @inheritdoc IDataRegistry
    function rightValidity(bytes32 assetId, uint256 rightIndex)
        public
        view
        returns (Validity validity, uint256 failingRightIndex)
    {
        AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) return (Validity.NoSuchRight, rightIndex);
        RightRecord memory right = _loadRight(assetId, asset, rightIndex);
        if (right.holder == address(0)) return (Validity.NoSuchRight, rightIndex);
        if (asset.status != AssetStatus.Active) return (Validity.AssetNotActive, rightIndex);
        (validity, failingRightIndex,) = _validity(assetId, asset, rightIndex, right);
    }

    /// @inheritdoc IDataRegistry
    function isRightValid(bytes32 assetId, uint256 rightIndex) external view returns (bool) {
        (Validity validity,) = rightValidity(assetId, rightIndex);
        return validity == Validity.Valid;
    }

    /// @inheritdoc IDataRegistry
    function nonces(address signer) public view override(IDataRegistry, Nonces) returns (uint256) {
        return super.nonces(signer);
    }

    /// @inheritdoc IDataRegistry
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
