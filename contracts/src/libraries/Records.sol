// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "../interfaces/IDataRegistry.sol";
import {IPublicDataAuthorisation} from "../interfaces/IPublicDataAuthorisation.sol";
import {Remarks} from "./Remarks.sol";

/// @title Records
/// @notice The DataRegistry's stored records and the rules that read them, shared by the DataRegistry and the
/// linked libraries that run its cold code (Lineage, Procedures) on its storage. Internal functions only: each
/// user compiles its own copy from this one source, so a right is judged valid by the same code everywhere.
library Records {
    /// @dev One slot (30 of 32 bytes). Its layout is the DataRegistry's storage layout: never reorder.
    struct AssetRecord {
        address registrant;
        IDataRegistry.AssetStatus status;
        uint8 classification;
        uint8 attributes;
        /// Kinds whose primary right (index kind + 1) the registrant holds without a stored record:
        /// registering an asset whose registrant keeps its own rights then costs one storage slot, not four.
        uint8 registrantKinds;
        /// Freeze orders standing (备注: 查封 and 轮候查封); the asset is frozen while non-zero.
        uint8 activeFreezes;
        uint16 version;
        uint24 rightCount;
        /// Active pledges recorded against the asset; while non-zero the operating right cannot move.
        uint16 activePledges;
    }

    /// @dev One slot (32 bytes). Timestamps are uint32 seconds (good until 2106).
    struct RightRecord {
        address holder;
        uint8 flags;
        uint32 validFrom;
        uint32 validUntil;
        uint24 parentIndex;
    }

    uint8 internal constant ATTR_PERSONAL = 0x01;
    uint8 internal constant ATTR_SENSITIVE = 0x02;
    uint8 internal constant ATTR_EXPORT = 0x04;
    uint8 internal constant ATTR_DERIVED = 0x08;
    /// @dev Public data under an authorisation (issue 21). A bit of the asset's slot, which every operation reads
    /// anyway: assets that are not public data pay no extra storage read for the rule.
    uint8 internal constant ATTR_PUBLIC = 0x10;
    uint8 internal constant DECLARABLE_ATTRIBUTES = ATTR_PERSONAL | ATTR_SENSITIVE | ATTR_EXPORT;
    uint8 internal constant MAX_CLASSIFICATION = 2;
    /// @dev SHA-256 of zero bytes: an empty file is no data asset.
    bytes32 internal constant EMPTY_SHA256 = 0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;

    /// @dev Modes of {IPublicDataAuthorisation-check}.
    uint8 internal constant PUBLIC_STANDING = 0;
    uint8 internal constant PUBLIC_REQUIRE_STANDING = 1;
    uint8 internal constant PUBLIC_REQUIRE_GRANT = 2;

    /// @dev Indices 1..3 are reserved for the primary right of each kind, so every asset starts at 3.
    uint24 internal constant PRIMARY_RIGHTS = 3;

    /// @dev Bits of `RightRecord.flags`: the kind in bits 0-1, then the grant's state and terms.
    uint8 internal constant FLAG_KIND_MASK = 0x03;
    uint8 internal constant FLAG_REVOKED = 0x04;
    uint8 internal constant FLAG_SUB_GRANTABLE = 0x08;
    uint8 internal constant FLAG_TRANSFERABLE = 0x10;
    /// @dev Assigned at registration to a party other than the registrant, not accepted yet: not held.
    uint8 internal constant FLAG_PENDING = 0x20;
    /// @dev Where the flags sit in a right's storage word ({rightWord}).
    uint256 internal constant RIGHT_FLAGS_SHIFT = 160;
    /// @dev A root right may always be granted onwards and transferred by its holder.
    uint8 internal constant ROOT_FLAGS = FLAG_SUB_GRANTABLE | FLAG_TRANSFERABLE;

    /// @dev Writes a whole asset record in one SSTORE. The compiler copies a memory struct into storage member by
    /// member, each a read-modify-write of the same slot (~800 gas more on every registration). The shifts are the
    /// members' offsets in {AssetRecord} (`forge inspect DataRegistry storageLayout`); the tests read every member
    /// back through `getAsset` after a registration.
    function storeAsset(AssetRecord storage stored, AssetRecord memory a) internal {
        uint256 word = uint256(uint160(a.registrant)) | uint256(uint8(a.status)) << 160
            | uint256(a.classification) << 168 | uint256(a.attributes) << 176 | uint256(a.registrantKinds) << 184
            | uint256(a.activeFreezes) << 192 | uint256(a.version) << 200 | uint256(a.rightCount) << 216
            | uint256(a.activePledges) << 240;
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    /// @dev Writes a new right record in one SSTORE, for the same reason as {storeAsset}; the offsets are
    /// {RightRecord}'s.
    function storeRight(
        RightRecord storage stored,
        address holder,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        uint24 parentIndex
    ) internal {
        storeRightWord(stored, rightWord(holder, flags, validFrom, validUntil, parentIndex));
    }

    /// @dev A right record as its storage word ({storeRight}); words of disjoint members can be OR-ed together.
    function rightWord(address holder, uint8 flags, uint32 validFrom, uint32 validUntil, uint24 parentIndex)
        internal
        pure
        returns (uint256)
    {
        return uint256(uint160(holder)) | uint256(flags) << RIGHT_FLAGS_SHIFT | uint256(validFrom) << 168
            | uint256(validUntil) << 200 | uint256(parentIndex) << 232;
    }

    function storeRightWord(RightRecord storage stored, uint256 word) internal {
        assembly ("memory-safe") {
            sstore(stored.slot, word)
        }
    }

    /// @dev Reads a whole asset record with one SLOAD, the inverse of {storeAsset} (same offsets). The compiler's
    /// copy of a storage struct into memory (`AssetRecord memory a = stored`) reads and unpacks it member by member,
    /// which made revoke, renew and transfer dearer than the pointer reads it replaced; this loader takes ~210 gas
    /// off each (and off grant), below the pointer reads (the gas snapshot, SECURITY.md). The status is always a
    /// stored {IDataRegistry.AssetStatus} (only the DataRegistry and its libraries write the slot), so it needs no
    /// range check; the tests read every member back through `getAsset`. It fills the caller's struct: returning a new
    /// one would allocate and zero a second struct on every read (each memory return value is allocated).
    function loadAsset(AssetRecord memory a, AssetRecord storage stored) internal view {
        assembly ("memory-safe") {
            let w := sload(stored.slot)
            mstore(a, and(w, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(a, 0x20), and(shr(160, w), 0xff))
            mstore(add(a, 0x40), and(shr(168, w), 0xff))
            mstore(add(a, 0x60), and(shr(176, w), 0xff))
            mstore(add(a, 0x80), and(shr(184, w), 0xff))
            mstore(add(a, 0xa0), and(shr(192, w), 0xff))
            mstore(add(a, 0xc0), and(shr(200, w), 0xffff))
            mstore(add(a, 0xe0), and(shr(216, w), 0xffffff))
            mstore(add(a, 0x100), shr(240, w))
        }
    }

    /// @dev Reads a whole right record with one SLOAD, the inverse of {storeRight}, for the same reason as
    /// {loadAsset}, into the caller's struct like it.
    function loadRightRecord(RightRecord memory r, RightRecord storage stored) internal view {
        assembly ("memory-safe") {
            let w := sload(stored.slot)
            mstore(r, and(w, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(r, 0x20), and(shr(160, w), 0xff))
            mstore(add(r, 0x40), and(shr(168, w), 0xffffffff))
            mstore(add(r, 0x60), and(shr(200, w), 0xffffffff))
            mstore(add(r, 0x80), shr(232, w))
        }
    }

    function activeAsset(mapping(bytes32 => AssetRecord) storage assets, bytes32 assetId)
        internal
        view
        returns (AssetRecord storage asset)
    {
        asset = assets[assetId];
        requireActive(assetId, asset.status);
    }

    /// @dev The active asset's slot, and a copy of it in `asset`, for the operations that check several of its
    /// fields: one SLOAD for all of them, where reading each field through the storage pointer paid a warm SLOAD
    /// (100 gas) per field read (five to seven on a grant, transfer or revoke).
    function activeAssetCopy(AssetRecord memory asset, mapping(bytes32 => AssetRecord) storage assets, bytes32 assetId)
        internal
        view
        returns (AssetRecord storage stored)
    {
        stored = assets[assetId];
        loadAsset(asset, stored);
        requireActive(assetId, asset.status);
    }

    /// @dev Memory for a record that a loader then fills, every member ({loadAsset}, {loadRight}), without the
    /// zeroing the compiler gives each memory struct it allocates (~180 gas an asset record, ~120 a right, on every
    /// operation). The allocating function returns the memory's address and a cast of its pointer types it as the
    /// struct (as OpenZeppelin's Arrays casts comparators). Call the returned function where the variable is
    /// declared (`AssetRecord memory a = Records.unzeroedAsset()();`): any function returning a struct zeroes it.
    function unzeroedAsset() internal pure returns (function() pure returns (AssetRecord memory) allocate) {
        function() pure returns (uint256) raw = _allocateAsset;
        assembly ("memory-safe") {
            allocate := raw
        }
    }

    /// @dev As {unzeroedAsset}, for a right record.
    function unzeroedRight() internal pure returns (function() pure returns (RightRecord memory) allocate) {
        function() pure returns (uint256) raw = _allocateRight;
        assembly ("memory-safe") {
            allocate := raw
        }
    }

    function _allocateAsset() private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := mload(0x40)
            mstore(0x40, add(at, 0x120)) // nine members, a word each
        }
    }

    function _allocateRight() private pure returns (uint256 at) {
        assembly ("memory-safe") {
            at := mload(0x40)
            mstore(0x40, add(at, 0xa0)) // five members, a word each
        }
    }

    function requireActive(bytes32 assetId, IDataRegistry.AssetStatus status) internal pure {
        if (status != IDataRegistry.AssetStatus.Active) {
            if (status == IDataRegistry.AssetStatus.None) revert IDataRegistry.AssetNotFound(assetId);
            revert IDataRegistry.AssetNotActive(assetId, status);
        }
    }

    /// @dev The check is inlined where it is made (the count is in the asset's slot); the refusal, which names the
    /// first standing order and its issuer (who can lift the block), runs in the Remarks library.
    function requireNotFrozen(Remarks.Store storage remarks, bytes32 assetId, uint8 activeFreezes) internal view {
        if (activeFreezes != 0) Remarks.refuseFrozen(remarks, assetId);
    }

    /// @dev Reads a right into `right`, materialising the registrant's implicit primary rights; a zero holder for
    /// an index that names no right. An implicit right has no record (its bit and a stored record never
    /// coexist: the DataRegistry's `_storeRight` clears the bit as it writes the record, and a primary right with
    /// a term is stored without the bit), so its slot is not read: a cold read (2,100 gas) saved on every grant
    /// from a primary right and on every validity check that reaches one. It fills the caller's struct, every
    /// member, like {loadAsset}: a memory struct returned is allocated and zeroed on each call, and a named return
    /// once more in each function it passes through (three times on a grant's path, ~125 gas each).
    function loadRight(
        RightRecord memory right,
        mapping(bytes32 => mapping(uint256 => RightRecord)) storage rights,
        bytes32 assetId,
        AssetRecord memory asset,
        uint256 rightIndex
    ) internal view {
        uint256 kindIndex;
        unchecked {
            kindIndex = rightIndex - 1; // wraps for 0: one comparison for 1 <= rightIndex <= 3
        }
        if (kindIndex < PRIMARY_RIGHTS) {
            // forge-lint: disable-next-line(unsafe-typecast) rightIndex is 1..3 here
            uint8 kind = uint8(kindIndex);
            if (asset.registrantKinds & (uint8(1) << kind) != 0) {
                right.holder = asset.registrant;
                right.flags = kind | ROOT_FLAGS;
                right.validFrom = 0;
                right.validUntil = 0;
                right.parentIndex = 0;
                return;
            }
        }
        loadRightRecord(right, rights[assetId][rightIndex]);
    }

    /// @dev Walks from a right up to its root (grants form a tree per asset and kind) and returns the first
    /// failure: which right fails and, for time failures, the moment that matters. The one place that
    /// decides whether a right is valid. `right` is left as it is: the ancestors are read into a struct of their
    /// own, allocated only when there is one (a root right costs no allocation).
    function validity(
        mapping(bytes32 => mapping(uint256 => RightRecord)) storage rights,
        bytes32 assetId,
        AssetRecord memory asset,
        uint256 index,
        RightRecord memory right
    ) internal view returns (IDataRegistry.Validity, uint256 failingIndex, uint64 time) {
        while (true) {
            if (right.flags & FLAG_REVOKED != 0) return (IDataRegistry.Validity.Revoked, index, 0);
            if (right.flags & FLAG_PENDING != 0) return (IDataRegistry.Validity.Pending, index, 0);
            if (right.validFrom > block.timestamp) return (IDataRegistry.Validity.NotYetValid, index, right.validFrom);
            if (right.validUntil != 0 && right.validUntil <= block.timestamp) {
                return (IDataRegistry.Validity.Expired, index, right.validUntil);
            }
            if (right.parentIndex == 0) return (IDataRegistry.Validity.Valid, 0, 0);
            index = right.parentIndex;
            // slither-disable-next-line uninitialized-local (filled by loadRight on the next line)
            RightRecord memory parent;
            loadRight(parent, rights, assetId, asset, index);
            right = parent;
        }
        return (IDataRegistry.Validity.Valid, 0, 0); // unreachable: the loop returns at the root
    }

    /// @dev Reads the right into `right`, after checking that `account` holds it and that it and its ancestors are
    /// valid now (the caller then applies the public-data rule, {publicCheck}, for an asset that is public data).
    function heldValidRight(
        RightRecord memory right,
        mapping(bytes32 => mapping(uint256 => RightRecord)) storage rights,
        bytes32 assetId,
        AssetRecord memory asset,
        uint256 rightIndex,
        address account
    ) internal view {
        loadRight(right, rights, assetId, asset, rightIndex);
        if (right.holder != account) {
            if (right.holder == address(0)) revert IDataRegistry.RightNotFound(assetId, rightIndex);
            revert IDataRegistry.NotRightHolder(assetId, rightIndex, account);
        }
        (IDataRegistry.Validity v, uint256 failing, uint64 time) = validity(rights, assetId, asset, rightIndex, right);
        if (v == IDataRegistry.Validity.Valid) return;
        if (v == IDataRegistry.Validity.Pending) revert IDataRegistry.RightPending(assetId, failing, account);
        if (v == IDataRegistry.Validity.Revoked) revert IDataRegistry.RightIsRevoked(assetId, failing);
        if (v == IDataRegistry.Validity.NotYetValid) revert IDataRegistry.RightNotYetValid(assetId, failing, time);
        if (v == IDataRegistry.Validity.Expired) revert IDataRegistry.RightExpired(assetId, failing, time);
    }

    /// @dev The one call to the authorisation contract, asked only about public-data assets (attribute bit 4).
    function publicCheck(
        IPublicDataAuthorisation authorisations,
        mapping(bytes32 => uint256) storage bindings,
        bytes32 assetId,
        address account,
        uint8 mode,
        bytes32 purpose,
        uint64 validUntil
    ) internal view returns (uint8) {
        return authorisations.check(bindings[assetId], account, mode, purpose, validUntil);
    }
}
