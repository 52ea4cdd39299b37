// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title Forwarder
/// @notice The registry's trusted ERC-2771 forwarder: any party signs an EIP-712 `ForwardRequest` for any call
/// to the registry's contracts, and anyone relays it (paying the gas); the contracts then act for the signer.
/// OpenZeppelin's audited forwarder, under the registry's own EIP-712 domain name.
contract Forwarder is ERC2771Forwarder {
    constructor() ERC2771Forwarder("DataregForwarder") {}
}
