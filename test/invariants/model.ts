/**
 * The expected-state model of the invariant tests: a plain TypeScript mirror of NodeRegistry,
 * EpochManager (seeds, committee), Settlement (reports, slashes, bonds) and RewardsDistributor
 * (budget, root, claims). Every `predict*` function returns the name of the custom error the
 * contract must revert with, or `null` when the call must succeed; every `apply*` function changes
 * the model the way a successful call changes the chain. Pure: no I/O.
 */

export const BPS = 10_000n;

export interface ModelParams {
  genesis: bigint;
  epochLength: bigint;
  disputeWindow: bigint;
  unbondingDelay: bigint;
  jailDuration: bigint;
  minStake: bigint;
  appealBond: bigint;
  maxSlashes: number;
}

export interface ModelNode {
  operator: string;
  stake: bigint;
  unbonding: bigint;
  release: bigint;
  exiting: boolean;
  jailedUntil: bigint;
}

export type SlashState = "Proposed" | "Vetoed" | "Appealed" | "AppealUpheld" | "AppealRejected" | "Executed";

export interface ModelSlash {
  node: string;
  bps: number;
  state: SlashState;
  appellant: string;
  bond: bigint;
  amount: bigint;
}

export interface ModelReport {
  status: "Pending" | "Vetoed" | "Finalized";
  disputeEndsAt: bigint;
  rewardsTotal: bigint;
  /** Cumulative amounts of the report's rewards tree. */
  cumulative: Map<string, bigint>;
  root: string;
  slashes: ModelSlash[];
  /** Submission order (a vetoed epoch can be reported again later). */
  submittedAt: number;
  /** Epoch of the report it names as parent (the tip when submitted); null for the first. */
  parentEpoch: bigint | null;
}

/** Settlement.MAX_PENDING_REPORTS. */
export const MAX_PENDING_REPORTS = 64;
/** EpochManager.MAX_COMMIT_AHEAD_EPOCHS. */
export const MAX_COMMIT_AHEAD_EPOCHS = 64n;

export class Model {
  nodes = new Map<string, ModelNode>();
  seeds = new Set<bigint>();
  reports = new Map<bigint, ModelReport>();
  quorum = 2;
  members: string[] = [];
  funded = 0n;
  committed = 0n;
  finalized = 0n;
  claimedTotal = 0n;
  claimed = new Map<string, bigint>();
  rootEpoch: bigint | null = null;
  /** Highest cumulative amount per account over every root that was ever current. */
  maxCumulative = new Map<string, bigint>();
  /** Appeal-bond tokens Settlement holds: undecided bonds plus credited, unwithdrawn refunds. */
  pendingBonds = 0n;
  /** Bond refunds credited to each appellant (pull payment, Settlement.withdrawRefund). */
  refunds = new Map<string, bigint>();
  submissions = 0;
  /** Settlement's tip: the latest pending or finalized report (null when none). */
  tip: bigint | null = null;
  /** Rewards of reports that were vetoed or invalidated (never finalized, never claimable). */
  cancelledRewards = 0n;

  constructor(readonly p: ModelParams) {}

  epochStart(e: bigint): bigint {
    return this.p.genesis + e * this.p.epochLength;
  }
  epochEnd(e: bigint): bigint {
    return this.epochStart(e + 1n);
  }
  currentEpoch(now: bigint): bigint {
    return now < this.p.genesis ? 0n : (now - this.p.genesis) / this.p.epochLength;
  }
  get totalActive(): bigint {
    let s = 0n;
    for (const n of this.nodes.values()) s += n.stake;
    return s;
  }
  get totalUnbonding(): bigint {
    let s = 0n;
    for (const n of this.nodes.values()) s += n.unbonding;
    return s;
  }
  /** Cumulative amounts of the current claim root (empty before the first finalization). */
  rootCumulative(): Map<string, bigint> {
    if (this.rootEpoch === null) return new Map();
    return this.reports.get(this.rootEpoch)!.cumulative;
  }
  /**
   * What the oracle builds the next tree on: the most recently submitted report that was not vetoed
   * (a ledger in submission order, so every tree holds every reward reported before it).
   */
  oracleBase(): Map<string, bigint> {
    let best: ModelReport | null = null;
    for (const r of this.reports.values()) {
      if (r.status !== "Vetoed" && (best === null || r.submittedAt > best.submittedAt)) best = r;
    }
    return best === null ? new Map() : new Map(best.cumulative);
  }

  // ------------------------------------------------------------ registry

  predictRegister(key: string, operator: string, amount: bigint, validSig: boolean): string | null {
    const n = this.nodes.get(key);
    if (n && !(n.exiting && n.stake === 0n && n.unbonding === 0n)) return "NodeRegistryAlreadyRegistered";
    if (!validSig) return "NodeRegistryInvalidSignature";
    if (amount < this.p.minStake) return "NodeRegistryInsufficientStake";
    return null;
  }
  applyRegister(key: string, operator: string, amount: bigint): void {
    const old = this.nodes.get(key);
    this.nodes.set(key, {
      operator,
      stake: amount,
      unbonding: 0n,
      release: 0n,
      exiting: false,
      jailedUntil: old?.jailedUntil ?? 0n,
    });
  }

  private operatorCheck(key: string, caller: string): string | null {
    const n = this.nodes.get(key);
    if (!n) return "NodeRegistryUnknownNode";
    if (n.operator !== caller) return "NodeRegistryNotOperator";
    return null;
  }

  predictTopUp(key: string, caller: string, amount: bigint): string | null {
    if (amount === 0n) return "NodeRegistryZeroAmount";
    const e = this.operatorCheck(key, caller);
    if (e) return e;
    if (this.nodes.get(key)!.exiting) return "NodeRegistryNodeExiting";
    return null;
  }
  applyTopUp(key: string, amount: bigint): void {
    this.nodes.get(key)!.stake += amount;
  }

  predictUnbond(key: string, caller: string, amount: bigint): string | null {
    if (amount === 0n) return "NodeRegistryZeroAmount";
    const e = this.operatorCheck(key, caller);
    if (e) return e;
    const n = this.nodes.get(key)!;
    if (n.exiting) return "NodeRegistryNodeExiting";
    if (amount > n.stake) return "NodeRegistryUnbondExceedsStake";
    if (n.stake - amount < this.p.minStake) return "NodeRegistryInsufficientStake";
    return null;
  }
  applyUnbond(key: string, amount: bigint, now: bigint): void {
    const n = this.nodes.get(key)!;
    n.stake -= amount;
    n.unbonding += amount;
    n.release = now + this.p.unbondingDelay;
  }

  predictWithdraw(key: string, caller: string, now: bigint): string | null {
    const e = this.operatorCheck(key, caller);
    if (e) return e;
    const n = this.nodes.get(key)!;
    if (n.unbonding === 0n) return "NodeRegistryNothingToWithdraw";
    if (now < n.release) return "NodeRegistryUnbondingNotReleased";
    return null;
  }
  applyWithdraw(key: string): bigint {
    const n = this.nodes.get(key)!;
    const a = n.unbonding;
    n.unbonding = 0n;
    return a;
  }

  predictDeregister(key: string, caller: string): string | null {
    const e = this.operatorCheck(key, caller);
    if (e) return e;
    if (this.nodes.get(key)!.exiting) return "NodeRegistryNodeExiting";
    return null;
  }
  applyDeregister(key: string, now: bigint): void {
    const n = this.nodes.get(key)!;
    n.unbonding += n.stake;
    n.stake = 0n;
    n.release = now + this.p.unbondingDelay;
    n.exiting = true;
  }

  /** NodeRegistry.slash: ceil((stake + unbonding) * bps / 10_000), active stake first. */
  applyRegistrySlash(key: string, bps: number, now: bigint): { amount: bigint; had: bigint } {
    const n = this.nodes.get(key);
    if (!n) return { amount: 0n, had: 0n };
    const had = n.stake + n.unbonding;
    // Rounds up, against the slashed node (as the contract).
    const amount = (had * BigInt(bps) + BPS - 1n) / BPS;
    const fromStake = amount < n.stake ? amount : n.stake;
    n.stake -= fromStake;
    n.unbonding -= amount - fromStake;
    const jail = now + this.p.jailDuration;
    if (jail > n.jailedUntil) n.jailedUntil = jail;
    return { amount, had };
  }

  // ------------------------------------------------------------ epochs

  predictCommit(epoch: bigint, caller: string, now: bigint): string | null {
    if (!this.members.includes(caller)) return "EpochManagerNotCommitteeMember";
    if (now >= this.epochStart(epoch)) return "EpochManagerEpochStarted";
    if (epoch > this.currentEpoch(now) + MAX_COMMIT_AHEAD_EPOCHS) return "EpochManagerCommitTooFarAhead";
    if (this.seeds.has(epoch)) return "EpochManagerSeedAlreadyCommitted";
    return null;
  }

  // ------------------------------------------------------------ settlement

  /** Reports still pending (always the chain's last ones). */
  get pendingCount(): number {
    let n = 0;
    for (const r of this.reports.values()) if (r.status === "Pending") n++;
    return n;
  }

  /** `parentIsTip`: whether the report names the tip's digest as parent. */
  predictSubmit(epoch: bigint, now: bigint, signatures: number, rewardsTotal: bigint, slashCount: number, parentIsTip = true): string | null {
    const r = this.reports.get(epoch);
    if (r && r.status !== "Vetoed") return "SettlementReportExists";
    if (now < this.epochEnd(epoch)) return "SettlementEpochNotOver";
    if (!this.seeds.has(epoch)) return "SettlementSeedMismatch";
    if (!parentIsTip) return "SettlementParentMismatch";
    if (this.tip !== null && epoch <= this.tip) return "SettlementEpochNotAfterTip";
    if (this.pendingCount >= MAX_PENDING_REPORTS) return "SettlementTooManyPendingReports";
    if (slashCount > this.p.maxSlashes) return "SettlementTooManySlashes";
    if (signatures < this.quorum) return "SettlementQuorumNotReached";
    if (rewardsTotal > this.funded - this.committed) return "RewardsDistributorInsufficientBudget";
    return null;
  }
  applySubmit(
    epoch: bigint,
    now: bigint,
    rewardsTotal: bigint,
    cumulative: Map<string, bigint>,
    root: string,
    slashes: { node: string; bps: number }[],
  ): void {
    this.committed += rewardsTotal;
    this.reports.set(epoch, {
      status: "Pending",
      disputeEndsAt: now + this.p.disputeWindow,
      rewardsTotal,
      cumulative,
      root,
      slashes: slashes.map((s) => ({ ...s, state: "Proposed", appellant: "", bond: 0n, amount: 0n })),
      submittedAt: ++this.submissions,
      parentEpoch: this.tip,
    });
    this.tip = epoch;
  }

  private disputable(epoch: bigint, now: bigint): string | null {
    const r = this.reports.get(epoch);
    if (!r || r.status !== "Pending") return "SettlementReportNotPending";
    if (now >= r.disputeEndsAt) return "SettlementDisputeWindowClosed";
    return null;
  }

  predictVetoSlash(epoch: bigint, index: number, now: bigint): string | null {
    const e = this.disputable(epoch, now);
    if (e) return e;
    const r = this.reports.get(epoch)!;
    if (index >= r.slashes.length) return "SettlementSlashIndexOutOfBounds";
    const st = r.slashes[index].state;
    if (st !== "Proposed" && st !== "Appealed") return "SettlementSlashStateInvalid";
    return null;
  }
  applyVetoSlash(epoch: bigint, index: number): void {
    const s = this.reports.get(epoch)!.slashes[index];
    if (s.state === "Appealed") this.creditRefund(s);
    s.state = "Vetoed";
  }

  /** Settlement._refundBond: the bond stays in Settlement, credited to the appellant. */
  private creditRefund(s: ModelSlash): void {
    this.refunds.set(s.appellant, (this.refunds.get(s.appellant) ?? 0n) + s.bond);
  }

  predictWithdrawRefund(caller: string): string | null {
    return (this.refunds.get(caller) ?? 0n) === 0n ? "SettlementNothingToWithdraw" : null;
  }
  applyWithdrawRefund(caller: string): bigint {
    const a = this.refunds.get(caller) ?? 0n;
    this.refunds.set(caller, 0n);
    this.pendingBonds -= a;
    return a;
  }

  predictVetoReport(epoch: bigint, now: bigint): string | null {
    return this.disputable(epoch, now);
  }
  /** Vetoes `epoch` and invalidates every report built on it (the chain from the tip back to it). */
  applyVetoReport(epoch: bigint): bigint[] {
    const invalidated: bigint[] = [];
    for (let e = this.tip!; e !== epoch; e = this.reports.get(e)!.parentEpoch!) {
      invalidated.push(e);
      this.cancel(this.reports.get(e)!);
    }
    const r = this.reports.get(epoch)!;
    this.cancel(r);
    this.tip = r.parentEpoch;
    return invalidated;
  }
  private cancel(r: ModelReport): void {
    r.status = "Vetoed";
    this.committed -= r.rewardsTotal;
    this.cancelledRewards += r.rewardsTotal;
    for (const s of r.slashes) {
      // Undecided and rejected appeals alike: the bond goes back to the appellant.
      if (s.state === "Appealed" || s.state === "AppealRejected") {
        this.creditRefund(s);
        s.state = "Vetoed";
      }
    }
  }

  predictAppeal(epoch: bigint, index: number, caller: string, now: bigint): string | null {
    const e = this.disputable(epoch, now);
    if (e) return e;
    const r = this.reports.get(epoch)!;
    if (index >= r.slashes.length) return "SettlementSlashIndexOutOfBounds";
    const s = r.slashes[index];
    if (s.state !== "Proposed") return "SettlementSlashStateInvalid";
    const n = this.nodes.get(s.node);
    if (!n || n.operator !== caller) return "SettlementNotNodeOperator";
    return null;
  }
  /** Returns what the appellant pays in (the bond less the credited refunds it uses). */
  applyAppeal(epoch: bigint, index: number, caller: string): bigint {
    const s = this.reports.get(epoch)!.slashes[index];
    s.state = "Appealed";
    s.appellant = caller;
    s.bond = this.p.appealBond;
    const credit = this.refunds.get(caller) ?? 0n;
    const fromCredit = credit < this.p.appealBond ? credit : this.p.appealBond;
    this.refunds.set(caller, credit - fromCredit);
    this.pendingBonds += this.p.appealBond - fromCredit;
    return this.p.appealBond - fromCredit;
  }

  predictResolve(epoch: bigint, index: number, now: bigint): string | null {
    // Inside the dispute window only, as a veto: from disputeEndsAt on, finalize decides.
    const e = this.disputable(epoch, now);
    if (e) return e;
    const r = this.reports.get(epoch)!;
    if (index >= r.slashes.length) return "SettlementSlashIndexOutOfBounds";
    if (r.slashes[index].state !== "Appealed") return "SettlementSlashStateInvalid";
    return null;
  }
  applyResolve(epoch: bigint, index: number, upheld: boolean): void {
    const s = this.reports.get(epoch)!.slashes[index];
    // Upheld: credited back to the appellant; rejected: held until the report finalizes.
    if (upheld) this.creditRefund(s);
    s.state = upheld ? "AppealUpheld" : "AppealRejected";
  }

  predictFinalize(epoch: bigint, now: bigint): string | null {
    const r = this.reports.get(epoch);
    if (!r || r.status !== "Pending") return "SettlementReportNotPending";
    if (now < r.disputeEndsAt) return "SettlementDisputeWindowOpen";
    if (r.parentEpoch !== null && this.reports.get(r.parentEpoch)!.status !== "Finalized") return "SettlementParentNotFinalized";
    return null;
  }
  /** Returns, per slash, the amount taken and what the node held just before. */
  applyFinalize(epoch: bigint, now: bigint): { amount: bigint; had: bigint }[] {
    const r = this.reports.get(epoch)!;
    r.status = "Finalized";
    const taken: { amount: bigint; had: bigint }[] = [];
    for (const s of r.slashes) {
      if (s.state !== "Proposed" && s.state !== "Appealed" && s.state !== "AppealRejected") {
        taken.push({ amount: 0n, had: 0n });
        continue;
      }
      if (s.state === "Appealed") this.creditRefund(s);
      // A rejected appeal's bond goes to the treasury now.
      if (s.state === "AppealRejected") this.pendingBonds -= s.bond;
      s.state = "Executed";
      const t = this.applyRegistrySlash(s.node, s.bps, now);
      s.amount = t.amount;
      taken.push(t);
    }
    this.finalized += r.rewardsTotal;
    if (this.rootEpoch === null || epoch > this.rootEpoch) {
      this.rootEpoch = epoch;
      for (const [a, c] of r.cumulative) if (c > (this.maxCumulative.get(a) ?? 0n)) this.maxCumulative.set(a, c);
    }
    return taken;
  }

  // ------------------------------------------------------------ rewards

  predictClaim(account: string, cumulative: bigint, proofValid: boolean): string | null {
    if (!proofValid) return "RewardsDistributorInvalidProof";
    const already = this.claimed.get(account) ?? 0n;
    if (cumulative <= already) return "RewardsDistributorNothingToClaim";
    if (this.claimedTotal + cumulative - already > this.finalized) return "RewardsDistributorExceedsFinalized";
    return null;
  }
  applyClaim(account: string, cumulative: bigint): bigint {
    const already = this.claimed.get(account) ?? 0n;
    this.claimed.set(account, cumulative);
    this.claimedTotal += cumulative - already;
    return cumulative - already;
  }
}

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives the same sequences on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Weighted choice: `weights[i]` is the relative weight of index i. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((a, b) => a + b, 0);
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}
