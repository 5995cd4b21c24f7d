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

  it("with a separate admin, hands every role over and leaves, keeping Settlement wired", async () => {
    const [deployer, admin] = await ethers.getSigners();
    const d = await deployProtocol(deployer, { ...DEVNET_PARAMS, admin: admin.address }, { artifactsDir: hre.config.paths.artifacts });
    const distributor = await ethers.getContractAt("RewardsDistributor", d.contracts.RewardsDistributor.address);
    const registry = await ethers.getContractAt("NodeRegistry", d.contracts.NodeRegistry.address);
    const adminRole = await distributor.DEFAULT_ADMIN_ROLE();
    expect(await distributor.hasRole(adminRole, admin.address)).to.equal(true);
    expect(await distributor.hasRole(adminRole, deployer.address)).to.equal(false);
    expect(await registry.hasRole(adminRole, admin.address)).to.equal(true);
    expect(await registry.hasRole(await registry.GOVERNANCE_ROLE(), admin.address)).to.equal(true);
    expect(await registry.hasRole(adminRole, deployer.address)).to.equal(false);
    expect(await registry.hasRole(await registry.GOVERNANCE_ROLE(), deployer.address)).to.equal(false);
    expect(await registry.hasRole(await registry.SLASHER_ROLE(), d.contracts.Settlement.address)).to.equal(true);
    const settlement = await ethers.getContractAt("Settlement", d.contracts.Settlement.address);
    expect(await settlement.hasRole(await settlement.GOVERNANCE_ROLE(), admin.address)).to.equal(true);
    expect(await settlement.hasRole(await settlement.GOVERNANCE_ROLE(), deployer.address)).to.equal(false);
  });
});
