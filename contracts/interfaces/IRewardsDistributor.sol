// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRewardsDistributor
/// @notice Holds the rewards budget in the stake token and pays cumulative Merkle claims. The root is an
/// OpenZeppelin standard tree over `[address account, uint256 cumulativeAmount]`; one claim covers every
/// finalized epoch. Accounting: `totalFunded` (ever funded), `totalCommitted` (reserved by accepted
/// reports, finalized or pending), `totalFinalized` (committed by finalized reports), `totalClaimed`.
/// The budget a new report may use is `totalFunded - totalCommitted`; claims never exceed `totalFinalized`.
/// Custody: the budget no finalized report has made claimable (`totalFunded - totalFinalized`) waits in the
/// distributor's `rewardsVault()`; `finalizeEpoch` moves each finalized amount into the distributor, so the
/// distributor's own token balance is exactly the finalized rewards not yet claimed (plus any tokens sent
/// to it directly) and a claim can never spend budget that no finalized report committed.
interface IRewardsDistributor {
    // ---------------------------------------------------------------- errors

    /// @notice An amount of zero was given where a positive amount is required.
    error RewardsDistributorZeroAmount();
    /// @notice The token delivered less than the requested amount (e.g. a fee-on-transfer token).
    error RewardsDistributorTransferShortfall(uint256 expected, uint256 received);
    /// @notice The funded-but-uncommitted budget does not cover the request.
    error RewardsDistributorInsufficientBudget(uint256 requested, uint256 available);
    /// @notice Releasing or finalizing more than is reserved by pending reports.
    error RewardsDistributorExceedsReserved(uint256 amount, uint256 reserved);
    /// @notice The Merkle proof does not prove `(account, cumulativeAmount)` under the current root.
    error RewardsDistributorInvalidProof(address account, uint256 cumulativeAmount);
    /// @notice `cumulativeAmount` is not above what `account` already claimed.
    error RewardsDistributorNothingToClaim(address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice Paying this claim would exceed the rewards of finalized reports.
    error RewardsDistributorExceedsFinalized(uint256 totalAfterClaim, uint256 totalFinalized);
    /// @notice The account is the zero address.
    error RewardsDistributorZeroAccount();
    /// @notice The token refused a payout the distributor's balance covers (e.g. the recipient rejects it).
    error RewardsDistributorPayoutFailed(address to, uint256 amount);
    /// @notice A batch's arrays differ in length, or it is empty or longer than `MAX_BATCH_CLAIMS`.
    error RewardsDistributorBadBatch(uint256 accounts, uint256 amounts, uint256 proofs);

    // ---------------------------------------------------------------- events

    /// @notice `funder` added `amount` to the rewards budget.
    event RewardsFunded(address indexed funder, uint256 amount, uint256 totalFunded);
    /// @notice An accepted report reserved `amount` of the budget.
    event BudgetReserved(uint256 amount, uint256 totalCommitted);
    /// @notice A vetoed report released `amount` of the budget.
    event BudgetReleased(uint256 amount, uint256 totalCommitted);
    /// @notice A finalized report made `amount` claimable; `rootReplaced` tells whether `root` became current.
    event EpochRewardsFinalized(uint64 indexed epoch, bytes32 root, uint256 amount, bool rootReplaced);
    /// @notice The claim root changed (only ever to a later epoch's root).
    event MerkleRootUpdated(uint64 indexed epoch, bytes32 oldRoot, bytes32 newRoot);
    /// @notice `account` claimed up to `cumulativeAmount`: the difference with its previous `RewardsClaimed`
    /// (zero before the first) was paid, to the account (`claim`, `claimBatch`; the token's `Transfer` event
    /// carries the amount) or into a node's stake (`claimToStake`, followed by the registry's `RewardsStaked`).
    /// One event per claim, kept to one topic and one word: it is part of every claim's gas.
    event RewardsClaimed(address indexed account, uint256 cumulativeAmount);

    // ---------------------------------------------------------------- actions

    /// @notice Pulls `amount` stake tokens from the caller into the rewards budget.
    function fund(uint256 amount) external;

    /// @notice Pays `account` the difference between `cumulativeAmount` and what it already claimed,
    /// given a proof of `(account, cumulativeAmount)` under the current root. Anyone may call.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external;

    /// @notice `claim` for each `(accounts[i], cumulativeAmounts[i], proofs[i])` in one transaction (at most
    /// `MAX_BATCH_CLAIMS`), all under the current root. Any failing entry (including an account listed twice)
    /// reverts the whole batch. Anyone may call.
    function claimBatch(
        address[] calldata accounts,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs
    ) external;

    /// @notice Claims the caller's rewards, as `claim(msg.sender, cumulativeAmount, proof)` would, and adds
    /// them to the active stake of `node` instead of paying them out. The caller must be the node's operator;
    /// the node must be registered and not exiting (a jailed node may be topped up, as with `topUp`), and the
    /// registry must not be paused (see `INodeRegistry.stakeRewards`).
    function claimToStake(uint256 cumulativeAmount, bytes32[] calldata proof, address node) external;

    // ---------------------------------------------------------------- settlement

    /// @notice Reserves `amount` of the budget for an accepted report (Settlement only).
    function reserveBudget(uint256 amount) external;
    /// @notice Returns `amount` of a vetoed report to the budget (Settlement only).
    function releaseBudget(uint256 amount) external;
    /// @notice Makes a finalized report's `amount` claimable and replaces the root if `epoch` is later
    /// than the current root's epoch (Settlement only).
    function finalizeEpoch(uint64 epoch, bytes32 root, uint256 amount) external;

    // ---------------------------------------------------------------- views

    /// @notice The stake token paid out.
    function rewardToken() external view returns (address);
    /// @notice The node registry that `claimToStake` stakes into.
    function stakeRegistry() external view returns (address);
    /// @notice The contract (created by the distributor) holding the budget not yet finalized.
    function rewardsVault() external view returns (address);
    /// @notice Current cumulative claim root.
    function merkleRoot() external view returns (bytes32);
    /// @notice Epoch of the current root; meaningful when `hasRoot()`.
    function rootEpoch() external view returns (uint64);
    /// @notice Whether any root was set.
    function hasRoot() external view returns (bool);
    /// @notice Cumulative amount already paid to `account`.
    function claimed(address account) external view returns (uint256);
    /// @notice Tokens ever funded.
    function totalFunded() external view returns (uint256);
    /// @notice Budget reserved by accepted reports (pending or finalized).
    function totalCommitted() external view returns (uint256);
    /// @notice Rewards of finalized reports.
    function totalFinalized() external view returns (uint256);
    /// @notice Tokens ever paid out by claims: `totalFinalized` less the distributor's own balance (exact
    /// unless tokens were sent to the distributor directly, which lowers it by that amount; never below 0).
    function totalClaimed() external view returns (uint256);
    /// @notice Funded but not yet committed: the most a new report may distribute.
    function availableBudget() external view returns (uint256);
}
