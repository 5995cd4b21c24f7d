/**
 * The verifier side of the gemm challenge loads no native code: the oracle and the simulator
 * import these modules and must not pay for (or depend on) onnxruntime, which only the node
 * kernel (kernel.ts) needs. Each module is loaded alone in a fresh process that records every
 * module file and every native addon it loads.
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

const ENGINE = path.join(__dirname, "..");

for (const module of ["gemm/verify.ts", "gemm/verifier-key.ts", "gemm/spec.ts", "gemm/data.ts", "index.ts"]) {
  test(`engine/${module} loads no onnxruntime`, () => {
    const file = path.join(ENGINE, module);
    const files = loadedBy(file);
    assert.ok(files.includes(file), "the module itself is recorded");
    assert.deepEqual(onnxruntime(files), []);
  });
}

test("the check sees onnxruntime when the node kernel is loaded", () => {
  assert.notDeepEqual(onnxruntime(loadedBy(path.join(ENGINE, "gemm/kernel.ts"))), []);
});
