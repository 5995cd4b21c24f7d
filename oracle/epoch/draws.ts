/**
 * The secret draws of an epoch's schedule, all from the epoch's secret seed: which kind each
 * challenge is and when each round falls due. Pure: the same seed gives the same schedule in
 * every planning pass and after a restart, and nothing about it is public before the report
 * reveals the seed.
 */
import { concatBytes, hexToBytes, keccak256, stringToBytes, type Hex } from "viem";

/** The node field of the draws shared by the whole fleet (the round's due time). */
const FLEET = ("0x" + "00".repeat(20)) as Hex;
/** Largest delay of a round planned after its due time passed (the oracle came up late), ms. */
export const LATE_SPREAD_MS = 2_000;

/** The key every draw of an epoch's schedule is taken from (protocol/seeds.ts: auditors recompute it). */
export { scheduleKeyOf } from "../../protocol/seeds";

/** 64-bit number from keccak256(key ‖ tag ‖ node ‖ round): the secret draws of an epoch. */
export function draw(key: Hex, tag: string, node: string, round: number): bigint {
  const h = keccak256(concatBytes([hexToBytes(key), stringToBytes(tag), hexToBytes(node as Hex), new Uint8Array([round >> 24, round >> 16, round >> 8, round].map((x) => x & 255))]));
  return BigInt(h.slice(0, 18));
}

/**
 * A secret due time in [start, start + min(window, len - span)): at most `issueWindowBps` into
 * the epoch, and early enough that the whole deadline span ends by the epoch's end (at the start
 * when the span is longer than the epoch). `secret` is a 64-bit draw; the modulo's bias is below
 * 2^-40 for any epoch under 2^24 ms.
 */
export function dueTimeMs(startMs: number, lenMs: number, issueWindowBps: number, spanMs: number, secret: bigint): number {
  const windowMs = Math.floor((lenMs * issueWindowBps) / 10_000); // rounds down: never past the window
  const latest = Math.max(1, Math.min(windowMs, lenMs - spanMs));
  return startMs + Number(secret % BigInt(latest));
}

/**
 * The due time of every round of an epoch, the same for every node: drawn once per round from
 * the epoch's secret schedule key, so identities sharing one GPU receive their challenges at the
 * same instant and must compute them concurrently (their measured throughput splits). A round's
 * due time leaves the longest deadline span among its challenges before the epoch's end. A due
 * time already past (the epoch is planned late) becomes due within LATE_SPREAD_MS from now, so
 * nodes are not charged for the oracle's downtime; one before `keptBeforeMs` keeps its time (the
 * epoch was recovered after a lost database, which may have delivered and answered that round:
 * the caller voids it rather than issue the same challenge again).
 */
export function roundDueTimes(
  items: readonly { round: number; spanMs: number }[],
  o: { scheduleKey: Hex; startMs: number; lenMs: number; issueWindowBps: number; nowMs: number; keptBeforeMs?: number },
): Map<number, number> {
  const span = new Map<number, number>();
  for (const it of items) span.set(it.round, Math.max(span.get(it.round) ?? 0, it.spanMs));
  const out = new Map<number, number>();
  for (const [r, spanMs] of span) {
    let at = dueTimeMs(o.startMs, o.lenMs, o.issueWindowBps, spanMs, draw(o.scheduleKey, "time", FLEET, r));
    if (at < o.nowMs && !(at < (o.keptBeforeMs ?? -Infinity))) at = o.nowMs + Number(draw(o.scheduleKey, "late", FLEET, r) % BigInt(LATE_SPREAD_MS));
    out.set(r, at);
  }
  return out;
}
