/**
 * The operator's flows in a real Chromium against a real Hardhat node with the protocol deployed:
 * connect, a refused registration shown in words, register and stake with permit (one signature,
 * one transaction), top up, request unbond, wait out the delay, withdraw. Screenshots of each
 * step (desktop, and phone-sized at 375 px) go to dapp/test/screenshots/.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Contract, getAddress, Wallet } from "ethers";
import type { Locator, Page } from "playwright-core";
import type { Address, Hex } from "viem";
import { signRegistration } from "../../agent/registration";
import { launchBrowser } from "./harness/browser";
import { deployForTest, startDevnet, type Devnet } from "./harness/devnet";
import { buildPage, servePage } from "./harness/pageServer";
import { installWallet, type WalletLog } from "./harness/wallet";

const SHOTS = path.join(__dirname, "screenshots");
const E18 = 10n ** 18n;
const UNBONDING_DELAY = 120n;
/** Longest wait for one UI step (a transaction, a refresh). */
const STEP_MS = 20_000;

describe("operator flows in the browser", { timeout: 180_000 }, () => {
  let devnet: Devnet;
  let page: Page;
  let walletLog: WalletLog[];
  let operator: Address;
  let registry: Contract;
  let token: Contract;
  let chainId: number;
  const cleanups: (() => Promise<void>)[] = [];
  const nodeKey = Wallet.createRandom();

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
  const count = (method: string) => walletLog.filter((l) => l.method === method).length;
  /** Clicks, then waits for the outcome of exactly that action in the scope's status line. */
  const act = async (scope: Locator, click: () => Promise<void>) => {
    const status = scope.getByTestId("tx-status");
    const before = (await status.count()) > 0 ? Number(await status.getAttribute("data-seq")) : 0;
    await click();
    const done = scope.locator(`[data-testid="tx-status"][data-seq="${before + 1}"]:is([data-phase="confirmed"], [data-phase="failed"])`);
    await done.waitFor({ timeout: STEP_MS });
    return { phase: await done.getAttribute("data-phase"), text: (await done.textContent()) ?? "" };
  };
  const confirmed = async (scope: Locator, click: () => Promise<void>) => {
    const r = await act(scope, click);
    assert.equal(r.phase, "confirmed", `transaction failed: ${r.text}`);
  };

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    devnet = await startDevnet();
    cleanups.push(() => devnet.stop());
    const { record, deployment, signer, provider } = await deployForTest(devnet.url, { unbondingDelay: UNBONDING_DELAY });
    chainId = Number(deployment.chainId);
    const accounts = (await devnet.rpc("eth_accounts")) as Address[];
    operator = accounts[1];
    registry = deployment.contracts.NodeRegistry.contract.connect(provider) as Contract;
    token = deployment.contracts.PoAIToken.contract.connect(signer) as Contract;
    await (await token.transfer(operator, 5_000n * E18)).wait();

    const built = await buildPage();
    cleanups.push(built.cleanup);
    const server = await servePage(built.dir, { "/deployments/test.json": record });
    cleanups.push(server.close);
    const browser = await launchBrowser();
    cleanups.push(browser.close);
    walletLog = await installWallet(browser.context, devnet.url, operator);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`${server.url}/?network=test&rpc=${encodeURIComponent(devnet.url)}`);
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

  const fillRegistration = async (stake: string) => {
    const nonce = (await registry.nonces(nodeKey.address)) as bigint;
    const latest = (await devnet.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
    // What `npm run agent -- register --operator <wallet>` prints.
    const printed = JSON.stringify(
      await signRegistration({
        nodePrivateKey: nodeKey.privateKey as Hex,
        operator,
        nonce,
        deadline: BigInt(latest.timestamp) + 3_600n,
        chainId,
        registry: (await registry.getAddress()) as Address,
      }),
      null,
      2,
    );
    await page.getByTestId("agent-output").fill(printed);
    assert.equal(await page.getByTestId("node-key").inputValue(), nodeKey.address);
    await page.getByTestId("gpu-model").selectOption({ index: 4 });
    await page.getByTestId("gpu-count").fill("1");
    await page.getByTestId("tflops").fill("115");
    await page.getByTestId("vram").fill("24");
    await page.getByTestId("region").fill("eu-west");
    // minimumStake = base 100 + 10 per TFLOP/s x 115 = 1,250 POAI, read from the registry.
    await page.getByTestId("min-stake").filter({ hasText: "1,250 POAI" }).waitFor({ timeout: STEP_MS });
    await page.getByTestId("stake").fill(stake);
  };

  it("refuses a stake below the minimum and says so in words", async () => {
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await fillRegistration("1000");
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

  it("registers and stakes with permit: one signature, one transaction, no approve", async () => {
    const sigsBefore = count("eth_signTypedData_v4");
    const txsBefore = count("eth_sendTransaction");
    await fillRegistration("1500");
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
    await shot("04-registered");
    await phoneShot("04-registered");
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
    await card.getByTestId("node-release").filter({ hasText: /releases .* UTC \(in [12]m/ }).waitFor({ timeout: STEP_MS });
    assert.equal(await card.getByTestId("withdraw").isDisabled(), true, "withdraw waits for the delay");
    await shot("05-unbonding");

    // A withdraw before the release is refused by the registry; the page says when it is possible.
    const balanceBefore = (await token.balanceOf(operator)) as bigint;
    await devnet.rpc("evm_increaseTime", [Number(UNBONDING_DELAY) + 1]);
    await devnet.rpc("evm_mine");
    await card.getByTestId("node-release").filter({ hasText: "ready to withdraw" }).waitFor({ timeout: STEP_MS });
    await confirmed(card, () => card.getByTestId("withdraw").click());
    await card.getByTestId("node-unbonding").filter({ hasText: "none" }).waitFor({ timeout: STEP_MS });
    assert.equal((await token.balanceOf(operator)) - balanceBefore, 300n * E18);
    assert.equal((await registry.getNode(nodeKey.address)).unbonding, 0n);
    await shot("06-withdrawn");
    await phoneShot("06-withdrawn");
  });
});

