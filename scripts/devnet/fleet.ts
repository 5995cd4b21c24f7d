/**
 * The devnet's fleet: registered nodes with encrypted keystores, one oracle process per committee
 * member and one agent process per node (the operators' agent, or the red team's for a cheater).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Wallet, type Contract } from "ethers";
import type { Address, Hex } from "viem";
import { nodeRegistryAbi } from "../../protocol/abi";
import { spawnChild, type Child } from "./children";
import { ROOT, freePort } from "./node";
import type { DevAccount } from "./accounts";
import { E18, type Devnet } from "./devnet";
import { writeKeystore, MIN_SCRYPT_N } from "../../agent/keystore";
import { registerOnChain } from "../../agent/registration";
import { devChain, regionBytes8, type HardwareClaim } from "../../agent/chain";
import type { BehaviourName } from "../../redteam/behaviours";

/** Password of the demo's throw-away node keystores. */
export const DEMO_KEY_PASSWORD = "poai-demo-devnet-only";
/** Tokens minted to each operator. */
export const OPERATOR_MINT = 100_000n * E18;
/** Longest wait for an oracle's HTTP API to come up, ms. */
export const ORACLE_START_TIMEOUT_MS = 90_000;


export interface RegisteredNode {
  name: string;
  behaviour: BehaviourName;
  node: Address;
  operator: DevAccount;
  keystore: string;
  claim: HardwareClaim;
  stake: bigint;
}

/** Mints stake to `operator`, creates the node's keystore and registers it on chain. */
export async function registerNode(
  net: Devnet,
  o: { workDir: string; name: string; behaviour: BehaviourName; operator: DevAccount; claim: Omit<HardwareClaim, "region"> & { region?: string }; extraStake?: bigint },
): Promise<RegisteredNode> {
  const nodeWallet = Wallet.createRandom();
  const keystore = join(o.workDir, `${o.name}.json`);
  await writeKeystore(keystore, nodeWallet, DEMO_KEY_PASSWORD, { scryptN: MIN_SCRYPT_N });
  const claim: HardwareClaim = { ...o.claim, region: regionBytes8(o.claim.region ?? "devnet") };
  const need = await net.client.readContract({ address: net.addr("NodeRegistry"), abi: nodeRegistryAbi, functionName: "minimumStake", args: [claim] });
  const stake = need + (o.extraStake ?? 100n * E18);
  const token = net.deployment.contracts.PoAIToken.contract as Contract;
  await (await token.mint(o.operator.address, OPERATOR_MINT)).wait();
  await registerOnChain({
    client: net.client,
    chain: devChain(net.chainId, net.rpcUrl),
    rpcUrl: net.rpcUrl,
    registry: net.addr("NodeRegistry"),
    nodePrivateKey: nodeWallet.privateKey as Hex,
    operatorPrivateKey: o.operator.privateKey,
    claim,
    amount: stake,
  });
  return { name: o.name, behaviour: o.behaviour, node: nodeWallet.address as Address, operator: o.operator, keystore, claim, stake };
}

export interface OracleProcess {
  url: string;
  child: Child;
  member: DevAccount;
}

/** Starts one oracle process per committee member (oracle/cli.ts, configured by POAI_* variables). */
export async function startOracles(
  net: Devnet,
  o: {
    workDir: string;
    env?: NodeJS.ProcessEnv;
    onLine?: (index: number, line: string) => void;
    ports?: number[];
    /** Runs each oracle under this command (e.g. `taskset -c 0`: pinned to a core). */
    prefix?: string[];
    /** Node options before the entry point (e.g. `--cpu-prof`). */
    nodeArgs?: string[];
    /** Standard output (the JSON log) of oracle i goes to this open file instead of `onLine`. */
    stdoutFd?: (index: number) => number;
  },
): Promise<OracleProcess[]> {
  const ports = o.ports ?? (await Promise.all(net.committee.map(() => freePort())));
  const all = net.committee.map((m, j) => ({ address: m.address, url: `http://127.0.0.1:${ports[j]}` }));
  const oracles: OracleProcess[] = [];
  for (const [i, member] of net.committee.entries()) {
    const env: NodeJS.ProcessEnv = {
      POAI_RPC_URL: net.rpcUrl,
      POAI_DEPLOYMENT: net.deploymentFile,
      POAI_ORACLE_KEY: member.privateKey,
      POAI_HOST: "127.0.0.1",
      POAI_PORT: String(ports[i]),
      POAI_DB: join(o.workDir, `oracle-${i}.sqlite`),
      POAI_COMMITTEE: JSON.stringify(all),
      ...o.env,
    };
    const args = [...(o.nodeArgs ?? []), "--import", "tsx", join(ROOT, "oracle", "cli.ts"), "start"];
    const [command, ...prefixArgs] = [...(o.prefix ?? []), process.execPath];
    const child = spawnChild(`oracle-${i}`, command, [...prefixArgs, ...args], {
      cwd: ROOT,
      env,
      onLine: (line) => o.onLine?.(i, line),
      stdoutFd: o.stdoutFd?.(i),
    });
    oracles.push({ url: all[i].url, child, member });
  }
  for (const orc of oracles) await waitHttp(`${orc.url}/healthz`, ORACLE_START_TIMEOUT_MS, orc.child);
  return oracles;
}

/**
 * Starts a node's agent as its own process, JSON log lines to `onLine`: an honest node runs the
 * operators' agent (`agent run`), a cheater the red team's (`redteam run --behaviour B`), which
 * is the same run wiring with a cheating solver.
 */
export function startAgent(
  n: RegisteredNode,
  o: {
    oracleUrl: string;
    rpcUrl: string;
    onLine?: (line: string, stream: "stdout" | "stderr") => void;
    extraArgs?: string[];
    /** Runs the agent under this command (e.g. `taskset -c 1`: the emulated machine's core). */
    prefix?: string[];
  },
): Child {
  const entry = n.behaviour === "honest" ? [join(ROOT, "agent", "cli.ts"), "run"] : [join(ROOT, "redteam", "cli.ts"), "run", "--behaviour", n.behaviour];
  const [command, ...pre] = [...(o.prefix ?? []), process.execPath];
  return spawnChild(
    `agent-${n.name}`,
    command,
    [...pre, "--import", "tsx", ...entry, "--oracle", o.oracleUrl, "--keystore", n.keystore, "--rpc", o.rpcUrl, "--log", "json", ...(o.extraArgs ?? [])],
    { cwd: ROOT, env: { POAI_KEY_PASSWORD: DEMO_KEY_PASSWORD }, onLine: o.onLine },
  );
}

export async function waitHttp(url: string, timeoutMs: number, child?: Child): Promise<void> {
  const until = Date.now() + timeoutMs;
  // Loop bound: timeoutMs of 250 ms polls.
  while (Date.now() < until) {
    if (child && child.proc.exitCode !== null) throw new Error(`${child.name} exited with code ${child.proc.exitCode} before serving ${url}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${child?.name ?? "server"} did not serve ${url} within ${timeoutMs / 1000} s`);
}
