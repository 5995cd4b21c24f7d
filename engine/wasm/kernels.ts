/**
 * The engine's hot kernels in WebAssembly, assembled at load time by wasm/asm.ts (no binary in
 * git) and instantiated synchronously (Node; the dApp never imports this file):
 *
 * - keccak-f[1600] on native 64-bit lanes and keccak256 over it (the oracle hashes a leaf of
 *   every opened group and a proof of ~20 siblings per opening; the JS version in keccak.ts
 *   works on 32-bit halves and costs ~2.7 µs per permutation here, this one ~0.5 µs);
 * - the gemm verifier's two passes per opened row (gemm/verify.ts): the opened row against the key's
 *   row table, and A's row regenerated from the counter-based generator (prng.ts) against B·s,
 *   both two or four lanes at a time with 128-bit SIMD.
 *
 * Every function is checked against its JavaScript twin in wasm/kernels.test.ts (keccak256
 * against viem's, the sums against straight loops, A's entries against prng.ts fillMatrix).
 *
 * Memory (one instance per process, fixed size, never grown):
 *   [0, 4096)             keccak state, round constants, padding block, pair buffer, outputs;
 *   [IO, IO + IO_BYTES)    input of keccak256 (longer inputs are absorbed in chunks of it);
 *   [ROW, ROW + 16 KiB)   the opened row (float32, n <= 4096);
 *   [PATHS, ...)          Merkle paths of a challenge's openings, then the hex text of one proof;
 *   [KEYS, ...)           KEY_SLOTS slots of a verifier key's tables (KEY_SLOT_BYTES each).
 */
import { assemble, type WasmFunc } from "./asm";

/** WebAssembly is part of every Node release the engine supports; the JS paths cover the rest. */
export const HAS_WASM = typeof WebAssembly === "object";

const STATE = 64;
const RC_ADDR = 320;
const PAD = 512;
const PAIR = 768;
const TMP = 896;
/** 16 float64 results of a kernel. */
export const OUT = 1024;
/** A keccak256 digest written by the JS wrappers below. */
export const DIGEST = 1152;
/** The two words of a pair hashed by hashPairWasm. */
const PAIR_IN = 1216;
/** 6 float64 results of the A pass (apart from OUT, so both passes' results can be read together). */
export const OUT_A = 1280;
/** Hex digit values of the 256 byte values (255: not a hex digit). */
const HEX_TABLE = 1536;
export const IO = 4096;
export const IO_BYTES = 65536;
export const ROW = IO + IO_BYTES;
/** Largest n of a gemm row or key table (GEMM_MAX_N). */
export const KERNEL_MAX_N = 4096;
/**
 * Merkle paths of the openings of one challenge: PATH_SLOTS kept slots and one scratch slot,
 * each the siblings (24 words) and the nodes from leaf to root (25 words) of one opening; then
 * the root word.
 */
export const PATHS = ROW + 4 * KERNEL_MAX_N;
export const PATH_SLOTS = 32;
export const PATH_MAX = 24;
export const PATH_SIBS = 0;
export const PATH_NODES = 32 * PATH_MAX;
export const PATH_SLOT_BYTES = PATH_NODES + 32 * (PATH_MAX + 1);
export const PATH_ROOT = PATHS + (PATH_SLOTS + 1) * PATH_SLOT_BYTES;
/** Staging area of the hex text of one proof (PATH_MAX records of 66 ASCII bytes). */
export const HEX_IN = PATH_ROOT + 32;
export const KEYS = HEX_IN + 66 * PATH_MAX + 64;
/** Bytes of one key slot: row table 80 n, B·s 8 n, bounds table 40 n. */
export const KEY_SLOT_BYTES = 128 * KERNEL_MAX_N;
export const KEY_SLOTS = 4;
const PAGES = Math.ceil((KEYS + KEY_SLOTS * KEY_SLOT_BYTES) / 65536);

/**
 * The layout above as one object: importers destructure it into module constants once (an
 * imported binding compiled to CommonJS is a getter call on every read, which shows in hot loops).
 */
export const LAYOUT = Object.freeze({
  OUT, OUT_A, DIGEST, IO, IO_BYTES, ROW, KERNEL_MAX_N, PATHS, PATH_SLOTS, PATH_MAX, PATH_SIBS, PATH_NODES,
  PATH_SLOT_BYTES, PATH_ROOT, HEX_IN, KEYS, KEY_SLOT_BYTES, KEY_SLOTS,
});

const RATE = 136;

/** keccak-f round constants as 64-bit values (FIPS 202). */
const RC = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n, 0x000000000000808bn, 0x0000000080000001n,
  0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n,
  0x000000000000800an, 0x800000008000000an, 0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];

/** rho offsets r[x][y] of lane x + 5y (FIPS 202). */
const RHO = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];

/** keccak-f[1600] on the state at STATE: lanes in locals, 24 rounds of theta, rho+pi, chi, iota. */
function keccakF(): WasmFunc {
  const locals: [string, "i64" | "i32"][] = [];
  for (let i = 0; i < 25; i++) locals.push([`$a${i}`, "i64"]);
  for (let i = 0; i < 25; i++) locals.push([`$b${i}`, "i64"]);
  for (let i = 0; i < 5; i++) locals.push([`$c${i}`, "i64"]);
  locals.push(["$d", "i64"], ["$r", "i32"]);
  const L: string[] = [];
  for (let i = 0; i < 25; i++) L.push(`i32.const 0 i64.load offset=${STATE + 8 * i} local.set $a${i}`);
  L.push("i32.const 0 local.set $r", "loop $round");
  // theta
  for (let x = 0; x < 5; x++) {
    L.push(`local.get $a${x} local.get $a${x + 5} i64.xor local.get $a${x + 10} i64.xor local.get $a${x + 15} i64.xor local.get $a${x + 20} i64.xor local.set $c${x}`);
  }
  for (let x = 0; x < 5; x++) {
    L.push(`local.get $c${(x + 4) % 5} local.get $c${(x + 1) % 5} i64.const 1 i64.rotl i64.xor local.set $d`);
    for (let y = 0; y < 5; y++) L.push(`local.get $a${x + 5 * y} local.get $d i64.xor local.set $a${x + 5 * y}`);
  }
  // rho and pi: B[y, 2x + 3y] = rotl(A[x, y], r[x][y])
  for (let x = 0; x < 5; x++) {
    for (let y = 0; y < 5; y++) {
      const to = y + 5 * ((2 * x + 3 * y) % 5);
      const rot = RHO[x][y];
      L.push(rot === 0 ? `local.get $a${x + 5 * y} local.set $b${to}` : `local.get $a${x + 5 * y} i64.const ${rot} i64.rotl local.set $b${to}`);
    }
  }
  // chi
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const b = (q: number) => `$b${((x + q) % 5) + 5 * y}`;
      L.push(`local.get ${b(0)} local.get ${b(1)} i64.const -1 i64.xor local.get ${b(2)} i64.and i64.xor local.set $a${x + 5 * y}`);
    }
  }
  // iota
  L.push(`local.get $a0 local.get $r i32.const 3 i32.shl i64.load offset=${RC_ADDR} i64.xor local.set $a0`);
  L.push("local.get $r i32.const 1 i32.add local.tee $r i32.const 24 i32.lt_u br_if $round", "end");
  for (let i = 0; i < 25; i++) L.push(`i32.const 0 local.get $a${i} i64.store offset=${STATE + 8 * i}`);
  return { name: "$keccak_f", params: [], locals, body: L.join("\n"), export: false };
}

/** Xors 17 lanes (one block) at $p into the state and permutes. */
function absorbBlock(p: string): string {
  const L: string[] = [];
  for (let i = 0; i < RATE / 8; i++) {
    L.push(`i32.const 0 i32.const 0 i64.load offset=${STATE + 8 * i} local.get ${p} i64.load offset=${8 * i} align=1 i64.xor i64.store offset=${STATE + 8 * i}`);
  }
  L.push("call $keccak_f");
  return L.join("\n");
}

const KECCAK_FUNCS: WasmFunc[] = [
  keccakF(),
  {
    name: "$keccak_init",
    params: [],
    locals: [],
    body: `i32.const ${STATE} i32.const 0 i32.const 200 memory.fill`,
  },
  {
    // Absorbs the whole blocks of [in, in + len).
    name: "$keccak_absorb",
    params: [["$in", "i32"], ["$len", "i32"]],
    locals: [],
    body: `
      block $done
        loop $blocks
          local.get $len i32.const ${RATE} i32.lt_u br_if $done
          ${absorbBlock("$in")}
          local.get $in i32.const ${RATE} i32.add local.set $in
          local.get $len i32.const ${RATE} i32.sub local.set $len
          br $blocks
        end
      end`,
  },
  {
    // Pads the last rem (< 136) bytes at in (keccak padding 0x01 ... 0x80), absorbs them and
    // writes the 32-byte digest at out.
    name: "$keccak_final",
    params: [["$in", "i32"], ["$rem", "i32"], ["$out", "i32"]],
    locals: [["$p", "i32"]],
    body: `
      i32.const ${PAD} i32.const 0 i32.const ${RATE} memory.fill
      i32.const ${PAD} local.get $in local.get $rem memory.copy
      local.get $rem i32.const ${PAD} i32.add local.tee $p
      local.get $p i32.load8_u i32.const 1 i32.xor i32.store8
      i32.const 0 i32.const 0 i32.load8_u offset=${PAD + RATE - 1} i32.const 128 i32.xor i32.store8 offset=${PAD + RATE - 1}
      i32.const ${PAD} local.set $p
      ${absorbBlock("$p")}
      local.get $out i32.const 0 i64.load offset=${STATE} i64.store align=1
      local.get $out i32.const 0 i64.load offset=${STATE + 8} i64.store offset=8 align=1
      local.get $out i32.const 0 i64.load offset=${STATE + 16} i64.store offset=16 align=1
      local.get $out i32.const 0 i64.load offset=${STATE + 24} i64.store offset=24 align=1`,
  },
  {
    // keccak256 of [in, in + len) at out (out may overlap the input).
    name: "$keccak",
    params: [["$in", "i32"], ["$len", "i32"], ["$out", "i32"]],
    locals: [["$full", "i32"]],
    body: `
      call $keccak_init
      local.get $len local.get $len i32.const ${RATE} i32.rem_u i32.sub local.set $full
      local.get $in local.get $full call $keccak_absorb
      local.get $in local.get $full i32.add local.get $len local.get $full i32.sub local.get $out call $keccak_final`,
  },
  {
    // keccak256(keccak256(data)): a Merkle leaf (merkle.ts leafHash).
    name: "$leaf_hash",
    params: [["$in", "i32"], ["$len", "i32"], ["$out", "i32"]],
    locals: [],
    body: `
      local.get $in local.get $len i32.const ${TMP} call $keccak
      i32.const ${TMP} i32.const 32 local.get $out call $keccak`,
  },
  {
    // keccak256(min(a, b) ‖ max(a, b)), 32-byte words compared as unsigned big-endian numbers
    // (merkle.ts hashPairBytes); out may be a or b.
    name: "$hash_pair",
    params: [["$a", "i32"], ["$b", "i32"], ["$out", "i32"]],
    locals: [["$i", "i32"], ["$x", "i32"], ["$y", "i32"], ["$t", "i32"]],
    body: `
      block $decided
        loop $cmp
          local.get $a local.get $i i32.add i32.load8_u local.set $x
          local.get $b local.get $i i32.add i32.load8_u local.set $y
          local.get $x local.get $y i32.ne
          if
            local.get $x local.get $y i32.gt_u
            if
              local.get $a local.set $t local.get $b local.set $a local.get $t local.set $b
            end
            br $decided
          end
          local.get $i i32.const 1 i32.add local.tee $i i32.const 32 i32.lt_u br_if $cmp
        end
      end
      i32.const ${PAIR} local.get $a i32.const 32 memory.copy
      i32.const ${PAIR + 32} local.get $b i32.const 32 memory.copy
      i32.const ${PAIR} i32.const 64 local.get $out call $keccak`,
  },
  {
    // count records of 66 ASCII bytes ("0x" or "0X", then 64 hex digits of either case) at src
    // into 32-byte words at dst; 1 when every record is well formed, else 0.
    name: "$hex_decode",
    params: [["$src", "i32"], ["$dst", "i32"], ["$count", "i32"]],
    result: "i32",
    locals: [["$i", "i32"], ["$hi", "i32"], ["$lo", "i32"], ["$end", "i32"]],
    body: `
      block $bad
        block $ok
          loop $records
            local.get $count i32.eqz br_if $ok
            local.get $src i32.load8_u i32.const 48 i32.ne br_if $bad
            local.get $src i32.load8_u offset=1 i32.const 32 i32.or i32.const 120 i32.ne br_if $bad
            local.get $src i32.const 2 i32.add local.set $src
            local.get $dst i32.const 32 i32.add local.set $end
            loop $bytes
              local.get $src i32.load8_u i32.load8_u offset=${HEX_TABLE} local.set $hi
              local.get $src i32.load8_u offset=1 i32.load8_u offset=${HEX_TABLE} local.set $lo
              local.get $hi local.get $lo i32.or i32.const 15 i32.gt_u br_if $bad
              local.get $dst local.get $hi i32.const 4 i32.shl local.get $lo i32.or i32.store8
              local.get $src i32.const 2 i32.add local.set $src
              local.get $dst i32.const 1 i32.add local.tee $dst local.get $end i32.lt_u br_if $bytes
            end
            local.get $count i32.const 1 i32.sub local.set $count
            br $records
          end
        end
        i32.const 1 return
      end
      i32.const 0`,
  },
  {
    // nodes[d + 1] = hash_pair(nodes[d], sibs[d]) for d in [from, to) (32-byte words).
    name: "$fold",
    params: [["$nodes", "i32"], ["$sibs", "i32"], ["$from", "i32"], ["$to", "i32"]],
    locals: [["$p", "i32"]],
    body: `
      block $done
        loop $levels
          local.get $from local.get $to i32.ge_u br_if $done
          local.get $from i32.const 5 i32.shl local.set $p
          local.get $nodes local.get $p i32.add
          local.get $sibs local.get $p i32.add
          local.get $nodes local.get $p i32.add i32.const 32 i32.add
          call $hash_pair
          local.get $from i32.const 1 i32.add local.set $from
          br $levels
        end
      end`,
  },
  {
    // 1 when the 32-byte words at a and b are equal.
    name: "$eq32",
    params: [["$a", "i32"], ["$b", "i32"]],
    result: "i32",
    locals: [],
    body: `
      local.get $a i64.load align=1 local.get $b i64.load align=1 i64.eq
      local.get $a i64.load offset=8 align=1 local.get $b i64.load offset=8 align=1 i64.eq i32.and
      local.get $a i64.load offset=16 align=1 local.get $b i64.load offset=16 align=1 i64.eq i32.and
      local.get $a i64.load offset=24 align=1 local.get $b i64.load offset=24 align=1 i64.eq i32.and`,
  },
];

// ---------------------------------------------------------------- gemm verifier

/**
 * The row pass (gemm/verify.ts rowSums). Row table per pair of columns (j, j+1), 10 v128 = 160 bytes:
 * for j then j+1, (R_0, R_1), (R_2, R_3), (|R_0|, |R_1|), (|R_2|, |R_3|); then (s_j, s_j+1) and
 * (|s_j|, |s_j+1|). out (16 float64): relu(row)·R (4), relu(row)·|R| (4), |row|·|R| (4), row·s,
 * 0, (row·s)·0, Σ_{|row_j| >= 2^8} |row_j||s_j|.
 *
 * The 12 column sums keep one column per lane and add j = 0, 1, 2, ... in order (six
 * accumulators, so everything stays in registers). row·s and the last sum add even and odd j
 * apart, then the two halves. out[14] is 0 when every entry is finite and NaN otherwise: a
 * non-finite entry makes row·s non-finite (s_j != 0), and finite float32 entries cannot overflow
 * it (|row_j·s_j| < 2^128, n <= 2^12 terms).
 */
function rowSums(): WasmFunc {
  const accs = ["$d01", "$d23", "$m01", "$m23", "$a01", "$a23", "$lhs", "$big"];
  const locals: [string, "v128" | "i32"][] = [["$end", "i32"], ["$v", "v128"], ["$av", "v128"], ["$vp", "v128"], ["$x", "v128"], ["$y", "v128"], ["$r", "v128"]];
  for (const a of accs) locals.push([a, "v128"]);
  const L: string[] = [];
  for (const a of accs) L.push(`v128.const i64x2 0 0 local.set ${a}`);
  L.push("local.get $row local.get $n i32.const 2 i32.shl i32.add local.set $end");
  L.push("loop $pairs");
  L.push("local.get $row v128.load64_zero align=4 f64x2.promote_low_f32x4 local.tee $v");
  // relu(v) = (v + |v|) / 2, exactly (v + |v| is 2v or +0; halving is exact).
  L.push("f64x2.abs local.tee $av local.get $v f64x2.add v128.const f64x2 0.5 0.5 f64x2.mul local.set $vp");
  for (const [lane, off] of [[0, 0], [1, 64]] as const) {
    const splat = lane === 0 ? "0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7" : "8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15";
    L.push(`local.get $vp local.get $vp i8x16.shuffle ${splat} local.set $x`);
    L.push(`local.get $av local.get $av i8x16.shuffle ${splat} local.set $y`);
    L.push(`local.get $d01 local.get $x local.get $tab v128.load offset=${off} f64x2.mul f64x2.add local.set $d01`);
    L.push(`local.get $d23 local.get $x local.get $tab v128.load offset=${off + 16} f64x2.mul f64x2.add local.set $d23`);
    L.push(`local.get $tab v128.load offset=${off + 32} local.set $r`);
    L.push(`local.get $m01 local.get $x local.get $r f64x2.mul f64x2.add local.set $m01`);
    L.push(`local.get $a01 local.get $y local.get $r f64x2.mul f64x2.add local.set $a01`);
    L.push(`local.get $tab v128.load offset=${off + 48} local.set $r`);
    L.push(`local.get $m23 local.get $x local.get $r f64x2.mul f64x2.add local.set $m23`);
    L.push(`local.get $a23 local.get $y local.get $r f64x2.mul f64x2.add local.set $a23`);
  }
  L.push("local.get $lhs local.get $v local.get $tab v128.load offset=128 f64x2.mul f64x2.add local.set $lhs");
  // |row_j| where |row_j| >= 2^8 (from there fp32 may round C_ij, a multiple of 2^-16), else +0 (adds nothing).
  L.push("local.get $big local.get $av local.get $av v128.const f64x2 256 256 f64x2.ge v128.and local.get $tab v128.load offset=144 f64x2.mul f64x2.add local.set $big");
  L.push("local.get $tab i32.const 160 i32.add local.set $tab");
  L.push("local.get $row i32.const 8 i32.add local.tee $row local.get $end i32.lt_u br_if $pairs", "end");
  const lanes = (slot: number, acc: string) =>
    `local.get $out local.get ${acc} f64x2.extract_lane 0 f64.store offset=${8 * slot} local.get $out local.get ${acc} f64x2.extract_lane 1 f64.store offset=${8 * slot + 8}`;
  const sum = (slot: number, acc: string) =>
    `local.get $out local.get ${acc} f64x2.extract_lane 0 local.get ${acc} f64x2.extract_lane 1 f64.add f64.store offset=${8 * slot}`;
  L.push(lanes(0, "$d01"), lanes(2, "$d23"), lanes(4, "$m01"), lanes(6, "$m23"), lanes(8, "$a01"), lanes(10, "$a23"));
  L.push(sum(12, "$lhs"));
  L.push("local.get $out f64.const 0 f64.store offset=104");
  L.push("local.get $out local.get $out f64.load offset=96 f64.const 0 f64.mul f64.store offset=112");
  L.push(sum(15, "$big"));
  return { name: "$row_sums", params: [["$row", "i32"], ["$tab", "i32"], ["$n", "i32"], ["$out", "i32"]], locals, body: L.join("\n") };
}

/** triple32 (prng.ts) on the four lanes of local $x. */
function triple32x4(): string {
  return `
    local.get $x local.get $x i32.const 17 i32x4.shr_u v128.xor local.get $m1 i32x4.mul local.set $x
    local.get $x local.get $x i32.const 11 i32x4.shr_u v128.xor local.get $m2 i32x4.mul local.set $x
    local.get $x local.get $x i32.const 15 i32x4.shr_u v128.xor local.get $m3 i32x4.mul local.set $x
    local.get $x local.get $x i32.const 14 i32x4.shr_u v128.xor local.set $x`;
}

/**
 * A's row r, four entries per step, generated as prng.ts fillMatrix does for (hi = r, lo = l):
 * x = triple32(l ^ k0); x = triple32(x ^ r ^ k1); x = triple32(x + k2); k = ((x ^ k3) >>> 23) - 256;
 * a_l = k / 256 (exact). The entries land in $lo (l, l+1) and $hi (l+2, l+3) as float64.
 */
function aEntries(): string {
  return `
    local.get $l local.get $k0 v128.xor local.set $x
    ${triple32x4()}
    local.get $x local.get $hk1 v128.xor local.set $x
    ${triple32x4()}
    local.get $x local.get $k2 i32x4.add local.set $x
    ${triple32x4()}
    local.get $x local.get $k3 v128.xor i32.const 23 i32x4.shr_u v128.const i32x4 256 256 256 256 i32x4.sub local.tee $x
    f64x2.convert_low_i32x4_s v128.const f64x2 0.00390625 0.00390625 f64x2.mul local.set $lo
    local.get $x local.get $x i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
    f64x2.convert_low_i32x4_s v128.const f64x2 0.00390625 0.00390625 f64x2.mul local.set $hi
    local.get $l v128.const i32x4 4 4 4 4 i32x4.add local.set $l`;
}

const A_LOCALS: [string, "v128" | "i32"][] = [
  ["$l", "v128"], ["$x", "v128"], ["$k0", "v128"], ["$hk1", "v128"], ["$k2", "v128"], ["$k3", "v128"],
  ["$m1", "v128"], ["$m2", "v128"], ["$m3", "v128"], ["$lo", "v128"], ["$hi", "v128"], ["$end", "i32"],
];

const A_SETUP = `
  local.get $key0 i32x4.splat local.set $k0
  local.get $r local.get $key1 i32.xor i32x4.splat local.set $hk1
  local.get $key2 i32x4.splat local.set $k2
  local.get $key3 i32x4.splat local.set $k3
  i32.const 0xed5ad4bb i32x4.splat local.set $m1
  i32.const 0xac4c1b51 i32x4.splat local.set $m2
  i32.const 0x31848bab i32x4.splat local.set $m3
  v128.const i32x4 0 1 2 3 local.set $l`;

const A_PARAMS: [string, "i32"][] = [["$key0", "i32"], ["$key1", "i32"], ["$key2", "i32"], ["$key3", "i32"], ["$r", "i32"]];

/** A's entries l..l+7 (two independent quads, so the 32-bit mixing chains overlap): $lo, $hi, then $lo2, $hi2. */
function aEntries2(): string {
  const t = (x: string) => `
    local.get ${x} local.get ${x} i32.const 17 i32x4.shr_u v128.xor local.get $m1 i32x4.mul local.set ${x}
    local.get ${x} local.get ${x} i32.const 11 i32x4.shr_u v128.xor local.get $m2 i32x4.mul local.set ${x}
    local.get ${x} local.get ${x} i32.const 15 i32x4.shr_u v128.xor local.get $m3 i32x4.mul local.set ${x}
    local.get ${x} local.get ${x} i32.const 14 i32x4.shr_u v128.xor local.set ${x}`;
  const out = (x: string, lo: string, hi: string) => `
    local.get ${x} local.get $k3 v128.xor i32.const 23 i32x4.shr_u v128.const i32x4 256 256 256 256 i32x4.sub local.tee ${x}
    f64x2.convert_low_i32x4_s v128.const f64x2 0.00390625 0.00390625 f64x2.mul local.set ${lo}
    local.get ${x} local.get ${x} i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
    f64x2.convert_low_i32x4_s v128.const f64x2 0.00390625 0.00390625 f64x2.mul local.set ${hi}`;
  return `
    local.get $l local.get $k0 v128.xor local.set $x
    local.get $l v128.const i32x4 4 4 4 4 i32x4.add local.get $k0 v128.xor local.set $y
    ${t("$x")} ${t("$y")}
    local.get $x local.get $hk1 v128.xor local.set $x
    local.get $y local.get $hk1 v128.xor local.set $y
    ${t("$x")} ${t("$y")}
    local.get $x local.get $k2 i32x4.add local.set $x
    local.get $y local.get $k2 i32x4.add local.set $y
    ${t("$x")} ${t("$y")}
    ${out("$x", "$lo", "$hi")}
    ${out("$y", "$lo2", "$hi2")}
    local.get $l v128.const i32x4 8 8 8 8 i32x4.add local.set $l`;
}

/** a·(B·s) over A's row r (gemm/verify.ts aSums without bounds): out[4]; bs = B·s as float64; n a multiple of 8. */
function aDot(): WasmFunc {
  return {
    name: "$a_dot",
    params: [...A_PARAMS, ["$bs", "i32"], ["$n", "i32"], ["$out", "i32"]],
    locals: [...A_LOCALS, ["$y", "v128"], ["$lo2", "v128"], ["$hi2", "v128"], ["$acc0", "v128"], ["$acc1", "v128"], ["$acc2", "v128"], ["$acc3", "v128"]],
    body: `
      ${A_SETUP}
      v128.const i64x2 0 0 local.set $acc0
      v128.const i64x2 0 0 local.set $acc1
      v128.const i64x2 0 0 local.set $acc2
      v128.const i64x2 0 0 local.set $acc3
      local.get $bs local.get $n i32.const 3 i32.shl i32.add local.set $end
      loop $octets
        ${aEntries2()}
        local.get $acc0 local.get $lo local.get $bs v128.load f64x2.mul f64x2.add local.set $acc0
        local.get $acc1 local.get $hi local.get $bs v128.load offset=16 f64x2.mul f64x2.add local.set $acc1
        local.get $acc2 local.get $lo2 local.get $bs v128.load offset=32 f64x2.mul f64x2.add local.set $acc2
        local.get $acc3 local.get $hi2 local.get $bs v128.load offset=48 f64x2.mul f64x2.add local.set $acc3
        local.get $bs i32.const 64 i32.add local.tee $bs local.get $end i32.lt_u br_if $octets
      end
      local.get $acc0 local.get $acc1 f64x2.add local.get $acc2 local.get $acc3 f64x2.add f64x2.add local.set $acc0
      local.get $out local.get $acc0 f64x2.extract_lane 0 local.get $acc0 f64x2.extract_lane 1 f64.add f64.store offset=32`,
  };
}

/**
 * aSums with bounds: |a|·(|B||R|) (4 columns) at out[0..3], a·(B·s) at out[4], |a|·(|B||s|) at
 * out[5]. Bounds table per four columns l..l+3, 10 v128 = 160 bytes: |B||s| for (l, l+1) and
 * (l+2, l+3), then |B||R|_c likewise for c = 0..3.
 */
function aSumsBounds(): WasmFunc {
  const accs = ["$abr0", "$abr1", "$abr2", "$abr3", "$rhs", "$bound"];
  const locals: [string, "v128" | "i32"][] = [...A_LOCALS, ["$alo", "v128"], ["$ahi", "v128"]];
  for (const a of accs) locals.push([a, "v128"]);
  const L: string[] = [A_SETUP];
  for (const a of accs) L.push(`v128.const i64x2 0 0 local.set ${a}`);
  L.push("local.get $bs local.get $n i32.const 3 i32.shl i32.add local.set $end", "loop $quads", aEntries());
  L.push("local.get $rhs local.get $lo local.get $bs v128.load f64x2.mul f64x2.add local.get $hi local.get $bs v128.load offset=16 f64x2.mul f64x2.add local.set $rhs");
  L.push("local.get $lo f64x2.abs local.set $alo local.get $hi f64x2.abs local.set $ahi");
  L.push("local.get $bound local.get $alo local.get $bt v128.load f64x2.mul f64x2.add local.get $ahi local.get $bt v128.load offset=16 f64x2.mul f64x2.add local.set $bound");
  for (let c = 0; c < 4; c++) {
    L.push(`local.get $abr${c} local.get $alo local.get $bt v128.load offset=${32 + 32 * c} f64x2.mul f64x2.add local.get $ahi local.get $bt v128.load offset=${48 + 32 * c} f64x2.mul f64x2.add local.set $abr${c}`);
  }
  L.push("local.get $bt i32.const 160 i32.add local.set $bt");
  L.push("local.get $bs i32.const 32 i32.add local.tee $bs local.get $end i32.lt_u br_if $quads", "end");
  accs.forEach((a, i) => L.push(`local.get $out local.get ${a} f64x2.extract_lane 0 local.get ${a} f64x2.extract_lane 1 f64.add f64.store offset=${8 * i}`));
  return { name: "$a_sums_bounds", params: [...A_PARAMS, ["$bs", "i32"], ["$bt", "i32"], ["$n", "i32"], ["$out", "i32"]], locals, body: L.join("\n") };
}

/** A's row r as float64 at out (n entries): the test that pins the generator to prng.ts. */
function aRowOut(): WasmFunc {
  return {
    name: "$a_row",
    params: [...A_PARAMS, ["$n", "i32"], ["$out", "i32"]],
    locals: A_LOCALS,
    body: `
      ${A_SETUP}
      local.get $out local.get $n i32.const 3 i32.shl i32.add local.set $end
      loop $quads
        ${aEntries()}
        local.get $out local.get $lo v128.store align=8
        local.get $out local.get $hi v128.store offset=16 align=8
        local.get $out i32.const 32 i32.add local.tee $out local.get $end i32.lt_u br_if $quads
      end`,
  };
}

export interface Kernels {
  memory: WebAssembly.Memory;
  keccak_init(): void;
  keccak_absorb(input: number, len: number): void;
  keccak_final(input: number, rem: number, out: number): void;
  keccak(input: number, len: number, out: number): void;
  leaf_hash(input: number, len: number, out: number): void;
  hash_pair(a: number, b: number, out: number): void;
  hex_decode(src: number, dst: number, count: number): number;
  fold(nodes: number, sibs: number, from: number, to: number): void;
  eq32(a: number, b: number): number;
  row_sums(row: number, tab: number, n: number, out: number): void;
  a_dot(k0: number, k1: number, k2: number, k3: number, r: number, bs: number, n: number, out: number): void;
  a_sums_bounds(k0: number, k1: number, k2: number, k3: number, r: number, bs: number, bt: number, n: number, out: number): void;
  a_row(k0: number, k1: number, k2: number, k3: number, r: number, n: number, out: number): void;
}

/** The module's bytes (deterministic). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const rc = new Uint8Array(24 * 8);
  const dv = new DataView(rc.buffer);
  RC.forEach((c, i) => dv.setBigUint64(8 * i, c, true));
  const funcs = [...KECCAK_FUNCS, rowSums(), aDot(), aSumsBounds(), aRowOut()];
  const hex = new Uint8Array(256).fill(255);
  for (let c = 0; c < 10; c++) hex[48 + c] = c;
  for (let c = 0; c < 6; c++) hex[65 + c] = hex[97 + c] = 10 + c;
  return assemble({ funcs, memoryPages: PAGES, maxMemoryPages: PAGES, data: [{ offset: RC_ADDR, bytes: rc }, { offset: HEX_TABLE, bytes: hex }] });
}

let instance: Kernels | null = null;
let bytes: Uint8Array | null = null;

/** The kernels, instantiated once per process. */
export function kernels(): Kernels {
  if (instance) return instance;
  const mod = new WebAssembly.Module(kernelModuleBytes());
  const inst = new WebAssembly.Instance(mod, {});
  instance = inst.exports as unknown as Kernels;
  // The memory never grows, so this view stays valid.
  bytes = new Uint8Array(instance.memory.buffer);
  return instance;
}

/** The kernels' memory as bytes (the memory never grows: the view stays valid). */
export function kernelBytes(): Uint8Array {
  kernels();
  return bytes!;
}

/** Bytes absorbed per kernel call for long inputs (whole blocks that fit the IO area). */
const CHUNK = IO_BYTES - (IO_BYTES % RATE);

/** keccak256(data) through the kernel (inputs longer than the IO area are absorbed in chunks). */
export function keccak256Wasm(data: Uint8Array): Uint8Array {
  const k = kernels();
  const mem = bytes!;
  if (data.length <= IO_BYTES) {
    mem.set(data, IO);
    k.keccak(IO, data.length, DIGEST);
    return mem.slice(DIGEST, DIGEST + 32);
  }
  k.keccak_init();
  let off = 0;
  // Loop bound: data.length / CHUNK iterations.
  while (data.length - off >= RATE) {
    const left = data.length - off;
    const len = Math.min(CHUNK, left - (left % RATE));
    mem.set(data.subarray(off, off + len), IO);
    k.keccak_absorb(IO, len);
    off += len;
  }
  mem.set(data.subarray(off), IO);
  k.keccak_final(IO, data.length - off, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}

/** keccak256(keccak256(data)) through the kernel. */
export function leafHashWasm(data: Uint8Array): Uint8Array {
  if (data.length > IO_BYTES) return keccak256Wasm(keccak256Wasm(data));
  const k = kernels();
  const mem = bytes!;
  mem.set(data, IO);
  k.leaf_hash(IO, data.length, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}

/** keccak256(min(a, b) ‖ max(a, b)) of two 32-byte words through the kernel. */
export function hashPairWasm(a: Uint8Array, b: Uint8Array): Uint8Array {
  const k = kernels();
  const mem = bytes!;
  mem.set(a, PAIR_IN);
  mem.set(b, PAIR_IN + 32);
  k.hash_pair(PAIR_IN, PAIR_IN + 32, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}
