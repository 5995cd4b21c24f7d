/**
 * Lease invariants over random action sequences on the deployed protocol.
 *
 * SEQUENCES sequences (fixed seed) of MIN_ACTIONS..MAX_ACTIONS random actions by three renters over
 * three offered nodes: book (1..3 nodes, random start and length, often overlapping another booking,
 * sometimes too soon or not whole hours), cancel (by the renter or a stranger, before or after the
 * cancellation deadline), report (the next epoch's report with a random compliant share for every
 * booked lease that has ended, finalized after the dispute window), settle (with the committee's
 * shares or forged ones), reclaim and time jumps. The chain is reset between sequences.
 *
 * After every action:
 *  L1 (escrow, exact): the LeaseManager's token balance equals totalEscrow, which equals the sum of the
 *     escrow of the leases still Booked.
 *  L2 (no double booking): no node has two Booked leases whose windows overlap.
 *  L3 (lock): each node's registry lock is at least the end of each of its Booked leases, so no node can
 *     exit before a lease of it ends.
 *  L4 (bad input changes nothing): an action that reverts leaves the lease count, every lease's status
 *     and the balances above as they were.
 *  L5 (payout): a settlement pays each operator exactly floor(escrow_i * bps_i / 10_000) and the renter
 *     the rest (checked at the settle action).
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { SignerWithAddress } from "@nomicfoundation/hardhat-ethers/signers";
import type { Hex } from "viem";
import { leaseProof, type LeasesTree } from "../../protocol";
import { deployFixture, finalizeEpoch, registerNode, submitEpoch, type RegisteredNode } from "../support/fixtures";
import { ensureSeed, leasesTreeOf, offer } from "../support/leases";
import { Rng } from "./model";

const { ethers } = hre;

/** Sequences per run; a coverage run (instrumented EVM, ~10x slower) runs fewer. */
const SEQUENCES = Number(process.env.POAI_LEASE_INVARIANT_SEQUENCES ?? (process.env.SOLIDITY_COVERAGE === "true" ? 4 : 20));
const MIN_ACTIONS = 8;
const MAX_ACTIONS = 18;
const SEED = 0x1ea5e;
const HOUR = 3600n;
const PRICES = [10n ** 18n, 3n * 10n ** 18n + 7n, 5n * 10n ** 17n + 1n];

async function invariantFixture() {
  const fx = await deployFixture();
  const nodes: RegisteredNode[] = [];
  for (let i = 0; i < 3; i++) {
    const n = await registerNode(fx, fx.operators[i]);
    await offer(fx, n, PRICES[i], 1, 12);
    nodes.push(n);
  }
  const renters = [fx.funder, fx.outsider, fx.operators[3]];
  for (const r of renters) await fx.token.connect(r).approve(await fx.leases.getAddress(), ethers.MaxUint256);
  return { fx, nodes, renters };
}

interface Report {
  epoch: bigint;
  tree: LeasesTree;
}

describe("invariants: leases", function () {
  this.timeout(0);

  it(`hold over ${SEQUENCES} random sequences of bookings, cancellations, reports, settlements and reclaims`, async function () {
    const rng = new Rng(SEED);
    let succeeded = 0;
    let reverted = 0;
    let settled = 0;
    for (let seq = 0; seq < SEQUENCES; seq++) {
      const { fx, nodes, renters } = await loadFixture(invariantFixture);
      const L = fx.leases;
      const reports: Report[] = [];

      const leaseIds = async () => Array.from({ length: Number(await L.leaseCount()) }, (_, i) => BigInt(i + 1));
      const state = async () => {
        const ids = await leaseIds();
        const leases = await Promise.all(ids.map((id) => L.leaseOf(id)));
        return {
          count: ids.length,
          statuses: leases.map((l) => l.status),
          held: await fx.token.balanceOf(await L.getAddress()),
          owed: await L.totalEscrow(),
        };
      };
      const check = async () => {
        const ids = await leaseIds();
        let sum = 0n;
        const booked: { id: bigint; start: bigint; end: bigint; nodes: string[] }[] = [];
        for (const id of ids) {
          const l = await L.leaseOf(id);
          if (l.status !== 1n) continue;
          sum += l.escrow;
          booked.push({ id, start: l.start, end: l.end, nodes: (await L.leaseNodes(id)).map((n) => n.node) });
        }
        // L1
        const held = await fx.token.balanceOf(await L.getAddress());
        expect(held, "L1 balance").to.equal(await L.totalEscrow());
        expect(sum, "L1 sum").to.equal(held);
        for (const n of nodes) {
          const mine = booked.filter((b) => b.nodes.includes(n.node));
          // L2
          for (let i = 0; i < mine.length; i++) {
            for (let j = i + 1; j < mine.length; j++) {
              const overlap = mine[i].start < mine[j].end && mine[j].start < mine[i].end;
              expect(overlap, `L2 leases ${mine[i].id} and ${mine[j].id} of ${n.node}`).to.equal(false);
            }
          }
          // L3
          const lock = await fx.registry.leasedUntil(n.node);
          for (const b of mine) expect(lock, `L3 ${n.node}`).to.be.greaterThanOrEqual(b.end);
        }
      };
      /** Runs `tx`; a revert must change nothing (L4). */
      const attempt = async (tx: () => Promise<unknown>) => {
        const before = await state();
        try {
          await (await (tx() as Promise<{ wait: () => Promise<unknown> }>)).wait();
          succeeded++;
          return true;
        } catch (e) {
          if (!/reverted/.test(String((e as Error).message))) throw e;
          reverted++;
          expect(await state(), "L4").to.deep.equal(before);
          return false;
        }
      };

      const actions = rng.int(MIN_ACTIONS, MAX_ACTIONS);
      for (let a = 0; a < actions; a++) {
        const kind = rng.weighted([5, 2, 2, 3, 1, 2]);
        const now = BigInt(await time.latest());
        const ids = await leaseIds();
        if (kind === 0) {
          // book
          const renter: SignerWithAddress = rng.pick(renters);
          const k = rng.int(1, 3);
          const picked = [...nodes].sort(() => rng.next() - 0.5).slice(0, k).map((n) => n.node);
          const start = now + BigInt(rng.pick([300, 3600, 5400, 7200, 10_800, 14_400]));
          const hours = BigInt(rng.int(1, 4));
          const end = rng.chance(0.1) ? start + hours * HOUR + 60n : start + hours * HOUR;
          await attempt(() => L.connect(renter).book(picked, start, end, renter.address, ethers.MaxUint256));
        } else if (kind === 1 && ids.length > 0) {
          // cancel
          const id = rng.pick(ids);
          const lease = await L.leaseOf(id);
          const caller = rng.chance(0.8) ? renters.find((r) => r.address === lease.renter)! : rng.pick(renters);
          await attempt(() => L.connect(caller).cancel(id));
        } else if (kind === 2) {
          // report: the next epoch, with a share for every booked lease that has ended by its end
          const tip = await fx.settlement.tip();
          const current = await fx.epochs.currentEpoch();
          const epoch = (tip.exists && tip.epoch >= current ? tip.epoch : current) + 1n;
          await ensureSeed(fx, epoch);
          const epochEnd = await fx.epochs.epochEnd(epoch);
          const settlements = [];
          for (const id of ids) {
            const l = await L.leaseOf(id);
            if (l.status === 1n && l.end <= epochEnd) {
              settlements.push({ leaseId: id, compliantBps: Array.from({ length: Number(l.nodeCount) }, () => rng.int(0, 10_000)) });
            }
          }
          const tree = await leasesTreeOf(fx, settlements);
          await submitEpoch(fx, { epoch, leasesRoot: tree.root });
          await finalizeEpoch(fx, epoch);
          reports.push({ epoch, tree });
          succeeded++;
        } else if (kind === 3 && reports.length > 0) {
          // settle a lease of a finalized report, with its shares or forged ones
          const r = rng.pick(reports);
          const entries = r.tree.tree ? [...r.tree.tree.entries()] : [];
          if (entries.length === 0) continue;
          const id = BigInt(rng.pick(entries)[1][2]);
          const p = leaseProof(r.tree, id)!;
          const forged = rng.chance(0.2);
          const bps = forged ? p.compliantBps.map((b) => (b === 10_000 ? 0 : b + 1)) : p.compliantBps;
          const lease = await L.leaseOf(id);
          const ns = await L.leaseNodes(id);
          const hours = (lease.end - lease.start) / HOUR;
          const payees = await Promise.all(ns.map(async (n) => (await fx.registry.getNode(n.node)).operator));
          const who = [...new Set([...payees, lease.renter])];
          const before = await Promise.all(who.map((w) => fx.token.balanceOf(w)));
          const ok = await attempt(() => L.connect(rng.pick(renters)).settle(id, r.epoch, bps, p.proof as Hex[]));
          if (ok) {
            expect(forged, "a forged share settled").to.equal(false);
            settled++;
            // L5
            const expected = new Map<string, bigint>(who.map((w) => [w, 0n]));
            let toOps = 0n;
            ns.forEach((n, i) => {
              const amount = (n.pricePerHour * hours * BigInt(bps[i])) / 10_000n;
              toOps += amount;
              expected.set(payees[i], expected.get(payees[i])! + amount);
            });
            expected.set(lease.renter, expected.get(lease.renter)! + lease.escrow - toOps);
            const after = await Promise.all(who.map((w) => fx.token.balanceOf(w)));
            who.forEach((w, i) => expect(after[i] - before[i], `L5 ${w}`).to.equal(expected.get(w)));
          }
        } else if (kind === 4 && ids.length > 0) {
          await attempt(() => L.connect(rng.pick(renters)).reclaim(rng.pick(ids)));
        } else {
          await time.increase(rng.pick([60, 1_800, 3_600, 7_200, 86_400, 200_000]));
        }
        await check();
      }
    }
    // The sequences exercised every outcome.
    expect(succeeded).to.be.greaterThan(0);
    expect(reverted).to.be.greaterThan(0);
    expect(settled).to.be.greaterThan(0);
  });
});
