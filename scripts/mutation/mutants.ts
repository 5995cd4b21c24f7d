/**
 * The named defences of the contracts, each as a mutant that removes it, with the tests that must
 * then fail (run by run.ts). A defence added to the contracts gets its mutant here.
 */
export interface Mutant {
  /** The defence, in words. */
  name: string;
  file: string;
  /** An exact snippet of `file`, present once; replaced by `to`. */
  from: string;
  to: string;
  /** Hardhat test files that hold the defence in place. */
  tests: string[];
}

const REGISTRY = "contracts/NodeRegistry.sol";
const DISTRIBUTOR = "contracts/RewardsDistributor.sol";
const TIMELOCK = "contracts/PoAITimelock.sol";
const SETTLEMENT = "contracts/Settlement.sol";
const EPOCHS = "contracts/EpochManager.sol";

const T = {
  registry: "test/unit/NodeRegistry.test.ts",
  distributor: "test/unit/RewardsDistributor.test.ts",
  staking: "test/attacks/staking.test.ts",
  registration: "test/attacks/registration.test.ts",
  tokens: "test/attacks/tokens.test.ts",
  rewards: "test/attacks/rewards.test.ts",
  governance: "test/attacks/governance.test.ts",
  unbondFlow: "test/flows/unbond_rightBeforeSlash_stillSlashed.test.ts",
  invariants: "test/invariants/protocol.invariants.test.ts",
  settlement: "test/unit/Settlement.test.ts",
  epochs: "test/unit/EpochManager.test.ts",
  signatures: "test/attacks/report-signatures.test.ts",
  validity: "test/attacks/report-validity.test.ts",
  parent: "test/attacks/report-parent.test.ts",
};

export const MUTANTS: Mutant[] = [
  // ---------------------------------------------------------------- NodeRegistry
  {
    name: "registry: only SLASHER_ROLE slashes",
    file: REGISTRY,
    from: "function slash(address node, uint16 bps) external onlyRole(SLASHER_ROLE) returns",
    to: "function slash(address node, uint16 bps) external returns",
    tests: [T.registry, T.staking],
  },
  {
    name: "registry: SLASHER_ROLE administers itself (no later grant)",
    file: REGISTRY,
    from: "_setRoleAdmin(SLASHER_ROLE, SLASHER_ROLE);",
    to: "",
    tests: [T.governance],
  },
  {
    name: "registry: REWARDS_ROLE administers itself (no later grant)",
    file: REGISTRY,
    from: "_setRoleAdmin(REWARDS_ROLE, REWARDS_ROLE);",
    to: "",
    tests: [T.governance],
  },
  {
    name: "registry: slash bps within 1..10000",
    file: REGISTRY,
    from: "if (bps == 0 || bps > BPS_DENOMINATOR) revert NodeRegistrySlashBpsOutOfBounds(bps);",
    to: "",
    tests: [T.registry],
  },
  {
    name: "registry: a slash rounds up, against the slashed node",
    file: REGISTRY,
    from: "amount = Math.mulDiv(stake + unbonding, bps, BPS_DENOMINATOR, Math.Rounding.Ceil);",
    to: "amount = Math.mulDiv(stake + unbonding, bps, BPS_DENOMINATOR, Math.Rounding.Floor);",
    tests: [T.registry, T.staking],
  },
  {
    name: "registry: unbonding stake stays slashable",
    file: REGISTRY,
    from: "uint256 fromUnbonding = amount - fromStake;",
    to: "uint256 fromUnbonding = 0; amount = fromStake;",
    tests: [T.registry, T.unbondFlow],
  },
  {
    name: "registry: withdraw waits for the unbonding release",
    file: REGISTRY,
    from: "if (block.timestamp < n.unbondReleaseTime) {",
    to: "if (false) {",
    tests: [T.registry, T.staking],
  },
  {
    name: "registry: a registration signature recovers to the node key",
    file: REGISTRY,
    from: "if (err != ECDSA.RecoverError.NoError || recovered != nodeKey) {",
    to: "if (err != ECDSA.RecoverError.NoError) {",
    tests: [T.registry, T.registration],
  },
  {
    name: "registry: a registration signature expires",
    file: REGISTRY,
    from: "if (block.timestamp > deadline) revert NodeRegistrySignatureExpired(deadline, block.timestamp);",
    to: "",
    tests: [T.registry, T.registration],
  },
  {
    name: "registry: a node key is registered once",
    file: REGISTRY,
    from: "if (known && (n.status != NodeStatus.Exiting || n.unbonding != 0)) {",
    to: "if (false) {",
    tests: [T.registry, T.registration],
  },
  {
    name: "registry: stake at least the claim's minimum",
    file: REGISTRY,
    from: "if (amount < need) revert NodeRegistryInsufficientStake(amount, need);",
    to: "",
    tests: [T.registry, T.staking],
  },
  {
    name: "registry: a fee-on-transfer stake token is refused",
    file: REGISTRY,
    from: "if (received != amount) revert NodeRegistryTransferShortfall(amount, received);",
    to: "",
    tests: [T.tokens],
  },
  {
    name: "registry: the pause stops new stake",
    file: REGISTRY,
    from: "function topUp(address node, uint256 amount) external whenNotPaused {",
    to: "function topUp(address node, uint256 amount) external {",
    tests: [T.governance],
  },
  {
    name: "registry: only the distributor stakes rewards",
    file: REGISTRY,
    from: "        onlyRole(REWARDS_ROLE)\n        whenNotPaused",
    to: "        whenNotPaused",
    tests: [T.distributor, T.governance],
  },
  {
    name: "registry: rewards are staked only into the claimer's own node",
    file: REGISTRY,
    from: "if (n.operator != operator) revert NodeRegistryNotOperator(node, operator);",
    to: "",
    tests: [T.distributor],
  },
  {
    name: "registry: unbonding delay above an epoch plus the dispute window",
    file: REGISTRY,
    from: "if (delay <= floor) revert NodeRegistryUnbondingDelayTooShort(delay, floor);",
    to: "",
    tests: [T.governance],
  },
  {
    name: "registry: unbonding delay below the timelock's delay",
    file: REGISTRY,
    from: "if (delay >= ceiling) revert NodeRegistryUnbondingDelayNotBelowTimelock(delay, ceiling);",
    to: "",
    tests: [T.governance],
  },
  // ---------------------------------------------------------------- RewardsDistributor
  {
    name: "distributor: a claim proves its leaf",
    file: DISTRIBUTOR,
    from: "if (!_verify(proof, root, _leaf(account, cumulativeAmount))) {",
    to: "if (false) {",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: a cumulative amount is claimed once",
    file: DISTRIBUTOR,
    from: "if (cumulativeAmount <= already) revert RewardsDistributorNothingToClaim(account, cumulativeAmount, already);",
    to: "",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: the claim is recorded before the payout",
    file: DISTRIBUTOR,
    from: "            sstore(slot, cumulativeAmount)\n",
    to: "",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: claims cannot be re-entered",
    file: DISTRIBUTOR,
    from: "        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();\n        assembly (\"memory-safe\") {\n            tstore(guard, 1)\n        }\n",
    to: "",
    tests: [T.tokens],
  },
  {
    name: "distributor: a claim holds the guard while it pays (fund, claimBatch, claimToStake cannot run inside it)",
    file: DISTRIBUTOR,
    from: "        assembly (\"memory-safe\") {\n            tstore(guard, 1)\n        }\n",
    to: "",
    tests: [T.tokens],
  },
  {
    name: "distributor: a claim is checked against the guard of the call it runs in",
    file: DISTRIBUTOR,
    from: "        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();\n",
    to: "",
    tests: [T.tokens],
  },
  {
    name: "distributor: only Settlement finalizes an epoch's root",
    file: DISTRIBUTOR,
    from: "function finalizeEpoch(uint64 epoch, bytes32 root, uint256 amount) external onlyRole(SETTLEMENT_ROLE) {",
    to: "function finalizeEpoch(uint64 epoch, bytes32 root, uint256 amount) external {",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: a report reserves no more than the funded budget",
    file: DISTRIBUTOR,
    from: "if (amount > available) revert RewardsDistributorInsufficientBudget(amount, available);",
    to: "",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: finalization releases no more than was reserved",
    file: DISTRIBUTOR,
    from: "        uint256 reserved = _totalCommitted - _totalFinalized;\n        if (amount > reserved) revert RewardsDistributorExceedsReserved(amount, reserved);\n        _totalFinalized += amount;",
    to: "        _totalFinalized += amount;",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: claim-to-stake pays the registry in full before crediting",
    file: DISTRIBUTOR,
    from: "if (received != payout) revert RewardsDistributorTransferShortfall(payout, received);",
    to: "",
    tests: [T.distributor],
  },
  // ---------------------------------------------------------------- Settlement
  {
    name: "settlement: a report needs a quorum of signatures",
    file: SETTLEMENT,
    from: "if (count < needed) revert SettlementQuorumNotReached(count, needed);",
    to: "",
    tests: [T.settlement, T.signatures],
  },
  {
    name: "settlement: signers strictly ascending (no signer counted twice)",
    file: SETTLEMENT,
    from: "if (signer <= previous) revert SettlementSignersNotAscending(i, signer);",
    to: "",
    tests: [T.settlement, T.signatures],
  },
  {
    name: "settlement: every signer is a committee member",
    file: SETTLEMENT,
    from: "if (!_epochs.isCommitteeMember(signer)) revert SettlementSignerNotMember(i, signer);",
    to: "",
    tests: [T.settlement, T.signatures],
  },
  {
    name: "settlement: the revealed seed opens the epoch's commitment",
    file: SETTLEMENT,
    from: "if (commitment == bytes32(0) || keccak256(abi.encode(epoch, report.seed)) != commitment) {",
    to: "if (false) {",
    tests: [T.settlement, T.validity],
  },
  {
    name: "settlement: the report is of the committee's current configuration",
    file: SETTLEMENT,
    from: "if (report.configVersion != version) revert SettlementConfigVersionMismatch(report.configVersion, version);",
    to: "",
    tests: [T.settlement, T.signatures],
  },
  {
    name: "settlement: an epoch is reported only after it ends",
    file: SETTLEMENT,
    from: "if (block.timestamp < endsAt) revert SettlementEpochNotOver(epoch, endsAt);",
    to: "",
    tests: [T.settlement, T.validity],
  },
  {
    name: "settlement: one pending or finalized report per epoch",
    file: SETTLEMENT,
    from: "if (status == ReportStatus.Pending || status == ReportStatus.Finalized) {",
    to: "if (false) {",
    tests: [T.settlement, T.validity],
  },
  {
    name: "settlement: the slash list matches the signed hash",
    file: SETTLEMENT,
    from: "if (computed != report.slashListHash) revert SettlementSlashListHashMismatch(report.slashListHash, computed);",
    to: "",
    tests: [T.settlement, T.validity],
  },
  {
    name: "settlement: a report's slash list is bounded",
    file: SETTLEMENT,
    from: "if (slashes.length > _maxSlashes) revert SettlementTooManySlashes(slashes.length, _maxSlashes);",
    to: "",
    tests: [T.settlement, T.validity],
  },
  {
    name: "settlement: a report names the chain's tip as parent",
    file: SETTLEMENT,
    from: "if (report.parent != expected) revert SettlementParentMismatch(report.epoch, report.parent, expected);",
    to: "",
    tests: [T.parent],
  },
  {
    name: "settlement: a report's epoch is after the tip's",
    file: SETTLEMENT,
    from: "if (_hasTip && report.epoch <= _tipEpoch) revert SettlementEpochNotAfterTip(report.epoch, _tipEpoch);",
    to: "",
    tests: [T.settlement, T.parent],
  },
  {
    name: "settlement: pending reports are bounded",
    file: SETTLEMENT,
    from: "if (_pendingCount >= MAX_PENDING_REPORTS) revert SettlementTooManyPendingReports(MAX_PENDING_REPORTS);",
    to: "",
    tests: [T.parent],
  },
  {
    name: "settlement: a veto invalidates the reports built on the vetoed one",
    file: SETTLEMENT,
    from: "        while (e != epoch) {",
    to: "        while (false) {",
    tests: [T.parent, T.invariants],
  },
  {
    name: "settlement: a report finalizes only after its parent",
    file: SETTLEMENT,
    from: "if (info.hasParent && _reports[info.parentEpoch].status != ReportStatus.Finalized) {",
    to: "if (false) {",
    tests: [T.settlement, T.rewards],
  },
  {
    name: "settlement: finalize waits for the dispute window (its last second included)",
    file: SETTLEMENT,
    from: "if (block.timestamp < info.disputeEndsAt) revert SettlementDisputeWindowOpen(epoch, info.disputeEndsAt);",
    to: "if (block.timestamp + 1 < info.disputeEndsAt) revert SettlementDisputeWindowOpen(epoch, info.disputeEndsAt);",
    tests: [T.governance],
  },
  {
    name: "settlement: vetoes and appeals end when the window ends",
    file: SETTLEMENT,
    from: "if (block.timestamp >= info.disputeEndsAt) revert SettlementDisputeWindowClosed(epoch, info.disputeEndsAt);",
    to: "if (block.timestamp > info.disputeEndsAt) revert SettlementDisputeWindowClosed(epoch, info.disputeEndsAt);",
    tests: [T.governance],
  },
  {
    name: "settlement: only the guardian vetoes a report",
    file: SETTLEMENT,
    from: "function vetoReport(uint64 epoch) external onlyRole(GUARDIAN_ROLE) nonReentrant {",
    to: "function vetoReport(uint64 epoch) external nonReentrant {",
    tests: [T.settlement, T.governance],
  },
  {
    name: "settlement: only the guardian resolves an appeal",
    file: SETTLEMENT,
    from: "function resolveAppeal(uint64 epoch, uint256 index, bool upheld) external onlyRole(GUARDIAN_ROLE) nonReentrant {",
    to: "function resolveAppeal(uint64 epoch, uint256 index, bool upheld) external nonReentrant {",
    tests: [T.settlement, T.governance],
  },
  {
    name: "settlement: only the node's operator appeals its slash",
    file: SETTLEMENT,
    from: "if (_registry.getNode(node).operator != msg.sender) revert SettlementNotNodeOperator(node, msg.sender);",
    to: "",
    tests: [T.settlement],
  },
  {
    name: "settlement: the dispute window stays below the unbonding delay less an epoch",
    file: SETTLEMENT,
    from: "if (unbonding <= epochLength + window) revert SettlementDisputeWindowTooLong(window, epochLength, unbonding);",
    to: "",
    tests: [T.governance],
  },
  {
    name: "settlement: only the timelock changes the dispute window",
    file: SETTLEMENT,
    from: "function setDisputeWindow(uint64 window) external onlyRole(GOVERNANCE_ROLE) {",
    to: "function setDisputeWindow(uint64 window) external {",
    tests: [T.settlement],
  },
  // ---------------------------------------------------------------- EpochManager
  {
    name: "epochs: only a committee member commits a seed",
    file: EPOCHS,
    from: "if (!_isMember[msg.sender]) revert EpochManagerNotCommitteeMember(msg.sender);",
    to: "",
    tests: [T.epochs],
  },
  {
    name: "epochs: a seed is committed before its epoch starts",
    file: EPOCHS,
    from: "        if (block.timestamp >= start) revert EpochManagerEpochStarted(epoch, start);\n        // Computed in uint256",
    to: "        // Computed in uint256",
    tests: [T.epochs],
  },
  {
    name: "epochs: a commitment is not replaced while in force",
    file: EPOCHS,
    from: "if (_inForce(c)) revert EpochManagerSeedAlreadyCommitted(epoch);",
    to: "",
    tests: [T.epochs],
  },
  {
    name: "epochs: a seed is committed at most MAX_COMMIT_AHEAD_EPOCHS ahead",
    file: EPOCHS,
    from: "if (epoch > latestAllowed) revert EpochManagerCommitTooFarAhead(epoch, uint64(latestAllowed));",
    to: "",
    tests: [T.epochs],
  },
  {
    name: "epochs: a commitment dies with its author's membership",
    file: EPOCHS,
    from: "return c.commitment != bytes32(0) && _isMember[author] && c.configVersion >= _memberSince[author];",
    to: "return c.commitment != bytes32(0);",
    tests: [T.epochs],
  },
  {
    name: "epochs: only the author or the timelock clears a commitment",
    file: EPOCHS,
    from: "if (msg.sender != author && !hasRole(GOVERNANCE_ROLE, msg.sender)) {",
    to: "if (false) {",
    tests: [T.epochs],
  },
  {
    name: "epochs: only the timelock changes the committee",
    file: EPOCHS,
    from: "function setCommittee(address[] calldata members, uint8 quorum_) external onlyRole(GOVERNANCE_ROLE) {",
    to: "function setCommittee(address[] calldata members, uint8 quorum_) external {",
    tests: [T.epochs],
  },
  {
    name: "epochs: the quorum is a strict majority",
    file: EPOCHS,
    from: "            revert EpochManagerQuorumOutOfBounds(quorum_, size);",
    to: "            quorum_ = quorum_;",
    tests: [T.epochs],
  },
  // ---------------------------------------------------------------- PoAITimelock
  {
    name: "timelock: its delay stays above the unbonding delay",
    file: TIMELOCK,
    from: "if (delay <= unbonding) revert PoAITimelockDelayNotAboveUnbonding(delay, unbonding);",
    to: "",
    tests: [T.governance],
  },
];
