/**
 * Attacks on leases: an operator selling a GPU twice, leaving mid-lease, or claiming more than the
 * committee found; a renter grabbing the escrow back before the report can finalize; settlements
 * forged, taken from a vetoed or pending report, another chain or another contract, or replayed; and
 * re-entrancy through a token's transfer hook. Each test names its defence.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Address } from "viem";
import { buildLeasesTree, leaseProof } from "../../protocol";
import { E18, SlashReason, deployFixture, finalizeEpoch, registerNode, slashEntry, submitEpoch } from "../support/fixtures";
import {
  PRICE,
  bookLease,
  epochEndingAfter,
  escrowSheet,
  leasesTreeOf,
  offer,
  reportLeases,
  settleFrom,
} from "../support/leases";
import {
  CLAIM,
  deployProtocol,
  newNodeKey,
  registerNode as registerOn,
} from "../../scripts/hardhat-protocol";

const { ethers } = hre;
const HOUR = 3600n;

async function leaseFixture() {
  const fx = await deployFixture();
  const a = await registerNode(fx, fx.operators[0]);
  await offer(fx, a);
  return { ...fx, a, renter: fx.funder, second: fx.outsider };
}

describe("attacks: leases", function () {
  it("an operator cannot sell the same GPU to a second renter for an overlapping window", async function () {
    // Defence: the overlap check over the node's bookings in LeaseManager._reserve.
    const fx = await loadFixture(leaseFixture);
    const first = await bookLease(fx, fx.renter, [fx.a.node], { startIn: 2n * HOUR, hours: 3n });
    await fx.token.connect(fx.second).approve(await fx.leases.getAddress(), ethers.MaxUint256);
    await expect(
      fx.leases.connect(fx.second).book([fx.a.node], first.start + HOUR, first.start + 2n * HOUR, fx.second.address, ethers.MaxUint256),
    )
      .to.be.revertedWithCustomError(fx.leases, "LeaseOverlap")
      .withArgs(fx.a.node, first.leaseId);
    expect(await fx.leases.leaseCount()).to.equal(1n);
  });

  it("a renter cannot book a jailed node or one whose operator announced an exit", async function () {
    // Defence: LeaseManager._checkBookable (registry eligibility, nothing unbonding).
    const fx = await loadFixture(leaseFixture);
    const b = await registerNode(fx, fx.operators[1]);
    await offer(fx, b);
    await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(fx.a.node, 100, SlashReason.Fraud)] });
    await finalizeEpoch(fx, 0n);
    expect((await fx.registry.getNode(fx.a.node)).status).to.equal(2n); // Jailed
    await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
    const s = BigInt(await time.latest()) + HOUR;
    await expect(fx.leases.connect(fx.renter).book([fx.a.node], s, s + HOUR, fx.renter.address, ethers.MaxUint256))
      .to.be.revertedWithCustomError(fx.leases, "LeaseNodeNotEligible")
      .withArgs(fx.a.node);
    await fx.token.connect(b.operator).approve(await fx.registry.getAddress(), E18);
    await fx.registry.connect(b.operator).topUp(b.node, E18);
    await fx.registry.connect(b.operator).requestUnbond(b.node, E18);
    await expect(fx.leases.connect(fx.renter).book([b.node], s, s + HOUR, fx.renter.address, ethers.MaxUint256))
      .to.be.revertedWithCustomError(fx.leases, "LeaseNodeUnbonding")
      .withArgs(b.node, E18);
  });

  it("an operator cannot leave during a lease: no unbonding, deregistration or claim change, and withdrawing the offer voids nothing", async function () {
    // Defence: the registry's lease lock (NodeRegistry._requireNotLeased), set by the LeaseManager at booking.
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node], { hours: 2n });
    await time.increaseTo(lease.start + 60n);
    const R = fx.registry.connect(fx.a.operator);
    for (const tx of [
      () => R.requestUnbond(fx.a.node, 1n),
      () => R.deregister(fx.a.node),
      () => R.updateClaim(fx.a.node, fx.a.claim),
    ]) {
      await expect(tx()).to.be.revertedWithCustomError(R, "NodeRegistryNodeLeased").withArgs(fx.a.node, lease.end);
    }
    await fx.leases.connect(fx.a.operator).withdrawOffer(fx.a.node);
    expect((await fx.leases.leaseOf(lease.leaseId)).status).to.equal(1n); // still Booked
    // Nor can the renter back out once the lease runs.
    await expect(fx.leases.connect(fx.renter).cancel(lease.leaseId)).to.be.revertedWithCustomError(fx.leases, "LeaseCancelClosed");
    expect((await fx.registry.getNode(fx.a.node)).status).to.equal(1n); // Active
  });

  it("an operator cannot claim more than the committee's share: a forged proof settles nothing", async function () {
    // Defence: the Merkle proof against the finalized leases root (LeaseManager._checkSettlement).
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node]);
    const epoch = await epochEndingAfter(fx, lease.end);
    const tree = await reportLeases(fx, epoch, [
      { leaseId: lease.leaseId, compliantBps: [4_000] },
      { leaseId: 999n, compliantBps: [10_000] },
    ]);
    const real = leaseProof(tree, lease.leaseId)!;
    const other = leaseProof(tree, 999n)!;
    const L = fx.leases.connect(fx.a.operator);
    for (const [bps, proof] of [
      [[10_000], real.proof],
      [[10_000], other.proof],
      [[10_000], []],
    ] as const) {
      await expect(L.settle(lease.leaseId, epoch, [...bps], [...proof]))
        .to.be.revertedWithCustomError(L, "LeaseInvalidProof")
        .withArgs(lease.leaseId, epoch);
    }
    expect(await escrowSheet(fx)).to.deep.equal({ held: lease.escrow, owed: lease.escrow });
    await settleFrom(fx, tree, epoch, lease.leaseId);
    expect(await escrowSheet(fx)).to.deep.equal({ held: 0n, owed: 0n });
  });

  it("a vetoed or pending report's leases root settles nothing", async function () {
    // Defence: Settlement.finalizedLeasesRoot is zero unless the report finalized.
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node]);
    const epoch = await epochEndingAfter(fx, lease.end);
    const settlements = [{ leaseId: lease.leaseId, compliantBps: [10_000] }];
    const tree = await reportLeases(fx, epoch, settlements, { finalize: false });
    await expect(settleFrom(fx, tree, epoch, lease.leaseId))
      .to.be.revertedWithCustomError(fx.leases, "LeaseReportNotFinalized")
      .withArgs(epoch);
    await fx.settlement.connect(fx.governance).vetoReport(epoch);
    await time.increase(2n * 86_400n);
    await expect(settleFrom(fx, tree, epoch, lease.leaseId))
      .to.be.revertedWithCustomError(fx.leases, "LeaseReportNotFinalized")
      .withArgs(epoch);
    // The corrected report of the same epoch, once final, settles it.
    const corrected = await leasesTreeOf(fx, [{ leaseId: lease.leaseId, compliantBps: [2_500] }]);
    await reportLeases(fx, epoch, [], { tree: corrected });
    const before = await fx.token.balanceOf(fx.a.operator.address);
    await settleFrom(fx, corrected, epoch, lease.leaseId);
    expect((await fx.token.balanceOf(fx.a.operator.address)) - before).to.equal(PRICE / 4n);
  });

  it("a leaf built for another chain or another LeaseManager settles nothing here", async function () {
    // Defence: the leaf binds block.chainid and address(this) (LeaseManager._leaf).
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node]);
    const epoch = await epochEndingAfter(fx, lease.end);
    const s = [{ leaseId: lease.leaseId, compliantBps: [10_000] }];
    const here = (await fx.leases.getAddress()) as Address;
    const otherChain = buildLeasesTree({ chainId: 1n, leaseManager: here }, s);
    const otherContract = buildLeasesTree({ chainId: fx.chainId, leaseManager: fx.registry.target as Address }, s);
    // One report carries both foreign leaves (as a root over two foreign trees would): neither settles.
    const both = buildLeasesTree({ chainId: 1n, leaseManager: here }, [...s, { leaseId: 2n, compliantBps: [1] }]);
    await reportLeases(fx, epoch, [], { tree: otherChain });
    await expect(settleFrom(fx, otherChain, epoch, lease.leaseId)).to.be.revertedWithCustomError(fx.leases, "LeaseInvalidProof");
    const p = leaseProof(otherContract, lease.leaseId)!;
    await expect(fx.leases.settle(lease.leaseId, epoch, p.compliantBps, p.proof)).to.be.revertedWithCustomError(
      fx.leases,
      "LeaseInvalidProof",
    );
    const q = leaseProof(both, lease.leaseId)!;
    await expect(fx.leases.settle(lease.leaseId, epoch, q.compliantBps, q.proof)).to.be.revertedWithCustomError(
      fx.leases,
      "LeaseInvalidProof",
    );
    expect((await fx.leases.leaseOf(lease.leaseId)).status).to.equal(1n);
  });

  it("a lease settles once: a second report carrying it again pays nothing more", async function () {
    // Defence: the status moves to Settled before any transfer (LeaseManager.settle via _booked).
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node]);
    const e1 = await epochEndingAfter(fx, lease.end);
    const t1 = await reportLeases(fx, e1, [{ leaseId: lease.leaseId, compliantBps: [5_000] }]);
    const t2 = await reportLeases(fx, e1 + 1n, [{ leaseId: lease.leaseId, compliantBps: [10_000] }]);
    await settleFrom(fx, t1, e1, lease.leaseId);
    await expect(settleFrom(fx, t2, e1 + 1n, lease.leaseId))
      .to.be.revertedWithCustomError(fx.leases, "LeaseNotBooked")
      .withArgs(lease.leaseId, 3n);
    await expect(fx.leases.reclaim(lease.leaseId)).to.be.revertedWithCustomError(fx.leases, "LeaseNotBooked");
    expect(await escrowSheet(fx)).to.deep.equal({ held: 0n, owed: 0n });
  });

  it("a renter cannot reclaim the escrow while the lease's report may still finalize", async function () {
    // Defence: reclaim only from end + settleTimeout, and settleTimeout > epoch + dispute window
    // (LeaseManager._setSettleTimeout).
    const fx = await loadFixture(leaseFixture);
    const lease = await bookLease(fx, fx.renter, [fx.a.node]);
    const epoch = await epochEndingAfter(fx, lease.end);
    const tree = await reportLeases(fx, epoch, [{ leaseId: lease.leaseId, compliantBps: [10_000] }], { finalize: false });
    await expect(fx.leases.connect(fx.renter).reclaim(lease.leaseId)).to.be.revertedWithCustomError(
      fx.leases,
      "LeaseNotReclaimable",
    );
    await finalizeEpoch(fx, epoch);
    expect(BigInt(await time.latest())).to.be.lessThan(lease.end + (await fx.leases.settleTimeout()));
    await expect(fx.leases.connect(fx.renter).reclaim(lease.leaseId)).to.be.revertedWithCustomError(
      fx.leases,
      "LeaseNotReclaimable",
    );
    const before = await fx.token.balanceOf(fx.a.operator.address);
    await settleFrom(fx, tree, epoch, lease.leaseId);
    expect((await fx.token.balanceOf(fx.a.operator.address)) - before).to.equal(PRICE);
  });
});

describe("attacks: leases through the token", function () {
  it("a fee-on-transfer token cannot leave a lease under-escrowed", async function () {
    // Defence: the balance check after transferFrom in LeaseManager._pull.
    // The registry refuses a fee token as stake too: register with the fee off, then switch it on.
    const fot = await ethers.deployContract("FeeOnTransferToken", [0]);
    const p = await deployProtocol({ token: await fot.getAddress() });
    const [op, renter] = p.operators;
    const key = newNodeKey();
    await registerOn(p, op, key, 2_000n * E18, CLAIM);
    await fot.setFeeBps(100);
    await p.leases.connect(op).setOffer(key.address, PRICE, 1, 10);
    await fot.mint(await renter.getAddress(), 100n * E18);
    await fot.connect(renter).approve(await p.leases.getAddress(), ethers.MaxUint256);
    const s = BigInt(await time.latest()) + HOUR;
    await expect(p.leases.connect(renter).book([key.address], s, s + HOUR, await renter.getAddress(), ethers.MaxUint256))
      .to.be.revertedWithCustomError(p.leases, "LeaseTransferShortfall")
      .withArgs(PRICE, (PRICE * 9_900n) / 10_000n);
    expect(await p.leases.totalEscrow()).to.equal(0n);
  });

  it("no LeaseManager action can be re-entered from the renter's token hook: the escrow is paid once", async function () {
    // Defences: nonReentrant on every LeaseManager action, and the status set to Reclaimed before the
    // transfer (either alone stops a second refund of reclaim out of other renters' escrow).
    const hook = await ethers.deployContract("HookToken");
    const p = await deployProtocol({ token: await hook.getAddress() });
    const [op, owner, other] = p.operators;
    const key = newNodeKey();
    await registerOn(p, op, key, 2_000n * E18, CLAIM);
    await p.leases.connect(op).setOffer(key.address, PRICE, 1, 10);
    const attacker = await ethers.deployContract("Reenterer", [], owner);
    const attackerAddr = await attacker.getAddress();
    await hook.mint(attackerAddr, 100n * E18);
    const leasesAddr = await p.leases.getAddress();
    await attacker.connect(owner).approve(await hook.getAddress(), leasesAddr, ethers.MaxUint256);
    const s = BigInt(await time.latest()) + HOUR;
    const book = (start: bigint) =>
      p.leases.interface.encodeFunctionData("book", [[key.address], start, start + HOUR, attackerAddr, ethers.MaxUint256]);
    await attacker.connect(owner).exec(leasesAddr, book(s));
    // Another renter's escrow sits in the contract, on a later window.
    await hook.mint(await other.getAddress(), 100n * E18);
    await hook.connect(other).approve(leasesAddr, ethers.MaxUint256);
    await p.leases.connect(other).book([key.address], s + HOUR, s + 2n * HOUR, await other.getAddress(), ethers.MaxUint256);
    await attacker.optIn(await hook.getAddress());
    await time.increaseTo(s + HOUR + (await p.leases.settleTimeout()));
    // Each call would otherwise be a valid action of the attacker (a second refund, a new booking, ...).
    const later = BigInt(await time.latest()) + 2n * HOUR;
    const I = p.leases.interface;
    const Z = ethers.ZeroHash;
    const batch = [
      I.encodeFunctionData("reclaim", [1n]),
      book(later),
      I.encodeFunctionData("bookWithPermit", [[key.address], later, later + HOUR, attackerAddr, PRICE, 0n, 27, Z, Z]),
      I.encodeFunctionData("cancel", [2n]),
      I.encodeFunctionData("settle", [1n, 0n, [10_000], []]),
    ];
    await attacker.connect(owner).armBatch(leasesAddr, batch, 0);
    const before = await hook.balanceOf(attackerAddr);
    await p.leases.connect(other).reclaim(1n);
    const [ok, reverts] = await attacker.batchResults();
    expect(ok).to.deep.equal(batch.map(() => false));
    expect(reverts.map((r: string) => I.parseError(r)?.name)).to.deep.equal(batch.map(() => "ReentrancyGuardReentrantCall"));
    expect((await hook.balanceOf(attackerAddr)) - before).to.equal(PRICE);
    expect(await p.leases.leaseCount()).to.equal(2n);
    expect(await hook.balanceOf(leasesAddr)).to.equal(await p.leases.totalEscrow());
    expect(await p.leases.totalEscrow()).to.equal(PRICE);
  });
});
