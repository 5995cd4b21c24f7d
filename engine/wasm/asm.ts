/**
 * A small WebAssembly assembler: the engine's hot kernels (keccak-f, the gemm verifier's row
 * passes) are written as flat WebAssembly text in TypeScript (wasm/kernels.ts) and assembled
 * here into module bytes at load time, the way build-model.ts writes the LLM as ONNX bytes:
 * no binary in git, no compiler to install, and the source is the text an auditor reads.
 *
 * Text form: one instruction per token group, in stack order (no folded expressions):
 *   `local.get $x`, `i64.const 5`, `f64.const 0.5`, `i64.load offset=8`, `v128.load64_zero`,
 *   `block $out`, `loop $top`, `br_if $top`, `end`, `call $f`, `i8x16.shuffle 8 9 ... 7`,
 *   `f64x2.extract_lane 1`, `v128.const i32x4 0 1 2 3`; `;;` starts a comment.
 * Blocks carry no result type. Loads and stores take optional `offset=N` and `align=N`
 * (bytes; the natural alignment when absent). Only the instructions listed below are known;
 * anything else is an error naming the token, and `WebAssembly.validate` checks the result.
 *
 * Why not wabt (the maintained WebAssembly toolkit, whose `parseWat` + `toBinary` read this
 * same flat text)? Measured 2026-12-01, node 20.20, this 2-core shared host, wabt 1.0.39 in a
 * scratch folder (not a dependency): wrapped as a `(module ...)`, the kernels' text (36 KiB)
 * assembles under wabt to a module of the same 6,316 bytes that differs only in export order and
 * hashes the same, so wabt can express the module. Warm, wabt's `toBinary` takes ~1.1 ms against
 * ~2.1 ms here; but a process assembles once, and cold (fresh process, assemble + instantiate)
 * this file takes 5-15 ms against ~120 ms for wabt, which must first compile its own 0.7 MiB
 * module. Every oracle, agent, simulator and test process would pay ~110 ms more at start, for
 * a dependency that replaces 370 lines that only need to know the instructions the kernels use.
 * The measuring script: `kernelModuleDef()` (the object kernels.ts passes to `assemble`) turned
 * into `(module (memory ...) (data ...) (func $name (export ...) (param ...) (local ...) body))`,
 * timed in fresh processes with `performance.now()`, best of 5 x 20 for the warm figures.
 */
import { ENGINE_ERRORS } from "../error-codes";
import { PoaiError, type PoaiErrorOptions } from "../errors";

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

export interface WasmFunc {
  name: string;
  params: [string, ValType][];
  result?: ValType;
  locals: [string, ValType][];
  body: string;
  export?: boolean;
}

export interface WasmModuleDef {
  funcs: WasmFunc[];
  /** Initial and maximum memory, in 64 KiB pages; the memory is exported as "memory". */
  memoryPages: number;
  maxMemoryPages: number;
  /** Bytes written at a fixed address when the module is instantiated. */
  data?: { offset: number; bytes: Uint8Array }[];
}

/** A module definition the assembler cannot encode (EN021). */
export class WasmAsmError extends PoaiError {
  override name = "WasmAsmError";
  readonly reason = "WasmAsmBadModule";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(ENGINE_ERRORS.WasmAsmBadModule, shortMessage, opts);
  }
}

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(x: number | bigint, out: number[]): void {
  let v = BigInt(x);
  if (v < 0n) throw new WasmAsmError(`unsigned LEB of ${v}`);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
}

function sleb(x: number | bigint, out: number[]): void {
  let v = BigInt(x);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (b & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Plain opcodes without immediates. */
const PLAIN: Record<string, number> = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  "i32.eqz": 0x45, "i32.eq": 0x46, "i32.ne": 0x47, "i32.lt_s": 0x48, "i32.lt_u": 0x49, "i32.gt_s": 0x4a, "i32.gt_u": 0x4b,
  "i32.le_s": 0x4c, "i32.le_u": 0x4d, "i32.ge_s": 0x4e, "i32.ge_u": 0x4f,
  "i64.eqz": 0x50, "i64.eq": 0x51, "i64.ne": 0x52,
  "f64.eq": 0x61, "f64.ne": 0x62, "f64.lt": 0x63, "f64.gt": 0x64, "f64.le": 0x65, "f64.ge": 0x66,
  "i32.add": 0x6a, "i32.sub": 0x6b, "i32.mul": 0x6c, "i32.div_u": 0x6e, "i32.rem_u": 0x70, "i32.and": 0x71, "i32.or": 0x72, "i32.xor": 0x73,
  "i32.shl": 0x74, "i32.shr_s": 0x75, "i32.shr_u": 0x76, "i32.rotl": 0x77, "i32.rotr": 0x78,
  "i64.add": 0x7c, "i64.sub": 0x7d, "i64.mul": 0x7e, "i64.and": 0x83, "i64.or": 0x84, "i64.xor": 0x85,
  "i64.shl": 0x86, "i64.shr_s": 0x87, "i64.shr_u": 0x88, "i64.rotl": 0x89, "i64.rotr": 0x8a,
  "f64.abs": 0x99, "f64.neg": 0x9a, "f64.add": 0xa0, "f64.sub": 0xa1, "f64.mul": 0xa2, "f64.div": 0xa3,
  "f64.min": 0xa4, "f64.max": 0xa5,
  "i32.wrap_i64": 0xa7, "i64.extend_i32_s": 0xac, "i64.extend_i32_u": 0xad,
  "f64.convert_i32_s": 0xb7, "f64.convert_i32_u": 0xb8, "f64.promote_f32": 0xbb,
};

/** Loads and stores: opcode and natural alignment (log2 bytes). */
const MEM: Record<string, [number, number]> = {
  "i32.load": [0x28, 2], "i64.load": [0x29, 3], "f32.load": [0x2a, 2], "f64.load": [0x2b, 3],
  "i32.load8_u": [0x2d, 0], "i64.load8_u": [0x31, 0],
  "i32.store": [0x36, 2], "i64.store": [0x37, 3], "f32.store": [0x38, 2], "f64.store": [0x39, 3], "i32.store8": [0x3a, 0],
};

/** SIMD (0xfd prefix) without immediates. */
const SIMD_PLAIN: Record<string, number> = {
  "i32x4.splat": 0x11, "i64x2.splat": 0x12, "f64x2.splat": 0x14,
  "f64x2.eq": 0x47, "f64x2.ne": 0x48, "f64x2.lt": 0x49, "f64x2.gt": 0x4a, "f64x2.le": 0x4b, "f64x2.ge": 0x4c,
  "v128.not": 0x4d, "v128.and": 0x4e, "v128.andnot": 0x4f, "v128.or": 0x50, "v128.xor": 0x51, "v128.bitselect": 0x52,
  "v128.any_true": 0x53, "f64x2.promote_low_f32x4": 0x5f,
  "i32x4.shl": 0xab, "i32x4.shr_s": 0xac, "i32x4.shr_u": 0xad, "i32x4.add": 0xae, "i32x4.sub": 0xb1, "i32x4.mul": 0xb5,
  "f64x2.abs": 0xec, "f64x2.neg": 0xed, "f64x2.add": 0xf0, "f64x2.sub": 0xf1, "f64x2.mul": 0xf2, "f64x2.div": 0xf3,
  "f64x2.convert_low_i32x4_s": 0xfe,
};

/** SIMD loads and stores: opcode and natural alignment (log2 bytes). */
const SIMD_MEM: Record<string, [number, number]> = {
  "v128.load": [0x00, 4], "v128.store": [0x0b, 4], "v128.load64_zero": [0x5d, 3], "v128.load32_zero": [0x5c, 2],
};

/** SIMD lane accessors: opcode and lane count. */
const SIMD_LANE: Record<string, [number, number]> = {
  "i32x4.extract_lane": [0x1b, 4], "i32x4.replace_lane": [0x1c, 4],
  "i64x2.extract_lane": [0x1d, 2], "f64x2.extract_lane": [0x21, 2], "f64x2.replace_lane": [0x22, 2],
};

/** Bulk memory (0xfc prefix). */
const BULK: Record<string, number[]> = { "memory.copy": [0x0a, 0x00, 0x00], "memory.fill": [0x0b, 0x00] };

function tokenize(body: string): string[] {
  return body
    .split("\n")
    .map((line) => line.replace(/;;.*$/, ""))
    .join(" ")
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

function parseInt32(tok: string, what: string): number {
  if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(tok)) throw new WasmAsmError(`${what}: ${tok} is not an integer`);
  const neg = tok.startsWith("-");
  const v = Number(neg ? tok.slice(1) : tok);
  return neg ? -v : v;
}

function parseBig(tok: string, what: string): bigint {
  if (!/^-?(0x[0-9a-fA-F]+|[0-9]+)$/.test(tok)) throw new WasmAsmError(`${what}: ${tok} is not an integer`);
  return tok.startsWith("-") ? -BigInt(tok.slice(1)) : BigInt(tok);
}

/** Encodes one function body (locals and code, without the size prefix). */
function encodeBody(f: WasmFunc, funcIndex: Map<string, number>): number[] {
  const names = new Map<string, number>();
  [...f.params, ...f.locals].forEach(([name], i) => {
    if (names.has(name)) throw new WasmAsmError(`${f.name}: local ${name} declared twice`);
    names.set(name, i);
  });
  const out: number[] = [];
  // Local declarations, one group per run of equal types.
  const groups: [number, ValType][] = [];
  for (const [, t] of f.locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  uleb(groups.length, out);
  for (const [count, t] of groups) {
    uleb(count, out);
    out.push(VALTYPE[t]);
  }
  const toks = tokenize(f.body);
  const labels: (string | null)[] = [];
  let i = 0;
  const next = (what: string) => {
    if (i >= toks.length) throw new WasmAsmError(`${f.name}: ${what} expects an operand`);
    return toks[i++];
  };
  const local = (tok: string) => {
    const idx = names.get(tok);
    if (idx === undefined) throw new WasmAsmError(`${f.name}: unknown local ${tok}`);
    return idx;
  };
  const memarg = (natural: number) => {
    let offset = 0;
    let align = natural;
    while (i < toks.length && /^(offset|align)=/.test(toks[i])) {
      const [k, v] = toks[i++].split("=");
      if (k === "offset") offset = parseInt32(v, "offset");
      else align = Math.log2(parseInt32(v, "align"));
    }
    if (!Number.isInteger(align) || align < 0 || align > natural) throw new WasmAsmError(`${f.name}: bad alignment`);
    uleb(align, out);
    uleb(offset, out);
  };
  const depthOf = (tok: string) => {
    for (let d = labels.length - 1; d >= 0; d--) if (labels[d] === tok) return labels.length - 1 - d;
    throw new WasmAsmError(`${f.name}: unknown label ${tok}`);
  };
  while (i < toks.length) {
    const op = toks[i++];
    if (op in PLAIN) {
      out.push(PLAIN[op]);
    } else if (op === "local.get" || op === "local.set" || op === "local.tee") {
      out.push(op === "local.get" ? 0x20 : op === "local.set" ? 0x21 : 0x22);
      uleb(local(next(op)), out);
    } else if (op === "i32.const") {
      out.push(0x41);
      const v = parseBig(next(op), op);
      sleb(BigInt.asIntN(32, v), out);
    } else if (op === "i64.const") {
      out.push(0x42);
      sleb(BigInt.asIntN(64, parseBig(next(op), op)), out);
    } else if (op === "f64.const") {
      out.push(0x44);
      const tok = next(op);
      const v = Number(tok);
      if (Number.isNaN(v) && tok !== "nan") throw new WasmAsmError(`${f.name}: ${tok} is not a number`);
      const b = new Uint8Array(new Float64Array([v]).buffer);
      out.push(...b);
    } else if (op in MEM) {
      const [code, natural] = MEM[op];
      out.push(code);
      memarg(natural);
    } else if (op === "block" || op === "loop") {
      out.push(op === "block" ? 0x02 : 0x03, 0x40);
      labels.push(i < toks.length && toks[i].startsWith("$") ? toks[i++] : null);
    } else if (op === "if") {
      out.push(0x04, 0x40);
      labels.push(i < toks.length && toks[i].startsWith("$") ? toks[i++] : null);
    } else if (op === "else") {
      out.push(0x05);
    } else if (op === "end") {
      if (labels.length === 0) throw new WasmAsmError(`${f.name}: end without a block`);
      labels.pop();
      out.push(0x0b);
    } else if (op === "br" || op === "br_if") {
      out.push(op === "br" ? 0x0c : 0x0d);
      uleb(depthOf(next(op)), out);
    } else if (op === "call") {
      const name = next(op);
      const idx = funcIndex.get(name);
      if (idx === undefined) throw new WasmAsmError(`${f.name}: unknown function ${name}`);
      out.push(0x10);
      uleb(idx, out);
    } else if (op in BULK) {
      out.push(0xfc, ...BULK[op]);
    } else if (op in SIMD_PLAIN) {
      out.push(0xfd);
      uleb(SIMD_PLAIN[op], out);
    } else if (op in SIMD_MEM) {
      const [code, natural] = SIMD_MEM[op];
      out.push(0xfd);
      uleb(code, out);
      memarg(natural);
    } else if (op in SIMD_LANE) {
      const [code, lanes] = SIMD_LANE[op];
      const lane = parseInt32(next(op), op);
      if (lane < 0 || lane >= lanes) throw new WasmAsmError(`${f.name}: lane ${lane} of ${op}`);
      out.push(0xfd);
      uleb(code, out);
      out.push(lane);
    } else if (op === "i8x16.shuffle") {
      out.push(0xfd);
      uleb(0x0d, out);
      for (let q = 0; q < 16; q++) {
        const lane = parseInt32(next(op), op);
        if (lane < 0 || lane > 31) throw new WasmAsmError(`${f.name}: shuffle lane ${lane}`);
        out.push(lane);
      }
    } else if (op === "v128.const") {
      const shape = next(op);
      const bytes = new Uint8Array(16);
      const dv = new DataView(bytes.buffer);
      if (shape === "i32x4") for (let q = 0; q < 4; q++) dv.setInt32(4 * q, Number(BigInt.asIntN(32, parseBig(next(op), op))), true);
      else if (shape === "i64x2") for (let q = 0; q < 2; q++) dv.setBigInt64(8 * q, BigInt.asIntN(64, parseBig(next(op), op)), true);
      else if (shape === "f64x2") for (let q = 0; q < 2; q++) dv.setFloat64(8 * q, Number(next(op)), true);
      else throw new WasmAsmError(`${f.name}: v128.const shape ${shape}`);
      out.push(0xfd);
      uleb(0x0c, out);
      out.push(...bytes);
    } else {
      throw new WasmAsmError(`${f.name}: unknown instruction ${op}`);
    }
  }
  if (labels.length !== 0) throw new WasmAsmError(`${f.name}: ${labels.length} block(s) not closed`);
  out.push(0x0b);
  return out;
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  uleb(content.length, out);
  out.push(...content);
}

function name(s: string, out: number[]): void {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  out.push(...b);
}

/** The module's bytes. Throws WasmAsmError on unknown instructions, locals, labels or functions. */
export function assemble(def: WasmModuleDef): Uint8Array<ArrayBuffer> {
  const funcIndex = new Map<string, number>();
  def.funcs.forEach((f, i) => {
    if (funcIndex.has(f.name)) throw new WasmAsmError(`function ${f.name} defined twice`);
    funcIndex.set(f.name, i);
  });
  const sigs: string[] = [];
  const sigOf = (f: WasmFunc) => {
    const key = f.params.map(([, t]) => t).join(",") + "->" + (f.result ?? "");
    let idx = sigs.indexOf(key);
    if (idx < 0) {
      sigs.push(key);
      idx = sigs.length - 1;
    }
    return idx;
  };
  const funcSigs = def.funcs.map(sigOf);
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // Type section.
  const types: number[] = [];
  uleb(sigs.length, types);
  for (const key of sigs) {
    const [ps, r] = key.split("->");
    const params = ps ? (ps.split(",") as ValType[]) : [];
    types.push(0x60);
    uleb(params.length, types);
    for (const p of params) types.push(VALTYPE[p]);
    if (r) types.push(1, VALTYPE[r as ValType]);
    else types.push(0);
  }
  section(1, types, out);
  // Function section.
  const fsec: number[] = [];
  uleb(def.funcs.length, fsec);
  for (const s of funcSigs) uleb(s, fsec);
  section(3, fsec, out);
  // Memory section: one memory with a maximum.
  const msec: number[] = [1, 0x01];
  uleb(def.memoryPages, msec);
  uleb(def.maxMemoryPages, msec);
  section(5, msec, out);
  // Export section.
  const exported = def.funcs.filter((f) => f.export !== false);
  const esec: number[] = [];
  uleb(exported.length + 1, esec);
  for (const f of exported) {
    name(f.name.replace(/^\$/, ""), esec);
    esec.push(0x00);
    uleb(funcIndex.get(f.name)!, esec);
  }
  name("memory", esec);
  esec.push(0x02, 0x00);
  section(7, esec, out);
  // Code section.
  const csec: number[] = [];
  uleb(def.funcs.length, csec);
  for (const f of def.funcs) {
    const body = encodeBody(f, funcIndex);
    uleb(body.length, csec);
    csec.push(...body);
  }
  section(10, csec, out);
  // Data section: active segments of memory 0.
  if (def.data && def.data.length > 0) {
    const dsec: number[] = [];
    uleb(def.data.length, dsec);
    for (const d of def.data) {
      dsec.push(0x00, 0x41);
      sleb(d.offset, dsec);
      dsec.push(0x0b);
      uleb(d.bytes.length, dsec);
      dsec.push(...d.bytes);
    }
    section(11, dsec, out);
  }
  const bytes = new Uint8Array(out);
  if (!WebAssembly.validate(bytes)) throw new WasmAsmError("the assembled module does not validate");
  return bytes;
}
