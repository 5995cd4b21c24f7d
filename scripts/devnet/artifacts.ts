/** The check that the compiled contracts in artifacts/ can be deployed on a normal node. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "./node";

/**
 * `hardhat coverage` rewrites artifacts/ with the optimizer off, and such contracts exceed the
 * 24 KB code-size limit a normal node enforces (deployment reverts without a reason). Say so
 * instead of failing obscurely.
 */
export function checkArtifacts(): void {
  const dbg = join(ROOT, "artifacts", "contracts", "NodeRegistry.sol", "NodeRegistry.dbg.json");
  if (!existsSync(dbg)) return;
  const buildInfo = resolve(dirname(dbg), (JSON.parse(readFileSync(dbg, "utf8")) as { buildInfo: string }).buildInfo);
  if (!existsSync(buildInfo)) return;
  const info = JSON.parse(readFileSync(buildInfo, "utf8")) as { input?: { settings?: { optimizer?: { enabled?: boolean } } } };
  if (info.input?.settings?.optimizer?.enabled === false) {
    throw new Error("artifacts/ holds a build without the optimizer (left by `hardhat coverage`); its contracts exceed the 24 KB code-size limit. Run `npx hardhat compile --force` first.");
  }
}
