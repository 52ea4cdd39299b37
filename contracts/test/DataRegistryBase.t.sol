// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {DataRegistry} from "../src/DataRegistry.sol";
import {Forwarder} from "../src/Forwarder.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";

/// @notice An ERC-1271 signer standing in for an enterprise multisig: like Safe's `approveHash`, its owners
/// approve a digest on chain and the wallet then accepts it.
contract ApprovingWallet {
    bytes4 private constant MAGIC = 0x1626ba7e;
    mapping(bytes32 digest => bool) public approved;

    function approve(bytes32 digest) external {
        approved[digest] = true;
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? MAGIC : bytes4(0xffffffff);
    }
}

/// @notice Shared set-up and helpers for the registry's tests.
abstract contract DataRegistryBase is Test {
    DataRegistry internal registry;
    ParticipantRegistry internal participants;
    Forwarder internal forwarder;

    uint256 internal constant ALICE_KEY = 0xA11CE;
    uint256 internal constant BOB_KEY = 0xB0B;
    uint256 internal constant CAROL_KEY = 0xCA801;
    address internal alice;
    address internal bob;
    address internal carol;
    address internal relayer = address(0x5E1A7E5);

    uint8 internal constant HOLDING = 1;
    uint8 internal constant USAGE = 2;
    uint8 internal constant OPERATING = 4;
    uint8 internal constant ALL = 7;

    bytes32 internal constant METADATA = keccak256("metadata document");

    // Independent of the contract's own constants, so a typo in either shows up as a failing signature test.
    bytes32 internal constant REGISTER_TYPEHASH = keccak256(
        "Register(address registrant,bytes32 contentHash,bytes32 contentCid,bytes32 metadataCid,uint8 classification,"
        "uint8 attributes,Source[] sources,RightHolder[] holders,HolderTerms[] terms,uint256 nonce,uint256 deadline)"
        "HolderTerms(uint64 validUntil,bytes32 limitsCid)RightHolder(address account,uint8 kinds)"
        "Source(bytes32 assetId,uint256 rightIndex)"
    );

    function setUp() public virtual {
        forwarder = new Forwarder();
        participants = new ParticipantRegistry(address(this), address(forwarder));
        registry = new DataRegistry(participants, address(forwarder));
        _bind(address(registry));
        alice = vm.addr(ALICE_KEY);
        bob = vm.addr(BOB_KEY);
        carol = vm.addr(CAROL_KEY);
        vm.warp(1_750_000_000);
    }

    /// @dev Binds a contract to the participant registry's pause switch, as the deployment does.
    function _bind(address target) internal {
        address[] memory targets = new address[](1);
        targets[0] = target;
        participants.bindContracts(targets);
    }

    function _holders1(address a, uint8 kinds) internal pure returns (IDataRegistry.RightHolder[] memory h) {
        h = new IDataRegistry.RightHolder[](1);
        h[0] = IDataRegistry.RightHolder(a, kinds);
    }

    /// @dev Two holder entries, sorted by address as the contract requires.
    function _holders2(address a, uint8 aKinds, address b, uint8 bKinds)
        internal
        pure
        returns (IDataRegistry.RightHolder[] memory h)
    {
        h = new IDataRegistry.RightHolder[](2);
        (h[0], h[1]) = a < b
            ? (IDataRegistry.RightHolder(a, aKinds), IDataRegistry.RightHolder(b, bKinds))
            : (IDataRegistry.RightHolder(b, bKinds), IDataRegistry.RightHolder(a, aKinds));
    }

    function _registration(bytes32 contentHash, IDataRegistry.RightHolder[] memory holders)
        internal
        pure
        returns (IDataRegistry.Registration memory r)
    {
        r.contentHash = contentHash;
        r.contentCid = keccak256(abi.encode("cid", contentHash));
        r.metadataCid = METADATA;
        r.classification = 0;
        r.attributes = 0;
        r.sources = new IDataRegistry.Source[](0);
        r.holders = holders;
    }

    function _registerAs(address registrant, bytes32 contentHash, uint8 kinds) internal returns (bytes32 assetId) {
        vm.prank(registrant);
        assetId = registry.register(_registration(contentHash, _holders1(registrant, kinds)));
    }

    function _registerDigest(IDataRegistry.Registration memory r, address registrant, uint256 nonce, uint256 deadline)
        internal
        view
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
        bytes32 structHash = keccak256(
            bytes.concat(
                abi.encode(
                    REGISTER_TYPEHASH,
                    registrant,
                    r.contentHash,
                    r.contentCid,
                    r.metadataCid,
                    r.classification,
                    r.attributes
                ),
                abi.encode(
                    keccak256(abi.encodePacked(sources)),
                    keccak256(abi.encodePacked(holders)),
                    keccak256(abi.encodePacked(_termHashes(r))),
                    nonce,
                    deadline
                )
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", registry.DOMAIN_SEPARATOR(), structHash));
    }

    function _termHashes(IDataRegistry.Registration memory r) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](r.terms.length);
        for (uint256 i; i < r.terms.length; ++i) {
            hashes[i] = keccak256(
                abi.encode(keccak256("HolderTerms(uint64 validUntil,bytes32 limitsCid)"), r.terms[i].validUntil,
                    r.terms[i].limitsCid)
            );
        }
    }

    /// @dev Accepts every pending assignment of an asset, as each named holder would.
    function _acceptAll(bytes32 assetId) internal {
        uint256 count = registry.getAsset(assetId).rightCount;
        for (uint256 i = 1; i <= count; ++i) {
            try registry.getRight(assetId, i) returns (IDataRegistry.RightView memory v) {
                if (v.pending) {
                    vm.prank(v.holder);
                    registry.acceptRight(assetId, i);
                }
            } catch {}
        }
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
