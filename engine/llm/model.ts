/**
 * Loading a causal language model for the infer challenge: any exported ONNX model that takes
 * token ids and returns logits [batch, seq, vocab], with its tokenizer file. The input and
 * output names, int64 vs int32 ids, and optional `attention_mask` / `position_ids` inputs are
 * detected from the session's metadata. Execution goes to CUDA when the onnxruntime build has
 * the CUDA provider, otherwise to the CPU.
 *
 * The only I/O of the LLM engine lives here: reading a model and a tokenizer file, and writing
 * the embedded model out for operators who want to inspect or serve it.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { embeddedAtPositionsBytes, embeddedModelBytes, TINY_LM_DIMS, TINY_LM_ID } from "./build-model";
import { LlmError } from "./errors";
import { ByteTokenizer, parseTokenizerFile, type Tokenizer } from "./tokenizer";

/** Most items one forward pass may take (bounds memory of a single run). */
export const MAX_FORWARD_BATCH = 4096;
/** Longest sequence accepted when the model does not state its context. */
export const DEFAULT_MAX_CONTEXT = 2048;

export type ExecutionProvider = "cuda" | "cpu";

export interface LoadOptions {
  /** Providers in order of preference; default ["cuda", "cpu"]. */
  executionProviders?: ExecutionProvider[];
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  intraOpNumThreads?: number;
  /** Longest sequence the model takes (default: the embedded model's 128, else 2048). */
  maxContext?: number;
  /** A name recorded in challenges and data-set records (default: the file's base name). */
  id?: string;
}

export interface ModelIo {
  inputIds: string;
  idsType: "int64" | "int32";
  attentionMask: string | null;
  maskType: "int64" | "int32" | "bool" | "float32";
  positionIds: string | null;
  positionType: "int64" | "int32";
  logits: string;
  logitsType: "float32" | "float16";
}

export interface CausalLm {
  readonly id: string;
  readonly tokenizer: Tokenizer;
  /** Logit columns (can exceed the tokenizer's vocabulary when the export pads it). */
  readonly vocabSize: number;
  readonly maxContext: number;
  readonly executionProvider: ExecutionProvider;
  readonly intraOpNumThreads: number | undefined;
  readonly io: ModelIo;
  /** Logits of a rectangular batch of token-id rows, row-major [batch, seq, vocabSize]. */
  forward(rows: readonly (readonly number[])[]): Promise<Float32Array>;
  /**
   * Logits at `positions` only (sorted, distinct, inside the rows), row-major
   * [batch, positions.length, vocabSize]: `forward`'s values at those positions, computed by the
   * same model with less work (float32 summation order aside: equal within 1e-5 here, tested).
   * Present when the model has such a graph (the embedded one); the infer verifier uses it.
   */
  forwardAt?(rows: readonly (readonly number[])[], positions: readonly number[]): Promise<Float32Array>;
  release(): Promise<void>;
}

function cudaAvailable(): boolean {
  // The CUDA provider is a separate shared library next to the binding; npm installs without
  // GPU binaries do not have it, and asking for it would only log a load failure.
  try {
    const dir = path.dirname(require.resolve(`onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`));
    const lib = process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so";
    return existsSync(path.join(dir, lib));
  } catch {
    return false;
  }
}

async function createSession(bytes: Uint8Array, opts: LoadOptions): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  const wanted = opts.executionProviders ?? ["cuda", "cpu"];
  if (wanted.length === 0) throw new LlmError("LlmBadOption", "executionProviders is empty");
  const threads = opts.intraOpNumThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new LlmError("LlmBadOption", `intraOpNumThreads must be an integer in 1..256, got ${threads}`);
  }
  let lastError: unknown;
  for (const provider of wanted) {
    if (provider === "cuda" && !cudaAvailable()) {
      lastError = new Error("this onnxruntime-node install has no CUDA provider library");
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
        interOpNumThreads: 1,
        graphOptimizationLevel: "all",
        logSeverityLevel: 3,
      });
      return { session, provider };
    } catch (cause) {
      lastError = cause;
    }
  }
  throw new LlmError("LlmModelLoad", `no execution provider of [${wanted.join(", ")}] could load the model`, { cause: lastError });
}

const INT_TYPES = new Set(["int64", "int32"]);

/** Finds the token-ids input, the optional mask / positions, and the logits output. */
export function detectIo(session: Pick<ort.InferenceSession, "inputMetadata" | "outputMetadata">): ModelIo {
  const inputs = session.inputMetadata;
  const tensorType = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? String(m.type) : "non-tensor");
  const ids =
    inputs.find((m) => m.name === "input_ids") ??
    inputs.find((m) => /ids|tokens|input/i.test(m.name) && !/mask|position|past/i.test(m.name) && INT_TYPES.has(tensorType(m)));
  if (!ids || !INT_TYPES.has(tensorType(ids))) {
    throw new LlmError("LlmBadModel", `no int64/int32 token-ids input among [${inputs.map((m) => m.name).join(", ")}]`);
  }
  const mask = inputs.find((m) => m !== ids && /attention_mask|mask/i.test(m.name)) ?? null;
  const pos = inputs.find((m) => m !== ids && /position/i.test(m.name)) ?? null;
  const others = inputs.filter((m) => m !== ids && m !== mask && m !== pos);
  if (others.length > 0) {
    throw new LlmError(
      "LlmBadModel",
      `unsupported extra inputs [${others.map((m) => m.name).join(", ")}]: export the model without a KV cache (input ids in, logits out)`,
    );
  }
  const outputs = session.outputMetadata;
  const logits = outputs.find((m) => m.name === "logits") ?? outputs.find((m) => ["float32", "float16"].includes(tensorType(m)));
  if (!logits || !["float32", "float16"].includes(tensorType(logits))) {
    throw new LlmError("LlmBadModel", `no float logits output among [${outputs.map((m) => m.name).join(", ")}]`);
  }
  const maskType = mask ? tensorType(mask) : "int64";
  if (!["int64", "int32", "bool", "float32"].includes(maskType)) {
    throw new LlmError("LlmBadModel", `attention mask ${mask!.name} has unsupported type ${maskType}`);
  }
  const positionType = pos ? tensorType(pos) : "int64";
  if (!INT_TYPES.has(positionType)) throw new LlmError("LlmBadModel", `position input ${pos!.name} has type ${positionType}`);
  return {
    inputIds: ids.name,
    idsType: tensorType(ids) as ModelIo["idsType"],
    attentionMask: mask?.name ?? null,
    maskType: maskType as ModelIo["maskType"],
    positionIds: pos?.name ?? null,
    positionType: positionType as ModelIo["positionType"],
    logits: logits.name,
    logitsType: tensorType(logits) as ModelIo["logitsType"],
  };
}

function intTensor(type: "int64" | "int32", values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (type === "int64") {
    const a = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) a[i] = BigInt(values[i]);
    return new ort.Tensor("int64", a, dims);
  }
  return new ort.Tensor("int32", Int32Array.from(values), dims);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

class OrtCausalLm implements CausalLm {
  /** The positions graph's session, created on the first `forwardAt` (only the verifier asks). */
  private atSession: Promise<ort.InferenceSession> | null = null;
  forwardAt?: (rows: readonly (readonly number[])[], positions: readonly number[]) => Promise<Float32Array>;

  constructor(
    readonly id: string,
    readonly tokenizer: Tokenizer,
    private readonly session: ort.InferenceSession,
    readonly io: ModelIo,
    readonly vocabSize: number,
    readonly maxContext: number,
    readonly executionProvider: ExecutionProvider,
    readonly intraOpNumThreads: number | undefined,
    /** ONNX bytes of the same model with a `positions` input (build-model.ts atPositions), if any. */
    private readonly atPositionsBytes?: () => Uint8Array,
  ) {
    if (atPositionsBytes) this.forwardAt = (rows, positions) => this.runAt(rows, positions);
  }

  /** Checks a batch and flattens its ids (the rules of `forward`). */
  private flatten(rows: readonly (readonly number[])[]): { B: number; T: number; flat: number[] } {
    const B = rows.length;
    if (B === 0 || B > MAX_FORWARD_BATCH) throw new LlmError("LlmBadInput", `batch of ${B} rows, expected 1..${MAX_FORWARD_BATCH}`);
    const T = rows[0].length;
    if (T === 0 || T > this.maxContext) throw new LlmError("LlmBadInput", `sequence of ${T} tokens, expected 1..${this.maxContext}`);
    const flat = new Array<number>(B * T);
    for (let b = 0; b < B; b++) {
      const row = rows[b];
      if (row.length !== T) throw new LlmError("LlmBadInput", `ragged batch: row ${b} has ${row.length} tokens, row 0 has ${T}`);
      for (let t = 0; t < T; t++) {
        const id = row[t];
        if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
          throw new LlmError("LlmBadInput", `token id ${id} at row ${b} position ${t} outside 0..${this.vocabSize - 1}`);
        }
        flat[b * T + t] = id;
      }
    }
    return { B, T, flat };
  }

  /** forwardAt for the embedded model: its positions graph (ids only, no mask or position ids). */
  private async runAt(rows: readonly (readonly number[])[], positions: readonly number[]): Promise<Float32Array> {
    const { B, T, flat } = this.flatten(rows);
    const P = positions.length;
    if (P === 0 || P > T) throw new LlmError("LlmBadInput", `${P} positions for sequences of ${T} tokens`);
    for (let i = 0; i < P; i++) {
      const p = positions[i];
      if (!Number.isInteger(p) || p < 0 || p >= T || (i > 0 && p <= positions[i - 1])) throw new LlmError("LlmBadInput", "positions must be sorted, distinct and inside the rows");
    }
    this.atSession ??= createSession(this.atPositionsBytes!(), { executionProviders: [this.executionProvider], intraOpNumThreads: this.intraOpNumThreads }).then((s) => s.session);
    const session = await this.atSession;
    const out = await session.run({ [this.io.inputIds]: intTensor(this.io.idsType, flat, [B, T]), positions: intTensor("int64", positions, [P]) }, [this.io.logits]);
    const logits = out[this.io.logits];
    const dims = logits.dims;
    if (dims.length !== 3 || dims[0] !== B || dims[1] !== P || dims[2] !== this.vocabSize || logits.type !== "float32") {
      throw new LlmError("LlmBadModel", `positions logits of shape [${dims.join(", ")}], expected [${B}, ${P}, ${this.vocabSize}]`);
    }
    return logits.data as Float32Array;
  }

  async forward(rows: readonly (readonly number[])[]): Promise<Float32Array> {
    const { B, T, flat } = this.flatten(rows);
    const feeds: Record<string, ort.Tensor> = { [this.io.inputIds]: intTensor(this.io.idsType, flat, [B, T]) };
    if (this.io.attentionMask) {
      const n = B * T;
      const t = this.io.maskType;
      feeds[this.io.attentionMask] =
        t === "bool"
          ? new ort.Tensor("bool", new Uint8Array(n).fill(1), [B, T])
          : t === "float32"
            ? new ort.Tensor("float32", new Float32Array(n).fill(1), [B, T])
            : intTensor(t, new Array<number>(n).fill(1), [B, T]);
    }
    if (this.io.positionIds) {
      const p = new Array<number>(B * T);
      for (let i = 0; i < p.length; i++) p[i] = i % T;
      feeds[this.io.positionIds] = intTensor(this.io.positionType, p, [B, T]);
    }
    const out = await this.session.run(feeds, [this.io.logits]);
    const logits = out[this.io.logits];
    const dims = logits.dims;
    if (dims.length !== 3 || dims[0] !== B || dims[1] !== T || dims[2] !== this.vocabSize) {
      throw new LlmError("LlmBadModel", `logits of shape [${dims.join(", ")}], expected [${B}, ${T}, ${this.vocabSize}]`);
    }
    if (logits.type === "float32") return logits.data as Float32Array;
    const h = logits.data as Uint16Array;
    const f = new Float32Array(h.length);
    for (let i = 0; i < h.length; i++) f[i] = halfToFloat(h[i]);
    return f;
  }

  async release(): Promise<void> {
    await this.session.release();
    if (this.atSession) await (await this.atSession).release();
  }
}

/** Loads a model from ONNX bytes with its tokenizer. */
export async function loadModelFromBytes(bytes: Uint8Array, tokenizer: Tokenizer, opts: LoadOptions = {}, atPositionsBytes?: () => Uint8Array): Promise<CausalLm> {
  const maxContext = opts.maxContext ?? DEFAULT_MAX_CONTEXT;
  if (!Number.isInteger(maxContext) || maxContext < 1) throw new LlmError("LlmBadOption", `maxContext must be a positive integer, got ${maxContext}`);
  const { session, provider } = await createSession(bytes, opts);
  try {
    const io = detectIo(session);
    // The vocabulary size is the logits' last dimension: from metadata when static, else probed.
    const meta = session.outputMetadata.find((m) => m.name === io.logits);
    let vocab = meta && meta.isTensor && typeof meta.shape[2] === "number" ? (meta.shape[2] as number) : 0;
    if (vocab <= 0) vocab = await probeVocab(session, io, tokenizer.bos ?? 0);
    if (tokenizer.vocabSize > vocab) {
      throw new LlmError("LlmBadTokenizer", `tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} tokens but the model outputs ${vocab} logits`);
    }
    return new OrtCausalLm(opts.id ?? "model", tokenizer, session, io, vocab, maxContext, provider, opts.intraOpNumThreads, atPositionsBytes);
  } catch (e) {
    await session.release();
    throw e;
  }
}

/** Runs one token to read the logits' last dimension when the metadata leaves it symbolic. */
async function probeVocab(session: ort.InferenceSession, io: ModelIo, firstId: number): Promise<number> {
  const feeds: Record<string, ort.Tensor> = { [io.inputIds]: intTensor(io.idsType, [firstId], [1, 1]) };
  if (io.attentionMask) {
    const t = io.maskType;
    feeds[io.attentionMask] =
      t === "bool" ? new ort.Tensor("bool", new Uint8Array([1]), [1, 1]) : t === "float32" ? new ort.Tensor("float32", new Float32Array([1]), [1, 1]) : intTensor(t, [1], [1, 1]);
  }
  if (io.positionIds) feeds[io.positionIds] = intTensor(io.positionType, [0], [1, 1]);
  const out = await session.run(feeds, [io.logits]);
  const dims = out[io.logits].dims;
  if (dims.length !== 3) throw new LlmError("LlmBadModel", `logits of rank ${dims.length}, expected 3`);
  return dims[2];
}

/** Loads any exported causal LM from an ONNX file and a tokenizer file. */
export async function loadModel(onnxPath: string, tokenizerPath: string, opts: LoadOptions = {}): Promise<CausalLm> {
  let bytes: Uint8Array;
  let tokText: string;
  try {
    bytes = await readFile(onnxPath);
  } catch (cause) {
    throw new LlmError("LlmModelLoad", `cannot read model file ${onnxPath}`, { cause });
  }
  try {
    tokText = await readFile(tokenizerPath, "utf8");
  } catch (cause) {
    throw new LlmError("LlmBadTokenizer", `cannot read tokenizer file ${tokenizerPath}`, { cause });
  }
  const tokenizer = parseTokenizerFile(tokText);
  return loadModelFromBytes(bytes, tokenizer, { ...opts, id: opts.id ?? path.basename(onnxPath).replace(/\.onnx$/, "") });
}

/** The embedded poai-tiny-lm-v1 (built in memory from its seed). */
export async function loadEmbeddedModel(opts: Omit<LoadOptions, "maxContext" | "id"> = {}): Promise<CausalLm> {
  return loadModelFromBytes(embeddedModelBytes().bytes, new ByteTokenizer(), { ...opts, maxContext: TINY_LM_DIMS.context, id: TINY_LM_ID }, () => embeddedAtPositionsBytes().bytes);
}

/** Writes the embedded model and its tokenizer file into `dir`; returns both paths. */
export async function writeEmbeddedModel(dir: string): Promise<{ onnxPath: string; tokenizerPath: string }> {
  await mkdir(dir, { recursive: true });
  const onnxPath = path.join(dir, `${TINY_LM_ID}.onnx`);
  const tokenizerPath = path.join(dir, `${TINY_LM_ID}.tokenizer.json`);
  await writeFile(onnxPath, embeddedModelBytes().bytes);
  await writeFile(tokenizerPath, JSON.stringify(new ByteTokenizer().toJSON()) + "\n");
  return { onnxPath, tokenizerPath };
}
