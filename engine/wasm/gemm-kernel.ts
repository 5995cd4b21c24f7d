/**
 * The gemm verifier's two passes per opened row (gemm/verify.ts), as WebAssembly functions for
 * kernels.ts to assemble: the opened row against the key's row table, and A's row regenerated
 * from the counter-based generator (prng.ts) against B·s, both two or four lanes at a time with
 * 128-bit SIMD. Checked against straight loops and prng.ts fillMatrix in kernels.test.ts.
 */
import type { WasmFunc } from "./asm";

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
export function rowSums(): WasmFunc {
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
export function aDot(): WasmFunc {
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
export function aSumsBounds(): WasmFunc {
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
export function aRowOut(): WasmFunc {
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
