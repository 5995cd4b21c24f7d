import { keccak256, stringToBytes } from "viem";
import * as g from "../../engine/gemm";
(async () => {
  for (const [n, batch] of [[256, 16], [512, 8], [1024, 2]] as const) {
    const spec = g.generateGemmChallenge(keccak256(stringToBytes("c"+n)), { n, batch, precision: "fp32" });
    for (const threads of [1, 0]) {
      const run = await g.runGemm(spec, { executionProviders: ["cpu"], intraOpNumThreads: threads });
      const fl = 2 * batch * n ** 3;
      console.log(n, batch, threads, run.provider, JSON.stringify(Object.fromEntries(Object.entries(run.timings).map(([k, v]) => [k, Math.round(v)]))), "eff GF/s", (fl / run.timings.totalMs / 1e6).toFixed(1), "compute GF/s", (fl / run.timings.computeMs / 1e6).toFixed(1));
    }
  }
  const t = Date.now();
  try { const spec = g.generateGemmChallenge(keccak256(stringToBytes("x")), { n: 64, batch: 1, precision: "fp32" }); const r = await g.runGemm(spec); console.log("default providers", r.provider, Date.now() - t, "ms"); } catch (e) { console.log("err", (e as Error).message); }
})();
