import { test } from "node:test";
import assert from "node:assert/strict";
import { parseComputeApps, parseGpuMemory, MAX_REPORTED_PROCESSES } from "./gpu";

test("nvidia-smi compute apps are parsed, names with commas kept whole", () => {
  const csv = "1234, python, 2048 MiB\n 99, /usr/bin/miner, v2, 512 MiB\n\n";
  assert.deepEqual(parseComputeApps(csv), [
    { pid: 1234, name: "python", usedMemoryMiB: 2048 },
    { pid: 99, name: "/usr/bin/miner, v2", usedMemoryMiB: 512 },
  ]);
});

test("malformed lines and the no-process notice are skipped, the list is bounded", () => {
  assert.deepEqual(parseComputeApps("No running processes found\ngarbage\n-1, x, 5 MiB\n7, y, [N/A]\n"), []);
  const many = Array.from({ length: 100 }, (_, i) => `${i + 1}, p${i}, 1 MiB`).join("\n");
  assert.equal(parseComputeApps(many).length, MAX_REPORTED_PROCESSES);
});

test("GPU memory query is parsed", () => {
  assert.deepEqual(parseGpuMemory("24564, NVIDIA GeForce RTX 4090\n81920, NVIDIA A100-SXM4-80GB\n"), [
    { memoryMiB: 24564, name: "NVIDIA GeForce RTX 4090" },
    { memoryMiB: 81920, name: "NVIDIA A100-SXM4-80GB" },
  ]);
});
