import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  TEST_PARAMS,
  balanceSheet,
  deployFixture,
  finalizeEpoch,
  registerNode,
  slashEntry,
  submitEpoch,
  SlashReason,
} from "../support/fixtures";

const BURN = "0x000000000000000000000000000000000000dEaD";

describe("flow: fraud is reported, slashed after the dispute window, node jailed", () => {
  it("keeps the stake during the window, then slashes, splits and jails", async () => {
    const fx = await loadFixture(deployFixture);
    const cheater = await registerNode(fx, fx.operators[0], { gflops: 50_000 });
    const honest = await registerNode(fx, fx.operators[1], { gflops: 50_000 });

    // The oracle caught a wrong committed result in epoch 2: 100% slash for fraud.
    await submitEpoch(fx, { epoch: 2n, slashes: [slashEntry(cheater.node, 10_000, SlashReason.Fraud, "wrong-row-17")] });

    // During the window nothing has moved.
    await time.increase(TEST_PARAMS.disputeWindow / 2n);
    expect((await fx.registry.getNode(cheater.node)).stake).to.equal(cheater.amount);
    await expect(fx.settlement.finalize(2n)).to.be.revertedWithCustomError(fx.settlement, "SettlementDisputeWindowOpen");

    const treasuryBefore = await fx.token.balanceOf(fx.treasury.address);
    const burnBefore = await fx.token.balanceOf(BURN);
    await finalizeEpoch(fx, 2n);

    const node = await fx.registry.getNode(cheater.node);
    expect(node.stake).to.equal(0n);
    expect(node.status).to.equal(2n); // Jailed
    const half = cheater.amount / 2n; // burn share 50%, rounded down
    expect((await fx.token.balanceOf(BURN)) - burnBefore).to.equal(half);
    expect((await fx.token.balanceOf(fx.treasury.address)) - treasuryBefore).to.equal(cheater.amount - half);
    expect((await fx.registry.getNode(honest.node)).stake).to.equal(honest.amount);

    // It stays jailed for the jail duration, then is Active again (with whatever stake it has left).
    await time.increase(TEST_PARAMS.jailDuration - 10n);
    expect((await fx.registry.getNode(cheater.node)).status).to.equal(2n);
    await time.increase(10n);
    expect((await fx.registry.getNode(cheater.node)).status).to.equal(1n);

    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });
});
