/**
 * LLM engine figures on this machine: model size and parameters, forward time per batch, prompt
 * generation, verification over inference cost, and the distances behind the fingerprint
 * tolerance (honest hardware noise vs. cheaper models). Run: `npx tsx engine/llm/bench.ts`.
 * Prints progress, then one JSON line `{"bench":"llm-infer", ...}` last.
 */
import { keccak256, stringToBytes } from "viem";
import { buildTinyLm, TINY_LM_ID } from "./build-model";
import { measureInferCosts } from "./costs";
import { compareFingerprint, fingerprintItem } from "./fingerprint";
import { loadEmbeddedModel, loadModelFromBytes, type CausalLm } from "./model";
import type { WeightPrecision } from "./precision";
import { generateInferChallenge } from "./prompts";
import { CounterRng } from "./rng";
import { ByteTokenizer } from "./tokenizer";

const BATCH = 64;
const PROMPT_LEN = 64;

function quantiles(xs: number[]) {
  const s = xs.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1], max: s[s.length - 1] };
}

async function main() {
  const built = buildTinyLm();
  console.log(`${TINY_LM_ID}: ${built.bytes.length} bytes, ${built.parameters} parameters, sha256 ${built.sha256}`);
  const model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  const costs = await measureInferCosts({ batch: BATCH, promptLen: PROMPT_LEN, k: 4, model, repeats: 5 });
  console.log(`sampled prompts, batch ${BATCH} x ${PROMPT_LEN} tokens: generate ${costs.generateMs.toFixed(0)} ms, infer ${costs.inferMs.toFixed(1)} ms, verify (k=4) ${costs.verifyMs.toFixed(1)} ms, ratio ${costs.ratio.toFixed(3)}, ${(costs.flops / 1e9).toFixed(2)} GFLOP`);
  const pooled = await measureInferCosts({ batch: 256, promptLen: PROMPT_LEN, k: 4, model, repeats: 3, poolSize: 32 });
  console.log(`pooled prompts, batch 256 x ${PROMPT_LEN}: pool of 32 x 127 once ${pooled.poolMs.toFixed(0)} ms, generate ${pooled.generateMs.toFixed(1)} ms, infer ${pooled.inferMs.toFixed(1)} ms, verify (k=4) ${pooled.verifyMs.toFixed(1)} ms, ratio ${pooled.ratio.toFixed(3)}`);

  const challenge = await generateInferChallenge(keccak256(stringToBytes("bench tolerance")), { batch: BATCH, promptLen: PROMPT_LEN, model });
  const T = PROMPT_LEN;
  const V = model.vocabSize;
  const ref = await model.forward(challenge.prompts);
  const distances = (alt: Float32Array) => {
    const worst: number[] = [];
    let rejected = 0;
    for (let b = 0; b < BATCH; b++) {
      const fp = fingerprintItem(alt, b * T * V, V, challenge.positions, challenge.topK);
      const c = compareFingerprint(fp, ref, b * T * V, V, challenge.positions, challenge.topK);
      worst.push(c.worst);
      if (!c.ok) rejected++;
    }
    return { ...quantiles(worst), rejected };
  };
  const figures: Record<string, ReturnType<typeof distances>> = {};
  const m2 = await loadEmbeddedModel({ intraOpNumThreads: 2 });
  figures.threads2 = distances(await m2.forward(challenge.prompts));
  for (const eps of [1e-6, 1e-5, 1e-4]) {
    const rng = new CounterRng(keccak256(stringToBytes(`noise ${eps}`)));
    const alt = ref.map((z, i) => z * (1 + eps * (2 * rng.uniform(0, i) - 1)));
    figures[`noise${eps}`] = distances(alt);
  }
  const others: CausalLm[] = [m2];
  for (const precision of ["fp16", "bf16", "int8"] as WeightPrecision[]) {
    const m = await loadModelFromBytes(buildTinyLm({ precision }).bytes, new ByteTokenizer(), { id: TINY_LM_ID, maxContext: 128, intraOpNumThreads: 1 });
    others.push(m);
    figures[precision] = distances(await m.forward(challenge.prompts));
  }
  const sub = await loadModelFromBytes(buildTinyLm({ seed: keccak256(stringToBytes("substitute")) }).bytes, new ByteTokenizer(), { id: TINY_LM_ID, maxContext: 128 });
  others.push(sub);
  figures.otherSeed = distances(await sub.forward(challenge.prompts));
  console.log("per-item worst deviation in tolerance units (accept <= 1), over", BATCH, "items:");
  for (const [k, v] of Object.entries(figures)) {
    console.log(`  ${k.padEnd(12)} min ${v.min.toExponential(2)}  median ${v.median.toExponential(2)}  max ${v.max.toExponential(2)}  rejected ${v.rejected}/${BATCH}`);
  }
  for (const m of [model, ...others]) await m.release();
  console.log(
    JSON.stringify({
      bench: "llm-infer",
      model: TINY_LM_ID,
      modelBytes: built.bytes.length,
      parameters: built.parameters,
      batch: BATCH,
      promptLen: PROMPT_LEN,
      generateMs: Math.round(costs.generateMs),
      inferMs: +costs.inferMs.toFixed(2),
      verifyMs: +costs.verifyMs.toFixed(2),
      ratio: +costs.ratio.toFixed(4),
      pooled256: { poolMs: Math.round(pooled.poolMs), generateMs: +pooled.generateMs.toFixed(2), inferMs: +pooled.inferMs.toFixed(2), verifyMs: +pooled.verifyMs.toFixed(2), ratio: +pooled.ratio.toFixed(4) },
      gflop: +(costs.flops / 1e9).toFixed(3),
      tolerance: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, { min: +v.min.toPrecision(3), max: +v.max.toPrecision(3), rejected: v.rejected }])),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
