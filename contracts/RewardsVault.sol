// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title RewardsVault
/// @notice Custody of the rewards budget that no finalized report has made claimable yet. Created by the
/// RewardsDistributor in its constructor, it approves its creator for everything it will ever hold and has
/// no function: `fund` pays into it and `finalizeEpoch` takes each finalized amount out, so that the
/// distributor's own balance is exactly the finalized rewards not yet claimed (see IRewardsDistributor).
contract RewardsVault {
    using SafeERC20 for IERC20;

    /// @param token The reward token; its whole balance here may be moved by the creator only.
    constructor(IERC20 token) {
        token.forceApprove(msg.sender, type(uint256).max);
    }
}
