/**
 * Tokenizers and the tokenizer file formats the model loader reads.
 *
 * - "poai-bytes-v1": one token per byte (ids 0..255) plus BOS 256, EOS 257, PAD 258. The file is
 *   `{"format":"poai-bytes-v1"}` (the embedded model's tokenizer).
 * - "vocab-list-v1": for another exported causal LM, the model's vocabulary as a JSON list of
 *   token strings (index = id), with optional special ids:
 *   `{"format":"vocab-list-v1","name":"...","vocab":["<s>","</s>","a",...],"bos":0,"eos":1,"pad":null,"unk":3}`.
 *   Encoding is greedy longest match over the vocabulary; tokens of the form `<0xAB>`
 *   (SentencePiece byte fallback) stand for a raw byte, and "▁" (U+2581) for a space.
 *
 * Pure: parsing works on the file's text; reading the file is the loader's job.
 */
import { z } from "zod";
import { LlmError } from "./errors";

export const BYTE_TOKENIZER_NAME = "poai-bytes-v1";
export const BOS_ID = 256;
export const EOS_ID = 257;
export const PAD_ID = 258;
export const BYTE_VOCAB_SIZE = 259;
/** Largest vocabulary a vocab-list file may declare (bounded parse work). */
export const MAX_VOCAB_SIZE = 1_000_000;
/** Longest token string considered by the greedy matcher. */
export const MAX_TOKEN_CHARS = 64;

export interface Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly pad: number | null;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** The file this tokenizer was read from (to write it next to an exported model). */
  toJSON(): TokenizerFile;
}

export class ByteTokenizer implements Tokenizer {
  readonly name = BYTE_TOKENIZER_NAME;
  readonly vocabSize = BYTE_VOCAB_SIZE;
  readonly bos = BOS_ID;
  readonly eos = EOS_ID;
  readonly pad = PAD_ID;
  encode(text: string): number[] {
    return Array.from(new TextEncoder().encode(text));
  }
  /** Bytes to text; special tokens are dropped and invalid UTF-8 becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    return new TextDecoder("utf-8", { fatal: false }).decode(Uint8Array.from(ids.filter((i) => i >= 0 && i < 256)));
  }
  toJSON(): TokenizerFile {
    return { format: BYTE_TOKENIZER_NAME };
  }
}

const specialId = z.number().int().nonnegative().nullable().optional();
const tokenizerFileSchema = z.discriminatedUnion("format", [
  z.object({ format: z.literal(BYTE_TOKENIZER_NAME) }).strict(),
  z
    .object({
      format: z.literal("vocab-list-v1"),
      name: z.string().max(200).optional(),
      vocab: z.array(z.string()).min(1).max(MAX_VOCAB_SIZE),
      bos: specialId,
      eos: specialId,
      pad: specialId,
      unk: specialId,
    })
    .strict(),
]);
export type TokenizerFile = z.infer<typeof tokenizerFileSchema>;

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export class VocabListTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly pad: number | null;
  readonly unk: number | null;
  private readonly byId: string[];
  private readonly byText = new Map<string, number>();
  private readonly byteIds = new Map<number, number>();
  private readonly special = new Set<number>();
  private maxLen = 1;

  constructor(private readonly file: Extract<TokenizerFile, { format: "vocab-list-v1" }>) {
    this.name = file.name ?? "vocab-list";
    this.byId = file.vocab;
    this.vocabSize = file.vocab.length;
    const check = (v: number | null | undefined, what: string) => {
      if (v === undefined || v === null) return null;
      if (v >= this.vocabSize) throw new LlmError("LlmBadTokenizer", `${what} id ${v} outside the vocabulary of ${this.vocabSize}`);
      this.special.add(v);
      return v;
    };
    this.bos = check(file.bos, "bos");
    this.eos = check(file.eos, "eos");
    this.pad = check(file.pad, "pad");
    this.unk = check(file.unk, "unk");
    file.vocab.forEach((tok, id) => {
      if (this.special.has(id)) return;
      const m = BYTE_TOKEN.exec(tok);
      if (m) {
        this.byteIds.set(parseInt(m[1], 16), id);
        return;
      }
      const text = tok.replace(/\u2581/g, " ");
      if (text.length === 0 || text.length > MAX_TOKEN_CHARS) return;
      if (!this.byText.has(text)) this.byText.set(text, id); // first id wins on duplicates
      this.maxLen = Math.max(this.maxLen, text.length);
    });
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let i = 0;
    while (i < text.length) {
      let matched = false;
      for (let len = Math.min(this.maxLen, text.length - i); len >= 1; len--) {
        const id = this.byText.get(text.slice(i, i + len));
        if (id !== undefined) {
          ids.push(id);
          i += len;
          matched = true;
          break;
        }
      }
      if (matched) continue;
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      const bytes = new TextEncoder().encode(ch);
      if (bytes.every((b) => this.byteIds.has(b))) {
        for (const b of bytes) ids.push(this.byteIds.get(b)!);
      } else if (this.unk !== null) {
        ids.push(this.unk);
      } else {
        throw new LlmError("LlmBadInput", `character U+${cp.toString(16)} has no token and the tokenizer has no unk`);
      }
      i += ch.length;
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.special.has(id)) continue;
      const tok = this.byId[id];
      const m = BYTE_TOKEN.exec(tok);
      if (m) bytes.push(parseInt(m[1], 16));
      else bytes.push(...enc.encode(tok.replace(/\u2581/g, " ")));
    }
    return new TextDecoder("utf-8", { fatal: false }).decode(Uint8Array.from(bytes));
  }

  toJSON(): TokenizerFile {
    return this.file;
  }
}

/** Parses a tokenizer file's text (either format). */
export function parseTokenizerFile(text: string): Tokenizer {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new LlmError("LlmBadTokenizer", "tokenizer file is not JSON", { cause });
  }
  const parsed = tokenizerFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LlmError("LlmBadTokenizer", `tokenizer file does not match a known format: ${parsed.error.issues[0]?.message ?? "invalid"}`, {
      cause: parsed.error,
    });
  }
  return parsed.data.format === BYTE_TOKENIZER_NAME ? new ByteTokenizer() : new VocabListTokenizer(parsed.data);
}
