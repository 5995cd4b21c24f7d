/**
 * What the agent keeps between runs in its data directory (`--data-dir`, else $POAI_DATA_DIR,
 * else the keystore's directory): one JSON file per node key, `agent-state-<node>.json`, holding
 * an unacknowledged fraud verdict (which keeps `agent run` from answering until `agent ack`);
 * and one `bench.json` for the machine: the last `agent bench` (what it delivers now, for
 * `agent status`). Written whole through a
 * temporary file and a rename, so a crash leaves the old or the new file, never half of one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import { AgentError } from "./errors";

const fraudSchema = z.object({
  challengeId: z.string(),
  epoch: z.string(),
  kind: z.string(),
  reason: z.string(),
  oracle: z.string(),
  /** When the verdict came, ISO time. */
  at: z.string(),
});

const benchSchema = z.object({
  at: z.string(),
  classId: z.number().int(),
  className: z.string(),
  provider: z.string(),
  measuredGflops: z.number(),
  claimGflops: z.number().int(),
  gpuCount: z.number().int(),
  vramMiB: z.number().int(),
});

const stateSchema = z.object({
  version: z.literal(1),
  node: z.string(),
  fraud: fraudSchema.nullable().default(null),
  /** Acknowledged fraud verdicts, newest last (at most MAX_ACKED). */
  acknowledged: z.array(fraudSchema.extend({ acknowledgedAt: z.string() })).default([]),
});

export type AgentState = z.infer<typeof stateSchema>;
export type FraudRecord = z.infer<typeof fraudSchema>;
export type BenchRecord = z.infer<typeof benchSchema>;

/** Acknowledged verdicts kept in the file (older ones drop off). */
const MAX_ACKED = 20;

export function statePath(dataDir: string, node: string): string {
  return join(dataDir, `agent-state-${node.toLowerCase()}.json`);
}

export function readState(dataDir: string, node: string): AgentState {
  const path = statePath(dataDir, node);
  if (!existsSync(path)) return { version: 1, node: node.toLowerCase(), fraud: null, acknowledged: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new AgentError("BadArgument", `the agent state ${path} is not JSON: fix or remove it`, { cause: err });
  }
  const r = stateSchema.safeParse(parsed);
  if (!r.success || r.data.node !== node.toLowerCase()) {
    throw new AgentError("BadArgument", `the agent state ${path} is not one of this agent's state files for node ${node}: fix or remove it`);
  }
  return r.data;
}

function writeState(dataDir: string, state: AgentState): void {
  writeWhole(statePath(dataDir, state.node), state);
}

function writeWhole(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, path);
}

/** Records a fraud verdict; the first one unacknowledged is kept (it is what the operator must look at). */
export function recordFraud(dataDir: string, node: string, fraud: FraudRecord): void {
  const s = readState(dataDir, node);
  if (s.fraud) return;
  writeState(dataDir, { ...s, fraud });
}

/** Clears the unacknowledged fraud verdict; returns it (undefined when there was none). */
export function acknowledgeFraud(dataDir: string, node: string, nowIso: string): FraudRecord | undefined {
  const s = readState(dataDir, node);
  if (!s.fraud) return undefined;
  writeState(dataDir, { ...s, fraud: null, acknowledged: [...s.acknowledged, { ...s.fraud, acknowledgedAt: nowIso }].slice(-MAX_ACKED) });
  return s.fraud;
}

export function benchPath(dataDir: string): string {
  return join(dataDir, "bench.json");
}

export function recordBench(dataDir: string, bench: BenchRecord): void {
  writeWhole(benchPath(dataDir), bench);
}

/** The last bench of this machine, or undefined when none was run (or the file is unreadable). */
export function readBench(dataDir: string): BenchRecord | undefined {
  const path = benchPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const r = benchSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
