import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes, type Hex } from "viem";
import { merkleRoot } from "../merkle";
import { buildTinyLm, TINY_LM_ID } from "./build-model";
import { exportSyntheticRecords } from "./dataset";
import { LlmError } from "./errors";
import type { Fingerprint } from "./fingerprint";
import { chooseInferOpenings, itemLeaf, openInfer, runInfer, verifyInferOpenings, type InferAnswer } from "./infer";
import { loadEmbeddedModel, loadModelFromBytes, type CausalLm } from "./model";
import type { WeightPrecision } from "./precision";
import { choosePositions, generateInferChallenge, generatePromptPool, type InferChallenge } from "./prompts";
import { CounterRng, deriveSeed } from "./rng";
import { ByteTokenizer } from "./tokenizer";

const SEED_A = keccak256(stringToBytes("infer.test A"));
const SEED_B = keccak256(stringToBytes("infer.test B"));
const BATCH = 16;
const K = 4;

let model: CausalLm;
let challenge: InferChallenge;
let honest: InferAnswer;
const extra: CausalLm[] = [];

/** A model that claims to be poai-tiny-lm-v1 but runs other weights. */
async function impostor(opts: { seed?: Hex; precision?: WeightPrecision }): Promise<CausalLm> {
  const built = buildTinyLm(opts);
  const m = await loadModelFromBytes(built.bytes, new ByteTokenizer(), { id: TINY_LM_ID, maxContext: 128, intraOpNumThreads: 1 });
  extra.push(m);
  return m;
}

/** Honest hardware that differs from the oracle's: every logit scaled by (1 + eps u), u in [-1, 1]. */
function perturbed(inner: CausalLm, eps: number): CausalLm {
  const rng = new CounterRng(keccak256(stringToBytes(`noise ${eps}`)));
  let call = 0;
  const noisy = (z: Float32Array) => {
    const out = new Float32Array(z.length);
    const stream = call++;
    for (let i = 0; i < z.length; i++) out[i] = z[i] * (1 + eps * (2 * rng.uniform(stream, i) - 1));
    return out;
  };
  return Object.assign(Object.create(inner), {
    async forward(rows: readonly (readonly number[])[]) {
      return noisy(await inner.forward(rows));
    },
    ...(inner.forwardAt ? { forwardAt: async (rows: readonly (readonly number[])[], positions: readonly number[]) => noisy(await inner.forwardAt!(rows, positions)) } : {}),
  });
}

/** An answer whose item fingerprints are replaced by `replace(index)` where it returns one. */
function tampered(answer: InferAnswer, replace: (i: number, fp: Fingerprint) => Fingerprint | undefined): InferAnswer {
  const items = answer.items.map((fp, i) => replace(i, fp) ?? fp);
  const leaves = items.map((fp, i) => itemLeaf(challenge.seed, i, fp));
  return { root: merkleRoot(leaves), items, leaves, ms: 0 };
}

async function verifyAnswer(m: CausalLm, answer: Pick<InferAnswer, "root" | "items" | "leaves">, k = K, c = challenge) {
  const openings = openInfer(answer, chooseInferOpenings(c, answer.root, k));
  return verifyInferOpenings(m, c, answer.root, openings, answer.root, k);
}

before(async () => {
  model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  challenge = await generateInferChallenge(SEED_A, { batch: BATCH, promptLen: 48, positions: 8, topK: 8, model });
  honest = await runInfer(model, challenge);
});

after(async () => {
  await model.release();
  for (const m of extra) await m.release();
});

test("honest work verifies; the openings are drawn from (challenge seed, root)", async () => {
  const v = await verifyAnswer(model, honest);
  assert.equal(v.ok, true, v.reason);
  assert.deepEqual(v.badItems, []);
  assert.ok(v.worst < 0.2, `worst ${v.worst}`);
  const idx = chooseInferOpenings(challenge, honest.root, K);
  assert.equal(new Set(idx).size, K);
  assert.ok(idx.every((i) => Number.isInteger(i) && i >= 0 && i < BATCH));
  assert.deepEqual(chooseInferOpenings(challenge, honest.root, K), idx);
  assert.notDeepEqual(chooseInferOpenings(challenge, keccak256(honest.root), K), idx);
  assert.deepEqual(chooseInferOpenings(challenge, honest.root, BATCH).slice().sort((a, b) => a - b), Array.from({ length: BATCH }, (_, i) => i));
});

test("honest hardware differences pass: intra-op threads 2 and 1e-5 relative logit noise, every item opened", async () => {
  const m2 = await loadEmbeddedModel({ intraOpNumThreads: 2 });
  extra.push(m2);
  const a2 = await runInfer(m2, challenge);
  assert.equal(a2.root, honest.root); // bit-identical on this CPU
  const noisy = await runInfer(perturbed(model, 1e-5), challenge);
  const v = await verifyAnswer(model, noisy, BATCH);
  assert.equal(v.ok, true, v.reason);
  assert.ok(v.worst < 0.2, `honest noise reached ${v.worst} of the tolerance`);
  // The oracle's own recomputation may be the perturbed side as well.
  const v2 = await verifyAnswer(perturbed(model, 1e-5), honest, BATCH);
  assert.equal(v2.ok, true, v2.reason);
});

test("the tolerance separates honest noise from lower-precision weights (distances over all items)", async () => {
  const honestWorst = (await verifyAnswer(model, await runInfer(perturbed(model, 1e-5), challenge), BATCH)).worst;
  const fp16 = await runInfer(await impostor({ precision: "fp16" }), challenge);
  // Per item: the largest deviation in tolerance units; the cheapest item of the fp16 model.
  const per: number[] = [];
  for (let i = 0; i < BATCH; i++) {
    const one = tampered(honest, (j) => (j === i ? fp16.items[i] : undefined));
    const v = await verifyAnswer(model, one, BATCH);
    per.push(v.worst);
  }
  const fp16Min = Math.min(...per);
  assert.ok(honestWorst < 0.2 && fp16Min > 2, `honest max ${honestWorst}, fp16 min ${fp16Min}`);
});

test("a skipped item is caught: a zero or random fingerprint in place of the work", async () => {
  const zero: Fingerprint = { ids: challenge.positions.map(() => [0, 1, 2, 3, 4, 5, 6, 7]), q: challenge.positions.map(() => new Array(8).fill(0)) };
  const rng = new CounterRng(SEED_B);
  const random = (i: number): Fingerprint => ({
    ids: challenge.positions.map((_, p) => Array.from({ length: 8 }, (_, j) => (rng.below(p, i * 8 + j, 32) + 8 * j) % 256)),
    q: challenge.positions.map((_, p) => Array.from({ length: 8 }, (_, j) => -rng.below(p + 100, i * 8 + j, 1 << 16))),
  });
  const skipOne = tampered(honest, (i) => (i === 5 ? zero : undefined));
  const v1 = await verifyAnswer(model, skipOne, BATCH);
  assert.equal(v1.ok, false);
  assert.deepEqual(v1.badItems, [5]);
  const skipRandom = tampered(honest, (i) => (i === 11 ? random(i) : undefined));
  const v2 = await verifyAnswer(model, skipRandom, BATCH);
  assert.equal(v2.ok, false);
  assert.deepEqual(v2.badItems, [11]);
  // A node that skips the whole batch fails any opening.
  const v3 = await verifyAnswer(model, tampered(honest, () => zero));
  assert.equal(v3.ok, false);
  assert.equal(v3.badItems.length, K);
});

test("a substituted model of the same shape (other seed) is caught", async () => {
  const cheat = await runInfer(await impostor({ seed: keccak256(stringToBytes("substitute")) }), challenge);
  const v = await verifyAnswer(model, cheat);
  assert.equal(v.ok, false);
  assert.equal(v.badItems.length, K);
  assert.ok(v.worst > 100, `worst ${v.worst}`);
});

test("weights rounded to a lower precision (fp16, int8) are caught", async () => {
  for (const precision of ["fp16", "int8"] as const) {
    const cheat = await runInfer(await impostor({ precision }), challenge);
    const v = await verifyAnswer(model, cheat);
    assert.equal(v.ok, false, precision);
    assert.equal(v.badItems.length, K, `${precision}: ${v.badItems}`);
  }
});

test("an answer replayed from another seed is caught, even over the same prompts", async () => {
  const other = await generateInferChallenge(SEED_B, { batch: BATCH, promptLen: 48, positions: 8, topK: 8, model });
  const replay = await verifyAnswer(model, honest, K, other);
  assert.equal(replay.ok, false);
  assert.match(replay.reason, /Merkle proof/);
  const samePrompts: InferChallenge = { ...challenge, seed: SEED_B };
  const v = await verifyAnswer(model, honest, K, samePrompts);
  assert.equal(v.ok, false);
  assert.match(v.reason, /Merkle proof/);
  // The honest answer to the other challenge verifies there.
  assert.equal((await verifyAnswer(model, await runInfer(model, other), K, other)).ok, true);
});

test("openings that do not match the committed root are rejected", async () => {
  const idx = chooseInferOpenings(challenge, honest.root, K);
  const openings = openInfer(honest, idx);
  // A fingerprint changed after the commitment (one quantum), with the original proof.
  const changed = openings.map((o, i) => (i === 1 ? { ...o, fingerprint: { ids: o.fingerprint.ids, q: o.fingerprint.q.map((r, p) => (p === 0 ? [r[0] + 1, ...r.slice(1)] : r)) } } : o));
  const v1 = await verifyInferOpenings(model, challenge, honest.root, changed, honest.root, K);
  assert.equal(v1.ok, false);
  assert.deepEqual(v1.badItems, [idx[1]]);
  // Items of the node's choice instead of the drawn ones.
  const chosen = openInfer(honest, [0, 1, 2, 3]);
  assert.equal((await verifyInferOpenings(model, challenge, honest.root, chosen, honest.root, K)).ok, false);
  // Too few openings, a proof of another item, a root that is not the committed one.
  assert.equal((await verifyInferOpenings(model, challenge, honest.root, openings.slice(0, K - 1), honest.root, K)).ok, false);
  const swappedProof = openings.map((o, i) => (i === 0 ? { ...o, proof: openings[1].proof } : o));
  assert.equal((await verifyInferOpenings(model, challenge, honest.root, swappedProof, honest.root, K)).ok, false);
  const otherRoot = keccak256(honest.root);
  const atOtherRoot = openInfer(honest, chooseInferOpenings(challenge, otherRoot, K));
  const v2 = await verifyInferOpenings(model, challenge, otherRoot, atOtherRoot, otherRoot, K);
  assert.equal(v2.ok, false);
  assert.match(v2.reason, /Merkle proof/);
  // Malformed fingerprints are a verdict, not a crash.
  const malformed = openings.map((o, i) => (i === 2 ? { ...o, fingerprint: { ids: [], q: [] } } : o));
  const v3 = await verifyInferOpenings(model, challenge, honest.root, malformed, honest.root, K);
  assert.equal(v3.ok, false);
  assert.deepEqual(v3.badItems, [idx[2]]);
  assert.equal((await verifyInferOpenings(model, challenge, "0x1234" as Hex, openings, honest.root, K)).ok, false);
});

test("verified outputs export as synthetic data-set records; unverified ones do not", async () => {
  const openings = openInfer(honest, chooseInferOpenings(challenge, honest.root, K));
  const v = await verifyInferOpenings(model, challenge, honest.root, openings, honest.root, K);
  const records = exportSyntheticRecords(model.tokenizer, challenge, honest.root, openings, v);
  assert.equal(records.length, K);
  const r = records[0];
  assert.equal(r.dataset, "poai-synthetic-v1");
  assert.equal(r.modelId, TINY_LM_ID);
  assert.equal(r.prompt, model.tokenizer.decode(challenge.prompts[r.item]));
  assert.equal(r.predictions.length, challenge.positions.length);
  assert.equal(r.predictions[0].next.length, 8);
  assert.ok(r.predictions[0].next[0].logit >= r.predictions[0].next[7].logit);
  assert.throws(
    () => exportSyntheticRecords(model.tokenizer, challenge, honest.root, openings, { ok: false }),
    (e: unknown) => e instanceof LlmError && e.code === "EN208",
  );
});

test("a challenge for another model or with a bad shape is refused with LlmBadChallenge", async () => {
  const code = async (c: InferChallenge) => {
    try {
      await runInfer(model, c);
    } catch (e) {
      return e instanceof LlmError ? e.code : String(e);
    }
    return "no error";
  };
  assert.equal(await code({ ...challenge, modelId: "gpt-x" }), "EN207");
  assert.equal(await code({ ...challenge, prompts: [challenge.prompts[0], challenge.prompts[1].slice(1)] }), "EN207");
  assert.equal(await code({ ...challenge, positions: [3, 2, 47] }), "EN207");
  assert.equal(await code({ ...challenge, positions: [3, 10] }), "EN207");
  assert.equal(await code({ ...challenge, topK: 0 }), "EN207");
});

test("pooled prompts: spliced from the epoch's pool without a model run, deterministic, verifiable", async () => {
  const pool = await generatePromptPool(SEED_B, { size: 8, length: 40, model });
  assert.equal(pool.texts.length, 8);
  assert.ok(pool.texts.every((t) => t.length === 40 && t.every((x) => x < 256)));
  // A model whose forward pass fails: pooled challenge generation must not run it.
  const noRun: CausalLm = Object.assign(Object.create(model), {
    forward: () => Promise.reject(new Error("pooled generation ran the model")),
  });
  const c1 = await generateInferChallenge(SEED_A, { batch: BATCH, promptLen: 48, model: noRun, pool });
  const c2 = await generateInferChallenge(SEED_A, { batch: BATCH, promptLen: 48, model: noRun, pool });
  const c3 = await generateInferChallenge(SEED_B, { batch: BATCH, promptLen: 48, model: noRun, pool });
  assert.deepEqual(c1, c2);
  assert.notDeepEqual(c1.prompts, c3.prompts);
  assert.equal(c1.poolSeed, SEED_B);
  assert.ok(c1.prompts.every((p) => p.length === 48 && p[0] === 256));
  // Each prompt is made of 4 segments of 12 (the last 11) tokens found in pool texts.
  const texts = pool.texts.map((t) => t.join(","));
  for (const p of c1.prompts) {
    for (const seg of [p.slice(1, 13), p.slice(13, 25), p.slice(25, 37), p.slice(37)]) {
      assert.ok(texts.some((t) => `,${t},`.includes(`,${seg.join(",")},`)));
    }
  }
  const a = await runInfer(model, c1);
  assert.equal((await verifyAnswer(model, a, K, c1)).ok, true);
  const cheat = await runInfer(await impostor({ precision: "fp16" }), c1);
  assert.equal((await verifyAnswer(model, cheat, K, c1)).ok, false);
});

test("the draws are the protocol's: item openings, sub-seeds, positions and pooled prompts pinned (computed before the engine keccak)", async () => {
  const seed = keccak256(stringToBytes("pin seed"));
  const prompts = Array.from({ length: 64 }, () => [0, 1, 2]);
  assert.deepEqual(chooseInferOpenings({ seed, prompts }, keccak256(stringToBytes("pin infer root")), 4), [8, 16, 21, 30]);
  assert.equal(deriveSeed(seed, "poai/infer/splice"), "0x858465b579bd7521550929604ce31dc29912b347a4fd0de2913261e457892dd8");
  assert.deepEqual(choosePositions(seed, 64, 8), [2, 4, 11, 12, 13, 23, 59, 63]);
  const pool = { version: "poai-pool-v1" as const, seed, modelId: model.id, texts: Array.from({ length: 8 }, (_, i) => Array.from({ length: 40 }, (_, t) => (i * 37 + t * 11) % 256)) };
  const c = await generateInferChallenge(seed, { batch: 16, promptLen: 32, model, pool });
  assert.equal(keccak256(stringToBytes(JSON.stringify(c))), "0x0c000122228e7d99db741103f2dc11b42dee16fac49b0938e33ace01dbdf40f3");
});
