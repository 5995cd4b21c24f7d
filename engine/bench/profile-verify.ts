/**
 * Where the oracle's CPU goes when it verifies one node for one epoch under the production
 * profile (oracle/config.ts: 18 rounds, gemm 5 : infer 1, 20 gemm openings, 4 infer openings):
 * each step of verifyGemmOpenings (engine/gemm/verify.ts) on a challenge of the real size and tree
 * depth (engine/bench/deep-gemm.ts), and of the infer verification (engine/llm/infer.ts) with
 * pooled prompts, in CPU time of this process (user + system, onnxruntime's threads included).
 *
 *   npx tsx engine/bench/profile-verify.ts
 *
 * Prints a table, then as its last line one JSON object {"bench":"profile-verify", ...}.
 * Each figure is the median over batches of repeated calls, after warm-up (the oracle is a
 * long-running process: its code is hot).
 */
import { loadavg } from "node:os";
import { keccak256, stringToBytes } from "viem";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge } from "../gemm/spec";
import { f32Bytes } from "../gemm/formats";
import { aKey } from "../gemm/data";
import { prepareGemmVerifier } from "../gemm/verifier-key";
import { checkGemmOpenings, keySlot } from "../gemm/verify";
import { checkClaim, peakGflops, type NodeClaim } from "../hardware";
import { MerklePathVerifier, hex32ToBytes, leafHash, leafHashBytes, verifyMerkleProof } from "../merkle";
import { sizeGemm } from "../sizing";
import { OUT, ROW, kernels } from "../wasm/kernels";
import { compareFingerprint } from "../llm/fingerprint";
import { chooseInferOpenings, itemLeaf, openInfer, runInfer, verifyInferOpenings, type InferAnswer } from "../llm/infer";
import { loadEmbeddedModel } from "../llm/model";
import { checkInferChallenge, generateInferChallenge, generatePromptPool, type InferChallenge } from "../llm/prompts";
import { buildDeepGemmChallenge } from "./deep-gemm";

const log = (msg: string) => console.log(`[profile-verify] ${msg}`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x: number, d = 3) => Number(x.toPrecision(d));

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Median over `batches` of the mean CPU ms per call of `f` over `reps` calls, after `warm` calls. */
function cpuPerCall(f: () => void, reps: number, batches = 7, warm = reps): number {
  for (let i = 0; i < warm; i++) f();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const c0 = cpuMs();
    for (let i = 0; i < reps; i++) f();
    per.push((cpuMs() - c0) / reps);
  }
  return med(per);
}

async function cpuPerCallAsync(f: () => Promise<void>, reps: number, batches = 7, warm = reps): Promise<number> {
  for (let i = 0; i < warm; i++) await f();
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const c0 = cpuMs();
    for (let i = 0; i < reps; i++) await f();
    per.push((cpuMs() - c0) / reps);
  }
  return med(per);
}

/** Production profile (oracle/config.ts PROFILE_DEFAULTS.production). */
const ROUNDS = 18;
const GEMM_SHARE = 5 / 6;
const GEMM_OPENINGS = 20;
const INFER_OPENINGS = 4;

function gemm() {
  // The fleet's most common class (sim/oracle-cost.ts): an RTX 4090 claimed at 85 % of its peak.
  const claim: NodeClaim = { gpuModel: 6, gpuCount: 1, gflops: Math.round(peakGflops(6) * 0.85), vramMiB: 24 * 1024 };
  checkClaim(claim);
  const sizing = sizeGemm(claim, { targetSeconds: 4 });
  const epoch = keccak256(stringToBytes("profile-verify epoch"));
  const shared = gemmSharedSeed(epoch, sizing.n);
  const spec = generateGemmChallenge(keccak256(stringToBytes("profile-verify challenge")), sizing, shared);
  log(`gemm: n=${spec.n} batch=${spec.batch}, ${GEMM_OPENINGS} openings; building the verifier key and the tree...`);
  const key = prepareGemmVerifier(shared, gemmSecretSeed(epoch, sizing.n), sizing.n);
  const deep = buildDeepGemmChallenge(spec, GEMM_OPENINGS, "profile-verify");
  log(`  key ${key.buildMs.toFixed(0)} ms (once per epoch and size); tree of ${deep.leaves} leaves, proofs of ${deep.proofLength} siblings, built in ${deep.buildMs.toFixed(0)} ms`);
  const { root, openings, indices } = deep;
  const v = checkGemmOpenings(spec, root, openings, key, indices);
  if (!v.ok) throw new Error(`honest openings did not verify: ${v.detail}`);
  const rootBytes = hex32ToBytes(root)!;
  const g = spec.groupRows;
  const n = spec.n;
  const k = kernels();
  const slot = keySlot(key);
  const f32 = new Float32Array(k.memory.buffer);
  const steps = {
    chooseOpenings: cpuPerCall(() => void chooseOpenings(spec, root, GEMM_OPENINGS), 50),
    checkGemmOpenings: cpuPerCall(() => void checkGemmOpenings(spec, root, openings, key, indices), 20),
    // Per challenge (all openings):
    groupLeaves: cpuPerCall(() => {
      for (const o of openings) leafHashBytes(f32Bytes(o.group));
    }, 50),
    proofsShared: cpuPerCall(() => {
      const pv = new MerklePathVerifier(rootBytes, deep.leaves);
      for (const o of openings) pv.verify(Math.floor(o.index / g), leafHashBytes(f32Bytes(o.group)), o.proof);
    }, 20),
    proofsAlone: cpuPerCall(() => {
      for (const o of openings) verifyMerkleProof(root, leafHash(f32Bytes(o.group)), o.proof);
    }, 20),
    rowPass: cpuPerCall(() => {
      for (const o of openings) {
        f32.set(o.row, ROW / 4);
        k.row_sums(ROW, slot.row, n, OUT);
      }
    }, 50),
    aKeys: cpuPerCall(() => {
      for (const o of openings) aKey(spec, Math.floor(o.index / n));
    }, 50),
    aPass: cpuPerCall(() => {
      for (const o of openings) {
        const ak = aKey(spec, Math.floor(o.index / n));
        k.a_dot(ak[0], ak[1], ak[2], ak[3], o.index % n, slot.bs, n, OUT);
      }
    }, 50),
  };
  // groupLeaves is inside proofsShared; aKeys inside aPass.
  const accounted = steps.proofsShared + steps.rowPass + steps.aPass;
  const rest = steps.checkGemmOpenings - accounted;
  const perChallenge = steps.chooseOpenings + steps.chooseOpenings + steps.checkGemmOpenings; // at commit, then inside verifyGemmOpenings
  log(`  per challenge (CPU ms): chooseOpenings ${steps.chooseOpenings.toFixed(3)} (twice: at commit and in the verifier), checkGemmOpenings ${steps.checkGemmOpenings.toFixed(3)}`);
  log(`    group leaves ${steps.groupLeaves.toFixed(3)}, proofs (with leaves, shared paths) ${steps.proofsShared.toFixed(3)} [each proof alone, hex API: ${steps.proofsAlone.toFixed(3)}]`);
  log(`    row pass ${steps.rowPass.toFixed(3)}, A pass ${steps.aPass.toFixed(3)} (of which stream keys ${steps.aKeys.toFixed(3)}), rest of the JS ${rest.toFixed(3)}`);
  return { n, batch: spec.batch, leaves: deep.leaves, proofLength: deep.proofLength, openings: GEMM_OPENINGS, keyBuildMs: round(key.buildMs), perChallengeMs: round(perChallenge), steps: Object.fromEntries(Object.entries({ ...steps, rest }).map(([a, b]) => [a, round(b)])) };
}

async function infer() {
  const model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  log("infer: sampling the epoch's prompt pool (once per epoch)...");
  const p0 = cpuMs();
  const pool = await generatePromptPool(keccak256(stringToBytes("profile-verify pool")), { size: 32, length: Math.min(128, model.maxContext - 1), model });
  const poolMs = cpuMs() - p0;
  const challenges: InferChallenge[] = [];
  for (let r = 0; r < 8; r++) challenges.push(await generateInferChallenge(keccak256(stringToBytes(`profile-verify infer ${r}`)), { batch: 64, promptLen: 64, model, pool }));
  const answers: InferAnswer[] = [];
  for (const c of challenges) answers.push(await runInfer(model, c));
  const openings = challenges.map((c, r) => openInfer(answers[r], chooseInferOpenings(c, answers[r].root, INFER_OPENINGS)));
  let r = 0;
  const next = () => (r = (r + 1) % challenges.length);
  const T = 64;
  const V = model.vocabSize;
  const steps = {
    generateInferChallenge: await cpuPerCallAsync(async () => void (await generateInferChallenge(keccak256(stringToBytes(`profile-verify infer ${next()}`)), { batch: 64, promptLen: 64, model, pool })), 10),
    verifyInferOpenings: await cpuPerCallAsync(async () => {
      const i = next();
      const v = await verifyInferOpenings(model, challenges[i], answers[i].root, openings[i], answers[i].root, INFER_OPENINGS);
      if (!v.ok) throw new Error(`honest infer did not verify: ${v.reason}`);
    }, 5),
    checkInferChallenge: cpuPerCall(() => checkInferChallenge(challenges[next()], model), 20),
    chooseInferOpenings: cpuPerCall(() => void chooseInferOpenings(challenges[r], answers[next()].root, INFER_OPENINGS), 20),
    proofs: cpuPerCall(() => {
      const i = next();
      for (const o of openings[i]) verifyMerkleProof(answers[i].root, itemLeaf(challenges[i].seed, o.index, o.fingerprint), o.proof);
    }, 20),
    // The verifier's forward: the positions graph of the embedded model (forwardAt), else the full one.
    forward: await cpuPerCallAsync(async () => {
      const i = next();
      const rows = openings[i].map((o) => challenges[i].prompts[o.index]);
      await (model.forwardAt ? model.forwardAt(rows, challenges[i].positions) : model.forward(rows));
    }, 5),
    fullForward: await cpuPerCallAsync(async () => {
      const i = next();
      await model.forward(openings[i].map((o) => challenges[i].prompts[o.index]));
    }, 5),
    compare: 0,
  };
  const logits = await model.forward(openings[0].map((o) => challenges[0].prompts[o.index]));
  steps.compare = cpuPerCall(() => {
    openings[0].forEach((o, q) => compareFingerprint(o.fingerprint, logits, q * T * V, V, challenges[0].positions, challenges[0].topK));
  }, 20);
  // At commit time the oracle draws the items to open (verifyInferOpenings draws them again).
  const perChallengeMs = steps.generateInferChallenge + steps.chooseInferOpenings + steps.verifyInferOpenings;
  const rest = steps.verifyInferOpenings - steps.checkInferChallenge - steps.chooseInferOpenings - steps.proofs - steps.forward - steps.compare;

  await model.release();
  log(`  per challenge (CPU ms): prompts ${steps.generateInferChallenge.toFixed(3)}, choose at commit ${steps.chooseInferOpenings.toFixed(3)}, verifyInferOpenings ${steps.verifyInferOpenings.toFixed(3)}`);
  log(`    check challenge ${steps.checkInferChallenge.toFixed(3)}, choose ${steps.chooseInferOpenings.toFixed(3)}, proofs ${steps.proofs.toFixed(3)}, forward of ${INFER_OPENINGS} items at the ${challenges[0].positions.length} positions ${steps.forward.toFixed(3)} [whole sequences: ${steps.fullForward.toFixed(3)}], compare ${steps.compare.toFixed(3)}, rest ${rest.toFixed(3)}`);
  return { batch: 64, promptLen: T, openings: INFER_OPENINGS, poolMs: round(poolMs), perChallengeMs: round(perChallengeMs), steps: Object.fromEntries(Object.entries({ ...steps, rest }).map(([a, b]) => [a, round(b)])) };
}

async function main() {
  const load0 = loadavg()[0];
  const g = gemm();
  const i = await infer();
  const gemmPart = ROUNDS * GEMM_SHARE * g.perChallengeMs;
  const inferPart = ROUNDS * (1 - GEMM_SHARE) * i.perChallengeMs;
  const perNodeEpochMs = gemmPart + inferPart;
  log(`per node-epoch (18 rounds, 15 gemm + 3 infer): gemm ${gemmPart.toFixed(1)} ms + infer ${inferPart.toFixed(1)} ms = ${perNodeEpochMs.toFixed(1)} ms of CPU: ${Math.floor(3_600_000 / perNodeEpochMs)} nodes per core and hour-long epoch`);
  console.log(
    JSON.stringify({
      bench: "profile-verify",
      gemm: g,
      infer: i,
      perNodeEpochMs: round(perNodeEpochMs),
      gemmPartMs: round(gemmPart),
      inferPartMs: round(inferPart),
      nodesPerCore: Math.floor(3_600_000 / perNodeEpochMs),
      loadAverage: [round(load0), round(loadavg()[0])],
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
