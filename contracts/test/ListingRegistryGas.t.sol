// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ListingRegistryBase} from "./ListingRegistry.t.sol";
import {IListingRegistry} from "../src/interfaces/IListingRegistry.sol";

/// @notice One write per test, as in DataRegistryGasTest: `snapshotGasLastCall` (snapshots/ListingRegistryGasTest.json)
/// records whole-transaction gas of listing, with the structured terms and the compliance checks of issue 17.
contract ListingRegistryGasTest is ListingRegistryBase {
    function test_gas_list_signedConsent_uncertifiedAllowed() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0001");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
        vm.snapshotGasLastCall("list: signed consent (holder's first consent word), general data, uncertified allowed");
    }

    function test_gas_list_secondConsentOfTheSameWord() public {
        _listOnA();
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0002");
        bytes memory sig = _consent(BOB_KEY, exchangeA, r, block.timestamp + 1 days);
        vm.prank(exchangeA);
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
        vm.snapshotGasLastCall("list: signed consent, an id in a consent word used before");
    }

    function test_gas_crossList() public {
        uint256 a = _listOnA();
        IListingRegistry.ListingRequest memory r = _request(a, "SZDE-88");
        bytes memory sig = _consent(BOB_KEY, exchangeB, r, block.timestamp + 1 days);
        vm.prank(exchangeB);
        listings.list(r, bob, nextConsentId, block.timestamp + 1 days, sig);
        vm.snapshotGasLastCall("list: cross-listing (origin checked), signed consent in a used word");
    }

    function test_gas_list_approvedByTransaction() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0003");
        vm.prank(bob);
        listings.approveListing(exchangeA, r, uint64(block.timestamp + 1 days));
        vm.prank(exchangeA);
        listings.list(r, bob, 0, 0, "");
        vm.snapshotGasLastCall("list: approved by the holder's transaction (approval slot cleared)");
    }

    function test_gas_approveListing() public {
        IListingRegistry.ListingRequest memory r = _request(0, "SDE-2026-0004");
        vm.prank(bob);
        listings.approveListing(exchangeA, r, uint64(block.timestamp + 1 days));
        vm.snapshotGasLastCall("approveListing: with an expiry");
    }

    function test_gas_withdrawConsents() public {
        vm.prank(bob);
        listings.withdrawConsents(0, 0xff);
        vm.snapshotGasLastCall("withdrawConsents: eight ids of a fresh word");
    }
}
