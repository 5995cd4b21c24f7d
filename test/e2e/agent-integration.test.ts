/**
 * The node agent in a whole devnet: a Hardhat node, the contracts, the oracle (its own process)
 * and three agents (their own processes), one honest, one committing made-up rows and one that
 * also grinds its roots against the openings it can predict from public data, through one full
 * epoch and its settlement. The agents start before the oracle, so they also show the reconnect
 * path. Checks what an operator would check: the report went on chain, finalized after its
 * dispute window, both forgers were slashed for fraud and only they, and the honest operator
 * claimed its reward with the oracle's Merkle proof; the operator-facing errors for a jailed node,
 * an unregistered key and a wrong chain; and what an auditor checks: every draw of the settled
 * epoch recomputes from the keys the oracle revealed after it (scripts/audit-draws.ts), and the
 * grinder's predicted openings were never the ones it was asked for.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseAbi } from "viem";
import { SlashReason } from "../../protocol";
import { stopAll } from "../../scripts/devnet/children";
import { devAccount, FIRST_OPERATOR_INDEX } from "../../scripts/devnet/accounts";
import { ChainWatch } from "../../scripts/devnet/chain-watch";
import { ROOT, freePort } from "../../scripts/devnet/node";
import { E18, startDevnet } from "../../scripts/devnet/devnet";
import { DEMO_KEY_PASSWORD, registerNode, startAgent, startOracles } from "../../scripts/devnet/fleet";
import { claimRewards } from "../../scripts/devnet/reads";
import { auditSlashes } from "../../scripts/audit-slashes";
import { auditDraws, fetchRevealed, readOnChain } from "../../scripts/audit-draws";
import { profileParams } from "../../protocol/committee-params";
import { spawnSync } from "node:child_process";
import { recoverAddress, recoverTypedDataAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { REGISTRATION_TYPES, REGISTRY_DOMAIN_NAME, domain } from "../../protocol";
import { writeKeystore, MIN_SCRYPT_N } from "../../agent/keystore";
import { Wallet } from "ethers";
import { assertChallengeable, connect, readNode } from "../../agent/chain";
import { OracleClient } from "../../agent/client";
import { AgentError } from "../../agent/errors";

/** Longest wait for the first epoch's report to finalize, ms. */
const SETTLE_TIMEOUT_MS = 180_000;
const TOKEN_ABI = parseAbi(["function balanceOf(address) view returns (uint256)"]);

const verdictsOf = (lines: readonly { event: string; verdict?: string; epoch?: string }[], epoch: bigint | undefined) =>
  lines.filter((e) => e.event === "challenge.verdict" && e.epoch === String(epoch)).map((e) => e.verdict);

const work = mkdtempSync(join(tmpdir(), "poai-agent-it-"));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test("one epoch: the forgers are slashed for fraud, grinding included, the honest node is paid and never slashed", { timeout: 300_000 }, async () => {
  const log = (m: string) => process.env.POAI_TEST_VERBOSE && console.log(m);
  const net = await startDevnet({
    workDir: work,
    port: 8700 + Math.floor(Math.random() * 100),
    epochSeconds: 20n,
    disputeSeconds: 5n,
    committeeSize: 1,
    rewardsPool: 10_000n * E18,
    log,
  });
  const honest = await registerNode(net, {
    workDir: work, name: "honest", behaviour: "honest", operator: devAccount(FIRST_OPERATOR_INDEX),
    claim: { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024 },
  });
  const forger = await registerNode(net, {
    workDir: work, name: "forger", behaviour: "forge-rows", operator: devAccount(FIRST_OPERATOR_INDEX + 1),
    claim: { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024 },
  });

  const grinder = await registerNode(net, {
    workDir: work, name: "grinder", behaviour: "grind-forge", operator: devAccount(FIRST_OPERATOR_INDEX + 2),
    claim: { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024 },
  });
  const openings = profileParams("devnet").openings;

  // Agents first: the oracle is not up yet, so they must retry and then connect.
  const [port] = [await freePort()];
  const oracleUrl = `http://127.0.0.1:${port}`;
  type Line = { event: string; verdict?: string; epoch?: string; challengeId?: string; root?: string; seed?: string; predicted?: number[]; found?: boolean };
  const events: Record<string, Line[]> = { honest: [], forger: [], grinder: [] };
  for (const n of [honest, forger, grinder]) {
    startAgent(n, {
      oracleUrl,
      rpcUrl: net.rpcUrl,
      extraArgs: ["--threads", "1", ...(n.behaviour !== "honest" ? ["--forge-fraction", "0.5"] : []), ...(n.behaviour === "grind-forge" ? ["--grind-openings", String(openings)] : [])],
      onLine: (line) => {
        log(`[${n.name}] ${line}`);
        try {
          events[n.name].push(JSON.parse(line));
        } catch {
          /* not a log line */
        }
      },
    });
  }
  await sleep(8_000);
  await startOracles(net, { workDir: work, ports: [port], onLine: (_i, line) => log(`[oracle] ${line}`) });

  // The epoch under test: the first one the oracle committed a seed for (it is challenged in full).
  const watch = new ChainWatch(net.client, [net.addr("Settlement"), net.addr("RewardsDistributor"), net.addr("EpochManager")], BigInt(net.deployment.deploymentBlock));
  const until = Date.now() + SETTLE_TIMEOUT_MS;
  let epoch: bigint | undefined;
  // Loop bound: SETTLE_TIMEOUT_MS of one-second polls.
  while (Date.now() < until && (epoch === undefined || !watch.seen.some((e) => e.kind === "ReportFinalized" && e.epoch === epoch))) {
    await watch.poll();
    epoch ??= (watch.seen.find((e) => e.kind === "SeedCommitted") as { epoch: bigint } | undefined)?.epoch;
    await sleep(1_000);
  }
  await watch.poll();
  assert.ok(epoch !== undefined, "the oracle never committed a seed");

  // The agents retried the absent oracle, then reached it.
  const hv = events.honest.map((e) => e.event);
  assert.ok(hv.includes("oracle.unreachable"), "the honest agent never reported the oracle unreachable");
  assert.ok(hv.indexOf("oracle.info") > hv.indexOf("oracle.unreachable"), "the honest agent did not reconnect");

  // The epoch was reported, with exactly two slashes: the forgers, for fraud.
  const submitted = watch.seen.find((e) => e.kind === "ReportSubmitted" && e.epoch === epoch);
  assert.ok(submitted, `no report of epoch ${epoch} on chain`);
  assert.ok(watch.seen.some((e) => e.kind === "ReportFinalized" && e.epoch === epoch), `epoch ${epoch} was not finalized`);
  const proposed = watch.seen.filter((e) => e.kind === "SlashProposed" && e.epoch === epoch);
  const cheaters = [forger.node.toLowerCase(), grinder.node.toLowerCase()].sort();
  assert.deepEqual(proposed.map((e) => (e as { node: string }).node.toLowerCase()).sort(), cheaters);
  assert.ok(proposed.every((e) => (e as { reason: number }).reason === SlashReason.Fraud));
  const executed = watch.seen.filter((e) => e.kind === "SlashExecuted");
  assert.ok(executed.every((e) => cheaters.includes((e as { node: string }).node.toLowerCase())), "someone other than a forger was slashed");

  // The auditor's check: the oracle revealed its keys of the settled epoch, they open the seed
  // the report revealed, and every opening it asked for recomputes from them.
  const revealed = await fetchRevealed(oracleUrl, Number(epoch));
  const audit = auditDraws(revealed, await readOnChain(net.rpcUrl, { Settlement: net.addr("Settlement"), EpochManager: net.addr("EpochManager") }, Number(epoch)));
  assert.deepEqual(audit.problems, []);
  assert.ok(audit.openingsChecked > 0 && audit.openingsChecked === audit.committed, `${audit.openingsChecked} of ${audit.committed} openings recomputed`);
  // A member that had asked for other rows than its key gives is caught by the same check.
  // The bent challenge is the first one a node committed a root to: the revealed list also holds
  // challenges no root answered, whose openings are null, and its order is the oracle's.
  const first = revealed.challenges.findIndex((c) => c.root !== null && (c.openings?.length ?? 0) > 0);
  assert.ok(first >= 0, "no committed challenge with openings in the revealed epoch");
  const bent = { ...revealed, challenges: revealed.challenges.map((c, i) => (i === first ? { ...c, openings: c.openings!.map((o) => o + 1) } : c)) };
  const bentProblems = auditDraws(bent, { reportSeed: revealed.seed, commitment: null }).problems;
  assert.ok(bentProblems.some((p) => /asked for/.test(p)), `a bent opening list went unnoticed: ${bentProblems.join("; ")}`);
  // The auditor's other check: every fraud slash of the epoch re-verifies from the chain and the
  // oracle's evidence documents alone (the node key signed each wrong answer).
  const slashAudit = await auditSlashes({ rpcUrl: net.rpcUrl, oracleUrl, epoch: Number(epoch) });
  assert.deepEqual(slashAudit.problems, []);
  assert.equal(slashAudit.fraud, 2, `fraud slashes on chain: ${slashAudit.fraud}`);
  assert.equal(slashAudit.proven, 2);
  // The draws of the epoch in progress are not revealed: the opening key would tell a node its rows.
  const running = ((await (await fetch(`${oracleUrl}/v1/info`)).json()) as { currentEpoch: number }).currentEpoch;
  const early = await fetch(`${oracleUrl}/v1/epochs/${running + 1}/draws`);
  assert.equal(early.status, 409, `draws of the next epoch (committed, not over) answered ${early.status}`);
  assert.equal(((await early.json()) as { error: { code: string } }).error.code, "OR124");

  // The grinder found, for each of its challenges, a root whose publicly predictable openings
  // miss every made-up row; the oracle asked for other rows (its draw is keyed) and caught it.
  const ground = events.grinder.filter((e) => e.event === "redteam.ground" && e.found);
  const asked = new Map(revealed.challenges.filter((c) => c.node === grinder.node.toLowerCase() && c.root).map((c) => [c.root!.toLowerCase(), c.openings!]));
  const compared = ground.filter((g) => asked.has(g.root!.toLowerCase()));
  assert.ok(compared.length > 0, "no ground root of the grinder reached the epoch's commitments");
  for (const g of compared) assert.notDeepEqual(asked.get(g.root!.toLowerCase()), g.predicted, `the oracle asked for the rows the grinder predicted (root ${g.root})`);
  assert.ok(verdictsOf(events.grinder, epoch).includes("fraud"), `grinder verdicts ${verdictsOf(events.grinder, epoch)}`);

  // The agents saw it too: the forger's answers were judged fraud, the honest ones passed.
  const verdicts = (name: string) => verdictsOf(events[name], epoch);
  assert.ok(verdicts("honest").length > 0 && verdicts("honest").every((v) => v === "pass"), `honest verdicts ${verdicts("honest")}`);
  assert.ok(verdicts("forger").includes("fraud"), `forger verdicts ${verdicts("forger")}`);

  // Stakes: the forger lost stake, the honest node kept all of it.
  const f = await readNode(net.client, net.addr("NodeRegistry"), forger.node);
  const h = await readNode(net.client, net.addr("NodeRegistry"), honest.node);
  assert.ok(f.stake + f.unbonding < forger.stake, "the forger's stake did not go down");
  assert.equal(h.stake + h.unbonding, honest.stake);

  // What an operator of each is told: the forger is jailed until a date, a key nobody registered
  // is "not registered" by the oracle, and an RPC on another chain id is refused.
  const now = Number((await net.client.getBlock()).timestamp);
  assert.throws(() => assertChallengeable(forger.node, f, now), (e: unknown) => e instanceof AgentError && e.reason === "Jailed" && e.message.includes(new Date(Number(f.jailedUntil) * 1000).toISOString()));
  const stranger = new OracleClient(oracleUrl, privateKeyToAccount(generatePrivateKey()));
  await assert.rejects(stranger.next(), (e: unknown) => e instanceof AgentError && e.reason === "NotRegistered" && /not registered/.test(e.message));
  await assert.rejects(connect(net.rpcUrl, net.chainId + 1), (e: unknown) => e instanceof AgentError && e.reason === "WrongChain");

  // `agent register` prints a Registration signature the registry would accept from that operator.
  const fresh = Wallet.createRandom();
  const ks = join(work, "fresh.json");
  await writeKeystore(ks, fresh, DEMO_KEY_PASSWORD, { scryptN: MIN_SCRYPT_N });
  const operator = devAccount(FIRST_OPERATOR_INDEX + 5).address;
  const cli = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "agent", "cli.ts"), "register", "--rpc", net.rpcUrl, "--registry", net.addr("NodeRegistry"), "--keystore", ks, "--operator", operator], {
    env: { ...process.env, POAI_KEY_PASSWORD: DEMO_KEY_PASSWORD },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(cli.status, 0, cli.stderr);
  const sig = JSON.parse(cli.stdout) as { operator: string; nodeKey: string; nonce: string; deadline: string; chainId: number; registry: string; signature: Hex };
  assert.equal(sig.nodeKey, fresh.address);
  assert.equal(sig.nonce, "0");
  const signer = await recoverTypedDataAddress({
    domain: domain(REGISTRY_DOMAIN_NAME, net.chainId, net.addr("NodeRegistry")),
    types: REGISTRATION_TYPES,
    primaryType: "Registration",
    message: { operator: operator as Hex, nodeKey: fresh.address as Hex, nonce: 0n, deadline: BigInt(sig.deadline) },
    signature: sig.signature,
  });
  assert.equal(signer, fresh.address);
  // The contract's own digest of that registration recovers to the node key as well.
  const digest = (await net.client.readContract({
    address: net.addr("NodeRegistry"),
    abi: parseAbi(["function registrationDigest(address operator, address nodeKey, uint256 nonce, uint256 deadline) view returns (bytes32)"]),
    functionName: "registrationDigest",
    args: [operator as Hex, fresh.address as Hex, 0n, BigInt(sig.deadline)],
  })) as Hex;
  assert.equal(await recoverAddress({ hash: digest, signature: sig.signature }), fresh.address);

  // The honest operator claims with the oracle's proof; the forger's operator has nothing.
  const token = net.addr("PoAIToken");
  const before = (await net.client.readContract({ address: token, abi: TOKEN_ABI, functionName: "balanceOf", args: [honest.operator.address] })) as bigint;
  const paid = await claimRewards(net, oracleUrl, honest.operator);
  const afterBal = (await net.client.readContract({ address: token, abi: TOKEN_ABI, functionName: "balanceOf", args: [honest.operator.address] })) as bigint;
  assert.ok(paid.paid > 0n, "the honest operator had nothing to claim");
  assert.equal(afterBal - before, paid.paid);
  const forgerClaim = await claimRewards(net, oracleUrl, forger.operator);
  assert.equal(forgerClaim.cumulative, 0n);
});
