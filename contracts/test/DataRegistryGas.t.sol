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
}
