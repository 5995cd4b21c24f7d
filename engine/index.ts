/**
 * The PoAI challenge engine: pure computation shared by the oracle, the node agent and the
 * fleet simulator (no HTTP, no database, no chain). See docs/challenges.md.
 */
export * from "./slash-reason";
export * from "./merkle";
export * from "./prng";
export * from "./hardware";
export * from "./sizing";
export * from "./gemm";
export * from "./vram";
export * from "./timing";
export * from "./verdict";
export * from "./judge";
/** The embedded LLM and the infer challenge (engine/llm). */
export * as llm from "./llm";
