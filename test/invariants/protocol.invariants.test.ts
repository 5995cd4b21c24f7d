/**
 * Invariants over random action sequences driving the deployed contracts on the Hardhat network.
 *
 * SEQUENCES sequences (fixed seed) of 5..15 random operator, committee and governance actions:
 * register (with a good or a bad node-key signature), top up, unbond, withdraw, deregister, fund,
 * commit a seed, submit a report (random slashes of known and unknown nodes, random rewards added to
 * a cumulative tree, sometimes too few signatures), veto a slash or a whole report, appeal (by the
 * operator or a stranger), resolve an appeal, finalize, withdraw a credited bond refund, claim (with a true or an inflated amount),
 * rotate the committee, and time jumps. The chain is reset between sequences with evm_snapshot /
 * evm_revert. Every block timestamp is set explicitly, so the model predicts time checks exactly.
 *
 * For every action the model (test/invariants/model.ts) predicts success or the exact custom error,
 * and after every action the test checks:
 *
 *  I1 (solvency, exact): the protocol's token balance (registry + distributor + settlement) equals
 *     active stake + unbonding stake + funded unclaimed rewards (totalFunded - totalClaimed) + pending
 *     appeal bonds; and per contract: registry = active + unbonding, distributor = funded - claimed,
 *     settlement = pending bonds (slashed tokens never stay in Settlement).
 *  I2 (claims): no account has ever claimed more than its cumulative amount in a root that was current, and
 *     totalClaimed <= totalFinalized <= totalCommitted <= totalFunded.
 *  I3 (slash bound): a slash never takes more than the node had (stake + unbonding just before), and
 *     takes exactly ceil(had * bps / 10_000).
 *  I4 (model): each node's stake, unbonding and operator, the registry totals, the distributor totals,
 *     each account's claimed amount and the pending bonds equal the model's.
 *  I5 (vetoes cancel rewards): the cumulative amounts of the current claim root add up to exactly the
 *     rewards of finalized reports (totalFinalized), so what can be claimed never includes a vetoed
 *     report's rewards, even when reports built on it were pending at the veto (they are invalidated
 *     with it: each is checked `Vetoed` on chain); after a finalization the distributor's root is the
 *     model's.
 *
 * Reports name their parent: usually the chain's tip (as the oracle does), sometimes a vetoed report's
 * digest or a random one (refused: SettlementParentMismatch); reports of epochs at or before the tip are
 * refused (SettlementEpochNotAfterTip), and a report finalizes only after its parent.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { takeSnapshot, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HDNodeWallet } from "ethers";
import type { Hex } from "viem";
import { deployProtocol, makeReport, rewardsTree, seedOf, signRegistration, signReport, CLAIM, type Protocol } from "../../scripts/hardhat-protocol";
import { seedCommitment, SlashReason } from "../../protocol";
import { Model, Rng, type ModelParams } from "./model";
import type { InvariantLens } from "../../typechain-types";

/** Sequences per run; a coverage run (instrumented EVM, ~10x slower) runs fewer. */
const SEQUENCES = Number(process.env.POAI_INVARIANT_SEQUENCES ?? (process.env.SOLIDITY_COVERAGE === "true" ? 100 : 1_000));
const MIN_ACTIONS = 5;
const MAX_ACTIONS = 15;
const SEED = 0x5eed_0a1;
const E18 = 10n ** 18n;
const GAS = 3_000_000;

const PARAMS = {
  epochLength: 100n,
  disputeWindow: 300n,
  unbondingDelay: 1_000n, // > epochLength + disputeWindow
  jailDuration: 500n,
};
/** Node keys the sequences play with (registered or not) plus one that is never registered. */
const KEY_COUNT = 4;
const JUMPS = [1n, 30n, 100n, 300n, 1_000n];

const ACTIONS = [
  "register",
  "topUp",
  "unbond",
  "withdraw",
  "deregister",
  "fund",
  "commitSeed",
  "submitReport",
  "vetoSlash",
  "vetoReport",
  "appeal",
  "resolveAppeal",
  "finalize",
  "withdrawRefund",
  "claim",
  "rotateCommittee",
  "timeJump",
] as const;
type Action = (typeof ACTIONS)[number];
const WEIGHTS: Record<Action, number> = {
  register: 6,
  topUp: 4,
  unbond: 5,
  withdraw: 5,
  deregister: 2,
  fund: 3,
  commitSeed: 3,
  submitReport: 10,
  vetoSlash: 3,
  vetoReport: 2,
  appeal: 5,
  resolveAppeal: 4,
  finalize: 8,
  withdrawRefund: 5,
  claim: 8,
  rotateCommittee: 0.5,
  timeJump: 12,
};

interface World {
  p: Protocol;
  lens: InvariantLens;
  keys: HDNodeWallet[];
  ghost: string;
  accounts: string[];
  params: ModelParams;
  base: Awaited<ReturnType<typeof takeSnapshot>>;
  baseModel: () => Model;
  baseClock: bigint;
  lensAddress: string;
  lensCall: string;
}

function cur(m: Model, clock: bigint): bigint {
  return m.currentEpoch(clock);
}

function errorName(p: Protocol, e: unknown): string {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length) {
    const x = stack.pop() as Record<string, unknown> | undefined;
    if (!x || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    const data = x.data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) {
      for (const c of [p.registry, p.settlement, p.distributor, p.epochs]) {
        const parsed = c.interface.parseError(data);
        if (parsed) return parsed.name;
      }
      return `unknown(${data.slice(0, 10)})`;
    }
    for (const k of ["error", "info", "cause"]) stack.push(x[k]);
  }
  return `no revert data: ${String((e as Error)?.message ?? e).slice(0, 200)}`;
}

async function buildWorld(): Promise<World> {
  const p = await deployProtocol({
    epochLength: PARAMS.epochLength,
    disputeWindow: PARAMS.disputeWindow,
    unbondingDelay: PARAMS.unbondingDelay,
  });
  await p.registry.connect(p.governance).setJailDuration(PARAMS.jailDuration);
  const lens = (await ethers.deployContract("InvariantLens")) as unknown as InvariantLens;
  const keys = Array.from({ length: KEY_COUNT }, (_, i) =>
    ethers.HDNodeWallet.fromPhrase("test test test test test test test test test test test junk", undefined, `m/44'/60'/7'/0/${i}`),
  );
  const ghost = ethers.Wallet.createRandom().address;
  const ops = p.operators.slice(0, 4);
  const accounts = [...ops.map((o) => o.address), p.operators[4].address];
  // Everyone who pays into the protocol has plenty of tokens and standing allowances.
  for (const a of [...ops, p.admin]) {
    await p.token.connect(p.admin).mint(a.address, 10n ** 9n * E18);
    for (const c of [p.registry, p.settlement, p.distributor]) {
      await p.token.connect(a).approve(await c.getAddress(), ethers.MaxUint256);
    }
  }
  const minStake = await p.registry.minimumStake(CLAIM);
  const params: ModelParams = {
    genesis: p.genesis,
    epochLength: p.epochLength,
    disputeWindow: await p.settlement.disputeWindow(),
    unbondingDelay: await p.registry.unbondingDelay(),
    jailDuration: await p.registry.jailDuration(),
    minStake,
    appealBond: await p.settlement.appealBond(),
    maxSlashes: Number(await p.settlement.maxSlashes()),
  };
  // Starting state of every sequence, built through the model's own apply functions: two registered
  // nodes (one with stake unbonding), a funded budget, seeds committed for epochs up to 60, a finalized
  // report (claims open), a pending report with slashes inside its dispute window and a pending report
  // built on it.
  const model0 = new Model(params);
  model0.members = p.committeeSigners.map((s) => s.address);
  const last = async () => BigInt(await time.latest());
  const deadline = (await last()) + 10n ** 9n;
  for (let i = 0; i < 2; i++) {
    const amount = minStake + 300n * E18 - BigInt(i) * 300n * E18;
    const sig = await signRegistration(p, keys[i], ops[i].address, deadline);
    await p.registry.connect(ops[i]).register(keys[i].address, CLAIM, amount, deadline, sig);
    model0.applyRegister(keys[i].address, ops[i].address, amount);
  }
  await p.distributor.connect(p.admin).fund(500n * E18);
  model0.funded = 500n * E18;
  for (let e = 0n; e <= 60n; e++) {
    if ((await last()) + 1n >= p.genesis + e * p.epochLength) continue;
    await p.epochs.connect(p.committeeSigners[0]).commitSeed(e, seedCommitment(e, seedOf(e)));
    model0.seeds.add(e);
  }
  await p.registry.connect(ops[0]).requestUnbond(keys[0].address, 100n * E18);
  model0.applyUnbond(keys[0].address, 100n * E18, await last());
  const report = async (epoch: bigint, increments: [string, bigint][], slashes: { node: string; bps: number }[]) => {
    const cumulative = model0.oracleBase();
    let total = 0n;
    for (const [a, inc] of increments) {
      cumulative.set(a, (cumulative.get(a) ?? 0n) + inc);
      total += inc;
    }
    const tree = rewardsTree([...cumulative.entries()]);
    const entries = slashes.map((x) => ({
      node: x.node as Hex,
      bps: x.bps,
      reason: SlashReason.Fraud,
      evidence: ethers.ZeroHash as Hex,
    }));
    const { report: r, slashes: tuples } = await makeReport(p, epoch, { rewardsRoot: tree.root as Hex, rewardsTotal: total, slashes: entries });
    await p.settlement.submitReport(r, tuples, await signReport(p, r, { indexes: [0, 1] }));
    model0.applySubmit(epoch, await last(), total, cumulative, tree.root, slashes);
  };
  await time.increaseTo(p.genesis + 2n * p.epochLength);
  await report(1n, [[accounts[0], 20n * E18], [accounts[1], 30n * E18], [accounts[4], 10n * E18]], [{ node: keys[1].address, bps: 1_000 }]);
  await time.increaseTo((await p.settlement.reportOf(1n)).disputeEndsAt);
  await p.settlement.finalize(1n);
  model0.applyFinalize(1n, await last());
  await report(3n, [[accounts[0], 15n * E18], [accounts[2], 25n * E18]], [
    { node: keys[0].address, bps: 2_000 },
    { node: keys[1].address, bps: 10_000 },
  ]);
  // The operator of node 0 appeals its slash in the pending report.
  await p.settlement.connect(ops[0]).appeal(3n, 0);
  model0.applyAppeal(3n, 0, ops[0].address);
  // A second pending report built on it: a veto of epoch 3 must invalidate it too.
  await report(4n, [[accounts[1], 5n * E18]], []);
  const snapshotModel = JSON.stringify(model0, (_k, v) =>
    typeof v === "bigint" ? `${v}n` : v instanceof Map ? { __map: [...v] } : v instanceof Set ? { __set: [...v] } : v,
  );
  const baseModel = () => {
    const m = new Model(params);
    const raw = JSON.parse(snapshotModel, (_k, v) => {
      if (typeof v === "string" && /^-?\d+n$/.test(v)) return BigInt(v.slice(0, -1));
      if (v && typeof v === "object" && "__map" in v) return new Map(v.__map);
      if (v && typeof v === "object" && "__set" in v) return new Set(v.__set);
      return v;
    });
    Object.assign(m, raw);
    return m;
  };
  const baseClock = BigInt(await time.latest()) + 1n;
  const lensAddress = await lens.getAddress();
  const lensCall = lens.interface.encodeFunctionData("read", [
    await p.token.getAddress(),
    await p.registry.getAddress(),
    await p.distributor.getAddress(),
    await p.settlement.getAddress(),
    keys.map((k) => k.address),
    accounts,
  ]);
  return { p, lens, keys, ghost, accounts, params, base: await takeSnapshot(), baseModel, baseClock, lensAddress, lensCall };
}

let callMs = 0;

/** A failing check throws with its message; the message is only built on failure (hot loop). */
function eq<T>(actual: T, expected: T, msg: () => string): void {
  if (actual !== expected) throw new Error(`${msg()}: expected ${String(expected)}, got ${String(actual)}`);
}
/** Reads the chain and checks I1, I2 and I4 against the model. */
async function checkInvariants(w: World, m: Model, where: string): Promise<void> {
  const { p } = w;
  const nodes = w.keys.map((k) => k.address);
  // One raw eth_call with calldata encoded once per world (the arguments never change).
  const tc = performance.now();
  const raw = await ethers.provider.send("eth_call", [{ to: w.lensAddress, data: w.lensCall }, "latest"]);
  callMs += performance.now() - tc;
  const v = w.lens.interface.decodeFunctionResult("read", raw)[0] as bigint[];
  const [balR, balD, balS, active, unbonding, funded, committed, finalized, claimedTotal, bonds] = v;
  // I1: the protocol holds exactly what it owes, contract by contract and in total.
  eq(balR + balD + balS, active + unbonding + (funded - claimedTotal) + bonds, () => `${where}: I1 total`);
  eq(balR, active + unbonding, () => `${where}: I1 registry`);
  eq(balD, funded - claimedTotal, () => `${where}: I1 distributor`);
  eq(balS, bonds, () => `${where}: I1 settlement`);
  // I2: claims stay within the finalized rewards, which stay within the committed and funded budget.
  eq(claimedTotal <= finalized && finalized <= committed && committed <= funded, true, () => `${where}: I2 budget order`);
  for (let i = 0; i < w.accounts.length; i++) {
    const claimed = v[10 + 3 * nodes.length + i];
    const cap = m.maxCumulative.get(w.accounts[i]) ?? 0n;
    // I2: no account ever claims more than its cumulative amount (the highest of any root it could
    // have claimed under; roots only move forward by epoch, see docs/security.md).
    eq(claimed <= cap, true, () => `${where}: I2 account ${i} claimed ${claimed} > cumulative ${cap}`);
    // I4: claimed as the model says.
    eq(claimed, m.claimed.get(w.accounts[i]) ?? 0n, () => `${where}: I4 claimed ${i}`);
  }
  // I4: the registry, distributor and settlement agree with the model.
  eq(active, m.totalActive, () => `${where}: I4 active`);
  eq(unbonding, m.totalUnbonding, () => `${where}: I4 unbonding`);
  eq(funded, m.funded, () => `${where}: I4 funded`);
  eq(committed, m.committed, () => `${where}: I4 committed`);
  eq(finalized, m.finalized, () => `${where}: I4 finalized`);
  eq(claimedTotal, m.claimedTotal, () => `${where}: I4 claimedTotal`);
  eq(bonds, m.pendingBonds, () => `${where}: I4 bonds`);
  // I5: what the current root lets anyone claim is exactly what finalized (never vetoed) reports paid.
  let claimable = 0n;
  for (const c of m.rootCumulative().values()) claimable += c;
  eq(claimable, finalized, () => `${where}: I5 root total ${claimable} vs finalized ${finalized}`);
  let credited = 0n;
  for (const r of m.refunds.values()) credited += r;
  // Credited refunds are part of the bonds Settlement holds.
  eq(credited <= bonds, true, () => `${where}: I4 refunds ${credited} > bonds ${bonds}`);
  for (let i = 0; i < nodes.length; i++) {
    const mn = m.nodes.get(nodes[i]);
    eq(v[10 + 3 * i], mn?.stake ?? 0n, () => `${where}: I4 node ${i} stake`);
    eq(v[11 + 3 * i], mn?.unbonding ?? 0n, () => `${where}: I4 node ${i} unbonding`);
    // Operator compared as a number: no checksum hashing in the hot loop.
    eq(v[12 + 3 * i], BigInt(mn?.operator ?? 0), () => `${where}: I4 node ${i} operator`);
  }
}

describe("invariants: random operator, committee and governance sequences", function () {
  this.timeout(30 * 60_000);

  it(`hold over ${SEQUENCES} random sequences of ${MIN_ACTIONS}..${MAX_ACTIONS} actions`, async function () {
    const w = await buildWorld();
    const { p } = w;
    const rng = new Rng(SEED);
    const ops = p.operators.slice(0, 4);
    const stranger = p.operators[4];
    const counts: Record<string, { ok: number; reverted: number }> = {};
    const prof: Record<string, number[]> = {};
    let restoreMs = 0;
    let sequences = 0;
    let actions = 0;
    let slashesChecked = 0;
    let vetoesWithDescendants = 0;
    const started = Date.now();

    for (let seq = 0; seq < SEQUENCES; seq++) {
      const tr = performance.now();
      await w.base.restore();
      restoreMs += performance.now() - tr;
      const m = w.baseModel();
      let clock = w.baseClock;
      const log: string[] = [];
      const length = rng.int(MIN_ACTIONS, MAX_ACTIONS);

      for (let step = 0; step < length; step++) {
        const t0 = performance.now();
        const action = ACTIONS[rng.weighted(ACTIONS.map((a) => WEIGHTS[a]))];
        const where = `seq ${seq} step ${step} ${action}`;
        let expected: string | null = null;
        let send: (() => Promise<unknown>) | null = null;
        let onSuccess: () => void | Promise<void> = () => {};
        let desc = action;

        const keyIdx = rng.int(0, KEY_COUNT - 1);
        const key = w.keys[keyIdx].address;
        const opIdx = rng.int(0, ops.length - 1);
        const op = ops[opIdx];
        const ownerOf = m.nodes.get(key)?.operator;
        // Mostly the node's own operator, sometimes someone else.
        const caller = ownerOf && rng.chance(0.85) ? ops.find((o) => o.address === ownerOf)! : op;

        switch (action) {
          case "register": {
            const amount = m.p.minStake - 50n * E18 + BigInt(rng.int(0, 60)) * 10n * E18;
            const good = rng.chance(0.9);
            const sigFor = good ? op.address : stranger.address;
            const sig = await signRegistration(p, w.keys[keyIdx], sigFor, clock + 3600n);
            expected = m.predictRegister(key, op.address, amount, good);
            send = () => p.registry.connect(op).register(key, CLAIM, amount, clock + 3600n, sig, { gasLimit: GAS });
            onSuccess = () => m.applyRegister(key, op.address, amount);
            desc += ` key${keyIdx} op${opIdx} ${amount / E18} good=${good}`;
            break;
          }
          case "topUp": {
            const amount = rng.chance(0.1) ? 0n : BigInt(rng.int(1, 300)) * E18;
            expected = m.predictTopUp(key, caller.address, amount);
            send = () => p.registry.connect(caller).topUp(key, amount, { gasLimit: GAS });
            onSuccess = () => m.applyTopUp(key, amount);
            desc += ` key${keyIdx} ${amount / E18}`;
            break;
          }
          case "unbond": {
            const n = m.nodes.get(key);
            const room = n && n.stake > m.p.minStake ? n.stake - m.p.minStake : 0n;
            const amount = rng.chance(0.2) ? BigInt(rng.int(0, 400)) * E18 : room === 0n ? 1n : (room * BigInt(rng.int(1, 100))) / 100n;
            expected = m.predictUnbond(key, caller.address, amount);
            send = () => p.registry.connect(caller).requestUnbond(key, amount, { gasLimit: GAS });
            onSuccess = () => m.applyUnbond(key, amount, clock);
            desc += ` key${keyIdx} ${amount}`;
            break;
          }
          case "withdraw": {
            // Mostly a node whose unbonding is released, by its operator, when there is one.
            const released = w.keys.map((k, i) => ({ k: k.address, i })).filter(({ k }) => {
              const n = m.nodes.get(k);
              return n !== undefined && n.unbonding > 0n && clock >= n.release;
            });
            const pick = released.length && rng.chance(0.7) ? rng.pick(released) : { k: key, i: keyIdx };
            const who = pick.k === key ? caller : ops.find((o) => o.address === m.nodes.get(pick.k)!.operator)!;
            expected = m.predictWithdraw(pick.k, who.address, clock);
            send = () => p.registry.connect(who).withdraw(pick.k, { gasLimit: GAS });
            onSuccess = () => {
              m.applyWithdraw(pick.k);
            };
            desc += ` key${pick.i}`;
            break;
          }
          case "deregister": {
            expected = m.predictDeregister(key, caller.address);
            send = () => p.registry.connect(caller).deregister(key, { gasLimit: GAS });
            onSuccess = () => m.applyDeregister(key, clock);
            desc += ` key${keyIdx}`;
            break;
          }
          case "fund": {
            const amount = rng.chance(0.1) ? 0n : BigInt(rng.int(1, 400)) * E18;
            expected = amount === 0n ? "RewardsDistributorZeroAmount" : null;
            send = () => p.distributor.connect(p.admin).fund(amount, { gasLimit: GAS });
            onSuccess = () => {
              m.funded += amount;
            };
            desc += ` ${amount / E18}`;
            break;
          }
          case "commitSeed": {
            // Mostly a future epoch beyond the base's precommitted ones, sometimes one already started.
            // Past MAX_COMMIT_AHEAD_EPOCHS (64) now and then: refused.
            const epoch = m.currentEpoch(clock) + BigInt(rng.int(0, 5)) + (rng.chance(0.7) ? 61n : 0n);
            const member = rng.chance(0.9) ? rng.pick(p.committeeSigners) : stranger;
            expected = m.predictCommit(epoch, member.address, clock);
            send = () => p.epochs.connect(member).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch)), { gasLimit: GAS });
            onSuccess = () => {
              m.seeds.add(epoch);
            };
            desc += ` e${epoch}`;
            break;
          }
          case "submitReport": {
            // Often right after the tip (building a chain of pending reports), else near the current epoch.
            const back = m.tip !== null && rng.chance(0.5) ? m.tip + BigInt(rng.int(1, 2)) : cur(m, clock) - BigInt(rng.int(-1, 3));
            const epoch = back < 0n ? 0n : back;
            const slashCount = rng.weighted([4, 3, 2, 1]);
            const slashes = Array.from({ length: slashCount }, () => ({
              node: (rng.chance(0.85) ? rng.pick(w.keys).address : w.ghost) as Hex,
              bps: rng.chance(0.3) ? 10_000 : rng.int(1, 10_000),
              reason: rng.pick([SlashReason.Fraud, SlashReason.Overclaim, SlashReason.LeaseViolation]),
              evidence: ethers.keccak256(ethers.toBeHex(rng.int(0, 1e9), 32)) as Hex,
            }));
            // The committee adds this epoch's rewards to the latest non-vetoed cumulative tree.
            const cumulative = m.oracleBase();
            let total = 0n;
            for (const a of w.accounts) {
              if (rng.chance(0.5)) {
                const inc = BigInt(rng.int(0, 80)) * E18;
                cumulative.set(a, (cumulative.get(a) ?? 0n) + inc);
                total += inc;
              }
            }
            if (cumulative.size === 0) cumulative.set(w.accounts[0], 0n);
            const tree = rewardsTree([...cumulative.entries()]);
            // Mostly the tip (as the oracle names it); sometimes a vetoed report's digest or a random one.
            const vetoed = [...m.reports.entries()].filter(([, r]) => r.status === "Vetoed").map(([e]) => e);
            let parent: Hex | undefined;
            if (rng.chance(0.1)) {
              parent = vetoed.length && rng.chance(0.7)
                ? ((await p.settlement.reportOf(rng.pick(vetoed))).digest as Hex)
                : (ethers.keccak256(ethers.toBeHex(rng.int(1, 1e9), 32)) as Hex);
            }
            const { report, slashes: tuples } = await makeReport(p, epoch, {
              rewardsRoot: tree.root as Hex,
              rewardsTotal: total,
              slashes,
              // A fresh stats root per report: a re-report of a vetoed epoch is never the vetoed report.
              statsRoot: ethers.keccak256(ethers.toUtf8Bytes(`stats ${seq}.${step}`)) as Hex,
              ...(parent ? { parent } : {}),
            });
            const parentIsTip = parent === undefined || parent === (await p.settlement.tip()).digest;
            const signers = rng.chance(0.9) ? m.quorum : m.quorum - 1;
            const sigs = await signReport(p, report, { indexes: Array.from({ length: signers }, (_, i) => i) });
            expected = m.predictSubmit(epoch, clock, signers, total, slashCount, parentIsTip);
            const relayer = rng.pick(p.committeeSigners);
            send = () => p.settlement.connect(relayer).submitReport(report, tuples, sigs, { gasLimit: GAS });
            onSuccess = () => m.applySubmit(epoch, clock, total, cumulative, tree.root, slashes);
            desc += ` e${epoch} slashes=${slashCount} total=${total / E18} sigs=${signers}${parentIsTip ? "" : " wrong-parent"}`;
            break;
          }
          case "vetoSlash":
          case "vetoReport":
          case "appeal":
          case "resolveAppeal":
          case "finalize": {
            const known = [...m.reports.keys()];
            const pending = known.filter((e) => m.reports.get(e)!.status === "Pending").sort((a, b) => (a < b ? -1 : 1));
            // A veto often aims at the oldest pending report: the one most likely to have descendants.
            const epoch = action === "vetoReport" && pending.length > 1 && rng.chance(0.5)
              ? pending[0]
              : known.length && rng.chance(0.9) ? rng.pick(known) : m.currentEpoch(clock);
            const r = m.reports.get(epoch);
            const index = r && r.slashes.length && rng.chance(0.9) ? rng.int(0, r.slashes.length - 1) : rng.int(0, 3);
            desc += ` e${epoch} i${index}`;
            if (action === "vetoSlash") {
              expected = m.predictVetoSlash(epoch, index, clock);
              send = () => p.settlement.connect(p.admin).vetoSlash(epoch, index, { gasLimit: GAS });
              onSuccess = () => m.applyVetoSlash(epoch, index);
            } else if (action === "vetoReport") {
              expected = m.predictVetoReport(epoch, clock);
              send = () => p.settlement.connect(p.admin).vetoReport(epoch, { gasLimit: GAS });
              onSuccess = async () => {
                const invalidated = m.applyVetoReport(epoch);
                if (invalidated.length > 0) vetoesWithDescendants++;
                for (const e of invalidated) {
                  // I5: every report built on the vetoed one is cancelled with it.
                  eq((await p.settlement.reportOf(e)).status, 2n, () => `${where}: I5 descendant e${e} not vetoed`);
                }
              };
            } else if (action === "appeal") {
              const slashed = r && index < r.slashes.length ? m.nodes.get(r.slashes[index].node)?.operator : undefined;
              const appellant = slashed && rng.chance(0.85) ? ops.find((o) => o.address === slashed)! : rng.pick([...ops, stranger]);
              expected = m.predictAppeal(epoch, index, appellant.address, clock);
              send = () => p.settlement.connect(appellant).appeal(epoch, index, { gasLimit: GAS });
              onSuccess = () => {
                m.applyAppeal(epoch, index, appellant.address);
              };
            } else if (action === "resolveAppeal") {
              const upheld = rng.chance(0.5);
              expected = m.predictResolve(epoch, index, clock);
              send = () => p.settlement.connect(p.admin).resolveAppeal(epoch, index, upheld, { gasLimit: GAS });
              onSuccess = () => m.applyResolve(epoch, index, upheld);
              desc += ` upheld=${upheld}`;
            } else {
              expected = m.predictFinalize(epoch, clock);
              const finalizer = rng.pick([...ops, stranger]);
              send = () => p.settlement.connect(finalizer).finalize(epoch, { gasLimit: GAS });
              onSuccess = async () => {
                const taken = m.applyFinalize(epoch, clock);
                // I5: the published root is the model's (the finalized chain's latest).
                eq(await p.distributor.merkleRoot(), m.reports.get(m.rootEpoch!)!.root, () => `${where}: I5 root`);
                const rep = m.reports.get(epoch)!;
                for (let i = 0; i < taken.length; i++) {
                  const onChain = await p.settlement.slashOf(epoch, i);
                  // I3: a slash never takes more than the node had, and exactly ceil(had * bps / 1e4).
                  expect(onChain.amount, `${where}: I3 slash ${i} amount`).to.equal(taken[i].amount);
                  expect(onChain.amount <= taken[i].had, `${where}: I3 slash ${i} exceeds holdings`).to.equal(true);
                  if (rep.slashes[i].state === "Executed") slashesChecked++;
                }
              };
            }
            break;
          }
          case "withdrawRefund": {
            // Mostly an appellant with a credited refund, when there is one.
            const owed = ops.filter((o) => (m.refunds.get(o.address) ?? 0n) > 0n);
            const who = owed.length && rng.chance(0.8) ? rng.pick(owed) : rng.pick([...ops, stranger]);
            expected = m.predictWithdrawRefund(who.address);
            send = () => p.settlement.connect(who).withdrawRefund({ gasLimit: GAS });
            onSuccess = () => {
              m.applyWithdrawRefund(who.address);
            };
            desc += ` ${who.address.slice(0, 8)}`;
            break;
          }
          case "claim": {
            const account = rng.pick(w.accounts);
            const rootCum = m.rootCumulative();
            const entries = [...rootCum.entries()];
            const inRoot = rootCum.has(account);
            let amount = rootCum.get(account) ?? BigInt(rng.int(1, 100)) * E18;
            let proof: string[] = [];
            let valid = false;
            if (inRoot) {
              const tree = rewardsTree(entries);
              for (const [i, [a]] of tree.entries()) if (a === account) proof = tree.getProof(i);
              valid = true;
              if (rng.chance(0.15)) {
                amount += 1n;
                valid = false;
              }
            }
            expected = m.predictClaim(account, amount, valid);
            const sender = rng.pick([...ops, stranger]);
            send = () => p.distributor.connect(sender).claim(account, amount, proof, { gasLimit: GAS });
            onSuccess = () => {
              m.applyClaim(account, amount);
            };
            desc += ` ${account.slice(0, 8)} ${amount} valid=${valid}`;
            break;
          }
          case "rotateCommittee": {
            const quorum = rng.pick([2, 3]);
            expected = null;
            send = () => p.epochs.connect(p.governance).setCommittee(m.members, quorum, { gasLimit: GAS });
            onSuccess = () => {
              m.quorum = quorum;
            };
            desc += ` quorum=${quorum}`;
            break;
          }
          case "timeJump": {
            const jump = rng.pick(JUMPS);
            clock += jump;
            desc += ` +${jump}s`;
            break;
          }
        }

        log.push(desc + (send ? ` → expect ${expected ?? "ok"}` : ""));
        if (send) {
          await time.setNextBlockTimestamp(clock);
          let got: string | null = null;
          try {
            await send();
          } catch (e) {
            got = errorName(p, e);
          }
          const latest = BigInt(await time.latest());
          if (latest >= clock) clock = latest + 1n;
          if (got !== expected) {
            throw new Error(`${where}: expected ${expected ?? "success"}, got ${got ?? "success"}\n  ${log.join("\n  ")}`);
          }
          counts[action] ??= { ok: 0, reverted: 0 };
          counts[action][got === null ? "ok" : "reverted"]++;
          if (got === null) await onSuccess();
        }
        actions++;
        const t1 = performance.now();
        try {
          await checkInvariants(w, m, where);
        } catch (e) {
          throw new Error(`${(e as Error).message}\n  ${log.join("\n  ")}`);
        }
        const t2 = performance.now();
        prof[action] ??= [0, 0, 0];
        prof[action][0] += t1 - t0;
        prof[action][1] += t2 - t1;
        prof[action][2]++;
      }
      sequences++;
    }

    const seconds = (Date.now() - started) / 1000;
    console.log(`      ${sequences} sequences, ${actions} actions, ${slashesChecked} executed slashes checked in ${seconds.toFixed(1)} s`);
    console.log(
      "      " +
        Object.entries(counts)
          .map(([a, c]) => `${a} ${c.ok}/${c.ok + c.reverted}`)
          .join(", "),
    );
    if (process.env.POAI_INVARIANT_PROFILE) {
      console.log(`      restore ${(restoreMs / sequences).toFixed(1)} ms/seq, lens eth_call ${(callMs / actions).toFixed(1)} ms/action`);
      for (const [a, [x, y, n]] of Object.entries(prof)) console.log(`      ${a}: action ${(x / n).toFixed(1)} ms, check ${(y / n).toFixed(1)} ms`);
    }
    expect(sequences).to.equal(SEQUENCES);
    // The sequences must reach the interesting states, not just bounce off reverts.
    for (const a of ["register", "submitReport", "finalize", "claim", "appeal", "withdraw", "vetoSlash", "resolveAppeal", "withdrawRefund"]) {
      expect(counts[a]?.ok ?? 0, `successful ${a} actions`).to.be.greaterThan(0);
    }
    expect(slashesChecked).to.be.greaterThan(0);
    // Vetoes must hit reports that have descendants, the case the parent check exists for.
    console.log(`      ${vetoesWithDescendants} vetoes invalidated reports built on the vetoed one`);
    expect(vetoesWithDescendants).to.be.greaterThan(0);
    void network;
  });
});
