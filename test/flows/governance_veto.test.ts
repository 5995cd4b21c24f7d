import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import {
  E18,
  balanceSheet,
  deployFixture,
  finalizeEpoch,
  fundRewards,
  proofFor,
  registerNode,
  rewardsTree,
  slashEntry,
  submitEpoch,
} from "../support/fixtures";

describe("flow: governance vetoes", () => {
  it("a wrongful slash is vetoed; the rest of the report still finalizes", async () => {
    const fx = await loadFixture(deployFixture);
    const a = await registerNode(fx, fx.operators[0]);
    const b = await registerNode(fx, fx.operators[1]);
    await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(a.node, 5_000), slashEntry(b.node, 5_000)] });
    await fx.settlement.vetoSlash(0n, 0n);
    await finalizeEpoch(fx, 0n);
    expect((await fx.registry.getNode(a.node)).stake).to.equal(a.amount);
    expect((await fx.registry.getNode(b.node)).stake).to.equal(b.amount / 2n);
  });

  it("a bad report is vetoed whole: its budget is released and a corrected report pays out", async () => {
    const fx = await loadFixture(deployFixture);
    const a = await registerNode(fx, fx.operators[0]);
    await fundRewards(fx, 100n * E18);
    const bad = rewardsTree([
      [fx.outsider.address, 100n * E18],
      [a.operator.address, 0n],
    ]);
    await submitEpoch(fx, { epoch: 0n, rewardsRoot: bad.root as Hex, rewardsTotal: 100n * E18, slashes: [slashEntry(a.node, 10_000)] });
    expect(await fx.distributor.availableBudget()).to.equal(0n);
    await fx.settlement.vetoReport(0n);
    expect(await fx.distributor.availableBudget()).to.equal(100n * E18);

    const good = rewardsTree([
      [a.operator.address, 100n * E18],
      [fx.outsider.address, 0n],
    ]);
    await submitEpoch(fx, { epoch: 0n, rewardsRoot: good.root as Hex, rewardsTotal: 100n * E18 });
    await finalizeEpoch(fx, 0n);
    expect((await fx.registry.getNode(a.node)).stake).to.equal(a.amount);
    await fx.distributor.claim(a.operator.address, 100n * E18, proofFor(good, a.operator.address));
    await expect(
      fx.distributor.claim(fx.outsider.address, 100n * E18, proofFor(bad, fx.outsider.address)),
    ).to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof");
    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });
});
