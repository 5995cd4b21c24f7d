import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  E18,
  TEST_PARAMS,
  balanceSheet,
  deployFixture,
  finalizeEpoch,
  minStakeFor,
  registerNode,
  slashEntry,
  submitEpoch,
} from "../support/fixtures";

describe("flow: an operator unbonds right before the slash and is still slashed", () => {
  it("deregistering during the cheating epoch does not protect the stake", async () => {
    const fx = await loadFixture(deployFixture);
    const n = await registerNode(fx, fx.operators[0], { gflops: 10_000 });
    // Cheat during epoch 0, then try to run with the stake before the report lands.
    await time.increaseTo((await fx.epochs.epochStart(0n)) + 10n);
    await fx.registry.connect(n.operator).deregister(n.node);
    await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(n.node, 8_000)] });

    // The unbonding delay outlasts the epoch and the dispute window: withdraw is still locked.
    await expect(fx.registry.connect(n.operator).withdraw(n.node)).to.be.revertedWithCustomError(
      fx.registry,
      "NodeRegistryUnbondingNotReleased",
    );
    await finalizeEpoch(fx, 0n);
    const slashed = (n.amount * 8_000n + 9_999n) / 10_000n; // rounded up, against the operator
    const node = await fx.registry.getNode(n.node);
    expect(node.unbonding).to.equal(n.amount - slashed);
    expect(node.status).to.equal(3n); // Exiting

    await time.increaseTo(node.unbondReleaseTime);
    const before = await fx.token.balanceOf(n.operator.address);
    await fx.registry.connect(n.operator).withdraw(n.node);
    expect((await fx.token.balanceOf(n.operator.address)) - before).to.equal(n.amount - slashed);
    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });

  it("a partial unbond is slashed from active stake first, then from unbonding", async () => {
    const fx = await loadFixture(deployFixture);
    const extra = 500n * E18;
    const n = await registerNode(fx, fx.operators[0], { gflops: 10_000, amount: minStakeFor(10_000) + extra });
    await fx.registry.connect(n.operator).requestUnbond(n.node, extra);
    await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(n.node, 10_000)] });
    await finalizeEpoch(fx, 0n);
    const node = await fx.registry.getNode(n.node);
    expect(node.stake).to.equal(0n);
    expect(node.unbonding).to.equal(0n);
    expect(await fx.registry.totalUnbonding()).to.equal(0n);
    expect(TEST_PARAMS.unbondingDelay > TEST_PARAMS.epochLength + TEST_PARAMS.disputeWindow).to.equal(true);
  });
});
