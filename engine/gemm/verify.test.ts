import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, keccak256, stringToBytes, type Hex } from "viem";
import { merkleRootBytes } from "../merkle";
import { fillMatrix, streamKey } from "../prng";
import { aRow, computeRow, fingerprintLeaves, fingerprintRow, rMatrix } from "./data";
import { GemmError } from "./errors";
import { openGemm, runGemm, type GemmRun } from "./kernel";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge, type GemmSpec } from "./spec";
import { prepareGemmVerifier, secretVector } from "./verifier-key";
import { checkGemmOpenings, verifierARowDot, verifyGemmOpenings } from "./verify";

const epoch = keccak256(stringToBytes("gemm test epoch"));
const n = 128;
const shared = gemmSharedSeed(epoch, n);
const key = prepareGemmVerifier(shared, gemmSecretSeed(epoch, n), n);
const cpu = { executionProviders: ["cpu"] };

function spec(tag: string, batch = 4): GemmSpec {
  return generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch, precision: "fp32" }, shared);
}

/**
 * A cheating node: for the rows in `fake` it never computes C; it makes up a row (seeded noise)
 * and commits that row's fingerprint, so its answer is self-consistent but wrong. At opening
 * time it sends the made-up row.
 */
function forge(run: GemmRun, fake: (i: number) => boolean): GemmRun & { fakeRow: (i: number) => Float32Array } {
  const { spec: s } = run;
  const R = rMatrix(s.sharedSeed, s.n);
  const fakeKey = streamKey(keccak256(stringToBytes("made up")), "rows");
  const fakeRow = (i: number) => {
    const r = fillMatrix(fakeKey, 1, s.n, i);
    for (let j = 0; j < r.length; j++) r[j] *= 8; // about the magnitude of real rows
    return r;
  };
  const fingerprints = run.fingerprints.slice();
  for (let i = 0; i < s.batch * s.n; i++) if (fake(i)) fingerprints.set(fingerprintRow(fakeRow(i), R), i * s.projCols);
  const leaves = fingerprintLeaves(s, fingerprints);
  return { ...run, fingerprints, leaves, root: bytesToHex(merkleRootBytes(leaves)), fakeRow };
}

function openForged(run: ReturnType<typeof forge>, fake: (i: number) => boolean, indices: number[]) {
  return openGemm(run, indices).map((o) => (fake(o.index) ? { ...o, row: run.fakeRow(o.index) } : o));
}

test("honest work is accepted, and its rows are the exact products", async () => {
  const s = spec("honest", 6);
  const run = await runGemm(s, cpu);
  const idx = chooseOpenings(s, run.root, 16);
  const v = verifyGemmOpenings(s, run.root, openGemm(run, idx), key, { draw: run.root, k: 16 });
  assert.equal(v.ok, true, v.detail);
  assert.equal(v.evidence, null);
  // Freivalds is exact for honest rows: the sums never rounded.
  for (const c of v.checks) assert.equal(c.freivaldsRatio, 0);
  // A row equals A_i·B computed in float64 (exact inputs, exact sums).
  const B = fillMatrix(streamKey(shared, "poai.gemm.B"), n, n);
  const A0 = fillMatrix(streamKey(s.seed, "poai.gemm.A", 1), n, n);
  const row = computeRow(s, n + 3, B);
  for (let j = 0; j < n; j += 17) {
    let acc = 0;
    for (let l = 0; l < n; l++) acc += A0[3 * n + l] * B[l * n + j];
    assert.equal(row[j], acc);
  }
});

test("rejects a wrong row (made-up row with a consistent fingerprint) with evidence", async () => {
  const s = spec("wrong row");
  const run = await runGemm(s, cpu);
  const idx = chooseOpenings(s, run.root);
  // Fake exactly one row; the root changes with it, so try targets until the faked row is among
  // the 64 openings of the forged root (each attempt 1/8; bounded: 64 attempts).
  let verdict;
  for (let attempt = 0; attempt < 64 && !verdict; attempt++) {
    const target = (idx[0] + attempt * 37) % (s.batch * n);
    const fake = (i: number) => i === target;
    const forged = forge(run, fake);
    const open = chooseOpenings(s, forged.root, 64);
    if (!open.includes(target)) continue;
    verdict = verifyGemmOpenings(s, forged.root, openForged(forged, fake, open), key, { draw: forged.root, k: 64 });
  }
  assert.ok(verdict, "no forged root opened the faked row");
  assert.equal(verdict.ok, false);
  assert.equal(verdict.reason, "GemmRowMismatch");
  assert.match(verdict.evidence ?? "", /^0x[0-9a-f]{64}$/);
});

test("rejects an answer replayed from another seed", async () => {
  const old = await runGemm(spec("yesterday"), cpu);
  const s = spec("today");
  const idx = chooseOpenings(s, old.root);
  const v = verifyGemmOpenings(s, old.root, openGemm(old, idx), key, { draw: old.root });
  assert.equal(v.ok, false);
  assert.equal(v.reason, "GemmRowMismatch");
});

test("rejects openings that do not match the committed root", async () => {
  const s = spec("root mismatch");
  const run = await runGemm(s, cpu);
  const other = keccak256(stringToBytes("some other root"));
  // Openings of the real tree against another root.
  const v1 = verifyGemmOpenings(s, other, openGemm(run, chooseOpenings(s, other)), key, { draw: other });
  assert.equal(v1.reason, "GemmProofInvalid");
  // A fingerprint changed after the commitment.
  const open = openGemm(run, chooseOpenings(s, run.root));
  open[3] = { ...open[3], group: open[3].group.map((x, i) => (i === 0 ? x + 1 : x)) };
  assert.equal(verifyGemmOpenings(s, run.root, open, key, { draw: run.root }).reason, "GemmProofInvalid");
});

test("rejects a node that commits fingerprints without computing C, then computes opened rows", async () => {
  const s = spec("lazy");
  const run = await runGemm(s, cpu);
  // Linear shortcut: commit C·R = A·(B·R) (no relu), which costs O(n²) instead of O(n³).
  const R = rMatrix(shared, n);
  const fps = new Float32Array(run.fingerprints.length);
  for (let i = 0; i < s.batch * n; i++) {
    const row = computeRow(s, i, run.B); // stands in for A_i·(B·R); same values, no relu
    const acc = new Float64Array(4);
    for (let j = 0; j < n; j++) for (let c = 0; c < 4; c++) acc[c] += row[j] * R[j * 4 + c];
    fps.set(acc, i * 4);
  }
  const leaves = fingerprintLeaves(s, fps);
  const lazy = { ...run, fingerprints: fps, leaves, root: bytesToHex(merkleRootBytes(leaves)) };
  const v = verifyGemmOpenings(s, lazy.root, openGemm(lazy, chooseOpenings(s, lazy.root)), key, { draw: lazy.root });
  assert.equal(v.ok, false);
  assert.equal(v.reason, "GemmFingerprintMismatch");
});

test("rejects a node computing in a cheaper number format (B rounded to 4 significant bits)", async () => {
  const s = spec("fp8");
  const run = await runGemm(s, cpu);
  const round4 = (x: number) => {
    if (x === 0) return 0;
    const q = 2 ** (Math.floor(Math.log2(Math.abs(x))) - 3);
    return Math.round(x / q) * q;
  };
  const B8 = run.B.map(round4);
  const R = rMatrix(shared, n);
  const fps = new Float32Array(run.fingerprints.length);
  for (let i = 0; i < s.batch * n; i++) fps.set(fingerprintRow(computeRow(s, i, B8), R), i * 4);
  const leaves = fingerprintLeaves(s, fps);
  const cheap = { ...run, B: B8, fingerprints: fps, leaves, root: bytesToHex(merkleRootBytes(leaves)) };
  const v = verifyGemmOpenings(s, cheap.root, openGemm(cheap, chooseOpenings(s, cheap.root)), key, { draw: cheap.root });
  assert.equal(v.ok, false);
  assert.equal(v.reason, "GemmRowMismatch");
});

test("a forged fraction of rows is caught at the rate 1-(1-f)^k", async () => {
  const s = spec("forged fraction", 8);
  const run = await runGemm(s, cpu);
  const rows = s.batch * n;
  // Half the rows faked, k = 8: missed with probability 2^-8 per challenge. Over 24 forged
  // commitments (different fake sets), expect ~24 catches; allow at most 2 misses
  // (P(>2 misses) < 1e-4).
  let caught = 0;
  const trials = 24;
  for (let t = 0; t < trials; t++) {
    const fake = (i: number) => ((i * 2654435761 + t * 97) >>> 0) % 2 === 0;
    const forged = forge(run, fake);
    const v = verifyGemmOpenings(s, forged.root, openForged(forged, fake, chooseOpenings(s, forged.root)), key, { draw: forged.root });
    if (!v.ok) {
      caught++;
      assert.equal(v.reason, "GemmRowMismatch");
    }
  }
  assert.ok(caught >= trials - 2, `caught ${caught} of ${trials}`);
  // Every opened faked row is caught, never an honest one.
  const fake = (i: number) => i % 10 === 0;
  const forged = forge(run, fake);
  const idx = chooseOpenings(s, forged.root, 64);
  const v = verifyGemmOpenings(s, forged.root, openForged(forged, fake, idx), key, { draw: forged.root, k: 64 });
  const firstFake = idx.findIndex(fake);
  if (firstFake === -1) assert.equal(v.ok, true);
  else {
    assert.equal(v.ok, false);
    assert.equal(v.checks.length, firstFake + 1);
    assert.ok(v.checks.slice(0, firstFake).every((c) => c.ok));
  }
  assert.ok(rows > 0);
});

test("malformed openings are rejections with a reason, not throws", async () => {
  const s = spec("malformed");
  const run = await runGemm(s, cpu);
  const idx = chooseOpenings(s, run.root);
  const good = openGemm(run, idx);
  assert.equal(verifyGemmOpenings(s, run.root, good.slice(1), key, { draw: run.root }).reason, "GemmWrongOpeningSet");
  assert.equal(verifyGemmOpenings(s, run.root, [good[1], good[0], ...good.slice(2)], key, { draw: run.root }).reason, "GemmWrongOpeningSet");
  const nan = good.map((o, i) => (i === 2 ? { ...o, row: o.row.map((x, j) => (j === 0 ? NaN : x)) } : o));
  assert.equal(verifyGemmOpenings(s, run.root, nan, key, { draw: run.root }).reason, "GemmMalformedOpening");
  const short = good.map((o, i) => (i === 0 ? { ...o, row: o.row.subarray(1) } : o));
  assert.equal(verifyGemmOpenings(s, run.root, short, key, { draw: run.root }).reason, "GemmMalformedOpening");
  assert.equal(verifyGemmOpenings(s, "0x1234" as Hex, good, key, { draw: "0x1234" as Hex }).reason, "GemmMalformedOpening");
  assert.throws(() => verifyGemmOpenings(s, run.root, good, prepareGemmVerifier(gemmSharedSeed(keccak256(epoch), n), epoch, n), { draw: run.root }), GemmError);
});

test("an fp16-rated challenge runs with the default providers (CUDA, else CPU) and verifies within the fp16 output tolerance", async () => {
  const s = generateGemmChallenge(keccak256(stringToBytes("fp16")), { n, batch: 4, precision: "fp16" }, shared);
  const run = await runGemm(s);
  assert.ok(["cuda", "cpu"].includes(run.provider));
  const v = verifyGemmOpenings(s, run.root, openGemm(run, chooseOpenings(s, run.root, 16)), key, { draw: run.root, k: 16 });
  assert.equal(v.ok, true, v.detail);
  // fp16 rounding of C is an honest, bounded difference from the exact product: a made-up row
  // still fails.
  const fake = (i: number) => i % 3 === 0;
  const forged = forge(run, fake);
  const idx = chooseOpenings(s, forged.root, 16);
  assert.ok(idx.some(fake));
  assert.equal(verifyGemmOpenings(s, forged.root, openForged(forged, fake, idx), key, { draw: forged.root, k: 16 }).ok, false);
});



const n5 = 512;
const shared5 = gemmSharedSeed(epoch, n5);
const key5 = prepareGemmVerifier(shared5, gemmSecretSeed(epoch, n5), n5);

/** The next fp32 value away from zero: the smallest change fp32 can make to x. */
function nextUp32(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] += 1;
  return f[0];
}

/** The row with entry j replaced by `value`. */
function withEntry(row: Float32Array, j: number, value: number): Float32Array {
  const r = row.slice();
  r[j] = value;
  return r;
}

test("the secret Freivalds vector: every entry ±(256 + k)/512, never 0, both signs", () => {
  const s = secretVector(gemmSecretSeed(epoch, n5), n5);
  assert.equal(s.length, n5);
  for (const x of s) {
    assert.ok(Math.abs(x) >= 0.5 && Math.abs(x) < 1, `|s_j| = ${Math.abs(x)}`);
    assert.ok(Number.isInteger(x * 512));
  }
  assert.ok(s.some((x) => x < 0) && s.some((x) => x > 0));
  assert.deepEqual(key5.s, s);
});

for (const precision of ["fp32", "fp16"] as const) {
  test(`n = 512, ${precision}: honest answers pass exactly; one entry off by 0.5, by 1/64 of the row's typical entry, or by one fp32 unit is caught`, async () => {
    const s = generateGemmChallenge(keccak256(stringToBytes(`single entry ${precision}`)), { n: n5, batch: 2, precision }, shared5);
    const runs = precision === "fp32" ? [await runGemm(s, { ...cpu, intraOpNumThreads: 1 }), await runGemm(s, { ...cpu, intraOpNumThreads: 2 })] : [await runGemm(s, cpu)];
    for (const run of runs) {
      const v = verifyGemmOpenings(s, run.root, openGemm(run, chooseOpenings(s, run.root, 8)), key5, { draw: run.root, k: 8 });
      assert.equal(v.ok, true, v.detail);
      for (const c of v.checks) assert.equal(c.freivaldsRatio, 0); // exact rows, exact sums
    }
    const run = runs[0];
    const idx = chooseOpenings(s, run.root, 8);
    const honest = openGemm(run, idx);
    const R = rMatrix(shared5, n5);
    let cases = 0;
    for (let q = 0; q < honest.length; q++) {
      const o = honest[q];
      const rms = Math.sqrt(o.row.reduce((a, x) => a + x * x, 0) / n5);
      // Three entries per row: the largest, the smallest nonzero in magnitude, and one drawn by
      // position. Each gets three errors.
      let big = 0;
      let small = 0;
      for (let j = 0; j < n5; j++) {
        if (Math.abs(o.row[j]) > Math.abs(o.row[big])) big = j;
        if (o.row[j] !== 0 && (o.row[small] === 0 || Math.abs(o.row[j]) < Math.abs(o.row[small]))) small = j;
      }
      for (const j of [big, small, (o.index * 131) % n5]) {
        const x = o.row[j];
        const wrongs = [Math.fround(x + 0.5), Math.fround(x + rms / 64), nextUp32(x)];
        for (const wrong of wrongs) {
          assert.notEqual(wrong, x);
          const row = withEntry(o.row, j, wrong);
          // (a) Only the opened row is wrong: the committed fingerprint is the honest one.
          const open = honest.map((h, i) => (i === q ? { ...h, row } : h));
          const va = verifyGemmOpenings(s, run.root, open, key5, { draw: run.root, k: 8 });
          assert.equal(va.ok, false, `row ${o.index} entry ${j}: ${x} -> ${wrong} passed`);
          assert.equal(va.reason, "GemmRowMismatch");
          assert.equal(va.checks.length, q + 1);
          // (b) A self-consistent cheater: the fingerprint committed is that of the wrong row.
          const fps = run.fingerprints.slice();
          fps.set(fingerprintRow(row, R), o.index * s.projCols);
          const leaves = fingerprintLeaves(s, fps);
          const forged = { ...run, fingerprints: fps, leaves, root: bytesToHex(merkleRootBytes(leaves)) };
          const ob = { ...openGemm(forged, [o.index])[0], row };
          const vb = checkGemmOpenings(s, forged.root, [ob], key5, [o.index]);
          assert.equal(vb.ok, false, `consistent cheat, row ${o.index} entry ${j}: ${x} -> ${wrong} passed`);
          assert.equal(vb.reason, "GemmRowMismatch");
          assert.ok(vb.checks[0].fingerprintRatio <= 1); // its fingerprint does match its row
          cases++;
        }
      }
    }
    assert.equal(cases, 8 * 3 * 3);
  });
}

test("n = 512: the worst-case tolerance (aggregated γ_n bound) lets one entry off by 0.5 through; the default does not", async () => {
  const s = generateGemmChallenge(keccak256(stringToBytes("worst case bound")), { n: n5, batch: 1, precision: "fp32" }, shared5);
  const run = await runGemm(s, cpu);
  const idx = chooseOpenings(s, run.root, 8);
  const open = openGemm(run, idx).map((o, i) => (i === 0 ? { ...o, row: withEntry(o.row, 7, o.row[7] + 0.5) } : o));
  const loose = verifyGemmOpenings(s, run.root, open, key5, { draw: run.root, k: 8, tolerance: "worst-case" });
  assert.equal(loose.ok, true, loose.detail);
  assert.ok(loose.checks[0].freivaldsRatio > 0 && loose.checks[0].freivaldsRatio < 1);
  const tight = verifyGemmOpenings(s, run.root, open, key5, { draw: run.root, k: 8 });
  assert.equal(tight.ok, false);
  assert.equal(tight.reason, "GemmRowMismatch");
});

test("the verifier's on-the-fly A rows are aRow's, entry for entry", () => {
  // Unit vectors read single entries; several seeds, matrices and rows (incl. the last).
  for (const tag of ["a rows 1", "a rows 2", "a rows 3"]) {
    const s = spec(tag, 3);
    for (const [t, r] of [[0, 0], [1, 77], [2, n - 1]]) {
      const a = aRow(s, t, r);
      const e = new Float64Array(n);
      for (let l = 0; l < n; l++) {
        e.fill(0);
        e[l] = 1;
        assert.equal(verifierARowDot(s, t, r, e), a[l], `${tag} t=${t} r=${r} l=${l}`);
      }
      const w = Float64Array.from({ length: n }, (_, l) => (l % 7) - 3);
      assert.equal(verifierARowDot(s, t, r, w), a.reduce((acc, x, l) => acc + x * w[l], 0));
    }
  }
});

test("proofs shared between openings: same answers as checking each proof alone", async () => {
  const s = spec("shared proofs");
  const run = await runGemm(s, cpu);
  const g = s.groupRows;
  // Rows 0 and 1 share a leaf; rows 0 and g sit in sibling leaves; rows 0 and 3g share the top.
  for (const second of [1, g, 3 * g]) {
    const expected = [0, second];
    const honest = openGemm(run, expected);
    assert.equal(checkGemmOpenings(s, run.root, honest, key, expected).ok, true, `rows 0, ${second}`);
    // The second proof starts on a verified path but ends on another sibling: rejected, as alone.
    const proof = [...honest[1].proof];
    proof[proof.length - 1] = keccak256(stringToBytes(`not the sibling ${second}`));
    const tampered = [honest[0], { ...honest[1], proof }];
    assert.equal(checkGemmOpenings(s, run.root, tampered, key, expected).reason, "GemmProofInvalid", `rows 0, ${second}: tail`);
    // A proof one sibling longer than the verified one: rejected.
    const longer = [honest[0], { ...honest[1], proof: [...honest[1].proof, honest[1].proof[0]] }];
    assert.equal(checkGemmOpenings(s, run.root, longer, key, expected).reason, "GemmProofInvalid", `rows 0, ${second}: longer`);
    // The same proof under a wrong first opening: the second is then checked on its own.
    const badFirst = [{ ...honest[0], proof: [keccak256(stringToBytes("x")), ...honest[0].proof.slice(1)] }, honest[1]];
    assert.equal(checkGemmOpenings(s, run.root, badFirst, key, expected).reason, "GemmProofInvalid", `rows 0, ${second}: first`);
  }
});

test("the verifier's ratios are the plain formulas' (straight loops over the key's vectors), bit for bit", async () => {
  const s = spec("reference ratios");
  const run = await runGemm(s, cpu);
  const idx = chooseOpenings(s, run.root, 8);
  const honest = openGemm(run, idx);
  // One opening made wrong in one entry, one with a negative entry made positive.
  const tampered = honest.map((o, q) => (q === 0 ? { ...o, row: o.row.map((x, j) => (j === 5 ? x + 1 / 64 : x)) } : o));
  const u = 2 ** -24;
  for (const mode of ["probabilistic", "worst-case"] as const) {
    for (const open of [honest, tampered]) {
      const v = checkGemmOpenings(s, run.root, open, key, idx, { tolerance: mode });
      for (const c of v.checks) {
        const o = open.find((x) => x.index === c.index)!;
        const row = o.row;
        const th = mode === "worst-case" ? (n * u) / (1 - n * u) : 10 * Math.sqrt(n) * u;
        const a = aRow(s, Math.floor(c.index / n), c.index % n);
        let fp = 0;
        for (let col = 0; col < 4; col++) {
          let dot = 0, mag = 0, all = 0, abr = 0;
          for (let j = 0; j < n; j++) {
            const r = key.R[j * 4 + col];
            if (row[j] > 0) {
              dot += row[j] * r;
              mag += row[j] * Math.abs(r);
            }
            all += Math.abs(row[j]) * Math.abs(r);
          }
          for (let l = 0; l < n; l++) abr += Math.abs(a[l]) * key.absBR[l * 4 + col];
          const committed = o.group[(c.index % s.groupRows) * 4 + col];
          const tol = th * mag + u * Math.abs(committed) + (mode === "worst-case" ? th : 0) * abr + u * all + 2 ** -40 * (mag + 1);
          fp = Math.max(fp, Math.abs(committed - dot) / tol);
        }
        assert.equal(c.fingerprintRatio, fp, `${mode} row ${c.index}: fingerprint ratio`);
        let lhs = 0, lhsMag = 0, big = 0, rhs = 0, bound = 0;
        for (let j = 0; j < n; j++) {
          lhs += row[j] * key.s[j];
          lhsMag += Math.abs(row[j]) * Math.abs(key.s[j]);
          if (Math.abs(row[j]) >= 256) big += Math.abs(row[j]) * Math.abs(key.s[j]);
        }
        for (let l = 0; l < n; l++) {
          rhs += a[l] * key.Bs[l];
          bound += Math.abs(a[l]) * key.absBs[l];
        }
        const fTol = mode === "worst-case" ? th * bound + u * lhsMag + 2 ** -40 * (bound + 1) : u * big;
        const diff = Math.abs(lhs - rhs);
        assert.equal(c.freivaldsRatio, diff === 0 ? 0 : diff / fTol, `${mode} row ${c.index}: Freivalds ratio`);
      }
      // The worst-case tolerance lets an entry off by 1/64 through (see the test above); the default does not.
      assert.equal(v.ok, open === honest || mode === "worst-case", `${mode}: verdict`);
      assert.ok(v.checks.length >= 1);
    }
  }
});
