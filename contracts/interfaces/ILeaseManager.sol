// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ILeaseManager
/// @notice Leases of GPU nodes for a time window (Proof of Time-Lock), escrowed in the stake token and settled
/// by the committee's finalized epoch report. docs/leases.md gives the rules for operators and renters and the
/// threat model.
///
/// Lifecycle of a lease:
/// 1. Offer. An operator offers a registered node at a price per hour (stake-token units) for leases of
///    `minHours..maxHours` whole hours (`setOffer`); `withdrawOffer` stops new bookings, never running ones.
/// 2. Book. A renter books 1..MAX_LEASE_NODES offered nodes for `[start, end)`: whole hours, `start` at least
///    `notice` seconds ahead and at most MAX_BOOKING_AHEAD ahead, each node Active (not jailed, nothing
///    unbonding, not exiting) with its stake at the minimum, and free over the window (no overlap with another
///    booking of the node). The escrow, sum of the nodes' prices times the hours, is pulled from the renter
///    (`book`, or `bookWithPermit`); `maxEscrow` guards against an offer raised while the booking is in flight.
///    The booking locks each node in the NodeRegistry until the latest end of its bookings: no unbonding,
///    deregistration or claim change before then (`INodeRegistry.leasedUntil`).
/// 3. Cancel. Until `notice` seconds before `start` the renter may cancel for a full refund; the node's lock
///    falls back to its other bookings. After that the lease runs and only its settlement decides.
/// 4. Settle. From the finalized (never vetoed) report of an epoch ending at or after `end`, anyone proves the
///    lease's leaf against the report's `leasesRoot` (`settle`). The leaf is the OpenZeppelin standard-tree
///    leaf of `(uint256 chainId, address leaseManager, uint256 leaseId, uint16[] compliantBps)`, one share per
///    node of the lease in booking order. The committee's signatures over the report bind chain, Settlement
///    contract, config version and epoch; the leaf itself binds the chain id (read live) and this contract's
///    address, so a root signed for another deployment or chain settles nothing here, and the lease id, unique
///    in this contract, binds the renter, the nodes, the window and the escrow. Each node's operator (its
///    operator in the NodeRegistry at settlement) receives `escrow_i * bps_i / 10_000` rounded down; the
///    renter receives the rest of the whole escrow (rounding favours the renter). One settlement per lease;
///    its gas does not depend on the lease's length.
/// 5. Reclaim. If no settlement has come `settleTimeout` seconds after `end` (the committee is gone or never
///    reported the lease), the renter's whole escrow is returned (`reclaim`): liveness for the renter, at the
///    operator's expense, so `settleTimeout` exceeds an epoch plus the dispute window when set.
///
/// Violations (a foreign process, a second customer, a shortfall against the claim) are slashed by the same
/// report's slash list with `SlashReason.LeaseViolation`, executed by Settlement when the report finalizes; this
/// contract never slashes and holds no stake. It holds only escrow, and no role can move it: escrow leaves only
/// by `cancel`, `settle` or `reclaim`, to the renter and the nodes' operators. GOVERNANCE_ROLE (the timelock)
/// sets `notice` and `settleTimeout` within their bounds.
interface ILeaseManager {
    /// @notice Lifecycle of a lease.
    enum LeaseStatus {
        None,
        Booked,
        Cancelled,
        Settled,
        Reclaimed
    }

    /// @notice An operator's offer of one node.
    /// @param operator The node's operator when the offer was made; a booking needs it to still operate the node.
    /// @param pricePerHour Price of one hour of the node in stake-token units (1..MAX_PRICE_PER_HOUR).
    /// @param minHours Shortest lease accepted, in hours (at least 1).
    /// @param maxHours Longest lease accepted, in hours (minHours..MAX_LEASE_HOURS).
    struct Offer {
        address operator;
        uint96 pricePerHour;
        uint32 minHours;
        uint32 maxHours;
    }

    /// @notice One node of a lease and the price booked for it.
    /// @param node The node id (node key address).
    /// @param pricePerHour The node's price per hour when booked.
    struct LeaseNode {
        address node;
        uint96 pricePerHour;
    }

    /// @notice A lease as stored (without its nodes: see `leaseNodes`).
    /// @param renter Who booked and paid; receives every refund.
    /// @param start Start of the window (unix seconds, inclusive).
    /// @param end End of the window (unix seconds, exclusive); `end - start` is a whole number of hours.
    /// @param renterKey The key the renter's client signs its exclusivity checks with (bound to this lease).
    /// @param status Lifecycle status.
    /// @param nodeCount Number of nodes (1..MAX_LEASE_NODES).
    /// @param escrow Tokens held for this lease: sum of the nodes' prices times the hours.
    struct Lease {
        address renter;
        uint64 start;
        uint64 end;
        address renterKey;
        LeaseStatus status;
        uint8 nodeCount;
        uint256 escrow;
    }

    // ---------------------------------------------------------------- errors

    /// @notice An address given to the constructor is zero.
    error LeaseZeroAddress();
    /// @notice The node is not registered in the NodeRegistry.
    error LeaseUnknownNode(address node);
    /// @notice The caller is not the node's operator.
    error LeaseNotOperator(address node, address caller);
    /// @notice An offer's price is 0 or above MAX_PRICE_PER_HOUR.
    error LeasePriceOutOfBounds(uint256 price);
    /// @notice An offer's hours are not 1 <= minHours <= maxHours <= MAX_LEASE_HOURS.
    error LeaseHoursOutOfBounds(uint256 minHours, uint256 maxHours);
    /// @notice The node has no offer, or its offer was made by an operator who no longer operates it.
    error LeaseNotOffered(address node);
    /// @notice A booking names no node or more than MAX_LEASE_NODES.
    error LeaseNodeCountOutOfBounds(uint256 count);
    /// @notice A booking names the same node twice.
    error LeaseDuplicateNode(address node);
    /// @notice The renter key is the zero address.
    error LeaseZeroRenterKey();
    /// @notice The window is empty or not a whole number of hours.
    error LeaseWindowNotWholeHours(uint256 start, uint256 end);
    /// @notice The window starts before `earliest` (now + notice).
    error LeaseStartTooSoon(uint256 start, uint256 earliest);
    /// @notice The window starts after `latest` (now + MAX_BOOKING_AHEAD).
    error LeaseStartTooLate(uint256 start, uint256 latest);
    /// @notice The lease's hours are outside the node's offer.
    error LeaseHoursNotOffered(address node, uint256 hours_, uint256 minHours, uint256 maxHours);
    /// @notice The node is jailed, exiting or below its minimum stake.
    error LeaseNodeNotEligible(address node);
    /// @notice The node has stake unbonding (it announced an exit): withdraw it first.
    error LeaseNodeUnbonding(address node, uint256 unbonding);
    /// @notice The window overlaps another booking of the node.
    error LeaseOverlap(address node, uint256 otherLease);
    /// @notice The node already has MAX_BOOKINGS_PER_NODE bookings that have not ended.
    error LeaseTooManyBookings(address node);
    /// @notice The escrow exceeds the renter's `maxEscrow`.
    error LeaseEscrowAboveMax(uint256 escrow, uint256 maxEscrow);
    /// @notice The token delivered less than the escrow (e.g. a fee-on-transfer token).
    error LeaseTransferShortfall(uint256 expected, uint256 received);
    /// @notice No such lease.
    error LeaseUnknown(uint256 leaseId);
    /// @notice The lease is not in the `Booked` state.
    error LeaseNotBooked(uint256 leaseId, LeaseStatus status);
    /// @notice The caller is not the lease's renter.
    error LeaseNotRenter(uint256 leaseId, address caller);
    /// @notice Too late to cancel: cancellation closes `notice` seconds before the start (`deadline`).
    error LeaseCancelClosed(uint256 leaseId, uint256 deadline);
    /// @notice The epoch's report is not finalized (none, pending or vetoed), or carries no leases root.
    error LeaseReportNotFinalized(uint64 epoch);
    /// @notice The epoch ends before the lease does: its report cannot speak for the whole lease.
    error LeaseEpochBeforeEnd(uint64 epoch, uint256 epochEnd, uint256 leaseEnd);
    /// @notice The compliant shares do not name one share per node of the lease.
    error LeaseBpsLengthMismatch(uint256 given, uint256 nodeCount);
    /// @notice A compliant share exceeds 10_000 basis points.
    error LeaseBpsOutOfBounds(uint256 index, uint256 bps);
    /// @notice The proof does not lead from the lease's leaf to the report's leases root.
    error LeaseInvalidProof(uint256 leaseId, uint64 epoch);
    /// @notice The settlement timeout has not passed: the lease may still be settled until `reclaimableAt`.
    error LeaseNotReclaimable(uint256 leaseId, uint256 reclaimableAt);
    /// @notice `notice` outside [MIN_NOTICE, MAX_NOTICE].
    error LeaseNoticeOutOfBounds(uint256 value);
    /// @notice `settleTimeout` outside [MIN_SETTLE_TIMEOUT, MAX_SETTLE_TIMEOUT], or not above an epoch plus the
    /// dispute window (`floor`): a renter could reclaim a lease whose report is still in its window.
    error LeaseSettleTimeoutOutOfBounds(uint256 value, uint256 floor);

    // ---------------------------------------------------------------- events

    /// @notice An operator offered (or re-priced) a node.
    event OfferSet(
        address indexed node, address indexed operator, uint96 pricePerHour, uint32 minHours, uint32 maxHours
    );
    /// @notice An operator withdrew a node's offer (bookings made stand).
    event OfferWithdrawn(address indexed node, address indexed operator);
    /// @notice A renter booked `nodes` for `[start, end)` and paid `escrow` into this contract.
    event LeaseBooked(
        uint256 indexed leaseId,
        address indexed renter,
        address renterKey,
        uint64 start,
        uint64 end,
        uint256 escrow,
        address[] nodes
    );
    /// @notice The renter cancelled the lease before its cancellation deadline; `refund` is the whole escrow.
    event LeaseCancelled(uint256 indexed leaseId, address indexed renter, uint256 refund);
    /// @notice One node of a settled lease: its operator received `amount` for `bps` compliance.
    event LeaseNodePaid(
        uint256 indexed leaseId, address indexed node, address indexed operator, uint16 bps, uint256 amount
    );
    /// @notice A lease was settled from `epoch`'s report: `toOperators` paid out, `toRenter` refunded.
    event LeaseSettled(uint256 indexed leaseId, uint64 indexed epoch, uint256 toOperators, uint256 toRenter);
    /// @notice No settlement came within the timeout: the renter got the whole escrow back.
    event LeaseReclaimed(uint256 indexed leaseId, address indexed renter, uint256 refund);
    /// @notice Governance changed the booking and cancellation notice (seconds).
    event NoticeSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the settlement timeout (seconds).
    event SettleTimeoutSet(uint64 oldValue, uint64 newValue);

    // ---------------------------------------------------------------- operators

    /// @notice Offers `node` (caller must be its operator) at `pricePerHour` for leases of `minHours..maxHours`
    /// hours; replaces an earlier offer. Leases already booked keep their price.
    function setOffer(address node, uint96 pricePerHour, uint32 minHours, uint32 maxHours) external;

    /// @notice Withdraws the offer of `node` (its operator, or the offer's maker): no new bookings; booked
    /// leases, running or future, stand.
    function withdrawOffer(address node) external;

    // ---------------------------------------------------------------- renters

    /// @notice Books `nodes` for `[start, end)` and pulls the escrow from the caller (who needs an allowance).
    /// @param nodes 1..MAX_LEASE_NODES distinct offered nodes; their order is the order of the settlement's
    /// compliant shares.
    /// @param start Window start, at least `notice` and at most MAX_BOOKING_AHEAD seconds from now.
    /// @param end Window end; `end - start` a whole number of hours within every node's offer.
    /// @param renterKey Address whose signatures the renter's client uses for the lease's exclusivity checks.
    /// @param maxEscrow Most the caller agrees to pay (an offer re-priced before the booking lands is refused).
    /// @return leaseId The new lease's id (1, 2, ...).
    function book(address[] calldata nodes, uint64 start, uint64 end, address renterKey, uint256 maxEscrow)
        external
        returns (uint256 leaseId);

    /// @notice `book` preceded by an ERC-2612 permit of the stake token for `maxEscrow`. A failed permit (e.g.
    /// front-run) is ignored; the transfer then needs an existing allowance.
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
    ) external returns (uint256 leaseId);

    /// @notice Cancels a booked lease (its renter only) while `block.timestamp + notice <= start`, refunding the
    /// whole escrow; each node's lock falls back to the end of its other bookings.
    function cancel(uint256 leaseId) external;

    // ---------------------------------------------------------------- settlement

    /// @notice Settles a booked lease (anyone may call) with the compliant share of each of its nodes, proved
    /// against the leases root of the finalized report of `epoch`, which must end at or after the lease's end.
    /// Pays each node's current operator `escrow_i * bps_i / 10_000` rounded down and the renter the rest.
    /// @param leaseId The lease.
    /// @param epoch The epoch whose finalized report carries the lease.
    /// @param compliantBps One share per node, in the lease's node order, each 0..10_000.
    /// @param proof OpenZeppelin Merkle proof of the leaf (see the contract's header) in the leases root.
    function settle(uint256 leaseId, uint64 epoch, uint16[] calldata compliantBps, bytes32[] calldata proof)
        external;

    /// @notice Returns the whole escrow of a lease still booked `settleTimeout` seconds after its end to its
    /// renter (anyone may call).
    function reclaim(uint256 leaseId) external;

    // ---------------------------------------------------------------- governance

    /// @notice Sets the booking and cancellation notice in seconds (GOVERNANCE_ROLE), within
    /// [MIN_NOTICE, MAX_NOTICE].
    function setNotice(uint64 notice_) external;

    /// @notice Sets the settlement timeout in seconds (GOVERNANCE_ROLE), within [MIN_SETTLE_TIMEOUT,
    /// MAX_SETTLE_TIMEOUT] and above the epoch length plus the Settlement's dispute window as they are now.
    function setSettleTimeout(uint64 timeout) external;

    // ---------------------------------------------------------------- views

    /// @notice The offer of `node` (operator zero when none).
    function offerOf(address node) external view returns (Offer memory);
    /// @notice A lease (status None when unknown).
    function leaseOf(uint256 leaseId) external view returns (Lease memory);
    /// @notice The nodes of a lease with their booked prices, in booking order.
    function leaseNodes(uint256 leaseId) external view returns (LeaseNode[] memory);
    /// @notice Lease ids of `node` that were booked and may not have ended yet (at most MAX_BOOKINGS_PER_NODE;
    /// ended and cancelled ones are pruned at the node's next booking).
    function bookingsOf(address node) external view returns (uint256[] memory);
    /// @notice Number of leases ever booked (the latest lease id).
    function leaseCount() external view returns (uint256);
    /// @notice Escrow held for every lease still booked (equals this contract's token balance, unless tokens
    /// were sent here directly).
    function totalEscrow() external view returns (uint256);
    /// @notice The OpenZeppelin standard-tree leaf of a lease's settlement on this chain and contract.
    function settlementLeaf(uint256 leaseId, uint16[] calldata compliantBps) external view returns (bytes32);
    /// @notice Seconds of notice a booking needs and before which a cancellation must come.
    function notice() external view returns (uint64);
    /// @notice Seconds after a lease's end from which its renter may reclaim an unsettled escrow.
    function settleTimeout() external view returns (uint64);
    /// @notice The stake token escrow is paid in.
    function token() external view returns (address);
    /// @notice The NodeRegistry whose nodes are leased.
    function registry() external view returns (address);
    /// @notice The Settlement whose finalized reports settle leases.
    function settlement() external view returns (address);
    /// @notice The EpochManager whose clock says when an epoch ends.
    function epochs() external view returns (address);
}
