/**
 * The tasks of the oracle's worker pool and the one function that runs them: the entry file of
 * every worker thread (pool.ts), and what the pool calls on the main thread when it runs inline.
 * Tasks and results are plain data (hex strings, numbers, arrays, JSON objects): they are copied
 * across the thread boundary by structured clone, so nothing here may hold a database handle or
 * a chain client.
 *
 * Each thread keeps its own verifier state: the gemm verifier keys of the recent epochs, and the
 * embedded LLM, loaded on the thread's first infer answer (imported then, so a pool that only
 * verifies gemm never loads onnxruntime).
 */
import { judgeEpochPlain, type PlainJudgeInput } from "./judging";
import type { NodeEpochInput } from "./report";
import { answerSignatureResult, type ChallengeKind, type VerifyArgs, type VerifyResult } from "./work";
import { GemmVerifier } from "./work-gemm";
import type { InferVerifier } from "./work-infer";

export type PoolTask = { op: "verify"; kind: ChallengeKind; args: VerifyArgs } | { op: "judge"; input: PlainJudgeInput };

/** What each task answers. */
export interface PoolResults {
  verify: VerifyResult;
  judge: NodeEpochInput[];
}

const gemm = new GemmVerifier();
let infer: InferVerifier | undefined;

/**
 * The infer verifier, loaded on first use. A CommonJS require, not `import()`: in a worker thread
 * tsx resolves the extensionless TypeScript path through its require hook only.
 */
function inferVerifier(): InferVerifier {
  infer ??= new (require("./work-infer") as typeof import("./work-infer")).InferVerifier();
  return infer;
}

async function verify(kind: ChallengeKind, args: VerifyArgs): Promise<VerifyResult> {
  const unsigned = await answerSignatureResult(args);
  if (unsigned) return unsigned;
  switch (kind) {
    case "gemm":
      return gemm.verify(args);
    case "infer":
      return inferVerifier().verify(args);
    default:
      throw new Error(`no verifier for challenge kind ${String(kind)}`);
  }
}

export async function runTask(task: PoolTask): Promise<PoolResults[PoolTask["op"]]> {
  switch (task.op) {
    case "verify":
      return verify(task.kind, task.args);
    case "judge":
      return judgeEpochPlain(task.input);
    default:
      throw new Error(`unknown pool task ${String((task as { op: unknown }).op)}`);
  }
}

export default runTask;
