/** Helpers shared by the agent's commands: key loading, deployment lookup, argument checks, failure reports. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { isAddress, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { nodeRegistryAbi } from "../../protocol/abi";
import type { Wallet } from "ethers";
import { AgentError, describeError } from "../errors";
import { loadKeystore } from "../keystore";
import { readPassword } from "../password";

export const DEFAULT_KEYSTORE = process.env.POAI_KEYSTORE ?? join(homedir(), ".poai", "node-key.json");

/**
 * The agent's data directory (agent/state.ts): `--data-dir`, else $POAI_DATA_DIR, else the
 * keystore's directory (so each node key keeps its state beside it).
 */
export function resolveDataDir(dataDir: string | undefined, keystore: string): string {
  return dataDir || process.env.POAI_DATA_DIR || dirname(keystore);
}

/**
 * An http(s) URL given on the command line, checked before anything is signed or sent: a URL
 * without a scheme (`127.0.0.1:8700`) or with another one is AG014 with the likely fix.
 */
export function requireUrl(value: string | undefined, what: string): string {
  if (!value) throw new AgentError("BadArgument", `${what} URL is required`);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) {
    const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? "only http:// and https:// URLs are served" : `did you mean http://${value} ?`;
    throw new AgentError("BadUrl", `${what} ${value} is not an http(s) URL`, { hint });
  }
  return value.replace(/\/+$/, "");
}

/**
 * Checks that `registry` is a NodeRegistry on the RPC's chain before anything is signed for it:
 * code at the address (AG015 otherwise), and answers to the registry's own views (`stakeToken`,
 * `minStakeBase`, `nonces`). Returns its stake token.
 */
export async function assertRegistry(client: PublicClient, registry: Address, chainId: number): Promise<Address> {
  let code: Hex | undefined;
  try {
    code = await client.getCode({ address: registry });
  } catch (err) {
    throw new AgentError("Chain", `cannot read the code at ${registry} on chain ${chainId}`, { cause: err });
  }
  if (!code || code === "0x") {
    throw new AgentError("NotRegistry", `no contract at ${registry} on chain ${chainId}: not a NodeRegistry`, {
      hint: "check --registry (or the deployment record) and that --rpc is the chain it was deployed on",
    });
  }
  try {
    const [token] = await Promise.all([
      client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "stakeToken" }),
      client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "minStakeBase" }),
      client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "nonces", args: [zeroAddress] }),
    ]);
    return token;
  } catch (err) {
    throw new AgentError("NotRegistry", `the contract at ${registry} on chain ${chainId} does not answer as a NodeRegistry`, {
      cause: err,
      hint: "check --registry: it is another contract (the token? Settlement?) or another release",
    });
  }
}

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
