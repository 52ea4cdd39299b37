// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IDataRegistry} from "./interfaces/IDataRegistry.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IPublicDataAuthorisation} from "./interfaces/IPublicDataAuthorisation.sol";
import {IRegistrationOffice} from "./interfaces/IRegistrationOffice.sol";
import {Lineage} from "./libraries/Lineage.sol";
import {Procedures} from "./libraries/Procedures.sol";
import {Records} from "./libraries/Records.sol";
import {Remarks} from "./libraries/Remarks.sol";
import {PauseFlag} from "./PauseFlag.sol";

/// @title DataRegistry
/// @notice See {IDataRegistry}.
/// @dev Gas is kept low by three choices, each documented where it is made: storage holds only what the
/// contract's checks read (one slot per asset, one per right); immutable evidence goes into events; and the
/// registrant's own primary rights are implicit in the asset's slot until they first change hands.
/// Every write also works through the trusted ERC-2771 forwarder, so any operation, including the
/// registrar's and regulator's, can be signed as EIP-712 typed data and relayed; the per-operation `...BySig`
/// functions remain for the holders' operations, whose signed messages name each field.
/// Cold code runs in linked libraries on this contract's storage (DELEGATECALL): the remarks ({Remarks}), the check
/// of a derived registration's sources ({Lineage}) and the rare record procedures ({Procedures}). That keeps the
/// contract under EIP-170's size limit at the 10,000 optimizer runs of the rest, which the hot paths (register,
/// grant, transfer, revoke, renew) are compiled for; they never call a library unless a remark or a source is involved.
contract DataRegistry is IDataRegistry, EIP712, Nonces, ERC2771Context, PauseFlag {
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Constants
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    bytes32 private constant RIGHT_HOLDER_TYPEHASH = keccak256("RightHolder(address account,uint8 kinds)");
    bytes32 private constant SOURCE_TYPEHASH = keccak256("Source(bytes32 assetId,uint256 rightIndex)");
    bytes32 private constant HOLDER_TERMS_TYPEHASH = keccak256("HolderTerms(uint64 validUntil,bytes32 limitsCid)");
    /// @dev Referenced struct types follow the primary type in alphabetical order, as EIP-712 requires.
    bytes32 private constant REGISTER_TYPEHASH = keccak256(
        "Register(address registrant,bytes32 contentHash,bytes32 contentCid,bytes32 metadataCid,uint8 classification,"
        "uint8 attributes,Source[] sources,RightHolder[] holders,HolderTerms[] terms,uint256 nonce,uint256 deadline)"
        "HolderTerms(uint64 validUntil,bytes32 limitsCid)RightHolder(address account,uint8 kinds)"
        "Source(bytes32 assetId,uint256 rightIndex)"
    );
    bytes32 private constant ACCEPT_RIGHT_TYPEHASH =
        keccak256("AcceptRight(address holder,bytes32 assetId,uint256 rightIndex,uint256 nonce,uint256 deadline)");

    bytes32 private constant GRANT_TERMS_TYPE = keccak256(
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 private constant GRANT_TYPEHASH = keccak256(
        "Grant(address grantor,bytes32 assetId,uint256 parentIndex,GrantTerms terms,uint256 nonce,uint256 deadline)"
        "GrantTerms(address grantee,uint64 validFrom,uint64 validUntil,bool subGrantable,bool transferable,"
        "string purpose,string territory,uint256 quantity,bytes32 termsCid)"
    );
    bytes32 private constant TRANSFER_TYPEHASH = keccak256(
        "Transfer(address holder,bytes32 assetId,uint256 rightIndex,address to,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant REVOKE_TYPEHASH = keccak256(
        "Revoke(address grantor,bytes32 assetId,uint256 rightIndex,uint16 reasonCode,bytes32 evidenceCid,"
        "uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant RENEW_TYPEHASH = keccak256(
        "Renew(address grantor,bytes32 assetId,uint256 rightIndex,uint64 validUntil,uint256 nonce,uint256 deadline)"
    );

    /// @dev Bounds the gas of every validity check: a grant sits at most this many levels below its root.
    uint256 public constant MAX_GRANT_DEPTH = 8;

    uint8 private constant ALL_KINDS = 0x07;
    uint8 private constant TERMED = 0x80;

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Storage
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    // The records' structs are in {Records} (shared with the linked libraries); the layout is unchanged.
    mapping(bytes32 assetId => Records.AssetRecord) private _assets;
    mapping(bytes32 assetId => mapping(uint256 rightIndex => Records.RightRecord)) private _rights;
    /// @dev Freeze orders and pledges (see {Remarks}); the standing counts are in each asset's slot.
    Remarks.Store private _remarks;
    /// @dev The current data after a change registration replaced it; zero while it is the registered data.
    mapping(bytes32 assetId => bytes32) private _changedContent;

    /// @inheritdoc IDataRegistry
    address public registrationOffice;

    /// @notice The public-data authorisation contract (set once by the admin); asked only about public-data assets.
    IPublicDataAuthorisation public publicDataAuthorisation;
    /// @dev The authorisation of each public-data asset (attribute bit 4); read only when that bit is set.
    mapping(bytes32 assetId => uint256 authorisationId) private _publicAuthorisation;

    /// @notice Who may act as regulator (freeze) and registrar (pledges, cancellation).
    IParticipantRegistry public immutable participants;

    constructor(IParticipantRegistry participants_, address trustedForwarder)
        EIP712("DataRegistry", "1")
        ERC2771Context(trustedForwarder)
    {
        participants = participants_;
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Registration
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function register(Registration calldata registration) external returns (bytes32) {
        _whenNotPaused();
        return _register(registration, _msgSender());
    }

    /// @inheritdoc IDataRegistry
    function registerBatch(Registration[] calldata registrations) external returns (bytes32[] memory assetIds) {
        _whenNotPaused();
        assetIds = new bytes32[](registrations.length);
        for (uint256 i; i < registrations.length; ++i) {
            assetIds[i] = _register(registrations[i], _msgSender());
        }
    }

    /// @inheritdoc IDataRegistry
    function registerBySig(
        Registration calldata registration,
        address registrant,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32) {
        _whenNotPaused();
        _verifySignature(registrant, _hashRegister(registration, registrant, deadline), deadline, signature);
        return _register(registration, registrant);
    }

    function _register(Registration calldata r, address registrant) private returns (bytes32 assetId) {
        assetId = keccak256(abi.encode(registrant, r.contentHash));
        if (r.contentHash == bytes32(0)) revert MissingContentHash();
        if (r.contentHash == Records.EMPTY_SHA256) revert EmptyContent();
        if (r.metadataCid == bytes32(0)) revert MissingMetadata();
        if (r.terms.length != 0 && r.terms.length != r.holders.length) {
            revert TermsMismatch(r.holders.length, r.terms.length);
        }
        if (r.classification > Records.MAX_CLASSIFICATION) revert InvalidClassification(r.classification);
        // Each read of a calldata member re-validates it (~90 gas): the values are read once.
        uint8 attributes = r.attributes;
        if (attributes & ~Records.DECLARABLE_ATTRIBUTES != 0) revert InvalidAttributes(attributes);
        if (_assets[assetId].status != AssetStatus.None) revert AssetAlreadyRegistered(assetId);

        // Lineage of public data: a product derived from a public-data asset is public data under the same
        // authorisation, and follows the same rule.
        uint256 authorisation = 0; // none unless a source is public data (explicit for Slither: uninitialized-local)
        if (r.sources.length != 0) {
            attributes |= Records.ATTR_DERIVED;
            authorisation = Lineage.checkSources(
                _assets,
                _rights,
                _remarks,
                _publicAuthorisation,
                publicDataAuthorisation,
                assetId,
                r.sources,
                registrant
            );
            if (authorisation != 0) attributes |= Records.ATTR_PUBLIC;
        }

        Records.AssetRecord memory asset = Records.AssetRecord({
            registrant: registrant,
            status: AssetStatus.Active,
            classification: r.classification,
            attributes: attributes,
            registrantKinds: 0,
            activeFreezes: 0,
            version: 1,
            rightCount: Records.PRIMARY_RIGHTS,
            activePledges: 0
        });
        // Events follow the single write of the asset slot; RightAssigned events are emitted as rights are
        // stored, so the log order is: AssetRegistered, AssetDerived*, RightAssigned*.
        emit AssetRegistered(
            assetId, registrant, msg.sender, r.contentHash, r.contentCid, r.metadataCid, asset.classification, attributes
        );
        // The derived bit is set exactly when there are sources (it is not declarable): testing it spares the
        // registration without sources a read of the calldata array (~150 gas).
        if (attributes & Records.ATTR_DERIVED != 0) {
            for (uint256 i; i < r.sources.length; ++i) {
                emit AssetDerived(assetId, r.sources[i].assetId, r.sources[i].rightIndex);
            }
        }
        // The indexer follows the lineage (AssetDerived) to the authorisation; no event of its own.
        if (authorisation != 0) _publicAuthorisation[assetId] = authorisation;
        _assignRights(assetId, asset, r);
        Records.storeAsset(_assets[assetId], asset);
    }

    /// @dev The registrant's own kinds take their primary indices (kind + 1) first, implicitly and so without
    /// storage; then, in address order, the first other holder of a kind still unclaimed gets its primary
    /// index and every further holder of a kind is a co-holder with an index from 4. Entries must be sorted
    /// by address so that a repeated account shows. A right of any holder but the registrant is pending until
    /// that holder accepts it; a right with a term or a pending one is always stored (the implicit form has
    /// neither).
    function _assignRights(bytes32 assetId, Records.AssetRecord memory asset, Registration calldata r) private {
        RightHolder[] calldata holders = r.holders;
        // Bits 0-2: kinds whose primary index is taken; bit 7: the registration carries terms (kept in the same
        // stack slot, which the stack limit without via-IR needs).
        uint8 claimed = r.terms.length != 0 ? TERMED : 0;
        address previous = address(0);
        for (uint256 i; i < holders.length; ++i) {
            if (holders[i].account == asset.registrant) {
                uint8 kinds = holders[i].kinds & ALL_KINDS;
                claimed |= kinds;
                if (claimed & TERMED == 0 || r.terms[i].validUntil == 0) asset.registrantKinds = kinds;
                break;
            }
        }
        for (uint256 i; i < holders.length; ++i) {
            address account = holders[i].account;
            uint8 kinds = holders[i].kinds;
            if (account == address(0) || kinds == 0 || kinds > ALL_KINDS) revert InvalidHolder(i, account, kinds);
            // Sorted by address, so a repeated account shows.
            if (account <= previous) revert HoldersNotSorted(i, account);
            previous = account;
            uint32 validUntil = claimed & TERMED != 0 ? _checkedTerm(assetId, account, r.terms[i]) : 0;
            for (uint8 kind; kind < 3; ++kind) {
                if (kinds & (uint8(1) << kind) == 0) continue;
                uint256 index;
                if (account == asset.registrant) {
                    index = kind + 1;
                    // Implicit (no storage) unless the rights configuration gives it a term.
                    if (validUntil != 0) {
                        Records.storeRight(
                            _rights[assetId][index], account, kind | Records.ROOT_FLAGS, 0, validUntil, 0
                        );
                    }
                } else {
                    if (claimed & (uint8(1) << kind) == 0) {
                        claimed |= uint8(1) << kind;
                        index = kind + 1;
                    } else {
                        if (asset.rightCount == type(uint24).max) revert TooManyRights(assetId);
                        index = ++asset.rightCount;
                    }
                    // Anyone but the registrant holds nothing until it accepts.
                    Records.storeRight(
                        _rights[assetId][index],
                        account,
                        kind | Records.ROOT_FLAGS | Records.FLAG_PENDING,
                        0,
                        validUntil,
                        0
                    );
                }
                _emitRightAssigned(assetId, index, account, kind);
            }
        }
        if (claimed & 0x01 == 0) revert MissingHoldingRight();
    }

    /// @dev `emit RightAssigned(assetId, index, account, RightKind(kind))` without the compiler's range check of the
    /// enum conversion and its encoder (~100 gas a right on every registration): `kind` is 0..2 (the loop over the
    /// three kinds), and the log is the compiler's byte for byte (the kind as one word of data).
    function _emitRightAssigned(bytes32 assetId, uint256 index, address account, uint8 kind) private {
        bytes32 topic = RightAssigned.selector;
        assembly ("memory-safe") {
            mstore(0, kind) // scratch space
            log4(0, 0x20, topic, assetId, index, account)
        }
    }

    /// @dev A holder entry's term from the rights configuration: in the future and within 32-bit seconds.
    /// Emits the term and the limits document, which only events keep.
    function _checkedTerm(bytes32 assetId, address account, HolderTerms calldata t) private returns (uint32) {
        if (t.validUntil > type(uint32).max || (t.validUntil != 0 && t.validUntil <= block.timestamp)) {
            revert InvalidTerm(0, t.validUntil);
        }
        if (t.validUntil != 0 || t.limitsCid != bytes32(0)) emit RightTermsSet(assetId, account, t.validUntil, t.limitsCid);
        // forge-lint: disable-next-line(unsafe-typecast) checked to fit in 32 bits above
        return uint32(t.validUntil);
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
        bytes32[] memory termHashes = new bytes32[](r.terms.length);
        for (uint256 i; i < r.terms.length; ++i) {
            termHashes[i] = keccak256(abi.encode(HOLDER_TERMS_TYPEHASH, r.terms[i].validUntil, r.terms[i].limitsCid));
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
                    keccak256(abi.encodePacked(termHashes)),
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

    function _activeAsset(bytes32 assetId) private view returns (Records.AssetRecord storage) {
        return Records.activeAsset(_assets, assetId);
    }

    /// @dev One copy routine for the views that read a right (the compiler would inline a copy in each).
    function _assetCopy(bytes32 assetId) private view returns (Records.AssetRecord memory asset) {
        Records.loadAsset(asset, _assets[assetId]);
    }

    /// @dev Reads the right into `right` (every right-reading function here fills the caller's struct: see
    /// {Records-loadRight}).
    function _existingRight(
        Records.RightRecord memory right,
        bytes32 assetId,
        Records.AssetRecord memory asset,
        uint256 rightIndex
    ) private view {
        Records.loadRight(right, _rights, assetId, asset, rightIndex);
        if (right.holder == address(0)) revert RightNotFound(assetId, rightIndex);
    }

    /// @dev Reads the right into `right`, after checking that `account` holds it and that it and its ancestors
    /// are valid now.
    function _heldValidRight(
        Records.RightRecord memory right,
        bytes32 assetId,
        Records.AssetRecord memory asset,
        uint256 rightIndex,
        address account
    ) private view {
        Records.heldValidRight(right, _rights, assetId, asset, rightIndex, account);
        // Public data: the acting holder must stand under the authorisation (the call reverts saying why not).
        if (asset.attributes & Records.ATTR_PUBLIC != 0) {
            _publicCheck(assetId, account, Records.PUBLIC_REQUIRE_STANDING, 0, 0);
        }
    }

    /// @dev Reads the grant into `right` and its parent into `parent`, after checking that `grantor` holds the
    /// parent: only the holder of the right a grant came from may revoke or renew the grant.
    function _grantorsRight(
        Records.RightRecord memory right,
        Records.RightRecord memory parent,
        bytes32 assetId,
        Records.AssetRecord memory asset,
        uint256 rightIndex,
        address grantor
    ) private view {
        _existingRight(right, assetId, asset, rightIndex);
        if (right.parentIndex == 0) revert NotAGrant(assetId, rightIndex);
        if (right.flags & Records.FLAG_REVOKED != 0) revert RightIsRevoked(assetId, rightIndex);
        Records.loadRight(parent, _rights, assetId, asset, right.parentIndex);
        if (parent.holder != grantor) revert NotGrantor(assetId, rightIndex, grantor);
    }

    /// @dev A term's end must be after its start and in the future, fit the 32-bit storage, and not outlast
    /// the parent right (an open end only under an open-ended parent).
    function _checkTerm(
        bytes32 assetId,
        uint256 parentIndex,
        Records.RightRecord memory parent,
        uint64 from,
        uint64 until
    ) private view {
        if (from > type(uint32).max || until > type(uint32).max || (until != 0 && (until <= from
                        || until <= block.timestamp))) {
            revert InvalidTerm(from, until);
        }
        if (parent.validUntil != 0 && (until == 0 || until > parent.validUntil)) {
            revert TermExceedsParent(assetId, parentIndex, parent.validUntil);
        }
    }

    /// @dev Writes a right's new holder. A primary right the registrant held implicitly becomes an explicit
    /// record, and its implicit bit is cleared, so the two never disagree; a stored record has only its holder
    /// field written (not the whole record re-packed from memory).
    function _storeRight(
        bytes32 assetId,
        Records.AssetRecord storage stored,
        Records.AssetRecord memory asset,
        uint256 rightIndex,
        Records.RightRecord memory right
    ) private {
        if (rightIndex <= Records.PRIMARY_RIGHTS) {
            // forge-lint: disable-next-line(unsafe-typecast) rightIndex is 1..3 here
            uint8 bit = uint8(1) << uint8(rightIndex - 1);
            if (asset.registrantKinds & bit != 0) {
                stored.registrantKinds = asset.registrantKinds & ~bit;
                Records.storeRight(
                    _rights[assetId][rightIndex],
                    right.holder,
                    right.flags,
                    right.validFrom,
                    right.validUntil,
                    right.parentIndex
                );
                return;
            }
        }
        _rights[assetId][rightIndex].holder = right.holder;
    }

    function _validity(
        bytes32 assetId,
        Records.AssetRecord memory asset,
        uint256 index,
        Records.RightRecord memory right
    ) private view returns (Validity, uint256 failingIndex, uint64 time) {
        return Records.validity(_rights, assetId, asset, index, right);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Rights lifecycle: grant, transfer, revoke, renew (each also by EIP-712 signature)
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function grant(bytes32 assetId, uint256 parentIndex, GrantTerms calldata terms) external returns (uint256) {
        _whenNotPaused();
        return _grant(_msgSender(), assetId, parentIndex, terms);
    }

    /// @inheritdoc IDataRegistry
    function grantBySig(
        bytes32 assetId,
        uint256 parentIndex,
        GrantTerms calldata terms,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256) {
        _whenNotPaused();
        bytes32 structHash = keccak256(
            abi.encode(GRANT_TYPEHASH, grantor, assetId, parentIndex, _hashTerms(terms), nonces(grantor), deadline)
        );
        _verifySignature(grantor, structHash, deadline, signature);
        return _grant(grantor, assetId, parentIndex, terms);
    }

    /// @inheritdoc IDataRegistry
    function transfer(bytes32 assetId, uint256 rightIndex, address to) external {
        _whenNotPaused();
        _transfer(_msgSender(), assetId, rightIndex, to);
    }

    /// @inheritdoc IDataRegistry
    function transferBySig(
        bytes32 assetId,
        uint256 rightIndex,
        address to,
        address holder,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _whenNotPaused();
        bytes32 structHash =
            keccak256(abi.encode(TRANSFER_TYPEHASH, holder, assetId, rightIndex, to, nonces(holder), deadline));
        _verifySignature(holder, structHash, deadline, signature);
        _transfer(holder, assetId, rightIndex, to);
    }

    /// @inheritdoc IDataRegistry
    function revoke(bytes32 assetId, uint256 rightIndex, uint16 reasonCode, bytes32 evidenceCid) external {
        _whenNotPaused();
        _revoke(_msgSender(), assetId, rightIndex, reasonCode, evidenceCid);
    }

    /// @inheritdoc IDataRegistry
    function revokeBySig(
        bytes32 assetId,
        uint256 rightIndex,
        uint16 reasonCode,
        bytes32 evidenceCid,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _whenNotPaused();
        bytes32 structHash = keccak256(
            abi.encode(
                REVOKE_TYPEHASH, grantor, assetId, rightIndex, reasonCode, evidenceCid, nonces(grantor), deadline
            )
        );
        _verifySignature(grantor, structHash, deadline, signature);
        _revoke(grantor, assetId, rightIndex, reasonCode, evidenceCid);
    }

    /// @inheritdoc IDataRegistry
    function renew(bytes32 assetId, uint256 rightIndex, uint64 validUntil) external {
        _whenNotPaused();
        _renew(_msgSender(), assetId, rightIndex, validUntil);
    }

    /// @inheritdoc IDataRegistry
    function renewBySig(
        bytes32 assetId,
        uint256 rightIndex,
        uint64 validUntil,
        address grantor,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _whenNotPaused();
        bytes32 structHash =
            keccak256(abi.encode(RENEW_TYPEHASH, grantor, assetId, rightIndex, validUntil, nonces(grantor), deadline));
        _verifySignature(grantor, structHash, deadline, signature);
        _renew(grantor, assetId, rightIndex, validUntil);
    }

    function _grant(address grantor, bytes32 assetId, uint256 parentIndex, GrantTerms calldata t)
        private
        returns (uint256 rightIndex)
    {
        Records.AssetRecord memory asset = Records.unzeroedAsset()();
        Records.AssetRecord storage stored = Records.activeAssetCopy(asset, _assets, assetId);
        if (asset.activeFreezes != 0) Remarks.refuseFrozen(_remarks, assetId);
        Records.RightRecord memory parent = Records.unzeroedRight()();
        _heldValidRight(parent, assetId, asset, parentIndex, grantor);
        if (parent.flags & Records.FLAG_KIND_MASK == uint8(RightKind.Operating) && asset.activePledges != 0) {
            // Every standing pledge's pledgee must have consented to exactly this grant (used up).
            Remarks.useConsent(_remarks, assetId, PledgedOperation.Grant, parentIndex, t.grantee);
        }
        if (parent.parentIndex != 0 && parent.flags & Records.FLAG_SUB_GRANTABLE == 0) {
            revert NotSubGrantable(assetId, parentIndex);
        }
        // The new right's record is built as its terms are checked. The static members are read once each, in
        // the order of the checks that use them, with the check the compiler's accessor makes (a value out of its
        // type's range reverts without data), inline: the accessor costs ~120 gas a read, five reads a grant.
        // (The decoder has checked that the struct's head lies in the calldata.)
        uint256 record;
        {
            address grantee;
            assembly ("memory-safe") {
                grantee := calldataload(t)
                if shr(160, grantee) { revert(0, 0) }
            }
            if (grantee == address(0) || grantee == grantor) revert InvalidRecipient(grantee);
            uint64 validFrom;
            uint64 validUntil;
            assembly ("memory-safe") {
                validFrom := calldataload(add(t, 0x20))
                if shr(64, validFrom) { revert(0, 0) }
                validUntil := calldataload(add(t, 0x40))
                if shr(64, validUntil) { revert(0, 0) }
            }
            _checkTerm(assetId, parentIndex, parent, validFrom, validUntil);
            // Public data: only to the operator or a licensed second-level operator, for an approved scenario
            // (the purpose), within the term.
            if (asset.attributes & Records.ATTR_PUBLIC != 0) {
                _publicCheck(
                    assetId, grantee, Records.PUBLIC_REQUIRE_GRANT, keccak256(bytes(t.purpose)), validUntil
                );
            }
            // forge-lint: disable-next-line(unsafe-typecast) both times were checked to fit in 32 bits; parentIndex
            // <= rightCount, a uint24
            record = Records.rightWord(grantee, 0, uint32(validFrom), uint32(validUntil), uint24(parentIndex));
        }
        if (parent.parentIndex != 0 && _depth(assetId, asset, parent) >= MAX_GRANT_DEPTH) {
            revert GrantTooDeep(assetId, parentIndex, MAX_GRANT_DEPTH);
        }
        uint24 count = asset.rightCount;
        if (count == type(uint24).max) revert TooManyRights(assetId);
        unchecked {
            ++count; // below the maximum (checked above)
        }
        stored.rightCount = count;
        rightIndex = count;
        uint8 kind = parent.flags & Records.FLAG_KIND_MASK;
        {
            bool subGrantable;
            bool transferable;
            assembly ("memory-safe") {
                subGrantable := calldataload(add(t, 0x60))
                if gt(subGrantable, 1) { revert(0, 0) }
                transferable := calldataload(add(t, 0x80))
                if gt(transferable, 1) { revert(0, 0) }
            }
            uint8 flags = kind | (subGrantable ? Records.FLAG_SUB_GRANTABLE : 0)
                | (transferable ? Records.FLAG_TRANSFERABLE : 0);
            record |= uint256(flags) << Records.RIGHT_FLAGS_SHIFT;
        }
        Records.storeRightWord(_rights[assetId][rightIndex], record);
        _emitRightGranted(assetId, grantor, rightIndex, parentIndex, kind, t);
    }

    /// @dev `emit RightGranted(assetId, t.grantee, grantor, rightIndex, parentIndex, RightKind(kind), t)` with
    /// the terms ABI-encoded by hand: the compiler's encoder for a calldata struct with two strings re-validates
    /// and copies field by field (~1,000 gas a grant). The log is byte for byte the compiler's (the fuzz test
    /// testFuzz_grantEventIsTheAbiEncoding compares the two). The five static head fields are copied as they
    /// are in calldata: `_grant` has read and checked each before this (grantee, both times and both flags), so a
    /// value out of its type's range has already reverted. The strings are located here with the checks of the
    /// compiler's accessor of a calldata struct's string member (`stringMember`; each reverts without data, as the
    /// accessor does), inline: the accessor cost ~150 gas a string. Their padding is zeroed.
    function _emitRightGranted(
        bytes32 assetId,
        address grantor,
        uint256 rightIndex,
        uint256 parentIndex,
        uint8 kind,
        GrantTerms calldata t
    ) private {
        bytes32 topic = RightGranted.selector;
        assembly ("memory-safe") {
            // The string member whose offset (from the struct) is at `t + at`: in the calldata, its length
            // within 64 bits, its bytes within the calldata.
            function stringMember(base, at) -> offset, length {
                let rel := calldataload(add(base, at))
                if iszero(slt(rel, sub(sub(calldatasize(), base), 31))) { revert(0, 0) }
                let addr := add(base, rel)
                length := calldataload(addr)
                if gt(length, 0xffffffffffffffff) { revert(0, 0) }
                offset := add(addr, 0x20)
                if sgt(offset, sub(calldatasize(), length)) { revert(0, 0) }
            }
            let purposeOffset, purposeLength := stringMember(t, 0xa0)
            let territoryOffset, territoryLength := stringMember(t, 0xc0)
            // Scratch memory past the free memory pointer, not kept: nothing is allocated after the log.
            let data := mload(0x40)
            mstore(data, rightIndex)
            mstore(add(data, 0x20), parentIndex)
            mstore(add(data, 0x40), kind)
            mstore(add(data, 0x60), 0x80) // the terms tuple follows the four head words
            let head := add(data, 0x80)
            calldatacopy(head, t, 0xa0) // grantee, validFrom, validUntil, subGrantable, transferable
            calldatacopy(add(head, 0xe0), add(t, 0xe0), 0x40) // quantity, termsCid
            // purpose at 0x120 (nine head words), then territory, each a length and whole words of bytes
            let tail := add(head, 0x120)
            mstore(add(head, 0xa0), 0x120)
            let words := and(add(purposeLength, 31), not(31))
            mstore(add(tail, words), 0) // the last word's padding (its length word when empty: set next)
            mstore(tail, purposeLength)
            calldatacopy(add(tail, 0x20), purposeOffset, purposeLength)
            tail := add(tail, add(0x20, words))
            mstore(add(head, 0xc0), sub(tail, head))
            words := and(add(territoryLength, 31), not(31))
            mstore(add(tail, words), 0)
            mstore(tail, territoryLength)
            calldatacopy(add(tail, 0x20), territoryOffset, territoryLength)
            let end := add(tail, add(0x20, words))
            log4(data, sub(end, data), topic, assetId, calldataload(t), grantor)
        }
    }

    function _transfer(address holder, bytes32 assetId, uint256 rightIndex, address to) private {
        Records.AssetRecord memory asset = Records.unzeroedAsset()();
        Records.AssetRecord storage stored = Records.activeAssetCopy(asset, _assets, assetId);
        if (asset.activeFreezes != 0) Remarks.refuseFrozen(_remarks, assetId);
        Records.RightRecord memory right = Records.unzeroedRight()();
        _heldValidRight(right, assetId, asset, rightIndex, holder);
        if (right.flags & Records.FLAG_TRANSFERABLE == 0) revert NotTransferable(assetId, rightIndex);
        if (to == address(0) || to == holder) revert InvalidRecipient(to);
        if (asset.attributes & Records.ATTR_PUBLIC != 0) {
            _publicCheck(assetId, to, Records.PUBLIC_REQUIRE_STANDING, 0, 0);
        }
        if (right.flags & Records.FLAG_KIND_MASK == uint8(RightKind.Operating) && asset.activePledges != 0) {
            Remarks.useConsent(_remarks, assetId, PledgedOperation.Transfer, rightIndex, to);
        }
        right.holder = to;
        _storeRight(assetId, stored, asset, rightIndex, right);
        emit RightTransferred(assetId, holder, to, rightIndex);
        // Transfer registration: the certificate's holder is the primary holding right's holder.
        if (rightIndex == 1) {
            address office = registrationOffice;
            if (office != address(0)) IRegistrationOffice(office).holderChanged(assetId, to);
        }
    }

    function _revoke(address grantor, bytes32 assetId, uint256 rightIndex, uint16 reasonCode, bytes32 evidenceCid)
        private
    {
        Records.AssetRecord memory asset = Records.unzeroedAsset()();
        // slither-disable-next-line unused-return (the slot's pointer: this path writes the right, not the asset)
        Records.activeAssetCopy(asset, _assets, assetId);
        if (asset.activeFreezes != 0) Remarks.refuseFrozen(_remarks, assetId);
        Records.RightRecord memory right = Records.unzeroedRight()();
        Records.RightRecord memory parent = Records.unzeroedRight()();
        _grantorsRight(right, parent, assetId, asset, rightIndex, grantor);
        // Only the flags change: writing the field, not the whole record from memory, skips re-packing the rest.
        _rights[assetId][rightIndex].flags = right.flags | Records.FLAG_REVOKED;
        emit RightRevoked(assetId, right.holder, grantor, rightIndex, reasonCode, evidenceCid);
    }

    function _renew(address grantor, bytes32 assetId, uint256 rightIndex, uint64 validUntil) private {
        Records.AssetRecord memory asset = Records.unzeroedAsset()();
        // slither-disable-next-line unused-return (the slot's pointer: this path writes the right, not the asset)
        Records.activeAssetCopy(asset, _assets, assetId);
        if (asset.activeFreezes != 0) Remarks.refuseFrozen(_remarks, assetId);
        Records.RightRecord memory right = Records.unzeroedRight()();
        Records.RightRecord memory parent = Records.unzeroedRight()();
        _grantorsRight(right, parent, assetId, asset, rightIndex, grantor);
        _checkTerm(assetId, right.parentIndex, parent, right.validFrom, validUntil);
        uint64 previous = right.validUntil;
        // forge-lint: disable-next-line(unsafe-typecast) checked to fit in 32 bits by _checkTerm
        _rights[assetId][rightIndex].validUntil = uint32(validUntil); // the one field that changes
        emit RightRenewed(assetId, right.holder, grantor, rightIndex, previous, validUntil);
    }

    /// @dev Levels between a right and its root (0 for a root right); `right` is left as it is.
    function _depth(bytes32 assetId, Records.AssetRecord memory asset, Records.RightRecord memory right)
        private
        view
        returns (uint256 depth)
    {
        uint256 index = right.parentIndex;
        if (index == 0) return 0;
        // slither-disable-next-line uninitialized-local (filled by loadRight in the loop)
        Records.RightRecord memory up;
        while (index != 0) {
            ++depth;
            Records.loadRight(up, _rights, assetId, asset, index);
            index = up.parentIndex;
        }
    }

    function _hashTerms(GrantTerms calldata t) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                GRANT_TERMS_TYPE,
                t.grantee,
                t.validFrom,
                t.validUntil,
                t.subGrantable,
                t.transferable,
                keccak256(bytes(t.purpose)),
                keccak256(bytes(t.territory)),
                t.quantity,
                t.termsCid
            )
        );
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Remarks (备注) and the record's lifecycle: freeze, pledge, cancellation, change
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function freeze(bytes32 assetId, string calldata orderReference, bytes32 evidenceCid)
        external
        returns (uint256 orderId)
    {
        _whenNotPaused();
        orderId = Remarks.freeze(_remarks, _assets, participants, _msgSender(), assetId, orderReference, evidenceCid);
    }

    /// @inheritdoc IDataRegistry
    function releaseFreeze(bytes32 assetId, uint256 orderId, bytes32 evidenceCid) external {
        _whenNotPaused();
        Remarks.release(_remarks, _assets, participants, _msgSender(), assetId, orderId, evidenceCid, false);
    }

    /// @inheritdoc IDataRegistry
    function adminReleaseFreeze(bytes32 assetId, uint256 orderId, bytes32 reasonCid) external {
        _whenNotPaused();
        Remarks.release(_remarks, _assets, participants, _msgSender(), assetId, orderId, reasonCid, true);
    }

    /// @inheritdoc IDataRegistry
    function requireOpen(bytes32 assetId) external view {
        Records.requireNotFrozen(_remarks, assetId, _activeAsset(assetId).activeFreezes);
    }

    /// @inheritdoc IDataRegistry
    function recordPledge(bytes32 assetId, string calldata externalRegistrationNo, address pledgee)
        external
        returns (bytes32 pledgeId)
    {
        _whenNotPaused();
        pledgeId = Remarks.recordPledge(
            _remarks, _assets, participants, _msgSender(), assetId, externalRegistrationNo, pledgee
        );
    }

    /// @inheritdoc IDataRegistry
    function releasePledge(bytes32 assetId, bytes32 pledgeId) external {
        _whenNotPaused();
        Remarks.releasePledge(_remarks, _assets, participants, _msgSender(), assetId, pledgeId);
    }

    /// @inheritdoc IDataRegistry
    function consentAsPledgee(
        bytes32 assetId,
        bytes32 pledgeId,
        PledgedOperation operation,
        uint256 rightIndex,
        address counterparty
    ) external {
        _whenNotPaused();
        Remarks.consent(_remarks, _assets, _msgSender(), assetId, pledgeId, operation, rightIndex, counterparty);
    }

    /// @inheritdoc IDataRegistry
    function cancel(bytes32 assetId, uint16 reasonCode, bytes32 evidenceCid) external {
        _whenNotPaused();
        Procedures.cancel(_assets, _remarks, participants, _msgSender(), assetId, reasonCode, evidenceCid);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Consent of the named holders
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function acceptRight(bytes32 assetId, uint256 rightIndex) external {
        _whenNotPaused();
        _acceptRight(_msgSender(), assetId, rightIndex);
    }

    /// @inheritdoc IDataRegistry
    function acceptRightBySig(
        bytes32 assetId,
        uint256 rightIndex,
        address holder,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _whenNotPaused();
        bytes32 structHash =
            keccak256(abi.encode(ACCEPT_RIGHT_TYPEHASH, holder, assetId, rightIndex, nonces(holder), deadline));
        _verifySignature(holder, structHash, deadline, signature);
        _acceptRight(holder, assetId, rightIndex);
    }

    function _acceptRight(address holder, bytes32 assetId, uint256 rightIndex) private {
        Procedures.acceptRight(_assets, _rights, _remarks, holder, assetId, rightIndex);
    }

    /// @inheritdoc IDataRegistry
    function withdrawAssignment(bytes32 assetId, uint256 rightIndex) external {
        _whenNotPaused();
        Procedures.withdrawAssignment(_assets, _rights, _remarks, _msgSender(), assetId, rightIndex);
    }

    // ─────────────────────────────────────────────────────────────────────────────────────────────────────
    // Change registration (committed by the registration office after the registrar's review)
    // ─────────────────────────────────────────────────────────────────────────────────────────────────────

    /// @inheritdoc IDataRegistry
    function setRegistrationOffice(address office) external {
        _requireAdmin();
        if (registrationOffice != address(0)) revert RegistrationOfficeAlreadySet(registrationOffice);
        if (office == address(0)) revert InvalidRecipient(office);
        registrationOffice = office;
        emit RegistrationOfficeSet(office);
    }

    /// @inheritdoc IDataRegistry
    function commitChange(bytes32 assetId, Version calldata v) external returns (uint16 version) {
        _whenNotPaused();
        if (msg.sender != registrationOffice || msg.sender == address(0)) revert NotRegistrationOffice(msg.sender);
        version = Procedures.commitChange(_assets, _remarks, _changedContent, assetId, v);
    }

    /// @inheritdoc IDataRegistry
    function setPublicDataAuthorisation(address authorisations) external {
        _requireAdmin();
        if (address(publicDataAuthorisation) != address(0) || authorisations == address(0)) {
            revert InvalidRecipient(authorisations);
        }
        publicDataAuthorisation = IPublicDataAuthorisation(authorisations);
        emit PublicDataAuthorisationSet(authorisations);
    }

    /// @inheritdoc IDataRegistry
    function bindPublicData(bytes32 assetId, uint256 authorisationId) external {
        if (msg.sender != address(publicDataAuthorisation)) revert NotPublicDataAuthorisation(msg.sender);
        // The authorisation contract has checked everything (pause, operator, an active, unfrozen asset that is
        // neither public nor derived, all three primary rights its registrant's, nothing granted): the
        // registry only records (the contract size limit leaves no room for the checks here).
        _assets[assetId].attributes |= Records.ATTR_PUBLIC;
        _publicAuthorisation[assetId] = authorisationId;
        emit PublicDataBound(assetId, authorisationId);
    }

    function _publicCheck(bytes32 assetId, address account, uint8 mode, bytes32 purpose, uint64 validUntil)
        private
        view
        returns (uint8)
    {
        return Records.publicCheck(
            publicDataAuthorisation, _publicAuthorisation, assetId, account, mode, purpose, validUntil
        );
    }

    /// @dev {ERC2771Context-_msgSender}'s rule (the last 20 bytes of the calldata when the trusted forwarder calls
    /// with at least 20 bytes, else the caller), without its two public-function calls: it runs first in every write.
    function _msgSender() internal view override returns (address sender) {
        sender = msg.sender;
        if (sender == trustedForwarder() && msg.data.length >= 20) {
            assembly ("memory-safe") {
                sender := shr(96, calldataload(sub(calldatasize(), 20)))
            }
        }
    }

    /// @dev The council's emergency stop (see {PauseFlag}): the participant registry holds the switch.
    function _pauseSwitch() internal view override returns (IParticipantRegistry) {
        return participants;
    }

    function _requireAdmin() private view returns (address admin) {
        admin = _msgSender();
        if (admin != Ownable(address(participants)).owner()) revert NotAdmin(admin);
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
        Records.AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        return AssetView({
            registrant: asset.registrant,
            status: asset.status,
            classification: asset.classification,
            attributes: asset.attributes,
            version: asset.version,
            rightCount: asset.rightCount,
            frozen: asset.activeFreezes != 0,
            activePledges: asset.activePledges,
            activeFreezes: asset.activeFreezes,
            contentHash: _changedContent[assetId]
        });
    }

    /// @inheritdoc IDataRegistry
    function assetTraits(bytes32 assetId) external view returns (uint8, uint8, uint16, bool) {
        Records.AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        return (asset.classification, asset.attributes, asset.version, asset.activeFreezes != 0);
    }

    /// @inheritdoc IDataRegistry
    function getRight(bytes32 assetId, uint256 rightIndex) external view returns (RightView memory) {
        Records.AssetRecord memory asset = _assetCopy(assetId);
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        // slither-disable-next-line uninitialized-local (filled by _existingRight on the next line)
        Records.RightRecord memory right;
        _existingRight(right, assetId, asset, rightIndex);
        return RightView({
            holder: right.holder,
            kind: RightKind(right.flags & Records.FLAG_KIND_MASK),
            parentIndex: right.parentIndex,
            validFrom: right.validFrom,
            validUntil: right.validUntil,
            revoked: right.flags & Records.FLAG_REVOKED != 0,
            subGrantable: right.flags & Records.FLAG_SUB_GRANTABLE != 0,
            transferable: right.flags & Records.FLAG_TRANSFERABLE != 0,
            pending: right.flags & Records.FLAG_PENDING != 0
        });
    }

    /// @inheritdoc IDataRegistry
    function rightValidity(bytes32 assetId, uint256 rightIndex)
        public
        view
        returns (Validity validity, uint256 failingRightIndex)
    {
        Records.AssetRecord memory asset = _assetCopy(assetId);
        if (asset.status == AssetStatus.None) return (Validity.NoSuchRight, rightIndex);
        // slither-disable-next-line uninitialized-local (filled by loadRight on the next line)
        Records.RightRecord memory right;
        Records.loadRight(right, _rights, assetId, asset, rightIndex);
        if (right.holder == address(0)) return (Validity.NoSuchRight, rightIndex);
        if (asset.status != AssetStatus.Active) return (Validity.AssetNotActive, rightIndex);
        (validity, failingRightIndex,) = _validity(assetId, asset, rightIndex, right);
        if (validity == Validity.Valid && asset.attributes & Records.ATTR_PUBLIC != 0
                && _publicCheck(assetId, right.holder, Records.PUBLIC_STANDING, 0, 0) != 0)
        {
            return (Validity.AuthorisationLapsed, rightIndex);
        }
    }

    /// @inheritdoc IDataRegistry
    function rightChain(bytes32 assetId, uint256 rightIndex) external view returns (uint256[] memory chain) {
        Records.AssetRecord memory asset = _assetCopy(assetId);
        if (asset.status == AssetStatus.None) revert AssetNotFound(assetId);
        // slither-disable-next-line uninitialized-local (filled by _existingRight on the next line)
        Records.RightRecord memory right;
        _existingRight(right, assetId, asset, rightIndex);
        chain = new uint256[](_depth(assetId, asset, right) + 1);
        chain[0] = rightIndex;
        for (uint256 i = 1; i < chain.length; ++i) {
            chain[i] = right.parentIndex;
            Records.loadRight(right, _rights, assetId, asset, right.parentIndex);
        }
    }

    /// @inheritdoc IDataRegistry
    function isRightValid(bytes32 assetId, uint256 rightIndex) external view returns (bool) {
        (Validity validity,) = rightValidity(assetId, rightIndex);
        return validity == Validity.Valid;
    }

    /// @inheritdoc IDataRegistry
    function getFreezeOrder(bytes32 assetId, uint256 orderId) external view returns (FreezeOrderView memory view_) {
        Remarks.FreezeOrder[] storage orders = _remarks.freezeOrders[assetId];
        if (orderId != 0 && orderId <= orders.length) {
            view_ = FreezeOrderView(orders[orderId - 1].regulator, orders[orderId - 1].active);
        }
    }

    /// @inheritdoc IDataRegistry
    function freezeOrderCount(bytes32 assetId) external view returns (uint256) {
        return _remarks.freezeOrders[assetId].length;
    }

    /// @inheritdoc IDataRegistry
    function getPledge(bytes32 assetId, bytes32 pledgeId) external view returns (PledgeView memory) {
        Remarks.Pledge storage p = _remarks.pledges[assetId][pledgeId];
        return PledgeView(p.registrar, p.pledgee, p.active);
    }

    /// @inheritdoc IDataRegistry
    function isCurrentContent(bytes32 assetId, bytes32 contentHash) external view returns (bool) {
        Records.AssetRecord storage asset = _assets[assetId];
        if (asset.status == AssetStatus.None || contentHash == bytes32(0)) return false;
        bytes32 changed = _changedContent[assetId];
        if (changed != bytes32(0)) return changed == contentHash;
        return keccak256(abi.encode(asset.registrant, contentHash)) == assetId;
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
