/**
 * The LLM engine of PoAI: the embedded model, the loader for any exported causal LM, seeded
 * generation, and the infer challenge (generation, node work, openings, verification, data-set
 * export, costs). Pure computation except reading and writing model files (model.ts).
 */
export { LlmError, type LlmErrorReason } from "./errors";
export { CounterRng, deriveSeed } from "./rng";
export { buildTinyLm, embeddedModelBytes, TINY_LM_DIMS, TINY_LM_ID, TINY_LM_SEED, TINY_LM_SHA256, type BuiltModel, type TinyLmDims } from "./build-model";
export { roundWeights, type WeightPrecision } from "./precision";
export { ByteTokenizer, VocabListTokenizer, parseTokenizerFile, BYTE_TOKENIZER_NAME, BOS_ID, EOS_ID, PAD_ID, type Tokenizer, type TokenizerFile } from "./tokenizer";
export { loadEmbeddedModel, loadModel, loadModelFromBytes, writeEmbeddedModel, type CausalLm, type LoadOptions, type ExecutionProvider } from "./model";
export { generateText, generateBatch, type SamplingOptions, type GenerateTextOptions } from "./generate";
export {
  generateInferChallenge,
  generatePromptPool,
  choosePositions,
  checkInferChallenge,
  INFER_VERSION,
  POOL_VERSION,
  type InferChallenge,
  type InferChallengeOptions,
  type PromptPool,
} from "./prompts";
export { QUANT_SCALE, TOL_ABS, TOL_REL, compareFingerprint, type Fingerprint } from "./fingerprint";
export {
  runInfer,
  chooseInferOpenings,
  openInfer,
  verifyInferOpenings,
  checkInferOpenings,
  itemLeaf,
  DEFAULT_INFER_OPENINGS,
  type InferAnswer,
  type InferOpening,
  type InferVerification,
} from "./infer";
export { exportSyntheticRecords, SYNTHETIC_DATASET_VERSION, type SyntheticRecord } from "./dataset";
export { inferFlops, measureInferCosts, type InferCosts } from "./costs";
