/**
 * keccak-f[1600] on native 64-bit lanes and keccak256 over it, as WebAssembly functions for
 * kernels.ts to assemble (the oracle hashes a leaf of every opened group and a proof of ~20
 * siblings per opening; the JS version in keccak.ts works on 32-bit halves and costs ~2.7 µs per
 * permutation here, this one ~0.5 µs). Checked against viem's keccak256 in kernels.test.ts.
 */
import type { WasmFunc } from "./asm";
import { HEX_TABLE, PAD, PAIR, RC_ADDR, STATE, TMP } from "./layout";

export const RATE = 136;

/** keccak-f round constants as 64-bit values (FIPS 202). */
export const RC = [
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

export const KECCAK_FUNCS: WasmFunc[] = [
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
