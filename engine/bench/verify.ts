/**
 * Benchmark: what verification costs against the work it verifies, and how likely a node
 * faking part of its work is caught.
 *
 *   npm run bench:verify
 *
 * Prints progress, then as its last line one JSON object {"bench":"verify", ...}.
 * Timings come from this (shared, 2-core) machine and are noisy; each is a median of repeats.
 */
import { bytesToHex, keccak256, stringToBytes, type Hex } from "viem";
import {
  GEMM_DEFAULT_OPENINGS,
  chooseOpenings,
  gemmLeaves,
  gemmSecretSeed,
  gemmSharedSeed,
  generateGemmChallenge,
  type GemmOpening,
  type GemmSpec,
} from "../gemm/spec";
import { computeRow, fingerprintLeaves, fingerprintRow, bMatrix, rMatrix } from "../gemm/data";
import { openGemm, runGemm, type GemmRun } from "../gemm/kernel";
import { prepareGemmVerifier } from "../gemm/verifier-key";
import { checkGemmOpenings, verifyGemmOpenings } from "../gemm/verify";
import { hardwareClass, peakGflops } from "../hardware";
import { hashPairBytes, leafHashBytes, merkleLevelsBytes, merkleRootBytes, updateMerkleLeaf } from "../merkle";
import { keccak256Bytes } from "../keccak";
import { f32Bytes } from "../gemm/formats";
import { fillMatrix, randomU32, streamKey } from "../prng";
import { sizeGemm } from "../sizing";

/** Challenges per node and epoch in production (with k openings each, see docs/challenges.md). */
const CHALLENGES_PER_EPOCH = 17;
const K = GEMM_DEFAULT_OPENINGS;

const log = (msg: string) => console.log(`[bench:verify] ${msg}`);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x: number, d = 3) => Number(x.toPrecision(d));

const epoch = keccak256(stringToBytes("bench verify epoch"));

/**
 * Times `f` after `warm` untimed calls (the oracle is a long-running process: its code is hot):
 * median wall time and mean CPU time of this process (user + system, all threads) per call.
 * CPU time is what the work costs; wall time on this shared machine also counts waiting for a
 * core.
 */
function timeIt(f: () => void, reps: number, warm: number): { wallMs: number; cpuMs: number } {
  for (let i = 0; i < warm; i++) f();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    walls.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { wallMs: med(walls), cpuMs: (c.user + c.system) / 1000 / reps };
}

async function cpuSizes() {
  const out = [];
  for (const [n, batch] of [
    [256, 16],
    [512, 8],
    [1024, 4],
  ] as const) {
    const spec = generateGemmChallenge(keccak256(stringToBytes(`bench ${n}`)), { n, batch, precision: "fp32" }, gemmSharedSeed(epoch, n));
    log(`gemm n=${n} batch=${batch}: node run...`);
    const runs: GemmRun[] = [];
    const cpuTimes: number[] = [];
    for (let r = 0; r < 2; r++) {
      const c0 = process.cpuUsage();
      runs.push(await runGemm(spec, { executionProviders: ["cpu"] }));
      const c = process.cpuUsage(c0);
      cpuTimes.push((c.user + c.system) / 1000);
    }
    const run = runs[1];
    const nodeMs = med(runs.map((r) => r.timings.totalMs));
    const nodeCpuMs = med(cpuTimes);
    const computeMs = med(runs.map((r) => r.timings.computeMs));
    const key = prepareGemmVerifier(spec.sharedSeed, gemmSecretSeed(epoch, n), n);
    const openings = openGemm(run, chooseOpenings(spec, run.root, K));
    const v = verifyGemmOpenings(spec, run.root, openings, key, { draw: run.root, k: K });
    if (!v.ok) throw new Error(`honest gemm did not verify: ${v.detail}`);
    const t = timeIt(() => void verifyGemmOpenings(spec, run.root, openings, key, { draw: run.root, k: K }), 20, 20);
    const flops = 2 * batch * n ** 3;
    log(`  node ${nodeMs.toFixed(1)} ms wall / ${nodeCpuMs.toFixed(0)} ms CPU (product ${computeMs.toFixed(1)} ms, ${(flops / computeMs / 1e6).toFixed(1)} GFLOP/s), oracle ${t.wallMs.toFixed(2)} ms wall / ${t.cpuMs.toFixed(2)} ms CPU for k=${K}, key ${key.buildMs.toFixed(1)} ms/epoch`);
    out.push({
      n,
      batch,
      gflop: round(flops / 1e9),
      nodeMs: round(nodeMs),
      nodeCpuMs: round(nodeCpuMs),
      nodeProductMs: round(computeMs),
      nodeHashMs: round(run.timings.hashMs),
      oracleVerifyMs: round(t.wallMs),
      oracleVerifyCpuMs: round(t.cpuMs),
      oracleKeyMsPerEpoch: round(key.buildMs),
      ratio: round(nodeMs / t.wallMs),
      ratioCpu: round(nodeCpuMs / t.cpuMs),
      ratioWithKeyAmortized: round(nodeMs / (t.wallMs + key.buildMs / CHALLENGES_PER_EPOCH)),
    });
  }
  return out;
}

/**
 * An H100-sized challenge: node time from the hardware table (its dense fp16 peak, the fastest
 * an H100 can be), oracle time measured by checking k openings at that n with proofs of that
 * tree's depth. A whole tree of millions of leaves is not built here: each opening's leaf is
 * folded with random siblings to a root, a valid proof of the right depth, and the k openings
 * are checked against their own roots (the per-opening work is identical).
 */
function h100() {
  const cls = hardwareClass(1);
  const claim = { gpuModel: 1, gpuCount: 1, gflops: peakGflops(1), vramMiB: cls.vramMiB };
  const sizing = sizeGemm(claim);
  const spec = generateGemmChallenge(keccak256(stringToBytes("bench h100")), sizing, gemmSharedSeed(epoch, sizing.n));
  const n = spec.n;
  const leaves = gemmLeaves(spec);
  const depth = Math.ceil(Math.log2(leaves));
  log(`H100 challenge: n=${n} batch=${spec.batch} (${(sizing.flops / 1e15).toFixed(2)} PFLOP, ${sizing.expectedSeconds.toFixed(2)} s at ${cls.peakTflops.fp16} TFLOPS), ${leaves} leaves, proof depth ${depth}`);
  log("  oracle key for n=4096 (once per epoch and size)...");
  const key = prepareGemmVerifier(spec.sharedSeed, gemmSecretSeed(epoch, n), n);
  log(`  key ${key.buildMs.toFixed(0)} ms`);
  const B = bMatrix(spec.sharedSeed, n);
  const R = rMatrix(spec.sharedSeed, n);
  const provisional = keccak256(stringToBytes("provisional root"));
  const indices = chooseOpenings(spec, provisional, K);
  const noise = streamKey(keccak256(stringToBytes("siblings")), "s");
  const built: { root: Hex; opening: GemmOpening }[] = indices.map((index, q) => {
    const row = computeRow(spec, index, B);
    const group = fillMatrix(noise, 1, spec.groupRows * spec.projCols, q).map((x) => x * 50);
    const local = index % spec.groupRows;
    group.set(fingerprintRow(row, R), local * spec.projCols);
    let h = leafHashBytes(f32Bytes(group));
    const proof: Hex[] = [];
    for (let d = 0; d < depth; d++) {
      const sib = keccak256(stringToBytes(`sibling ${q} ${d}`), "bytes");
      proof.push(bytesToHex(sib));
      h = hashPairBytes(h, sib);
    }
    return { root: bytesToHex(h), opening: { index, row, group, proof } };
  });
  const t = timeIt(
    () => {
      // The oracle's whole per-challenge work: draw the rows, then check each opening.
      chooseOpenings(spec, provisional, K);
      for (let q = 0; q < K; q++) {
        const v = checkGemmOpenings(spec, built[q].root, [built[q].opening], key, [indices[q]]);
        if (!v.ok) throw new Error(`H100 opening did not verify: ${v.detail}`);
      }
    },
    30,
    30,
  );
  const verifyMs = t.wallMs;
  const nodeMs = sizing.expectedSeconds * 1000;
  log(`  oracle ${t.wallMs.toFixed(2)} ms wall / ${t.cpuMs.toFixed(2)} ms CPU for k=${K}: ratio ${(nodeMs / t.wallMs).toFixed(0)}x wall, ${(nodeMs / t.cpuMs).toFixed(0)}x CPU`);
  return {
    n,
    batch: spec.batch,
    pflop: round(sizing.flops / 1e15),
    nodeMsFromDatasheet: round(nodeMs),
    peakTflops: cls.peakTflops.fp16,
    proofDepth: depth,
    k: K,
    oracleVerifyMs: round(verifyMs),
    oracleVerifyCpuMs: round(t.cpuMs),
    oracleKeyMsPerEpoch: round(key.buildMs),
    ratio: round(nodeMs / verifyMs),
    ratioCpu: round(nodeMs / t.cpuMs),
    // The key (B·s, |B||s|, |B||R| for n = 4096) serves every challenge of that size in the
    // epoch: every GPU node's, since all GPU classes get n = 4096.
    ratioWithKeyAmortizedOverOneNode: round(nodeMs / (verifyMs + key.buildMs / CHALLENGES_PER_EPOCH)),
    ratioWithKeyAmortizedOver100Nodes: round(nodeMs / (verifyMs + key.buildMs / (100 * CHALLENGES_PER_EPOCH))),
  };
}

async function infer() {
  try {
    const llm = await import("../llm");
    log("infer: measuring inference and verification with the embedded model...");
    const c = await llm.measureInferCosts({ batch: 32, repeats: 3 });
    log(`  infer ${c.inferMs.toFixed(1)} ms, verify ${c.verifyMs.toFixed(1)} ms (k=${c.k})`);
    return { batch: c.batch, promptLen: c.promptLen, k: c.k, inferMs: round(c.inferMs), verifyMs: round(c.verifyMs), verifyOverInfer: round(c.ratio), note: "engine/llm measureInferCosts, embedded model on CPU" };
  } catch (e) {
    log(`infer: not measured (${(e as Error).message})`);
    return { verifyOverInfer: null, note: `engine/llm unavailable: ${(e as Error).message}` };
  }
}

/** A forged run: rows with fake(i) are made up (consistent fingerprint, wrong row). */
function forge(run: GemmRun, fake: (i: number) => boolean) {
  const s = run.spec;
  const R = rMatrix(s.sharedSeed, s.n);
  const fk = streamKey(keccak256(stringToBytes("made up")), "rows");
  const fakeRow = (i: number) => fillMatrix(fk, 1, s.n, i).map((x) => x * 8);
  const fingerprints = run.fingerprints.slice();
  for (let i = 0; i < s.batch * s.n; i++) if (fake(i)) fingerprints.set(fingerprintRow(fakeRow(i), R), i * s.projCols);
  const leaves = fingerprintLeaves(s, fingerprints);
  return { ...run, fingerprints, leaves, root: bytesToHex(merkleRootBytes(leaves)), fakeRow };
}

/** Re-commitments a ground forgery tries at most before it gives up. */
const GRIND_TRIES = 1 << 16;

/**
 * The grinding forger of redteam/grind.ts, inlined (engine/ imports nothing above it): varies one
 * made-up fingerprint value, rehashing one Merkle path per try, until the draw it can compute
 * from public data (`chooseOpenings(spec, root, K)`) opens no made-up row.
 */
function grind(forged: ReturnType<typeof forge>, fake: (i: number) => boolean) {
  const s = forged.spec;
  const rows = s.batch * s.n;
  const target = Array.from({ length: rows }, (_, i) => i).find(fake);
  const missesAll = (root: Hex) => chooseOpenings(s, root, K).every((i) => !fake(i));
  if (target === undefined || missesAll(forged.root)) return { run: forged, tries: 1, found: missesAll(forged.root) };
  const m = s.projCols;
  const g = s.groupRows;
  const fp = forged.fingerprints.slice();
  const levels = merkleLevelsBytes(forged.leaves.slice());
  const j = Math.floor(target / g);
  const base = fp[target * m];
  let root = forged.root;
  let tries = 1;
  // Loop bound: GRIND_TRIES re-commitments.
  while (tries < GRIND_TRIES && !missesAll(root)) {
    tries++;
    fp[target * m] = base + tries / 4;
    root = bytesToHex(updateMerkleLeaf(levels, j, leafHashBytes(f32Bytes(fp.subarray(j * g * m, Math.min(rows, (j + 1) * g) * m)))));
  }
  return { run: { ...forged, fingerprints: fp, leaves: levels[0], root }, tries, found: missesAll(root) };
}

/**
 * The oracle's keyed draw as the engine can compute it: keccak256(secret ‖ root), a draw of the
 * root the node cannot compute. The oracle's is protocol/openings.ts (the member's opening key, the
 * challenge id and the root); for the node both are equally unpredictable.
 */
function keyedDraw(secret: Uint8Array, root: Hex): Hex {
  const input = new Uint8Array(64);
  input.set(secret, 0);
  input.set(Buffer.from(root.slice(2), "hex"), 32);
  return bytesToHex(keccak256Bytes(input));
}

async function detection() {
  const out: Record<string, unknown>[] = [];
  const secret = keccak256Bytes(new TextEncoder().encode("bench: a member's opening key"));
  const epochOpenings = K * CHALLENGES_PER_EPOCH;
  // Measured with the real verifier on forged runs (n=64, 4 matrices = 256 rows).
  const spec: GemmSpec = generateGemmChallenge(keccak256(stringToBytes("bench forge")), { n: 64, batch: 4, precision: "fp32" }, gemmSharedSeed(epoch, 64));
  const run = await runGemm(spec, { executionProviders: ["cpu"] });
  const key = prepareGemmVerifier(spec.sharedSeed, gemmSecretSeed(epoch, 64), 64);
  for (const f of [0.01, 0.1, 0.5]) {
    const trials = 300;
    let caught = 0;
    let groundCaught = 0;
    let rootOnlyCaught = 0;
    let found = 0;
    let tries = 0;
    for (let t = 0; t < trials; t++) {
      // A different fake set per trial: row i is faked when a seeded hash of (t, i) falls below f.
      const fk = streamKey(keccak256(stringToBytes(`fake set ${f} ${t}`)), "f");
      const fakeSet = new Set<number>();
      for (let i = 0; i < 256; i++) if (randomU32(fk, t, i) / 2 ** 32 < f) fakeSet.add(i);
      const fake = (i: number) => fakeSet.has(i);
      const forged = forge(run, fake);
      const idx = chooseOpenings(spec, forged.root, K);
      const openings = openGemm(forged, idx).map((o) => (fake(o.index) ? { ...o, row: forged.fakeRow(o.index) } : o));
      if (!verifyGemmOpenings(spec, forged.root, openings, key, { draw: forged.root, k: K }).ok) caught++;
      // The same forgery ground against the root-only draw, then drawn as the oracle draws.
      const g = grind(forged, fake);
      tries += g.tries;
      if (g.found) found++;
      const answer = (rows: number[]) => openGemm(g.run, rows).map((o) => (fake(o.index) ? { ...o, row: forged.fakeRow(o.index) } : o));
      const keyed = chooseOpenings(spec, keyedDraw(secret, g.run.root), K);
      if (!checkGemmOpenings(spec, g.run.root, answer(keyed), key, keyed).ok) groundCaught++;
      const rootOnly = chooseOpenings(spec, g.run.root, K);
      if (!checkGemmOpenings(spec, g.run.root, answer(rootOnly), key, rootOnly).ok) rootOnlyCaught++;
    }
    // Sampling-only Monte Carlo of whole epochs: 17 challenges of a 2^20-row tree, fake share f.
    const epochs = f === 0.01 ? 4000 : 2000;
    let epochCaught = 0;
    for (let e = 0; e < epochs; e++) {
      let hit = false;
      for (let c = 0; c < CHALLENGES_PER_EPOCH && !hit; c++) {
        const root = keccak256(stringToBytes(`epoch ${f} ${e} ${c}`));
        const big = { ...spec, batch: 1 << 14 };
        const fk = streamKey(root, "fakes");
        for (const i of chooseOpenings(big, root, K)) {
          // Row i is fake with probability f, independently of the draw.
          if (randomU32(fk, 0, i) / 2 ** 32 < f) hit = true;
        }
      }
      if (hit) epochCaught++;
    }
    const perChallenge = 1 - (1 - f) ** K;
    const perEpoch = 1 - (1 - f) ** epochOpenings;
    log(`f=${f}: per challenge computed ${perChallenge.toFixed(4)} measured ${(caught / trials).toFixed(4)} (${trials} forged runs); per epoch computed ${perEpoch.toPrecision(7)} measured ${(epochCaught / epochs).toFixed(4)} (${epochs} epochs)`);
    log(`  ground (mean ${(tries / trials).toFixed(1)} tries, ${found}/${trials} found a root the public draw misses): caught ${(groundCaught / trials).toFixed(4)} under the keyed draw, ${(rootOnlyCaught / trials).toFixed(4)} had the draw been the root alone`);
    out.push({
      fakeShare: f,
      perChallengeComputed: round(perChallenge, 6),
      perChallengeMeasured: round(caught / trials, 4),
      perChallengeTrials: trials,
      // The adversary who grinds: the same forgeries re-committed until the draw it can compute
      // misses every made-up row, then drawn with a key it cannot know (the oracle's rule).
      perChallengeMeasuredGround: round(groundCaught / trials, 4),
      perChallengeMeasuredGroundRootOnlyDraw: round(rootOnlyCaught / trials, 4),
      groundMeanTries: round(tries / trials, 1),
      groundFound: found,
      perEpochComputed: perEpoch,
      perEpochMeasured: round(epochCaught / epochs, 6),
      perEpochTrials: epochs,
      perEpochMissedComputed: (1 - f) ** epochOpenings,
    });
  }
  const bound = "a node that makes up a fraction f of a challenge's rows escapes it with probability (1-f)^k whatever the number of roots it tries: the openings are drawn from the member's secret opening key, the challenge id and the root (protocol/openings.ts), and a node gets the openings of one commitment only";
  log(`bound: ${bound}`);
  return { k: K, challengesPerEpoch: CHALLENGES_PER_EPOCH, openingsPerEpoch: epochOpenings, bound, cases: out };
}

async function main() {
  const t0 = performance.now();
  if (process.argv.includes("--h100-only")) {
    console.log(JSON.stringify({ bench: "verify", gemmH100: h100() }));
    return;
  }
  const cpu = await cpuSizes();
  const h = h100();
  const inf = await infer();
  const det = await detection();
  const result = {
    bench: "verify",
    host: "shared 2-core CPU, onnxruntime CPU provider; timings are noisy",
    gemmCpu: cpu,
    gemmH100: h,
    infer: inf,
    detection: det,
    targets: {
      h100VerifyRatioAtLeast1000Wall: h.ratio >= 1000,
      h100VerifyRatioAtLeast1000Cpu: h.ratioCpu >= 1000,
      fake10pctCaughtPerEpoch: 1 - 0.9 ** det.openingsPerEpoch,
      fake10pctMeetsOneMinus1e6: 0.9 ** det.openingsPerEpoch <= 1e-6,
    },
    totalSeconds: round((performance.now() - t0) / 1000),
  };
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
