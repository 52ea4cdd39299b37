// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IPauseFlag} from "./interfaces/IPauseFlag.sol";

/// @title PauseFlag
/// @notice See {IPauseFlag}: the council's pause switch, mirrored in the registry contract's own storage.
/// @dev Reading the flag costs a write one cold slot (2,100 gas) where calling the participant registry cost
/// 5,326 (a cold account, a call and its cold slot). The copy cannot drift: the participant registry writes it
/// in the transaction that binds the contract and in every `pause` and `unpause`, and reverts whole if a bound
/// contract refuses. Until the admin binds the contract it asks the participant registry, so no deployment is
/// ever writable while the registry is paused.
abstract contract PauseFlag is IPauseFlag {
    uint8 private constant UNBOUND = 0;
    uint8 private constant RUNNING = 1;
    uint8 private constant PAUSED = 2;

    uint8 private _pauseFlag;

    /// @dev The participant registry whose switch this contract follows.
    function _pauseSwitch() internal view virtual returns (IParticipantRegistry);

    /// @inheritdoc IPauseFlag
    function setPaused(bool paused_) external {
        if (msg.sender != address(_pauseSwitch())) revert NotParticipantRegistry(msg.sender);
        _pauseFlag = paused_ ? PAUSED : RUNNING;
    }

    /// @inheritdoc IPauseFlag
    function paused() public view returns (bool) {
        uint8 flag = _pauseFlag;
        return flag == UNBOUND ? _pauseSwitch().paused() : flag == PAUSED;
    }

    /// @dev The council's emergency stop: first in every write, so a paused registry refuses them all with
    /// `RegistryPaused` before anything else is checked.
    function _whenNotPaused() internal view {
        uint8 flag = _pauseFlag;
        // Running is the common case: one comparison.
        if (flag != RUNNING && (flag == PAUSED || _pauseSwitch().paused())) {
            revert IParticipantRegistry.RegistryPaused();
        }
    }
}
