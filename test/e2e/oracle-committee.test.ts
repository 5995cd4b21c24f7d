/**
 * A committee of two oracle processes (in-process, each with its own key and database) with
 * quorum 2: the proposer's reports reach the chain only with the other member's signature, and
 * the member refuses a report whose figures do not recompute from the inputs, leaving its
 * database unchanged.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { parseConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { deployDevnet, E18, fundRewards, HH_KEYS, readContract, registerNode, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { answerChallenge, signedFetch } from "../support/oracle-client";
import { createLogger } from "../../oracle/logger";
import type { Hex } from "viem";
import { buildReport, reportDigest, reportToJson, type ReportInputs } from "../../oracle/report";
import { jsonHash, signAnswer } from "../../protocol/answer-signature";
import { EVIDENCE_VERSION, evidenceHash, slashEvidenceHash, type ChallengeEvidence } from "../../protocol/evidence";
import { epochKeys, memberSecret } from "../../protocol/keys";
import { SlashReason } from "../../protocol";
import { NODE_VERDICT } from "../../engine/rewards";

describe("oracle committee", { timeout: 240_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let proposer: OracleHandle;
  let member: OracleHandle;
  const a = privateKeyToAccount(HH_KEYS[0]);
  const b = privateKeyToAccount(HH_KEYS[1]);

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 8, genesisDelay: 6, disputeWindow: 2, committee: [a.address, b.address], quorum: 2 });
    await fundRewards(dev, 10_000n * E18);
    await registerNode(dev, HH_KEYS[2]);
    const common = { rpcUrl: hh.url, deploymentFile: dev.deploymentFile, port: 0, pollIntervalMs: 200, gemmMaxN: 512 as const, challengeTargetMs: 100, logLevel: "warn" as const };
    const quiet = createLogger({ level: "error" });
    member = await startOracle(parseConfig({ ...common, oracleKey: HH_KEYS[1], dbPath: join(dev.dir, "member.sqlite") }), { log: quiet });
    proposer = await startOracle(
      parseConfig({ ...common, oracleKey: HH_KEYS[0], dbPath: join(dev.dir, "proposer.sqlite"), committee: [{ address: b.address, url: member.url }] }),
      { log: quiet },
    );
  });

  after(async () => {
    await proposer?.stop();
    await member?.stop();
    await hh?.stop();
  });

  it("relays reports signed by both members (quorum 2)", async () => {
    const t0 = Date.now();
    let onchain: { epoch: number } | undefined;
    while (!onchain && Date.now() - t0 < 90_000) {
      onchain = proposer.db.prepare("SELECT epoch FROM reports WHERE status IN ('onchain','finalized') ORDER BY epoch LIMIT 1").get() as { epoch: number } | undefined;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(onchain, "no report reached the chain");
    const info = await readContract<{ status: number; submitter: string }>(dev, "Settlement", "reportOf", [BigInt(onchain.epoch)]);
    assert.ok([1, 3].includes(Number(info.status)));
    const cosigned = member.db.prepare("SELECT status, digest FROM reports WHERE epoch = ?").get(onchain.epoch) as { status: string; digest: string };
    assert.equal(cosigned.status, "cosigned");
    const proposed = proposer.db.prepare("SELECT digest, signatures FROM reports WHERE epoch = ?").get(onchain.epoch) as { digest: string; signatures: string };
    assert.equal(cosigned.digest, proposed.digest);
    assert.deepEqual(Object.keys(JSON.parse(proposed.signatures)).sort(), [a.address.toLowerCase(), b.address.toLowerCase()].sort());
    // The member never proposes: it has no seeds of its own.
    assert.equal((member.db.prepare("SELECT COUNT(*) AS n FROM epochs").get() as { n: number }).n, 0);
  });

  it("a member refuses a report that does not recompute from its inputs (OR118)", async () => {
    const row = proposer.db.prepare("SELECT * FROM reports WHERE status IN ('onchain','finalized') ORDER BY epoch DESC LIMIT 1").get() as {
      epoch: number;
      report: string;
      slashes: string;
      inputs: string;
    };
    const ctx = { account: a, chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
    const report = JSON.parse(row.report);
    const inputs = JSON.parse(row.inputs);
    const keys = epochKeys(memberSecret(HH_KEYS[0], { chainId: dev.chainId, epochManager: dev.addresses.EpochManager }), row.epoch);
    const send = (rep: unknown, inp: unknown) =>
      signedFetch(member.url, ctx, "POST", "/v1/committee/sign", { epoch: String(row.epoch), inputs: inp, report: rep, slashes: JSON.parse(row.slashes), keys, evidence: [] });
    // The member's own loop may prune old nonces meanwhile; recent ones and the reports must not change.
    const since = Date.now() - 20_000;
    const state = () =>
      JSON.stringify(member.db.prepare("SELECT * FROM reports ORDER BY epoch").all()) +
      JSON.stringify(member.db.prepare("SELECT * FROM request_nonces WHERE ts >= ? ORDER BY nonce").all(since)) +
      JSON.stringify(member.db.prepare("SELECT * FROM rewards ORDER BY epoch, account").all());
    const before = state();
    const inflated = await send({ ...report, rewardsTotal: (BigInt(report.rewardsTotal) + 1n).toString() }, inputs);
    assert.equal(inflated.status, 409);
    assert.equal(inflated.json.error.code, "OR118");
    const bigBudget = await send(report, { ...inputs, budget: (10n ** 30n).toString() });
    assert.equal(bigBudget.status, 409);
    assert.equal(bigBudget.json.error.code, "OR118");
    const wrongSeed = await send({ ...report, seed: "0x" + "11".repeat(32) }, { ...inputs, seed: "0x" + "11".repeat(32) });
    assert.equal(wrongSeed.status, 409);
    assert.match(wrongSeed.json.error.message, /commitment/);
    // Malformed inputs are refused by their schema before anything is recomputed (OR102, nothing kept).
    const malformed = await send(report, { ...inputs, nodes: [{ ...inputs.nodes[0], verdict: "saint" }] });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, "OR102");
    assert.match(malformed.json.error.message, /inputs\.nodes\.0\.verdict/);
    const noSeed = await send(report, { ...inputs, seed: undefined });
    assert.equal(noSeed.status, 400);
    assert.equal(noSeed.json.error.code, "OR102");
    const after = state();
    assert.equal(after, before);
    // A node key is not a committee member.
    const stranger = await signedFetch(member.url, { ...ctx, account: privateKeyToAccount(HH_KEYS[3]) }, "POST", "/v1/committee/sign", { epoch: "1", inputs: {}, report: {}, slashes: [], keys, evidence: [] });
    assert.equal(stranger.json.error.code, "OR117");
  });

  it("a member refuses to co-sign a fraud slash of an honest node, whatever evidence the proposer makes up (OR219)", async () => {
    // A node registered now (the first one never answered, so by now it may be jailed for
    // overclaiming) answers one challenge, the way the agent does; the proposer then reports
    // that epoch, and the report's inputs are what the forged proposals below start from.
    const honest = (await registerNode(dev, HH_KEYS[4])).node;
    const node = honest.address.toLowerCase();
    let answered: { challengeId?: string; verdict?: string; status?: number } = {};
    const until = Date.now() + 90_000;
    while (answered.verdict !== "pass" && Date.now() < until) {
      answered = await answerChallenge(proposer.url, { account: honest, chainId: dev.chainId, registry: dev.addresses.NodeRegistry });
      if (answered.verdict !== "pass") await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(answered.verdict, "pass", `the honest node got no challenge to answer (last status ${answered.status})`);
    const passed = proposer.db.prepare("SELECT * FROM challenges WHERE id = ?").get(answered.challengeId) as
      { id: Hex; epoch: number; round: number; kind: string; seed: Hex; spec: string; root: Hex; openings: string; answer: string };
    let row: { epoch: number; inputs: string } | undefined;
    while (!row && Date.now() < until + 60_000) {
      row = proposer.db.prepare("SELECT epoch, inputs FROM reports WHERE epoch = ?").get(passed.epoch) as typeof row;
      if (!row) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(row, `epoch ${passed.epoch} was never judged`);
    const answer = (JSON.parse(passed.answer) as { openings: Record<string, unknown>[] }).openings;
    const keys = epochKeys(memberSecret(HH_KEYS[0], { chainId: dev.chainId, epochManager: dev.addresses.EpochManager }), row.epoch);
    const signed = { challenge: passed.id, spec: jsonHash(passed.spec), root: passed.root, answer: jsonHash(answer) };
    const docOf = async (signer: typeof honest, over: Partial<ChallengeEvidence> = {}) =>
      JSON.stringify({
        v: EVIDENCE_VERSION, chainId: dev.chainId, registry: dev.addresses.NodeRegistry.toLowerCase(), member: a.address.toLowerCase(), epoch: row.epoch, node,
        id: passed.id, round: passed.round, kind: passed.kind, seed: passed.seed, spec: passed.spec, root: passed.root,
        signature: await signAnswer(signer, { chainId: dev.chainId, registry: dev.addresses.NodeRegistry }, signed),
        openings: JSON.parse(passed.openings), answer, reason: "made up", ...over,
      } satisfies ChallengeEvidence);
    // The proposer's report: the honest node judged fraudulent and slashed, every figure consistent
    // with that, so only the evidence can tell.
    const propose = async (docs: string[]) => {
      const inputs = JSON.parse(row.inputs) as ReportInputs;
      const evidence = slashEvidenceHash(docs.map((d) => ({ spec: passed.spec, hash: evidenceHash(d) })));
      inputs.nodes = inputs.nodes.map((n) =>
        n.node.toLowerCase() === node
          ? { ...n, verdict: NODE_VERDICT.Fraudulent, slash: { node: n.node, bps: proposer.scheduler.d.cfg.fraudSlashBps, reason: SlashReason.Fraud, evidence } }
          : n,
      );
      const built = buildReport(inputs);
      forged.push(reportDigest(built.report, dev.chainId, dev.addresses.Settlement));
      return signedFetch(member.url, { account: a, chainId: dev.chainId, registry: dev.addresses.NodeRegistry }, "POST", "/v1/committee/sign", {
        epoch: String(row.epoch), inputs, report: reportToJson(built.report), slashes: built.slashes.map((s) => ({ ...s, reason: Number(s.reason) })), keys,
        evidence: docs.length ? [{ hash: evidence, challenges: docs }] : [],
      });
    };
    // The member co-signs the genuine report of the epoch meanwhile; none of the forged ones.
    const forged: Hex[] = [];
    const cases: [string, string[], RegExp][] = [
      ["no evidence at all", [], /no evidence sent/],
      // The node's genuine signature over its genuine answer: the answer passes the member's verifier.
      ["the node's own signed answer, called wrong", [await docOf(honest)], /passes verification/],
      // A row changed by the proposer: the node never signed it.
      ["an answer the proposer changed", [await docOf(honest, { answer: answer.map((o, i) => (i === 0 ? { ...o, data: "0x" + "00".repeat(((o.data as string).length - 2) / 2) } : o)) })], /signed by/],
      // The proposer signs for the node with its own key.
      ["an answer signed by the proposer", [await docOf(a)], /signed by/],
      // Other rows than the proposer's opening key draws for that root.
      ["re-drawn openings", [await docOf(honest, { openings: [...(JSON.parse(passed.openings) as number[])].reverse() })], /opening key gives|signed by/],
    ];
    for (const [what, docs, want] of cases) {
      const res = await propose(docs);
      assert.equal(res.status, 409, `${what}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error.code, "OR219", `${what}: ${JSON.stringify(res.json)}`);
      assert.match(JSON.stringify(res.json.error), want, what);
    }
    const kept = member.db.prepare("SELECT digest FROM reports").all() as { digest: string }[];
    assert.ok(!kept.some((r) => forged.includes(r.digest as Hex)), "the member kept a forged report");
  });
});
