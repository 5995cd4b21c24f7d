import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import { PERMIT_TYPES, leaseLeaf, leaseProof } from "../../protocol";
import { E18, TEST_PARAMS, deployFixture, futureDeadline, registerNode, type Fixture } from "../support/fixtures";
import { impersonated } from "../../scripts/hardhat-protocol";
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

const { ethers } = hre;
const HOUR = 3600n;

/** Two operators, one offered node each, and a renter (the funder account). */
async function leaseFixture() {
  const fx = await deployFixture();
  const a = await registerNode(fx, fx.operators[0]);
  const b = await registerNode(fx, fx.operators[1]);
  await offer(fx, a);
  await offer(fx, b, 3n * E18);
  return { ...fx, a, b, renter: fx.funder };
}
type LeaseFx = Awaited<ReturnType<typeof leaseFixture>>;

/** Nothing about leases moved: count, escrow and the contract's balance. */
async function snapshot(fx: Fixture) {
  return {
    count: await fx.leases.leaseCount(),
    ...(await escrowSheet(fx)),
  };
}

describe("LeaseManager", () => {
  describe("deployment", () => {
    it("wires the stake token, registry, settlement and clock, and holds the deploy parameters", async () => {
      const fx = await loadFixture(deployFixture);
      expect(await fx.leases.token()).to.equal(await fx.token.getAddress());
      expect(await fx.leases.registry()).to.equal(await fx.registry.getAddress());
      expect(await fx.leases.settlement()).to.equal(await fx.settlement.getAddress());
      expect(await fx.leases.epochs()).to.equal(await fx.epochs.getAddress());
      expect(await fx.leases.notice()).to.equal(fx.params.leaseNotice);
      expect(await fx.leases.settleTimeout()).to.equal(fx.params.leaseSettleTimeout);
      expect(await fx.registry.hasRole(await fx.registry.LEASE_ROLE(), await fx.leases.getAddress())).to.equal(true);
      expect(await fx.registry.getRoleAdmin(await fx.registry.LEASE_ROLE())).to.equal(await fx.registry.LEASE_ROLE());
    });

    it("refuses zero addresses and out-of-bounds parameters", async () => {
      const fx = await loadFixture(deployFixture);
      const F = await ethers.getContractFactory("LeaseManager");
      const [r, s, e] = await Promise.all([fx.registry, fx.settlement, fx.epochs].map((c) => c.getAddress()));
      const admin = fx.governance.address;
      const Z = ethers.ZeroAddress;
      const t = fx.params.leaseSettleTimeout;
      for (const args of [
        [Z, s, e, admin],
        [r, Z, e, admin],
        [r, s, Z, admin],
        [r, s, e, Z],
      ]) {
        await expect(F.deploy(args[0], args[1], args[2], args[3], 600n, t)).to.be.revertedWithCustomError(fx.leases, "LeaseZeroAddress");
      }
      await expect(F.deploy(r, s, e, admin, 59n, t)).to.be.revertedWithCustomError(fx.leases, "LeaseNoticeOutOfBounds").withArgs(59n);
      // The floor: an epoch plus the dispute window.
      const floor = fx.params.epochLength + fx.params.disputeWindow;
      await expect(F.deploy(r, s, e, admin, 600n, floor))
        .to.be.revertedWithCustomError(fx.leases, "LeaseSettleTimeoutOutOfBounds")
        .withArgs(floor, floor);
      await expect(F.deploy(r, s, e, admin, 600n, 91n * 86_400n)).to.be.revertedWithCustomError(
        fx.leases,
        "LeaseSettleTimeoutOutOfBounds",
      );
    });
  });

  describe("offers", () => {
    it("an operator offers, re-prices and withdraws a node", async () => {
      const fx = await loadFixture(deployFixture);
      const a = await registerNode(fx, fx.operators[0]);
      await expect(fx.leases.connect(a.operator).setOffer(a.node, PRICE, 2, 10))
        .to.emit(fx.leases, "OfferSet")
        .withArgs(a.node, a.operator.address, PRICE, 2, 10);
      expect(await fx.leases.offerOf(a.node)).to.deep.equal([a.operator.address, PRICE, 2n, 10n]);
      await fx.leases.connect(a.operator).setOffer(a.node, 2n * PRICE, 1, 2160);
      expect((await fx.leases.offerOf(a.node)).pricePerHour).to.equal(2n * PRICE);
      await expect(fx.leases.connect(fx.outsider).withdrawOffer(a.node))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotOperator")
        .withArgs(a.node, fx.outsider.address);
      await expect(fx.leases.connect(a.operator).withdrawOffer(a.node))
        .to.emit(fx.leases, "OfferWithdrawn")
        .withArgs(a.node, a.operator.address);
      expect((await fx.leases.offerOf(a.node)).operator).to.equal(ethers.ZeroAddress);
      await expect(fx.leases.connect(a.operator).withdrawOffer(a.node))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotOffered")
        .withArgs(a.node);
    });

    it("refuses an unknown node, another operator's node, a zero price and bad hours", async () => {
      const fx = await loadFixture(deployFixture);
      const a = await registerNode(fx, fx.operators[0]);
      const stranger = ethers.Wallet.createRandom().address;
      const L = fx.leases.connect(a.operator);
      await expect(L.setOffer(stranger, PRICE, 1, 1)).to.be.revertedWithCustomError(fx.leases, "LeaseUnknownNode").withArgs(stranger);
      await expect(fx.leases.connect(fx.operators[1]).setOffer(a.node, PRICE, 1, 1))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotOperator")
        .withArgs(a.node, fx.operators[1].address);
      await expect(L.setOffer(a.node, 0n, 1, 1)).to.be.revertedWithCustomError(fx.leases, "LeasePriceOutOfBounds").withArgs(0n);
      for (const [lo, hi] of [
        [0, 1],
        [3, 2],
        [1, 2161],
      ]) {
        await expect(L.setOffer(a.node, PRICE, lo, hi)).to.be.revertedWithCustomError(fx.leases, "LeaseHoursOutOfBounds").withArgs(lo, hi);
      }
      expect((await fx.leases.offerOf(a.node)).operator).to.equal(ethers.ZeroAddress);
    });
  });

  describe("book", () => {
    it("pulls the escrow, records the lease and its nodes, and locks each node until the end", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const start = BigInt(await time.latest()) + HOUR;
      const end = start + 3n * HOUR;
      const key = ethers.Wallet.createRandom().address;
      const escrow = (PRICE + 3n * E18) * 3n;
      await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), escrow);
      const before = await fx.token.balanceOf(fx.renter.address);
      await expect(fx.leases.connect(fx.renter).book([fx.a.node, fx.b.node], start, end, key, escrow))
        .to.emit(fx.leases, "LeaseBooked")
        .withArgs(1n, fx.renter.address, key, start, end, escrow, [fx.a.node, fx.b.node])
        .and.to.emit(fx.registry, "LeaseLockSet")
        .withArgs(fx.a.node, 0n, end);
      expect(before - (await fx.token.balanceOf(fx.renter.address))).to.equal(escrow);
      expect(await fx.leases.leaseOf(1n)).to.deep.equal([fx.renter.address, start, end, key, 1n, 2n, escrow]);
      expect(await fx.leases.leaseNodes(1n)).to.deep.equal([
        [fx.a.node, PRICE],
        [fx.b.node, 3n * E18],
      ]);
      expect(await fx.leases.bookingsOf(fx.a.node)).to.deep.equal([1n]);
      expect(await fx.registry.leasedUntil(fx.a.node)).to.equal(end);
      expect(await fx.registry.leasedUntil(fx.b.node)).to.equal(end);
      expect(await escrowSheet(fx)).to.deep.equal({ held: escrow, owed: escrow });
    });

    it("books with a permit instead of an approval; a failed permit falls back to the allowance", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const start = BigInt(await time.latest()) + HOUR;
      const key = ethers.Wallet.createRandom().address;
      const spender = await fx.leases.getAddress();
      const deadline = await futureDeadline();
      const sig = ethers.Signature.from(
        await fx.renter.signTypedData(
          { name: "PoAI Stake", version: "1", chainId: fx.chainId, verifyingContract: await fx.token.getAddress() },
          { Permit: [...PERMIT_TYPES.Permit] },
          { owner: fx.renter.address, spender, value: PRICE, nonce: 0n, deadline },
        ),
      );
      await expect(
        fx.leases.connect(fx.renter).bookWithPermit([fx.a.node], start, start + HOUR, key, PRICE, deadline, sig.v, sig.r, sig.s),
      ).to.emit(fx.leases, "LeaseBooked");
      const Z = ethers.ZeroHash;
      await expect(
        fx.leases.connect(fx.renter).bookWithPermit([fx.b.node], start, start + HOUR, key, PRICE, 0n, 27, Z, Z),
      ).to.be.revertedWithCustomError(fx.token, "ERC20InsufficientAllowance");
      await fx.token.connect(fx.renter).approve(spender, 3n * E18);
      await expect(
        fx.leases.connect(fx.renter).bookWithPermit([fx.b.node], start, start + HOUR, key, 3n * E18, 0n, 27, Z, Z),
      ).to.emit(fx.leases, "LeaseBooked");
    });

    it("refuses a bad node list, renter key or window with a named error and changes nothing", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
      const L = fx.leases.connect(fx.renter);
      const now = BigInt(await time.latest());
      const s = now + HOUR;
      const key = fx.renter.address;
      const M = ethers.MaxUint256;
      const before = await snapshot(fx);
      await expect(L.book([], s, s + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseNodeCountOutOfBounds").withArgs(0n);
      const many = Array.from({ length: 17 }, () => fx.a.node);
      await expect(L.book(many, s, s + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseNodeCountOutOfBounds").withArgs(17n);
      await expect(L.book([fx.a.node, fx.b.node, fx.a.node], s, s + HOUR, key, M))
        .to.be.revertedWithCustomError(L, "LeaseDuplicateNode")
        .withArgs(fx.a.node);
      await expect(L.book([fx.a.node], s, s + HOUR, ethers.ZeroAddress, M)).to.be.revertedWithCustomError(L, "LeaseZeroRenterKey");
      await expect(L.book([fx.a.node], s, s, key, M)).to.be.revertedWithCustomError(L, "LeaseWindowNotWholeHours").withArgs(s, s);
      await expect(L.book([fx.a.node], s, s + 5400n, key, M))
        .to.be.revertedWithCustomError(L, "LeaseWindowNotWholeHours")
        .withArgs(s, s + 5400n);
      // The notice: 600 s. The next block is at least one second later than `now`.
      const soon = now + 600n;
      await expect(L.book([fx.a.node], soon, soon + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseStartTooSoon");
      const far = now + 31n * 86_400n;
      await expect(L.book([fx.a.node], far, far + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseStartTooLate");
      expect(await snapshot(fx)).to.deep.equal(before);
    });

    it("refuses a node that is not offered, hours outside the offer, and an escrow above the renter's maximum", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
      const L = fx.leases.connect(fx.renter);
      const s = BigInt(await time.latest()) + HOUR;
      const key = fx.renter.address;
      const M = ethers.MaxUint256;
      const c = await registerNode(fx, fx.operators[2]);
      const before = await snapshot(fx);
      await expect(L.book([fx.a.node, c.node], s, s + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseNotOffered").withArgs(c.node);
      await offer(fx, c, PRICE, 2, 4);
      await expect(L.book([c.node], s, s + HOUR, key, M))
        .to.be.revertedWithCustomError(L, "LeaseHoursNotOffered")
        .withArgs(c.node, 1n, 2n, 4n);
      await expect(L.book([c.node], s, s + 5n * HOUR, key, M))
        .to.be.revertedWithCustomError(L, "LeaseHoursNotOffered")
        .withArgs(c.node, 5n, 2n, 4n);
      // The offer was raised while the booking was in flight: the renter's maximum refuses it.
      await expect(L.book([fx.a.node], s, s + 2n * HOUR, key, 2n * PRICE - 1n))
        .to.be.revertedWithCustomError(L, "LeaseEscrowAboveMax")
        .withArgs(2n * PRICE, 2n * PRICE - 1n);
      await fx.leases.connect(fx.a.operator).withdrawOffer(fx.a.node);
      await expect(L.book([fx.a.node], s, s + HOUR, key, M)).to.be.revertedWithCustomError(L, "LeaseNotOffered").withArgs(fx.a.node);
      expect(await snapshot(fx)).to.deep.equal(before);
    });

    it("an offer made by a node's previous operator does not bind the operator who registered the key again", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const [op, other] = [fx.a.operator, fx.operators[2]];
      await fx.registry.connect(op).deregister(fx.a.node);
      await time.increase(TEST_PARAMS.unbondingDelay);
      await fx.registry.connect(op).withdraw(fx.a.node);
      await registerNode(fx, other, { nodeKey: fx.a.nodeKey });
      await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
      const s = BigInt(await time.latest()) + HOUR;
      await expect(fx.leases.connect(fx.renter).book([fx.a.node], s, s + HOUR, fx.renter.address, ethers.MaxUint256))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotOffered")
        .withArgs(fx.a.node);
      // The new operator may clear the stale offer and make its own.
      await expect(fx.leases.connect(other).withdrawOffer(fx.a.node)).to.emit(fx.leases, "OfferWithdrawn").withArgs(fx.a.node, other.address);
      await fx.leases.connect(other).setOffer(fx.a.node, PRICE, 1, 4);
      await expect(fx.leases.connect(fx.renter).book([fx.a.node], s, s + HOUR, fx.renter.address, ethers.MaxUint256)).to.emit(
        fx.leases,
        "LeaseBooked",
      );
    });

    it("refuses an exiting node and a node with stake unbonding", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      await fx.token.connect(fx.renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
      const L = fx.leases.connect(fx.renter);
      const s = BigInt(await time.latest()) + HOUR;
      const key = fx.renter.address;
      // b: top up, then unbond the surplus (the node stays at its minimum, but announced an exit of stake).
      await fx.token.connect(fx.b.operator).approve(await fx.registry.getAddress(), E18);
      await fx.registry.connect(fx.b.operator).topUp(fx.b.node, E18);
      await fx.registry.connect(fx.b.operator).requestUnbond(fx.b.node, E18);
      await expect(L.book([fx.b.node], s, s + HOUR, key, ethers.MaxUint256))
        .to.be.revertedWithCustomError(L, "LeaseNodeUnbonding")
        .withArgs(fx.b.node, E18);
      await fx.registry.connect(fx.a.operator).deregister(fx.a.node);
      await expect(L.book([fx.a.node], s, s + HOUR, key, ethers.MaxUint256))
        .to.be.revertedWithCustomError(L, "LeaseNodeNotEligible")
        .withArgs(fx.a.node);
      expect(await fx.leases.leaseCount()).to.equal(0n);
    });

    it("refuses an overlapping window; back-to-back windows and other nodes are free", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const first = await bookLease(fx, fx.renter, [fx.a.node], { startIn: 3n * HOUR, hours: 2n });
      const L = fx.leases.connect(fx.renter);
      const key = fx.renter.address;
      const M = ethers.MaxUint256;
      for (const [s, e] of [
        [first.start, first.end],
        [first.start - HOUR, first.start + HOUR],
        [first.end - HOUR, first.end + HOUR],
        [first.start - HOUR, first.end + HOUR],
      ]) {
        await expect(L.book([fx.b.node, fx.a.node], s, e, key, M))
          .to.be.revertedWithCustomError(L, "LeaseOverlap")
          .withArgs(fx.a.node, first.leaseId);
      }
      await bookLease(fx, fx.renter, [fx.a.node, fx.b.node], { start: first.end });
      await bookLease(fx, fx.renter, [fx.a.node], { start: first.start - HOUR });
      expect(await fx.leases.bookingsOf(fx.a.node)).to.deep.equal([1n, 2n, 3n]);
      // The lock is the latest end of the node's bookings.
      expect(await fx.registry.leasedUntil(fx.a.node)).to.equal(first.end + HOUR);
    });

    it("holds at most MAX_BOOKINGS_PER_NODE future bookings per node and prunes ended ones", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const max = Number(await fx.leases.MAX_BOOKINGS_PER_NODE());
      const t0 = BigInt(await time.latest()) + HOUR;
      for (let i = 0; i < max; i++) await bookLease(fx, fx.renter, [fx.a.node], { start: t0 + BigInt(i) * HOUR });
      const next = t0 + BigInt(max) * HOUR;
      await expect(
        fx.leases.connect(fx.renter).book([fx.a.node], next, next + HOUR, fx.renter.address, ethers.MaxUint256),
      ).to.be.revertedWithCustomError(fx.leases, "LeaseTooManyBookings").withArgs(fx.a.node);
      // After the first two end, a booking prunes them and fits.
      await time.increaseTo(t0 + 2n * HOUR);
      await bookLease(fx, fx.renter, [fx.a.node], { start: next });
      const list = await fx.leases.bookingsOf(fx.a.node);
      expect(list.length).to.equal(max - 1);
      expect(list).to.not.include(1n);
      expect(list).to.not.include(2n);
    });
  });

  describe("cancel", () => {
    it("refunds the renter in full until the notice before the start and releases the lock", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const early = await bookLease(fx, fx.renter, [fx.a.node], { startIn: 2n * HOUR });
      const late = await bookLease(fx, fx.renter, [fx.a.node, fx.b.node], { start: early.end, hours: 2n });
      expect(await fx.registry.leasedUntil(fx.a.node)).to.equal(late.end);
      await expect(fx.leases.connect(fx.outsider).cancel(late.leaseId))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotRenter")
        .withArgs(late.leaseId, fx.outsider.address);
      const before = await fx.token.balanceOf(fx.renter.address);
      await expect(fx.leases.connect(fx.renter).cancel(late.leaseId))
        .to.emit(fx.leases, "LeaseCancelled")
        .withArgs(late.leaseId, fx.renter.address, late.escrow)
        .and.to.emit(fx.registry, "LeaseLockSet")
        .withArgs(fx.a.node, late.end, early.end);
      expect((await fx.token.balanceOf(fx.renter.address)) - before).to.equal(late.escrow);
      expect(await fx.registry.leasedUntil(fx.a.node)).to.equal(early.end);
      expect(await fx.registry.leasedUntil(fx.b.node)).to.equal(0n);
      expect((await fx.leases.leaseOf(late.leaseId)).status).to.equal(2n); // Cancelled
      await expect(fx.leases.connect(fx.renter).cancel(late.leaseId))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotBooked")
        .withArgs(late.leaseId, 2n);
      expect(await escrowSheet(fx)).to.deep.equal({ held: early.escrow, owed: early.escrow });
      // The cancelled window is free again (the cancelled booking is pruned).
      const again = await bookLease(fx, fx.renter, [fx.b.node, fx.a.node], { start: late.start, hours: 2n });
      expect(await fx.leases.bookingsOf(fx.a.node)).to.deep.equal([early.leaseId, again.leaseId]);
      await fx.leases.connect(fx.renter).cancel(again.leaseId);
      // From `notice` before the start on, the lease runs.
      const notice = await fx.leases.notice();
      await time.increaseTo(early.start - notice);
      await expect(fx.leases.connect(fx.renter).cancel(early.leaseId))
        .to.be.revertedWithCustomError(fx.leases, "LeaseCancelClosed")
        .withArgs(early.leaseId, early.start - notice);
      await expect(fx.leases.connect(fx.renter).cancel(99n)).to.be.revertedWithCustomError(fx.leases, "LeaseUnknown").withArgs(99n);
    });
  });

  describe("settle", () => {
    it("pays each operator its compliant share rounded down and refunds the renter the rest", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      // Prices 10 and 3 tokens plus 1 wei an hour make the rounding visible.
      await fx.leases.connect(fx.b.operator).setOffer(fx.b.node, 3n * E18 + 1n, 1, 10);
      const lease = await bookLease(fx, fx.renter, [fx.a.node, fx.b.node], { hours: 3n });
      const epoch = await epochEndingAfter(fx, lease.end);
      const bps = [10_000, 3_333];
      const tree = await reportLeases(fx, epoch, [{ leaseId: lease.leaseId, compliantBps: bps }]);
      const payA = PRICE * 3n;
      const payB = ((3n * E18 + 1n) * 3n * 3_333n) / 10_000n;
      const [oa, ob, r] = await Promise.all(
        [fx.a.operator, fx.b.operator, fx.renter].map((s) => fx.token.balanceOf(s.address)),
      );
      await expect(settleFrom(fx, tree, epoch, lease.leaseId))
        .to.emit(fx.leases, "LeaseSettled")
        .withArgs(lease.leaseId, epoch, payA + payB, lease.escrow - payA - payB)
        .and.to.emit(fx.leases, "LeaseNodePaid")
        .withArgs(lease.leaseId, fx.b.node, fx.b.operator.address, 3_333, payB);
      expect((await fx.token.balanceOf(fx.a.operator.address)) - oa).to.equal(payA);
      expect((await fx.token.balanceOf(fx.b.operator.address)) - ob).to.equal(payB);
      expect((await fx.token.balanceOf(fx.renter.address)) - r).to.equal(lease.escrow - payA - payB);
      expect((await fx.leases.leaseOf(lease.leaseId)).status).to.equal(3n); // Settled
      expect(await escrowSheet(fx)).to.deep.equal({ held: 0n, owed: 0n });
      await expect(settleFrom(fx, tree, epoch, lease.leaseId))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotBooked")
        .withArgs(lease.leaseId, 3n);
    });

    it("a node judged 0 % compliant earns nothing: the renter gets the whole escrow back", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const lease = await bookLease(fx, fx.renter, [fx.a.node], { hours: 2n });
      const epoch = await epochEndingAfter(fx, lease.end);
      const tree = await reportLeases(fx, epoch, [{ leaseId: lease.leaseId, compliantBps: [0] }]);
      const [o, r] = await Promise.all([fx.a.operator, fx.renter].map((x) => fx.token.balanceOf(x.address)));
      await expect(settleFrom(fx, tree, epoch, lease.leaseId))
        .to.emit(fx.leases, "LeaseSettled")
        .withArgs(lease.leaseId, epoch, 0n, lease.escrow);
      expect(await fx.token.balanceOf(fx.a.operator.address)).to.equal(o);
      expect((await fx.token.balanceOf(fx.renter.address)) - r).to.equal(lease.escrow);
    });

    it("computes the leaf exactly as protocol/leases.ts does", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const d = { chainId: fx.chainId, leaseManager: (await fx.leases.getAddress()) as Hex };
      for (const [id, bps] of [
        [1n, [10_000]],
        [42n, [0, 1, 9_999, 10_000]],
      ] as const) {
        expect(await fx.leases.settlementLeaf(id, [...bps])).to.equal(leaseLeaf(d, { leaseId: id, compliantBps: [...bps] }));
      }
    });

    it("refuses bad shares, an unfinalized report, an epoch ending too early and a bad proof, changing nothing", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const lease = await bookLease(fx, fx.renter, [fx.a.node, fx.b.node], { startIn: 3n * HOUR });
      const epoch = await epochEndingAfter(fx, lease.end);
      const good = [10_000, 10_000];
      const L = fx.leases.connect(fx.outsider);
      const id = lease.leaseId;
      await expect(L.settle(id, epoch, [10_000], [])).to.be.revertedWithCustomError(L, "LeaseBpsLengthMismatch").withArgs(1n, 2n);
      await expect(L.settle(id, epoch, [10_000, 10_001], [])).to.be.revertedWithCustomError(L, "LeaseBpsOutOfBounds").withArgs(1n, 10_001n);
      await expect(L.settle(id, epoch, good, [])).to.be.revertedWithCustomError(L, "LeaseReportNotFinalized").withArgs(epoch);
      await expect(L.settle(7n, epoch, good, [])).to.be.revertedWithCustomError(L, "LeaseUnknown").withArgs(7n);
      // An earlier epoch's finalized report cannot speak for the lease's last hour.
      const early = epoch - 1n;
      const tree = await leasesTreeOf(fx, [{ leaseId: id, compliantBps: good }]);
      await reportLeases(fx, early, [], { tree });
      await expect(settleFrom(fx, tree, early, id))
        .to.be.revertedWithCustomError(L, "LeaseEpochBeforeEnd")
        .withArgs(early, await fx.epochs.epochEnd(early), lease.end);
      // Pending: the leases root is not usable before the dispute window closes.
      await reportLeases(fx, epoch, [], { tree, finalize: false });
      await expect(settleFrom(fx, tree, epoch, id)).to.be.revertedWithCustomError(L, "LeaseReportNotFinalized").withArgs(epoch);
      const before = await snapshot(fx);
      await (async () => {
        const info = await fx.settlement.reportOf(epoch);
        await time.increaseTo(info.disputeEndsAt);
        await fx.settlement.finalize(epoch);
      })();
      const p = leaseProof(tree, id)!;
      // Shares other than the committee's, and an over-long proof.
      await expect(L.settle(id, epoch, [10_000, 9_999], p.proof)).to.be.revertedWithCustomError(L, "LeaseInvalidProof").withArgs(id, epoch);
      const long = Array.from({ length: 65 }, () => ethers.ZeroHash);
      await expect(L.settle(id, epoch, good, long)).to.be.revertedWithCustomError(L, "LeaseInvalidProof").withArgs(id, epoch);
      expect(await snapshot(fx)).to.deep.equal(before);
      await expect(settleFrom(fx, tree, epoch, id)).to.emit(fx.leases, "LeaseSettled");
    });
  });

  describe("reclaim", () => {
    it("returns the whole escrow to the renter once the settlement timeout has passed, not before", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const lease = await bookLease(fx, fx.renter, [fx.a.node], { hours: 2n });
      const at = lease.end + (await fx.leases.settleTimeout());
      await time.increaseTo(at - 2n);
      await expect(fx.leases.connect(fx.outsider).reclaim(lease.leaseId))
        .to.be.revertedWithCustomError(fx.leases, "LeaseNotReclaimable")
        .withArgs(lease.leaseId, at);
      await time.increaseTo(at);
      const before = await fx.token.balanceOf(fx.renter.address);
      await expect(fx.leases.connect(fx.outsider).reclaim(lease.leaseId))
        .to.emit(fx.leases, "LeaseReclaimed")
        .withArgs(lease.leaseId, fx.renter.address, lease.escrow);
      expect((await fx.token.balanceOf(fx.renter.address)) - before).to.equal(lease.escrow);
      expect((await fx.leases.leaseOf(lease.leaseId)).status).to.equal(4n); // Reclaimed
      await expect(fx.leases.reclaim(lease.leaseId)).to.be.revertedWithCustomError(fx.leases, "LeaseNotBooked");
      expect(await escrowSheet(fx)).to.deep.equal({ held: 0n, owed: 0n });
    });
  });

  describe("governance", () => {
    it("only the timelock sets the notice and the settlement timeout, within bounds", async () => {
      const fx = await loadFixture(deployFixture);
      const g = fx.leases.connect(fx.timelockSigner);
      await expect(fx.leases.connect(fx.governance).setNotice(120n)).to.be.revertedWithCustomError(
        fx.leases,
        "AccessControlUnauthorizedAccount",
      );
      await expect(fx.leases.connect(fx.governance).setSettleTimeout(200_000n)).to.be.revertedWithCustomError(
        fx.leases,
        "AccessControlUnauthorizedAccount",
      );
      await expect(g.setNotice(120n)).to.emit(fx.leases, "NoticeSet").withArgs(fx.params.leaseNotice, 120n);
      await expect(g.setNotice(7n * 86_400n + 1n)).to.be.revertedWithCustomError(fx.leases, "LeaseNoticeOutOfBounds");
      await expect(g.setSettleTimeout(200_000n))
        .to.emit(fx.leases, "SettleTimeoutSet")
        .withArgs(fx.params.leaseSettleTimeout, 200_000n);
      await expect(g.setSettleTimeout(3599n)).to.be.revertedWithCustomError(fx.leases, "LeaseSettleTimeoutOutOfBounds");
      expect(await fx.leases.notice()).to.equal(120n);
      expect(await fx.leases.settleTimeout()).to.equal(200_000n);
    });
  });

  describe("NodeRegistry lease lock", () => {
    it("blocks unbonding, deregistration and claim changes until the lease's end, then lets them through", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const lease = await bookLease(fx, fx.renter, [fx.a.node]);
      const R = fx.registry.connect(fx.a.operator);
      await expect(R.requestUnbond(fx.a.node, 1n))
        .to.be.revertedWithCustomError(R, "NodeRegistryNodeLeased")
        .withArgs(fx.a.node, lease.end);
      await expect(R.deregister(fx.a.node)).to.be.revertedWithCustomError(R, "NodeRegistryNodeLeased");
      await expect(R.updateClaim(fx.a.node, fx.a.claim)).to.be.revertedWithCustomError(R, "NodeRegistryNodeLeased");
      await time.increaseTo(lease.end);
      await expect(R.updateClaim(fx.a.node, fx.a.claim)).to.emit(R, "ClaimUpdated");
      await expect(R.deregister(fx.a.node)).to.emit(R, "NodeDeregistered");
    });

    it("only LEASE_ROLE sets the lock, and only for a registered node", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      await expect(fx.registry.connect(fx.governance).setLeasedUntil(fx.a.node, 1n)).to.be.revertedWithCustomError(
        fx.registry,
        "AccessControlUnauthorizedAccount",
      );
      const lm = await impersonated(await fx.leases.getAddress());
      const stranger = ethers.Wallet.createRandom().address;
      await expect(fx.registry.connect(lm).setLeasedUntil(stranger, 1n))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryUnknownNode")
        .withArgs(stranger);
    });
  });

  describe("Settlement.finalizedLeasesRoot", () => {
    it("is zero until the report finalizes, then the signed root; zero again for a vetoed report", async () => {
      const fx: LeaseFx = await loadFixture(leaseFixture);
      const root = ethers.keccak256(ethers.toUtf8Bytes("leases")) as Hex;
      const tree = { root };
      await reportLeases(fx, 0n, [], { tree, finalize: false });
      expect(await fx.settlement.finalizedLeasesRoot(0n)).to.equal(ethers.ZeroHash);
      await reportLeases(fx, 1n, [], { tree, finalize: false });
      await fx.settlement.connect(fx.governance).vetoReport(1n);
      const info = await fx.settlement.reportOf(0n);
      await time.increaseTo(info.disputeEndsAt);
      await fx.settlement.finalize(0n);
      expect(await fx.settlement.finalizedLeasesRoot(0n)).to.equal(root);
      expect(await fx.settlement.finalizedLeasesRoot(1n)).to.equal(ethers.ZeroHash);
      // The vetoed report's root must not come back with a re-report that carries no leases.
      await reportLeases(fx, 1n, []);
      expect((await fx.settlement.reportOf(1n)).status).to.equal(3n); // Finalized
      expect(await fx.settlement.finalizedLeasesRoot(1n)).to.equal(ethers.ZeroHash);
    });
  });
});
