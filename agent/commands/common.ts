/** Helpers shared by the agent's commands: key loading, deployment lookup, argument checks, failure reports. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { isAddress, type Address, type Hex } from "viem";
import type { Wallet } from "ethers";
import { AgentError, describeError } from "../errors";
import { loadKeystore } from "../keystore";
import { readPassword } from "../password";

export const DEFAULT_KEYSTORE = process.env.POAI_KEYSTORE ?? join(homedir(), ".poai", "node-key.json");

export async function loadNodeKey(path: string): Promise<Wallet> {
  if (!existsSync(path)) {
    throw new AgentError("KeyMissing", `no node key at ${path}: create one with \`npm run agent -- init --keystore ${path}\``);
  }
  return loadKeystore(path, await readPassword());
}

export function requireAddress(value: string | undefined, what: string): Address {
  if (!value || !isAddress(value)) throw new AgentError("BadArgument", `${what} must be a 0x address, got ${value ?? "nothing"}`);
  return value as Address;
}

export function requirePrivateKey(value: string | undefined, what: string): Hex {
  const v = value?.startsWith("0x") ? value : `0x${value ?? ""}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new AgentError("BadArgument", `${what} must be a 32-byte hex private key`);
  return v as Hex;
}

export function requireInt(value: string | undefined, what: string, min: number, max: number, dflt?: number): number {
  if (value === undefined) {
    if (dflt !== undefined) return dflt;
    throw new AgentError("BadArgument", `${what} is required`);
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new AgentError("BadArgument", `${what} must be an integer in ${min}..${max}, got ${value}`);
  return n;
}

/** The NodeRegistry address: `--registry`, else from a deployment record (`--deployment`). */
export function resolveRegistry(registry: string | undefined, deployment: string | undefined): Address | undefined {
  if (registry) return requireAddress(registry, "--registry");
  if (!deployment) return undefined;
  if (!existsSync(deployment)) throw new AgentError("BadArgument", `deployment record ${deployment} not found`);
  const json = JSON.parse(readFileSync(deployment, "utf8")) as Record<string, any>;
  const addr = json.contracts?.NodeRegistry?.address ?? json.addresses?.NodeRegistry ?? json.NodeRegistry;
  return requireAddress(addr, `NodeRegistry in ${deployment}`);
}

/** Prints a command's failure the way operators read it: the AGxxx code, and usage for bad arguments. */
export function reportFailure(err: unknown, help: string): void {
  if (err instanceof AgentError) {
    console.error(`error ${describeError(err)}`);
  } else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`error AG011 ${err.message}\n\n${help}`);
  } else {
    console.error(`error (unexpected): ${describeError(err)}`);
    if (process.env.POAI_DEBUG) console.error(err);
  }
}
