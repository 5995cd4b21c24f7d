// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IPoAITimelock
/// @notice The protocol's governance: OpenZeppelin's TimelockController with one extra rule, that its delay
/// always exceeds the NodeRegistry's unbonding delay. Every parameter change and role grant of the protocol
/// is scheduled here and executes only after the delay, so an operator who sees a change scheduled can
/// deregister and withdraw its whole stake before the change applies. The guardian may cancel a scheduled
/// operation (CANCELLER_ROLE) but neither propose nor execute one.
interface IPoAITimelock {
    /// @notice The delay would not exceed the registry's unbonding delay: an operator could no longer exit
    /// before a scheduled change applies.
    error PoAITimelockDelayNotAboveUnbonding(uint256 delay, uint256 unbondingDelay);
    /// @notice The registry or the guardian is the zero address.
    error PoAITimelockZeroAddress();

    /// @notice Sets the minimum delay (only through a scheduled operation of this timelock); reverts with
    /// `PoAITimelockDelayNotAboveUnbonding` unless `newDelay` exceeds the registry's unbonding delay.
    function updateDelay(uint256 newDelay) external;

    /// @notice The current minimum delay of every scheduled operation (seconds).
    function getMinDelay() external view returns (uint256);

    /// @notice The NodeRegistry whose unbonding delay bounds this timelock's delay from below.
    function registry() external view returns (address);
}
