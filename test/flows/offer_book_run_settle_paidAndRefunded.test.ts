import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { E18, SlashReason, balanceSheet, deployFixture, registerNode, slashEntry } from "../support/fixtures";
import { PRICE, bookLease, epochEndingAfter, escrowSheet, offer, reportLeases, settleFrom } from "../support/leases";

describe("flow: operator offers, renter books, lease runs, report finalizes, lease settles", () => {
  it("pays the honest operator in full; refunds the violating lease's renter and slashes its node for LeaseViolation", async () => {
    const fx = await loadFixture(deployFixture);
    const [honestOp, cheatOp] = fx.operators;
    const renter = fx.funder;
    const honest = await registerNode(fx, honestOp);
    const cheat = await registerNode(fx, cheatOp);
    await offer(fx, honest);
    await offer(fx, cheat, 4n * E18);

    // Two leases of the same four hours, one per node.
    const startIn = 2n * 3600n;
    const good = await bookLease(fx, renter, [honest.node], { startIn, hours: 4n });
    const bad = await bookLease(fx, renter, [cheat.node], { start: good.start, hours: 4n });
    expect(good.escrow).to.equal(4n * PRICE);
    expect(bad.escrow).to.equal(16n * E18);
    expect(await escrowSheet(fx)).to.deep.equal({ held: 56n * E18, owed: 56n * E18 });

    // During the lease neither operator can leave.
    await time.increaseTo(good.start + 3600n);
    await expect(fx.registry.connect(cheatOp).deregister(cheat.node)).to.be.revertedWithCustomError(
      fx.registry,
      "NodeRegistryNodeLeased",
    );

    // The committee judged the honest lease fully compliant and the other 40 % compliant (a foreign job ran
    // for the rest), and proposes a LeaseViolation slash of 10 % of the cheating node's stake.
    const epoch = await epochEndingAfter(fx, good.end);
    const violation = slashEntry(cheat.node, 1_000, SlashReason.LeaseViolation, "foreign-process");
    const stakeBefore = (await fx.registry.getNode(cheat.node)).stake;
    const tree = await reportLeases(
      fx,
      epoch,
      [
        { leaseId: good.leaseId, compliantBps: [10_000] },
        { leaseId: bad.leaseId, compliantBps: [4_000] },
      ],
      { slashes: [violation] },
    );
    expect(await fx.settlement.finalizedLeasesRoot(epoch)).to.equal(tree.root);

    // Finalization executed the slash: 10 % gone, node jailed.
    const after = await fx.registry.getNode(cheat.node);
    expect(after.stake).to.equal(stakeBefore - (stakeBefore * 1_000n + 9_999n) / 10_000n);
    expect(after.status).to.equal(2n); // Jailed
    expect((await fx.settlement.slashOf(epoch, 0)).slash.reason).to.equal(BigInt(SlashReason.LeaseViolation));

    const bal = async () =>
      Promise.all([honestOp, cheatOp, renter].map((s) => fx.token.balanceOf(s.address)));
    const [h0, c0, r0] = await bal();
    await settleFrom(fx, tree, epoch, good.leaseId);
    await settleFrom(fx, tree, epoch, bad.leaseId);
    const [h1, c1, r1] = await bal();
    expect(h1 - h0).to.equal(4n * PRICE);
    expect(c1 - c0).to.equal((16n * E18 * 4_000n) / 10_000n);
    expect(r1 - r0).to.equal((16n * E18 * 6_000n) / 10_000n);
    expect(await escrowSheet(fx)).to.deep.equal({ held: 0n, owed: 0n });
    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);

    // The lease is over: the honest operator may leave again.
    await expect(fx.registry.connect(honestOp).deregister(honest.node)).to.emit(fx.registry, "NodeDeregistered");
  });
});
