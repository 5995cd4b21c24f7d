/**
 * The committee: several oracle processes, each with its own key. The proposer of epoch e is
 * `committee[e mod size]` (on-chain order); it commits e's seed, runs e's challenges, builds the
 * report and asks the other members to sign it over `POST /v1/committee/sign`, a request signed
 * by the proposer's committee key like any node request.
 *
 * What a member checks on its own before it signs (`checkAndSign`):
 * - the requester is a current member and the proposer of that epoch; the epoch has ended;
 * - `configVersion` is the chain's current one; `keccak256(abi.encode(epoch, seed))` is the seed
 *   commitment on chain (so the revealed seed is the one fixed before the epoch);
 * - the budget is at most its own configured budget and the chain's available budget, the
 *   uptime share is its own, the slash bound is the chain's;
 * - every node in the inputs is registered on chain with that operator;
 * - the report's parent is the chain's tip (Settlement `tip()`: the latest report not vetoed,
 *   pending or finalized), the tip is before the epoch, and the previous cumulative amounts hash
 *   to the tip's rewards root (so nobody's past rewards are rewritten, and no vetoed report's
 *   rewards are carried on);
 * - the report, slash list and roots recompute exactly from the inputs (report.ts);
 * - every slash follows the rule of its node's verdict: fraud only for a fraudulent node, at this
 *   member's fraud share; overclaim only for an under-delivering one, at most this member's cap;
 *   no slash of an honest or unavailable node;
 * - every node's claim is its claim on chain, and its counts are consistent (on time <= passed
 *   <= answered <= challenges), so pay follows from a claim the proposer cannot raise;
 * - every fraud slash ships evidence that re-verifies here (evidence.ts): the node key signed the
 *   root, the openings are the ones the proposer's revealed opening key draws, and the answer
 *   fails this member's own verifier. A proposer cannot slash an honest node for fraud.
 * Refusals are OR118 (a mismatch) or OR219 (unproven fraud), logged with the reason.
 * It does NOT re-run the challenges: timings, verdicts other than fraud and verified work are the
 * proposer's measurements (issue 13's independent measurement replaces that).
 */
import type { Address, Hex } from "viem";
import { recoverAddress, zeroHash } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { seedCommitment } from "../protocol";
import { signRequest } from "../protocol/request-signer";
import { recordNonce, type Authenticated } from "./auth";
import { REPORT_STATUS, type Chain } from "./chain";
import type { OracleConfig } from "./config";
import type { DB } from "./store/schema";
import { httpError, OracleError } from "./errors";
import type { Logger } from "./logger";
import { buildReport, reportDigest, reportFromJson, reportInputsSchema, reportToJson, type ReportInputs } from "./report";
import { buildRewardsTree } from "../engine/rewards";
import { putReport } from "./store/reports";
import { replaceCumulativeRewards } from "./store/rewards";
import { REPORT_STATE } from "./store/status";
import { getEvidence } from "./store/evidence";
import { slashEvidenceProblems } from "./evidence";
import { epochKeys, type EpochKeys } from "../protocol/keys";
import { SlashReason } from "../protocol";
import { NODE_VERDICT } from "../engine/rewards";
import type { Work } from "./work";

/** The proposer of epoch e: the first member, or `committee[e mod size]` with rotation. */
export function proposerOf(e: number, members: readonly Address[], rotate: boolean): Address {
  return members[rotate ? e % members.length : 0];
}

export interface SignRequestBody {
  epoch: string;
  inputs: Record<string, unknown>;
  report: Record<string, string>;
  slashes: Record<string, unknown>[];
  /** The proposer's revealed keys of the epoch (protocol/keys.ts). */
  keys: EpochKeys;
  /** Per fraud slash, its evidence documents (protocol/evidence.ts). */
  evidence: { hash: Hex; challenges: string[] }[];
}

export class Committee {
  constructor(
    private readonly cfg: OracleConfig,
    private readonly account: PrivateKeyAccount,
    private readonly chain: Chain,
    private readonly db: DB,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** This member's verifiers (fraud evidence is re-verified with them) and its member secret. */
    private readonly own: { work: Work; secret: Hex } | undefined = undefined,
  ) {}

  /** Proposer side: asks every other member with a known URL for its signature. */
  async collect(
    row: { epoch: number; report: string; slashes: string; inputs: string; digest: Hex },
    members: readonly Address[],
    have: Record<string, Hex>,
  ): Promise<Record<string, Hex>> {
    const me = this.account.address.toLowerCase();
    const peers = this.cfg.committee.filter(
      (p) => p.address.toLowerCase() !== me && !have[p.address.toLowerCase()] && members.some((m) => m.toLowerCase() === p.address.toLowerCase()),
    );
    const slashes = JSON.parse(row.slashes) as { reason: number; evidence: Hex }[];
    const evidence = slashes
      .filter((s) => s.reason === Number(SlashReason.Fraud))
      .map((s) => {
        const stored = getEvidence(this.db, s.evidence);
        const names = stored ? (JSON.parse(stored.doc) as string[]) : [];
        return { hash: s.evidence, challenges: names.map((h) => getEvidence(this.db, h)?.doc ?? "") };
      });
    if (!this.own) throw new Error("a committee without its member secret cannot propose");
    const body: SignRequestBody = {
      epoch: String(row.epoch),
      inputs: JSON.parse(row.inputs),
      report: JSON.parse(row.report),
      slashes,
      keys: epochKeys(this.own.secret, row.epoch),
      evidence,
    };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const out: Record<string, Hex> = {};
    await Promise.all(
      peers.map(async (p) => {
        try {
          const path = "/v1/committee/sign";
          const signed = await signRequest({ account: this.account, chainId: this.chain.chainId, registry: this.chain.address("NodeRegistry") }, "POST", path, bytes);
          const res = await fetch(p.url.replace(/\/+$/, "") + path, {
            method: "POST",
            headers: { "content-type": "application/json", ...signed.headers },
            body: bytes,
            signal: AbortSignal.timeout(this.cfg.committeeTimeoutMs),
          });
          const json = (await res.json()) as { signature?: Hex; error?: { code: string; message: string } };
          if (!res.ok || !json.signature) {
            this.log.warn("committee.refused", { epoch: row.epoch, member: p.address, status: res.status, error: json.error });
            return;
          }
          const signer = await recoverAddress({ hash: row.digest, signature: json.signature });
          if (signer.toLowerCase() !== p.address.toLowerCase()) {
            this.log.warn("committee.bad_signature", { epoch: row.epoch, member: p.address, recovered: signer });
            return;
          }
          out[p.address.toLowerCase()] = json.signature;
          this.log.info("committee.signed", { epoch: row.epoch, member: p.address });
        } catch (e) {
          this.log.warn("committee.unreachable", { epoch: row.epoch, member: p.address, url: p.url, err: e });
        }
      }),
    );
    return out;
  }

  /** Member side: checks the proposal against the chain and recomputes it; signs if all agree. */
  async checkAndSign(auth: Authenticated, body: SignRequestBody): Promise<{ signature: Hex; signer: Address; digest: Hex }> {
    const { members, configVersion } = await this.chain.committee();
    const e = Number(body.epoch);
    if (!Number.isSafeInteger(e)) throw httpError.schema("epoch out of range");
    if (proposerOf(e, members, this.cfg.proposerRotation).toLowerCase() !== auth.signer.toLowerCase()) {
      throw httpError.mismatch(`${auth.signer} is not the proposer of epoch ${e}`);
    }
    const parsed = reportInputsSchema.safeParse(body.inputs);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw httpError.schema(`inputs.${i.path.join(".")}: ${i.message}`);
    }
    const inputs: ReportInputs = parsed.data;
    if (inputs.epoch !== body.epoch || body.report.epoch !== body.epoch) throw httpError.mismatch("epoch differs between report and inputs");
    const { genesis, length } = await this.chain.epochClock();
    if (this.now() / 1000 < genesis + (e + 1) * length) throw httpError.mismatch(`epoch ${e} has not ended`);
    if (BigInt(inputs.configVersion) !== configVersion) throw httpError.mismatch(`configVersion ${inputs.configVersion} is not the chain's ${configVersion}`);
    const onchainCommitment = await this.chain.seedCommitment(BigInt(e));
    if (onchainCommitment === zeroHash || seedCommitment(BigInt(e), inputs.seed) !== onchainCommitment) {
      throw httpError.mismatch(`seed does not open the on-chain commitment of epoch ${e}`);
    }
    // The per-node rules and the fraud evidence, on the inputs (the report is checked to follow
    // from them below); they need only the revealed seed, checked just above.
    await this.checkJudgements(e, inputs, body);
    const available = await this.chain.availableBudget();
    if (BigInt(inputs.budget) > BigInt(this.cfg.epochBudget) || BigInt(inputs.budget) > available) {
      throw httpError.mismatch(`budget ${inputs.budget} above this member's budget or the available budget`);
    }
    if (inputs.uptimeShareBps !== this.cfg.uptimeShareBps) throw httpError.mismatch("uptime share differs from this member's configuration");
    if (inputs.maxSlashes !== (await this.chain.maxSlashes())) throw httpError.mismatch("slash bound differs from the chain's");
    for (const n of inputs.nodes) {
      const rec = await this.chain.getNode(n.node);
      if (rec.status === "None" || rec.operator.toLowerCase() !== n.operator.toLowerCase()) {
        throw httpError.mismatch(`node ${n.node} is not registered to operator ${n.operator}`);
      }
    }
    const prevRoot = await this.expectedParent(e, inputs.parent);
    const prevTree = buildRewardsTree(new Map(Object.entries(inputs.previousCumulative).map(([a, v]) => [a.toLowerCase(), BigInt(v)])));
    if (prevTree.root !== prevRoot) throw httpError.mismatch(`previous cumulative rewards do not hash to the latest on-chain root ${prevRoot}`);

    let built;
    try {
      built = buildReport(inputs);
    } catch (err) {
      throw new OracleError("OR118", "inputs do not build a report", { status: 409, cause: err });
    }
    const mine = reportToJson(built.report);
    for (const k of Object.keys(mine) as (keyof typeof mine)[]) {
      if (mine[k] !== body.report[k]) throw httpError.mismatch(`report field ${k} differs from the recomputation`);
    }
    const slashes = built.slashes.map((s) => ({ ...s, reason: Number(s.reason) }));
    if (JSON.stringify(slashes) !== JSON.stringify(body.slashes)) throw httpError.mismatch("slash list differs from the recomputation");
    const report = reportFromJson(body.report);
    const digest = reportDigest(report, this.chain.chainId, this.chain.address("Settlement"));
    const signature = await this.account.sign({ hash: digest });
    this.db.transaction(() => {
      recordNonce(this.db, auth);
      putReport(
        this.db,
        {
          epoch: e,
          report: JSON.stringify(body.report),
          slashes: JSON.stringify(body.slashes),
          inputs: JSON.stringify(inputs),
          digest,
          signatures: JSON.stringify({ [this.account.address.toLowerCase()]: signature }),
          status: REPORT_STATE.Cosigned,
        },
        this.now(),
      );
      // The cumulative amounts this member signed: the base of its own next report if it proposes one.
      replaceCumulativeRewards(this.db, e, built.cumulative);
    })();
    this.log.info("committee.cosigned", { epoch: e, proposer: auth.signer, digest });
    return { signature, signer: this.account.address, digest };
  }

  /**
   * The member's own rules over the proposer's per-node figures: each slash is the one its
   * verdict allows, each claim is the chain's, the counts are consistent, and each fraud slash's
   * evidence re-verifies here. Throws OR118 or OR219 naming the node.
   */
  private async checkJudgements(e: number, inputs: ReportInputs, body: SignRequestBody): Promise<void> {
    for (const n of inputs.nodes) {
      const at = `node ${n.node}`;
      const s = n.slash;
      if (s) {
        if (s.node.toLowerCase() !== n.node.toLowerCase()) throw httpError.mismatch(`${at}: its slash names ${s.node}`);
        if (s.reason === SlashReason.Fraud && (n.verdict !== NODE_VERDICT.Fraudulent || s.bps !== this.cfg.fraudSlashBps)) {
          throw httpError.mismatch(`${at}: a fraud slash of ${s.bps} bps for verdict ${n.verdict} (this member slashes fraud ${this.cfg.fraudSlashBps} bps, fraudulent nodes only)`);
        }
        if (s.reason === SlashReason.Overclaim && (n.verdict !== NODE_VERDICT.UnderDelivering || s.bps > this.cfg.overclaimSlashBps)) {
          throw httpError.mismatch(`${at}: an overclaim slash of ${s.bps} bps for verdict ${n.verdict} (at most ${this.cfg.overclaimSlashBps} bps, under-delivering nodes only)`);
        }
        if (s.reason !== SlashReason.Fraud && s.reason !== SlashReason.Overclaim) throw httpError.mismatch(`${at}: slash reason ${s.reason} is not an epoch report's to give`);
      }
      if (!(n.onTime <= n.passed && n.passed <= n.answered && n.answered <= n.challenges)) {
        throw httpError.mismatch(`${at}: counts are inconsistent (on time ${n.onTime}, passed ${n.passed}, answered ${n.answered}, challenges ${n.challenges})`);
      }
      const rec = await this.chain.getNode(n.node);
      if (BigInt(n.claimGflops) !== BigInt(rec.claim.gflops)) throw httpError.mismatch(`${at}: claim ${n.claimGflops} GFLOP/s is not its claim on chain (${rec.claim.gflops})`);
    }
    const fraud = inputs.nodes.filter((n) => n.slash?.reason === SlashReason.Fraud);
    if (fraud.length === 0) return;
    if (!this.own) throw new OracleError("OR219", "this member cannot re-verify fraud evidence (no verifiers configured)", { status: 409 });
    const ctx = { chainId: this.chain.chainId, registry: this.chain.address("NodeRegistry"), seed: inputs.seed as Hex, keys: body.keys, work: this.own.work };
    for (const n of fraud) {
      const bundle = body.evidence.find((b) => b.hash.toLowerCase() === n.slash!.evidence.toLowerCase());
      const problems = bundle
        ? await slashEvidenceProblems(bundle, { epoch: e, node: n.node, evidence: n.slash!.evidence }, ctx)
        : [`no evidence sent for the fraud slash of ${n.node} (evidence ${n.slash!.evidence})`];
      if (problems.length) {
        this.log.warn("committee.unproven_fraud", { code: "OR219", epoch: e, node: n.node, problems: problems.slice(0, 5) });
        throw new OracleError("OR219", `fraud slash of ${n.node} is not proven by its evidence: ${problems[0]}`, { status: 409, details: { node: n.node, problems: problems.slice(0, 5) } });
      }
    }
  }

  /**
   * This member's view of the report epoch `e` builds on: the chain's tip. Refuses (OR118) a
   * parent other than the tip's digest, or a tip at or after `e`; returns the tip's rewards root
   * (zero when the chain has no report yet).
   */
  private async expectedParent(e: number, parent: Hex): Promise<Hex> {
    const tip = await this.chain.tip();
    if (tip.exists && tip.epoch >= BigInt(e)) {
      throw httpError.mismatch(`epoch ${e} is not after the chain's latest report not vetoed (epoch ${tip.epoch})`);
    }
    if (parent !== tip.digest) {
      const mine = tip.exists ? `${tip.digest} (the report of epoch ${tip.epoch})` : `${zeroHash} (no report on chain yet)`;
      throw httpError.mismatch(`parent ${parent} is not the latest report not vetoed on chain: expected ${mine}`);
    }
    if (!tip.exists) return zeroHash;
    const r = await this.chain.reportOf(tip.epoch);
    if (r.status !== REPORT_STATUS.Pending && r.status !== REPORT_STATUS.Finalized) {
      throw httpError.mismatch(`the chain's tip (epoch ${tip.epoch}) is not pending or finalized`);
    }
    return r.rewardsRoot;
  }
}
