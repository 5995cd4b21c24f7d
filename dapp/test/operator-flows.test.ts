/**
 * The operator's flows in a real Chromium against a real Hardhat node with the protocol deployed,
 * the real oracle service and a real node agent: connect, a refused registration shown in words,
 * register and stake with permit (one signature, one transaction), see the node's scores after an
 * epoch, claim rewards with the oracle's proof, appeal a proposed slash with the bond, register
 * with approve + stake, top up, request unbond, wait out the delay, withdraw, see the node jailed
 * once the slash executes. Screenshots of each step (desktop, and phone-sized at 375 px) go to
 * dapp/test/screenshots/ (not committed).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Contract, getAddress, Wallet } from "ethers";
import type { Locator, Page } from "playwright-core";
import type { Address, Hex } from "viem";
import { createServer } from "node:net";
import { signRegistration } from "../../agent/registration";
import { formatToken } from "../src/lib/format";
import { launchBrowser } from "./harness/browser";
import { deployForTest, startDevnet, type Devnet } from "./harness/devnet";
import { buildPage, servePage } from "./harness/pageServer";
import { proposeSlash } from "./harness/committeeReport";
import { startTestAgent, startTestOracle } from "./harness/oracleAndAgent";
import { installWallet, type TestWallet } from "./harness/wallet";

const SHOTS = path.join(__dirname, "screenshots");
const E18 = 10n ** 18n;
const UNBONDING_DELAY = 120n;
/** Short epochs and dispute window so a judged, finalized epoch fits in the test. */
const EPOCH_LENGTH = 10n;
const DISPUTE_WINDOW = 5n;
const REWARDS_POOL = 100_000n * E18;
const EPOCH_BUDGET = 1_000n * E18;
/** Longest wait for one UI step (a transaction, a refresh). */
const STEP_MS = 20_000;
/** Longest wait for the oracle to judge an epoch and for its report to finalize. */
const EPOCH_WAIT_MS = 75_000;
/** Hardhat's well-known dev account #0: the deployer, governance and the single committee member. */
const DEVNET_COMMITTEE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

describe("operator flows in the browser", { timeout: 180_000 }, () => {
  let devnet: Devnet;
  let page: Page;
  let wallet: TestWallet;
  let operator: Address;
  let registry: Contract;
  let token: Contract;
  let distributor: Contract;
  let settlement: Contract;
  let epochManager: Contract;
  let timelock: Contract;
  let chainId: number;
  let oracle: Awaited<ReturnType<typeof startTestOracle>> | undefined;
  let oracleError = "";
  let agent: ReturnType<typeof startTestAgent> | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  /** Uncaught exceptions in the page over the whole run. */
  const pageErrors: string[] = [];
  const nodeKey = Wallet.createRandom();
  const needOracle = () => {
    if (!oracle) assert.fail(`the oracle did not start: ${oracleError}`);
    return oracle;
  };
  const stopServices = async () => {
    await agent?.stop();
    agent = undefined;
    await oracle?.stop();
    oracle = undefined;
  };

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  const phoneShot = async (name: string) => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(150);
    // Nothing may stick out sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) {
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
      );
      console.log(`wider than the screen: ${wide.join(", ")}`);
    }
    await shot(`${name}-phone`);
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a 375px screen`);
  };
  const count = (method: string) => wallet.log.filter((l) => l.method === method).length;
  /** Clicks, then waits for the outcome of exactly that action in the scope's status line. */
  const act = async (scope: Locator, click: () => Promise<void>) => {
    const status = scope.getByTestId("tx-status");
    const before = (await status.count()) > 0 ? Number(await status.getAttribute("data-seq")) : 0;
    await click();
    const done = scope.locator(
      `[data-testid="tx-status"][data-seq="${before + 1}"]:is([data-phase="confirmed"], [data-phase="failed"])`,
    );
    await done.waitFor({ timeout: STEP_MS });
    return { phase: await done.getAttribute("data-phase"), text: (await done.textContent()) ?? "" };
  };
  const confirmed = async (scope: Locator, click: () => Promise<void>) => {
    const r = await act(scope, click);
    assert.equal(r.phase, "confirmed", `transaction failed: ${r.text}`);
  };

  /** Retries `check` until it passes or `ms` runs out (the chain and the oracle move on between reads). */
  const eventually = async (check: () => Promise<void>, ms = STEP_MS) => {
    const end = Date.now() + ms;
    for (;;) {
      try {
        return await check();
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  /** What the user reads in `l` (innerText: table cells and blocks apart), whitespace collapsed. */
  const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, " ").trim();
  /** A local port nothing listens on: a dead oracle or RPC URL. */
  const deadPort = () =>
    new Promise<number>((resolve) => {
      const srv = createServer().listen(0, "127.0.0.1", () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
  let pageUrl = "";

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    devnet = await startDevnet();
    cleanups.push(() => devnet.stop());
    const { record, deployment, signer, provider } = await deployForTest(devnet.url, {
      unbondingDelay: UNBONDING_DELAY,
      epochLength: EPOCH_LENGTH,
      disputeWindow: DISPUTE_WINDOW,
      // The amounts the flows check: minimum = 100 + 10 per claimed TFLOP/s, appeal bond 10.
      minStakeBase: 100n * E18,
      minStakePerTflop: 10n * E18,
      appealBond: 10n * E18,
    });
    // A block every second keeps the chain's clock (the epoch clock) moving between transactions.
    await devnet.rpc("evm_setIntervalMining", [1_000]);
    chainId = Number(deployment.chainId);
    const accounts = (await devnet.rpc("eth_accounts")) as Address[];
    operator = accounts[1];
    registry = deployment.contracts.NodeRegistry.contract.connect(provider) as Contract;
    token = deployment.contracts.PoAIToken.contract.connect(signer) as Contract;
    await (await token.transfer(operator, 5_000n * E18)).wait();
    distributor = deployment.contracts.RewardsDistributor.contract.connect(signer) as Contract;
    settlement = deployment.contracts.Settlement.contract.connect(signer) as Contract;
    epochManager = deployment.contracts.EpochManager.contract.connect(signer) as Contract;
    timelock = deployment.contracts.PoAITimelock.contract.connect(signer) as Contract;
    await (await token.approve(await distributor.getAddress(), REWARDS_POOL)).wait();
    await (await distributor.fund(REWARDS_POOL)).wait();

    // The oracle reads the deployment record from a file, like `npx tsx oracle/cli.ts start` does.
    const work = await mkdtemp(path.join(tmpdir(), "poai-dapp-test-"));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    const deploymentFile = path.join(work, "deployment.json");
    await writeFile(deploymentFile, JSON.stringify(record));
    try {
      oracle = await startTestOracle({ rpcUrl: devnet.url, deploymentFile, epochBudget: EPOCH_BUDGET });
      cleanups.push(stopServices);
    } catch (e) {
      oracleError = (e as Error).message;
    }

    const built = await buildPage();
    cleanups.push(built.cleanup);
    const server = await servePage(built.dir, { "/deployments/test.json": record });
    cleanups.push(server.close);
    const browser = await launchBrowser();
    cleanups.push(browser.close);
    wallet = await installWallet(browser.context, devnet.url, operator);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on("pageerror", (e) => pageErrors.push(e.message));
    const oracleParam = oracle ? `&oracle=${encodeURIComponent(oracle.url)}` : "";
    pageUrl = server.url;
    await page.goto(`${server.url}/?network=test&rpc=${encodeURIComponent(devnet.url)}${oracleParam}`);
    await page.getByTestId("connect").waitFor({ timeout: STEP_MS });
    assert.deepEqual(pageErrors, []);
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("connects the injected wallet and shows the operator's balance", async () => {
    await shot("01-start");
    await page.getByTestId("connect").click();
    await page.getByTestId("account").waitFor({ timeout: STEP_MS });
    assert.equal(getAddress((await page.getByTestId("account").getAttribute("title"))!), getAddress(operator));
    await page.getByTestId("balance").filter({ hasText: "5,000 POAI" }).waitFor({ timeout: STEP_MS });
    await page.getByTestId("no-nodes").waitFor({ timeout: STEP_MS });
    await shot("02-connected");
    await phoneShot("02-connected");
  });

  it("warns when the wallet is on another network and switches it back", async () => {
    wallet.setChain("0x1");
    await page.evaluate(() =>
      (window as unknown as { __poaiWalletEmit: (e: string, d: string) => void }).__poaiWalletEmit("chainChanged", "0x1"),
    );
    const banner = page
      .locator(".banner.warn")
      .filter({ hasText: `Your wallet is on chain 1; this deployment is on chain ${chainId}` });
    await banner.waitFor({ timeout: STEP_MS });
    assert.equal(await page.getByTestId("nodes-panel").count(), 0, "no actions on the wrong network");
    await shot("02b-wrong-network");
    await banner.getByRole("button", { name: "Switch network" }).click();
    await page.getByTestId("nodes-panel").waitFor({ timeout: STEP_MS });
    assert.equal(await banner.count(), 0);
    assert.ok(count("wallet_switchEthereumChain") >= 1);
  });

  interface ClaimInput {
    model: string;
    tflops: string;
    vramGiB: string;
    minimum: string;
  }
  /** An RTX 4090 claim of 115 TFLOPS: minimum stake = base 100 + 10 per TFLOP/s x 115 = 1,250 POAI. */
  const GPU_CLAIM: ClaimInput = { model: "NVIDIA GeForce RTX 4090", tflops: "115", vramGiB: "24", minimum: "1,250 POAI" };
  /** A claim any CPU delivers to the oracle's challenges: 1 GFLOP/s; minimum 100 + 10 x 0.001 = 100.01 POAI. */
  const CPU_CLAIM: ClaimInput = { model: "CPU (no GPU)", tflops: "0.001", vramGiB: "1", minimum: "100.01 POAI" };

  const fillRegistration = async (
    claim: ClaimInput,
    stake: string,
    key: { address: string; privateKey: string } = nodeKey,
    signedFor: Address = operator,
  ) => {
    const nonce = (await registry.nonces(key.address)) as bigint;
    const latest = (await devnet.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
    // What `npm run agent -- register --operator <wallet>` prints.
    const signed: Partial<Awaited<ReturnType<typeof signRegistration>>> = await signRegistration({
      nodePrivateKey: key.privateKey as Hex,
      operator: signedFor,
      nonce,
      deadline: BigInt(latest.timestamp) + 3_600n,
      chainId,
      registry: (await registry.getAddress()) as Address,
    });
    // A signature for someone else, passed on without its operator line.
    if (signedFor !== operator) delete signed.operator;
    const printed = JSON.stringify(signed, null, 2);
    // Once the operator has a node, the form is folded away behind "Register another node".
    if ((await page.getByTestId("register-open").count()) > 0) await page.getByTestId("register-open").click();
    await page.getByTestId("agent-output").fill(printed);
    assert.equal(await page.getByTestId("node-key").inputValue(), key.address);
    await page.getByTestId("gpu-model").selectOption({ label: claim.model });
    await page.getByTestId("gpu-count").fill("1");
    await page.getByTestId("tflops").fill(claim.tflops);
    await page.getByTestId("vram").fill(claim.vramGiB);
    await page.getByTestId("region").fill("eu-west");
    // The minimum is read from the registry's minimumStake(claim).
    await page.getByTestId("min-stake").filter({ hasText: claim.minimum }).waitFor({ timeout: STEP_MS });
    await page.getByTestId("stake").fill(stake);
  };

  it("refuses a stake below the minimum and says so in words", async () => {
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await fillRegistration(GPU_CLAIM, "1000");
    await page.getByTestId("mode-permit").check();
    const panel = page.getByTestId("register-panel");
    const outcome = await act(panel, () => page.getByTestId("register").click());
    assert.equal(outcome.phase, "failed");
    const text = (await panel.getByTestId("tx-error").textContent()) ?? "";
    assert.match(text, /Stake below the minimum of 1,250 POAI for this claim/);
    assert.doesNotMatch(text, /0x[0-9a-f]{8}/i, "no raw revert data");
    assert.equal(await registry.nodeCount(), 0n);
    assert.equal(await token.balanceOf(operator), balanceBefore);
    await shot("03-stake-below-minimum");
    await phoneShot("03-stake-below-minimum");
  });

  it("refuses a node signature made for another wallet before asking the wallet anything", async () => {
    const other = ((await devnet.rpc("eth_accounts")) as Address[])[2];
    const asked = count("eth_signTypedData_v4") + count("eth_sendTransaction");
    await fillRegistration(CPU_CLAIM, "150", nodeKey, other);
    await page.getByTestId("register").click();
    const error = page.getByTestId("form-error");
    await error.filter({ hasText: "is not the node key's consent for this wallet" }).waitFor({ timeout: STEP_MS });
    assert.equal(count("eth_signTypedData_v4") + count("eth_sendTransaction"), asked, "the wallet was not asked");
    assert.equal(await registry.nodeCount(), 0n);
  });

  it("registers and stakes with permit: one signature, one transaction, no approve", async () => {
    const sigsBefore = count("eth_signTypedData_v4");
    const txsBefore = count("eth_sendTransaction");
    await fillRegistration(CPU_CLAIM, "1500");
    await confirmed(page.getByTestId("register-panel"), () => page.getByTestId("register").click());
    assert.equal(count("eth_signTypedData_v4") - sigsBefore, 1, "one permit signature");
    assert.equal(count("eth_sendTransaction") - txsBefore, 1, "one transaction: registerWithPermit");
    const node = await registry.getNode(nodeKey.address);
    assert.equal(getAddress(node.operator), getAddress(operator));
    assert.equal(node.stake, 1_500n * E18);
    assert.equal(await token.allowance(operator, await registry.getAddress()), 0n, "the permit was spent exactly");

    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    await card.waitFor({ timeout: STEP_MS });
    await card.getByTestId("node-status").filter({ hasText: "Active" }).waitFor({ timeout: STEP_MS });
    await card.getByTestId("node-stake").filter({ hasText: "1,500 POAI" }).waitFor({ timeout: STEP_MS });
    // The 13-field form folds away once the operator has a node; one click brings it back.
    const panel = page.getByTestId("register-panel");
    await panel.locator(":scope[data-collapsed='true']").waitFor({ timeout: STEP_MS });
    assert.equal(await page.getByTestId("agent-output").count(), 0, "the register form is out of the way");
    await page.getByTestId("register-open").click();
    await page.getByTestId("agent-output").waitFor({ timeout: STEP_MS });
    await page.getByTestId("register-close").click();
    await panel.locator(":scope[data-collapsed='true']").waitFor({ timeout: STEP_MS });
    await shot("04-registered");
    await phoneShot("04-registered");
  });

  it("shows the node's scores after the oracle judged an epoch", async () => {
    const o = needOracle();
    agent = startTestAgent({ oracleUrl: o.url, nodePrivateKey: nodeKey.privateKey as Hex });
    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    const stats = card.getByTestId("node-stats");
    try {
      await stats.locator(":scope[data-epochs]:not([data-epochs='0'])").waitFor({ timeout: EPOCH_WAIT_MS });
    } catch (e) {
      const tail = [...o.lines.slice(-15), ...(agent?.lines.slice(-10) ?? [])].join("\n");
      throw new Error(`no judged epoch shown: ${(e as Error).message}\n${tail}`);
    }
    // What the page draws is what the oracle's read API says.
    const api = (await (await fetch(`${o.url}/v1/nodes/${nodeKey.address}/stats`)).json()) as {
      epochs: { epoch: number; verdict: string; correctness: number }[];
    };
    assert.ok(api.epochs.length >= 1);
    const latest = api.epochs[0];
    const row = card.getByTestId("verdicts").locator("tbody tr").first();
    assert.equal(await row.locator("td").first().textContent(), String(latest.epoch));
    assert.equal(await row.locator(".verdict").textContent(), latest.verdict);
    for (const chart of ["chart-deviation", "chart-latency", "chart-correctness"]) {
      const points = await card.getByTestId(chart).locator("circle.dot").count();
      assert.ok(points >= 1, `${chart} draws the judged epochs`);
    }
    // Each judged figure of the latest epoch, with its meaning in words, from the oracle's stats.
    await eventually(async () => {
      const explained = card.getByTestId("explained");
      const shown = Number(await explained.getAttribute("data-epoch"));
      const body = (await (await fetch(`${o.url}/v1/nodes/${nodeKey.address}/stats`)).json()) as {
        epochs: { epoch: number; verdict: string; scoreDeviation: number; onTime: number; challenges: number; answered: number; reward: string }[];
      };
      const e = body.epochs.find((x) => x.epoch === shown);
      assert.ok(e, `epoch ${shown} is in the oracle's stats`);
      assert.equal(await text(explained.getByTestId("explain-verdict-value")), e.verdict);
      if (e.answered === 0) {
        // Nothing answered (the node joined late in the epoch): nothing measured, and the page says so.
        assert.equal(await text(explained.getByTestId("explain-throughput-value")), "not measured");
        return;
      }
      assert.equal(await text(explained.getByTestId("explain-throughput-value")), `${e.scoreDeviation.toFixed(2)}×`);
      assert.equal(await text(explained.getByTestId("explain-ontime-value")), `${Math.round((100 * e.onTime) / e.challenges)}%`);
      assert.match(await text(explained.getByTestId("explain-ontime")), new RegExp(`${e.onTime} of ${e.challenges} challenges`));
      assert.match(await text(explained.getByTestId("explain-throughput")), /of the 0\.001 TFLOPS claim/);
      assert.match(await text(explained.getByTestId("explain-verdict")), /Honest: paid|Under-delivering|Unavailable|Fraudulent/);
      assert.equal(await text(explained.getByTestId("explained-reward")), `· earned ${formatToken(BigInt(e.reward))} POAI`);
    });
    // The epoch in progress is named against the chain's current epoch, never an older one as current.
    const live = await text(card.getByTestId("in-progress"));
    const chainEpoch = (await epochManager.currentEpoch()) as bigint;
    const m = /^Epoch (\d+) in progress/.exec(live);
    if (m) assert.ok(BigInt(m[1]) >= chainEpoch - 1n, `"${live}" names the current epoch (chain: ${chainEpoch})`);
    else assert.match(live, /No challenge yet in epoch \d+ \(the chain's current epoch\)/);
    await shot("05-scores");
    await phoneShot("05-scores");
  });

  it("claims the rewards with the oracle's proof in one click", async () => {
    const o = needOracle();
    const panel = page.getByTestId("rewards-panel");
    try {
      await panel.getByTestId("claim").and(page.locator(":enabled")).waitFor({ timeout: EPOCH_WAIT_MS });
    } catch (e) {
      throw new Error(`nothing became claimable: ${(e as Error).message}\n${o.lines.slice(-15).join("\n")}`);
    }
    const proof = (await (await fetch(`${o.url}/v1/rewards/${operator}`)).json()) as { cumulativeAmount: string };
    const cumulative = BigInt(proof.cumulativeAmount);
    assert.ok(cumulative > 0n);

    const claimedBefore = (await distributor.claimed(operator)) as bigint;
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await shot("06-rewards-claimable");
    await confirmed(panel, () => panel.getByTestId("claim").click());
    const claimedAfter = (await distributor.claimed(operator)) as bigint;
    assert.ok(claimedAfter >= cumulative, "claimed up to the proof's cumulative amount");
    assert.equal((await token.balanceOf(operator)) - balanceBefore, claimedAfter - claimedBefore);
    await panel.getByTestId("claimed").filter({ hasText: "POAI" }).waitFor({ timeout: STEP_MS });
    // Claimable = the proof's cumulative amount for the chain's root minus what was claimed; the earnings
    // chart draws one bar per judged epoch, solid for the epochs the finalized root covers.
    await eventually(async () => {
      const p = (await (await fetch(`${o.url}/v1/rewards/${operator}`)).json()) as { cumulativeAmount: string; epoch: number };
      const claimed = (await distributor.claimed(operator)) as bigint;
      assert.equal(await text(panel.getByTestId("claimable")), `${formatToken(BigInt(p.cumulativeAmount) - claimed)} POAI`);
      assert.match(await text(panel.getByTestId("earned-total")), new RegExp(`^${formatToken(BigInt(p.cumulativeAmount)).replace(/[.]/g, "\\.")} POAI cumulative in the chain's root of epoch ${p.epoch}`));
      const stats = (await (await fetch(`${o.url}/v1/nodes/${nodeKey.address}/stats`)).json()) as { epochs: { epoch: number }[] };
      const bars = panel.getByTestId("earnings-chart").locator("rect.bar");
      assert.equal(await bars.count(), stats.epochs.length, "one bar per judged epoch");
      const finals = await panel.getByTestId("earnings-chart").locator("rect.bar-final").count();
      assert.equal(finals, stats.epochs.filter((e) => e.epoch <= p.epoch).length, "solid bars = epochs in the finalized root");
    });
    assert.equal(await panel.getByTestId("claimable").getAttribute("data-known"), "true");
    await shot("07-rewards-claimed");
    await phoneShot("07-rewards-claimed");
  });

  it("shows the network: nodes, stake, epoch, committee, reports and the rewards pool from the chain and the oracle", async () => {
    const o = needOracle();
    await page.getByTestId("tab-network").click();
    const view = page.getByTestId("network-view");
    await view.waitFor({ timeout: STEP_MS });
    await eventually(async () => {
      assert.equal(await text(view.getByTestId("net-nodes")), String(await registry.nodeCount()));
      assert.match(await text(view.getByTestId("net-stake")), new RegExp(`^${formatToken((await registry.totalActiveStake()) as bigint, 2)} POAI`));
      assert.match(await text(view.getByTestId("net-epoch")), new RegExp(`^${await epochManager.currentEpoch()} ends in`));
      const last = (await settlement.lastFinalizedEpoch()) as bigint;
      assert.equal(await text(view.getByTestId("net-finalized")), `epoch ${last}`);
      assert.match(await text(view.getByTestId("net-pool")), new RegExp(`^${formatToken((await distributor.availableBudget()) as bigint, 2).replace(/[.]/g, "\\.")} POAI of 100,000 POAI funded`));
      // The finalized report is listed with its status, and its row is the target of the report links.
      assert.match(await text(view.locator(`#report-${last}`)), new RegExp(`^${last} finalized`));
    });
    const members = (await epochManager.committee()) as string[];
    assert.deepEqual(
      (await view.getByTestId("net-member").allTextContents()).map((a) => getAddress(a)),
      members.map((a) => getAddress(a)),
    );
    assert.match(await text(view.getByTestId("net-committee")), new RegExp(`^quorum ${await epochManager.quorum()} of ${members.length}`));
    // Fleet figures from the oracle's /v1/nodes: by class and by region.
    const listed = (await (await fetch(`${o.url}/v1/nodes`)).json()) as { nodes: { node: string }[] };
    assert.equal(await text(view.getByTestId("net-fleet-nodes")), String(listed.nodes.length));
    assert.match(await text(view.getByTestId("net-by-class").locator("tbody tr").first()), /^CPU \(no GPU\) 1 0\.001 TFLOPS 1,500 POAI$/);
    assert.match(await text(view.getByTestId("net-by-region").locator("tbody tr").first()), /^eu-west 1 /);
    await view.getByTestId("net-node-table").locator(`tr[data-node="${nodeKey.address}"]`).waitFor({ timeout: STEP_MS });
    assert.equal(await view.getByTestId("oracle-unreachable").count(), 0);
    await shot("06b-network");
    await phoneShot("06b-network");
    await page.getByTestId("tab-operator").click();
    await page.getByTestId("nodes-panel").waitFor({ timeout: STEP_MS });
  });

  it("shows unknown, with the reason, for every figure of a dead oracle or a dead RPC, never zero", async () => {
    const other = await page.context().newPage();
    other.on("pageerror", (e) => pageErrors.push(e.message));
    try {
      const deadOracle = `http://127.0.0.1:${await deadPort()}`;
      await other.goto(`${pageUrl}/?network=test&rpc=${encodeURIComponent(devnet.url)}&oracle=${encodeURIComponent(deadOracle)}#network`);
      const view = other.getByTestId("network-view");
      await view.getByTestId("oracle-unreachable").filter({ hasText: `oracle unreachable: the oracle at ${deadOracle} did not answer` }).waitFor({ timeout: STEP_MS });
      await view.getByTestId("net-fleet-unknown").filter({ hasText: "unknown" }).waitFor({ timeout: STEP_MS });
      // The chain's figures are still known.
      await view.getByTestId("net-nodes").filter({ hasText: String(await registry.nodeCount()) }).waitFor({ timeout: STEP_MS });
      await shot("06c-oracle-unreachable-network");
      // The operator's view: rewards and scores unknown, not 0.
      await other.getByTestId("tab-operator").click();
      // The wallet reconnects by itself (wagmi remembers the connection) or is connected again.
      await other.getByTestId("account").or(other.getByTestId("connect")).first().waitFor({ timeout: STEP_MS });
      if ((await other.getByTestId("connect").count()) > 0) await other.getByTestId("connect").click();
      const claimable = other.getByTestId("claimable");
      await claimable.filter({ hasText: "oracle unreachable" }).waitFor({ timeout: STEP_MS });
      assert.equal(await claimable.getAttribute("data-known"), "false");
      assert.match(await text(claimable), /^unknown \(oracle unreachable: the oracle at .* did not answer/);
      assert.doesNotMatch(await text(claimable), /\b0 POAI/);
      await other.getByTestId("node-stats-unknown").filter({ hasText: "unknown (oracle unreachable" }).first().waitFor({ timeout: STEP_MS });
      await other.getByTestId("earnings-unknown").filter({ hasText: "oracle unreachable" }).waitFor({ timeout: STEP_MS });
      await other.screenshot({ path: path.join(SHOTS, "06d-oracle-unreachable.png"), fullPage: true });

      // A dead RPC: every chain figure unknown with the reason, the oracle's still shown.
      const deadRpc = `http://127.0.0.1:${await deadPort()}`;
      await other.goto(`${pageUrl}/?network=test&rpc=${encodeURIComponent(deadRpc)}&oracle=${encodeURIComponent(needOracle().url)}#network`);
      const view2 = other.getByTestId("network-view");
      await view2.getByTestId("rpc-unreachable").filter({ hasText: "RPC unreachable" }).waitFor({ timeout: STEP_MS });
      for (const id of ["net-nodes", "net-stake", "net-pool", "net-finalized", "net-committee"]) {
        assert.match(await text(view2.getByTestId(id)), /^unknown \((RPC unreachable|chain read failed)/, `${id} is unknown`);
      }
      await other.getByTestId("rpc-banner").waitFor({ timeout: STEP_MS });
      await view2.getByTestId("net-fleet-nodes").waitFor({ timeout: STEP_MS });
      await other.screenshot({ path: path.join(SHOTS, "06e-rpc-unreachable.png"), fullPage: true });
    } finally {
      await other.close();
    }
  });

  it("shows a proposed slash with its reason and evidence, and appeals it with the bond", async () => {
    // The committee (here by hand, the oracle stopped) reports epoch e with a 10 % overclaim slash;
    // governance first lengthens the dispute window so the appeal happens inside it: through the timelock
    // (schedule, let its delay pass, execute), and only as far as the registry's bound allows (the
    // unbonding delay must stay above an epoch plus the window).
    await stopServices();
    const target = await settlement.getAddress();
    const data = settlement.interface.encodeFunctionData("setDisputeWindow", [UNBONDING_DELAY - EPOCH_LENGTH - 1n]);
    const zero = `0x${"0".repeat(64)}`;
    const delay = (await timelock.getMinDelay()) as bigint;
    await (await timelock.schedule(target, 0n, data, zero, zero, delay)).wait();
    await devnet.rpc("evm_increaseTime", [Number(delay) + 1]);
    await devnet.rpc("evm_mine");
    await (await timelock.execute(target, 0n, data, zero, zero)).wait();
    const { epoch, evidence } = await proposeSlash({
      rpc: devnet.rpc,
      committeeKey: DEVNET_COMMITTEE_KEY,
      chainId,
      epochManager,
      settlement,
      distributor,
      node: nodeKey.address as Address,
      bps: 1_000,
    });
    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    const slash = card.getByTestId("slash").filter({ hasText: `Epoch ${epoch}` });
    await slash.waitFor({ timeout: STEP_MS });
    assert.match((await slash.textContent()) ?? "", /10% for overclaim, proposed/);
    assert.match((await slash.textContent()) ?? "", new RegExp(evidence));
    // What failed, in words, and the evidence: the on-chain report and slash record.
    assert.match(await text(slash.getByTestId("slash-words")), /delivered stayed below its claim with statistical confidence/);
    assert.equal(await text(slash.getByTestId("slash-evidence-hash")), evidence);
    // An overclaim rests on timing statistics: no signed answers to link (a fraud slash links them).
    assert.equal(await slash.getByTestId("slash-evidence-link").count(), 0);
    assert.match(await text(slash.getByTestId("slash-amount")), /^10% of the stake when it executes \(not yet taken\)/);
    assert.match(await text(slash.getByTestId("slash-report")), new RegExp(`^epoch ${epoch}, pending, slash #0, digest 0x`));
    assert.match(await text(slash.getByTestId("slash-window")), /^ends \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    assert.match(await text(slash.getByTestId("slash-appeal")), /^none yet/);
    // The oracle is stopped here: its per-challenge record of the epoch is unknown, and says why.
    await slash.getByTestId("slash-record").filter({ hasText: "oracle unreachable" }).waitFor({ timeout: STEP_MS });
    const bond = (await settlement.appealBond()) as bigint;
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await shot("08-slash-proposed");

    const slashes = card.getByTestId("slashes");
    const status = slashes.getByTestId("slash-tx-status");
    await slash.getByTestId("appeal").click();
    await slashes
      .locator('[data-testid="slash-tx-status"]:is([data-phase="confirmed"], [data-phase="failed"])')
      .waitFor({ timeout: STEP_MS });
    assert.equal(await status.getAttribute("data-phase"), "confirmed", (await status.textContent()) ?? "");
    await slash.filter({ hasText: "appealed" }).waitFor({ timeout: STEP_MS });
    await slash.getByTestId("slash-appeal").filter({ hasText: /^appealed \(bond 10 POAI from 0x/ }).waitFor({ timeout: STEP_MS });
    const info = await settlement.slashOf(epoch, 0n);
    assert.equal(Number(info.state), 3, "SlashState.Appealed");
    assert.equal(getAddress(info.appellant), getAddress(operator));
    assert.equal(balanceBefore - ((await token.balanceOf(operator)) as bigint), bond, "the bond was pulled");
    await shot("09-slash-appealed");
    await phoneShot("09-slash-appealed");
  });

  it("registers a second node with approve, then stake (two transactions, no signature), and exits it", async () => {
    const second = Wallet.createRandom();
    const sigsBefore = count("eth_signTypedData_v4");
    const txsBefore = count("eth_sendTransaction");
    await fillRegistration(CPU_CLAIM, "200", second);
    await page.getByTestId("mode-approve").check();
    await confirmed(page.getByTestId("register-panel"), () => page.getByTestId("register").click());
    assert.equal(count("eth_signTypedData_v4") - sigsBefore, 0);
    assert.equal(count("eth_sendTransaction") - txsBefore, 2, "approve + register");
    assert.equal((await registry.getNode(second.address)).stake, 200n * E18);
    const card = page.getByTestId("node-card").filter({ hasText: second.address });
    await card.getByTestId("node-status").filter({ hasText: "Active" }).waitFor({ timeout: STEP_MS });
    await page.getByTestId("mode-permit").check();

    // Exit: the page asks for confirmation, then deregister moves the whole stake into unbonding.
    page.once("dialog", (d) => void d.accept());
    await confirmed(card, () => card.getByTestId("exit").click());
    await card.getByTestId("node-status").filter({ hasText: "Exiting" }).waitFor({ timeout: STEP_MS });
    await card.getByTestId("node-unbonding").filter({ hasText: "200 POAI" }).waitFor({ timeout: STEP_MS });
    const node = await registry.getNode(second.address);
    assert.equal(Number(node.status), 3, "NodeStatus.Exiting");
    assert.equal(node.unbonding, 200n * E18);
  });

  it("tops up the stake (approve, then top up)", async () => {
    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    await card.getByTestId("node-amount").fill("100");
    await confirmed(card, () => card.getByTestId("topup").click());
    await card.getByTestId("node-stake").filter({ hasText: "1,600 POAI" }).waitFor({ timeout: STEP_MS });
    assert.equal((await registry.getNode(nodeKey.address)).stake, 1_600n * E18);
  });

  it("requests an unbond, waits out the delay and withdraws", async () => {
    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    await card.getByTestId("node-amount").fill("300");
    await confirmed(card, () => card.getByTestId("unbond").click());
    await card.getByTestId("node-unbonding").filter({ hasText: "300 POAI" }).waitFor({ timeout: STEP_MS });
    await card
      .getByTestId("node-release")
      .filter({ hasText: /releases .* UTC \(in [12]m/ })
      .waitFor({ timeout: STEP_MS });
    assert.equal(await card.getByTestId("withdraw").isDisabled(), true, "withdraw waits for the delay");
    await shot("10-unbonding");

    // A withdraw before the release is refused by the registry; the page says when it is possible.
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await devnet.rpc("evm_increaseTime", [Number(UNBONDING_DELAY) + 1]);
    await devnet.rpc("evm_mine");
    await card.getByTestId("node-release").filter({ hasText: "ready to withdraw" }).waitFor({ timeout: STEP_MS });
    await confirmed(card, () => card.getByTestId("withdraw").click());
    await card.getByTestId("node-unbonding").filter({ hasText: "none" }).waitFor({ timeout: STEP_MS });
    assert.equal((await token.balanceOf(operator)) - balanceBefore, 300n * E18);
    assert.equal((await registry.getNode(nodeKey.address)).unbonding, 0n);
    await shot("11-withdrawn");
    await phoneShot("11-withdrawn");
  });

  it("shows the node jailed, with the time, once the appealed slash executes at finalization", async () => {
    // Governance did not decide the appeal: at finalization the slash proceeds and the bond returns.
    const epoch = (await settlement.lastFinalizedEpoch()) as bigint;
    const pending = (await settlement.queryFilter(settlement.filters.SlashAppealed())).map(
      (l) => (l as unknown as { args: { epoch: bigint } }).args.epoch,
    );
    assert.equal(pending.length, 1);
    const slashEpoch = pending[0];
    assert.ok(slashEpoch > epoch);
    // Reports finalize in chain order: first every pending report the slash's report builds on.
    const PENDING = 1n; // ISettlement.ReportStatus.Pending
    const chain = [slashEpoch];
    for (let r = await settlement.reportOf(slashEpoch); r.hasParent; r = await settlement.reportOf(r.parentEpoch)) {
      if (BigInt((await settlement.reportOf(r.parentEpoch)).status) !== PENDING) break;
      chain.unshift(BigInt(r.parentEpoch));
    }
    let endsAt = 0n;
    for (const e of chain) {
      const ends = BigInt((await settlement.reportOf(e)).disputeEndsAt);
      if (ends > endsAt) endsAt = ends;
    }
    const latest = (await devnet.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
    // The windows may already be over (the unbonding wait above is longer than they are).
    const left = endsAt - BigInt(latest.timestamp);
    if (left >= 0n) await devnet.rpc("evm_increaseTime", [Number(left) + 1]);
    await devnet.rpc("evm_mine");
    for (const e of chain) await (await settlement.finalize(e)).wait();
    const node = await registry.getNode(nodeKey.address);
    assert.equal(Number(node.status), 2, "NodeStatus.Jailed");
    const card = page.getByTestId("node-card").filter({ hasText: nodeKey.address });
    await card
      .getByTestId("node-status")
      .filter({ hasText: /Jailed until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/ })
      .waitFor({ timeout: STEP_MS });
    await card.getByTestId("slash").filter({ hasText: "executed" }).waitFor({ timeout: STEP_MS });
    // 10 % of 1,300 POAI active stake, rounded up against the slashed node.
    await card.getByTestId("node-stake").filter({ hasText: "1,170 POAI" }).waitFor({ timeout: STEP_MS });
    const executed = card.getByTestId("slash").filter({ hasText: "executed" });
    assert.match(await text(executed.getByTestId("slash-amount")), /^130 POAI taken$/);
    await shot("12-jailed");
    await phoneShot("12-jailed");
    // The slash links to its report in the network view, which lists the slash with its reason in words.
    await executed.getByTestId("slash-report-link").click();
    const row = page.locator(`#report-${slashEpoch}`);
    await row.waitFor({ timeout: STEP_MS });
    assert.match(await text(row), new RegExp(`^${slashEpoch} finalized 0 POAI 1 `));
    const listed = page.getByTestId("net-slash").filter({ hasText: `Epoch ${slashEpoch}` });
    assert.match(await text(listed), /10% for overclaim \(executed, 130 POAI taken\)/);
    await shot("13-network-after-slash");
    await phoneShot("13-network-after-slash");
    await page.getByTestId("tab-operator").click();
  });

  it("threw no uncaught exception in the page during the whole run", () => {
    assert.deepEqual(pageErrors, []);
  });
});
