/**
 * Attacks on stake: unbonding or deregistering to escape a pending slash, slashing more than a node
 * holds, and deployments whose unbonding delay would let stake leave before its epoch settles.
 */
import { expect } from "chai";
import { ethers, config } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyUint } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  commitSeed,
  deployProtocol,
  endEpoch,
  fraudSlash,
  makeReport,
  newNodeKey,
  passDisputeWindow,
  PARAMS,
  quorumSignatures,
  registerNode,
  type Protocol,
  type SlashEntry,
  submitEpochReport,
} from "../../scripts/hardhat-protocol";
import { checkParams, DeployParamsError, deployProtocol as deployWithLib } from "../../scripts/deploy-lib";

const E18 = 10n ** 18n;
const STAKE = 5_000n * E18;
const slash = fraudSlash;

async function withNode() {
  const p = await deployProtocol();
  const key = newNodeKey();
  const operator = p.operators[0];
  await registerNode(p, operator, key, STAKE);
  return { p, node: key.address, operator };
}

/** Submits a report of the next epoch with `slashes`; returns the epoch. */
async function reportWith(p: Protocol, slashes: SlashEntry[]): Promise<bigint> {
  return (await submitEpochReport(p, { slashes })).epoch;
}

describe("attacks: escaping and exceeding slashes", function () {
  it("deregistering after a slash is proposed does not escape it", async function () {
    // Defences: (1) NodeRegistry.deregister moves stake into unbonding with a release time of
    // now + unbondingDelay, and the unbonding delay exceeds the dispute window, so withdraw reverts
    // (NodeRegistryUnbondingNotReleased) until after finalize; (2) NodeRegistry.slash takes from
    // unbonding once active stake is gone ("slashable until gone").
    const { p, node, operator } = await loadFixture(withNode);
    const epoch = await reportWith(p, [slash(node, 5_000)]);
    await p.registry.connect(operator).deregister(node);
    const n = await p.registry.getNode(node);
    expect(n.stake).to.equal(0n);
    expect(n.unbonding).to.equal(STAKE);
    await passDisputeWindow(p, epoch);
    await expect(p.registry.connect(operator).withdraw(node))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryUnbondingNotReleased")
      .withArgs(n.unbondReleaseTime, anyUint);
    await expect(p.settlement.finalize(epoch))
      .to.emit(p.registry, "NodeSlashed")
      .withArgs(node, 5_000, 0n, STAKE / 2n, (v: bigint) => v > 0n);
    await time.increaseTo(n.unbondReleaseTime);
    const before = await p.token.balanceOf(operator.address);
    await p.registry.connect(operator).withdraw(node);
    expect((await p.token.balanceOf(operator.address)) - before).to.equal(STAKE / 2n);
  });

  it("unbonding before cheating does not escape the slash of that epoch", async function () {
    // Defence: unbondingDelay > epochLength + disputeWindow (checked by scripts/deploy-lib checkParams),
    // so stake unbonded at the very start of the epoch in which the node cheats is still held when that
    // epoch's report finalizes, plus the slash reaching unbonding stake.
    const { p, node, operator } = await loadFixture(withNode);
    const epoch = (await p.epochs.currentEpoch()) + 1n;
    await commitSeed(p, epoch);
    await time.increaseTo(await p.epochs.epochStart(epoch));
    const minimum = await p.registry.minimumStake({ gpuModel: 1, gpuCount: 1, gflops: 100_000, vramMiB: 24_576, region: "0x65752d7765737400" });
    await p.registry.connect(operator).requestUnbond(node, STAKE - minimum);
    const release = (await p.registry.getNode(node)).unbondReleaseTime;
    // ... the node cheats during the epoch; the report comes right after it ends.
    await endEpoch(p, epoch);
    const { report, slashes } = await makeReport(p, epoch, { slashes: [slash(node, 10_000)] });
    await p.settlement.submitReport(report, slashes, await quorumSignatures(p, report));
    await passDisputeWindow(p, epoch);
    expect(BigInt(await time.latest())).to.be.lessThan(release);
    await expect(p.registry.connect(operator).withdraw(node)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryUnbondingNotReleased",
    );
    await p.settlement.finalize(epoch);
    const n = await p.registry.getNode(node);
    expect(n.stake + n.unbonding).to.equal(0n);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(STAKE);
  });

  it("a deployment whose unbonding delay is not longer than an epoch plus the dispute window is refused", async function () {
    // Defence: scripts/deploy-lib.ts checkParams. The contracts alone accept any delay >= 1 s (they do not
    // know each other's parameters): this check is what keeps the previous test's property true.
    const base = {
      epochLength: PARAMS.epochLength,
      disputeWindow: PARAMS.disputeWindow,
      jailDuration: PARAMS.jailDuration,
      minStakeBase: PARAMS.minStakeBase,
      minStakePerTflop: PARAMS.minStakePerTflop,
      slashBurnBps: 0,
      appealBond: 1n,
      maxSlashes: 16,
    };
    expect(() => checkParams({ ...base, unbondingDelay: PARAMS.epochLength + PARAMS.disputeWindow })).to.throw(
      DeployParamsError,
    );
    const [admin] = await ethers.getSigners();
    let refused = false;
    try {
      await deployWithLib(admin, { ...base, unbondingDelay: 60n }, { artifactsDir: config.paths.artifacts });
    } catch (e) {
      refused = e instanceof DeployParamsError;
    }
    expect(refused).to.equal(true);
    expect(() => checkParams({ ...base, unbondingDelay: PARAMS.epochLength + PARAMS.disputeWindow + 1n })).not.to.throw();
  });

  it("a slash never takes more than the node has, even listed twice at 100%", async function () {
    // Defence: NodeRegistry.slash takes ceil((stake + unbonding) * bps / 10_000) with bps <= 10_000, so
    // the amount never exceeds what is left; the second 100% slash finds nothing.
    const { p, node, operator } = await loadFixture(withNode);
    await p.registry.connect(operator).requestUnbond(node, 1_000n * E18);
    const epoch = await reportWith(p, [slash(node, 10_000), slash(node, 10_000)]);
    await passDisputeWindow(p, epoch);
    const before = await p.token.balanceOf(await p.registry.getAddress());
    await p.settlement.finalize(epoch);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(STAKE);
    expect((await p.settlement.slashOf(epoch, 1)).amount).to.equal(0n);
    expect(before - (await p.token.balanceOf(await p.registry.getAddress()))).to.equal(STAKE);
    expect(await p.registry.totalActiveStake()).to.equal(0n);
    expect(await p.registry.totalUnbonding()).to.equal(0n);
  });

  it("slash amounts round up against the slashed node, and the burn share rounds down", async function () {
    // Rounding directions: NodeRegistry.slash Math.Rounding.Ceil; Settlement.finalize burns
    // floor(total * burnBps / 10_000) and sends the remainder to the treasury.
    const p = await deployProtocol();
    const key = newNodeKey();
    const odd = 1_100n * E18 + 7n; // minimum stake + 7 wei
    await registerNode(p, p.operators[0], key, odd);
    const epoch = await reportWith(p, [slash(key.address, 3_333)]);
    await passDisputeWindow(p, epoch);
    const treasuryBefore = await p.token.balanceOf(p.treasury.address);
    await p.settlement.finalize(epoch);
    const expected = (odd * 3_333n + 9_999n) / 10_000n;
    const amount = (await p.settlement.slashOf(epoch, 0)).amount;
    expect(amount).to.equal(expected);
    const burned = (amount * 5_000n) / 10_000n;
    expect(await p.token.balanceOf("0x000000000000000000000000000000000000dEaD")).to.equal(burned);
    expect((await p.token.balanceOf(p.treasury.address)) - treasuryBefore).to.equal(amount - burned);
  });

  it("a slash of an unknown node or a node with nothing left executes as zero and does not block finalization", async function () {
    // Defence: NodeRegistry.slash returns 0 for an unknown node and never reverts for a registered one
    // ("slashing must never depend on a call that can revert"); one bad entry cannot hold back the others.
    const { p, node } = await loadFixture(withNode);
    const ghost = ethers.Wallet.createRandom().address;
    const epoch = await reportWith(p, [slash(ghost, 10_000), slash(node, 1_000)]);
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(0n);
    expect((await p.settlement.slashOf(epoch, 1)).amount).to.equal(STAKE / 10n);
  });
});

describe("attacks: governance pause", function () {
  it("a pause stops new stake but cannot trap stake or stop slashing", async function () {
    // Defence: whenNotPaused only on register, registerWithPermit and topUp; requestUnbond, withdraw,
    // deregister and slash ignore the pause, so governance cannot hold operators' stake hostage, and a
    // paused registry still executes slashes.
    const p = await deployProtocol();
    const op = p.operators[0];
    const key = newNodeKey();
    await registerNode(p, op, key, STAKE);
    const other = newNodeKey();
    await registerNode(p, p.operators[1], other, STAKE);
    const epoch = await reportWith(p, [slash(other.address, 10_000)]);
    await p.registry.connect(p.admin).pause();
    await expect(p.registry.connect(op).topUp(key.address, 1n)).to.be.revertedWithCustomError(p.registry, "EnforcedPause");
    await p.registry.connect(op).requestUnbond(key.address, 1_000n * E18);
    await p.registry.connect(op).deregister(key.address);
    await time.increase(await p.registry.unbondingDelay());
    await p.registry.connect(op).withdraw(key.address);
    expect((await p.registry.getNode(key.address)).unbonding).to.equal(0n);
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(STAKE);
  });
});
