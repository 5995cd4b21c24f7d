/** The page's pure helpers: amounts, regions, charts, agent output, deployment record, oracle answers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAgentOutput, MAX_AGENT_OUTPUT_CHARS } from "../src/lib/agentOutput";
import { chartGeometry, niceTicks, MAX_TICKS } from "../src/lib/chart";
import { claimFrom, FormError } from "../src/lib/claimInput";
import { DeploymentError, parseDeployment } from "../src/lib/deployment";
import { bytes8ToRegion, formatDuration, formatToken, parseTokenInput, regionToBytes8 } from "../src/lib/format";
import { normalizeNodeStats, normalizeRewards, normalizeStats, OracleError } from "../src/lib/oracleApi";
import { parseSettings, SettingsError } from "../src/lib/settings";

const E18 = 10n ** 18n;
const SIG = `0x${"1b".repeat(65)}`;
const NODE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("amounts and regions", () => {
  it("formats token amounts with grouping, truncating toward zero", () => {
    assert.equal(formatToken(1_250n * E18), "1,250");
    assert.equal(formatToken(1_234_567n * E18 + 999_999n * 10n ** 12n, 2), "1,234,567.99");
    assert.equal(formatToken(0n), "0");
  });
  it("parses what an operator types and names what it refuses", () => {
    assert.equal(parseTokenInput("1,250.5"), 1_250_500_000_000_000_000_000n);
    assert.throws(() => parseTokenInput("12abc"), { name: "AmountError" });
    assert.throws(() => parseTokenInput("-1"), { name: "AmountError" });
    assert.throws(() => parseTokenInput(`1.${"1".repeat(19)}`), /at most 18 decimals/);
  });
  it("round-trips a region through bytes8 and refuses too long a region", () => {
    assert.equal(regionToBytes8("eu-west"), "0x65752d7765737400");
    assert.equal(bytes8ToRegion(regionToBytes8("eu-west")), "eu-west");
    assert.throws(() => regionToBytes8("europe-west-1"), { name: "AmountError" });
  });
  it("formats durations", () => {
    assert.equal(formatDuration(121), "2m 1s");
    assert.equal(formatDuration(90_000), "1d 1h");
    assert.equal(formatDuration(-5), "0s");
  });
});

describe("hardware claim input", () => {
  const form = { gpuModel: 6, gpuCount: "1", tflops: "115", vramGiB: "23.9", region: "eu-west" };
  it("converts TFLOPS and GiB to the contract's GFLOP/s and MiB", () => {
    assert.deepEqual(claimFrom(form), {
      gpuModel: 6,
      gpuCount: 1,
      gflops: 115_000,
      vramMiB: 24_473,
      region: "0x65752d7765737400",
    });
    assert.equal(claimFrom({ ...form, tflops: "0.001" }).gflops, 1);
  });
  it("refuses exponents, hex, negative and out-of-range values by name", () => {
    for (const tflops of ["1e3", "0x10", "-1", "0", "", "0.0001"]) {
      assert.throws(
        () => claimFrom({ ...form, tflops }),
        (e: Error) => e instanceof FormError && /TFLOPS/.test(e.message),
        tflops,
      );
    }
    assert.throws(() => claimFrom({ ...form, gpuCount: "70000" }), /GPU count: at most 65,535/);
    assert.throws(() => claimFrom({ ...form, vramGiB: "lots" }), /VRAM/);
  });
});

describe("charts", () => {
  it("maps the smallest value to the bottom and the largest to the top of the plot", () => {
    const box = { width: 100, height: 100, left: 10, right: 10, top: 10, bottom: 10 };
    const g = chartGeometry(
      [
        { x: 1, y: 0 },
        { x: 2, y: 5 },
        { x: 3, y: 10 },
      ],
      box,
    );
    assert.deepEqual(g.dots, [
      { x: 10, y: 90 },
      { x: 50, y: 50 },
      { x: 90, y: 10 },
    ]);
    assert.equal(g.path, "M10,90 L50,50 L90,10");
  });
  it("keeps a flat series and a single epoch drawable", () => {
    const box = { width: 100, height: 100, left: 0, right: 0, top: 0, bottom: 0 };
    const g = chartGeometry([{ x: 7, y: 1 }], box);
    assert.deepEqual(g.dots, [{ x: 50, y: 50 }]);
  });
  it("bounds the number of ticks", () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.5, 1]);
    assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.ok(niceTicks(0, 1e9, 50).length <= MAX_TICKS);
  });
});

describe("agent output", () => {
  it("reads the JSON the agent prints", () => {
    const printed = JSON.stringify(
      { operator: NODE, nodeKey: NODE, nonce: "0", deadline: "1795331251", chainId: 31337, signature: SIG },
      null,
      2,
    );
    const r = parseAgentOutput(printed);
    assert.equal(r.nodeKey, NODE);
    assert.equal(r.deadline, 1_795_331_251n);
    assert.equal(r.signature, SIG);
    assert.equal(r.chainId, 31337);
  });
  it("reads name: value lines and ignores junk", () => {
    const r = parseAgentOutput(`node key: ${NODE}\ndeadline = 42\nsignature: ${SIG}\nsomething: else`);
    assert.deepEqual(r, { nodeKey: NODE, deadline: 42n, signature: SIG });
    assert.deepEqual(parseAgentOutput("x".repeat(MAX_AGENT_OUTPUT_CHARS * 2)), {});
  });
});

describe("deployment record and settings", () => {
  const abi = [{ type: "error", name: "E", inputs: [] }];
  const record = {
    chainId: "31337",
    deploymentBlock: 5,
    contracts: Object.fromEntries(
      ["PoAIToken", "NodeRegistry", "EpochManager", "Settlement", "RewardsDistributor"].map((n) => [n, { address: NODE, abi }]),
    ),
  };
  it("parses the record deploy.ts writes", () => {
    const d = parseDeployment(record, "localhost");
    assert.equal(d.chainId, 31337);
    assert.equal(d.fromBlock, 5n);
    assert.equal(d.errorsAbi.length, 1, "each error signature once");
  });
  it("names what is missing", () => {
    assert.throws(() => parseDeployment({ ...record, chainId: "x" }, "n"), DeploymentError);
    assert.throws(
      () => parseDeployment({ ...record, contracts: { ...record.contracts, Settlement: { address: "0x12", abi } } }, "n"),
      /Settlement has no valid address/,
    );
  });
  it("reads the query string and refuses bad values", () => {
    assert.deepEqual(parseSettings("?network=devnet&oracle=http://127.0.0.1:8600/"), {
      network: "devnet",
      oracleUrl: "http://127.0.0.1:8600",
      rpcUrl: "http://127.0.0.1:8545",
    });
    assert.throws(() => parseSettings("?network=../etc"), SettingsError);
    assert.throws(() => parseSettings("?oracle=javascript:alert(1)"), SettingsError);
  });
});

describe("oracle answers", () => {
  it("normalizes per-epoch stats, sorted by epoch", () => {
    const s = normalizeStats({
      node: NODE,
      epochs: [
        { epoch: 3, challenges: 4, latencyMs: 120, scoreDeviation: 0.98, correctness: 1, verdict: "honest" },
        { epoch: 2, challenges: 0, verdict: "unavailable", slash: { bps: 500, reason: 2, evidence: `0x${"aa".repeat(32)}` } },
      ],
    });
    assert.deepEqual(
      s.map((e) => e.epoch),
      [2, 3],
    );
    assert.equal(s[0].slash?.reason, "overclaim");
    assert.equal(s[1].scoreDeviation, 0.98);
    assert.throws(() => normalizeStats({ nope: 1 }), OracleError);
    const live = normalizeNodeStats({ epochs: [], inProgress: { epoch: 9, issued: 2, passed: 1, failed: 0 } });
    assert.deepEqual(live.inProgress, { epoch: 9, issued: 2, passed: 1, failed: 0 });
  });
  it("accepts a rewards proof and refuses a malformed one", () => {
    const good = {
      epoch: 4,
      root: `0x${"11".repeat(32)}`,
      cumulativeAmount: "12000000000000000000",
      proof: [`0x${"22".repeat(32)}`],
    };
    assert.equal(normalizeRewards(good).cumulativeAmount, 12n * E18);
    assert.throws(() => normalizeRewards({ ...good, proof: ["0x12"] }), OracleError);
    assert.throws(() => normalizeRewards({ ...good, cumulativeAmount: "-1" }), OracleError);
  });
});
