// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ILeaseManager} from "./interfaces/ILeaseManager.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {IEpochManager} from "./interfaces/IEpochManager.sol";

/// @title LeaseManager
/// @notice Escrowed leases of GPU nodes for `[start, end)`, no overlap per node, no exit during a lease, settled
/// from the committee's finalized epoch report (see ILeaseManager for the lifecycle and docs/leases.md for the
/// rules and the threat model). Holds escrow only; no role can move it.
contract LeaseManager is ILeaseManager, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Role that changes parameters (the timelock).
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Most nodes in one lease (a cluster): bounds every loop over a lease's nodes.
    uint256 public constant MAX_LEASE_NODES = 16;
    /// @notice Most bookings of one node that have not ended: bounds the overlap check and the lock's
    /// recomputation at booking and cancellation.
    uint256 public constant MAX_BOOKINGS_PER_NODE = 16;
    /// @notice Longest lease, in hours (90 days): an operator's exit can be held back this long plus
    /// MAX_BOOKING_AHEAD by a booking it offered.
    uint32 public constant MAX_LEASE_HOURS = 2160;
    /// @notice Furthest ahead a lease may start.
    uint64 public constant MAX_BOOKING_AHEAD = 30 days;
    /// @notice Highest price per hour of one node (keeps sum(price) * hours far from overflow).
    uint96 public constant MAX_PRICE_PER_HOUR = type(uint96).max;
    /// @notice Shortest booking and cancellation notice governance may set.
    uint64 public constant MIN_NOTICE = 1 minutes;
    /// @notice Longest booking and cancellation notice governance may set.
    uint64 public constant MAX_NOTICE = 7 days;
    /// @notice Shortest settlement timeout governance may set (it must also exceed an epoch plus the window).
    uint64 public constant MIN_SETTLE_TIMEOUT = 1 hours;
    /// @notice Longest settlement timeout governance may set.
    uint64 public constant MAX_SETTLE_TIMEOUT = 90 days;
    /// @notice Longest proof accepted (a tree of 2^64 leaves); a longer one is an invalid proof.
    uint256 public constant MAX_PROOF_DEPTH = 64;
    /// @notice Basis-point denominator of compliant shares.
    uint16 public constant BPS_DENOMINATOR = 10_000;

    IERC20 private immutable _token;
    INodeRegistry private immutable _registry;
    ISettlement private immutable _settlement;
    IEpochManager private immutable _epochs;

    uint64 private _notice;
    uint64 private _settleTimeout;
    uint256 private _leaseCount;
    uint256 private _totalEscrow;

    mapping(address node => Offer) private _offers;
    mapping(uint256 leaseId => Lease) private _leases;
    mapping(uint256 leaseId => LeaseNode[]) private _leaseNodes;
    /// @dev Lease ids of each node that may not have ended; at most MAX_BOOKINGS_PER_NODE.
    mapping(address node => uint256[]) private _bookings;

    /// @param registry_ The NodeRegistry (must grant this contract LEASE_ROLE); its stake token is the escrow token.
    /// @param settlement_ The Settlement whose finalized reports carry the leases roots.
    /// @param epochs_ The EpochManager (epoch ends, and the epoch length bounding `settleTimeout`).
    /// @param admin Receives DEFAULT_ADMIN_ROLE and GOVERNANCE_ROLE (the deployer, which hands them to the timelock).
    /// @param notice_ Initial booking and cancellation notice (seconds).
    /// @param settleTimeout_ Initial settlement timeout (seconds).
    constructor(
        INodeRegistry registry_,
        ISettlement settlement_,
        IEpochManager epochs_,
        address admin,
        uint64 notice_,
        uint64 settleTimeout_
    ) {
        if (
            address(registry_) == address(0) || address(settlement_) == address(0) || address(epochs_) == address(0)
                || admin == address(0)
        ) revert LeaseZeroAddress();
        _registry = registry_;
        _settlement = settlement_;
        _epochs = epochs_;
        _token = IERC20(registry_.stakeToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _setNotice(notice_);
        _setSettleTimeout(settleTimeout_);
    }

    // ---------------------------------------------------------------- operators

    /// @inheritdoc ILeaseManager
    function setOffer(address node, uint96 pricePerHour, uint32 minHours, uint32 maxHours) external {
        INodeRegistry.Node memory n = _registry.getNode(node);
        if (n.status == INodeRegistry.NodeStatus.None) revert LeaseUnknownNode(node);
        if (n.operator != msg.sender) revert LeaseNotOperator(node, msg.sender);
        // MAX_PRICE_PER_HOUR is type(uint96).max: the upper bound is the parameter's type.
        if (pricePerHour == 0) revert LeasePriceOutOfBounds(pricePerHour);
        if (minHours == 0 || minHours > maxHours || maxHours > MAX_LEASE_HOURS) {
            revert LeaseHoursOutOfBounds(minHours, maxHours);
        }
        _offers[node] =
            Offer({operator: msg.sender, pricePerHour: pricePerHour, minHours: minHours, maxHours: maxHours});
        emit OfferSet(node, msg.sender, pricePerHour, minHours, maxHours);
    }

    /// @inheritdoc ILeaseManager
    function withdrawOffer(address node) external {
        address maker = _offers[node].operator;
        if (maker == address(0)) revert LeaseNotOffered(node);
        if (msg.sender != maker && _registry.getNode(node).operator != msg.sender) {
            revert LeaseNotOperator(node, msg.sender);
        }
        delete _offers[node];
        emit OfferWithdrawn(node, msg.sender);
    }

    // ---------------------------------------------------------------- renters

    /// @inheritdoc ILeaseManager
    function book(address[] calldata nodes, uint64 start, uint64 end, address renterKey, uint256 maxEscrow)
        external
        nonReentrant
        returns (uint256)
    {
        return _book(nodes, start, end, renterKey, maxEscrow);
    }

    /// @inheritdoc ILeaseManager
    function bookWithPermit(
        address[] calldata nodes,
        uint64 start,
        uint64 end,
        address renterKey,
        uint256 maxEscrow,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (uint256) {
        // A permit front-run by someone else has already set the allowance; ignore its failure and let the
        // transfer decide.
        IERC20Permit permitToken = IERC20Permit(address(_token));
        // solhint-disable-next-line no-empty-blocks
        try permitToken.permit(msg.sender, address(this), maxEscrow, permitDeadline, v, r, s) {} catch {}
        return _book(nodes, start, end, renterKey, maxEscrow);
    }

    /// @inheritdoc ILeaseManager
    function cancel(uint256 leaseId) external nonReentrant {
        Lease storage lease = _booked(leaseId);
        address renter = lease.renter;
        if (msg.sender != renter) revert LeaseNotRenter(leaseId, msg.sender);
        uint64 start = lease.start;
        // Two uint64 values summed in uint256: cannot overflow.
        // Cannot underflow: start >= the booking's time + notice at booking, a unix time far above MAX_NOTICE.
        if (block.timestamp + _notice > start) revert LeaseCancelClosed(leaseId, start - _notice);
        lease.status = LeaseStatus.Cancelled;
        uint256 refund = lease.escrow;
        _totalEscrow -= refund;
        LeaseNode[] storage ns = _leaseNodes[leaseId];
        uint256 count = ns.length;
        // Bounded by MAX_LEASE_NODES, each step by MAX_BOOKINGS_PER_NODE.
        for (uint256 i = 0; i < count; ++i) {
            address node = ns[i].node;
            _registry.setLeasedUntil(node, _lockOf(node));
        }
        emit LeaseCancelled(leaseId, renter, refund);
        _token.safeTransfer(renter, refund);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc ILeaseManager
    function settle(uint256 leaseId, uint64 epoch, uint16[] calldata compliantBps, bytes32[] calldata proof)
        external
        nonReentrant
    {
        Lease storage lease = _booked(leaseId);
        _checkSettlement(leaseId, lease, epoch, compliantBps, proof);
        lease.status = LeaseStatus.Settled;
        uint256 escrow = lease.escrow;
        _totalEscrow -= escrow;
        (address[] memory payees, uint256[] memory amounts, uint256 toOperators) =
            _shares(leaseId, lease, compliantBps);
        // Cannot underflow: each amount <= price_i * hours and escrow = sum(price_i) * hours.
        uint256 toRenter = escrow - toOperators;
        emit LeaseSettled(leaseId, epoch, toOperators, toRenter);
        // Interactions last (every state change above is done). Bounded by MAX_LEASE_NODES.
        uint256 count = payees.length;
        for (uint256 i = 0; i < count; ++i) {
            if (amounts[i] > 0) _token.safeTransfer(payees[i], amounts[i]);
        }
        if (toRenter > 0) _token.safeTransfer(lease.renter, toRenter);
    }

    /// @inheritdoc ILeaseManager
    function reclaim(uint256 leaseId) external nonReentrant {
        Lease storage lease = _booked(leaseId);
        // Two uint64 values summed in uint256: cannot overflow.
        uint256 reclaimableAt = uint256(lease.end) + _settleTimeout;
        if (block.timestamp < reclaimableAt) revert LeaseNotReclaimable(leaseId, reclaimableAt);
        lease.status = LeaseStatus.Reclaimed;
        uint256 refund = lease.escrow;
        _totalEscrow -= refund;
        address renter = lease.renter;
        emit LeaseReclaimed(leaseId, renter, refund);
        _token.safeTransfer(renter, refund);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ILeaseManager
    function setNotice(uint64 notice_) external onlyRole(GOVERNANCE_ROLE) {
        _setNotice(notice_);
    }

    /// @inheritdoc ILeaseManager
    function setSettleTimeout(uint64 timeout) external onlyRole(GOVERNANCE_ROLE) {
        _setSettleTimeout(timeout);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ILeaseManager
    function offerOf(address node) external view returns (Offer memory) {
        return _offers[node];
    }

    /// @inheritdoc ILeaseManager
    function leaseOf(uint256 leaseId) external view returns (Lease memory) {
        return _leases[leaseId];
    }

    /// @inheritdoc ILeaseManager
    function leaseNodes(uint256 leaseId) external view returns (LeaseNode[] memory) {
        return _leaseNodes[leaseId];
    }

    /// @inheritdoc ILeaseManager
    function bookingsOf(address node) external view returns (uint256[] memory) {
        return _bookings[node];
    }

    /// @inheritdoc ILeaseManager
    function leaseCount() external view returns (uint256) {
        return _leaseCount;
    }

    /// @inheritdoc ILeaseManager
    function totalEscrow() external view returns (uint256) {
        return _totalEscrow;
    }

    /// @inheritdoc ILeaseManager
    function settlementLeaf(uint256 leaseId, uint16[] calldata compliantBps) external view returns (bytes32) {
        return _leaf(leaseId, compliantBps);
    }

    /// @inheritdoc ILeaseManager
    function notice() external view returns (uint64) {
        return _notice;
    }

    /// @inheritdoc ILeaseManager
    function settleTimeout() external view returns (uint64) {
        return _settleTimeout;
    }

    /// @inheritdoc ILeaseManager
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc ILeaseManager
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ILeaseManager
    function settlement() external view returns (address) {
        return address(_settlement);
    }

    /// @inheritdoc ILeaseManager
    function epochs() external view returns (address) {
        return address(_epochs);
    }

    // ---------------------------------------------------------------- internals

    function _book(address[] calldata nodes, uint64 start, uint64 end, address renterKey, uint256 maxEscrow)
        private
        returns (uint256 leaseId)
    {
        if (nodes.length == 0 || nodes.length > MAX_LEASE_NODES) revert LeaseNodeCountOutOfBounds(nodes.length);
        if (renterKey == address(0)) revert LeaseZeroRenterKey();
        leaseId = ++_leaseCount;
        uint256 escrow = _reserveNodes(nodes, leaseId, start, end, _checkWindow(start, end));
        if (escrow > maxEscrow) revert LeaseEscrowAboveMax(escrow, maxEscrow);
        _leases[leaseId] = Lease({
            renter: msg.sender,
            start: start,
            end: end,
            renterKey: renterKey,
            status: LeaseStatus.Booked,
            // Fits: nodes.length <= MAX_LEASE_NODES.
            nodeCount: uint8(nodes.length),
            escrow: escrow
        });
        _totalEscrow += escrow;
        emit LeaseBooked(leaseId, msg.sender, renterKey, start, end, escrow, nodes);
        _pull(escrow);
    }

    /// @dev Pulls `amount` from the caller and checks that all of it arrived.
    function _pull(uint256 amount) private {
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert LeaseTransferShortfall(amount, received);
    }

    /// @dev A non-empty whole number of hours, starting between now + notice and now + MAX_BOOKING_AHEAD.
    /// Returns the hours.
    function _checkWindow(uint64 start, uint64 end) private view returns (uint256) {
        if (end <= start || (end - start) % 1 hours != 0) revert LeaseWindowNotWholeHours(start, end);
        uint256 earliest = block.timestamp + _notice;
        if (start < earliest) revert LeaseStartTooSoon(start, earliest);
        uint256 latest = block.timestamp + MAX_BOOKING_AHEAD;
        if (start > latest) revert LeaseStartTooLate(start, latest);
        // Exact: the window is a whole number of hours (checked above).
        return (end - start) / 1 hours;
    }

    /// @dev Checks and reserves each node for the lease, locks it in the registry and records its price.
    /// Returns the escrow: the sum of the nodes' prices per hour times the hours.
    function _reserveNodes(address[] calldata nodes, uint256 leaseId, uint64 start, uint64 end, uint256 hours_)
        private
        returns (uint256 escrow)
    {
        uint256 pricePerHourSum = 0;
        LeaseNode[] storage ns = _leaseNodes[leaseId];
        uint256 count = nodes.length;
        // Bounded by MAX_LEASE_NODES (checked by the caller); the duplicate check by MAX_LEASE_NODES^2 / 2.
        for (uint256 i = 0; i < count; ++i) {
            address node = nodes[i];
            for (uint256 j = 0; j < i; ++j) {
                if (nodes[j] == node) revert LeaseDuplicateNode(node);
            }
            uint96 price = _checkBookable(node, hours_);
            _registry.setLeasedUntil(node, _reserve(node, leaseId, start, end));
            ns.push(LeaseNode({node: node, pricePerHour: price}));
            pricePerHourSum += price;
        }
        // Cannot overflow: the sum is below 16 * 2^96 and hours <= MAX_LEASE_HOURS (each node's offer bounds it).
        escrow = pricePerHourSum * hours_;
    }

    /// @dev The node's offer must stand (made by its current operator) and accept `hours_`; the node must be
    /// eligible (Active, not jailed, stake at the minimum) with nothing unbonding. Returns its price.
    function _checkBookable(address node, uint256 hours_) private view returns (uint96) {
        Offer memory offer = _offers[node];
        if (offer.operator == address(0)) revert LeaseNotOffered(node);
        INodeRegistry.Node memory n = _registry.getNode(node);
        if (n.operator != offer.operator) revert LeaseNotOffered(node);
        if (hours_ < offer.minHours || hours_ > offer.maxHours) {
            revert LeaseHoursNotOffered(node, hours_, offer.minHours, offer.maxHours);
        }
        if (!_registry.isEligible(node)) revert LeaseNodeNotEligible(node);
        if (n.unbonding != 0) revert LeaseNodeUnbonding(node, n.unbonding);
        return offer.pricePerHour;
    }

    /// @dev Prunes the node's ended and no longer booked leases, refuses an overlap with the others, records
    /// `leaseId` and returns the node's new lock: the latest end of its bookings.
    function _reserve(address node, uint256 leaseId, uint64 start, uint64 end) private returns (uint64 until) {
        uint256[] storage list = _bookings[node];
        until = end;
        uint256 i = 0;
        // Bounded by MAX_BOOKINGS_PER_NODE: the list never grows past it (checked below), and each turn either
        // advances i or shortens the list.
        while (i < list.length) {
            uint256 other = list[i];
            Lease storage lease = _leases[other];
            uint64 otherEnd = lease.end;
            if (lease.status != LeaseStatus.Booked || otherEnd <= block.timestamp) {
                // Cancelled, settled, reclaimed or over: it can no longer overlap a booking starting from now.
                list[i] = list[list.length - 1];
                list.pop();
                continue;
            }
            // Half-open windows: one lease may start at the second another ends.
            if (start < otherEnd && lease.start < end) revert LeaseOverlap(node, other);
            if (otherEnd > until) until = otherEnd;
            ++i;
        }
        if (list.length >= MAX_BOOKINGS_PER_NODE) revert LeaseTooManyBookings(node);
        list.push(leaseId);
    }

    /// @dev The latest end of the node's booked leases (0 when none): its lock after a cancellation.
    function _lockOf(address node) private view returns (uint64 until) {
        uint256[] storage list = _bookings[node];
        uint256 n = list.length;
        // Bounded by MAX_BOOKINGS_PER_NODE.
        for (uint256 i = 0; i < n; ++i) {
            Lease storage lease = _leases[list[i]];
            if (lease.status == LeaseStatus.Booked && lease.end > until) until = lease.end;
        }
    }

    /// @dev One share per node, each <= 10_000; `epoch`'s report finalized and ending at or after the lease's end;
    /// the leaf proved in its leases root.
    function _checkSettlement(
        uint256 leaseId,
        Lease storage lease,
        uint64 epoch,
        uint16[] calldata compliantBps,
        bytes32[] calldata proof
    ) private view {
        uint256 count = lease.nodeCount;
        if (compliantBps.length != count) revert LeaseBpsLengthMismatch(compliantBps.length, count);
        // Bounded by MAX_LEASE_NODES (count is a lease's node count).
        for (uint256 i = 0; i < count; ++i) {
            if (compliantBps[i] > BPS_DENOMINATOR) revert LeaseBpsOutOfBounds(i, compliantBps[i]);
        }
        // Zero for a report that is missing, pending or vetoed: only a finalized root settles.
        bytes32 root = _settlement.finalizedLeasesRoot(epoch);
        if (root == bytes32(0)) revert LeaseReportNotFinalized(epoch);
        uint256 epochEnd = _epochs.epochEnd(epoch);
        if (epochEnd < lease.end) revert LeaseEpochBeforeEnd(epoch, epochEnd, lease.end);
        if (proof.length > MAX_PROOF_DEPTH || !MerkleProof.verifyCalldata(proof, root, _leaf(leaseId, compliantBps)))
        {
            revert LeaseInvalidProof(leaseId, epoch);
        }
    }

    /// @dev Each node's operator and its pay, `price_i * hours * bps_i / 10_000` rounded down, and their sum.
    function _shares(uint256 leaseId, Lease storage lease, uint16[] calldata compliantBps)
        private
        returns (address[] memory payees, uint256[] memory amounts, uint256 toOperators)
    {
        // Cannot underflow or lose a remainder: end - start is a positive whole number of hours (checked at booking).
        uint256 hours_ = (lease.end - lease.start) / 1 hours;
        LeaseNode[] storage ns = _leaseNodes[leaseId];
        uint256 count = ns.length;
        payees = new address[](count);
        amounts = new uint256[](count);
        // Bounded by MAX_LEASE_NODES; no loop over the lease's hours.
        for (uint256 i = 0; i < count; ++i) {
            LeaseNode storage ln = ns[i];
            // Rounds down, against the operator: the renter receives every remainder. Cannot overflow:
            // price < 2^96, hours <= MAX_LEASE_HOURS, bps <= 10_000.
            amounts[i] = (uint256(ln.pricePerHour) * hours_ * compliantBps[i]) / BPS_DENOMINATOR;
            // The node's operator now (fixed per registration; a node key re-registered after a full exit
            // needs the key's consent).
            payees[i] = _registry.getNode(ln.node).operator;
            toOperators += amounts[i];
            emit LeaseNodePaid(leaseId, ln.node, payees[i], compliantBps[i], amounts[i]);
        }
    }

    function _booked(uint256 leaseId) private view returns (Lease storage lease) {
        lease = _leases[leaseId];
        LeaseStatus status = lease.status;
        if (status == LeaseStatus.None) revert LeaseUnknown(leaseId);
        if (status != LeaseStatus.Booked) revert LeaseNotBooked(leaseId, status);
    }

    /// @dev The OpenZeppelin standard-tree leaf of `(chainId, this, leaseId, compliantBps)`: double-hashed, so a
    /// 64-byte inner node can never pass as a leaf; the chain id is read live.
    function _leaf(uint256 leaseId, uint16[] calldata compliantBps) private view returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(block.chainid, address(this), leaseId, compliantBps))));
    }

    function _setNotice(uint64 notice_) private {
        if (notice_ < MIN_NOTICE || notice_ > MAX_NOTICE) revert LeaseNoticeOutOfBounds(notice_);
        uint64 oldValue = _notice;
        _notice = notice_;
        emit NoticeSet(oldValue, notice_);
    }

    function _setSettleTimeout(uint64 timeout) private {
        // A report must be able to finalize before the renter may reclaim: an epoch plus the dispute window.
        // Two uint64 values summed in uint256: cannot overflow.
        uint256 floor = uint256(_epochs.epochLength()) + _settlement.disputeWindow();
        if (timeout < MIN_SETTLE_TIMEOUT || timeout > MAX_SETTLE_TIMEOUT || timeout <= floor) {
            revert LeaseSettleTimeoutOutOfBounds(timeout, floor);
        }
        uint64 oldValue = _settleTimeout;
        _settleTimeout = timeout;
        emit SettleTimeoutSet(oldValue, timeout);
    }
}
