// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {TradeRegistryBase} from "./TradeRegistryBase.t.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {ITradeRegistry} from "../src/interfaces/ITradeRegistry.sol";

/// @notice One write operation per test, as in DataRegistryGasTest: `forge snapshot --isolate` (.gas-snapshot)
/// and `snapshotGasLastCall` (snapshots/TradeRegistryGasTest.json) record whole-transaction gas.
contract TradeRegistryGasTest is TradeRegistryBase {
    function test_gas_recordTrade_withBuyersRight() public {
        ITradeRegistry.Trade memory t = _trade(listingA, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        trades.recordTrade(t, g, s);
        vm.snapshotGasLastCall("recordTrade: the seller's first signature (its nonce slot is written), buyer's usage right granted");
    }

    function test_gas_recordTrade_second() public {
        _secondTrade(listingA, "recordTrade: buyer's usage right granted (seller and exchange seen before)");
    }

    /// @dev The compliance check's dearest ordinary case: important data, whose listing's certification is asked
    /// for its status (the AttestationRegistry then reads the asset's version).
    function test_gas_recordTrade_importantDataCertified_second() public {
        (uint256 listingId,) = _listSensitive("SZDE-I1", 1, 0, true);
        _secondTrade(
            listingId,
            "recordTrade: important data, its compliance certification checked (seller and exchange seen before)"
        );
    }

    function _secondTrade(uint256 listingId, string memory label) internal {
        ITradeRegistry.Trade memory t = _trade(listingId, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        trades.recordTrade(t, g, s);
        t.buyer = bob;
        g = _terms(bob);
        s.grantSignature = _grantSig(ALICE_KEY, t.parentIndex, g, s.grantDeadline);
        s.acceptSignature = _acceptSig(BOB_KEY, exchangeA, t, s.grantSignature, s.acceptDeadline);
        vm.prank(exchangeA);
        trades.recordTrade(t, g, s);
        vm.snapshotGasLastCall(label);
    }

    function test_gas_setSettlement() public {
        ITradeRegistry.Trade memory t = _trade(listingA, carol);
        IDataRegistry.GrantTerms memory g = _terms(carol);
        ITradeRegistry.Signatures memory s = _sigs(exchangeA, t, g);
        vm.prank(exchangeA);
        (uint16 year, uint32 serial,) = trades.recordTrade(t, g, s);
        vm.prank(exchangeA);
        trades.setSettlement(year, serial, ITradeRegistry.SettlementStatus.Settled, keccak256("bank receipt"));
        vm.snapshotGasLastCall("setSettlement: pending to settled");
    }
}
