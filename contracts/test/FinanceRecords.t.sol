// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

import {DataRegistryBase} from "./DataRegistryBase.t.sol";
import {FinanceRecords} from "../src/FinanceRecords.sol";
import {IDataRegistry} from "../src/interfaces/IDataRegistry.sol";
import {IFinanceRecords} from "../src/interfaces/IFinanceRecords.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";

/// @notice The finance records: accounting commitments, capital contribution and data-trust remarks, each rule
/// and each refusal with its custom error.
contract FinanceRecordsTest is DataRegistryBase {
    FinanceRecords internal finance;
    bytes32 internal assetId;

    address internal constant AUDITOR = address(0xA0D17);
    address internal constant INVESTEE = address(0x1417E5);
    bytes32 internal constant DOCUMENT = keccak256("accounting document");
    bytes32 internal constant AGREEMENT = keccak256("agreement");
    uint256 internal constant HOLDING_RIGHT = 1;
    uint256 internal constant USAGE_RIGHT = 2;

    bytes32 internal constant FORWARD_REQUEST_TYPEHASH = keccak256(
        "ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)"
    );

    function setUp() public override {
        super.setUp();
        finance = new FinanceRecords(registry, participants, address(forwarder));
        _bind(address(finance));
        assetId = _registerAs(alice, keccak256("data"), ALL);
    }

    function _contribution() internal pure returns (IFinanceRecords.RemarkData memory r) {
        r.kind = IFinanceRecords.RemarkKind.CapitalContribution;
        r.counterparty = INVESTEE;
        r.beneficiaries = new address[](0);
        r.documentCid = AGREEMENT;
        r.effectiveFrom = 1_750_000_000;
    }

    function _trust(address beneficiary) internal pure returns (IFinanceRecords.RemarkData memory r) {
        r.kind = IFinanceRecords.RemarkKind.DataTrust;
        r.counterparty = INVESTEE;
        r.beneficiaries = new address[](1);
        r.beneficiaries[0] = beneficiary;
        r.documentCid = AGREEMENT;
        r.effectiveFrom = 1_750_000_000;
        r.effectiveUntil = 1_850_000_000;
    }

    // ───────────────────────────── accounting ─────────────────────────────

    function test_recordAccounting_storesCommitment_andRaisesRevision() public {
        vm.expectEmit(true, true, true, true, address(finance));
        emit IFinanceRecords.AccountingRecorded(assetId, alice, AUDITOR, DOCUMENT, 1);
        vm.prank(alice);
        assertEq(finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT), 1, "first revision");
        IFinanceRecords.AccountingRecord memory r = finance.getAccounting(assetId, alice);
        assertEq(r.documentCid, DOCUMENT, "commitment");
        assertEq(r.auditor, AUDITOR, "auditor");
        assertEq(r.recordedAt, 1_750_000_000, "recorded at");

        vm.warp(1_760_000_000);
        vm.prank(alice);
        assertEq(finance.recordAccounting(assetId, HOLDING_RIGHT, address(0), keccak256("impairment")), 2, "second");
        r = finance.getAccounting(assetId, alice);
        assertEq(r.auditor, address(0), "auditor withdrawn");
        assertEq(r.revision, 2, "revision");
        assertEq(finance.getAccounting(assetId, bob).revision, 0, "nobody else's record");
    }

    function test_recordAccounting_revertsWhen_callerHoldsNoRight() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, HOLDING_RIGHT, bob));
        vm.prank(bob);
        finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_revertsWhen_rightIsNotTheHoldingRight() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, USAGE_RIGHT, alice));
        vm.prank(alice);
        finance.recordAccounting(assetId, USAGE_RIGHT, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_revertsWhen_callerHoldsOnlyAGrantedUsageRight() public {
        IDataRegistry.GrantTerms memory t;
        t.grantee = bob;
        vm.prank(alice);
        uint256 grant = registry.grant(assetId, USAGE_RIGHT, t);
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, grant, bob));
        vm.prank(bob);
        finance.recordAccounting(assetId, grant, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_revertsWhen_assetDoesNotExist() public {
        bytes32 missing = keccak256("no such asset");
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, missing, 1, alice));
        vm.prank(alice);
        finance.recordAccounting(missing, 1, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_revertsWhen_assetCancelled() public {
        vm.prank(alice);
        registry.cancel(assetId, 1, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, 1, alice));
        vm.prank(alice);
        finance.recordAccounting(assetId, 1, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_followsTransferOfTheHoldingRight() public {
        vm.prank(alice);
        registry.transfer(assetId, HOLDING_RIGHT, bob);
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, 1, alice));
        vm.prank(alice);
        finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT);
        vm.prank(bob);
        assertEq(finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT), 1, "the new holder's own record");
    }

    function test_recordAccounting_revertsWhen_holdingRightPending() public {
        vm.prank(alice);
        bytes32 shared = registry.register(_registration(keccak256("shared"), _holders2(alice, USAGE, bob, HOLDING)));
        uint256 bobs = HOLDING_RIGHT; // primary rights are numbered by kind: 1 holding, 2 usage, 3 operating
        assertEq(registry.getRight(shared, bobs).holder, bob, "bob named for the holding right");
        assertTrue(registry.getRight(shared, bobs).pending, "not accepted yet");
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, shared, bobs, bob));
        vm.prank(bob);
        finance.recordAccounting(shared, bobs, AUDITOR, DOCUMENT);
        vm.prank(bob);
        registry.acceptRight(shared, bobs);
        vm.prank(bob);
        finance.recordAccounting(shared, bobs, AUDITOR, DOCUMENT);
    }

    function test_recordAccounting_revertsWhen_documentMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.MissingDocument.selector));
        vm.prank(alice);
        finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, bytes32(0));
    }

    function test_recordAccounting_revertsWhen_holderIsItsOwnAuditor() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.SelfCounterparty.selector, alice));
        vm.prank(alice);
        finance.recordAccounting(assetId, HOLDING_RIGHT, alice, DOCUMENT);
    }

    function test_recordAccounting_relayedThroughTheForwarder_actsForTheSigner() public {
        ERC2771Forwarder.ForwardRequestData memory req;
        req.from = alice;
        req.to = address(finance);
        req.gas = 300_000;
        req.deadline = uint48(block.timestamp + 1 hours);
        req.data = abi.encodeCall(finance.recordAccounting, (assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT));
        (, string memory name, string memory version,,,,) = forwarder.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)), keccak256(bytes(version)), block.chainid, address(forwarder)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                FORWARD_REQUEST_TYPEHASH, req.from, req.to, req.value, req.gas, forwarder.nonces(alice), req.deadline,
                keccak256(req.data)
            )
        );
        req.signature = _sign(ALICE_KEY, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        vm.prank(relayer);
        forwarder.execute(req);
        assertEq(finance.getAccounting(assetId, alice).documentCid, DOCUMENT, "recorded for the signer");
        assertEq(finance.getAccounting(assetId, relayer).revision, 0, "not for the relayer");
    }

    function test_writes_revertWhen_paused() public {
        vm.prank(alice);
        uint256 remarkId = finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
        participants.pause(bytes32(0));
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, DOCUMENT);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.RegistryPaused.selector));
        finance.endRemark(remarkId, bytes32(0));
        vm.stopPrank();
    }

    function testFuzz_recordAccounting_revisionCountsEveryRecord(uint8 times) public {
        uint256 n = bound(times, 1, 20);
        for (uint256 i = 1; i <= n; ++i) {
            vm.prank(alice);
            assertEq(finance.recordAccounting(assetId, HOLDING_RIGHT, AUDITOR, bytes32(i)), i, "revision");
        }
        assertEq(finance.getAccounting(assetId, alice).documentCid, bytes32(n), "latest commitment");
    }

    // ───────────────────────────── remarks ─────────────────────────────

    function test_recordRemark_capitalContribution_recordsAndEnds() public {
        vm.expectEmit(true, true, true, true, address(finance));
        emit IFinanceRecords.FinanceRemarkRecorded(1, assetId, alice, _contribution());
        vm.prank(alice);
        uint256 remarkId = finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
        assertEq(remarkId, 1, "first remark");
        assertEq(finance.remarkCount(), 1, "count");
        IFinanceRecords.Remark memory r = finance.getRemark(remarkId);
        assertEq(r.assetId, assetId, "asset");
        assertEq(r.holder, alice, "holder");
        assertEq(r.counterparty, INVESTEE, "investee");
        assertEq(r.ended, false, "standing");

        vm.expectEmit(true, true, true, true, address(finance));
        emit IFinanceRecords.FinanceRemarkEnded(remarkId, assetId, alice, keccak256("release"));
        vm.prank(alice);
        finance.endRemark(remarkId, keccak256("release"));
        assertEq(finance.getRemark(remarkId).ended, true, "ended");
    }

    function test_recordRemark_dataTrust_withBeneficiaries() public {
        vm.prank(alice);
        uint256 remarkId = finance.recordRemark(assetId, HOLDING_RIGHT, _trust(carol));
        assertTrue(finance.getRemark(remarkId).kind == IFinanceRecords.RemarkKind.DataTrust, "trust");
    }

    function test_recordRemark_revertsWhen_callerIsNotTheHolder() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotHoldingRightHolder.selector, assetId, 1, bob));
        vm.prank(bob);
        finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
    }

    function test_recordRemark_revertsWhen_trustNamesNoBeneficiary() public {
        IFinanceRecords.RemarkData memory r = _trust(carol);
        r.beneficiaries = new address[](0);
        vm.expectRevert(
            abi.encodeWithSelector(IFinanceRecords.InvalidBeneficiaries.selector, IFinanceRecords.RemarkKind.DataTrust, 0)
        );
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
    }

    function test_recordRemark_revertsWhen_beneficiaryIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IFinanceRecords.InvalidBeneficiaries.selector, IFinanceRecords.RemarkKind.DataTrust, 1)
        );
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, _trust(address(0)));
    }

    function test_recordRemark_revertsWhen_contributionNamesBeneficiaries() public {
        IFinanceRecords.RemarkData memory r = _contribution();
        r.beneficiaries = new address[](1);
        r.beneficiaries[0] = carol;
        vm.expectRevert(
            abi.encodeWithSelector(
                IFinanceRecords.InvalidBeneficiaries.selector, IFinanceRecords.RemarkKind.CapitalContribution, 1
            )
        );
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
    }

    function test_recordRemark_revertsWhen_counterpartyMissingOrSelf() public {
        IFinanceRecords.RemarkData memory r = _contribution();
        r.counterparty = address(0);
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.MissingCounterparty.selector));
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
        r.counterparty = alice;
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.SelfCounterparty.selector, alice));
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
    }

    function test_recordRemark_revertsWhen_agreementMissing() public {
        IFinanceRecords.RemarkData memory r = _contribution();
        r.documentCid = bytes32(0);
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.MissingDocument.selector));
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
    }

    function test_recordRemark_revertsWhen_endNotAfterStart() public {
        IFinanceRecords.RemarkData memory r = _contribution();
        r.effectiveUntil = r.effectiveFrom;
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.InvalidPeriod.selector, r.effectiveFrom, r.effectiveUntil));
        vm.prank(alice);
        finance.recordRemark(assetId, HOLDING_RIGHT, r);
    }

    function test_endRemark_revertsWhen_callerIsNotTheRecordingHolder() public {
        vm.prank(alice);
        uint256 remarkId = finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.NotRemarkHolder.selector, remarkId, INVESTEE));
        vm.prank(INVESTEE);
        finance.endRemark(remarkId, bytes32(0));
    }

    function test_endRemark_revertsWhen_alreadyEnded() public {
        vm.startPrank(alice);
        uint256 remarkId = finance.recordRemark(assetId, HOLDING_RIGHT, _contribution());
        finance.endRemark(remarkId, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.RemarkAlreadyEnded.selector, remarkId));
        finance.endRemark(remarkId, bytes32(0));
        vm.stopPrank();
    }

    function test_endRemark_revertsWhen_remarkDoesNotExist() public {
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.RemarkNotFound.selector, 7));
        vm.prank(alice);
        finance.endRemark(7, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IFinanceRecords.RemarkNotFound.selector, 7));
        finance.getRemark(7);
    }
}
