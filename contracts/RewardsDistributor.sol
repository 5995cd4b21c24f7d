// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IRewardsDistributor} from "./interfaces/IRewardsDistributor.sol";

/// @title RewardsDistributor
/// @notice Rewards budget and cumulative Merkle claims (OpenZeppelin standard tree of `[address, uint256]`).
/// Amounts in the tree are computed off chain rounding down, against the claimant; nothing rounds here.
/// `claim` touches a single accounting slot, `_unclaimedFinalized` (= totalFinalized - totalClaimed):
/// `totalClaimed()` is derived from it, so the check that claims never exceed finalized rewards costs one
/// storage read and write per claim. The reentrancy guard uses transient storage (EIP-1153, cancun).
contract RewardsDistributor is IRewardsDistributor, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role that reserves budget and publishes roots (granted to Settlement).
    bytes32 public constant SETTLEMENT_ROLE = keccak256("SETTLEMENT_ROLE");

    IERC20 private immutable _token;

    bytes32 private _merkleRoot;
    uint64 private _rootEpoch;
    bool private _hasRoot;
    uint256 private _totalFunded;
    uint256 private _totalCommitted;
    uint256 private _totalFinalized;
    /// @dev Finalized rewards not yet claimed: totalFinalized - totalClaimed, never negative.
    uint256 private _unclaimedFinalized;
    mapping(address account => uint256 cumulativeAmount) private _claimed;

    /// @param token The reward token (the stake token).
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants SETTLEMENT_ROLE).
    constructor(IERC20 token, address admin) {
        if (address(token) == address(0) || admin == address(0)) revert RewardsDistributorZeroAccount();
        _token = token;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IRewardsDistributor
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert RewardsDistributorZeroAmount();
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert RewardsDistributorTransferShortfall(amount, received);
        _totalFunded += amount;
        emit RewardsFunded(msg.sender, amount, _totalFunded);
    }

    /// @inheritdoc IRewardsDistributor
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external nonReentrant {
        if (account == address(0)) revert RewardsDistributorZeroAccount();
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, _merkleRoot, leaf)) {
            revert RewardsDistributorInvalidProof(account, cumulativeAmount);
        }
        uint256 already = _claimed[account];
        if (cumulativeAmount <= already) revert RewardsDistributorNothingToClaim(account, cumulativeAmount, already);
        // Cannot underflow: cumulativeAmount > already checked above.
        uint256 payout = cumulativeAmount - already;
        uint256 unclaimed = _unclaimedFinalized;
        // A faulty root can never pay out budget that no finalized report committed:
        // payout <= totalFinalized - totalClaimed  <=>  totalClaimed + payout <= totalFinalized.
        if (payout > unclaimed) {
            // Revert path only. Cannot underflow: unclaimed <= totalFinalized. Checked addition, as before.
            uint256 finalized = _totalFinalized;
            revert RewardsDistributorExceedsFinalized(finalized - unclaimed + payout, finalized);
        }
        _claimed[account] = cumulativeAmount;
        // Cannot underflow: payout <= unclaimed checked above.
        _unclaimedFinalized = unclaimed - payout;
        emit RewardsClaimed(account, msg.sender, payout, cumulativeAmount);
        _token.safeTransfer(account, payout);
    }

    /// @inheritdoc IRewardsDistributor
    function reserveBudget(uint256 amount) external onlyRole(SETTLEMENT_ROLE) {
        // Cannot underflow: committed only grows through this check.
        uint256 available = _totalFunded - _totalCommitted;
        if (amount > available) revert RewardsDistributorInsufficientBudget(amount, available);
        _totalCommitted += amount;
        emit BudgetReserved(amount, _totalCommitted);
    }

    /// @inheritdoc IRewardsDistributor
    function releaseBudget(uint256 amount) external onlyRole(SETTLEMENT_ROLE) {
        uint256 reserved = _totalCommitted - _totalFinalized;
        if (amount > reserved) revert RewardsDistributorExceedsReserved(amount, reserved);
        _totalCommitted -= amount;
        emit BudgetReleased(amount, _totalCommitted);
    }

    /// @inheritdoc IRewardsDistributor
    function finalizeEpoch(uint64 epoch, bytes32 root, uint256 amount) external onlyRole(SETTLEMENT_ROLE) {
        uint256 reserved = _totalCommitted - _totalFinalized;
        if (amount > reserved) revert RewardsDistributorExceedsReserved(amount, reserved);
        _totalFinalized += amount;
        // Cannot overflow: unclaimed <= totalFinalized, which the checked addition above bounds.
        _unclaimedFinalized += amount;
        // The root only moves forward: an older epoch finalized late keeps the later cumulative root.
        bool replace = !_hasRoot || epoch > _rootEpoch;
        if (replace) {
            bytes32 oldRoot = _merkleRoot;
            _merkleRoot = root;
            _rootEpoch = epoch;
            _hasRoot = true;
            emit MerkleRootUpdated(epoch, oldRoot, root);
        }
        emit EpochRewardsFinalized(epoch, root, amount, replace);
    }

    /// @inheritdoc IRewardsDistributor
    function rewardToken() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRewardsDistributor
    function merkleRoot() external view returns (bytes32) {
        return _merkleRoot;
    }

    /// @inheritdoc IRewardsDistributor
    function rootEpoch() external view returns (uint64) {
        return _rootEpoch;
    }

    /// @inheritdoc IRewardsDistributor
    function hasRoot() external view returns (bool) {
        return _hasRoot;
    }

    /// @inheritdoc IRewardsDistributor
    function claimed(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IRewardsDistributor
    function totalFunded() external view returns (uint256) {
        return _totalFunded;
    }

    /// @inheritdoc IRewardsDistributor
    function totalCommitted() external view returns (uint256) {
        return _totalCommitted;
    }

    /// @inheritdoc IRewardsDistributor
    function totalFinalized() external view returns (uint256) {
        return _totalFinalized;
    }

    /// @inheritdoc IRewardsDistributor
    function totalClaimed() external view returns (uint256) {
        // Cannot underflow: unclaimed <= totalFinalized.
        return _totalFinalized - _unclaimedFinalized;
    }

    /// @inheritdoc IRewardsDistributor
    function availableBudget() external view returns (uint256) {
        return _totalFunded - _totalCommitted;
    }
}
