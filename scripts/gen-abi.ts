/**
 * Writes protocol/abi.ts, the typed ABIs every service and the dApp read the contracts with, from
 * the Hardhat artifacts (artifacts/ is git-ignored, so the module is committed and
 * scripts/gen-abi.test.ts fails when it drifts from a fresh compile).
 *
 *   npx hardhat compile && npx tsx scripts/gen-abi.ts
 *
 * The ABIs are `as const` arrays, so viem infers every read's arguments and return type.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The contracts deployed by scripts/deploy-lib.ts, and the stake token's interface. */
export const ABI_SOURCES = [
  { exportName: "poaiTokenAbi", contract: "PoAIToken", artifact: "contracts/PoAIToken.sol/PoAIToken.json" },
  { exportName: "nodeRegistryAbi", contract: "NodeRegistry", artifact: "contracts/NodeRegistry.sol/NodeRegistry.json" },
  { exportName: "epochManagerAbi", contract: "EpochManager", artifact: "contracts/EpochManager.sol/EpochManager.json" },
  { exportName: "settlementAbi", contract: "Settlement", artifact: "contracts/Settlement.sol/Settlement.json" },
  { exportName: "rewardsDistributorAbi", contract: "RewardsDistributor", artifact: "contracts/RewardsDistributor.sol/RewardsDistributor.json" },
  { exportName: "leaseManagerAbi", contract: "LeaseManager", artifact: "contracts/LeaseManager.sol/LeaseManager.json" },
  // The stake token may be any ERC-20 (ProtocolParams.token): the agent calls it through this.
  { exportName: "erc20Abi", contract: "IERC20", artifact: "@openzeppelin/contracts/token/ERC20/IERC20.sol/IERC20.json" },
] as const;

/** Contracts listed in `contractAbis` (the deployed set, by the names of deployments/*.json). */
const DEPLOYED = ["PoAIToken", "NodeRegistry", "EpochManager", "Settlement", "RewardsDistributor", "LeaseManager"];

export const ABI_MODULE = path.join(__dirname, "..", "protocol", "abi.ts");
export const ARTIFACTS_DIR = path.join(__dirname, "..", "artifacts");

export type AbiArtifacts = Record<(typeof ABI_SOURCES)[number]["exportName"], readonly unknown[]>;

/** Reads each source's ABI from `artifactsDir`; a missing file names the compile to run. */
export function readAbiArtifacts(artifactsDir = ARTIFACTS_DIR): AbiArtifacts {
  const out = {} as AbiArtifacts;
  for (const s of ABI_SOURCES) {
    const file = path.join(artifactsDir, s.artifact);
    let json: { abi?: unknown };
    try {
      json = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new Error(`gen-abi: cannot read ${file}: run \`npx hardhat compile\` first`, { cause: e });
    }
    if (!Array.isArray(json.abi)) throw new Error(`gen-abi: ${file} has no abi`);
    out[s.exportName] = json.abi;
  }
  return out;
}

/** The text of protocol/abi.ts: one `as const` export per source, one fragment per line. */
export function renderAbiModule(abis: AbiArtifacts): string {
  const lines = [
    "/**",
    " * Typed ABIs of the PoAI contracts, GENERATED from the Hardhat artifacts: do not edit.",
    " * Regenerate after a contract change with",
    " *",
    " *   npx hardhat compile && npx tsx scripts/gen-abi.ts",
    " *",
    " * (scripts/gen-abi.test.ts fails when this file drifts from the artifacts).",
    " */",
    "",
  ];
  for (const s of ABI_SOURCES) {
    lines.push(`/** ${s.contract} (${s.artifact.replace(/\/[^/]+\.json$/, "")}). */`);
    lines.push(`export const ${s.exportName} = [`);
    for (const item of abis[s.exportName]) lines.push(`  ${JSON.stringify(item)},`);
    lines.push("] as const;", "");
  }
  lines.push("/** The deployed contracts' ABIs by contract name. */");
  lines.push("export const contractAbis = {");
  for (const s of ABI_SOURCES) if (DEPLOYED.includes(s.contract)) lines.push(`  ${s.contract}: ${s.exportName},`);
  lines.push("} as const;", "");
  return lines.join("\n");
}

if (require.main === module) {
  writeFileSync(ABI_MODULE, renderAbiModule(readAbiArtifacts()));
  console.log(`gen-abi: wrote ${path.relative(process.cwd(), ABI_MODULE)}`);
}
