/**
 * Gas breakdown of one mined transaction from its opcode trace (`debug_traceTransaction` on the
 * Hardhat network), for `bench:gas`. Every gas unit of the receipt lands in exactly one bucket:
 *
 * - `intrinsic`: the 21,000 base; `calldata`: 4 per zero byte, 16 per non-zero byte (EIP-2028);
 * - per contract (the outermost one is the transaction's target, the others are the contracts it
 *   calls): `storage` (SLOAD, SSTORE: cold and warm as charged), `events` (LOG0..LOG4, data and
 *   topics), `hashing` (KECCAK256), `call` (the CALL/STATICCALL opcode itself: the cold or warm
 *   account access and the memory it touches, not the callee's code) and `code` (every other opcode);
 * - `refund`: the SSTORE refund taken off at the end (negative).
 */
import type { ContractTransactionResponse } from "ethers";
import hre from "hardhat";

const { ethers } = hre;

interface StructLog {
  depth: number;
  gas: number;
  gasCost: number;
  op: string;
}

export type Bucket = "storage" | "events" | "hashing" | "call" | "code";
export interface GasBreakdown {
  gasUsed: number;
  intrinsic: number;
  calldata: number;
  refund: number;
  /** Buckets by contract label (the target first, then each callee in call order). */
  byContract: Record<string, Record<Bucket, number>>;
}

/** Calldata cost of a transaction (EIP-2028: 4 gas per zero byte, 16 per non-zero byte). */
export function calldataGas(data: string): number {
  const bytes = ethers.getBytes(data);
  let g = 0;
  for (const b of bytes) g += b === 0 ? 4 : 16;
  return g;
}

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

function bucketOf(op: string): Bucket {
  if (op === "SLOAD" || op === "SSTORE") return "storage";
  if (op.startsWith("LOG")) return "events";
  if (op === "KECCAK256" || op === "SHA3") return "hashing";
  if (CALLS.has(op)) return "call";
  return "code";
}

/**
 * Breaks down `tx`'s gas. `labels[i]` names the i-th contract entered (depth 1 is `labels[0]`; a
 * callee at depth 2 takes the next label on each new call).
 */
export async function traceGas(tx: ContractTransactionResponse, labels: string[]): Promise<GasBreakdown> {
  const receipt = await tx.wait();
  const gasUsed = Number(receipt!.gasUsed);
  const trace = (await ethers.provider.send("debug_traceTransaction", [
    tx.hash,
    { disableStorage: true, disableMemory: true, disableStack: true },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const empty = (): Record<Bucket, number> => ({ storage: 0, events: 0, hashing: 0, call: 0, code: 0 });
  const byContract: Record<string, Record<Bucket, number>> = {};
  // Stack of contract labels by depth; a new frame takes the next label.
  let nextLabel = 1;
  const frame: string[] = [labels[0]];
  byContract[labels[0]] = empty();
  // Loop bound: the trace's length.
  for (let i = 0; i < logs.length; i++) {
    const s = logs[i];
    const label = frame[s.depth - 1];
    let cost = s.gasCost;
    if (CALLS.has(s.op)) {
      // The opcode's own cost: gas before it, less gas after the callee returns, less what the
      // callee's frame spent (its steps are counted in its own bucket).
      let j = i + 1;
      // Loop bound: the trace's length.
      while (j < logs.length && logs[j].depth > s.depth) j++;
      // The callee's whole frame: gas it started with, less what its last step left.
      const childSpent = j > i + 1 ? logs[i + 1].gas - (logs[j - 1].gas - logs[j - 1].gasCost) : 0;
      const after = j < logs.length ? logs[j].gas : s.gas - s.gasCost;
      cost = s.gas - after - childSpent;
      if (i + 1 < logs.length && logs[i + 1].depth === s.depth + 1) {
        const callee = labels[nextLabel++] ?? `callee ${nextLabel}`;
        frame[s.depth] = callee;
        byContract[callee] ??= empty();
      }
    }
    byContract[label][bucketOf(s.op)] += cost;
  }
  const intrinsic = 21_000;
  const calldata = calldataGas(tx.data);
  let counted = intrinsic + calldata;
  for (const b of Object.values(byContract)) for (const v of Object.values(b)) counted += v;
  // What the receipt charges beyond the steps is negative: the SSTORE refund.
  return { gasUsed, intrinsic, calldata, refund: gasUsed - counted, byContract };
}

/** One line per bucket, for the bench's table: `[name, gas]`. */
export function breakdownRows(b: GasBreakdown): [string, number][] {
  const rows: [string, number][] = [
    ["intrinsic", b.intrinsic],
    ["calldata", b.calldata],
  ];
  for (const [label, buckets] of Object.entries(b.byContract)) {
    for (const [bucket, gas] of Object.entries(buckets)) if (gas !== 0) rows.push([`${label} ${bucket}`, gas]);
  }
  if (b.refund !== 0) rows.push(["refund", b.refund]);
  return rows;
}
