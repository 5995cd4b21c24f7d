// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IRewardsDistributor} from "./interfaces/IRewardsDistributor.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {RewardsVault} from "./RewardsVault.sol";

/// @title RewardsDistributor
/// @notice Rewards budget and cumulative Merkle claims (OpenZeppelin standard tree of `[address, uint256]`).
/// Amounts in the tree are computed off chain rounding down, against the claimant; nothing rounds here.
/// The budget not yet finalized waits in a RewardsVault; `finalizeEpoch` moves each finalized amount here,
/// so this contract's own token balance is the finalized rewards not yet claimed and that balance is the
/// claims' solvency check: a payout above it fails (`RewardsDistributorExceedsFinalized`) with no
/// accounting slot read or written by a claim. A claim reads the root and the account's claimed amount and
/// writes the latter before paying (checks-effects-interactions); the reentrancy guard uses transient
/// storage (EIP-1153, cancun).
contract RewardsDistributor is IRewardsDistributor, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role that reserves budget and publishes roots (granted to Settlement).
    bytes32 public constant SETTLEMENT_ROLE = keccak256("SETTLEMENT_ROLE");
    /// @notice Longest proof accepted (a tree of 2^64 leaves); a longer one is an invalid proof.
    uint256 public constant MAX_PROOF_DEPTH = 64;
    /// @notice Most claims in one `claimBatch`.
    uint256 public constant MAX_BATCH_CLAIMS = 256;

    IERC20 private immutable _token;
    INodeRegistry private immutable _registry;
    address private immutable _vault;

    bytes32 private _merkleRoot;
    uint64 private _rootEpoch;
    bool private _hasRoot;
    uint256 private _totalFunded;
    uint256 private _totalCommitted;
    uint256 private _totalFinalized;
    mapping(address account => uint256 cumulativeAmount) private _claimed;

    /// @param token The reward token (the stake token).
    /// @param admin Receives DEFAULT_ADMIN_ROLE (grants SETTLEMENT_ROLE).
    /// @param registry The node registry `claimToStake` stakes into (it must grant this contract its
    /// REWARDS_ROLE).
    constructor(IERC20 token, address admin, INodeRegistry registry) {
        if (address(token) == address(0) || admin == address(0) || address(registry) == address(0)) {
            revert RewardsDistributorZeroAccount();
        }
        _token = token;
        _registry = registry;
        _vault = address(new RewardsVault(token));
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IRewardsDistributor
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert RewardsDistributorZeroAmount();
        address vault = _vault;
        uint256 before = _token.balanceOf(vault);
        _token.safeTransferFrom(msg.sender, vault, amount);
        uint256 received = _token.balanceOf(vault) - before;
        if (received != amount) revert RewardsDistributorTransferShortfall(amount, received);
        _totalFunded += amount;
        emit RewardsFunded(msg.sender, amount, _totalFunded);
    }

    /// @inheritdoc IRewardsDistributor
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        // `nonReentrant`, inlined: the same transient flag as every other guarded function.
        bytes32 guard = _reentrancyGuardStorageSlot();
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
        assembly ("memory-safe") {
            tstore(guard, 1)
        }
        uint256 payout = _record(account, cumulativeAmount, proof, _merkleRoot);
        emit RewardsClaimed(account, cumulativeAmount);
        _pay(account, payout);
        assembly ("memory-safe") {
            tstore(guard, 0)
        }
    }

    /// @inheritdoc IRewardsDistributor
    function claimBatch(
        address[] calldata accounts,
        uint256[] calldata cumulativeAmounts,
        bytes32[][] calldata proofs
    ) external nonReentrant {
        uint256 n = accounts.length;
        if (n == 0 || n > MAX_BATCH_CLAIMS || cumulativeAmounts.length != n || proofs.length != n) {
            revert RewardsDistributorBadBatch(n, cumulativeAmounts.length, proofs.length);
        }
        // One root read for the whole batch; every entry is proved against it.
        bytes32 root = _merkleRoot;
        // Loop bound: n <= MAX_BATCH_CLAIMS, checked above.
        for (uint256 i; i < n; ++i) {
            address account = accounts[i];
            uint256 cumulativeAmount = cumulativeAmounts[i];
            uint256 payout = _record(account, cumulativeAmount, proofs[i], root);
            emit RewardsClaimed(account, cumulativeAmount);
            _pay(account, payout);
        }
    }

    /// @inheritdoc IRewardsDistributor
    function claimToStake(uint256 cumulativeAmount, bytes32[] calldata proof, address node) external nonReentrant {
        uint256 payout = _record(msg.sender, cumulativeAmount, proof, _merkleRoot);
        emit RewardsClaimed(msg.sender, cumulativeAmount);
        address registry = address(_registry);
        uint256 before = _token.balanceOf(registry);
        _pay(registry, payout);
        uint256 received = _token.balanceOf(registry) - before;
        if (received != payout) revert RewardsDistributorTransferShortfall(payout, received);
        // The registry checks that the caller operates `node` and credits its active stake.
        _registry.stakeRewards(node, msg.sender, payout);
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
        // The finalized amount leaves the vault: from now on it is this contract's balance, claimable.
        // Cannot exceed the vault's balance: amount <= reserved <= funded - finalized, all of it in the vault.
        if (amount != 0) _token.safeTransferFrom(_vault, address(this), amount);
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
    function stakeRegistry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IRewardsDistributor
    function rewardsVault() external view returns (address) {
        return _vault;
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
        return _claimedFromBalance(_token.balanceOf(address(this)));
    }

    /// @inheritdoc IRewardsDistributor
    function availableBudget() external view returns (uint256) {
        return _totalFunded - _totalCommitted;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks a claim of `account` up to `cumulativeAmount` against `root` and records it; returns the
    /// payout (the difference with what it already claimed, never zero). The caller pays it.
    function _record(address account, uint256 cumulativeAmount, bytes32[] calldata proof, bytes32 root)
        private
        returns (uint256 payout)
    {
        if (account == address(0)) revert RewardsDistributorZeroAccount();
        if (!_verify(proof, root, _leaf(account, cumulativeAmount))) {
            revert RewardsDistributorInvalidProof(account, cumulativeAmount);
        }
        // `_claimed[account]`, its slot hashed once for the read and the write.
        uint256 already;
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, _claimed.slot)
            let slot := keccak256(0x00, 0x40)
            already := sload(slot)
            // Written before any token moves (checks-effects-interactions); the check below reverts it all.
            sstore(slot, cumulativeAmount)
        }
        if (cumulativeAmount <= already) revert RewardsDistributorNothingToClaim(account, cumulativeAmount, already);
        // Cannot underflow: cumulativeAmount > already checked above.
        unchecked {
            payout = cumulativeAmount - already;
        }
    }

    /// @dev Pays `amount` to `to` from this contract's balance, which holds only finalized, unclaimed rewards:
    /// the token's own balance check is the solvency check. On failure the balance tells why: above it, the
    /// claim exceeds what finalized reports committed; otherwise the token refused the transfer.
    function _pay(address to, uint256 amount) private {
        address token = address(_token);
        bool ok;
        // SafeERC20.trySafeTransfer's test over the scratch space: the call succeeded and returned true, or
        // returned nothing from an address with code. 0x40 (the free memory pointer) is restored.
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x00, 0xa9059cbb) // transfer(address,uint256)
            mstore(0x20, to)
            mstore(0x40, amount)
            ok := call(gas(), token, 0, 0x1c, 0x44, 0x00, 0x20)
            if iszero(and(ok, eq(mload(0x00), 1))) {
                ok := and(ok, and(iszero(returndatasize()), gt(extcodesize(token), 0)))
            }
            mstore(0x40, fmp)
        }
        if (!ok) {
            uint256 balance = _token.balanceOf(address(this));
            if (amount > balance) {
                // Same arguments as a check against totalClaimed: (totalClaimed + amount, totalFinalized).
                revert RewardsDistributorExceedsFinalized(_claimedFromBalance(balance) + amount, _totalFinalized);
            }
            revert RewardsDistributorPayoutFailed(to, amount);
        }
    }

    /// @dev totalFinalized - balance, at least 0 (tokens sent here directly make the balance exceed it).
    function _claimedFromBalance(uint256 balance) private view returns (uint256) {
        uint256 finalized = _totalFinalized;
        // Cannot underflow: balance < finalized in the subtracting branch.
        unchecked {
            return balance < finalized ? finalized - balance : 0;
        }
    }

    /// @dev The OpenZeppelin standard-tree leaf `keccak256(bytes.concat(keccak256(abi.encode(account, amount))))`:
    /// double-hashed, so a 64-byte inner node can never pass as a leaf. Written over the scratch space.
    function _leaf(address account, uint256 amount) private pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, amount)
            mstore(0x00, keccak256(0x00, 0x40))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @dev OpenZeppelin `MerkleProof.verifyCalldata` (sorted pairs, calldata proof) over the scratch space,
    /// without its per-step bounds check and library call; at most MAX_PROOF_DEPTH steps. Each step keeps the
    /// node at 0x20 and writes the sibling at both 0x00 and 0x40, so `(min, max)` is the 64 bytes at 0x20 when
    /// node < sibling and at 0x00 otherwise (equal words hash the same either way): one comparison, no branch.
    /// The free memory pointer at 0x40 is restored after the loop. Four steps per turn, then one at a time.
    function _verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) private pure returns (bool valid) {
        if (proof.length > MAX_PROOF_DEPTH) return false;
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x20, leaf)
            let ptr := proof.offset
            let end := add(ptr, shl(5, proof.length))
            // Loop bound: proof.length <= MAX_PROOF_DEPTH, checked above (at most 16 turns).
            for {
                let quadsEnd := add(ptr, shl(7, shr(2, proof.length)))
            } lt(ptr, quadsEnd) {
                ptr := add(ptr, 0x80)
            } {
                let s := calldataload(ptr)
                mstore(0x00, s)
                mstore(0x40, s)
                mstore(0x20, keccak256(shl(5, lt(mload(0x20), s)), 0x40))
                s := calldataload(add(ptr, 0x20))
                mstore(0x00, s)
                mstore(0x40, s)
                mstore(0x20, keccak256(shl(5, lt(mload(0x20), s)), 0x40))
                s := calldataload(add(ptr, 0x40))
                mstore(0x00, s)
                mstore(0x40, s)
                mstore(0x20, keccak256(shl(5, lt(mload(0x20), s)), 0x40))
                s := calldataload(add(ptr, 0x60))
                mstore(0x00, s)
                mstore(0x40, s)
                mstore(0x20, keccak256(shl(5, lt(mload(0x20), s)), 0x40))
            }
            // Loop bound: at most 3 remaining steps.
            for {} lt(ptr, end) {
                ptr := add(ptr, 0x20)
            } {
                let s := calldataload(ptr)
                mstore(0x00, s)
                mstore(0x40, s)
                mstore(0x20, keccak256(shl(5, lt(mload(0x20), s)), 0x40))
            }
            leaf := mload(0x20)
            mstore(0x40, fmp)
            valid := eq(leaf, root)
        }
    }
}
