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
    from: "        _claimed[account] = cumulativeAmount;\n",
    to: "",
    tests: [T.distributor, T.rewards],
  },
  {
    name: "distributor: claims cannot be re-entered",
    file: DISTRIBUTOR,
    from: "function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external nonReentrant {",
    to: "function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {",
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
  // ---------------------------------------------------------------- PoAITimelock
  {
    name: "timelock: its delay stays above the unbonding delay",
    file: TIMELOCK,
    from: "if (delay <= unbonding) revert PoAITimelockDelayNotAboveUnbonding(delay, unbonding);",
    to: "",
    tests: [T.governance],
  },
];
