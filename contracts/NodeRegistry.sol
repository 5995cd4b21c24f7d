// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {IEpochManager} from "./interfaces/IEpochManager.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {IPoAITimelock} from "./interfaces/IPoAITimelock.sol";

/// @title NodeRegistry
/// @notice Node keys, hardware claims, stake, unbonding and jailing. Slashed only by SLASHER_ROLE (Settlement).
/// SLASHER_ROLE and REWARDS_ROLE administer themselves: once the deployment has granted them to Settlement and
/// the RewardsDistributor and renounced its own, nobody (the timelock included) can grant them again.
/// Parameters: GOVERNANCE_ROLE (the timelock); pause: GUARDIAN_ROLE.
contract NodeRegistry is INodeRegistry, AccessControl, Pausable, EIP712, Nonces {
    using SafeERC20 for IERC20;

    /// @notice Role that changes parameters (the timelock).
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Role that pauses new stake and lifts the pause (the guardian, no delay).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice Role that may slash (granted to Settlement); its own admin role, so it is fixed after deployment.
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice Role that stakes claimed rewards into nodes (granted to RewardsDistributor, which pays the tokens
    /// in first); its own admin role, so it is fixed after deployment: it credits stake, so no account may hold it.
    bytes32 public constant REWARDS_ROLE = keccak256("REWARDS_ROLE");
    /// @notice Role that locks leased nodes against exit (granted to the LeaseManager); its own admin role, so it
    /// is fixed after deployment: it can keep a node from exiting, so no account may hold it.
    bytes32 public constant LEASE_ROLE = keccak256("LEASE_ROLE");
    /// @notice EIP-712 type hash of the node key's consent to be registered by `operator`.
    bytes32 public constant REGISTRATION_TYPEHASH =
        keccak256("Registration(address operator,address nodeKey,uint256 nonce,uint256 deadline)");
    /// @notice Basis-point denominator of slash shares.
    uint256 public constant BPS_DENOMINATOR = 10_000;
    /// @notice GFLOP/s per TFLOP/s, the unit of the per-TFLOP minimum-stake rate.
    uint256 public constant GFLOPS_PER_TFLOP = 1_000;
    /// @notice Shortest unbonding delay governance may set.
    uint64 public constant MIN_UNBONDING_DELAY = 1;
    /// @notice Longest unbonding delay governance may set.
    uint64 public constant MAX_UNBONDING_DELAY = 365 days;
    /// @notice Longest jail duration governance may set.
    uint64 public constant MAX_JAIL_DURATION = 365 days;
    /// @notice Largest minimum-stake base or per-TFLOP rate (keeps `minimumStake` far from overflow).
    uint256 public constant MAX_STAKE_PARAMETER = 1e36;
    /// @notice Most node keys `nodesPage` returns at once.
    uint256 public constant MAX_PAGE_SIZE = 256;

    IERC20 private immutable _token;

    uint64 private _unbondingDelay;
    uint64 private _jailDuration;
    uint256 private _minStakeBase;
    uint256 private _minStakePerTflop;
    uint256 private _totalActiveStake;
    uint256 private _totalUnbonding;

    mapping(address node => Node) private _nodes;
    mapping(address node => uint64 until) private _leasedUntil;
    address[] private _nodeList;

    /// @dev The contracts whose parameters bound the unbonding delay, set once by `linkGovernance`.
    IEpochManager private _epochs;
    ISettlement private _settlement;
    IPoAITimelock private _timelock;

    /// @param token The stake token (any standard ERC-20; fee-on-transfer tokens are refused at transfer).
    /// @param admin Receives DEFAULT_ADMIN_ROLE, GOVERNANCE_ROLE, GUARDIAN_ROLE, SLASHER_ROLE and REWARDS_ROLE: the
    /// deployer, which grants SLASHER_ROLE to Settlement and REWARDS_ROLE to the RewardsDistributor, links the
    /// governance contracts and hands the rest over.
    /// @param unbondingDelay_ Seconds between an unbonding request and its withdrawal; must exceed an epoch plus
    /// the dispute window so unbonded stake is still slashable when the epoch's report finalizes.
    /// @param jailDuration_ Seconds a slashed node stays jailed.
    /// @param minStakeBase_ Minimum stake of any node.
    /// @param minStakePerTflop_ Additional minimum stake per claimed TFLOP/s.
    constructor(
        IERC20 token,
        address admin,
        uint64 unbondingDelay_,
        uint64 jailDuration_,
        uint256 minStakeBase_,
        uint256 minStakePerTflop_
    ) EIP712("PoAI NodeRegistry", "1") {
        if (address(token) == address(0) || admin == address(0)) revert NodeRegistryZeroAddress();
        _token = token;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, admin);
        // Only a holder of SLASHER_ROLE may grant it: after the deployer renounces it, the set is final.
        _setRoleAdmin(SLASHER_ROLE, SLASHER_ROLE);
        _grantRole(SLASHER_ROLE, admin);
        // Likewise REWARDS_ROLE (credits stake the distributor has paid in): final once granted to the
        // RewardsDistributor and renounced by the deployer.
        _setRoleAdmin(REWARDS_ROLE, REWARDS_ROLE);
        _grantRole(REWARDS_ROLE, admin);
        // Likewise LEASE_ROLE (locks leased nodes): final once granted to the LeaseManager and renounced.
        _setRoleAdmin(LEASE_ROLE, LEASE_ROLE);
        _grantRole(LEASE_ROLE, admin);
        _setUnbondingDelay(unbondingDelay_);
        _setJailDuration(jailDuration_);
        _setMinStakeBase(minStakeBase_);
        _setMinStakePerTflop(minStakePerTflop_);
    }

    // ---------------------------------------------------------------- operator actions

    /// @inheritdoc INodeRegistry
    function register(
        address nodeKey,
        HardwareClaim calldata claim,
        uint256 amount,
        uint256 deadline,
        bytes calldata nodeSig
    ) external whenNotPaused {
        _register(nodeKey, claim, amount, deadline, nodeSig);
    }

    /// @inheritdoc INodeRegistry
    function registerWithPermit(
        address nodeKey,
        HardwareClaim calldata claim,
        uint256 amount,
        uint256 deadline,
        bytes calldata nodeSig,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external whenNotPaused {
        // A permit front-run by someone else has already set the allowance; ignore its failure and let the
        // transfer decide.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), amount, permitDeadline, v, r, s) {} catch {}
        _register(nodeKey, claim, amount, deadline, nodeSig);
    }

    /// @inheritdoc INodeRegistry
    function topUp(address node, uint256 amount) external whenNotPaused {
        if (amount == 0) revert NodeRegistryZeroAmount();
        Node storage n = _operatorNode(node);
        if (n.status == NodeStatus.Exiting) revert NodeRegistryNodeExiting(node);
        _pull(msg.sender, amount);
        n.stake += amount;
        _totalActiveStake += amount;
        emit StakeAdded(node, msg.sender, amount, n.stake);
    }

    /// @inheritdoc INodeRegistry
    function updateClaim(address node, HardwareClaim calldata claim) external {
        Node storage n = _operatorNode(node);
        if (n.status == NodeStatus.Exiting) revert NodeRegistryNodeExiting(node);
        _requireNotLeased(node);
        uint256 need = _minimumStake(claim);
        if (n.stake < need) revert NodeRegistryInsufficientStake(n.stake, need);
        HardwareClaim memory oldClaim = n.claim;
        n.claim = claim;
        emit ClaimUpdated(node, oldClaim, claim);
    }

    /// @inheritdoc INodeRegistry
    function requestUnbond(address node, uint256 amount) external {
        if (amount == 0) revert NodeRegistryZeroAmount();
        Node storage n = _operatorNode(node);
        if (n.status == NodeStatus.Exiting) revert NodeRegistryNodeExiting(node);
        _requireNotLeased(node);
        uint256 stake = n.stake;
        if (amount > stake) revert NodeRegistryUnbondExceedsStake(amount, stake);
        // Cannot underflow: amount <= stake checked above.
        uint256 remaining = stake - amount;
        uint256 need = _minimumStake(n.claim);
        if (remaining < need) revert NodeRegistryInsufficientStake(remaining, need);
        n.stake = remaining;
        n.unbonding += amount;
        // The whole unbonding amount restarts its delay (against the operator, never earlier than promised).
        uint64 releaseTime = uint64(block.timestamp) + _unbondingDelay;
        n.unbondReleaseTime = releaseTime;
        _totalActiveStake -= amount;
        _totalUnbonding += amount;
        emit UnbondRequested(node, amount, n.unbonding, releaseTime);
    }

    /// @inheritdoc INodeRegistry
    function withdraw(address node) external {
        Node storage n = _operatorNode(node);
        uint256 amount = n.unbonding;
        if (amount == 0) revert NodeRegistryNothingToWithdraw(node);
        if (block.timestamp < n.unbondReleaseTime) {
            revert NodeRegistryUnbondingNotReleased(n.unbondReleaseTime, block.timestamp);
        }
        n.unbonding = 0;
        _totalUnbonding -= amount;
        emit StakeWithdrawn(node, msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc INodeRegistry
    function deregister(address node) external {
        Node storage n = _operatorNode(node);
        if (n.status == NodeStatus.Exiting) revert NodeRegistryNodeExiting(node);
        _requireNotLeased(node);
        uint256 amount = n.stake;
        n.stake = 0;
        n.unbonding += amount;
        uint64 releaseTime = uint64(block.timestamp) + _unbondingDelay;
        n.unbondReleaseTime = releaseTime;
        n.status = NodeStatus.Exiting;
        _totalActiveStake -= amount;
        _totalUnbonding += amount;
        emit NodeDeregistered(node, n.unbonding, releaseTime);
    }

    // ---------------------------------------------------------------- rewards

    /// @inheritdoc INodeRegistry
    function stakeRewards(address node, address operator, uint256 amount)
        external
        onlyRole(REWARDS_ROLE)
        whenNotPaused
    {
        Node storage n = _nodes[node];
        if (n.status == NodeStatus.None) revert NodeRegistryUnknownNode(node);
        if (n.operator != operator) revert NodeRegistryNotOperator(node, operator);
        if (n.status == NodeStatus.Exiting) revert NodeRegistryNodeExiting(node);
        n.stake += amount;
        _totalActiveStake += amount;
        emit RewardsStaked(node, operator, amount, n.stake);
    }

    // ---------------------------------------------------------------- leases

    /// @inheritdoc INodeRegistry
    function setLeasedUntil(address node, uint64 until) external onlyRole(LEASE_ROLE) {
        if (_nodes[node].status == NodeStatus.None) revert NodeRegistryUnknownNode(node);
        uint64 oldValue = _leasedUntil[node];
        _leasedUntil[node] = until;
        emit LeaseLockSet(node, oldValue, until);
    }

    // ---------------------------------------------------------------- slasher

    /// @inheritdoc INodeRegistry
    function slash(address node, uint16 bps) external onlyRole(SLASHER_ROLE) returns (uint256 amount) {
        if (bps == 0 || bps > BPS_DENOMINATOR) revert NodeRegistrySlashBpsOutOfBounds(bps);
        Node storage n = _nodes[node];
        if (n.status == NodeStatus.None) return 0;
        uint256 stake = n.stake;
        uint256 unbonding = n.unbonding;
        // Rounds up, against the slashed party; bps <= 10_000 keeps amount <= stake + unbonding.
        amount = Math.mulDiv(stake + unbonding, bps, BPS_DENOMINATOR, Math.Rounding.Ceil);
        uint256 fromStake = amount < stake ? amount : stake;
        // Cannot underflow: fromStake <= amount; and amount - fromStake <= unbonding since amount <= total.
        uint256 fromUnbonding = amount - fromStake;
        n.stake = stake - fromStake;
        n.unbonding = unbonding - fromUnbonding;
        _totalActiveStake -= fromStake;
        _totalUnbonding -= fromUnbonding;
        uint64 jailedUntil = uint64(block.timestamp) + _jailDuration;
        // A second slash never shortens an existing jail.
        if (jailedUntil > n.jailedUntil) n.jailedUntil = jailedUntil;
        emit NodeSlashed(node, bps, fromStake, fromUnbonding, n.jailedUntil);
        if (amount > 0) _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc INodeRegistry
    function linkGovernance(IEpochManager epochs, ISettlement settlement, IPoAITimelock timelock)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (address(_timelock) != address(0)) revert NodeRegistryGovernanceAlreadyLinked();
        if (address(epochs) == address(0) || address(settlement) == address(0) || address(timelock) == address(0)) {
            revert NodeRegistryZeroAddress();
        }
        _epochs = epochs;
        _settlement = settlement;
        _timelock = timelock;
        _checkUnbondingInvariants(_unbondingDelay);
        emit GovernanceLinked(address(epochs), address(settlement), address(timelock));
    }

    /// @inheritdoc INodeRegistry
    function setUnbondingDelay(uint64 delay) external onlyRole(GOVERNANCE_ROLE) {
        if (address(_timelock) == address(0)) revert NodeRegistryGovernanceNotLinked();
        _setUnbondingDelay(delay);
        // Checked after the bounds: a failure reverts the whole change.
        _checkUnbondingInvariants(delay);
    }

    /// @inheritdoc INodeRegistry
    function setJailDuration(uint64 duration) external onlyRole(GOVERNANCE_ROLE) {
        _setJailDuration(duration);
    }

    /// @inheritdoc INodeRegistry
    function setMinStakeBase(uint256 base) external onlyRole(GOVERNANCE_ROLE) {
        _setMinStakeBase(base);
    }

    /// @inheritdoc INodeRegistry
    function setMinStakePerTflop(uint256 perTflop) external onlyRole(GOVERNANCE_ROLE) {
        _setMinStakePerTflop(perTflop);
    }

    /// @inheritdoc INodeRegistry
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc INodeRegistry
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc INodeRegistry
    function minimumStake(HardwareClaim calldata claim) external view returns (uint256) {
        return _minimumStake(claim);
    }

    /// @inheritdoc INodeRegistry
    function getNode(address node) external view returns (Node memory n) {
        n = _nodes[node];
        if (n.status == NodeStatus.Active && block.timestamp < n.jailedUntil) n.status = NodeStatus.Jailed;
    }

    /// @inheritdoc INodeRegistry
    function isEligible(address node) external view returns (bool) {
        Node storage n = _nodes[node];
        if (n.status != NodeStatus.Active || block.timestamp < n.jailedUntil) return false;
        return n.stake >= _minimumStake(n.claim);
    }

    /// @inheritdoc INodeRegistry
    function leasedUntil(address node) external view returns (uint64) {
        return _leasedUntil[node];
    }

    /// @inheritdoc INodeRegistry
    function nodeCount() external view returns (uint256) {
        return _nodeList.length;
    }

    /// @inheritdoc INodeRegistry
    function nodeAt(uint256 index) external view returns (address) {
        uint256 count = _nodeList.length;
        if (index >= count) revert NodeRegistryIndexOutOfBounds(index, count);
        return _nodeList[index];
    }

    /// @inheritdoc INodeRegistry
    function nodesPage(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        uint256 count = _nodeList.length;
        if (offset >= count) return new address[](0);
        if (limit > MAX_PAGE_SIZE) limit = MAX_PAGE_SIZE;
        // Cannot underflow: offset < count.
        uint256 size = count - offset < limit ? count - offset : limit;
        page = new address[](size);
        // Bounded by MAX_PAGE_SIZE.
        for (uint256 i = 0; i < size; ++i) {
            page[i] = _nodeList[offset + i];
        }
    }

    /// @inheritdoc INodeRegistry
    function totalActiveStake() external view returns (uint256) {
        return _totalActiveStake;
    }

    /// @inheritdoc INodeRegistry
    function totalUnbonding() external view returns (uint256) {
        return _totalUnbonding;
    }

    /// @inheritdoc INodeRegistry
    function stakeToken() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc INodeRegistry
    function unbondingDelay() external view returns (uint64) {
        return _unbondingDelay;
    }

    /// @inheritdoc INodeRegistry
    function jailDuration() external view returns (uint64) {
        return _jailDuration;
    }

    /// @inheritdoc INodeRegistry
    function minStakeBase() external view returns (uint256) {
        return _minStakeBase;
    }

    /// @inheritdoc INodeRegistry
    function minStakePerTflop() external view returns (uint256) {
        return _minStakePerTflop;
    }

    /// @inheritdoc INodeRegistry
    function governanceLinks() external view returns (address epochs, address settlement, address timelock) {
        return (address(_epochs), address(_settlement), address(_timelock));
    }

    /// @inheritdoc INodeRegistry
    function nonces(address nodeKey) public view override(INodeRegistry, Nonces) returns (uint256) {
        return super.nonces(nodeKey);
    }

    /// @inheritdoc INodeRegistry
    function registrationDigest(address operator, address nodeKey, uint256 nonce, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(REGISTRATION_TYPEHASH, operator, nodeKey, nonce, deadline)));
    }

    // ---------------------------------------------------------------- internals

    function _register(
        address nodeKey,
        HardwareClaim calldata claim,
        uint256 amount,
        uint256 deadline,
        bytes calldata nodeSig
    ) private {
        if (nodeKey == address(0)) revert NodeRegistryZeroNodeKey();
        Node storage n = _nodes[nodeKey];
        bool known = n.status != NodeStatus.None;
        // An exited node whose stake is fully withdrawn may be registered again (its jail carries over). An
        // Exiting node's active stake is always 0 (deregister moved it, topUp refuses), so unbonding decides.
        if (known && (n.status != NodeStatus.Exiting || n.unbonding != 0)) {
            revert NodeRegistryAlreadyRegistered(nodeKey);
        }
        if (block.timestamp > deadline) revert NodeRegistrySignatureExpired(deadline, block.timestamp);
        bytes32 digest = registrationDigest(msg.sender, nodeKey, _useNonce(nodeKey), deadline);
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, nodeSig);
        if (err != ECDSA.RecoverError.NoError || recovered != nodeKey) {
            revert NodeRegistryInvalidSignature(nodeKey, recovered);
        }
        uint256 need = _minimumStake(claim);
        if (amount < need) revert NodeRegistryInsufficientStake(amount, need);
        _pull(msg.sender, amount);
        if (!known) _nodeList.push(nodeKey);
        n.operator = msg.sender;
        n.status = NodeStatus.Active;
        n.unbondReleaseTime = 0;
        n.stake = amount;
        n.claim = claim;
        _totalActiveStake += amount;
        emit NodeRegistered(nodeKey, msg.sender, claim, amount);
    }

    function _requireNotLeased(address node) private view {
        uint64 until = _leasedUntil[node];
        if (block.timestamp < until) revert NodeRegistryNodeLeased(node, until);
    }

    function _operatorNode(address node) private view returns (Node storage n) {
        n = _nodes[node];
        if (n.status == NodeStatus.None) revert NodeRegistryUnknownNode(node);
        if (n.operator != msg.sender) revert NodeRegistryNotOperator(node, msg.sender);
    }

    function _minimumStake(HardwareClaim calldata claim) private view returns (uint256) {
        if (claim.gflops == 0) revert NodeRegistryInvalidClaim();
        // Rounds up, against the operator.
        return _minStakeBase + Math.mulDiv(_minStakePerTflop, claim.gflops, GFLOPS_PER_TFLOP, Math.Rounding.Ceil);
    }

    function _minimumStake(HardwareClaim storage claim) private view returns (uint256) {
        // Rounds up, against the operator.
        return _minStakeBase + Math.mulDiv(_minStakePerTflop, claim.gflops, GFLOPS_PER_TFLOP, Math.Rounding.Ceil);
    }

    /// @dev Pulls exactly `amount` or reverts: a token that delivers less (fee on transfer) is refused.
    function _pull(address from, uint256 amount) private {
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(from, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert NodeRegistryTransferShortfall(amount, received);
    }

    /// @dev The unbonding delay must exceed an epoch plus the dispute window (stake unbonded during an epoch is
    /// still slashable when that epoch's report finalizes) and stay below the timelock's delay (an operator
    /// can exit before a scheduled change applies).
    function _checkUnbondingInvariants(uint64 delay) private view {
        // Two uint64 values summed in uint256: cannot overflow.
        uint256 floor = uint256(_epochs.epochLength()) + _settlement.disputeWindow();
        if (delay <= floor) revert NodeRegistryUnbondingDelayTooShort(delay, floor);
        uint256 ceiling = _timelock.getMinDelay();
        if (delay >= ceiling) revert NodeRegistryUnbondingDelayNotBelowTimelock(delay, ceiling);
    }

    function _setUnbondingDelay(uint64 delay) private {
        if (delay < MIN_UNBONDING_DELAY || delay > MAX_UNBONDING_DELAY) {
            revert NodeRegistryUnbondingDelayOutOfBounds(delay);
        }
        uint64 oldValue = _unbondingDelay;
        _unbondingDelay = delay;
        emit UnbondingDelaySet(oldValue, delay);
    }

    function _setJailDuration(uint64 duration) private {
        if (duration > MAX_JAIL_DURATION) revert NodeRegistryJailDurationOutOfBounds(duration);
        uint64 oldValue = _jailDuration;
        _jailDuration = duration;
        emit JailDurationSet(oldValue, duration);
    }

    function _setMinStakeBase(uint256 base) private {
        if (base > MAX_STAKE_PARAMETER) revert NodeRegistryStakeParameterOutOfBounds(base);
        uint256 oldValue = _minStakeBase;
        _minStakeBase = base;
        emit MinStakeBaseSet(oldValue, base);
    }

    function _setMinStakePerTflop(uint256 perTflop) private {
        if (perTflop > MAX_STAKE_PARAMETER) revert NodeRegistryStakeParameterOutOfBounds(perTflop);
        uint256 oldValue = _minStakePerTflop;
        _minStakePerTflop = perTflop;
        emit MinStakePerTflopSet(oldValue, perTflop);
    }
}
