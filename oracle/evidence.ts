/**
 * Re-verification of fraud evidence (protocol/evidence.ts), as a committee member does before it
 * co-signs a report with a fraud slash (committee.ts) and as an auditor does for a settled epoch
 * (scripts/audit-slashes.ts). It trusts nothing of the issuing member but what its revealed keys
 * and the revealed epoch seed pin down:
 *  - the keys open the epoch seed (one member issues an epoch's challenges today, and its seed
 *    share is the epoch seed), so they are that member's;
 *  - the challenge id and seed are the ones the seed gives for (epoch, node, round), and the spec
 *    carries that seed;
 *  - the node key signed (challenge, spec, root, answer): the spec is the one the node computed,
 *    and the opened rows or items are the ones it sent;
 *  - the openings are the ones the member's opening key draws for that root;
 *  - the answer fails the kind's check (the engine's verifier, on this machine).
 * So a member that invents a wrong answer for an honest node is caught (it cannot sign for the
 * node key, and a changed row breaks the signature), and so is one that re-draws the openings or
 * swaps the spec.
 */
import type { Address, Hex } from "viem";
import { answerSignatureProblem, jsonHash } from "../protocol/answer-signature";
import { MAX_EVIDENCE_CHALLENGES, parseChallengeEvidence, slashEvidenceHash, evidenceHash, type ChallengeEvidence, type SlashEvidenceBundle } from "../protocol/evidence";
import { shareOf, type EpochKeys } from "../protocol/keys";
import { openingDraw } from "../protocol/openings";
import { challengeId, challengeSeed, scheduleKeyOf } from "../protocol/seeds";
import type { ChallengeKind, Work } from "./work";

export interface EvidenceContext {
  chainId: number;
  registry: Address;
  /** The epoch seed the report reveals. */
  seed: Hex;
  /** The issuing member's revealed keys of the epoch. */
  keys: EpochKeys;
  /** This machine's verifiers. */
  work: Work;
}

/** Why one challenge's document does not prove a wrong answer; empty when it does. */
export async function challengeEvidenceProblems(doc: string, ctx: EvidenceContext): Promise<{ evidence?: ChallengeEvidence; problems: string[] }> {
  let e: ChallengeEvidence;
  try {
    e = parseChallengeEvidence(doc);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const problems: string[] = [];
  const at = `challenge ${e.id}`;
  if (e.chainId !== ctx.chainId || e.registry.toLowerCase() !== ctx.registry.toLowerCase()) {
    problems.push(`${at}: evidence of chain ${e.chainId} registry ${e.registry}, not of this deployment`);
  }
  let share: Hex | undefined;
  try {
    share = shareOf(ctx.keys);
  } catch (err) {
    problems.push(`the revealed keys are malformed: ${(err as Error).message}`);
  }
  if (share !== undefined && share.toLowerCase() !== ctx.seed.toLowerCase()) problems.push(`the revealed keys do not open the epoch seed ${ctx.seed}`);
  if (challengeId(e.epoch, e.node as Address, e.round, scheduleKeyOf(ctx.seed)) !== e.id.toLowerCase()) problems.push(`${at}: the id is not the one the epoch seed gives`);
  if (challengeSeed(ctx.seed, e.node as Address, e.round) !== e.seed.toLowerCase()) problems.push(`${at}: the challenge seed is not the one the epoch seed gives`);
  let spec: Record<string, unknown> | undefined;
  try {
    spec = JSON.parse(e.spec) as Record<string, unknown>;
    if (String(spec.seed).toLowerCase() !== e.seed.toLowerCase()) problems.push(`${at}: the spec does not carry the challenge seed`);
  } catch {
    problems.push(`${at}: the spec is not JSON`);
  }
  const signed = { challenge: e.id as Hex, spec: spec ? jsonHash(spec) : ("0x" as Hex), root: e.root as Hex, answer: jsonHash(e.answer) };
  const unsigned = spec ? await answerSignatureProblem({ chainId: ctx.chainId, registry: ctx.registry }, e.node as Address, signed, e.signature as Hex) : undefined;
  if (unsigned) problems.push(`${at}: ${unsigned}`);
  const w = ctx.work[e.kind as ChallengeKind];
  if (!w) problems.push(`${at}: no verifier here for challenge kind ${JSON.stringify(e.kind)}`);
  if (problems.length || !spec || !w) return { evidence: e, problems };
  try {
    const want = w.chooseOpenings(spec, openingDraw(ctx.keys.openingKey, e.id, e.root as Hex), e.openings.length);
    if (want.length !== e.openings.length || want.some((x, i) => x !== e.openings[i])) {
      return { evidence: e, problems: [`${at}: asked for [${e.openings.join(", ")}], the opening key gives [${want.join(", ")}]`] };
    }
    const r = await w.verify(ctx.seed, spec, e.root as Hex, e.answer, e.openings);
    if (r.ok) return { evidence: e, problems: [`${at}: the answer passes verification here (${r.reason})`] };
  } catch (err) {
    return { evidence: e, problems: [`${at}: cannot verify: ${(err as Error).message}`] };
  }
  return { evidence: e, problems: [] };
}

/**
 * Why a fraud slash of `node` with evidence hash `evidence` in `epoch` is not proven by
 * `bundle`; empty when every named answer is proven wrong and the documents hash to the slash's
 * evidence. Bounded: at most MAX_EVIDENCE_CHALLENGES documents are looked at.
 */
export async function slashEvidenceProblems(
  bundle: Pick<SlashEvidenceBundle, "challenges">,
  slash: { epoch: number; node: Address; evidence: Hex },
  ctx: EvidenceContext,
): Promise<string[]> {
  const at = `fraud slash of ${slash.node} in epoch ${slash.epoch}`;
  if (!Array.isArray(bundle.challenges) || bundle.challenges.length === 0) return [`${at}: no evidence documents`];
  if (bundle.challenges.length > MAX_EVIDENCE_CHALLENGES) return [`${at}: ${bundle.challenges.length} documents, more than ${MAX_EVIDENCE_CHALLENGES}`];
  const problems: string[] = [];
  const named: { spec: string; hash: Hex }[] = [];
  for (const doc of bundle.challenges) {
    if (typeof doc !== "string") return [`${at}: an evidence document is not a string`];
    const r = await challengeEvidenceProblems(doc, ctx);
    problems.push(...r.problems.map((p) => `${at}: ${p}`));
    if (!r.evidence) continue;
    if (r.evidence.node.toLowerCase() !== slash.node.toLowerCase() || r.evidence.epoch !== slash.epoch) {
      problems.push(`${at}: a document is of node ${r.evidence.node} in epoch ${r.evidence.epoch}`);
    }
    named.push({ spec: r.evidence.spec, hash: evidenceHash(doc) });
  }
  if (named.length === bundle.challenges.length && slashEvidenceHash(named) !== slash.evidence.toLowerCase()) {
    problems.push(`${at}: the documents hash to ${slashEvidenceHash(named)}, not to the slash's evidence ${slash.evidence}`);
  }
  return problems;
}
