// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEpochManager} from "./IEpochManager.sol";
import {ISettlement} from "./ISettlement.sol";
import {IPoAITimelock} from "./IPoAITimelock.sol";

/// @title INodeRegistry
/// @notice Staking and registry of PoAI GPU nodes. A node is identified by its node key's address; the
/// operator who registered it holds the stake. Minimum stake grows with the claimed throughput. Unstaking
/// waits an unbonding delay during which the stake stays slashable. Only the slasher (Settlement) slashes.
interface INodeRegistry {
    /// @notice Lifecycle of a node. `Jailed` is never stored: it is reported by `getNode` while
    /// `block.timestamp < jailedUntil` for a node that is otherwise `Active`.
    enum NodeStatus {
        None,
        Active,
        Jailed,
        Exiting
    }

    /// @notice What an operator claims a node can do.
    /// @param gpuModel Model code of the GPU class (see the oracle's class table).
    /// @param gpuCount Number of GPUs in the node (0 for a CPU class).
    /// @param gflops Claimed dense throughput of the whole node in GFLOP/s in the class's rated precision.
    /// @param vramMiB Claimed memory available to challenges, in MiB.
    /// @param region Free-form region code, e.g. "eu-west\0".
    struct HardwareClaim {
        uint16 gpuModel;
        uint16 gpuCount;
        uint32 gflops;
        uint32 vramMiB;
        bytes8 region;
    }

    /// @notice A node as stored (with `status` never `Jailed` in storage) and as returned by `getNode`.
    /// @param operator Address that registered the node, holds its stake and receives its rewards.
    /// @param status Lifecycle status (see `NodeStatus`).
    /// @param jailedUntil Unix time until which the node is jailed (0 if never jailed).
    /// @param unbondReleaseTime Unix time from which `unbonding` can be withdrawn.
    /// @param stake Active stake, counted towards the minimum stake.
    /// @param unbonding Stake waiting for the unbonding delay; still slashable.
    /// @param claim Current hardware claim.
    struct Node {
        address operator;
        NodeStatus status;
        uint64 jailedUntil;
        uint64 unbondReleaseTime;
        uint256 stake;
        uint256 unbonding;
        HardwareClaim claim;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The node key is the zero address.
    error NodeRegistryZeroNodeKey();
    /// @notice The node key is already registered (and not a fully withdrawn exited node).
    error NodeRegistryAlreadyRegistered(address node);
    /// @notice The node is not registered.
    error NodeRegistryUnknownNode(address node);
    /// @notice The caller is not the node's operator.
    error NodeRegistryNotOperator(address node, address caller);
    /// @notice The node is exiting: no more stake, claim changes or unbonding requests.
    error NodeRegistryNodeExiting(address node);
    /// @notice The registration signature's deadline has passed.
    error NodeRegistrySignatureExpired(uint256 deadline, uint256 nowTime);
    /// @notice The registration signature was not made by the node key.
    error NodeRegistryInvalidSignature(address node, address recovered);
    /// @notice The hardware claim is not acceptable (zero throughput).
    error NodeRegistryInvalidClaim();
    /// @notice The stake would be below the minimum for the node's claim.
    error NodeRegistryInsufficientStake(uint256 have, uint256 need);
    /// @notice An amount of zero was given where a positive amount is required.
    error NodeRegistryZeroAmount();
    /// @notice The unbonding request exceeds the active stake.
    error NodeRegistryUnbondExceedsStake(uint256 amount, uint256 stake);
    /// @notice Nothing is unbonding for this node.
    error NodeRegistryNothingToWithdraw(address node);
    /// @notice The unbonding delay has not passed yet.
    error NodeRegistryUnbondingNotReleased(uint256 releaseTime, uint256 nowTime);
    /// @notice The token delivered less than the requested amount (e.g. a fee-on-transfer token).
    error NodeRegistryTransferShortfall(uint256 expected, uint256 received);
    /// @notice Enumeration index past the end.
    error NodeRegistryIndexOutOfBounds(uint256 index, uint256 count);
    /// @notice The unbonding delay is outside [MIN_UNBONDING_DELAY, MAX_UNBONDING_DELAY].
    error NodeRegistryUnbondingDelayOutOfBounds(uint256 value);
    /// @notice The jail duration exceeds MAX_JAIL_DURATION.
    error NodeRegistryJailDurationOutOfBounds(uint256 value);
    /// @notice A minimum-stake parameter exceeds MAX_STAKE_PARAMETER.
    error NodeRegistryStakeParameterOutOfBounds(uint256 value);
    /// @notice The slash share is outside 1..10_000 basis points.
    error NodeRegistrySlashBpsOutOfBounds(uint256 bps);
    /// @notice An address given to the constructor or to `linkGovernance` is the zero address.
    error NodeRegistryZeroAddress();
    /// @notice `linkGovernance` was already called: the links are set once.
    error NodeRegistryGovernanceAlreadyLinked();
    /// @notice The unbonding delay cannot change before `linkGovernance` (its bounds live in other contracts).
    error NodeRegistryGovernanceNotLinked();
    /// @notice The unbonding delay would not exceed an epoch plus the dispute window (`floor`): a node could
    /// withdraw stake before the report that slashes it finalizes.
    error NodeRegistryUnbondingDelayTooShort(uint256 delay, uint256 floor);
    /// @notice The unbonding delay would not stay below the timelock's delay: an operator could no longer
    /// exit before a scheduled change applies.
    error NodeRegistryUnbondingDelayNotBelowTimelock(uint256 delay, uint256 timelockDelay);
    /// @notice The node is leased until `leasedUntil`: no unbonding, deregistration or claim change before then.
    error NodeRegistryNodeLeased(address node, uint256 leasedUntil);

    // ---------------------------------------------------------------- events

    /// @notice A node was registered with its claim and initial stake.
    event NodeRegistered(address indexed node, address indexed operator, HardwareClaim claim, uint256 stake);
    /// @notice Stake was added to a node.
    event StakeAdded(address indexed node, address indexed operator, uint256 amount, uint256 newStake);
    /// @notice The rewards distributor added `amount` of `operator`'s claimed rewards to the node's active stake.
    event RewardsStaked(address indexed node, address indexed operator, uint256 amount, uint256 newStake);
    /// @notice A node's hardware claim changed.
    event ClaimUpdated(address indexed node, HardwareClaim oldClaim, HardwareClaim newClaim);
    /// @notice Stake moved from active to unbonding; the whole unbonding amount releases at `releaseTime`.
    event UnbondRequested(address indexed node, uint256 amount, uint256 totalUnbonding, uint64 releaseTime);
    /// @notice Unbonded stake was paid out to the operator.
    event StakeWithdrawn(address indexed node, address indexed operator, uint256 amount);
    /// @notice A node left: all its active stake moved into unbonding.
    event NodeDeregistered(address indexed node, uint256 totalUnbonding, uint64 releaseTime);
    /// @notice A node was slashed (amounts taken from active stake, then unbonding) and jailed.
    event NodeSlashed(
        address indexed node, uint16 bps, uint256 fromStake, uint256 fromUnbonding, uint64 jailedUntil
    );
    /// @notice The lease manager moved the node's lease lock (the latest end of its bookings).
    event LeaseLockSet(address indexed node, uint64 oldValue, uint64 newValue);
    /// @notice The contracts whose parameters bound the unbonding delay were linked (once, at deployment).
    event GovernanceLinked(address epochs, address settlement, address timelock);
    /// @notice Governance changed the unbonding delay (seconds).
    event UnbondingDelaySet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the jail duration (seconds).
    event JailDurationSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the base of the minimum stake (token units).
    event MinStakeBaseSet(uint256 oldValue, uint256 newValue);
    /// @notice Governance changed the minimum stake per claimed TFLOP/s (token units).
    event MinStakePerTflopSet(uint256 oldValue, uint256 newValue);

    // ---------------------------------------------------------------- operator actions

    /// @notice Registers `nodeKey` for the caller with `claim` and pulls `amount` stake tokens.
    /// @param nodeKey The node key's address (the node id).
    /// @param claim The hardware claim; `amount` must cover `minimumStake(claim)`.
    /// @param amount Stake to pull from the caller.
    /// @param deadline Unix time after which `nodeSig` is no longer accepted.
    /// @param nodeSig EIP-712 `Registration(operator,nodeKey,nonce,deadline)` signed by the node key.
    function register(
        address nodeKey,
        HardwareClaim calldata claim,
        uint256 amount,
        uint256 deadline,
        bytes calldata nodeSig
    ) external;

    /// @notice `register` preceded by an ERC-2612 permit of the stake token for `amount`. A failed permit
    /// (e.g. front-run) is ignored; the transfer then needs an existing allowance.
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
    ) external;

    /// @notice Adds `amount` to the active stake of `node` (operator only).
    function topUp(address node, uint256 amount) external;

    /// @notice Replaces the claim of `node`; the active stake must cover the new minimum (operator only).
    /// Refused while the node is leased (`leasedUntil`): a lease is booked against the claim it was offered with.
    function updateClaim(address node, HardwareClaim calldata claim) external;

    /// @notice Moves `amount` of active stake into unbonding; the remaining stake must cover the minimum.
    /// Refused while the node is leased (`leasedUntil`).
    /// The release time of the whole unbonding amount restarts at now + unbonding delay.
    function requestUnbond(address node, uint256 amount) external;

    /// @notice Pays the unbonded stake of `node` to its operator once released (operator only).
    function withdraw(address node) external;

    /// @notice Moves all active stake into unbonding and marks the node Exiting (operator only). Refused while
    /// the node is leased (`leasedUntil`).
    function deregister(address node) external;

    // ---------------------------------------------------------------- rewards

    /// @notice Credits `amount` to the active stake of `node`, whose operator must be `operator`
    /// (RewardsDistributor only, through `claimToStake`, after it transferred the tokens here). Like `topUp`:
    /// refused for an unknown or exiting node and while paused; allowed for a jailed node.
    function stakeRewards(address node, address operator, uint256 amount) external;

    // ---------------------------------------------------------------- leases

    /// @notice Sets the time until which `node` is leased (LEASE_ROLE, the LeaseManager: the latest end of the
    /// node's bookings, or an earlier time when a booking is cancelled). While `block.timestamp < leasedUntil`,
    /// `requestUnbond`, `deregister` and `updateClaim` revert with `NodeRegistryNodeLeased`; slashing, top-ups
    /// and withdrawals of stake already unbonded are not affected. Refused for an unknown node.
    function setLeasedUntil(address node, uint64 until) external;

    // ---------------------------------------------------------------- slasher

    /// @notice Slashes `bps` of the node's active + unbonding stake (rounded up, never more than it has),
    /// taking active stake first, then unbonding; transfers the slashed tokens to the caller and jails the
    /// node for the jail duration. Returns 0 and changes nothing for an unknown node; for `bps` in 1..10_000
    /// (Settlement checks it when it accepts the report) it never reverts, even for a node with zero stake.
    /// @return amount The number of tokens taken.
    function slash(address node, uint16 bps) external returns (uint256 amount);

    // ---------------------------------------------------------------- governance

    /// @notice Links, once, the contracts whose parameters bound the unbonding delay (DEFAULT_ADMIN_ROLE, at
    /// deployment); checks that the current delay already satisfies both bounds of `setUnbondingDelay`.
    function linkGovernance(IEpochManager epochs, ISettlement settlement, IPoAITimelock timelock) external;
    /// @notice Sets the unbonding delay in seconds (GOVERNANCE_ROLE). It must exceed the epoch length plus the
    /// Settlement's dispute window and stay below the timelock's delay.
    function setUnbondingDelay(uint64 delay) external;
    /// @notice Sets the jail duration in seconds.
    function setJailDuration(uint64 duration) external;
    /// @notice Sets the base of the minimum stake.
    function setMinStakeBase(uint256 base) external;
    /// @notice Sets the minimum stake per claimed TFLOP/s.
    function setMinStakePerTflop(uint256 perTflop) external;
    /// @notice Stops new stake: registrations and top-ups (GUARDIAN_ROLE). It cannot take or lock funds:
    /// unbonding, withdrawal, deregistration, claim updates and slashing never check the pause.
    function pause() external;
    /// @notice Lifts a pause (GUARDIAN_ROLE).
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice Minimum active stake for `claim`: base + ceil(perTflop * gflops / 1000).
    function minimumStake(HardwareClaim calldata claim) external view returns (uint256);
    /// @notice The node record, with `status` Jailed while the jail lasts.
    function getNode(address node) external view returns (Node memory);
    /// @notice Whether `node` should be challenged and paid: Active (not jailed, not exiting) with an active
    /// stake at or above the minimum for its claim (a slash can leave a node below it).
    function isEligible(address node) external view returns (bool);
    /// @notice Time until which `node` is leased (0 if never); see `setLeasedUntil`.
    function leasedUntil(address node) external view returns (uint64);
    /// @notice Number of node keys ever registered (exited nodes stay listed).
    function nodeCount() external view returns (uint256);
    /// @notice Node key at `index` in registration order.
    function nodeAt(uint256 index) external view returns (address);
    /// @notice Up to `MAX_PAGE_SIZE` node keys starting at `offset` (fewer at the end of the list).
    function nodesPage(uint256 offset, uint256 limit) external view returns (address[] memory);
    /// @notice Sum of the active stake of all nodes.
    function totalActiveStake() external view returns (uint256);
    /// @notice Sum of the unbonding stake of all nodes.
    function totalUnbonding() external view returns (uint256);
    /// @notice The stake token.
    function stakeToken() external view returns (address);
    /// @notice Current unbonding delay (seconds).
    function unbondingDelay() external view returns (uint64);
    /// @notice Current jail duration (seconds).
    function jailDuration() external view returns (uint64);
    /// @notice Current minimum-stake base.
    function minStakeBase() external view returns (uint256);
    /// @notice Current minimum stake per TFLOP/s.
    function minStakePerTflop() external view returns (uint256);
    /// @notice The EpochManager, Settlement and timelock linked by `linkGovernance` (zero before).
    function governanceLinks() external view returns (address epochs, address settlement, address timelock);
    /// @notice Next registration nonce of `nodeKey` (consumed by each successful registration).
    function nonces(address nodeKey) external view returns (uint256);
    /// @notice EIP-712 digest of a Registration, as the node key must sign it.
    function registrationDigest(address operator, address nodeKey, uint256 nonce, uint256 deadline)
        external
        view
        returns (bytes32);
}
