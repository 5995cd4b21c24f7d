import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
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

describe("flow: an operator appeals a slash and wins", () => {
  it("posts the bond, governance upholds, the slash never executes and the bond comes back", async () => {
    const fx = await loadFixture(deployFixture);
    const n = await registerNode(fx, fx.operators[0], { gflops: 30_000 });
    await submitEpoch(fx, { epoch: 1n, slashes: [slashEntry(n.node, 3_000, SlashReason.Overclaim)] });

    const balance0 = await fx.token.balanceOf(n.operator.address);
    await fx.token.connect(n.operator).approve(await fx.settlement.getAddress(), TEST_PARAMS.appealBond);
    await expect(fx.settlement.connect(n.operator).appeal(1n, 0n)).to.emit(fx.settlement, "SlashAppealed");
    expect(await fx.token.balanceOf(n.operator.address)).to.equal(balance0 - TEST_PARAMS.appealBond);
    let sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);

    await expect(fx.settlement.resolveAppeal(1n, 0n, true))
      .to.emit(fx.settlement, "AppealResolved")
      .withArgs(1n, 0n, true, TEST_PARAMS.appealBond, n.operator.address);
    await expect(finalizeEpoch(fx, 1n)).not.to.emit(fx.settlement, "SlashExecuted");
    // The bond was credited back; the operator withdraws it.
    expect(await fx.settlement.refundOf(n.operator.address)).to.equal(TEST_PARAMS.appealBond);
    await fx.settlement.connect(n.operator).withdrawRefund();

    const node = await fx.registry.getNode(n.node);
    expect(node.stake).to.equal(n.amount);
    expect(node.status).to.equal(1n); // Active, never jailed
    expect(await fx.token.balanceOf(n.operator.address)).to.equal(balance0);
    sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });
});
