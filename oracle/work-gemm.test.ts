/**
 * The oracle's gemm path (plan, openings, verification, and the wire codec it decodes with)
 * loads no onnxruntime: verifying gemm needs no native code, only the infer verifier needs the
 * model. Loaded alone in a fresh process that records every module file and native addon.
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

const ROOT = path.join(__dirname, "..");

// Each module with one module it must have loaded: a check that it ran at all.
for (const [module, needs] of [
  ["oracle/work-gemm.ts", "engine/gemm/verify.ts"],
  ["protocol/wire/gemm.ts", "engine/gemm/formats.ts"],
]) {
  test(`${module} loads no onnxruntime`, () => {
    const files = loadedBy(path.join(ROOT, module));
    assert.ok(files.includes(path.join(ROOT, needs)), `${needs} is recorded`);
    assert.deepEqual(files.filter((f) => /onnxruntime/.test(f)), []);
  });
}
