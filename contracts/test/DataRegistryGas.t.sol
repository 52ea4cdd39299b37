// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";

/// @notice One write operation per test, so `forge snapshot` (committed as .gas-snapshot and compared in
/// `make test`) and `snapshotGasLastCall` (snapshots/DataRegistryGasTest.json) record the cost of each
/// operation. Whole-transaction figures, with the 21,000 base cost and calldata, come from
/// scripts/bench_gas.py on anvil.
contract DataRegistryGasTest is DataRegistryBase {
    function test_gas_register_registrantHoldsAllRights() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        vm.prank(alice);
        registry.register(r);
        vm.snapshotGasLastCall("register: registrant holds all three rights");
    }

    function test_gas_register_threeHolders() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders2(alice, HOLDING, bob, USAGE));
        IDataRegistry.RightHolder[] memory h = new IDataRegistry.RightHolder[](3);
        h[0] = r.holders[0];
        h[1] = r.holders[1];
        h[2] = IDataRegistry.RightHolder(address(type(uint160).max), OPERATING);
        r.holders = h;
        vm.prank(alice);
        registry.register(r);
        vm.snapshotGasLastCall("register: three holders, one right each");
    }

    function test_gas_registerBySig() public {
        IDataRegistry.Registration memory r = _registration(keccak256("data"), _holders1(alice, ALL));
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(ALICE_KEY, _registerDigest(r, alice, 0, deadline));
        vm.prank(relayer);
        registry.registerBySig(r, alice, deadline, sig);
        vm.snapshotGasLastCall("registerBySig: first signature of this signer");
    }

    function test_gas_registerBatch_of10() public {
        IDataRegistry.Registration[] memory batch = new IDataRegistry.Registration[](10);
        for (uint256 i; i < 10; ++i) {
            batch[i] = _registration(keccak256(abi.encode(i)), _holders1(alice, ALL));
        }
        vm.prank(alice);
        registry.registerBatch(batch);
        vm.snapshotGasLastCall("registerBatch: 10 assets");
    }

    function _grantTerms(address grantee) internal view returns (IDataRegistry.GrantTerms memory t) {
        t.grantee = grantee;
        t.validUntil = uint64(block.timestamp + 365 days);
        t.subGrantable = true;
        t.transferable = true;
        t.purpose = unicode"交通规划研究";
        t.territory = "3502";
        t.quantity = 1_000_000;
        t.termsCid = keccak256("terms");
    }

    function _assetWithGrant() internal returns (bytes32 assetId, uint256 grantIndex) {
        assetId = _registerAs(alice, keccak256("data"), ALL);
        vm.prank(alice);
        grantIndex = registry.grant(assetId, 2, _grantTerms(bob));
    }

    function test_gas_grant_withTerms() public {
        bytes32 assetId = _registerAs(alice, keccak256("data"), ALL);
        IDataRegistry.GrantTerms memory t = _grantTerms(bob);
        vm.prank(alice);
        registry.grant(assetId, 2, t);
        vm.snapshotGasLastCall("grant: usage right with terms, from a primary right");
    }

    function test_gas_transfer_grant() public {
        (bytes32 assetId, uint256 grantIndex) = _assetWithGrant();
        vm.prank(bob);
        registry.transfer(assetId, grantIndex, carol);
        vm.snapshotGasLastCall("transfer: a transferable grant");
    }

    function test_gas_transfer_primaryRight() public {
        bytes32 assetId = _registerAs(alice, keccak256("data"), ALL);
        vm.prank(alice);
        registry.transfer(assetId, 3, bob);
        vm.snapshotGasLastCall("transfer: the registrant's operating right (first change of hands)");
    }

    function test_gas_revoke() public {
        (bytes32 assetId, uint256 grantIndex) = _assetWithGrant();
        vm.prank(alice);
        registry.revoke(assetId, grantIndex, 1, keccak256("evidence"));
        vm.snapshotGasLastCall("revoke: a grant, with reason and evidence");
    }

    function test_gas_renew() public {
        (bytes32 assetId, uint256 grantIndex) = _assetWithGrant();
        vm.prank(alice);
        registry.renew(assetId, grantIndex, uint64(block.timestamp + 730 days));
        vm.snapshotGasLastCall("renew: a grant");
    }
}
