/**
 * An auditor's check of a settled epoch's draws: from the chain and one committee member's public
 * read API alone, recompute every draw the member made and compare.
 *
 *   npm run audit:draws -- --oracle http://127.0.0.1:8080 --epoch 12 [--rpc http://127.0.0.1:8545]
 *
 * What it checks (docs/challenges.md, "Auditing the draws"):
 * 1. The member's revealed keys (`GET /v1/epochs/:epoch/draws`) open the seed share
 *    (protocol/keys.ts `shareOf`), that share is the seed the epoch's report revealed on chain,
 *    and the seed opens the on-chain commitment made before the epoch: the keys were fixed before
 *    any node committed anything.
 * 2. Per challenge: its id and seed follow from the seed, the node and the round
 *    (protocol/seeds.ts), and the rows or items it was asked to open are exactly those drawn
 *    from the opening key, the id and the root the node committed (protocol/openings.ts): the
 *    member did not choose openings after seeing a root.
 * 3. Per round: every node's challenge fell due at one instant (identities sharing a GPU answer
 *    at once).
 * Exits 0 when everything matches, 1 with each mismatch listed, 2 when it cannot read what it needs.
 */
import { parseArgs } from "node:util";
import { createPublicClient, http, isAddress, type Address, type Hex } from "viem";
import { chooseOpenings } from "../engine/gemm/spec";
import { chooseInferOpenings } from "../engine/llm/infer";
import { epochManagerAbi, settlementAbi } from "../protocol/abi";
import { shareOf, type EpochKeys } from "../protocol/keys";
import { openingDraw } from "../protocol/openings";
import { challengeId, challengeSeed, scheduleKeyOf, seedCommitment } from "../protocol/seeds";
import { decodeGemmSpec } from "../protocol/wire/gemm";
import { decodeInferChallenge } from "../protocol/wire/infer";

/** One challenge as `GET /v1/epochs/:epoch/draws` reveals it. */
export interface RevealedChallenge {
  id: string;
  node: Address;
  round: number;
  kind: string;
  seed: Hex;
  spec: Record<string, unknown>;
  dueAt: number;
  deadline: number;
  root: Hex | null;
  openings: number[] | null;
  verdict: string | null;
}

/** What a member reveals of an epoch, all pages joined. */
export interface RevealedEpoch {
  epoch: number;
  member: Address;
  seed: Hex;
  keys: EpochKeys;
  challenges: RevealedChallenge[];
}

/** What the chain says of the epoch: the seed its report revealed and the commitment made before it. */
export interface OnChainEpoch {
  reportSeed: Hex | null;
  commitment: Hex | null;
}

export interface DrawsAudit {
  epoch: number;
  member: Address;
  challenges: number;
  committed: number;
  /** Openings recomputed and equal. */
  openingsChecked: number;
  rounds: number;
  problems: string[];
}

/** The openings of one committed challenge as recomputed from the revealed opening key. */
export function recomputeOpenings(c: Pick<RevealedChallenge, "id" | "kind" | "spec" | "root">, openingKey: Hex, k: number): number[] {
  if (c.root === null) throw new Error("no root committed");
  const draw = openingDraw(openingKey, c.id, c.root);
  if (c.kind === "gemm") return chooseOpenings(decodeGemmSpec(c.spec), draw, k);
  if (c.kind === "infer") return chooseInferOpenings(decodeInferChallenge(c.spec), draw, k);
  throw new Error(`unknown challenge kind ${JSON.stringify(c.kind)}`);
}

/** Checks a revealed epoch against the chain; every mismatch is one line of `problems`. Pure. */
export function auditDraws(r: RevealedEpoch, chain: OnChainEpoch): DrawsAudit {
  const problems: string[] = [];
  let share: Hex | undefined;
  try {
    share = shareOf(r.keys);
  } catch (e) {
    problems.push(`revealed keys are malformed: ${(e as Error).message}`);
  }
  if (share !== undefined && share !== r.seed) problems.push(`the revealed keys do not open the seed share: keys give ${share}, the member says ${r.seed}`);
  if (chain.reportSeed === null) problems.push(`epoch ${r.epoch} has no report on chain`);
  else if (chain.reportSeed.toLowerCase() !== r.seed.toLowerCase()) problems.push(`the report revealed seed ${chain.reportSeed}, the member reveals ${r.seed}`);
  if (chain.commitment !== null && chain.commitment !== seedCommitment(BigInt(r.epoch), r.seed)) {
    problems.push(`the seed does not open the on-chain commitment ${chain.commitment}`);
  }
  const scheduleKey = scheduleKeyOf(r.seed);
  const dueOfRound = new Map<number, number>();
  let committed = 0;
  let openingsChecked = 0;
  for (const c of r.challenges) {
    const at = `challenge ${c.id} (node ${c.node}, round ${c.round})`;
    if (!isAddress(c.node)) {
      problems.push(`${at}: node is not an address`);
      continue;
    }
    if (challengeId(r.epoch, c.node, c.round, scheduleKey) !== c.id) problems.push(`${at}: the id is not the one the seed gives`);
    if (challengeSeed(r.seed, c.node, c.round) !== c.seed) problems.push(`${at}: the challenge seed is not the one the seed gives`);
    const due = dueOfRound.get(c.round);
    if (due === undefined) dueOfRound.set(c.round, c.dueAt);
    else if (due !== c.dueAt) problems.push(`${at}: due at ${c.dueAt}, another node's challenge of the round at ${due}`);
    if (c.root === null) continue;
    committed++;
    if (!Array.isArray(c.openings) || c.openings.length === 0) {
      problems.push(`${at}: committed but no openings recorded`);
      continue;
    }
    try {
      const want = recomputeOpenings(c, r.keys.openingKey, c.openings.length);
      if (want.length !== c.openings.length || want.some((w, i) => w !== c.openings![i])) {
        problems.push(`${at}: asked for [${c.openings.join(", ")}], the opening key gives [${want.join(", ")}]`);
      } else openingsChecked++;
    } catch (e) {
      problems.push(`${at}: cannot recompute the openings: ${(e as Error).message}`);
    }
  }
  return { epoch: r.epoch, member: r.member, challenges: r.challenges.length, committed, openingsChecked, rounds: dueOfRound.size, problems };
}

/** Reads every page of a member's revealed draws of `epoch`. */
export async function fetchRevealed(oracleUrl: string, epoch: number, maxPages = 10_000): Promise<RevealedEpoch> {
  let after: string | null = null;
  let first: (RevealedEpoch & { next: string | null }) | undefined;
  const challenges: RevealedChallenge[] = [];
  for (let page = 0; page < maxPages; page++) {
    const url: string = `${oracleUrl.replace(/\/$/, "")}/v1/epochs/${epoch}/draws${after ? `?after=${after}` : ""}`;
    const res = await fetch(url);
    const body = (await res.json().catch(() => ({}))) as RevealedEpoch & { next: string | null; error?: { code?: string; message?: string } };
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}${body.error?.code ? ` ${body.error.code}` : ""}: ${body.error?.message ?? ""}`);
    first ??= body;
    challenges.push(...body.challenges);
    after = body.next;
    if (after === null) return { epoch, member: first.member, seed: first.seed, keys: first.keys, challenges };
  }
  throw new Error(`more than ${maxPages} pages of draws`);
}

/** The seed epoch `epoch`'s report revealed and the commitment made before it, from the chain. */
export async function readOnChain(rpcUrl: string, addresses: { Settlement: Address; EpochManager: Address }, epoch: number): Promise<OnChainEpoch> {
  const client = createPublicClient({ transport: http(rpcUrl) });
  const report = await client.readContract({ address: addresses.Settlement, abi: settlementAbi, functionName: "reportOf", args: [BigInt(epoch)] });
  const c = await client.readContract({ address: addresses.EpochManager, abi: epochManagerAbi, functionName: "seedCommitmentOf", args: [BigInt(epoch)] });
  return {
    reportSeed: Number(report.status) === 0 ? null : report.seed,
    commitment: c.commitment === "0x" + "00".repeat(32) ? null : c.commitment,
  };
}

async function main() {
  const { values } = parseArgs({
    options: { oracle: { type: "string", default: "http://127.0.0.1:8080" }, rpc: { type: "string", default: "http://127.0.0.1:8545" }, epoch: { type: "string" } },
  });
  if (values.epoch === undefined || !/^[0-9]+$/.test(values.epoch)) {
    console.error("usage: npm run audit:draws -- --oracle URL --epoch N [--rpc URL]");
    process.exit(2);
  }
  const epoch = Number(values.epoch);
  let audit: DrawsAudit;
  try {
    const info = (await (await fetch(`${values.oracle!.replace(/\/$/, "")}/v1/info`)).json()) as { contracts: { Settlement: Address; EpochManager: Address } };
    const revealed = await fetchRevealed(values.oracle!, epoch);
    audit = auditDraws(revealed, await readOnChain(values.rpc!, info.contracts, epoch));
  } catch (e) {
    console.error(`audit:draws: ${(e as Error).message}`);
    process.exit(2);
  }
  console.log(`epoch ${audit.epoch}, member ${audit.member}: ${audit.challenges} challenges in ${audit.rounds} rounds, ${audit.committed} committed`);
  console.log(`  openings recomputed from the revealed opening key: ${audit.openingsChecked} of ${audit.committed} equal`);
  for (const p of audit.problems) console.log(`  MISMATCH ${p}`);
  console.log(audit.problems.length === 0 ? "every draw matches" : `${audit.problems.length} mismatches`);
  process.exit(audit.problems.length === 0 ? 0 : 1);
}

if (require.main === module) void main();
