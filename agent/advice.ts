/**
 * What an operator should do about a verdict or a refusal, and how loud it is: fraud and a
 * failed answer are errors, a late or missed answer a warning, a pass or a void one info. One
 * table, used by the run loop's log, the per-epoch summary and `agent status`.
 */
import { FRAUD_SLASH_BPS } from "../engine/judge";
import { SlashReason } from "../engine/slash-reason";
import type { Level } from "./log";
import { percent, tflops, tokens, when } from "./units";

export interface VerdictContext {
  verdict: string;
  reason?: string;
  /** What this challenge delivered, GFLOP/s (gemm: its FLOPs over the time to answer). */
  deliveredGflops?: number;
  /** The node's on-chain claim, GFLOP/s. */
  claimGflops?: number;
}

/** How much of the stake a fraud verdict costs, as people say it. */
const FRAUD_SHARE = FRAUD_SLASH_BPS === 5000 ? "half the stake" : `${FRAUD_SLASH_BPS / 100} % of the stake`;

export const ACK_COMMAND = "npm run agent -- ack";

/** Delivered against claimed, in words; undefined when either is unknown. */
export function deliveryText(deliveredGflops: number | undefined, claimGflops: number | undefined): string | undefined {
  if (deliveredGflops === undefined || claimGflops === undefined || claimGflops <= 0) return undefined;
  return `this machine delivers ${percent(deliveredGflops, claimGflops)} % of its claim (${tflops(deliveredGflops)} of ${tflops(claimGflops)})`;
}

export function verdictAdvice(c: VerdictContext): { level: Level; advice?: string } {
  const delivery = deliveryText(c.deliveredGflops, c.claimGflops);
  switch (c.verdict) {
    case "pass":
    case "void":
      return { level: "info", advice: c.verdict === "void" ? "the oracle itself delayed this challenge: it is left out of every count, nothing to do" : undefined };
    case "fraud":
      return {
        level: "error",
        advice: `a wrong committed result costs ${FRAUD_SHARE} and jails the node: check the GPU and its driver (nvidia-smi -q: ECC errors, clocks, temperature; no overclock), then run \`${ACK_COMMAND}\`; the agent stops answering until you do`,
      };
    case "fail":
      return { level: "error", advice: "the answer did not verify and is not paid: run an agent of the oracle's release; if it repeats, check the GPU and its driver" };
    case "late":
    case "slow":
      return {
        level: "warn",
        advice: `${delivery ?? "the answer came after the deadline"}: lower the claim (\`npm run agent -- bench\` says what to claim) or stop other load on this machine; late answers are not paid and a node far below its claim is slashed`,
      };
    case "missed":
      return { level: "warn", advice: "not answered before the deadline: keep the agent running and reachable; missed challenges are not paid" };
    case "error":
      return { level: "warn", advice: "the oracle's verifier failed on this answer: not counted against the node, nothing to do" };
    default:
      return { level: "warn", advice: `unknown verdict "${c.verdict}": run an agent of the oracle's release` };
  }
}

export function slashReasonName(reason: number | null | undefined): string {
  if (reason === SlashReason.Fraud) return "fraud";
  if (reason === SlashReason.Overclaim) return "overclaim";
  if (reason === SlashReason.LeaseViolation) return "lease violation";
  return "unknown reason";
}

/** The jailed message: until when, why and for how much, and how to appeal. */
export function jailedText(o: {
  node: string;
  jailedUntil: number;
  nowSec: number;
  slash?: { epoch: number; bps: number; reason: number | null; amountWei?: bigint };
  appealBondWei?: bigint;
}): string {
  const why = o.slash
    ? ` for ${slashReasonName(o.slash.reason)} in epoch ${o.slash.epoch} (slashed ${o.slash.bps / 100} % of the stake${o.slash.amountWei !== undefined ? `, ${tokens(o.slash.amountWei)}` : ""})`
    : "";
  const bond = o.appealBondWei !== undefined ? ` (bond ${tokens(o.appealBondWei)})` : "";
  return `node ${o.node} is jailed until ${when(o.jailedUntil, o.nowSec)}${why}; it is not challenged or paid meanwhile. If the verdict is wrong, appeal it in the dApp while the report's dispute window is open${bond}; the evidence hash is in \`agent status\``;
}
