import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { keccak256, stringToBytes } from "viem";
import { LlmError } from "./errors";
import { generateText, sampleToken } from "./generate";
import { runInfer } from "./infer";
import { loadEmbeddedModel, type CausalLm } from "./model";
import { choosePositions, generateInferChallenge } from "./prompts";

const SEED = keccak256(stringToBytes("generate.test"));

/** What one process computes: a text, a challenge and the root of its answer. */
async function probe(model: CausalLm) {
  const text = await generateText(model, { seed: SEED, prompt: "the ", maxNewTokens: 24, temperature: 0.8, topK: 20 });
  const challenge = await generateInferChallenge(SEED, { batch: 6, promptLen: 24, model });
  const answer = await runInfer(model, challenge);
  return { text: text.text, prompts: challenge.prompts, positions: challenge.positions, root: answer.root };
}

test("sampling: greedy, top-k and banned tokens", () => {
  const logits = Float32Array.from([0, 3, 3, 1, -2]);
  const none = new Set<number>();
  assert.equal(sampleToken(logits, 0, 5, 0.99, 0, 0, none), 1); // greedy, tie to the lowest id
  assert.equal(sampleToken(logits, 0, 5, 0.2, 1, 1, new Set([1])), 2);
  for (let i = 0; i < 50; i++) assert.ok([1, 2].includes(sampleToken(logits, 0, 5, i / 50, 1, 2, none)));
  assert.equal(sampleToken(logits, 0, 5, 0.999999, 1, 0, none), 4); // the last candidate of the cumulative sum
});

test("generation and fingerprints: identical across runs and across intra-op threads 1 vs 2", async () => {
  const m1 = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  const m2 = await loadEmbeddedModel({ intraOpNumThreads: 2 });
  try {
    const a = await probe(m1);
    const b = await probe(m1);
    const c = await probe(m2);
    assert.deepEqual(a, b);
    assert.deepEqual(a, c);
    assert.equal(a.prompts.length, 6);
    assert.ok(a.prompts.every((p) => p.length === 24 && p[0] === 256 && p.slice(1).every((t) => t < 256)));
    // Another seed gives other text; the text is mostly lowercase letters and spaces.
    const other = await generateText(m1, { seed: keccak256(stringToBytes("other")), prompt: "the ", maxNewTokens: 24 });
    assert.notEqual(other.text, a.text);
    const letters = [...a.prompts.flat()].filter((t) => t === 32 || (t >= 97 && t <= 122)).length;
    assert.ok(letters / (6 * 23) > 0.7, `share of lowercase and space ${letters / (6 * 23)}`);
    await assert.rejects(generateText(m1, { seed: SEED, maxNewTokens: 4, temperature: -1 }), (e: unknown) => e instanceof LlmError && e.code === "EN202");
    await assert.rejects(generateText(m1, { seed: "0x1234", maxNewTokens: 4 }), (e: unknown) => e instanceof LlmError && e.code === "EN201");
  } finally {
    await m1.release();
    await m2.release();
  }
});

test("generation and fingerprints: identical in a separate process", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "poai-llm-probe-"));
  try {
    const script = path.join(dir, "probe.ts");
    const here = __dirname;
    await writeFile(
      script,
      `import { loadEmbeddedModel, generateText, generateInferChallenge, runInfer } from ${JSON.stringify(path.join(here, "index"))};
(async () => {
  const SEED = process.argv[2] as \`0x\${string}\`;
  const model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  const text = await generateText(model, { seed: SEED, prompt: "the ", maxNewTokens: 24, temperature: 0.8, topK: 20 });
  const challenge = await generateInferChallenge(SEED, { batch: 6, promptLen: 24, model });
  const answer = await runInfer(model, challenge);
  process.stdout.write(JSON.stringify({ text: text.text, prompts: challenge.prompts, positions: challenge.positions, root: answer.root }));
})();
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, SEED], { cwd: path.join(here, "..", ".."), timeout: 60_000 });
    const m = await loadEmbeddedModel({ intraOpNumThreads: 1 });
    try {
      assert.deepEqual(JSON.parse(stdout), await probe(m));
    } finally {
      await m.release();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("sampled positions: sorted, distinct, inside the prompt, always the last one", () => {
  const p = choosePositions(SEED, 64, 8);
  assert.equal(p.length, 8);
  assert.equal(p[7], 63);
  assert.ok(p.every((x, i) => x >= 1 && x < 64 && (i === 0 || x > p[i - 1])));
  assert.deepEqual(choosePositions(SEED, 64, 8), p);
  assert.notDeepEqual(choosePositions(keccak256(stringToBytes("x")), 64, 8), p);
  assert.throws(() => choosePositions(SEED, 8, 8), (e: unknown) => e instanceof LlmError && e.code === "EN202");
});
