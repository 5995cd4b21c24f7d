/** `agent bench`: measures the machine and prints what it can honestly claim. */
import { parseArgs } from "node:util";
import { AgentError } from "../errors";
import { DEFAULT_CLAIM_MARGIN, defaultClaimMargin, measureMachine } from "../benchmark";
import { HONEST_CLAIM_SHARE } from "../../engine/judge";
import { recordBench, benchPath } from "../state";
import { gib, tflops } from "../units";
import { DEFAULT_KEYSTORE, requireInt, resolveDataDir } from "./common";

export const BENCH_HELP = `agent bench [--seconds S] [--margin M] [--threads T] [--data-dir DIR]
  Times the engine's gemm kernel for about S seconds (default 3) and prints the claim to
  register: class id, GFLOP/s = measured x M (default ${HONEST_CLAIM_SHARE} on a GPU,
  ${DEFAULT_CLAIM_MARGIN} on a CPU), vramMiB, in TFLOPS and GiB too. Keeps the result in the
  data directory for \`agent status\`.`;

export async function benchCommand(argv: string[], out: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: "string" }, margin: { type: "string" }, threads: { type: "string" }, "data-dir": { type: "string" } }, strict: true });
  const seconds = requireInt(values.seconds, "--seconds", 1, 600, 3);
  const threads = requireInt(values.threads, "--threads", 0, 1024, 0);
  const given = values.margin === undefined ? undefined : Number(values.margin);
  if (given !== undefined && !(given > 0 && given <= 1)) throw new AgentError("BadArgument", `--margin must be in (0, 1], got ${values.margin}`);
  const dataDir = resolveDataDir(values["data-dir"], DEFAULT_KEYSTORE);
  out(`measuring for about ${seconds} s with the engine's gemm kernel...`);
  const m = await measureMachine({ seconds, threads });
  const margin = given ?? defaultClaimMargin(m.provider);
  for (const p of m.perSize) out(`  n=${p.n} batch=${p.batch}: ${tflops(p.gflops)} (${p.gflops.toFixed(1)} GFLOP/s) end to end, ${p.ms.toFixed(0)} ms`);
  if (m.gpus.length === 0) out(`no GPU (nvidia-smi not found): a CPU node, --gpu-count 0; the memory figure is free RAM, ${gib(m.vramMiB)}`);
  else for (const g of m.gpus) out(`  GPU ${g.name}: ${gib(g.memoryMiB)} (${g.memoryMiB} MiB)`);
  // Rounded down: a claim never exceeds margin x measured.
  const claimGflops = Math.max(1, Math.floor(m.measuredGflops * margin));
  const gpuCount = m.gpus.length;
  out(`class ${m.classId} (${m.className}) on ${m.provider}: measured ${tflops(m.measuredGflops)} (${m.measuredGflops.toFixed(1)} GFLOP/s)`);
  out(`claim ${tflops(claimGflops)} (${margin} of measured), ${gib(m.vramMiB)}; on chain, in its units:`);
  out(`claim: --gpu-model ${m.classId} --gpu-count ${gpuCount} --gflops ${claimGflops} --vram-mib ${m.vramMiB}`);
  try {
    recordBench(dataDir, { at: new Date().toISOString(), classId: m.classId, className: m.className, provider: m.provider, measuredGflops: +m.measuredGflops.toFixed(2), claimGflops, gpuCount, vramMiB: m.vramMiB });
    out(`kept in ${benchPath(dataDir)} for \`agent status\``);
  } catch (err) {
    out(`could not keep the result in ${benchPath(dataDir)}: ${(err as Error).message}`);
  }
  out(JSON.stringify({ bench: "agent", classId: m.classId, className: m.className, provider: m.provider, measuredGflops: +m.measuredGflops.toFixed(2), margin, claimGflops, gpuCount, vramMiB: m.vramMiB, perSize: m.perSize }));
}
