/**
 * The engine's error catalogue: every reason an engine module can fail for, by its readable
 * name, with its EN code (docs/errors.md says where each happens and what to do). One table, so
 * a number is never given twice; each module's error class takes the names of its own group.
 *
 *   EN0xx  primitives: PRNG streams (EN00x), Merkle trees (EN01x), the WebAssembly assembler (EN02x)
 *   EN1xx  challenges: gemm (EN10x), vram (EN11x)
 *   EN2xx  the LLM and the infer challenge
 *   EN3xx  sizing (EN30x), hardware claims (EN31x), timing (EN32x), judgment (EN33x), rewards (EN34x)
 */
import type { ErrorCode } from "./errors";

export const ENGINE_ERRORS = {
  PrngBadSeed: "EN001",
  PrngBadShape: "EN002",
  PrngBadIndex: "EN003",
  MerkleEmpty: "EN011",
  MerkleTooLarge: "EN012",
  MerkleBadLeaf: "EN013",
  MerkleBadIndex: "EN014",
  MerkleBadData: "EN015",
  WasmAsmBadModule: "EN021",

  GemmBadSpec: "EN101",
  GemmBadOpening: "EN102",
  GemmRuntime: "EN103",
  VramBadSpec: "EN111",
  VramBadCache: "EN112",
  VramBadDataset: "EN113",

  LlmBadSeed: "EN201", // a seed that is not a 32-byte hex string
  LlmBadOption: "EN202", // an option outside its documented bounds
  LlmBadTokenizer: "EN203", // a tokenizer file that does not parse or does not fit the model
  LlmBadModel: "EN204", // an ONNX model without usable token-ids input / logits output
  LlmModelLoad: "EN205", // onnxruntime could not create a session
  LlmBadInput: "EN206", // token ids outside the vocabulary, ragged batch, sequence too long
  LlmBadChallenge: "EN207", // an infer challenge that is malformed
  LlmBadAnswer: "EN208", // an infer answer or opening that is malformed

  SizingBadTarget: "EN301",
  SizingTooSmall: "EN302",
  HardwareUnknownModel: "EN311",
  HardwareBadClaim: "EN312",
  HardwareClaimAbovePeak: "EN313",
  TimingBadInput: "EN321",
  JudgeBadInput: "EN331",
  RewardsBadInput: "EN341",
} as const satisfies Record<string, ErrorCode>;

export type EngineErrorReason = keyof typeof ENGINE_ERRORS;

/** The reasons of one module's group, by their common prefix (`Gemm`, `Llm`...). */
export type EngineReasons<Prefix extends string> = Extract<EngineErrorReason, `${Prefix}${string}`>;
