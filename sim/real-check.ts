/**
 * Cross-checks the simulator's model of the openings against the real engine. On small gemm
 * instances the node's side runs for real (engine/gemm/kernel.ts runGemm through onnxruntime), a
 * forger replaces a share of the rows with made-up rows whose committed fingerprints are
 * consistent with them (the best a forger can do without the product), a replayer presents the
 * answer to another seed, and the oracle's side runs the real chooseOpenings and
 * verifyGemmOpenings. The engine's rejection rate must match the hypergeometric probability the
 * simulator draws from, and an honest answer must never be rejected.
 */
import { encodeAbiParameters, keccak256, bytesToHex, type Hex } from "viem";
import { chooseOpenings, gemmRows, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge } from "../engine/gemm/spec";
import { fingerprintLeaves, fingerprintRow, rMatrix } from "../engine/gemm/data";
import { openGemm, runGemm, type GemmRun } from "../engine/gemm/kernel";
import { prepareGemmVerifier } from "../engine/gemm/verifier-key";
import { verifyGemmOpenings } from "../engine/gemm/verify";
import { merkleRootBytes } from "../engine/merkle";
import { MATRIX_SCALE } from "../engine/prng";
import { SimError } from "./errors";
import { Rng, Stream } from "./rng";
import { forgedRows, probCaught } from "./sampling";

/** Most instances one cross-check runs (each is a real onnxruntime session). */
export const MAX_CROSS_CHECKS = 2000;

export type CheckMode = { kind: "forge"; fraction: number } | { kind: "replay" };

export interface CrossCheckRow {
  mode: string;
  instances: number;
  openings: number;
  rows: number;
  /** Instances the engine's verifier rejected. */
  engineRejected: number;
  /** Sum over instances of the model's catch probability (hypergeometric). */
  modelExpected: number;
  /** Reasons the engine gave. */
  reasons: Record<string, number>;
}

function seedOf(...words: number[]): Hex {
  return keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256[]" }], ["poai.sim.realcheck", words.map(BigInt)]));
}

/** Replaces `m` rows of an honest run with made-up rows and consistent fingerprints. */
function forge(run: GemmRun, m: number, rng: Rng): { run: GemmRun; fake: Map<number, Float32Array> } {
  const { spec } = run;
  const rows = gemmRows(spec);
  const R = rMatrix(spec.sharedSeed, spec.n, spec.projCols);
  const fingerprints = run.fingerprints.slice();
  const fake = new Map<number, Float32Array>();
  // m distinct rows (partial Fisher-Yates over the row indices).
  const idx = Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.below(rows - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
    const row = new Float32Array(spec.n);
    for (let c = 0; c < spec.n; c++) row[c] = (rng.below(2 * MATRIX_SCALE) - MATRIX_SCALE) / 8; // plausible magnitudes
    fake.set(idx[i], row);
    fingerprints.set(fingerprintRow(row, R, spec.projCols), idx[i] * spec.projCols);
  }
  const leaves = fingerprintLeaves(spec, fingerprints);
  return { run: { ...run, fingerprints, leaves, root: bytesToHex(merkleRootBytes(leaves)) }, fake };
}

/**
 * Runs `perMode` real instances of each mode (n x n products, `batch` of them) and verifies
 * them with `openings` openings each.
 */
export async function crossCheck(opts: { seed: number; modes: CheckMode[]; perMode: number; openings: number; n?: number; batch?: number }): Promise<CrossCheckRow[]> {
  const n = opts.n ?? 64;
  const batch = opts.batch ?? 8;
  if (opts.modes.length * opts.perMode > MAX_CROSS_CHECKS) throw new SimError("SimCrossCheckTooLarge", `more than ${MAX_CROSS_CHECKS} instances`);
  const epochSeed = seedOf(opts.seed);
  const shared = gemmSharedSeed(epochSeed, n);
  const key = prepareGemmVerifier(shared, gemmSecretSeed(epochSeed, n), n);
  const out: CrossCheckRow[] = [];
  for (const [mi, mode] of opts.modes.entries()) {
    const row: CrossCheckRow = {
      mode: mode.kind === "replay" ? "replay" : `forge ${+(100 * mode.fraction).toFixed(2)}%`,
      instances: 0,
      openings: opts.openings,
      rows: n * batch,
      engineRejected: 0,
      modelExpected: 0,
      reasons: {},
    };
    for (let i = 0; i < opts.perMode; i++) {
      const rng = new Rng(opts.seed, Stream.behaviour, mi, i);
      const spec = generateGemmChallenge(seedOf(opts.seed, mi, i), { n, batch, precision: "fp16" }, shared);
      const k = Math.min(opts.openings, gemmRows(spec));
      let answer: GemmRun;
      let replayed: GemmRun | null = null;
      let fake = new Map<number, Float32Array>();
      let m: number;
      if (mode.kind === "replay") {
        // The answer to another challenge of the same size, presented for this one.
        const other = generateGemmChallenge(seedOf(opts.seed, mi, i, 1), { n, batch, precision: "fp16" }, shared);
        const prior = await runGemm(other, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
        answer = { ...prior, spec };
        replayed = prior;
        m = gemmRows(spec); // every row belongs to another A
      } else {
        const honest = await runGemm(spec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
        m = forgedRows(gemmRows(spec), mode.fraction);
        ({ run: answer, fake } = forge(honest, m, rng));
      }
      const indices = chooseOpenings(spec, answer.root, k);
      // A replayer opens the other challenge's rows (its tree); a forger its made-up rows.
      const openings = replayed
        ? openGemm(replayed, indices)
        : openGemm(answer, indices).map((o) => (fake.has(o.index) ? { ...o, row: fake.get(o.index)! } : o));
      const verdict = verifyGemmOpenings(spec, answer.root, openings, key, { draw: answer.root, k });
      row.instances++;
      if (!verdict.ok) {
        row.engineRejected++;
        row.reasons[verdict.reason ?? "?"] = (row.reasons[verdict.reason ?? "?"] ?? 0) + 1;
      }
      row.modelExpected += probCaught(gemmRows(spec), m, k);
    }
    out.push(row);
  }
  return out;
}
