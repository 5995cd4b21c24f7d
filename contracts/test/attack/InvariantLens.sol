// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {INodeRegistry} from "../../interfaces/INodeRegistry.sol";
import {IRewardsDistributor} from "../../interfaces/IRewardsDistributor.sol";
import {ISettlement} from "../../interfaces/ISettlement.sol";

/// @title InvariantLens
/// @notice Test helper: reads every figure the invariant tests check in one call, so a check after each
///         random action costs one eth_call instead of dozens.
contract InvariantLens {
    /// @notice Layout: [0] registry balance, [1] distributor balance (its own and its rewards vault's),
    ///         [2] settlement balance,
    ///         [3] totalActiveStake, [4] totalUnbonding, [5] totalFunded, [6] totalCommitted,
    ///         [7] totalFinalized, [8] totalClaimed, [9] pendingBonds,
    ///         then (stake, unbonding, uint160(operator)) per node, then claimed per account.
    function read(
        IERC20 token,
        INodeRegistry registry,
        IRewardsDistributor distributor,
        ISettlement settlement,
        address[] calldata nodes,
        address[] calldata accounts
    ) external view returns (uint256[] memory out) {
        out = new uint256[](10 + 3 * nodes.length + accounts.length);
        out[0] = token.balanceOf(address(registry));
        out[1] = token.balanceOf(address(distributor)) + token.balanceOf(distributor.rewardsVault());
        out[2] = token.balanceOf(address(settlement));
        out[3] = registry.totalActiveStake();
        out[4] = registry.totalUnbonding();
        out[5] = distributor.totalFunded();
        out[6] = distributor.totalCommitted();
        out[7] = distributor.totalFinalized();
        out[8] = distributor.totalClaimed();
        out[9] = settlement.pendingBonds();
        uint256 k = 10;
        // Bounded by the caller's list (a test helper, never called on chain).
        for (uint256 i = 0; i < nodes.length; ++i) {
            INodeRegistry.Node memory n = registry.getNode(nodes[i]);
            out[k++] = n.stake;
            out[k++] = n.unbonding;
            out[k++] = uint160(n.operator);
        }
        for (uint256 i = 0; i < accounts.length; ++i) {
            out[k++] = distributor.claimed(accounts[i]);
        }
    }
}
