/**
 * Deploys PoAI to the selected network and writes deployments/<network>.json.
 *   npx hardhat run scripts/deploy.ts --network localhost
 * Parameters come from environment variables, with devnet defaults (see DEVNET_PARAMS):
 *   POAI_TOKEN, POAI_ADMIN (timelock proposer), POAI_GUARDIAN, POAI_TIMELOCK_DELAY, POAI_TREASURY, POAI_GENESIS, POAI_EPOCH_LENGTH, POAI_COMMITTEE (comma list),
 *   POAI_QUORUM, POAI_UNBONDING_DELAY, POAI_JAIL_DURATION, POAI_MIN_STAKE_BASE, POAI_MIN_STAKE_PER_TFLOP,
 *   POAI_DISPUTE_WINDOW, POAI_SLASH_BURN_BPS, POAI_APPEAL_BOND, POAI_MAX_SLASHES, POAI_INITIAL_MINT.
 */
import { execSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { DEVNET_PARAMS, DeployParamsError, deployProtocol, deploymentRecord, type ProtocolParams } from "./deploy-lib";

function envBigInt(name: string, fallback: bigint): bigint {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new DeployParamsError(`${name} must be a non-negative integer, got "${raw}"`);
  return BigInt(raw);
}

function envNumber(name: string, fallback: number): number {
  return Number(envBigInt(name, BigInt(fallback)));
}

function envAddress(name: string): string | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  if (!hre.ethers.isAddress(raw)) throw new DeployParamsError(`${name} is not an address: "${raw}"`);
  return hre.ethers.getAddress(raw);
}

export function paramsFromEnv(): ProtocolParams {
  const d = DEVNET_PARAMS;
  const committeeRaw = process.env.POAI_COMMITTEE;
  const committee = committeeRaw
    ? committeeRaw.split(",").map((a) => {
        if (!hre.ethers.isAddress(a.trim())) throw new DeployParamsError(`POAI_COMMITTEE has a bad address "${a}"`);
        return hre.ethers.getAddress(a.trim());
      })
    : undefined;
  return {
    token: envAddress("POAI_TOKEN"),
    admin: envAddress("POAI_ADMIN"),
    guardian: envAddress("POAI_GUARDIAN"),
    // Without POAI_TIMELOCK_DELAY: the library's default, unbonding + epoch + dispute window.
    timelockDelay: process.env.POAI_TIMELOCK_DELAY ? envBigInt("POAI_TIMELOCK_DELAY", 0n) : undefined,
    treasury: envAddress("POAI_TREASURY"),
    genesis: process.env.POAI_GENESIS ? envBigInt("POAI_GENESIS", 0n) : undefined,
    epochLength: envBigInt("POAI_EPOCH_LENGTH", d.epochLength),
    committee,
    quorum: process.env.POAI_QUORUM ? envNumber("POAI_QUORUM", 1) : undefined,
    unbondingDelay: envBigInt("POAI_UNBONDING_DELAY", d.unbondingDelay),
    jailDuration: envBigInt("POAI_JAIL_DURATION", d.jailDuration),
    minStakeBase: envBigInt("POAI_MIN_STAKE_BASE", d.minStakeBase),
    minStakePerTflop: envBigInt("POAI_MIN_STAKE_PER_TFLOP", d.minStakePerTflop),
    disputeWindow: envBigInt("POAI_DISPUTE_WINDOW", d.disputeWindow),
    slashBurnBps: envNumber("POAI_SLASH_BURN_BPS", d.slashBurnBps),
    appealBond: envBigInt("POAI_APPEAL_BOND", d.appealBond),
    maxSlashes: envNumber("POAI_MAX_SLASHES", d.maxSlashes),
    initialMint: envBigInt("POAI_INITIAL_MINT", d.initialMint ?? 0n),
  };
}

function gitCommit(): string {
  try {
    return execSync("git rev-parse HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

async function main(): Promise<void> {
  const [signer] = await hre.ethers.getSigners();
  const params = paramsFromEnv();
  const network = hre.network.name;
  console.log(`deploying PoAI to ${network} as ${await signer.getAddress()}`);
  const deployment = await deployProtocol(signer, params, {
    artifactsDir: hre.config.paths.artifacts,
    log: (m) => console.log(`  ${m}`),
  });
  const record = deploymentRecord(network, deployment, gitCommit(), hre.config.paths.artifacts);
  const dir = path.join(hre.config.paths.root, "deployments");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${network}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  console.log(`chain ${deployment.chainId}, block ${deployment.deploymentBlock}: wrote ${path.relative(process.cwd(), file)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof DeployParamsError ? `deploy: ${err.message}` : err);
    process.exitCode = 1;
  });
}
