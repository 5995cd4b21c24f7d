/**
 * `npm run audit:slashes -- --oracle URL --epoch N [--rpc URL]`: re-verifies every fraud slash
 * of a reported epoch from the chain and the issuing member's public read API alone.
 *
 * From the chain (Settlement `reportOf`, `slashOf`): the seed the report revealed and each slash
 * (node, share, reason, evidence hash). From the oracle (`GET /v1/evidence/:hash`): the slash's
 * documents and the member's revealed keys. Each fraud slash must be proven by its documents
 * (oracle/evidence.ts): the keys open the revealed seed, ids and seeds are the seed's, the node
 * key signed each answer, the openings are the key's draws, every answer fails the verifier run
 * here, and the documents hash to the slash's evidence. An overclaim slash rests on timing
 * statistics, not on documents; it is listed, not re-verified.
 *
 * Exit status: 0 when every fraud slash is proven, 1 when one is not, 2 when the audit could not run.
 */
import { parseArgs } from "node:util";
import { createPublicClient, http, type Address, type Hex } from "viem";
import { settlementAbi } from "../protocol/abi";
import type { EpochKeys } from "../protocol/keys";
import { SlashReason } from "../protocol/slashes";
import { slashEvidenceProblems } from "../oracle/evidence";
import type { Work } from "../oracle/work";
import { GemmWork } from "../oracle/work-gemm";
import { InferWork } from "../oracle/work-infer";

export interface SlashAudit {
  epoch: number;
  slashes: number;
  fraud: number;
  /** Fraud slashes whose evidence re-verified. */
  proven: number;
  problems: string[];
}

/** This machine's verifiers: gemm at once, the LLM's model only when an infer document needs it. */
export function auditWork(): Work {
  return { gemm: new GemmWork({ maxN: 16_384 }), infer: new InferWork() };
}

export async function auditSlashes(o: { rpcUrl: string; oracleUrl: string; epoch: number; work?: Work }): Promise<SlashAudit> {
  const base = o.oracleUrl.replace(/\/+$/, "");
  const info = (await (await fetch(`${base}/v1/info`)).json()) as { chainId: number; contracts: { Settlement: Address; NodeRegistry: Address } };
  const client = createPublicClient({ transport: http(o.rpcUrl) });
  const settlement = info.contracts.Settlement;
  const report = await client.readContract({ address: settlement, abi: settlementAbi, functionName: "reportOf", args: [BigInt(o.epoch)] });
  const out: SlashAudit = { epoch: o.epoch, slashes: 0, fraud: 0, proven: 0, problems: [] };
  if (Number(report.status) === 0) {
    out.problems.push(`epoch ${o.epoch} has no report on chain`);
    return out;
  }
  const work = o.work ?? auditWork();
  // Loop bound: the report's slash count (Settlement caps it at maxSlashes).
  for (let i = 0; i < Number(report.slashCount); i++) {
    const s = (await client.readContract({ address: settlement, abi: settlementAbi, functionName: "slashOf", args: [BigInt(o.epoch), BigInt(i)] })).slash;
    out.slashes++;
    if (Number(s.reason) !== Number(SlashReason.Fraud)) continue;
    out.fraud++;
    const res = await fetch(`${base}/v1/evidence/${s.evidence}`);
    const body = (await res.json().catch(() => ({}))) as { keys?: EpochKeys; challenges?: string[]; error?: { code?: string; message?: string } };
    if (!res.ok || !body.keys || !Array.isArray(body.challenges)) {
      out.problems.push(`slash ${i} (node ${s.node}): GET /v1/evidence/${s.evidence} answered ${res.status}${body.error?.code ? ` ${body.error.code}` : ""}: ${body.error?.message ?? "no documents"}`);
      continue;
    }
    const problems = await slashEvidenceProblems(
      { challenges: body.challenges },
      { epoch: o.epoch, node: s.node, evidence: s.evidence },
      { chainId: info.chainId, registry: info.contracts.NodeRegistry, seed: report.seed as Hex, keys: body.keys, work },
    );
    if (problems.length === 0) out.proven++;
    out.problems.push(...problems.map((p) => `slash ${i}: ${p}`));
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: { oracle: { type: "string", default: "http://127.0.0.1:8080" }, rpc: { type: "string", default: "http://127.0.0.1:8545" }, epoch: { type: "string" } },
  });
  if (values.epoch === undefined || !/^[0-9]+$/.test(values.epoch)) {
    console.error("usage: npm run audit:slashes -- --oracle URL --epoch N [--rpc URL]");
    process.exit(2);
  }
  let audit: SlashAudit;
  try {
    audit = await auditSlashes({ rpcUrl: values.rpc!, oracleUrl: values.oracle!, epoch: Number(values.epoch) });
  } catch (e) {
    console.error(`audit:slashes: ${(e as Error).message}`);
    process.exit(2);
  }
  console.log(`epoch ${audit.epoch}: ${audit.slashes} slashes, ${audit.fraud} for fraud, ${audit.proven} of them proven by their evidence`);
  for (const p of audit.problems) console.log(`  UNPROVEN ${p}`);
  console.log(audit.problems.length === 0 ? "every fraud slash is proven" : `${audit.problems.length} problems`);
  process.exit(audit.problems.length === 0 ? 0 : 1);
}

if (require.main === module) void main();
