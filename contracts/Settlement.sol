// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {INodeRegistry} from "./interfaces/INodeRegistry.sol";
import {IEpochManager} from "./interfaces/IEpochManager.sol";
import {IRewardsDistributor} from "./interfaces/IRewardsDistributor.sol";

/// @title Settlement
/// @notice Quorum-signed epoch reports, dispute window, veto and appeals, finalization and slashing.
// One state variable over solhint's 15: the leases roots live apart from ReportInfo, whose layout others read.
// solhint-disable-next-line max-states-count
contract Settlement is ISettlement, AccessControl, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role that changes parameters (the timelock).
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Role that vetoes and resolves appeals within the dispute window (the guardian, no delay): it can
    /// only cancel a slash or a report, never move funds or change a parameter.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @notice EIP-712 type hash of the committee's epoch report.
    bytes32 public constant EPOCH_REPORT_TYPEHASH = keccak256(
        "EpochReport(uint64 epoch,bytes32 parent,bytes32 seed,bytes32 sharesHash,bytes32 rewardsRoot,"
        "uint256 rewardsTotal,bytes32 statsRoot,bytes32 slashListHash,bytes32 leasesRoot,uint64 configVersion)"
    );
    /// @notice Most signatures a report may carry (the EpochManager's committee cap).
    uint256 public constant MAX_COMMITTEE_SIZE = 31;
    /// @notice Hard cap of the governance slash list bound: bounds every loop over a report's slashes.
    uint16 public constant MAX_SLASHES_CAP = 64;
    /// @notice Most reports of the chain pending at once: bounds the walk of a veto over a report's descendants.
    /// With 1 h epochs a 1-day window keeps 24-25 pending; a shorter epoch needs a shorter window.
    uint256 public constant MAX_PENDING_REPORTS = 64;
    /// @notice Basis-point denominator.
    uint16 public constant BPS_DENOMINATOR = 10_000;
    /// @notice Shortest dispute window governance may set.
    uint64 public constant MIN_DISPUTE_WINDOW = 1;
    /// @notice Longest dispute window governance may set.
    uint64 public constant MAX_DISPUTE_WINDOW = 30 days;
    /// @notice Where the burned share of slashed funds goes (works with any ERC-20, burnable or not).
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    IERC20 private immutable _token;
    INodeRegistry private immutable _registry;
    IEpochManager private immutable _epochs;
    IRewardsDistributor private immutable _distributor;

    uint64 private _disputeWindow;
    uint16 private _slashBurnBps;
    uint16 private _maxSlashes;
    address private _treasury;
    uint256 private _appealBond;

    uint256 private _pendingBonds;
    mapping(address appellant => uint256 amount) private _refunds;
    uint64 private _lastFinalizedEpoch;
    bool private _hasFinalized;
    /// @dev The chain's tip: the latest pending or finalized report (see `tip`).
    uint64 private _tipEpoch;
    bool private _hasTip;
    /// @dev Pending reports of the chain: always its last `_pendingCount` reports, since finalization follows
    /// the chain and a veto cuts the chain back to the vetoed report's parent.
    uint16 private _pendingCount;

    mapping(uint64 epoch => ReportInfo) private _reports;
    /// @dev Each report's signed leases root (kept apart from ReportInfo, whose layout others read).
    mapping(uint64 epoch => bytes32 root) private _leasesRoots;
    mapping(uint64 epoch => mapping(uint256 index => SlashRecord)) private _slashes;
    /// @dev EIP-712 digests of vetoed reports: a veto is final for the report it vetoed.
    mapping(bytes32 digest => bool) private _vetoedDigests;

    /// @param registry The NodeRegistry (must grant this contract SLASHER_ROLE).
    /// @param epochs The EpochManager.
    /// @param distributor The RewardsDistributor (must grant this contract SETTLEMENT_ROLE).
    /// @param admin Receives DEFAULT_ADMIN_ROLE, GOVERNANCE_ROLE and GUARDIAN_ROLE (the deployer, which hands
    /// them to the timelock and the guardian).
    /// @param params Initial governance parameters.
    constructor(
        INodeRegistry registry,
        IEpochManager epochs,
        IRewardsDistributor distributor,
        address admin,
        SettlementParams memory params
    ) EIP712("PoAI Settlement", "2") {
        if (
            address(registry) == address(0) || address(epochs) == address(0) || address(distributor) == address(0)
                || admin == address(0)
        ) revert SettlementZeroAddress();
        address registryToken = registry.stakeToken();
        address distributorToken = distributor.rewardToken();
        if (registryToken != distributorToken) revert SettlementTokenMismatch(registryToken, distributorToken);
        _token = IERC20(registryToken);
        _registry = registry;
        _epochs = epochs;
        _distributor = distributor;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GOVERNANCE_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, admin);
        _setDisputeWindow(params.disputeWindow);
        _setSlashBurnBps(params.slashBurnBps);
        _setAppealBond(params.appealBond);
        _setMaxSlashes(params.maxSlashes);
        _setTreasury(params.treasury);
    }

    // ---------------------------------------------------------------- reports

    /// @inheritdoc ISettlement
    function submitReport(EpochReport calldata report, Slash[] calldata slashes, bytes[] calldata signatures)
        external
        nonReentrant
    {
        uint64 version = _validateReport(report, slashes);
        bool reReport = _reports[report.epoch].status == ReportStatus.Vetoed;
        bytes32 digest = reportDigest(report);
        // The signatures of a vetoed report stay valid: refuse that exact report (a corrected one differs).
        if (reReport && _vetoedDigests[digest]) revert SettlementReportVetoed(report.epoch, digest);
        _checkSignatures(digest, signatures);
        // A vetoed report of this epoch may have left appeal fields behind: clear them only then.
        _storeSlashes(report.epoch, slashes, reReport);
        _distributor.reserveBudget(report.rewardsTotal);
        _storeReport(report, digest, slashes.length, version, reReport);
    }

    /// @inheritdoc ISettlement
    function finalize(uint64 epoch) external nonReentrant {
        ReportInfo storage info = _reports[epoch];
        if (info.status != ReportStatus.Pending) revert SettlementReportNotPending(epoch, info.status);
        if (block.timestamp < info.disputeEndsAt) revert SettlementDisputeWindowOpen(epoch, info.disputeEndsAt);
        // The parent of a pending report is pending or finalized (a veto invalidates every descendant), so
        // this publishes a root only over an intact chain, in chain order.
        if (info.hasParent && _reports[info.parentEpoch].status != ReportStatus.Finalized) {
            revert SettlementParentNotFinalized(epoch, info.parentEpoch);
        }
        info.status = ReportStatus.Finalized;
        // Cannot underflow: this report was pending, so it is counted.
        --_pendingCount;

        uint256 slashedTotal = 0;
        uint256 forfeited = 0;
        uint256 count = info.slashCount;
        // Bounded by MAX_SLASHES_CAP.
        for (uint256 i = 0; i < count; ++i) {
            (uint256 amount, uint256 bond) = _executeSlash(epoch, i);
            slashedTotal += amount;
            forfeited += bond;
        }
        // Rounds down: the burn never exceeds its share; the treasury receives the remainder.
        uint256 burned = (slashedTotal * _slashBurnBps) / BPS_DENOMINATOR;
        // Cannot underflow: burned <= slashedTotal since _slashBurnBps <= BPS_DENOMINATOR.
        uint256 toTreasury = slashedTotal - burned;

        // Always the latest: reports finalize in chain order and the chain's epochs strictly increase.
        _lastFinalizedEpoch = epoch;
        _hasFinalized = true;
        _distributor.finalizeEpoch(epoch, info.rewardsRoot, info.rewardsTotal);
        emit ReportFinalized(epoch, slashedTotal, burned, toTreasury);
        if (burned > 0) _token.safeTransfer(BURN_ADDRESS, burned);
        // Rejected appeals' bonds were held in `_pendingBonds` until now (released in _executeSlash).
        uint256 toTreasuryWithBonds = toTreasury + forfeited;
        if (toTreasuryWithBonds > 0) _token.safeTransfer(_treasury, toTreasuryWithBonds);
    }

    /// @inheritdoc ISettlement
    function vetoSlash(uint64 epoch, uint256 index) external onlyRole(GUARDIAN_ROLE) nonReentrant {
        _requireDisputable(epoch);
        SlashRecord storage s = _slashAt(epoch, index);
        SlashState state = s.state;
        if (state != SlashState.Proposed && state != SlashState.Appealed) {
            revert SettlementSlashStateInvalid(epoch, index, state);
        }
        s.state = SlashState.Vetoed;
        emit SlashVetoed(epoch, index, s.node);
        if (state == SlashState.Appealed) _refundBond(epoch, index, s);
    }

    /// @inheritdoc ISettlement
    function vetoReport(uint64 epoch) external onlyRole(GUARDIAN_ROLE) nonReentrant {
        ReportInfo storage info = _requireDisputable(epoch);
        // Every report after this one in the chain was built on it: walk back from the tip to it. All of them
        // are pending (a report finalizes only after its parent), so the walk is bounded by _pendingCount <=
        // MAX_PENDING_REPORTS; it ends at `epoch` because a pending report is on the chain below the tip.
        uint256 released = 0;
        uint256 cancelled = 1;
        uint64 e = _tipEpoch;
        while (e != epoch) {
            ReportInfo storage d = _reports[e];
            uint256 amount = _cancelReport(e, d);
            released += amount;
            ++cancelled;
            emit ReportInvalidated(e, epoch, amount);
            e = d.parentEpoch;
        }
        _vetoedDigests[info.digest] = true;
        uint256 own = _cancelReport(epoch, info);
        released += own;
        // The tip returns to the vetoed report's parent (none if it was the first report of the chain).
        _tipEpoch = info.parentEpoch;
        _hasTip = info.hasParent;
        // Cannot underflow: each report cancelled was pending and counted. Fits: cancelled <= MAX_PENDING_REPORTS.
        _pendingCount -= uint16(cancelled);
        emit ReportVetoed(epoch, own);
        _distributor.releaseBudget(released);
    }

    /// @inheritdoc ISettlement
    function appeal(uint64 epoch, uint256 index) external nonReentrant {
        ReportInfo storage info = _requireDisputable(epoch);
        SlashRecord storage s = _slashAt(epoch, index);
        if (s.state != SlashState.Proposed) revert SettlementSlashStateInvalid(epoch, index, s.state);
        address node = s.node;
        if (_registry.getNode(node).operator != msg.sender) revert SettlementNotNodeOperator(node, msg.sender);
        uint256 bond = _appealBond;
        // Credited refunds pay first (e.g. the bond of the same appeal in a vetoed report): those tokens are
        // already held and counted in _pendingBonds, so they only change hands from refund to bond.
        uint256 credit = _refunds[msg.sender];
        uint256 fromCredit = credit < bond ? credit : bond;
        // Cannot underflow: fromCredit <= credit.
        _refunds[msg.sender] = credit - fromCredit;
        // Cannot underflow: fromCredit <= bond.
        uint256 owed = bond - fromCredit;
        if (owed > 0) {
            uint256 before = _token.balanceOf(address(this));
            _token.safeTransferFrom(msg.sender, address(this), owed);
            uint256 received = _token.balanceOf(address(this)) - before;
            if (received != owed) revert SettlementTransferShortfall(owed, received);
            _pendingBonds += owed;
        }
        s.state = SlashState.Appealed;
        s.appellant = msg.sender;
        // Fits: the appeal bond is bounded by type(uint96).max in _setAppealBond.
        s.bond = uint96(bond);
        info.hasAppeals = true;
        emit SlashAppealed(epoch, index, node, msg.sender, bond);
    }

    /// @inheritdoc ISettlement
    function resolveAppeal(uint64 epoch, uint256 index, bool upheld) external onlyRole(GUARDIAN_ROLE) nonReentrant {
        // Only inside the window: from its last second on, `finalize` decides undecided appeals, so a decision
        // can never race a finalization.
        _requireDisputable(epoch);
        SlashRecord storage s = _slashAt(epoch, index);
        if (s.state != SlashState.Appealed) revert SettlementSlashStateInvalid(epoch, index, s.state);
        uint256 bond = s.bond;
        if (upheld) {
            s.state = SlashState.AppealUpheld;
            emit AppealResolved(epoch, index, true, bond, s.appellant);
            _refundBond(epoch, index, s);
        } else {
            // The bond stays held (in _pendingBonds) until the report finalizes: a veto before then refunds it.
            s.state = SlashState.AppealRejected;
            emit AppealResolved(epoch, index, false, bond, _treasury);
        }
    }

    /// @inheritdoc ISettlement
    function withdrawRefund() external nonReentrant {
        uint256 amount = _refunds[msg.sender];
        if (amount == 0) revert SettlementNothingToWithdraw(msg.sender);
        _refunds[msg.sender] = 0;
        _pendingBonds -= amount;
        emit BondRefundWithdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc ISettlement
    function setDisputeWindow(uint64 window) external onlyRole(GOVERNANCE_ROLE) {
        _setDisputeWindow(window);
    }

    /// @inheritdoc ISettlement
    function setSlashBurnBps(uint16 bps) external onlyRole(GOVERNANCE_ROLE) {
        _setSlashBurnBps(bps);
    }

    /// @inheritdoc ISettlement
    function setAppealBond(uint256 bond) external onlyRole(GOVERNANCE_ROLE) {
        _setAppealBond(bond);
    }

    /// @inheritdoc ISettlement
    function setMaxSlashes(uint16 maxSlashes_) external onlyRole(GOVERNANCE_ROLE) {
        _setMaxSlashes(maxSlashes_);
    }

    /// @inheritdoc ISettlement
    function setTreasury(address treasury_) external onlyRole(GOVERNANCE_ROLE) {
        _setTreasury(treasury_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISettlement
    function reportOf(uint64 epoch) external view returns (ReportInfo memory) {
        return _reports[epoch];
    }

    /// @inheritdoc ISettlement
    function finalizedLeasesRoot(uint64 epoch) external view returns (bytes32) {
        return _reports[epoch].status == ReportStatus.Finalized ? _leasesRoots[epoch] : bytes32(0);
    }

    /// @inheritdoc ISettlement
    function slashOf(uint64 epoch, uint256 index) external view returns (SlashInfo memory) {
        uint256 count = _reports[epoch].slashCount;
        if (index >= count) revert SettlementSlashIndexOutOfBounds(epoch, index, count);
        SlashRecord storage r = _slashes[epoch][index];
        return SlashInfo({
            slash: Slash({node: r.node, bps: r.bps, reason: r.reason, evidence: r.evidence}),
            state: r.state,
            appellant: r.appellant,
            bond: r.bond,
            amount: r.amount
        });
    }

    /// @inheritdoc ISettlement
    function lastFinalizedEpoch() external view returns (uint64) {
        return _lastFinalizedEpoch;
    }

    /// @inheritdoc ISettlement
    function hasFinalized() external view returns (bool) {
        return _hasFinalized;
    }

    /// @inheritdoc ISettlement
    function pendingBonds() external view returns (uint256) {
        return _pendingBonds;
    }

    /// @inheritdoc ISettlement
    function refundOf(address appellant) external view returns (uint256) {
        return _refunds[appellant];
    }

    /// @inheritdoc ISettlement
    function tip() external view returns (bool exists, uint64 epoch, bytes32 digest) {
        return (_hasTip, _tipEpoch, _tipDigest());
    }

    /// @inheritdoc ISettlement
    function pendingReports() external view returns (uint256) {
        return _pendingCount;
    }

    /// @inheritdoc ISettlement
    function reportDigest(EpochReport calldata report) public view returns (bytes32) {
        // abi.encode of the calldata struct: every field is a static 32-byte word, in the type hash's order.
        return _hashTypedDataV4(keccak256(abi.encodePacked(EPOCH_REPORT_TYPEHASH, abi.encode(report))));
    }

    /// @inheritdoc ISettlement
    function disputeWindow() external view returns (uint64) {
        return _disputeWindow;
    }

    /// @inheritdoc ISettlement
    function slashBurnBps() external view returns (uint16) {
        return _slashBurnBps;
    }

    /// @inheritdoc ISettlement
    function appealBond() external view returns (uint256) {
        return _appealBond;
    }

    /// @inheritdoc ISettlement
    function maxSlashes() external view returns (uint16) {
        return _maxSlashes;
    }

    /// @inheritdoc ISettlement
    function treasury() external view returns (address) {
        return _treasury;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks everything about a report except its signatures; returns the current config version.
    function _validateReport(EpochReport calldata report, Slash[] calldata slashes) private view returns (uint64) {
        uint64 epoch = report.epoch;
        ReportStatus status = _reports[epoch].status;
        if (status == ReportStatus.Pending || status == ReportStatus.Finalized) {
            revert SettlementReportExists(epoch, status);
        }
        uint256 endsAt = _epochs.epochEnd(epoch);
        if (block.timestamp < endsAt) revert SettlementEpochNotOver(epoch, endsAt);
        bytes32 commitment = _epochs.seedCommitment(epoch);
        if (commitment == bytes32(0) || keccak256(abi.encode(epoch, report.seed)) != commitment) {
            revert SettlementSeedMismatch(epoch, commitment);
        }
        uint64 version = _epochs.configVersion();
        if (report.configVersion != version) revert SettlementConfigVersionMismatch(report.configVersion, version);
        _checkParent(report);
        if (slashes.length > _maxSlashes) revert SettlementTooManySlashes(slashes.length, _maxSlashes);
        bytes32 computed = keccak256(abi.encode(slashes));
        if (computed != report.slashListHash) revert SettlementSlashListHashMismatch(report.slashListHash, computed);
        return version;
    }

    /// @dev The report must extend the chain: name the tip's digest as parent, for a later epoch, with room for
    /// one more pending report.
    function _checkParent(EpochReport calldata report) private view {
        bytes32 expected = _tipDigest();
        if (report.parent != expected) revert SettlementParentMismatch(report.epoch, report.parent, expected);
        if (_hasTip && report.epoch <= _tipEpoch) revert SettlementEpochNotAfterTip(report.epoch, _tipEpoch);
        if (_pendingCount >= MAX_PENDING_REPORTS) revert SettlementTooManyPendingReports(MAX_PENDING_REPORTS);
    }

    function _tipDigest() private view returns (bytes32) {
        return _hasTip ? _reports[_tipEpoch].digest : bytes32(0);
    }

    function _storeReport(
        EpochReport calldata report,
        bytes32 digest,
        uint256 slashCount,
        uint64 version,
        bool reReport
    ) private {
        uint64 epoch = report.epoch;
        uint64 disputeEndsAt = uint64(block.timestamp) + _disputeWindow;
        ReportInfo storage info = _reports[epoch];
        info.status = ReportStatus.Pending;
        info.disputeEndsAt = disputeEndsAt;
        info.configVersion = version;
        // Fits: slashCount <= MAX_SLASHES_CAP.
        info.slashCount = uint16(slashCount);
        // The parent is the tip (checked in _checkParent); a re-report overwrites what the vetoed one left.
        info.parentEpoch = _tipEpoch;
        info.hasParent = _hasTip;
        info.hasAppeals = false;
        info.submitter = msg.sender;
        info.digest = digest;
        info.seed = report.seed;
        info.rewardsRoot = report.rewardsRoot;
        info.rewardsTotal = report.rewardsTotal;
        info.statsRoot = report.statsRoot;
        // Written when non-zero, and always by a re-report, which must clear the vetoed report's root: a first
        // report without leases writes nothing.
        if (report.leasesRoot != bytes32(0) || reReport) _leasesRoots[epoch] = report.leasesRoot;
        _tipEpoch = epoch;
        _hasTip = true;
        // Cannot overflow: _pendingCount < MAX_PENDING_REPORTS (checked in _checkParent).
        ++_pendingCount;
        emit ReportSubmitted(
            epoch,
            msg.sender,
            digest,
            report.parent,
            report.rewardsRoot,
            report.rewardsTotal,
            report.statsRoot,
            slashCount,
            disputeEndsAt
        );
    }

    /// @dev Marks a pending report vetoed and credits back every bond its slashes hold (undecided and
    /// rejected appeals alike: the rejection is moot once the report is cancelled). Returns its reserved
    /// budget for the caller to release.
    function _cancelReport(uint64 epoch, ReportInfo storage info) private returns (uint256) {
        info.status = ReportStatus.Vetoed;
        if (info.hasAppeals) {
            uint256 count = info.slashCount;
            // Bounded by MAX_SLASHES_CAP.
            for (uint256 i = 0; i < count; ++i) {
                SlashRecord storage s = _slashes[epoch][i];
                SlashState state = s.state;
                if (state == SlashState.Appealed || state == SlashState.AppealRejected) {
                    s.state = SlashState.Vetoed;
                    _refundBond(epoch, i, s);
                }
            }
        }
        return info.rewardsTotal;
    }

    /// @dev Every signature must recover to a committee member, signers strictly ascending (no duplicates),
    /// and there must be at least quorum of them.
    function _checkSignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 count = signatures.length;
        if (count > MAX_COMMITTEE_SIZE) revert SettlementTooManySignatures(count, MAX_COMMITTEE_SIZE);
        uint8 needed = _epochs.quorum();
        if (count < needed) revert SettlementQuorumNotReached(count, needed);
        address previous = address(0);
        // Bounded by MAX_COMMITTEE_SIZE (checked above).
        for (uint256 i = 0; i < count; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert SettlementInvalidSignature(i);
            if (signer <= previous) revert SettlementSignersNotAscending(i, signer);
            if (!_epochs.isCommitteeMember(signer)) revert SettlementSignerNotMember(i, signer);
            previous = signer;
        }
    }

    function _storeSlashes(uint64 epoch, Slash[] calldata slashes, bool clearOld) private {
        uint256 count = slashes.length;
        // Bounded by _maxSlashes <= MAX_SLASHES_CAP (checked by the caller).
        for (uint256 i = 0; i < count; ++i) {
            Slash calldata s = slashes[i];
            if (
                s.node == address(0) || s.bps == 0 || s.bps > BPS_DENOMINATOR || s.reason == 0
                    || s.reason > uint8(SlashReason.LeaseViolation)
            ) revert SettlementInvalidSlash(i);
            SlashRecord storage r = _slashes[epoch][i];
            // Two slots per slash on a first report: (node, bps, reason, state) and evidence.
            r.node = s.node;
            r.bps = s.bps;
            r.reason = s.reason;
            r.state = SlashState.Proposed;
            r.evidence = s.evidence;
            if (clearOld) {
                r.appellant = address(0);
                r.bond = 0;
                r.amount = 0;
            }
            emit SlashProposed(epoch, i, s.node, s.bps, s.reason, s.evidence);
        }
    }

    /// @dev Executes slash `index` unless vetoed or upheld on appeal; an undecided appeal's bond is refunded
    /// and the slash proceeds; a rejected appeal's bond is released from `_pendingBonds` and returned as
    /// `forfeited` for the treasury. The registry's slash never reverts for a valid bps and returns 0 for an
    /// unknown node or a node without stake.
    function _executeSlash(uint64 epoch, uint256 index) private returns (uint256 amount, uint256 forfeited) {
        SlashRecord storage s = _slashes[epoch][index];
        SlashState state = s.state;
        if (state != SlashState.Proposed && state != SlashState.Appealed && state != SlashState.AppealRejected) {
            return (0, 0);
        }
        s.state = SlashState.Executed;
        if (state == SlashState.Appealed) _refundBond(epoch, index, s);
        if (state == SlashState.AppealRejected) {
            forfeited = s.bond;
            // Cannot underflow: the bond was added to _pendingBonds by `appeal` and not released since.
            _pendingBonds -= forfeited;
            emit AppealBondForfeited(epoch, index, s.appellant, forfeited);
        }
        amount = _registry.slash(s.node, s.bps);
        s.amount = amount;
        emit SlashExecuted(epoch, index, s.node, amount);
    }

    /// @dev Credits the bond to the appellant (pull payment): no call to the appellant's account here, so it
    /// cannot block a veto, a decision or a finalization. The tokens stay counted in `_pendingBonds` until
    /// withdrawn.
    function _refundBond(uint64 epoch, uint256 index, SlashRecord storage s) private {
        address appellant = s.appellant;
        uint256 bond = s.bond;
        _refunds[appellant] += bond;
        emit AppealBondRefunded(epoch, index, appellant, bond);
    }

    function _requireDisputable(uint64 epoch) private view returns (ReportInfo storage info) {
        info = _reports[epoch];
        if (info.status != ReportStatus.Pending) revert SettlementReportNotPending(epoch, info.status);
        if (block.timestamp >= info.disputeEndsAt) revert SettlementDisputeWindowClosed(epoch, info.disputeEndsAt);
    }

    function _slashAt(uint64 epoch, uint256 index) private view returns (SlashRecord storage) {
        uint256 count = _reports[epoch].slashCount;
        if (index >= count) revert SettlementSlashIndexOutOfBounds(epoch, index, count);
        return _slashes[epoch][index];
    }

    function _setDisputeWindow(uint64 window) private {
        if (window < MIN_DISPUTE_WINDOW || window > MAX_DISPUTE_WINDOW) {
            revert SettlementDisputeWindowOutOfBounds(window);
        }
        // Stake unbonded during an epoch must still be slashable when that epoch's report finalizes.
        uint256 unbonding = _registry.unbondingDelay();
        uint256 epochLength = _epochs.epochLength();
        // Two uint64 values summed in uint256: cannot overflow.
        if (unbonding <= epochLength + window) revert SettlementDisputeWindowTooLong(window, epochLength, unbonding);
        uint64 oldValue = _disputeWindow;
        _disputeWindow = window;
        emit DisputeWindowSet(oldValue, window);
    }

    function _setSlashBurnBps(uint16 bps) private {
        if (bps > BPS_DENOMINATOR) revert SettlementSlashBurnBpsOutOfBounds(bps);
        uint16 oldValue = _slashBurnBps;
        _slashBurnBps = bps;
        emit SlashBurnBpsSet(oldValue, bps);
    }

    function _setAppealBond(uint256 bond) private {
        if (bond == 0 || bond > type(uint96).max) revert SettlementAppealBondOutOfBounds(bond);
        uint256 oldValue = _appealBond;
        _appealBond = bond;
        emit AppealBondSet(oldValue, bond);
    }

    function _setMaxSlashes(uint16 maxSlashes_) private {
        if (maxSlashes_ == 0 || maxSlashes_ > MAX_SLASHES_CAP) revert SettlementMaxSlashesOutOfBounds(maxSlashes_);
        uint16 oldValue = _maxSlashes;
        _maxSlashes = maxSlashes_;
        emit MaxSlashesSet(oldValue, maxSlashes_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert SettlementZeroAddress();
        address oldValue = _treasury;
        _treasury = treasury_;
        emit TreasurySet(oldValue, treasury_);
    }
}
