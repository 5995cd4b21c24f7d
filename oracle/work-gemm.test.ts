/**
 * The gemm verifier side loads no native code: the oracle (plan, openings, verification and the
 * wire codec it decodes with) and the simulator import these modules and must not pay for (or
 * depend on) onnxruntime, which only the node kernel (engine/gemm/kernel.ts) needs; only the
 * infer verifier needs the model (the worker pool loads it on its first infer answer). Each module is loaded alone in a fresh process that records
 * every module file and every native addon it loads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";

/** Every module file and native addon that loading `file` in a fresh process pulls in. */
function loadedBy(file: string): string[] {
  const code = `
    const loaded = [];
    const dlopen = process.dlopen;
    process.dlopen = function (module, filename, ...rest) { loaded.push(filename); return dlopen.call(this, module, filename, ...rest); };
    require(${JSON.stringify(file)});
    loaded.push(...Object.keys(require.cache));
    process.stdout.write(JSON.stringify(loaded));`;
  return JSON.parse(execFileSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", timeout: 60_000 }));
}

const onnxruntime = (files: string[]) => files.filter((f) => /onnxruntime/.test(f));

const ROOT = path.join(__dirname, "..");

// Each module with one module it must have loaded: a check that it ran at all.
for (const [module, needs] of [
  ["engine/gemm/verify.ts", "engine/gemm/verify.ts"],
  ["engine/gemm/verifier-key.ts", "engine/gemm/verifier-key.ts"],
  ["engine/gemm/spec.ts", "engine/gemm/spec.ts"],
  ["engine/gemm/data.ts", "engine/gemm/data.ts"],
  ["engine/index.ts", "engine/gemm/verify.ts"],
  ["protocol/wire/gemm.ts", "engine/gemm/formats.ts"],
  ["oracle/work-gemm.ts", "engine/gemm/verify.ts"],
  // The worker pool's tasks load the infer verifier (and onnxruntime) on the first infer answer only.
  ["oracle/pool.ts", "oracle/pool-tasks.ts"],
]) {
  test(`${module} loads no onnxruntime`, () => {
    const files = loadedBy(path.join(ROOT, module));
    assert.ok(files.includes(path.join(ROOT, needs)), `${needs} is recorded`);
    assert.deepEqual(onnxruntime(files), []);
  });
}

test("the check sees onnxruntime when the node kernel is loaded", () => {
  assert.notDeepEqual(onnxruntime(loadedBy(path.join(ROOT, "engine/gemm/kernel.ts"))), []);
});
