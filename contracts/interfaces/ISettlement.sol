// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ISettlement
/// @notice Accepts the committee's quorum-signed epoch reports, holds each for a dispute window (governance
/// veto, operator appeal with a bond), then finalizes: slashes execute through the NodeRegistry and the
/// cumulative rewards root goes to the RewardsDistributor. Gas of a report depends on the slash list
/// (bounded) and the signatures (bounded), never on the number of rewarded nodes.
///
/// Reports form one chain: each report names as `parent` the EIP-712 digest of the report its cumulative
/// rewards tree builds on. A report is accepted only if `parent` is the digest of the chain's tip (the
/// latest report that is pending or finalized; zero when there is none) and its epoch is later than the
/// tip's, so the chain's epochs strictly increase and an epoch skipped by the chain can no longer be
/// reported. At most MAX_PENDING_REPORTS reports of the chain are pending at once.
///
/// Finalization order: a pending report finalizes once its window has closed and its parent (if any) has
/// finalized, so roots are published in chain order and only over an intact chain; its slashes always
/// execute. The claim root therefore only moves forward (a later root already includes earlier rewards).
///
/// Veto: vetoing a pending report also invalidates every report built on it (its descendants, all pending,
/// since finalization follows the chain): each is marked `Vetoed`, its reserved budget released and its
/// appeal bonds credited back, and the tip returns to the vetoed report's parent. Every such epoch may be
/// reported again on that parent; the next honest report carries the corrected cumulative amounts. A
/// vetoed report's exact digest can never be accepted again; a descendant's cannot either, since it names
/// a parent that can never again be the tip.
///
/// Unresolved appeals at finalization: the slash proceeds (the quorum-signed evidence stands) and the bond
/// is refunded in full, because the guardian did not decide. The guardian decides only inside the window
/// (`block.timestamp < disputeEndsAt`) and `finalize` runs only from `disputeEndsAt` on, so the two never
/// overlap: the outcome of every appeal is fixed when the window closes. Finalization never waits on anyone.
///
/// Roles: GUARDIAN_ROLE (no delay) vetoes and resolves appeals, which only cancel; GOVERNANCE_ROLE (the
/// timelock) sets parameters.
///
/// Appeal bonds: a rejected appeal's bond stays held until its report finalizes (then it goes to the
/// treasury); if the report is vetoed or invalidated first, the rejection is moot and the bond is credited
/// back. An appeal is paid first from the appellant's credited refunds, then by transfer for the rest, so
/// appealing the same slash again in a re-report costs nothing more while the earlier bond is credited.
///
/// Bond refunds are credited, never pushed: the appellant withdraws them with `withdrawRefund`, so no
/// appellant account (a contract, a blocklisted address, a token with hooks) can block a veto, an appeal
/// decision or a finalization.
interface ISettlement {
    /// @notice Why a node is slashed (same numbers as `SlashReason` in engine/protocol.ts).
    enum SlashReason {
        None,
        Fraud,
        Overclaim,
        LeaseViolation
    }

    /// @notice Lifecycle of an epoch report.
    enum ReportStatus {
        None,
        Pending,
        Vetoed,
        Finalized
    }

    /// @notice Lifecycle of one slash of a report.
    enum SlashState {
        None,
        Proposed,
        Vetoed,
        Appealed,
        AppealUpheld,
        AppealRejected,
        Executed
    }

    /// @notice The committee's signed report of one epoch (EIP-712 type `EpochReport`, domain version 2).
    /// @param epoch The epoch reported.
    /// @param parent EIP-712 digest of the report whose cumulative rewards tree this one builds on: the chain's
    /// tip when submitted (see `tip`); zero for the first report of the chain.
    /// @param seed The epoch's revealed seed; `keccak256(abi.encode(epoch, seed))` must be the commitment.
    /// @param sharesHash Hash of the committee's revealed seed shares the seed mixes
    /// (`keccak256(abi.encode(address[] members, bytes32[] shares))`, members ascending); zero while one member
    /// commits the whole seed. Signed, not checked on chain: anyone re-derives the seed from the shares.
    /// @param rewardsRoot Cumulative rewards root (OpenZeppelin standard tree of `[address, uint256]`).
    /// @param rewardsTotal Rewards of this epoch alone (the increase of the cumulative tree's total).
    /// @param statsRoot Root of the per-node statistics the oracle publishes off chain.
    /// @param slashListHash `keccak256(abi.encode(Slash[]))` of the slash list submitted with the report; each
    /// slash carries the hash of its public evidence.
    /// @param leasesRoot Root of the leases this report settles; zero while no lease exists.
    /// @param configVersion The EpochManager configuration version the committee signed under.
    // solhint-disable-next-line gas-struct-packing
    struct EpochReport {
        uint64 epoch;
        bytes32 parent;
        bytes32 seed;
        bytes32 sharesHash;
        bytes32 rewardsRoot;
        uint256 rewardsTotal;
        bytes32 statsRoot;
        bytes32 slashListHash;
        bytes32 leasesRoot;
        uint64 configVersion;
    }

    /// @notice One slash proposed by a report.
    /// @param node The node id (node key address).
    /// @param bps Share of the node's active + unbonding stake to slash, 1..10_000.
    /// @param reason A `SlashReason` (1..3).
    /// @param evidence keccak256 of the evidence the oracle keeps.
    struct Slash {
        address node;
        uint16 bps;
        uint8 reason;
        bytes32 evidence;
    }

    /// @notice A stored report as returned by `reportOf`.
    /// @param status Its lifecycle state (`Vetoed` also for a report invalidated by the veto of an ancestor).
    /// @param disputeEndsAt End of its dispute window.
    /// @param configVersion The configuration version it was signed under.
    /// @param slashCount Length of its slash list.
    /// @param parentEpoch Epoch of its parent report (meaningful only when `hasParent`).
    /// @param hasParent Whether it names a parent (false for the first report of the chain).
    /// @param hasAppeals Whether any of its slashes was ever appealed (a veto walks its slashes only then).
    /// @param submitter Who submitted it.
    /// @param digest Its EIP-712 digest (what the committee signed; what a child names as `parent`).
    /// @param seed The epoch's revealed seed.
    /// @param rewardsRoot Its cumulative rewards root.
    /// @param rewardsTotal Rewards of its epoch alone (reserved while pending).
    /// @param statsRoot Its statistics root.
    struct ReportInfo {
        ReportStatus status;
        uint64 disputeEndsAt;
        uint64 configVersion;
        uint16 slashCount;
        uint64 parentEpoch;
        bool hasParent;
        bool hasAppeals;
        address submitter;
        bytes32 digest;
        bytes32 seed;
        bytes32 rewardsRoot;
        uint256 rewardsTotal;
        bytes32 statsRoot;
    }

    /// @notice Storage form of a slash, packed so that accepting a report writes two slots per slash.
    /// Read it through `slashOf`, which returns a `SlashInfo`.
    struct SlashRecord {
        address node;
        uint16 bps;
        uint8 reason;
        SlashState state;
        address appellant;
        uint96 bond;
        bytes32 evidence;
        uint256 amount;
    }

    /// @notice A stored slash as returned by `slashOf`.
    /// @param slash The slash as signed.
    /// @param state Its lifecycle state.
    /// @param appellant Who posted the appeal bond (zero if none).
    /// @param bond The appeal bond held or paid out (the bond in force when the appeal was made).
    /// @param amount Tokens taken when executed.
    struct SlashInfo {
        Slash slash;
        SlashState state;
        address appellant;
        uint256 bond;
        uint256 amount;
    }

    /// @notice Governance parameters, as given to the constructor.
    /// @param disputeWindow Seconds a report waits for veto and appeals before it can finalize.
    /// @param slashBurnBps Share of slashed funds burned (sent to BURN_ADDRESS); the rest goes to the treasury.
    /// @param appealBond Stake tokens an operator posts to appeal a slash.
    /// @param maxSlashes Longest accepted slash list (1..MAX_SLASHES_CAP).
    /// @param treasury Receives the treasury share of slashed funds and rejected appeal bonds.
    struct SettlementParams {
        uint64 disputeWindow;
        uint16 slashBurnBps;
        uint16 maxSlashes;
        address treasury;
        uint256 appealBond;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The registry, distributor and settlement do not share one stake token.
    error SettlementTokenMismatch(address registryToken, address distributorToken);

    /// @notice The epoch has not ended yet.
    error SettlementEpochNotOver(uint64 epoch, uint256 endsAt);
    /// @notice The epoch already has a pending or finalized report.
    error SettlementReportExists(uint64 epoch, ReportStatus status);
    /// @notice This exact report (same EIP-712 digest) was vetoed: its signatures cannot bring it back.
    error SettlementReportVetoed(uint64 epoch, bytes32 digest);
    /// @notice `keccak256(abi.encode(epoch, seed))` is not the epoch's seed commitment.
    error SettlementSeedMismatch(uint64 epoch, bytes32 expectedCommitment);
    /// @notice The report was signed under another committee configuration.
    error SettlementConfigVersionMismatch(uint64 given, uint64 current);
    /// @notice `parent` is not the digest of the chain's tip (zero when the chain is empty).
    error SettlementParentMismatch(uint64 epoch, bytes32 given, bytes32 expected);
    /// @notice The epoch is not later than the tip's: the chain's epochs strictly increase.
    error SettlementEpochNotAfterTip(uint64 epoch, uint64 tipEpoch);
    /// @notice MAX_PENDING_REPORTS reports are pending: the oldest must finalize first.
    error SettlementTooManyPendingReports(uint256 max);
    /// @notice The report's parent has not finalized yet: roots are published in chain order.
    error SettlementParentNotFinalized(uint64 epoch, uint64 parentEpoch);
    /// @notice The slash list is longer than the governance bound.
    error SettlementTooManySlashes(uint256 count, uint256 max);
    /// @notice `keccak256(abi.encode(slashes))` differs from the signed `slashListHash`.
    error SettlementSlashListHashMismatch(bytes32 signed, bytes32 computed);
    /// @notice A slash has a zero node, a share outside 1..10_000 bps or an unknown reason.
    error SettlementInvalidSlash(uint256 index);
    /// @notice More signatures than the committee can have.
    error SettlementTooManySignatures(uint256 count, uint256 max);
    /// @notice Fewer valid distinct member signatures than the quorum.
    error SettlementQuorumNotReached(uint256 signatures, uint256 quorum);
    /// @notice A signature is malformed.
    error SettlementInvalidSignature(uint256 index);
    /// @notice Signers must be strictly ascending by address (which also rejects duplicates).
    error SettlementSignersNotAscending(uint256 index, address signer);
    /// @notice A signer is not a committee member.
    error SettlementSignerNotMember(uint256 index, address signer);
    /// @notice The report is not pending.
    error SettlementReportNotPending(uint64 epoch, ReportStatus status);
    /// @notice The dispute window of the report has closed.
    error SettlementDisputeWindowClosed(uint64 epoch, uint256 endedAt);
    /// @notice The dispute window of the report is still open.
    error SettlementDisputeWindowOpen(uint64 epoch, uint256 endsAt);
    /// @notice No slash at this index.
    error SettlementSlashIndexOutOfBounds(uint64 epoch, uint256 index, uint256 count);
    /// @notice The slash is not in a state that allows this action.
    error SettlementSlashStateInvalid(uint64 epoch, uint256 index, SlashState state);
    /// @notice Only the slashed node's operator may appeal.
    error SettlementNotNodeOperator(address node, address caller);
    /// @notice The caller has no credited bond refund.
    error SettlementNothingToWithdraw(address account);
    /// @notice The token delivered less than the requested amount (e.g. a fee-on-transfer token).
    error SettlementTransferShortfall(uint256 expected, uint256 received);
    /// @notice The dispute window is outside [MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW].
    error SettlementDisputeWindowOutOfBounds(uint256 value);
    /// @notice The burn share exceeds 10_000 bps.
    error SettlementSlashBurnBpsOutOfBounds(uint256 value);
    /// @notice The appeal bond is zero or above 2^96 - 1.
    error SettlementAppealBondOutOfBounds(uint256 value);
    /// @notice The slash list bound is zero or above MAX_SLASHES_CAP.
    error SettlementMaxSlashesOutOfBounds(uint256 value);
    /// @notice An address parameter is zero.
    error SettlementZeroAddress();
    /// @notice The registry's unbonding delay would not exceed the epoch length plus this dispute window: a
    /// node could withdraw stake before the report that slashes it finalizes.
    error SettlementDisputeWindowTooLong(uint256 window, uint256 epochLength, uint256 unbondingDelay);

    // ---------------------------------------------------------------- events

    /// @notice A report was accepted and its dispute window opened; it is the chain's new tip.
    event ReportSubmitted(
        uint64 indexed epoch,
        address indexed submitter,
        bytes32 digest,
        bytes32 parent,
        bytes32 rewardsRoot,
        uint256 rewardsTotal,
        bytes32 statsRoot,
        uint256 slashCount,
        uint64 disputeEndsAt
    );
    /// @notice A report proposed a slash.
    event SlashProposed(
        uint64 indexed epoch, uint256 index, address indexed node, uint16 bps, uint8 reason, bytes32 evidence
    );
    /// @notice Governance vetoed one slash.
    event SlashVetoed(uint64 indexed epoch, uint256 index, address indexed node);
    /// @notice Governance vetoed a whole report; its reserved rewards budget was released.
    event ReportVetoed(uint64 indexed epoch, uint256 releasedBudget);
    /// @notice A report built on the vetoed report of `vetoedEpoch` was invalidated with it; its reserved
    /// rewards budget was released and its epoch may be reported again.
    event ReportInvalidated(uint64 indexed epoch, uint64 indexed vetoedEpoch, uint256 releasedBudget);
    /// @notice The node's operator appealed a slash and posted `bond`.
    event SlashAppealed(uint64 indexed epoch, uint256 index, address indexed node, address appellant, uint256 bond);
    /// @notice Governance resolved an appeal; the bond goes to `bondRecipient` (credited to the appellant if
    /// upheld; if rejected, held for the treasury until the report finalizes, see `AppealBondForfeited`).
    event AppealResolved(uint64 indexed epoch, uint256 index, bool upheld, uint256 bond, address bondRecipient);
    /// @notice An appeal bond was credited back to the appellant (upheld appeal, veto or invalidation of the
    /// report, or undecided at finalization); it is paid out by `withdrawRefund`.
    event AppealBondRefunded(uint64 indexed epoch, uint256 index, address indexed appellant, uint256 bond);
    /// @notice A rejected appeal's bond went to the treasury when its report finalized.
    event AppealBondForfeited(uint64 indexed epoch, uint256 index, address indexed appellant, uint256 bond);
    /// @notice An appellant withdrew its credited bond refunds.
    event BondRefundWithdrawn(address indexed appellant, uint256 amount);
    /// @notice A slash executed and took `amount` tokens.
    event SlashExecuted(uint64 indexed epoch, uint256 index, address indexed node, uint256 amount);
    /// @notice A report finalized: slashed tokens split between burn and treasury, rewards made claimable.
    event ReportFinalized(uint64 indexed epoch, uint256 slashedTotal, uint256 burned, uint256 toTreasury);
    /// @notice Governance changed the dispute window (seconds).
    event DisputeWindowSet(uint64 oldValue, uint64 newValue);
    /// @notice Governance changed the burned share of slashed funds (bps).
    event SlashBurnBpsSet(uint16 oldValue, uint16 newValue);
    /// @notice Governance changed the appeal bond.
    event AppealBondSet(uint256 oldValue, uint256 newValue);
    /// @notice Governance changed the slash list bound.
    event MaxSlashesSet(uint16 oldValue, uint16 newValue);
    /// @notice Governance changed the treasury.
    event TreasurySet(address oldValue, address newValue);

    // ---------------------------------------------------------------- actions

    /// @notice Accepts a report of an ended epoch with at least quorum committee signatures over its EIP-712
    /// digest, signers strictly ascending, whose `parent` is the tip's digest and whose epoch is later than the
    /// tip's. Reserves `rewardsTotal` of the rewards budget; the report becomes the tip. A vetoed epoch may
    /// be reported again, but never with the vetoed report itself.
    function submitReport(EpochReport calldata report, Slash[] calldata slashes, bytes[] calldata signatures)
        external;

    /// @notice Executes a pending report after its dispute window, once its parent has finalized (anyone).
    /// Rejected appeals' bonds go to the treasury.
    function finalize(uint64 epoch) external;

    /// @notice Cancels one slash of a pending report during its window (guardian); refunds an appeal bond.
    function vetoSlash(uint64 epoch, uint256 index) external;

    /// @notice Cancels a whole pending report during its window (guardian), and with it every report built on
    /// it (at most MAX_PENDING_REPORTS); releases their budgets and credits back every appeal bond they hold,
    /// rejected ones included. The tip returns to the report's parent; each epoch may be reported again.
    function vetoReport(uint64 epoch) external;

    /// @notice Appeals a proposed slash of the caller's node during the window. The appeal bond is taken from
    /// the caller's credited refunds first, and the rest pulled from the caller.
    function appeal(uint64 epoch, uint256 index) external;

    /// @notice Decides an appeal inside the report's dispute window (guardian). Upheld: slash cancelled, bond
    /// credited back to the appellant. Rejected: the slash stands; the bond goes to the treasury when the report
    /// finalizes, or back to the appellant if the report is vetoed or invalidated first.
    function resolveAppeal(uint64 epoch, uint256 index, bool upheld) external;

    /// @notice Pays the caller all its credited bond refunds.
    function withdrawRefund() external;

    // ---------------------------------------------------------------- governance

    /// @notice Sets the dispute window for reports submitted from now on (GOVERNANCE_ROLE); the registry's
    /// unbonding delay must exceed the epoch length plus the new window.
    function setDisputeWindow(uint64 window) external;
    /// @notice Sets the share of slashed funds burned (the rest goes to the treasury).
    function setSlashBurnBps(uint16 bps) external;
    /// @notice Sets the appeal bond for appeals made from now on.
    function setAppealBond(uint256 bond) external;
    /// @notice Sets the slash list bound (1..MAX_SLASHES_CAP).
    function setMaxSlashes(uint16 maxSlashes) external;
    /// @notice Sets the treasury.
    function setTreasury(address treasury) external;

    // ---------------------------------------------------------------- views

    /// @notice The stored report of `epoch`.
    function reportOf(uint64 epoch) external view returns (ReportInfo memory);
    /// @notice The signed `leasesRoot` of `epoch`'s report once it is finalized; zero while the report is
    /// missing, pending or vetoed (the LeaseManager settles leases only against finalized reports).
    function finalizedLeasesRoot(uint64 epoch) external view returns (bytes32);
    /// @notice Slash `index` of the report of `epoch`.
    function slashOf(uint64 epoch, uint256 index) external view returns (SlashInfo memory);
    /// @notice Highest finalized epoch (0 when none; see `hasFinalized`).
    function lastFinalizedEpoch() external view returns (uint64);
    /// @notice Whether any report has finalized.
    function hasFinalized() external view returns (bool);
    /// @notice Appeal-bond tokens held: bonds of undecided and of rejected-but-not-final appeals plus refunds
    /// credited but not withdrawn.
    function pendingBonds() external view returns (uint256);
    /// @notice Bond refunds credited to `appellant` and not yet withdrawn.
    function refundOf(address appellant) external view returns (uint256);
    /// @notice The chain's tip: the latest pending or finalized report, which the next report must name as
    /// parent. `exists` is false (and `digest` zero) when there is none.
    function tip() external view returns (bool exists, uint64 epoch, bytes32 digest);
    /// @notice Reports of the chain still pending (at most MAX_PENDING_REPORTS).
    function pendingReports() external view returns (uint256);
    /// @notice EIP-712 digest the committee signs for `report`.
    function reportDigest(EpochReport calldata report) external view returns (bytes32);
    /// @notice Current dispute window (seconds).
    function disputeWindow() external view returns (uint64);
    /// @notice Current burned share of slashed funds (bps).
    function slashBurnBps() external view returns (uint16);
    /// @notice Current appeal bond.
    function appealBond() external view returns (uint256);
    /// @notice Current slash list bound.
    function maxSlashes() external view returns (uint16);
    /// @notice Current treasury.
    function treasury() external view returns (address);
}
