// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {Forwarder} from "../src/Forwarder.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {RecognitionRegistry} from "../src/RecognitionRegistry.sol";
import {IRecognitionRegistry} from "../src/interfaces/IRecognitionRegistry.sol";

/// @notice Mutual recognition: the council recognises and withdraws other registry deployments.
contract RecognitionRegistryTest is Test {
    ParticipantRegistry internal participants;
    RecognitionRegistry internal recognitions;
    address internal constant OUTSIDER = address(0x0D7);
    address internal constant HAINAN_REGISTRY = address(0x4601);
    address internal constant HAINAN_OFFICE = address(0x4602);
    uint64 internal constant HAINAN_CHAIN = 31_338;

    function setUp() public {
        Forwarder forwarder = new Forwarder();
        participants = new ParticipantRegistry(address(this), address(forwarder));
        recognitions = new RecognitionRegistry(participants, address(forwarder));
        vm.warp(1_795_219_200);
    }

    function _recogniseHainan() internal returns (uint256) {
        return recognitions.recognise(HAINAN_CHAIN, HAINAN_REGISTRY, HAINAN_OFFICE, 7, "46", unicode"海南省数据登记中心");
    }

    function test_recognise_recordsTheDeployment() public {
        vm.expectEmit(true, true, true, true, address(recognitions));
        emit IRecognitionRegistry.RegistryRecognised(1, HAINAN_CHAIN, HAINAN_REGISTRY, HAINAN_OFFICE, 7, "46",
            unicode"海南省数据登记中心");
        uint256 id = _recogniseHainan();
        assertEq(id, 1, "first id");
        IRecognitionRegistry.Recognition memory r = recognitions.getRecognition(1);
        assertTrue(r.status == IRecognitionRegistry.RecognitionStatus.Recognised, "recognised");
        assertEq(uint256(r.chainId), HAINAN_CHAIN, "chain");
        assertEq(r.dataRegistry, HAINAN_REGISTRY, "registry");
        assertEq(r.registrationOffice, HAINAN_OFFICE, "office");
        assertEq(uint256(r.fromBlock), 7, "from block");
        assertEq(bytes32(r.region), bytes32(bytes2("46")), "region");
        assertEq(r.name, unicode"海南省数据登记中心", "name");
        assertEq(uint256(r.recognisedAt), block.timestamp, "when");
        assertEq(recognitions.recognitionOf(HAINAN_CHAIN, HAINAN_REGISTRY), 1, "standing");
        assertEq(recognitions.recognitionCount(), 1, "count");
    }

    function test_withdraw_endsTheRecognition_andAllowsANewOne() public {
        _recogniseHainan();
        vm.warp(block.timestamp + 1 days);
        vm.expectEmit(true, true, true, true, address(recognitions));
        emit IRecognitionRegistry.RecognitionWithdrawn(1, HAINAN_CHAIN, HAINAN_REGISTRY, 2);
        recognitions.withdraw(1, 2);
        IRecognitionRegistry.Recognition memory r = recognitions.getRecognition(1);
        assertTrue(r.status == IRecognitionRegistry.RecognitionStatus.Withdrawn, "withdrawn");
        assertEq(uint256(r.withdrawnAt), block.timestamp, "when");
        assertEq(uint256(r.withdrawalReason), 2, "reason");
        assertEq(recognitions.recognitionOf(HAINAN_CHAIN, HAINAN_REGISTRY), 0, "not standing");
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.NotRecognised.selector, 1));
        recognitions.withdraw(1, 2);
        assertEq(_recogniseHainan(), 2, "recognised again under a new id");
        assertTrue(recognitions.getRecognition(1).status == IRecognitionRegistry.RecognitionStatus.Withdrawn,
            "the old record stays");
    }

    function test_recognise_revertsWhen_alreadyRecognised() public {
        _recogniseHainan();
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.AlreadyRecognised.selector, HAINAN_CHAIN,
            HAINAN_REGISTRY, 1));
        _recogniseHainan();
        // Another deployment on the same chain (a consortium chain hosting two provinces) is another registry.
        assertEq(recognitions.recognise(HAINAN_CHAIN, address(0x4401), address(0x4402), 0, "44", "GD"), 2, "second");
    }

    function test_recognise_revertsWhen_malformed() public {
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, 0, HAINAN_REGISTRY));
        recognitions.recognise(0, HAINAN_REGISTRY, HAINAN_OFFICE, 0, "46", "HN");
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, HAINAN_CHAIN,
            address(0)));
        recognitions.recognise(HAINAN_CHAIN, address(0), HAINAN_OFFICE, 0, "46", "HN");
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, HAINAN_CHAIN,
            HAINAN_REGISTRY));
        recognitions.recognise(HAINAN_CHAIN, HAINAN_REGISTRY, address(0), 0, "46", "HN");
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, HAINAN_CHAIN,
            HAINAN_REGISTRY));
        recognitions.recognise(HAINAN_CHAIN, HAINAN_REGISTRY, HAINAN_OFFICE, 0, "4A", "HN");
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, HAINAN_CHAIN,
            HAINAN_REGISTRY));
        recognitions.recognise(HAINAN_CHAIN, HAINAN_REGISTRY, HAINAN_OFFICE, 0, "46", "");
        bytes memory long = new bytes(201);
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.InvalidRecognition.selector, HAINAN_CHAIN,
            HAINAN_REGISTRY));
        recognitions.recognise(HAINAN_CHAIN, HAINAN_REGISTRY, HAINAN_OFFICE, 0, "46", string(long));
    }

    function test_writes_revertWhen_callerIsNotTheCouncil() public {
        vm.prank(OUTSIDER);
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.NotCouncil.selector, OUTSIDER));
        _recogniseHainan();
        _recogniseHainan();
        vm.prank(OUTSIDER);
        vm.expectRevert(abi.encodeWithSelector(IRecognitionRegistry.NotCouncil.selector, OUTSIDER));
        recognitions.withdraw(1, 1);
        // The council is the participant registry's owner, whoever that is now.
        participants.transferOwnership(OUTSIDER);
        vm.prank(OUTSIDER);
        participants.acceptOwnership();
        vm.prank(OUTSIDER);
        recognitions.withdraw(1, 1);
    }
}
