import { expect } from "chai";
import hre from "hardhat";
import {
  CONTRACT_NAMES,
  DEVNET_PARAMS,
  DeployParamsError,
  checkParams,
  deployProtocol,
  deploymentRecord,
} from "../../scripts/deploy-lib";

const { ethers } = hre;

describe("scripts/deploy-lib", () => {
  it("rejects parameter sets that would let unbonded stake escape a pending slash", () => {
    expect(() => checkParams(DEVNET_PARAMS)).not.to.throw();
    expect(() => checkParams({ ...DEVNET_PARAMS, unbondingDelay: DEVNET_PARAMS.epochLength + DEVNET_PARAMS.disputeWindow })).to.throw(
      DeployParamsError,
      /unbondingDelay/,
    );
    expect(() => checkParams({ ...DEVNET_PARAMS, epochLength: 0n })).to.throw(DeployParamsError);
    expect(() => checkParams({ ...DEVNET_PARAMS, slashBurnBps: 10_001 })).to.throw(DeployParamsError);
    expect(() => checkParams({ ...DEVNET_PARAMS, maxSlashes: 65 })).to.throw(DeployParamsError);
    expect(() => checkParams({ ...DEVNET_PARAMS, leaseNotice: 59n })).to.throw(DeployParamsError, /leaseNotice/);
    // A renter must not reclaim before the lease's report can finalize: an epoch plus the dispute window.
    expect(() =>
      checkParams({ ...DEVNET_PARAMS, epochLength: 3000n, disputeWindow: 600n, unbondingDelay: 7200n, leaseSettleTimeout: 3600n }),
    ).to.throw(DeployParamsError, /leaseSettleTimeout/);
  });

  it("deploys the devnet set, wires Settlement's roles and writes a JSON-safe record", async () => {
    const [deployer] = await ethers.getSigners();
    const d = await deployProtocol(deployer, DEVNET_PARAMS, { artifactsDir: hre.config.paths.artifacts });
    const registry = await ethers.getContractAt("NodeRegistry", d.contracts.NodeRegistry.address);
    const distributor = await ethers.getContractAt("RewardsDistributor", d.contracts.RewardsDistributor.address);
    const epochs = await ethers.getContractAt("EpochManager", d.contracts.EpochManager.address);
    const token = await ethers.getContractAt("PoAIToken", d.contracts.PoAIToken.address);
    const settlement = d.contracts.Settlement.address;
    expect(await registry.hasRole(await registry.SLASHER_ROLE(), settlement)).to.equal(true);
    expect(await distributor.hasRole(await distributor.SETTLEMENT_ROLE(), settlement)).to.equal(true);
    expect(await registry.hasRole(await registry.SLASHER_ROLE(), deployer.address)).to.equal(false);
    expect(await epochs.epochLength()).to.equal(DEVNET_PARAMS.epochLength);
    expect(await epochs.committee()).to.deep.equal([deployer.address]);
    expect(await epochs.quorum()).to.equal(1n);
    expect(await token.balanceOf(deployer.address)).to.equal(DEVNET_PARAMS.initialMint);
    const block = await ethers.provider.getBlock("latest");
    expect(d.params.genesis).to.be.greaterThan(BigInt(block!.timestamp));

    const rec = deploymentRecord("hardhat", d, "abc123", hre.config.paths.artifacts) as {
      chainId: string;
      commit: string;
      deploymentBlock: number;
      contracts: Record<string, { address: string; abi: unknown[]; constructorArgs: unknown[] }>;
    };
    expect(rec.chainId).to.equal("31337");
    expect(rec.commit).to.equal("abc123");
    expect(rec.deploymentBlock).to.be.greaterThan(0);
    for (const name of CONTRACT_NAMES) {
      expect(rec.contracts[name].address).to.equal(d.contracts[name].address);
      expect(rec.contracts[name].abi.length).to.be.greaterThan(0);
    }
    expect(JSON.parse(JSON.stringify(rec))).to.deep.equal(rec);
  });

  it("with a separate admin and guardian: the timelock holds parameters and role admin, the guardian only cancels, the deployer nothing", async () => {
    // Guards the Medium finding "governance can take everything, at once": the deploy left the admin holding
    // DEFAULT_ADMIN_ROLE on the registry and the distributor, from which it could grant itself SLASHER_ROLE
    // or SETTLEMENT_ROLE and take stake or rewards at once.
    const [deployer, admin, guardian] = await ethers.getSigners();
    const d = await deployProtocol(
      deployer,
      { ...DEVNET_PARAMS, admin: admin.address, guardian: guardian.address },
      { artifactsDir: hre.config.paths.artifacts },
    );
    const registry = await ethers.getContractAt("NodeRegistry", d.contracts.NodeRegistry.address);
    const epochs = await ethers.getContractAt("EpochManager", d.contracts.EpochManager.address);
    const distributor = await ethers.getContractAt("RewardsDistributor", d.contracts.RewardsDistributor.address);
    const settlement = await ethers.getContractAt("Settlement", d.contracts.Settlement.address);
    const timelock = await ethers.getContractAt("PoAITimelock", d.contracts.PoAITimelock.address);
    const leases = await ethers.getContractAt("LeaseManager", d.contracts.LeaseManager.address);
    const T = d.contracts.PoAITimelock.address;
    const S = d.contracts.Settlement.address;
    expect(await timelock.getMinDelay()).to.equal(
      DEVNET_PARAMS.unbondingDelay + DEVNET_PARAMS.epochLength + DEVNET_PARAMS.disputeWindow,
    );
    expect(await timelock.getMinDelay()).to.be.greaterThan(await registry.unbondingDelay());
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), admin.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.CANCELLER_ROLE(), guardian.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), guardian.address)).to.equal(false);
    expect(await timelock.hasRole(await timelock.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);
    expect(await registry.governanceLinks()).to.deep.equal([d.contracts.EpochManager.address, S, T]);

    // Every role of every protocol contract, replayed from its RoleGranted / RoleRevoked events: who holds
    // it at the end, and which role administers it.
    const holders = async (
      c: typeof registry | typeof epochs | typeof distributor | typeof settlement | typeof leases,
    ) => {
      const held = new Map<string, Set<string>>();
      const granted = await c.queryFilter(c.filters.RoleGranted(), d.deploymentBlock);
      const revoked = await c.queryFilter(c.filters.RoleRevoked(), d.deploymentBlock);
      const all = [...granted.map((e) => ({ e, on: true })), ...revoked.map((e) => ({ e, on: false }))].sort(
        (a, b) => a.e.blockNumber - b.e.blockNumber || a.e.index - b.e.index,
      );
      for (const { e, on } of all) {
        const [role, account] = e.args as unknown as [string, string];
        if (!held.has(role)) held.set(role, new Set());
        if (on) held.get(role)!.add(account);
        else held.get(role)!.delete(account);
      }
      return held;
    };
    const R = {
      admin: await registry.DEFAULT_ADMIN_ROLE(),
      governance: await registry.GOVERNANCE_ROLE(),
      guardian: await registry.GUARDIAN_ROLE(),
      slasher: await registry.SLASHER_ROLE(),
      lease: await registry.LEASE_ROLE(),
      settlementRole: await distributor.SETTLEMENT_ROLE(),
    };
    const list = (m: Map<string, Set<string>>, role: string) => [...(m.get(role) ?? [])].sort();
    const reg = await holders(registry);
    expect(list(reg, R.slasher)).to.deep.equal([S]);
    expect(list(reg, R.admin)).to.deep.equal([T]);
    expect(list(reg, R.governance)).to.deep.equal([T]);
    expect(list(reg, R.guardian)).to.deep.equal([guardian.address]);
    // SLASHER_ROLE administers itself: the timelock, though role admin, cannot grant it.
    expect(await registry.getRoleAdmin(R.slasher)).to.equal(R.slasher);
    // So does LEASE_ROLE, held by the LeaseManager alone.
    expect(list(reg, R.lease)).to.deep.equal([d.contracts.LeaseManager.address]);
    expect(await registry.getRoleAdmin(R.lease)).to.equal(R.lease);
    const dist = await holders(distributor);
    expect(list(dist, R.settlementRole)).to.deep.equal([S]);
    expect(list(dist, R.admin)).to.deep.equal([]);
    const set = await holders(settlement);
    expect(list(set, R.admin)).to.deep.equal([T]);
    expect(list(set, R.governance)).to.deep.equal([T]);
    expect(list(set, R.guardian)).to.deep.equal([guardian.address]);
    const ep = await holders(epochs);
    expect(list(ep, R.admin)).to.deep.equal([T]);
    expect(list(ep, R.governance)).to.deep.equal([T]);
    const lm = await holders(leases);
    expect(list(lm, R.admin)).to.deep.equal([T]);
    expect(list(lm, R.governance)).to.deep.equal([T]);
    // Neither the deployer nor governance's own account holds anything on the protocol contracts.
    for (const m of [reg, dist, set, ep, lm]) {
      for (const accounts of m.values()) {
        expect(accounts.has(deployer.address)).to.equal(false);
        expect(accounts.has(admin.address)).to.equal(false);
      }
    }
  });

  it("refuses a timelock delay that does not exceed the unbonding delay", () => {
    expect(() => checkParams({ ...DEVNET_PARAMS, timelockDelay: DEVNET_PARAMS.unbondingDelay })).to.throw(
      DeployParamsError,
      /timelockDelay/,
    );
    expect(() => checkParams({ ...DEVNET_PARAMS, timelockDelay: undefined })).not.to.throw();
  });
});
