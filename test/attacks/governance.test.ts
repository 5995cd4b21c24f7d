/**
 * Attacks by governance and the guardian, and the parameter changes that would let a slashed node escape
 * (docs/security.md, "Governance"). Governance here is the timelock's proposer (`p.admin`): every change
 * it makes is scheduled, waits the timelock's delay and executes through `executeThroughTimelock`. The
 * guardian is a separate account with no delay that can only cancel.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  callData,
  deployProtocol,
  fraudSlash,
  executeThroughTimelock,
  newNodeKey,
  PARAMS,
  registerNode,
  type Protocol,
  type SlashEntry,
  submitEpochReport,
} from "../../scripts/hardhat-protocol";

const E18 = 10n ** 18n;
const STAKE = 5_000n * E18;
const slash = fraudSlash;

/** The protocol with a guardian apart from governance, and one registered node. */
async function withGuardian() {
  const signers = await ethers.getSigners();
  const guardian = signers[signers.length - 1];
  const p = await deployProtocol({ guardian: guardian.address });
  const key = newNodeKey();
  const operator = p.operators[0];
  await registerNode(p, operator, key, STAKE);
  return { p, guardian, node: key.address, operator };
}

/** Submits a report of the next epoch with `slashes`; returns the epoch. */
async function reportWith(p: Protocol, slashes: SlashEntry[]): Promise<bigint> {
  return (await submitEpochReport(p, { slashes })).epoch;
}

async function addr(c: { getAddress(): Promise<string> }): Promise<string> {
  return c.getAddress();
}

describe("attacks: governance", function () {
  it("governance cannot grant itself the slasher or the settlement role, at once or through the timelock", async function () {
    // Finding (Medium, "governance can take everything, at once"): the deploy left the admin holding
    // DEFAULT_ADMIN_ROLE on the registry and the distributor, so it could grant itself SLASHER_ROLE and
    // take any stake, or SETTLEMENT_ROLE and publish a root of its own. Defence: SLASHER_ROLE administers
    // itself and only Settlement holds it; the distributor's DEFAULT_ADMIN_ROLE is renounced.
    const { p } = await loadFixture(withGuardian);
    const slasher = await p.registry.SLASHER_ROLE();
    const settlementRole = await p.distributor.SETTLEMENT_ROLE();
    const timelock = await addr(p.timelock);
    await expect(p.registry.connect(p.admin).grantRole(slasher, p.admin.address)).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    await expect(
      p.distributor.connect(p.admin).grantRole(settlementRole, p.admin.address),
    ).to.be.revertedWithCustomError(p.distributor, "AccessControlUnauthorizedAccount");
    // Through the timelock, after its whole delay, still not.
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.registry), callData(p.registry, "grantRole", [slasher, timelock])),
    ).to.be.revertedWithCustomError(p.registry, "AccessControlUnauthorizedAccount");
    await expect(
      executeThroughTimelock(
        p.timelock,
        p.admin,
        await addr(p.distributor),
        callData(p.distributor, "grantRole", [settlementRole, timelock]),
      ),
    ).to.be.revertedWithCustomError(p.distributor, "AccessControlUnauthorizedAccount");
    expect(await p.registry.hasRole(slasher, timelock)).to.equal(false);
    expect(await p.distributor.hasRole(settlementRole, timelock)).to.equal(false);
  });

  it("governance cannot grant itself the rewards-staking role, at once or through the timelock", async function () {
    // REWARDS_ROLE credits stake on the registry (stakeRewards trusts its caller to have paid the tokens in):
    // a holder other than the RewardsDistributor could mint stake and withdraw others' tokens. Defence: the
    // role administers itself, only the distributor holds it and the deployer renounced it.
    const { p } = await loadFixture(withGuardian);
    const rewardsRole = await p.registry.REWARDS_ROLE();
    const timelock = await addr(p.timelock);
    expect(await p.registry.hasRole(rewardsRole, await addr(p.distributor))).to.equal(true);
    expect(await p.registry.getRoleAdmin(rewardsRole)).to.equal(rewardsRole);
    await expect(p.registry.connect(p.admin).grantRole(rewardsRole, p.admin.address)).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.registry), callData(p.registry, "grantRole", [rewardsRole, timelock])),
    ).to.be.revertedWithCustomError(p.registry, "AccessControlUnauthorizedAccount");
    expect(await p.registry.hasRole(rewardsRole, timelock)).to.equal(false);
    expect(await p.registry.hasRole(rewardsRole, p.admin.address)).to.equal(false);
  });

  it("governance cannot grant itself the lease-lock role, at once or through the timelock", async function () {
    // LEASE_ROLE sets a node's lease lock on the registry: a holder other than the LeaseManager could keep any
    // operator from unbonding or deregistering. Defence: the role administers itself, only the LeaseManager
    // holds it and the deployer renounced it.
    const { p } = await loadFixture(withGuardian);
    const leaseRole = await p.registry.LEASE_ROLE();
    const timelock = await addr(p.timelock);
    expect(await p.registry.hasRole(leaseRole, await addr(p.leases))).to.equal(true);
    expect(await p.registry.getRoleAdmin(leaseRole)).to.equal(leaseRole);
    await expect(p.registry.connect(p.admin).grantRole(leaseRole, p.admin.address)).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.registry), callData(p.registry, "grantRole", [leaseRole, timelock])),
    ).to.be.revertedWithCustomError(p.registry, "AccessControlUnauthorizedAccount");
    expect(await p.registry.hasRole(leaseRole, timelock)).to.equal(false);
    expect(await p.registry.hasRole(leaseRole, p.admin.address)).to.equal(false);
    // The LeaseManager's own parameters wait the timelock like every other.
    await expect(p.leases.connect(p.admin).setNotice(120n)).to.be.revertedWithCustomError(p.leases, "AccessControlUnauthorizedAccount");
    await expect(executeThroughTimelock(p.timelock, p.admin, await addr(p.leases), callData(p.leases, "setNotice", [120n])))
      .to.emit(p.leases, "NoticeSet");
  });

  it("a parameter change waits the timelock's delay, and an operator who sees it scheduled exits first", async function () {
    // Finding (Medium): without the admin role, governance could still at once install a 1-of-1
    // committee, set itself as treasury and the burn to zero. Defence: every setter is GOVERNANCE_ROLE,
    // held only by the timelock, whose delay exceeds the unbonding delay.
    const { p, node, operator } = await loadFixture(withGuardian);
    await expect(p.settlement.connect(p.admin).setTreasury(p.admin.address)).to.be.revertedWithCustomError(
      p.settlement,
      "AccessControlUnauthorizedAccount",
    );
    await expect(p.epochs.connect(p.admin).setCommittee([p.admin.address], 1)).to.be.revertedWithCustomError(
      p.epochs,
      "AccessControlUnauthorizedAccount",
    );
    const target = await addr(p.epochs);
    const data = callData(p.epochs, "setCommittee", [[p.admin.address], 1]);
    const salt = ethers.ZeroHash;
    const delay = await p.timelock.getMinDelay();
    await p.timelock.connect(p.admin).schedule(target, 0n, data, ethers.ZeroHash, salt, delay);
    // The operator sees the CallScheduled event and leaves at once.
    await p.registry.connect(operator).deregister(node);
    await expect(p.timelock.connect(p.admin).execute(target, 0n, data, ethers.ZeroHash, salt)).to.be.revertedWithCustomError(
      p.timelock,
      "TimelockUnexpectedOperationState",
    );
    await time.increase(await p.registry.unbondingDelay());
    // Its stake is out before the change can apply.
    await expect(p.registry.connect(operator).withdraw(node)).to.changeTokenBalance(p.token, operator, STAKE);
    await expect(p.timelock.connect(p.admin).execute(target, 0n, data, ethers.ZeroHash, salt)).to.be.revertedWithCustomError(
      p.timelock,
      "TimelockUnexpectedOperationState",
    );
    await time.increase(delay);
    await expect(p.timelock.connect(p.admin).execute(target, 0n, data, ethers.ZeroHash, salt)).to.emit(p.epochs, "CommitteeSet");
  });

  it("the guardian can cancel a scheduled change but neither propose nor change a parameter", async function () {
    // Defence: the guardian holds CANCELLER_ROLE on the timelock and GUARDIAN_ROLE (veto, appeals, pause)
    // on the protocol: cancelling is all it can do to governance.
    const { p, guardian } = await loadFixture(withGuardian);
    const target = await addr(p.settlement);
    const data = callData(p.settlement, "setTreasury", [p.admin.address]);
    const delay = await p.timelock.getMinDelay();
    await expect(
      p.timelock.connect(guardian).schedule(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash, delay),
    ).to.be.revertedWithCustomError(p.timelock, "AccessControlUnauthorizedAccount");
    for (const call of [
      () => p.settlement.connect(guardian).setTreasury(guardian.address),
      () => p.settlement.connect(guardian).setSlashBurnBps(0),
      () => p.registry.connect(guardian).setMinStakeBase(0n),
      () => p.registry.connect(guardian).grantRole(ethers.ZeroHash, guardian.address),
      () => p.epochs.connect(guardian).setCommittee([guardian.address], 1),
    ]) {
      await expect(call()).to.be.revertedWithCustomError(p.settlement, "AccessControlUnauthorizedAccount");
    }
    await p.timelock.connect(p.admin).schedule(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash, delay);
    const id = await p.timelock.hashOperation(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash);
    await expect(p.timelock.connect(guardian).cancel(id)).to.emit(p.timelock, "Cancelled").withArgs(id);
    await time.increase(delay);
    await expect(
      p.timelock.connect(p.admin).execute(target, 0n, data, ethers.ZeroHash, ethers.ZeroHash),
    ).to.be.revertedWithCustomError(p.timelock, "TimelockUnexpectedOperationState");
    expect(await p.settlement.treasury()).to.equal(p.treasury.address);
  });

  it("the guardian pauses new stake at once; governance cannot pause, and a pause never blocks an exit or a slash", async function () {
    // Defence: pause/unpause are GUARDIAN_ROLE; whenNotPaused sits only on register, registerWithPermit
    // and topUp (the paths that add stake); requestUnbond, deregister, withdraw, slash and claims never
    // check it (see also attacks/staking.test.ts).
    const { p, guardian, node, operator } = await loadFixture(withGuardian);
    await expect(p.registry.connect(p.admin).pause()).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    await expect(p.registry.connect(p.governance).pause()).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    const epoch = await reportWith(p, [slash(node, 1_000)]);
    await expect(p.registry.connect(guardian).pause()).to.emit(p.registry, "Paused");
    await expect(p.registry.connect(operator).topUp(node, 1n)).to.be.revertedWithCustomError(p.registry, "EnforcedPause");
    await expect(registerNode(p, p.operators[1], newNodeKey(), STAKE)).to.be.revertedWithCustomError(
      p.registry,
      "EnforcedPause",
    );
    await p.registry.connect(operator).deregister(node);
    const info = await p.settlement.reportOf(epoch);
    await time.increaseTo(info.disputeEndsAt);
    await p.settlement.finalize(epoch);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(STAKE / 10n);
    await time.increase(await p.registry.unbondingDelay());
    await expect(p.registry.connect(operator).withdraw(node)).to.changeTokenBalance(p.token, operator, STAKE - STAKE / 10n);
    await expect(p.registry.connect(guardian).unpause()).to.emit(p.registry, "Unpaused");
  });
});

describe("attacks: parameter changes that would let a slashed node escape", function () {
  // Finding (Medium): `unbondingDelay > epochLength + disputeWindow` was checked only at deploy; raising
  // the dispute window or lowering the unbonding delay later let a node see its slash proposed, unbond and
  // withdraw before the slash executed. Defence: every setter of any of the four quantities (unbonding
  // delay, dispute window, timelock delay; the epoch length is immutable) re-checks the bounds.

  it("setDisputeWindow refuses a window that leaves the unbonding delay at or below an epoch plus the window", async function () {
    const { p } = await loadFixture(withGuardian);
    const unbonding = await p.registry.unbondingDelay();
    const tooLong = unbonding - p.epochLength;
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.settlement), callData(p.settlement, "setDisputeWindow", [tooLong])),
    )
      .to.be.revertedWithCustomError(p.settlement, "SettlementDisputeWindowTooLong")
      .withArgs(tooLong, p.epochLength, unbonding);
    // One second shorter is accepted.
    await expect(
      executeThroughTimelock(
        p.timelock,
        p.admin,
        await addr(p.settlement),
        callData(p.settlement, "setDisputeWindow", [tooLong - 1n]),
      ),
    ).to.emit(p.settlement, "DisputeWindowSet");
  });

  it("setUnbondingDelay refuses a delay at or below an epoch plus the dispute window", async function () {
    const { p, node, operator } = await loadFixture(withGuardian);
    const floor = p.epochLength + (await p.settlement.disputeWindow());
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.registry), callData(p.registry, "setUnbondingDelay", [floor])),
    )
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryUnbondingDelayTooShort")
      .withArgs(floor, floor);
    // The escape it prevents: a slash proposed, the node deregisters, and its stake must still be there when
    // the report finalizes.
    const epoch = await reportWith(p, [slash(node, 10_000)]);
    await p.registry.connect(operator).deregister(node);
    await time.increaseTo((await p.settlement.reportOf(epoch)).disputeEndsAt);
    await expect(p.registry.connect(operator).withdraw(node)).to.be.revertedWithCustomError(
      p.registry,
      "NodeRegistryUnbondingNotReleased",
    );
    await p.settlement.finalize(epoch);
    expect((await p.settlement.slashOf(epoch, 0)).amount).to.equal(STAKE);
  });

  it("setUnbondingDelay refuses a delay at or above the timelock's delay", async function () {
    const { p } = await loadFixture(withGuardian);
    const ceiling = await p.timelock.getMinDelay();
    await expect(
      executeThroughTimelock(p.timelock, p.admin, await addr(p.registry), callData(p.registry, "setUnbondingDelay", [ceiling])),
    )
      .to.be.revertedWithCustomError(p.registry, "NodeRegistryUnbondingDelayNotBelowTimelock")
      .withArgs(ceiling, ceiling);
    await expect(
      executeThroughTimelock(
        p.timelock,
        p.admin,
        await addr(p.registry),
        callData(p.registry, "setUnbondingDelay", [ceiling - 1n]),
      ),
    ).to.emit(p.registry, "UnbondingDelaySet");
  });

  it("the timelock refuses a delay at or below the unbonding delay", async function () {
    const { p } = await loadFixture(withGuardian);
    const unbonding = await p.registry.unbondingDelay();
    const timelock = await addr(p.timelock);
    await expect(executeThroughTimelock(p.timelock, p.admin, timelock, callData(p.timelock, "updateDelay", [unbonding])))
      .to.be.revertedWithCustomError(p.timelock, "PoAITimelockDelayNotAboveUnbonding")
      .withArgs(unbonding, unbonding);
    await expect(
      executeThroughTimelock(p.timelock, p.admin, timelock, callData(p.timelock, "updateDelay", [unbonding + 1n])),
    ).to.emit(p.timelock, "MinDelayChange");
  });

  it("the bounds hold at deployment, in the contracts themselves", async function () {
    // Defence: Settlement's constructor and PoAITimelock's constructor check the same bounds as the setters,
    // and the registry checks them again when the deployment links it.
    const { p } = await loadFixture(withGuardian);
    const registry = await addr(p.registry);
    const unbonding = await p.registry.unbondingDelay();
    await expect(
      ethers.deployContract("Settlement", [
        registry,
        await addr(p.epochs),
        await addr(p.distributor),
        p.admin.address,
        {
          disputeWindow: unbonding - p.epochLength,
          slashBurnBps: 0,
          maxSlashes: 1,
          treasury: p.treasury.address,
          appealBond: 1n,
        },
      ]),
    ).to.be.revertedWithCustomError(p.settlement, "SettlementDisputeWindowTooLong");
    await expect(
      ethers.deployContract("PoAITimelock", [unbonding, [p.admin.address], [p.admin.address], p.admin.address, registry]),
    ).to.be.revertedWithCustomError(p.timelock, "PoAITimelockDelayNotAboveUnbonding");
    await expect(
      ethers.deployContract("PoAITimelock", [unbonding + 1n, [], [], ethers.ZeroAddress, registry]),
    ).to.be.revertedWithCustomError(p.timelock, "PoAITimelockZeroAddress");
    await expect(
      ethers.deployContract("PoAITimelock", [unbonding + 1n, [], [], p.admin.address, ethers.ZeroAddress]),
    ).to.be.revertedWithCustomError(p.timelock, "PoAITimelockZeroAddress");
    expect(await p.timelock.registry()).to.equal(registry);
    expect(PARAMS.unbondingDelay).to.equal(unbonding);
  });
});

describe("the dispute window's exact second", function () {
  // Test gap: nothing pinned the second at which the window ends, so a `>=` turned into `>` (or `<` into
  // `<=`) in Settlement survived the suite. The window is [submission, disputeEndsAt): veto, appeal and
  // appeal decisions up to disputeEndsAt - 1, finalize from disputeEndsAt on. Each check runs on a fresh
  // snapshot because a reverted transaction still mines its block (and uses up its second).
  async function pending() {
    const { p, guardian, node, operator } = await withGuardian();
    const epoch = await reportWith(p, [slash(node, 1_000)]);
    await p.token.connect(p.admin).mint(operator.address, PARAMS.appealBond);
    await p.token.connect(operator).approve(await addr(p.settlement), PARAMS.appealBond);
    const endsAt = (await p.settlement.reportOf(epoch)).disputeEndsAt;
    return { p, guardian, operator, epoch, endsAt };
  }

  it("at disputeEndsAt - 1 finalize is refused", async function () {
    const { p, epoch, endsAt } = await loadFixture(pending);
    await time.setNextBlockTimestamp(endsAt - 1n);
    await expect(p.settlement.finalize(epoch))
      .to.be.revertedWithCustomError(p.settlement, "SettlementDisputeWindowOpen")
      .withArgs(epoch, endsAt);
  });

  it("at disputeEndsAt - 1 the guardian still vetoes and the operator still appeals", async function () {
    const a = await loadFixture(pending);
    await time.setNextBlockTimestamp(a.endsAt - 1n);
    await expect(a.p.settlement.connect(a.guardian).vetoReport(a.epoch)).to.emit(a.p.settlement, "ReportVetoed");
    const b = await loadFixture(pending);
    await time.setNextBlockTimestamp(b.endsAt - 1n);
    await expect(b.p.settlement.connect(b.guardian).vetoSlash(b.epoch, 0)).to.emit(b.p.settlement, "SlashVetoed");
    const c = await loadFixture(pending);
    await time.setNextBlockTimestamp(c.endsAt - 1n);
    await expect(c.p.settlement.connect(c.operator).appeal(c.epoch, 0)).to.emit(c.p.settlement, "SlashAppealed");
  });

  it("at disputeEndsAt finalize goes through", async function () {
    const { p, epoch, endsAt } = await loadFixture(pending);
    await time.setNextBlockTimestamp(endsAt);
    await expect(p.settlement.finalize(epoch)).to.emit(p.settlement, "ReportFinalized");
  });

  it("at disputeEndsAt vetoes and appeals are refused", async function () {
    const calls = [
      (x: Awaited<ReturnType<typeof pending>>) => x.p.settlement.connect(x.guardian).vetoReport(x.epoch),
      (x: Awaited<ReturnType<typeof pending>>) => x.p.settlement.connect(x.guardian).vetoSlash(x.epoch, 0),
      (x: Awaited<ReturnType<typeof pending>>) => x.p.settlement.connect(x.operator).appeal(x.epoch, 0),
    ];
    for (const call of calls) {
      const x = await loadFixture(pending);
      await time.setNextBlockTimestamp(x.endsAt);
      await expect(call(x))
        .to.be.revertedWithCustomError(x.p.settlement, "SettlementDisputeWindowClosed")
        .withArgs(x.epoch, x.endsAt);
    }
  });
});
