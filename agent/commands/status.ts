/**
 * `agent status`: one screen on this node: state and jail (why, until when, how to appeal),
 * stake, claim against what the machine delivers by its last bench, this epoch's counts and the
 * last verdicts from each oracle's public read API, the operator's claimable rewards, slashes,
 * and an unacknowledged fraud verdict. Anything that could not be read is "unknown" (null in
 * `--json`), never 0, and the reason is listed under "problems".
 */
import { parseArgs } from "node:util";
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { rewardsDistributorAbi } from "../../protocol/abi";
import { AgentError, describeError, rootCause } from "../errors";
import { OracleClient } from "../client";
import { connect, readNode } from "../chain";
import { jailedText, slashReasonName, ACK_COMMAND } from "../advice";
import { readBench, readState } from "../state";
import { gib, percent, tflops, tokens } from "../units";
import { DEFAULT_KEYSTORE, loadNodeKey, requireAddress, requireUrl, resolveDataDir } from "./common";
import { MAX_ORACLES } from "./run";

export const STATUS_HELP = `agent status (--node ADDR | --keystore FILE) --oracle URL [--oracle URL ...] [--rpc URL]
    [--data-dir DIR] [--json]
  One screen on the node: state, jail, stake, claim vs delivered, this epoch, last verdicts,
  claimable rewards, slashes. --node needs no password; --rpc adds the chain's own record and
  the rewards already claimed. Unreadable values print as "unknown".`;

/** Judged epochs shown per oracle. */
const LAST_EPOCHS = 3;

interface OracleView {
  url: string;
  reachable: boolean;
  error: string | null;
  currentEpoch: number | null;
  inProgress: { epoch: number; issued: number; passed: number; failed: number } | null;
  lastEpochs: { epoch: number; verdict: string; challenges: number; passed: number; answered: number; latencyMs: number | null; reward: string | null; slash: { bps: number; reason: string; evidence: string } | null }[];
}

export interface StatusView {
  node: Address;
  operator: Address | null;
  source: "chain" | "oracle" | null;
  state: string | null;
  jailedUntil: number | null;
  jail: string | null;
  stakeWei: string | null;
  unbondingWei: string | null;
  claim: { gflops: number; vramMiB: number; gpuModel: number; gpuCount: number } | null;
  bench: { at: string; measuredGflops: number; claimGflops: number; vramMiB: number } | null;
  deliveredShareOfClaim: number | null;
  oracles: OracleView[];
  rewards: { cumulativeWei: string | null; claimedWei: string | null; claimableWei: string | null; epoch: number | null };
  slashes: { epoch: number; bps: number; reason: string; reasonCode: number; evidence: string; oracle: string }[] | null;
  fraud: { challengeId: string; epoch: string; reason: string; at: string } | null;
  problems: string[];
}

type Row = Record<string, unknown>;

type SlashRow = { epoch: number; bps: number; reason: number; evidence: string };

async function readOracle(url: string, node: Address, client: OracleClient): Promise<{ view: OracleView; slashes: SlashRow[]; record?: Row; contracts?: Row; chainTimeMs?: number }> {
  const view: OracleView = { url, reachable: false, error: null, currentEpoch: null, inProgress: null, lastEpochs: [] };
  try {
    const info = (await client.info()).raw;
    view.reachable = true;
    view.currentEpoch = typeof info.currentEpoch === "number" ? info.currentEpoch : null;
    const [nodes, stats] = await Promise.all([client.get("/v1/nodes") as Promise<{ nodes: Row[] }>, client.get(`/v1/nodes/${node}/stats`) as Promise<{ epochs: Row[]; inProgress: OracleView["inProgress"] }>]);
    view.inProgress = stats.inProgress ?? null;
    view.lastEpochs = [...stats.epochs]
      .sort((a, b) => Number(b.epoch) - Number(a.epoch))
      .slice(0, LAST_EPOCHS)
      .map((e) => {
        const slash = e.slash as { bps: number; reason: number; evidence: string } | null;
        return {
          epoch: Number(e.epoch), verdict: String(e.verdict), challenges: Number(e.challenges ?? 0), passed: Number(e.passed ?? 0), answered: Number(e.answered ?? 0),
          latencyMs: typeof e.latencyMs === "number" ? Math.round(e.latencyMs) : null, reward: e.reward == null ? null : String(e.reward),
          slash: slash ? { bps: slash.bps, reason: slashReasonName(slash.reason), evidence: slash.evidence } : null,
        };
      });
    const slashes = stats.epochs.filter((e) => e.slash).map((e) => ({ epoch: Number(e.epoch), ...(e.slash as Omit<SlashRow, "epoch">) }));
    const record = nodes.nodes.find((n) => String(n.node).toLowerCase() === node.toLowerCase());
    return { view, slashes, record, contracts: info.contracts as Row, chainTimeMs: Number(info.chainTimeMs) };
  } catch (err) {
    const cause = rootCause(err);
    view.error = `${err instanceof AgentError ? err.shortMessage : describeError(err)}${cause && !describeError(err).includes(cause) ? ` (${cause})` : ""}`;
    return { view, slashes: [] };
  }
}

export async function buildStatus(o: { node: Address; oracles: string[]; rpc?: string; dataDir: string; account?: ReturnType<typeof privateKeyToAccount> }): Promise<StatusView> {
  const problems: string[] = [];
  // Reads of the public API are unsigned; the client needs an account only to exist.
  const account = o.account ?? privateKeyToAccount(`0x${"11".repeat(32)}` as Hex);
  const reads = await Promise.all(o.oracles.map((url) => readOracle(url, o.node, new OracleClient(url, account))));
  for (const r of reads) if (!r.view.reachable) problems.push(`oracle ${r.view.url}: ${r.view.error}`);
  const first = reads.find((r) => r.view.reachable);
  let nowSec = first?.chainTimeMs ? Math.floor(first.chainTimeMs / 1000) : Math.floor(Date.now() / 1000);

  const view: StatusView = {
    node: o.node, operator: null, source: null, state: null, jailedUntil: null, jail: null, stakeWei: null, unbondingWei: null, claim: null,
    bench: null, deliveredShareOfClaim: null, oracles: reads.map((r) => r.view),
    rewards: { cumulativeWei: null, claimedWei: null, claimableWei: null, epoch: null }, slashes: null, fraud: null, problems,
  };
  const rec = first?.record;
  if (rec) {
    view.source = "oracle";
    view.operator = rec.operator as Address;
    view.state = String(rec.status);
    view.stakeWei = String(rec.stake);
    view.unbondingWei = String(rec.unbonding);
    view.jailedUntil = Number(rec.jailedUntil);
    const c = rec.claim as { gflops: number; vramMiB: number; gpuModel: number; gpuCount: number };
    view.claim = { gflops: Number(c.gflops), vramMiB: Number(c.vramMiB), gpuModel: Number(c.gpuModel), gpuCount: Number(c.gpuCount) };
  } else if (first) {
    view.state = "not registered (the oracle does not list it)";
  }

  let rewardsDistributor = (first?.contracts?.RewardsDistributor as Address | undefined) ?? undefined;
  if (o.rpc) {
    try {
      const { client } = await connect(o.rpc);
      const registry = (first?.contracts?.NodeRegistry as Address | undefined) ?? undefined;
      if (!registry) throw new AgentError("BadArgument", "no oracle answered, so the NodeRegistry address is unknown");
      const r = await readNode(client, registry, o.node);
      nowSec = Number((await client.getBlock()).timestamp);
      view.source = "chain";
      view.operator = r.status === "None" ? null : r.operator;
      view.state = r.status === "None" ? "not registered" : r.status;
      view.stakeWei = r.stake.toString();
      view.unbondingWei = r.unbonding.toString();
      view.jailedUntil = Number(r.jailedUntil);
      view.claim = r.status === "None" ? null : { gflops: r.claim.gflops, vramMiB: r.claim.vramMiB, gpuModel: r.claim.gpuModel, gpuCount: r.claim.gpuCount };
      if (view.operator && rewardsDistributor) {
        const claimed = await client.readContract({ address: rewardsDistributor, abi: rewardsDistributorAbi, functionName: "claimed", args: [view.operator] });
        view.rewards.claimedWei = claimed.toString();
      }
    } catch (err) {
      const cause = rootCause(err);
      problems.push(`chain ${o.rpc}: ${describeError(err).split("\n")[0]}${cause ? ` (${cause})` : ""}`);
    }
  }

  if (view.operator && first) {
    try {
      const r = (await new OracleClient(first.view.url, account).get(`/v1/rewards/${view.operator}`)) as { cumulativeAmount: string; epoch: number };
      view.rewards.cumulativeWei = r.cumulativeAmount;
      view.rewards.epoch = r.epoch;
    } catch (err) {
      problems.push(`rewards: ${err instanceof AgentError ? err.shortMessage : describeError(err)}`);
    }
  }
  if (view.rewards.cumulativeWei !== null && view.rewards.claimedWei !== null) {
    // Never negative: a claim the oracle does not know of yet shows as nothing left to claim.
    const left = BigInt(view.rewards.cumulativeWei) - BigInt(view.rewards.claimedWei);
    view.rewards.claimableWei = (left > 0n ? left : 0n).toString();
  }

  const reachable = reads.filter((r) => r.view.reachable);
  if (reachable.length > 0) {
    view.slashes = reachable.flatMap((r) => r.slashes.map((s) => ({ epoch: s.epoch, bps: s.bps, reason: slashReasonName(s.reason), reasonCode: s.reason, evidence: s.evidence, oracle: r.view.url })));
  }

  if (view.jailedUntil !== null && (view.state === "Jailed" || view.jailedUntil > nowSec)) {
    const last = view.slashes?.sort((a, b) => b.epoch - a.epoch)[0];
    view.jail = jailedText({ node: o.node, jailedUntil: view.jailedUntil, nowSec, slash: last ? { epoch: last.epoch, bps: last.bps, reason: last.reasonCode } : undefined });
  }

  const bench = readBench(o.dataDir);
  if (bench) {
    view.bench = { at: bench.at, measuredGflops: Math.round(bench.measuredGflops), claimGflops: bench.claimGflops, vramMiB: bench.vramMiB };
    if (view.claim) view.deliveredShareOfClaim = percent(bench.measuredGflops, view.claim.gflops);
  } else {
    problems.push(`no bench in ${o.dataDir}: run \`npm run agent -- bench\` on this machine to compare the claim with what it delivers`);
  }
  try {
    const s = readState(o.dataDir, o.node);
    if (s.fraud) view.fraud = { challengeId: s.fraud.challengeId, epoch: s.fraud.epoch, reason: s.fraud.reason, at: s.fraud.at };
  } catch (err) {
    problems.push(describeError(err));
  }
  return view;
}

const U = "unknown";

/** The one screen. */
export function formatStatus(v: StatusView): string[] {
  const out: string[] = [];
  const row = (k: string, val: string) => out.push(`  ${k.padEnd(10)} ${val}`);
  out.push(`node ${v.node}${v.operator ? ` (operator ${v.operator})` : ""}${v.source ? `, as ${v.source === "chain" ? "the chain" : "the oracle"} says` : ""}`);
  row("state", v.jail ?? v.state ?? U);
  row("stake", v.stakeWei === null ? U : `${tokens(BigInt(v.stakeWei))}${v.unbondingWei && v.unbondingWei !== "0" ? `, ${tokens(BigInt(v.unbondingWei))} unbonding` : ""}`);
  row("claim", v.claim ? `${tflops(v.claim.gflops)} (${v.claim.gflops} GFLOP/s), ${gib(v.claim.vramMiB)} (${v.claim.vramMiB} MiB), class ${v.claim.gpuModel}, ${v.claim.gpuCount} GPU(s)` : U);
  row("delivers", v.bench ? `${tflops(v.bench.measuredGflops)} by the last bench (${v.bench.at.slice(0, 16).replace("T", " ")} UTC)${v.deliveredShareOfClaim !== null ? `: ${v.deliveredShareOfClaim} % of the claim${v.deliveredShareOfClaim < 105 ? " (below the 105 % the judge expects: lower the claim)" : ""}` : ""}` : `${U} (no bench on this machine)`);
  for (const o of v.oracles) {
    if (!o.reachable) {
      row("oracle", `${o.url}: unreachable, epoch counts and verdicts unknown (${o.error})`);
      continue;
    }
    const p = o.inProgress;
    row("oracle", o.url);
    row(`epoch ${o.currentEpoch ?? "?"}`, p ? `${p.issued} issued, ${p.passed} passed, ${p.failed} failed or missed, ${Math.max(0, p.issued - p.passed - p.failed)} pending` : "no challenge yet this epoch");
    for (const e of o.lastEpochs) {
      row(`epoch ${e.epoch}`, `${e.verdict}: ${e.passed}/${e.challenges} passed (${e.answered} answered)${e.latencyMs !== null ? `, mean latency ${e.latencyMs} ms` : ""}${e.reward ? `, reward ${tokens(BigInt(e.reward))}` : ""}${e.slash ? `, slashed ${e.slash.bps / 100} % for ${e.slash.reason}` : ""}`);
    }
    if (o.lastEpochs.length === 0) row("verdicts", "no judged epoch yet");
  }
  const r = v.rewards;
  row("rewards", r.claimableWei !== null
    ? `${tokens(BigInt(r.claimableWei))} claimable by the operator (all its nodes; cumulative ${tokens(BigInt(r.cumulativeWei!))} to epoch ${r.epoch}); claim in the dApp`
    : r.cumulativeWei !== null
      ? `claimable ${U} (needs --rpc for what was claimed); cumulative ${tokens(BigInt(r.cumulativeWei))} to epoch ${r.epoch}`
      : `claimable ${U}`);
  row("slashes", v.slashes === null ? U : v.slashes.length === 0 ? "none" : v.slashes.map((s) => `epoch ${s.epoch}: ${s.bps / 100} % for ${s.reason}, evidence ${s.evidence}`).join("; "));
  if (v.fraud) row("FRAUD", `challenge ${v.fraud.challengeId} (epoch ${v.fraud.epoch}) judged fraud at ${v.fraud.at}: the agent refuses to answer until you run \`${ACK_COMMAND}\``);
  for (const p of v.problems) out.push(`  ! ${p}`);
  return out;
}

export async function statusCommand(argv: string[], out: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { node: { type: "string" }, keystore: { type: "string" }, oracle: { type: "string", multiple: true }, rpc: { type: "string" }, "data-dir": { type: "string" }, json: { type: "boolean" } },
    strict: true,
  });
  const oracles = [...new Set((values.oracle ?? []).map((u) => requireUrl(u, "--oracle")))];
  if (oracles.length === 0) throw new AgentError("BadArgument", "--oracle URL is required (e.g. http://127.0.0.1:8700)");
  if (oracles.length > MAX_ORACLES) throw new AgentError("BadArgument", `at most ${MAX_ORACLES} --oracle URLs`);
  const rpc = values.rpc === undefined ? undefined : requireUrl(values.rpc, "--rpc");
  const keystore = values.keystore ?? DEFAULT_KEYSTORE;
  let node: Address;
  let account;
  if (values.node !== undefined) node = requireAddress(values.node, "--node");
  else {
    const w = await loadNodeKey(keystore);
    account = privateKeyToAccount(w.privateKey as Hex);
    node = account.address;
  }
  const view = await buildStatus({ node, oracles, rpc, dataDir: resolveDataDir(values["data-dir"], keystore), account });
  if (values.json) out(JSON.stringify(view, null, 2));
  else for (const l of formatStatus(view)) out(l);
}
