// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IDataRegistry} from "../interfaces/IDataRegistry.sol";
import {IPublicDataAuthorisation} from "../interfaces/IPublicDataAuthorisation.sol";
import {Records} from "./Records.sol";
import {Remarks} from "./Remarks.sol";

/// @title Lineage
/// @notice The DataRegistry's check of a derived asset's sources at registration. An external library, like
/// {Remarks}: its code runs by DELEGATECALL on the DataRegistry's storage but lives in its own account, which
/// keeps the DataRegistry under EIP-170's size limit at the optimizer runs of the rest. Only a registration with
/// sources calls it (a cold account and its arguments encoded); a plain registration never does.
library Lineage {
    /// @notice The registrant must hold a valid usage (processing) right over every source now, and no source may
    /// be frozen (deriving from seized data is a use of it). Returns the public-data authorisation the sources are
    /// under (0 for none): a product derived from public data is public data under the same authorisation, and
    /// sources under two different authorisations are refused.
    function checkSources(
        mapping(bytes32 => Records.AssetRecord) storage assets,
        mapping(bytes32 => mapping(uint256 => Records.RightRecord)) storage rights,
        Remarks.Store storage remarks,
        mapping(bytes32 => uint256) storage publicBindings,
        IPublicDataAuthorisation authorisations,
        bytes32 assetId,
        IDataRegistry.Source[] calldata sources,
        address registrant
    ) external view returns (uint256 authorisation) {
        for (uint256 i; i < sources.length; ++i) {
            bytes32 sourceId = sources[i].assetId;
            if (sourceId == assetId) revert IDataRegistry.InvalidSource(i, sourceId);
            for (uint256 j; j < i; ++j) {
                if (sources[j].assetId == sourceId) revert IDataRegistry.InvalidSource(i, sourceId);
            }
            uint256 rightIndex = sources[i].rightIndex;
            // slither-disable-next-line uninitialized-local (filled from the source's slot on the next line)
            Records.AssetRecord memory source;
            Records.loadAsset(source, assets[sourceId]);
            Records.requireActive(sourceId, source.status);
            // slither-disable-next-line uninitialized-local (filled by heldValidRight on the next line)
            Records.RightRecord memory right;
            Records.heldValidRight(right, rights, sourceId, source, rightIndex, registrant);
            bool isPublic = source.attributes & Records.ATTR_PUBLIC != 0;
            if (isPublic) {
                // slither-disable-next-line unused-return (it reverts saying why the registrant does not stand)
                Records.publicCheck(
                    authorisations, publicBindings, sourceId, registrant, Records.PUBLIC_REQUIRE_STANDING, 0, 0
                );
            }
            IDataRegistry.RightKind actual = IDataRegistry.RightKind(right.flags & Records.FLAG_KIND_MASK);
            if (actual != IDataRegistry.RightKind.Usage) {
                revert IDataRegistry.WrongRightKind(sourceId, rightIndex, IDataRegistry.RightKind.Usage, actual);
            }
            Records.requireNotFrozen(remarks, sourceId, source.activeFreezes);
            if (isPublic) {
                uint256 sourceAuthorisation = publicBindings[sourceId];
                if (authorisation != 0 && sourceAuthorisation != authorisation) {
                    revert IDataRegistry.InvalidSource(i, sourceId);
                }
                authorisation = sourceAuthorisation;
            }
        }
    }
}
