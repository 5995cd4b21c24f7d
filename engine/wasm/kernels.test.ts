import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, concat, keccak256 } from "viem";
import { assemble, WasmAsmError } from "./asm";
import { hashPairWasm, keccak256Wasm, kernelModuleBytes, kernels, leafHashWasm, LAYOUT } from "./kernels";
import { keccak256BytesJs } from "../keccak";
import { fillMatrix, streamKey } from "../prng";

const { IO, IO_BYTES, OUT, OUT_A, ROW, KEYS, HEX_IN } = LAYOUT;

/** xorshift32 bytes, deterministic. */
function bytesGen(seed: number) {
  let x = seed >>> 0 || 1;
  return (len: number) =>
    new Uint8Array(len).map(() => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 0xff;
    });
}

test("the assembler: LEB encodings, unknown names are named errors, the module validates and is deterministic", () => {
  const bytes = assemble({
    memoryPages: 1,
    maxMemoryPages: 1,
    funcs: [
      { name: "$c32", params: [], result: "i32", locals: [], body: "i32.const -123456789" },
      { name: "$c64", params: [], result: "i64", locals: [], body: "i64.const 0x8000000000000001" },
      { name: "$f", params: [["$x", "f64"]], result: "f64", locals: [], body: "local.get $x f64.const -0.25 f64.mul" },
    ],
  });
  const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as { c32(): number; c64(): bigint; f(x: number): number };
  assert.equal(e.c32(), -123456789);
  assert.equal(e.c64(), -0x7fffffffffffffffn);
  assert.equal(e.f(3), -0.75);
  const bad = (body: string) => () => assemble({ memoryPages: 1, maxMemoryPages: 1, funcs: [{ name: "$g", params: [], locals: [], body }] });
  assert.throws(bad("i32.frobnicate"), WasmAsmError);
  assert.throws(bad("local.get $nope drop"), WasmAsmError);
  assert.throws(bad("br $nowhere"), WasmAsmError);
  assert.throws(bad("block"), WasmAsmError);
  assert.throws(bad("i32.const 1"), WasmAsmError); // leaves a value: does not validate
  assert.deepEqual(kernelModuleBytes(), kernelModuleBytes());
});

test("keccak256 kernel: viem's on every length 0..700, across the IO area's size and on long inputs (JS twin too)", () => {
  const gen = bytesGen(7);
  for (let len = 0; len <= 700; len++) {
    const d = gen(len);
    const want = keccak256(d);
    assert.equal(bytesToHex(keccak256Wasm(d)), want, `length ${len}`);
    assert.equal(bytesToHex(keccak256BytesJs(d)), want, `JS, length ${len}`);
  }
  for (const len of [IO_BYTES - 1, IO_BYTES, IO_BYTES + 1, IO_BYTES + 136, 3 * IO_BYTES + 77, 200_003]) {
    const d = gen(len);
    assert.equal(bytesToHex(keccak256Wasm(d)), keccak256(d), `length ${len}`);
  }
});

test("leaf and pair kernels: keccak(keccak(data)) and keccak(min ‖ max) (big-endian order), whatever the words", () => {
  const gen = bytesGen(11);
  for (let i = 0; i < 300; i++) {
    const d = gen(i % 700);
    assert.equal(bytesToHex(leafHashWasm(d)), keccak256(keccak256(d)));
    const a = gen(32);
    const b = i % 3 === 0 ? a.slice() : gen(32);
    if (i % 5 === 1) b.set(a.subarray(0, 31)); // differ in the last byte only
    const [lo, hi] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [a, b] : [b, a];
    assert.equal(bytesToHex(hashPairWasm(a, b)), keccak256(concat([lo, hi])));
    assert.equal(bytesToHex(hashPairWasm(b, a)), keccak256(concat([lo, hi])));
  }
  const long = gen(IO_BYTES + 5);
  assert.equal(bytesToHex(leafHashWasm(long)), keccak256(keccak256(long)));
});

test("hex kernel: 0x/0X and digits of either case decode; anything else is refused", () => {
  const k = kernels();
  const mem = new Uint8Array(k.memory.buffer);
  const put = (s: string) => {
    for (let i = 0; i < s.length; i++) mem[HEX_IN + i] = s.charCodeAt(i) & 0xff;
  };
  const word = "0x" + "0123456789abcdefABCDEF".repeat(3).slice(0, 64);
  put(word + word.replace("0x", "0X"));
  assert.equal(k.hex_decode(HEX_IN, IO, 2), 1);
  const want = Buffer.from(word.slice(2), "hex");
  assert.deepEqual(Buffer.from(mem.subarray(IO, IO + 32)), want);
  assert.deepEqual(Buffer.from(mem.subarray(IO + 32, IO + 64)), want);
  for (const bad of ["1x", "0y", "0x" + "g", "0x" + " ", "0x" + ":", "0x" + "@", "0x" + "G", "0x" + "`"]) {
    put((bad + "0".repeat(66)).slice(0, 66));
    assert.equal(k.hex_decode(HEX_IN, IO, 1), 0, bad);
  }
  put(word.slice(0, 65) + "z");
  assert.equal(k.hex_decode(HEX_IN, IO, 1), 0, "last digit");
});

/** The row pass as straight loops (the verifier's former JavaScript). */
function rowSumsRef(row: Float32Array, R: Float64Array, s: Float64Array) {
  const n = row.length;
  const dot = [0, 0, 0, 0], mag = [0, 0, 0, 0], all = [0, 0, 0, 0];
  let lhsE = 0, lhsO = 0, bigE = 0, bigO = 0;
  for (let j = 0; j < n; j++) {
    const v = row[j];
    for (let c = 0; c < 4; c++) {
      if (v > 0) {
        dot[c] += v * R[j * 4 + c];
        mag[c] += v * Math.abs(R[j * 4 + c]);
      }
      all[c] += Math.abs(v) * Math.abs(R[j * 4 + c]);
    }
    if (j % 2 === 0) lhsE += v * s[j];
    else lhsO += v * s[j];
    if (Math.abs(v) >= 256) {
      if (j % 2 === 0) bigE += Math.abs(v) * Math.abs(s[j]);
      else bigO += Math.abs(v) * Math.abs(s[j]);
    }
  }
  return [...dot, ...mag, ...all, lhsE + lhsO, 0, 0, bigE + bigO];
}

/** The kernel's row table (gemm/verify.ts verifierTables' layout). */
function rowTable(R: Float64Array, s: Float64Array): Float64Array {
  const n = s.length;
  const t = new Float64Array(n * 10);
  for (let j = 0; j < n; j++) {
    const p = (j >> 1) * 20 + (j & 1) * 8;
    for (let c = 0; c < 4; c++) {
      t[p + c] = R[j * 4 + c];
      t[p + 4 + c] = Math.abs(R[j * 4 + c]);
    }
    t[(j >> 1) * 20 + 16 + (j & 1)] = s[j];
    t[(j >> 1) * 20 + 18 + (j & 1)] = Math.abs(s[j]);
  }
  return t;
}

test("row kernel: the straight loops' sums (bit for bit on grid rows, to 1e-12 off the grid); non-finite rows flagged", () => {
  const k = kernels();
  const f32 = new Float32Array(k.memory.buffer);
  const f64 = new Float64Array(k.memory.buffer);
  const key = streamKey(keccak256(new TextEncoder().encode("row kernel")), "t");
  for (const n of [64, 512, 4096]) {
    const R = Float64Array.from(fillMatrix(key, n, 4, 0));
    const s = Float64Array.from(fillMatrix(key, 1, n, 9999), (x) => (x < 0 ? x - 0.5 : x + 0.5));
    f64.set(rowTable(R, s), KEYS / 8);
    for (const kind of ["grid", "big", "off-grid"] as const) {
      // Rows like C's (k/256 products summed): multiples of 2^-16; "big" has entries past 2^8.
      const row = fillMatrix(key, 1, n, 100 + n).map((x, j) => (kind === "off-grid" ? x * Math.PI * 40 : x * 64 + (j % 97) / 65536 + (kind === "big" && j % 50 === 0 ? 300 : 0)));
      f32.set(row, ROW / 4);
      k.row_sums(ROW, KEYS, n, OUT);
      const got = Array.from(f64.subarray(OUT / 8, OUT / 8 + 16));
      const want = rowSumsRef(row, R, s);
      for (let i = 0; i < 16; i++) {
        if (i === 14) continue;
        if (kind === "off-grid") assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (Math.abs(want[i]) + 1), `n=${n} ${kind} [${i}]`);
        else assert.equal(got[i], want[i], `n=${n} ${kind} [${i}]`);
      }
      assert.ok(got[14] === 0, "finite row: ±0");
      if (kind === "big") assert.ok(got[15] > 0);
    }
    for (const bad of [NaN, Infinity, -Infinity]) {
      const row = new Float32Array(n).fill(1);
      row[n - 3] = bad;
      f32.set(row, ROW / 4);
      k.row_sums(ROW, KEYS, n, OUT);
      assert.ok(Number.isNaN(f64[OUT / 8 + 14]), `${bad}`);
    }
  }
});

test("A kernels: the generator's entries (prng.ts fillMatrix) and their exact sums against B·s and the bounds", () => {
  const k = kernels();
  const f64 = new Float64Array(k.memory.buffer);
  for (const tag of ["a 1", "a 2"]) {
    const key = streamKey(keccak256(new TextEncoder().encode(tag)), "poai.gemm.A", 3);
    for (const n of [64, 1024, 4096]) {
      for (const r of [0, 1, 77, n - 1]) {
        const a = fillMatrix(key, 1, n, r);
        k.a_row(key[0], key[1], key[2], key[3], r, n, IO);
        assert.deepEqual(Array.from(f64.subarray(IO / 8, IO / 8 + n)), Array.from(a), `${tag} n=${n} r=${r}`);
        // B·s-like vector (multiples of 2^-17) and bounds; the sums are exact, so any order agrees.
        const bs = Float64Array.from({ length: n }, (_, l) => (((l * 7919) % 1000) - 500) / 131072);
        const absBs = bs.map((x) => Math.abs(x) * 3);
        const absBR = Float64Array.from({ length: 4 * n }, (_, i) => ((i * 31) % 500) / 65536);
        f64.set(bs, KEYS / 8);
        const bounds = new Float64Array(5 * n);
        for (let l = 0; l < n; l++) {
          const q = (l >> 2) * 20 + (l & 3);
          bounds[q] = absBs[l];
          for (let c = 0; c < 4; c++) bounds[q + 4 + 4 * c] = absBR[l * 4 + c];
        }
        f64.set(bounds, KEYS / 8 + n);
        let rhs = 0, bound = 0;
        const abr = [0, 0, 0, 0];
        for (let l = 0; l < n; l++) {
          rhs += a[l] * bs[l];
          bound += Math.abs(a[l]) * absBs[l];
          for (let c = 0; c < 4; c++) abr[c] += Math.abs(a[l]) * absBR[l * 4 + c];
        }
        k.a_dot(key[0], key[1], key[2], key[3], r, KEYS, n, OUT_A);
        assert.equal(f64[OUT_A / 8 + 4], rhs);
        k.a_sums_bounds(key[0], key[1], key[2], key[3], r, KEYS, KEYS + 8 * n, n, OUT_A);
        assert.deepEqual(Array.from(f64.subarray(OUT_A / 8, OUT_A / 8 + 6)), [...abr, rhs, bound]);
      }
    }
  }
});
