/**
 * The registry mirror (oracle/registry-mirror.ts) against a real Hardhat node, every RPC call
 * counted by a relay in front of it (test/support/rpc-counter.ts): a fleet larger than one
 * registry page is read whole in a few calls and equals per-node `getNode`; each change (top-up,
 * unbond, deregistration, slash, a new registration) is followed after one sync that re-reads
 * only the nodes it names; a jail that ends with no event is seen with no read; a re-org and the
 * periodic full load repair the mirror. Then the API: a flood signed by an unregistered key
 * costs at most one registry read per negative TTL and is rate-limited after its burst.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createWalletClient, http, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { Chain, loadDeployment, type NodeRecord } from "../../oracle/chain";
import { parseConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { NODES_PER_CALL, REGISTRY_PAGE } from "../../oracle/registry-mirror";
import { deployDevnet, E18, HH_KEYS, readContract, registerNodes, rpc, send, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { rpcCounter, type RpcCounter } from "../support/rpc-counter";
import { signedFetch } from "../support/oracle-client";

/** More than one registry page, so the key list takes two `nodesPage` calls. */
const FLEET = REGISTRY_PAGE + 44;
const REFRESH_MS = 60_000;
const OPERATOR = HH_KEYS[1];

describe("registry mirror", { timeout: 300_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let rpcs: RpcCounter;
  let chain: Chain;
  let truth: Chain;
  let keys: Address[];
  let wall = 1_000_000;

  /** Every node as `getNode` answers now, one call each, in `keys`' order. */
  const perNode = (ks: readonly Address[]): Promise<NodeRecord[]> => Promise.all(ks.map((k) => truth.getNode(k)));
  const lower = (a: readonly string[]) => a.map((x) => x.toLowerCase()).sort();
  const byKey = (all: NodeRecord[], k: Address) => all.find((n) => n.node.toLowerCase() === k.toLowerCase())!;

  /** `registry.slash` sent as Settlement (the one SLASHER_ROLE holder), impersonated on the Hardhat node. */
  async function slashAsSettlement(node: Address, bps: number) {
    const settlement = dev.addresses.Settlement;
    await rpc(hh.url, "hardhat_impersonateAccount", [settlement]);
    await rpc(hh.url, "hardhat_setBalance", [settlement, "0x56BC75E2D63100000"]);
    const w = createWalletClient({ account: settlement, transport: http(hh.url) });
    await w.writeContract({ address: dev.addresses.NodeRegistry, abi: dev.abis.NodeRegistry, functionName: "slash", args: [node, bps], chain: { id: dev.chainId } as never } as never);
    await rpc(hh.url, "hardhat_stopImpersonatingAccount", [settlement]);
  }

  /** Gives the operator `amount` more stake tokens, approved to the registry. */
  async function fundOperator(amount: bigint) {
    await send(dev, HH_KEYS[0], "PoAIToken", "transfer", [privateKeyToAccount(OPERATOR).address, amount]);
    await send(dev, OPERATOR, "PoAIToken", "approve", [dev.addresses.NodeRegistry, amount]);
  }

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 60, genesisDelay: 5 });
    keys = await registerNodes(dev, OPERATOR, FLEET);
    rpcs = await rpcCounter(hh.url);
    const deployment = loadDeployment(dev.deploymentFile);
    chain = await Chain.connect(rpcs.url, deployment, 2, { registryRefreshMs: REFRESH_MS, now: () => wall });
    truth = await Chain.connect(hh.url, deployment, 2);
  });

  after(async () => {
    await rpcs?.close();
    await hh?.stop();
  });

  it("reads a fleet larger than one page whole, in a few calls, equal to per-node getNode", async () => {
    rpcs.reset();
    const nodes = await chain.allNodes();
    assert.equal(nodes.length, FLEET);
    assert.deepEqual(nodes.map((n) => n.node.toLowerCase()), keys.map((k) => k.toLowerCase()), "registration order");
    assert.deepEqual(nodes, await perNode(keys));
    assert.equal(rpcs.nodesRead().length, FLEET, "each node read once");
    // head + nodeCount + one eth_call for both pages + one per NODES_PER_CALL getNode reads.
    assert.equal(rpcs.count("eth_call"), 2 + Math.ceil(FLEET / NODES_PER_CALL));
    assert.equal(rpcs.calls.length, 3 + Math.ceil(FLEET / NODES_PER_CALL), JSON.stringify(rpcs.calls.map((c) => c.method)));
  });

  it("a pass over an unchanged registry reads no node: two calls without a new block, four with one", async () => {
    rpcs.reset();
    await chain.allNodes();
    assert.deepEqual(rpcs.calls.map((c) => c.method), ["eth_getBlockByNumber", "eth_getBlockByNumber"], "the head and the mirror's own block");
    assert.equal(rpcs.count("eth_call"), 0);
    await rpc(hh.url, "evm_mine");
    rpcs.reset();
    assert.equal((await chain.allNodes()).length, FLEET);
    assert.deepEqual(rpcs.nodesRead(), []);
    assert.equal(rpcs.count("eth_getLogs"), 1);
    assert.equal(rpcs.count("eth_call"), 1, "nodeCount only");
    assert.equal(rpcs.calls.length, 4);
  });

  it("follows a top-up, an unbond and a deregistration, re-reading only the nodes they name", async () => {
    const extra = 50n * E18;
    await fundOperator(extra);
    await send(dev, OPERATOR, "NodeRegistry", "topUp", [keys[7], extra]);
    rpcs.reset();
    let nodes = await chain.allNodes();
    assert.deepEqual(rpcs.nodesRead().sort(), lower([keys[7]]));
    assert.equal(rpcs.count("eth_call"), 1);
    assert.deepEqual(byKey(nodes, keys[7]), await truth.getNode(keys[7]));
    assert.equal(byKey(nodes, keys[7]).stake, byKey(nodes, keys[8]).stake + extra);

    await send(dev, OPERATOR, "NodeRegistry", "requestUnbond", [keys[7], extra]);
    await send(dev, OPERATOR, "NodeRegistry", "deregister", [keys[9]]);
    rpcs.reset();
    nodes = await chain.allNodes();
    assert.deepEqual(rpcs.nodesRead().sort(), lower([keys[7], keys[9]]));
    assert.equal(byKey(nodes, keys[7]).unbonding, extra);
    assert.equal(byKey(nodes, keys[9]).status, "Exiting");
    assert.deepEqual(nodes, await perNode(keys));
  });

  it("sees a slash as Jailed, and the jail's end, which no event marks, with no read", async () => {
    await slashAsSettlement(keys[10], 100);
    rpcs.reset();
    let nodes = await chain.allNodes();
    assert.deepEqual(rpcs.nodesRead().sort(), lower([keys[10]]));
    assert.equal(byKey(nodes, keys[10]).status, "Jailed");
    assert.deepEqual(byKey(nodes, keys[10]), await truth.getNode(keys[10]));

    const jail = await readContract<bigint>(dev, "NodeRegistry", "jailDuration");
    await rpc(hh.url, "evm_increaseTime", [Number(jail) + 1]);
    await rpc(hh.url, "evm_mine");
    rpcs.reset();
    nodes = await chain.allNodes();
    assert.deepEqual(rpcs.nodesRead(), [], "the jail's end is derived from jailedUntil, not re-read");
    assert.equal(byKey(nodes, keys[10]).status, "Active");
    assert.deepEqual(nodes, await perNode(keys));
  });

  it("adds a new registration at the end of the list", async () => {
    const [fresh] = await registerNodes(dev, HH_KEYS[2], 1);
    rpcs.reset();
    const nodes = await chain.allNodes();
    assert.deepEqual(rpcs.nodesRead().sort(), lower([fresh]));
    assert.equal(nodes.length, FLEET + 1);
    assert.equal(nodes.at(-1)!.node.toLowerCase(), fresh.toLowerCase());
    keys.push(fresh);
    assert.deepEqual(nodes, await perNode(keys));
  });

  it("answers an unregistered key as getNode does, from the mirror, with no call of its own", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address;
    await chain.allNodes();
    rpcs.reset();
    const { rec } = await chain.registryAnswer(stranger, 60_000);
    assert.equal(rpcs.calls.length, 0);
    assert.deepEqual(rec, await truth.getNode(stranger));
  });

  it("repairs itself after a re-org under its block (a reverted snapshot)", async () => {
    await fundOperator(10n * E18);
    const before = await truth.getNode(keys[11]);
    const snapshot = await rpc<string>(hh.url, "evm_snapshot");
    await send(dev, OPERATOR, "NodeRegistry", "topUp", [keys[11], 10n * E18]);
    assert.equal(byKey(await chain.allNodes(), keys[11]).stake, before.stake + 10n * E18);
    const loads = chain.registry.stats.fullLoads;
    await rpc(hh.url, "evm_revert", [snapshot]);
    for (let i = 0; i < 3; i++) await rpc(hh.url, "evm_mine");
    const nodes = await chain.allNodes();
    assert.equal(chain.registry.stats.fullLoads, loads + 1, "the changed hash of the mirror's block forces a full load");
    assert.deepEqual(byKey(nodes, keys[11]), before);
    assert.deepEqual(nodes, await perNode(keys));
  });

  it("reads everything again once registryRefreshMs has passed (the staleness bound)", async () => {
    await chain.allNodes();
    wall += REFRESH_MS;
    rpcs.reset();
    await chain.allNodes();
    assert.equal(rpcs.nodesRead().length, keys.length);
    assert.equal(rpcs.count("eth_call"), 2 + Math.ceil(keys.length / NODES_PER_CALL));
  });

  describe("a flood signed by an unregistered key", () => {
    const NEGATIVE_TTL_MS = 1_500;
    const BURST = 8;
    let oracle: OracleHandle;
    let ctx: { account: ReturnType<typeof privateKeyToAccount>; chainId: number; registry: Address };

    before(async () => {
      const cfg = parseConfig({
        rpcUrl: rpcs.url,
        deploymentFile: dev.deploymentFile,
        dbPath: join(dev.dir, "flood.sqlite"),
        port: 0,
        logLevel: "error",
        rateLimitPerSec: 1,
        rateLimitBurst: BURST,
        registryCacheMs: 1_000,
        registryNegativeCacheMs: NEGATIVE_TTL_MS,
      });
      oracle = await startOracle(cfg, { runScheduler: false });
      ctx = { account: privateKeyToAccount(generatePrivateKey()), chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
      assert.equal((await (await fetch(oracle.url + "/v1/nodes")).json()).nodes.length, keys.length, "mirror loaded");
    });

    after(async () => {
      await oracle?.stop();
    });

    /** Sends `n` signed requests one after another; returns their error codes. */
    async function flood(n: number): Promise<string[]> {
      const codes: string[] = [];
      for (let i = 0; i < n; i++) codes.push((await signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {})).json?.error?.code);
      return codes;
    }

    it("reads the registry at most once per negative TTL and gets OR110 after the burst", async () => {
      rpcs.reset();
      const t0 = Date.now();
      const first = await flood(BURST + 12);
      // The bucket refills at 1/s while the flood runs: each refilled token lets one more through.
      const refilled = Math.floor((Date.now() - t0) / 1000);
      assert.deepEqual(first.slice(0, BURST), Array(BURST).fill("OR108"));
      assert.ok(first.slice(BURST).every((c) => c === "OR110" || c === "OR108"), first.join());
      assert.ok(first.filter((c) => c === "OR108").length <= BURST + refilled, first.join());
      assert.equal(first.at(-1), "OR110");
      assert.ok(rpcs.count("eth_call") <= 1, `registry reads in one TTL: ${rpcs.count("eth_call")}`);
      assert.deepEqual(rpcs.nodesRead(), [], "an unknown key is never read on its own");

      await sleep(NEGATIVE_TTL_MS + 100); // the negative entry expires; the bucket refills one token
      const reads = rpcs.count("eth_call");
      const t1 = Date.now();
      const second = await flood(10);
      // A token refilled while this flood runs lets one more request through: at 1/s, an
      // interval of d seconds holds at most floor(d) + 1 refills, whatever the bucket's phase.
      const refilledAgain = Math.floor((Date.now() - t1) / 1000) + 1;
      assert.equal(second[0], "OR108");
      assert.ok(second.includes("OR110"), second.join());
      assert.ok(second.filter((c) => c === "OR108").length <= 1 + refilledAgain, second.join());
      assert.ok(rpcs.count("eth_call") - reads <= 1, "one more read at most in the next TTL");
    });
  });
});
