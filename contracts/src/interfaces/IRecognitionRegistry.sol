// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Mutual recognition of registries (一地登记、全国共享)
/// @notice The council recognises another registry deployment (another province's registration platform, on its
/// own chain or on this one): its chain id, the addresses of its DataRegistry and RegistrationOffice, its name and
/// region. A certificate issued there is then checked here by reading that chain's views (its RegistrationOffice's
/// `assetOfCertificate` and `certificateRecord`, its DataRegistry's `isCurrentContent`); the RPC endpoint of the
/// other chain is configuration off chain, not a fact of the recognition. The council withdraws a recognition
/// with a reason code; a withdrawn recognition stays as a record, and the same deployment may be recognised again
/// (a new recognition id).
interface IRecognitionRegistry {
    enum RecognitionStatus {
        None,
        Recognised,
        Withdrawn
    }

    /// @notice A recognised (or formerly recognised) registry deployment.
    struct Recognition {
        /// The chain the other registry's contracts are on.
        uint64 chainId;
        /// The block of that chain from which its events are read (its deployment block).
        uint64 fromBlock;
        RecognitionStatus status;
        /// Two ASCII digits of the administrative division code (GB/T 2260) the registry serves, e.g. "46".
        bytes2 region;
        uint64 recognisedAt;
        uint64 withdrawnAt;
        uint16 withdrawalReason;
        address dataRegistry;
        address registrationOffice;
        string name;
    }

    /// @notice Thrown when someone other than the council (the participant registry's owner) writes.
    error NotCouncil(address account);
    /// @notice Thrown when recognising with a zero address, an empty or over-long name, or a region that is not two
    /// digits.
    error InvalidRecognition(uint64 chainId, address dataRegistry);
    /// @notice Thrown when recognising a deployment that is recognised already (under `recognitionId`).
    error AlreadyRecognised(uint64 chainId, address dataRegistry, uint256 recognitionId);
    /// @notice Thrown when withdrawing a recognition that does not exist or is withdrawn already.
    error NotRecognised(uint256 recognitionId);

    /// @notice The council recognised a registry deployment.
    /// @param recognitionId The recognition's number, from 1.
    /// @param chainId The other registry's chain.
    /// @param dataRegistry Its DataRegistry.
    /// @param registrationOffice Its RegistrationOffice.
    /// @param fromBlock The block of its chain from which its events are read.
    /// @param region Two digits of the administrative division code it serves.
    /// @param name Its name, e.g. "海南省数据产品超市登记中心".
    event RegistryRecognised(
        uint256 indexed recognitionId,
        uint64 indexed chainId,
        address indexed dataRegistry,
        address registrationOffice,
        uint64 fromBlock,
        bytes2 region,
        string name
    );

    /// @notice The council withdrew a recognition: certificates of that registry are no longer recognised here.
    /// @param recognitionId The recognition withdrawn.
    /// @param chainId The other registry's chain.
    /// @param dataRegistry Its DataRegistry.
    /// @param reasonCode Why (registry/vocabulary.py RecognitionWithdrawalReason).
    event RecognitionWithdrawn(
        uint256 indexed recognitionId, uint64 indexed chainId, address indexed dataRegistry, uint16 reasonCode
    );

    /// @notice The council recognises a registry deployment; returns its recognition id.
    function recognise(
        uint64 chainId,
        address dataRegistry,
        address registrationOffice,
        uint64 fromBlock,
        bytes2 region,
        string calldata name
    ) external returns (uint256 recognitionId);

    /// @notice The council withdraws a recognition, with a reason code.
    function withdraw(uint256 recognitionId, uint16 reasonCode) external;

    /// @notice A recognition by id (status None if there is none).
    function getRecognition(uint256 recognitionId) external view returns (Recognition memory);

    /// @notice How many recognitions were made (ids run from 1 to this).
    function recognitionCount() external view returns (uint256);

    /// @notice The id of the standing recognition of a deployment, or 0 if it is not recognised now.
    function recognitionOf(uint64 chainId, address dataRegistry) external view returns (uint256);
}
