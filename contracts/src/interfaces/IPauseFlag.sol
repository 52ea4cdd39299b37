// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title A registry contract's copy of the council's pause switch
/// @notice The switch is the ParticipantRegistry's (`pause` / `unpause`, by the council admin). Each registry
/// contract that the admin binds to it (`ParticipantRegistry.bindContracts`) keeps a copy in its own storage, which
/// the participant registry sets in the same transaction as the switch, so a write reads one slot of its own
/// contract instead of calling the participant registry. A contract not bound yet asks the participant registry.
interface IPauseFlag {
    /// @notice Thrown when anyone but the participant registry sets the flag.
    error NotParticipantRegistry(address caller);

    /// @notice Sets this contract's copy of the pause switch: called by the participant registry alone, when the
    /// admin binds the contract, pauses or unpauses.
    function setPaused(bool paused_) external;

    /// @notice Whether this contract's writes are refused with `RegistryPaused` now.
    function paused() external view returns (bool);
}
