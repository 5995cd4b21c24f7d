// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IPoAITimelock} from "./interfaces/IPoAITimelock.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";

/// @title PoAITimelock
/// @notice TimelockController whose delay stays above the registry's unbonding delay (checked at
/// construction and by every `updateDelay`; the registry checks the same bound when its unbonding delay
/// changes). Administers itself: no admin account is set.
contract PoAITimelock is IPoAITimelock, TimelockController {
    INodeRegistry private immutable _registry;

    /// @param minDelay Initial delay; must exceed `registry_.unbondingDelay()`.
    /// @param proposers Accounts that may schedule (and cancel) operations: governance.
    /// @param executors Accounts that may execute ready operations (`address(0)`: anyone).
    /// @param guardian Receives CANCELLER_ROLE only: it may cancel a scheduled operation, nothing else.
    /// @param registry_ The NodeRegistry whose unbonding delay bounds the delay.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address guardian,
        INodeRegistry registry_
    ) TimelockController(minDelay, proposers, executors, address(0)) {
        if (address(registry_) == address(0) || guardian == address(0)) revert PoAITimelockZeroAddress();
        _registry = registry_;
        _grantRole(CANCELLER_ROLE, guardian);
        _checkDelay(minDelay);
    }

    /// @inheritdoc IPoAITimelock
    function updateDelay(uint256 newDelay) public override(IPoAITimelock, TimelockController) {
        // The parent checks that the caller is this timelock and stores the delay; the bound is checked after
        // and reverts the whole change.
        super.updateDelay(newDelay);
        _checkDelay(newDelay);
    }

    /// @inheritdoc IPoAITimelock
    function getMinDelay() public view override(IPoAITimelock, TimelockController) returns (uint256) {
        return super.getMinDelay();
    }

    /// @inheritdoc IPoAITimelock
    function registry() external view returns (address) {
        return address(_registry);
    }

    function _checkDelay(uint256 delay) private view {
        uint256 unbonding = _registry.unbondingDelay();
        if (delay <= unbonding) revert PoAITimelockDelayNotAboveUnbonding(delay, unbonding);
    }
}
