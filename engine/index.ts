/**
 * The PoAI challenge engine: pure computation shared by the oracle, the node agent and the
 * fleet simulator (no HTTP, no database, no chain). See docs/challenges.md.
 *
 * This barrel is the verifier side and loads no native code: the node kernels
 * (engine/gemm/kernel.ts, and engine/llm, whose model runs on onnxruntime) are imported from
 * their own modules by the code that runs them.
 */
export * from "./slash-reason";
export * from "./merkle";
export * from "./prng";
export * from "./hardware";
export * from "./sizing";
export * from "./gemm/errors";
export * from "./gemm/spec";
export * from "./gemm/formats";
export * from "./gemm/data";
export * from "./gemm/verifier-key";
export * from "./gemm/verify";
export * from "./vram";
export * from "./timing";
export * from "./verdict";
export * from "./judge";
