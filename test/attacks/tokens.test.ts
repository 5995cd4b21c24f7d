/**
 * Attacks through the stake token: a fee-on-transfer token (as stake, as rewards funding, as appeal
 * bond) and an ERC-777-like token whose transfer hooks hand control to an attacker contract in the
 * middle of withdraw, claim and top-up, or let an appellant refuse its bond refund.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  CLAIM,
  commitSeed,
  deployProtocol,
  endEpoch,
  makeReport,
  quorumSignatures,
  newNodeKey,
  passDisputeWindow,
  PARAMS,
  proofFor,
  protocolBalance,
  protocolLiabilities,
  registerNode,
  rewardsTree,
  signRegistration,
  submitEpochReport,
  SlashReason,
  type Protocol,
} from "../../scripts/hardhat-protocol";
import type { Hex } from "viem";

const E18 = 10n ** 18n;
const STAKE = 2_000n * E18;

// ---------------------------------------------------------------- fee on transfer

async function feeTokenProtocol() {
  const fot = await ethers.deployContract("FeeOnTransferToken", [0]);
  const p = await deployProtocol({ token: await fot.getAddress() });
  return { p, fot };
}

/**
 * Funds the distributor with the hook token and finalizes an epoch paying the attacker 100 and an
 * operator 400: returns the attacker's leaf, ready to claim.
 */
async function finalizedAttackerLeaf(p: Protocol, hook: Awaited<ReturnType<typeof hookTokenProtocol>>["hook"], attackerAddr: string) {
  await hook.mint(p.admin.address, 1_000n * E18);
  await hook.connect(p.admin).approve(await p.distributor.getAddress(), 1_000n * E18);
  await p.distributor.connect(p.admin).fund(1_000n * E18);
  const tree = rewardsTree([
    [attackerAddr, 100n * E18],
    [p.operators[2].address, 400n * E18],
  ]);
  const { epoch } = await submitEpochReport(p, { rewardsRoot: tree.root as Hex, rewardsTotal: 500n * E18 });
  await passDisputeWindow(p, epoch);
  await p.settlement.finalize(epoch);
  return proofFor(tree, attackerAddr);
}

describe("attacks: fee-on-transfer stake token", function () {
  it("staking with a fee-on-transfer token is refused instead of over-crediting the stake", async function () {
    // Defence: NodeRegistry._pull compares the balance before and after safeTransferFrom and reverts with
    // NodeRegistryTransferShortfall. Without it the node would be credited 2,000 while the registry holds
    // 1,980: the last operators to withdraw could not be paid.
    const { p, fot } = await loadFixture(feeTokenProtocol);
    await fot.setFeeBps(100); // 1%
    const op = p.operators[0];
    const key = newNodeKey();
    await fot.mint(op.address, STAKE);
    await fot.connect(op).approve(await p.registry.getAddress(), STAKE);
    const dl = BigInt(await time.latest()) + 3600n;
    const sig = await signRegistration(p, key, op.address, dl);
    await expect(p.registry.connect(op).register(key.address, CLAIM, STAKE, dl, sig))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryTransferShortfall")
      .withArgs(STAKE, STAKE - STAKE / 100n);
    expect(await p.registry.totalActiveStake()).to.equal(0n);
  });

  it("a top-up after the token's fee switch flips is refused; withdrawals keep the books exact", async function () {
    // Defence: the same exact-amount check on topUp; withdrawals send `amount` and reduce the books by
    // `amount`, so the registry's balance keeps matching active + unbonding stake.
    const { p, fot } = await loadFixture(feeTokenProtocol);
    const op = p.operators[0];
    const key = newNodeKey();
    await registerNode(p, op, key, STAKE);
    await fot.setFeeBps(250);
    await fot.mint(op.address, 100n * E18);
    await fot.connect(op).approve(await p.registry.getAddress(), 100n * E18);
    await expect(p.registry.connect(op).topUp(key.address, 100n * E18)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryTransferShortfall",
    );
    await p.registry.connect(op).requestUnbond(key.address, 500n * E18);
    await time.increase(await p.registry.unbondingDelay());
    await p.registry.connect(op).withdraw(key.address);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
    expect(await p.token.balanceOf(await p.registry.getAddress())).to.equal(STAKE - 500n * E18);
  });

  it("funding rewards with a fee-on-transfer token is refused instead of over-counting the budget", async function () {
    // Defence: RewardsDistributor.fund's balance check → RewardsDistributorTransferShortfall. Without it
    // `totalFunded` would exceed the distributor's balance and the last claims would fail.
    const { p, fot } = await loadFixture(feeTokenProtocol);
    await fot.setFeeBps(100);
    await fot.mint(p.admin.address, 1_000n * E18);
    await fot.connect(p.admin).approve(await p.distributor.getAddress(), 1_000n * E18);
    await expect(p.distributor.connect(p.admin).fund(1_000n * E18))
      .to.be.revertedWithCustomError(p.distributor, "RewardsDistributorTransferShortfall")
      .withArgs(1_000n * E18, 990n * E18);
    expect(await p.distributor.totalFunded()).to.equal(0n);
  });

  it("an appeal bond paid in a fee-on-transfer token is refused", async function () {
    // Defence: Settlement.appeal's balance check → SettlementTransferShortfall; otherwise `pendingBonds`
    // would exceed the bonds held and a refund would spend slashed funds.
    const { p, fot } = await loadFixture(feeTokenProtocol);
    const op = p.operators[0];
    const key = newNodeKey();
    await registerNode(p, op, key, STAKE);
    const { epoch } = await submitEpochReport(p, {
      slashes: [{ node: key.address as Hex, bps: 1000, reason: SlashReason.Overclaim, evidence: ethers.ZeroHash as Hex }],
    });
    await fot.setFeeBps(100);
    await fot.mint(op.address, PARAMS.appealBond);
    await fot.connect(op).approve(await p.settlement.getAddress(), PARAMS.appealBond);
    await expect(p.settlement.connect(op).appeal(epoch, 0))
      .to.be.revertedWithCustomError(p.settlement, "SettlementTransferShortfall")
      .withArgs(PARAMS.appealBond, PARAMS.appealBond - PARAMS.appealBond / 100n);
    expect(await p.settlement.pendingBonds()).to.equal(0n);
  });
});

// ---------------------------------------------------------------- transfer hooks

async function hookTokenProtocol() {
  const hook = await ethers.deployContract("HookToken");
  const p = await deployProtocol({ token: await hook.getAddress() });
  const owner = p.operators[0];
  const attacker = await ethers.deployContract("Reenterer", [], owner);
  const attackerAddr = await attacker.getAddress();
  await hook.mint(attackerAddr, 10n * STAKE);
  for (const spender of [p.registry, p.settlement, p.distributor]) {
    await attacker.connect(owner).approve(await hook.getAddress(), await spender.getAddress(), ethers.MaxUint256);
  }
  // The attacker contract registers a node as its operator (the node key consents to it).
  const key = newNodeKey();
  const dl = BigInt(await time.latest()) + 3600n;
  const sig = await signRegistration(p, key, attackerAddr, dl);
  await attacker
    .connect(owner)
    .exec(await p.registry.getAddress(), p.registry.interface.encodeFunctionData("register", [key.address, CLAIM, STAKE, dl, sig]));
  await attacker.optIn(await hook.getAddress());
  return { p, hook, attacker, attackerAddr, owner, node: key.address };
}

function decodeError(p: Protocol, data: string): string {
  for (const c of [p.registry, p.distributor, p.settlement]) {
    const parsed = c.interface.parseError(data);
    if (parsed) return parsed.name;
  }
  return data;
}

describe("attacks: re-entrancy through token hooks", function () {
  it("re-entering withdraw from the recipient hook pays nothing twice", async function () {
    // Defence: checks-effects-interactions in NodeRegistry.withdraw: `n.unbonding = 0` and
    // `_totalUnbonding -= amount` happen before safeTransfer. Without it the re-entered withdraw would
    // pay the unbonding amount a second time out of other operators' stake.
    const { p, attacker, attackerAddr, owner, node } = await loadFixture(hookTokenProtocol);
    const victim = newNodeKey();
    await registerNode(p, p.operators[1], victim, 10n * STAKE); // other operators' stake sits in the registry
    await attacker.connect(owner).exec(
      await p.registry.getAddress(),
      p.registry.interface.encodeFunctionData("requestUnbond", [node, 500n * E18]),
    );
    await time.increase(await p.registry.unbondingDelay());
    const withdrawCall = p.registry.interface.encodeFunctionData("withdraw", [node]);
    await attacker.connect(owner).arm(await p.registry.getAddress(), withdrawCall, 3, 0);
    const before = await p.token.balanceOf(attackerAddr);
    await attacker.connect(owner).exec(await p.registry.getAddress(), withdrawCall);
    expect(await attacker.reentries()).to.equal(1n);
    expect(await attacker.reentrySuccesses()).to.equal(0n);
    expect(decodeError(p, await attacker.lastRevertData())).to.equal("NodeRegistryNothingToWithdraw");
    expect((await p.token.balanceOf(attackerAddr)) - before).to.equal(500n * E18);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("re-entering claim from the recipient hook pays nothing twice", async function () {
    // Defences: nonReentrant on RewardsDistributor.claim, and `_claimed[account] = cumulativeAmount`
    // before safeTransfer (either alone stops the double payout).
    const { p, hook, attacker, attackerAddr, owner } = await loadFixture(hookTokenProtocol);
    const { amount, proof } = await finalizedAttackerLeaf(p, hook, attackerAddr);
    const claimCall = p.distributor.interface.encodeFunctionData("claim", [attackerAddr, amount, proof]);
    await attacker.connect(owner).arm(await p.distributor.getAddress(), claimCall, 3, 0);
    const before = await p.token.balanceOf(attackerAddr);
    await p.distributor.connect(p.operators[3]).claim(attackerAddr, amount, proof);
    expect(await attacker.reentries()).to.equal(1n);
    expect(await attacker.reentrySuccesses()).to.equal(0n);
    expect(decodeError(p, await attacker.lastRevertData())).to.equal("ReentrancyGuardReentrantCall");
    expect((await p.token.balanceOf(attackerAddr)) - before).to.equal(100n * E18);
    expect(await p.distributor.totalClaimed()).to.equal(100n * E18);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("no Settlement action can be re-entered from the treasury's hook during finalize, even by governance", async function () {
    // Defence: nonReentrant on every Settlement action. finalize pays the treasury last; a treasury that
    // is a contract (here also holding GOVERNANCE_ROLE and GUARDIAN_ROLE, the strongest case) gets control there and tries
    // submitReport, finalize, vetoSlash, vetoReport, appeal, resolveAppeal and withdrawRefund: each one
    // reverts with ReentrancyGuardReentrantCall, and finalize completes.
    const { p, attacker, attackerAddr, owner, node } = await loadFixture(hookTokenProtocol);
    await p.settlement.connect(p.governance).setTreasury(attackerAddr);
    await p.settlement.connect(p.governance).grantRole(await p.settlement.GOVERNANCE_ROLE(), attackerAddr);
    await p.settlement.connect(p.governance).grantRole(await p.settlement.GUARDIAN_ROLE(), attackerAddr);
    const slashEntry = { node: node as Hex, bps: 2_000, reason: SlashReason.Fraud, evidence: ethers.ZeroHash as Hex };
    const { epoch: a } = await submitEpochReport(p, { slashes: [slashEntry] });
    const { epoch: b } = await submitEpochReport(p, { slashes: [slashEntry] });
    // A valid report of a third epoch, ready to be relayed.
    const c = (await p.epochs.currentEpoch()) + 1n;
    await commitSeed(p, c);
    await endEpoch(p, c);
    const { report, slashes } = await makeReport(p, c);
    const sigs = await quorumSignatures(p, report);
    const s = p.settlement.interface;
    const batch = [
      s.encodeFunctionData("submitReport", [report, slashes, sigs]),
      s.encodeFunctionData("finalize", [b]),
      s.encodeFunctionData("vetoSlash", [b, 0]),
      s.encodeFunctionData("vetoReport", [b]),
      s.encodeFunctionData("appeal", [b, 0]),
      s.encodeFunctionData("resolveAppeal", [b, 0, true]),
      s.encodeFunctionData("withdrawRefund"),
    ];
    await attacker.connect(owner).armBatch(await p.settlement.getAddress(), batch, 0);
    await passDisputeWindow(p, a);
    await expect(p.settlement.finalize(a)).to.emit(p.settlement, "ReportFinalized");
    const [ok, reverts] = await attacker.batchResults();
    expect(ok).to.deep.equal(batch.map(() => false));
    expect(reverts.map((r: string) => decodeError(p, r))).to.deep.equal(batch.map(() => "ReentrancyGuardReentrantCall"));
    expect((await p.settlement.reportOf(b)).status).to.equal(1n); // still pending, untouched
    expect((await p.settlement.reportOf(c)).status).to.equal(0n); // not submitted
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("neither claim nor fund can be re-entered from a claim payout", async function () {
    // Defence: nonReentrant on RewardsDistributor.claim and fund (cross-function: a re-entered fund
    // would run while the claim's payout is half done).
    const { p, hook, attacker, attackerAddr, owner } = await loadFixture(hookTokenProtocol);
    const { amount, proof } = await finalizedAttackerLeaf(p, hook, attackerAddr);
    const d = p.distributor.interface;
    const batch = [d.encodeFunctionData("claim", [attackerAddr, amount, proof]), d.encodeFunctionData("fund", [1n])];
    await attacker.connect(owner).armBatch(await p.distributor.getAddress(), batch, 0);
    await p.distributor.claim(attackerAddr, amount, proof);
    const [ok, reverts] = await attacker.batchResults();
    expect(ok).to.deep.equal([false, false]);
    expect(reverts.map((r: string) => decodeError(p, r))).to.deep.equal([
      "ReentrancyGuardReentrantCall",
      "ReentrancyGuardReentrantCall",
    ]);
    expect(await p.distributor.totalFunded()).to.equal(1_000n * E18);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("neither claimBatch nor claimToStake can be re-entered from a claim payout", async function () {
    // Defence: nonReentrant on RewardsDistributor.claimBatch and claimToStake (new entry points sharing
    // `claimed[account]` with claim). The attacker's hook, run by the payout of its first claim, tries to
    // claim its leaf again through each of them; both revert and it is paid once.
    const { p, hook, attacker, attackerAddr, owner, node } = await loadFixture(hookTokenProtocol);
    const { amount, proof } = await finalizedAttackerLeaf(p, hook, attackerAddr);
    const d = p.distributor.interface;
    const batch = [
      d.encodeFunctionData("claimBatch", [[attackerAddr], [amount], [proof]]),
      d.encodeFunctionData("claimToStake", [amount, proof, node]),
    ];
    await attacker.connect(owner).armBatch(await p.distributor.getAddress(), batch, 0);
    const before = await p.token.balanceOf(attackerAddr);
    await p.distributor.claim(attackerAddr, amount, proof);
    const [ok, reverts] = await attacker.batchResults();
    expect(ok).to.deep.equal([false, false]);
    expect(reverts.map((r: string) => decodeError(p, r))).to.deep.equal([
      "ReentrancyGuardReentrantCall",
      "ReentrancyGuardReentrantCall",
    ]);
    expect((await p.token.balanceOf(attackerAddr)) - before).to.equal(100n * E18);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("re-entering topUp from the sender hook cannot credit stake that was not received", async function () {
    // Defence: NodeRegistry._pull requires `received == amount`. The sender hook runs before the outer
    // transfer moves any balance, so the outer call sees the inner deposit too (received = 2 × amount) and
    // reverts: the whole nested deposit is undone. A registry that credited the measured balance delta
    // would credit 3 × amount for 2 × amount received.
    const { p, attacker, owner, node } = await loadFixture(hookTokenProtocol);
    const topUp = p.registry.interface.encodeFunctionData("topUp", [node, 100n * E18]);
    await attacker.connect(owner).arm(await p.registry.getAddress(), topUp, 1, 1);
    const stakeBefore = (await p.registry.getNode(node)).stake;
    await expect(attacker.connect(owner).exec(await p.registry.getAddress(), topUp)).to.be.revertedWithCustomError(
      attacker,
      "ReentererCallFailed",
    );
    expect((await p.registry.getNode(node)).stake).to.equal(stakeBefore);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("re-entering withdrawRefund from the recipient hook pays the bond once", async function () {
    // Defences: nonReentrant on Settlement.withdrawRefund, and `_refunds[msg.sender] = 0` before the
    // transfer (either alone stops a second payout of the same credited bond).
    const { p, attacker, attackerAddr, owner, node } = await loadFixture(hookTokenProtocol);
    const { epoch } = await submitEpochReport(p, {
      slashes: [{ node: node as Hex, bps: 2_000, reason: SlashReason.Fraud, evidence: ethers.ZeroHash as Hex }],
    });
    await attacker.connect(owner).exec(
      await p.settlement.getAddress(),
      p.settlement.interface.encodeFunctionData("appeal", [epoch, 0]),
    );
    await p.settlement.connect(p.admin).resolveAppeal(epoch, 0, true);
    expect(await p.settlement.refundOf(attackerAddr)).to.equal(PARAMS.appealBond);
    const withdraw = p.settlement.interface.encodeFunctionData("withdrawRefund");
    await attacker.connect(owner).arm(await p.settlement.getAddress(), withdraw, 3, 0);
    const before = await p.token.balanceOf(attackerAddr);
    await attacker.connect(owner).exec(await p.settlement.getAddress(), withdraw);
    expect(await attacker.reentries()).to.equal(1n);
    expect(await attacker.reentrySuccesses()).to.equal(0n);
    expect(decodeError(p, await attacker.lastRevertData())).to.equal("ReentrancyGuardReentrantCall");
    expect((await p.token.balanceOf(attackerAddr)) - before).to.equal(PARAMS.appealBond);
    expect(await p.settlement.pendingBonds()).to.equal(0n);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });

  it("an appellant that refuses its bond refund cannot block finalization of its slash", async function () {
    // Property (ISettlement: "Finalization never waits on governance"; STYLE: "slashing must never depend
    // on a call that can revert"): once the window closes, finalize executes the slash whatever the
    // appellant's account does when the bond comes back.
    //
    // Defence: Settlement._refundBond credits the bond to `_refunds[appellant]` (pull payment, withdrawn
    // with withdrawRefund) instead of transferring it. This test failed on the first Settlement (commit
    // 6b9494e), whose _refundBond pushed the bond with safeTransfer before registry.slash: an appellant
    // whose token hook reverts (an ERC-777 token, a blocklisted address) made finalize revert, so the slash
    // never executed and the operator could unbond and withdraw its stake unslashed. Fixed in cd48bc0.
    const { p, attacker, owner, node } = await loadFixture(hookTokenProtocol);
    const { epoch } = await submitEpochReport(p, {
      slashes: [{ node: node as Hex, bps: 10_000, reason: SlashReason.Fraud, evidence: ethers.ZeroHash as Hex }],
    });
    await attacker.connect(owner).exec(
      await p.settlement.getAddress(),
      p.settlement.interface.encodeFunctionData("appeal", [epoch, 0]),
    );
    await attacker.connect(owner).setRejectIncoming(true);
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    const n = await p.registry.getNode(node);
    expect(n.stake + n.unbonding).to.equal(0n);
    expect((await p.settlement.reportOf(epoch)).status).to.equal(3n);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
    // The bond waits for the appellant, who takes it once it accepts tokens again.
    const attackerAddr = await attacker.getAddress();
    expect(await p.settlement.refundOf(attackerAddr)).to.equal(PARAMS.appealBond);
    const withdraw = p.settlement.interface.encodeFunctionData("withdrawRefund");
    await expect(attacker.connect(owner).exec(await p.settlement.getAddress(), withdraw)).to.be.revertedWithCustomError(
      attacker,
      "ReentererCallFailed",
    );
    await attacker.connect(owner).setRejectIncoming(false);
    await attacker.connect(owner).exec(await p.settlement.getAddress(), withdraw);
    expect(await p.settlement.refundOf(attackerAddr)).to.equal(0n);
    expect(await p.settlement.pendingBonds()).to.equal(0n);
  });

  it("an appellant that refuses tokens cannot block governance rejecting its appeal either", async function () {
    // resolveAppeal(rejected) sends the bond to the treasury, never to the appellant.
    const { p, attacker, owner, node } = await loadFixture(hookTokenProtocol);
    const { epoch } = await submitEpochReport(p, {
      slashes: [{ node: node as Hex, bps: 10_000, reason: SlashReason.Fraud, evidence: ethers.ZeroHash as Hex }],
    });
    await attacker.connect(owner).exec(
      await p.settlement.getAddress(),
      p.settlement.interface.encodeFunctionData("appeal", [epoch, 0]),
    );
    await attacker.connect(owner).setRejectIncoming(true);
    await p.settlement.connect(p.admin).resolveAppeal(epoch, 0, false);
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    const n = await p.registry.getNode(node);
    expect(n.stake + n.unbonding).to.equal(0n);
    expect(await protocolBalance(p)).to.equal(await protocolLiabilities(p));
  });
});
