// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {Records} from "../src/libraries/Records.sol";

/// @notice The hand-written loaders (`Records.loadAsset`, `loadRightRecord`) read back exactly what the compiler's
/// own storage layout holds: each record is written member by member through Solidity, then read with the loader,
/// so a wrong offset or mask in the assembly shows as a differing member.
contract RecordsLayoutTest is Test {
    Records.AssetRecord private _asset;
    Records.RightRecord private _right;

    function testFuzz_loadAsset_readsEveryMember(
        address registrant,
        uint8 status,
        uint8 classification,
        uint8 attributes,
        uint8 registrantKinds,
        uint8 activeFreezes,
        uint16 version,
        uint24 rightCount,
        uint16 activePledges
    ) public {
        _asset.registrant = registrant;
        _asset.status = IDataRegistry.AssetStatus(uint8(bound(status, 0, uint8(type(IDataRegistry.AssetStatus).max))));
        _asset.classification = classification;
        _asset.attributes = attributes;
        _asset.registrantKinds = registrantKinds;
        _asset.activeFreezes = activeFreezes;
        _asset.version = version;
        _asset.rightCount = rightCount;
        _asset.activePledges = activePledges;
        Records.AssetRecord memory a;
        Records.loadAsset(a, _asset);
        assertEq(a.registrant, registrant, "registrant");
        assertEq(uint256(a.status), uint256(_asset.status), "status");
        assertEq(uint256(a.classification), uint256(classification), "classification");
        assertEq(uint256(a.attributes), uint256(attributes), "attributes");
        assertEq(uint256(a.registrantKinds), uint256(registrantKinds), "registrantKinds");
        assertEq(uint256(a.activeFreezes), uint256(activeFreezes), "activeFreezes");
        assertEq(uint256(a.version), uint256(version), "version");
        assertEq(uint256(a.rightCount), uint256(rightCount), "rightCount");
        assertEq(uint256(a.activePledges), uint256(activePledges), "activePledges");
    }

    function testFuzz_loadRightRecord_readsEveryMember(
        address holder,
        uint8 flags,
        uint32 validFrom,
        uint32 validUntil,
        uint24 parentIndex
    ) public {
        _right.holder = holder;
        _right.flags = flags;
        _right.validFrom = validFrom;
        _right.validUntil = validUntil;
        _right.parentIndex = parentIndex;
        Records.RightRecord memory r;
        Records.loadRightRecord(r, _right);
        assertEq(r.holder, holder, "holder");
        assertEq(uint256(r.flags), uint256(flags), "flags");
        assertEq(uint256(r.validFrom), uint256(validFrom), "validFrom");
        assertEq(uint256(r.validUntil), uint256(validUntil), "validUntil");
        assertEq(uint256(r.parentIndex), uint256(parentIndex), "parentIndex");
    }
}
