/**
 * Gas benchmark of the PoAI contracts on the Hardhat network (`npm run bench:gas`).
 *
 * Measures the gas of every user-facing transaction: register + stake, register with permit,
 * top-up, request unbond, withdraw, submitReport with 0, 1 and the maximum number of slashes at
 * quorum 2 of 3 and 11 of 16, finalize, and claims with proofs of depth 1, 10 and 20 (first and
 * later claim of an account), a batch of 10 claims at depth 20, and beside them, in the same run with
 * the same token and compiler settings, two anchor distributors written from their published designs
 * (contracts/bench/: Uniswap's bitmap MerkleDistributor, 1inch's CumulativeMerkleDrop). It prints a
 * gas breakdown of the later depth-20 claim from its opcode trace (scripts/gas-trace.ts). It also
 * shows that a report costs the same whether its rewards root covers 10 accounts or 1,000,000 (the
 * 1,000,000-account tree is built for real), and the gas of booking a lease and of settling a 1 h and a
 * 1,000 h lease (equal: no loop over the lease's hours).
 *
 * Prints a table, rewrites snapshots/gas.json (committed, so a regression shows in review) and
 * prints as its last line one JSON object {"bench":"gas", ...}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { bytesToHex, type Hex } from "viem";
import {
  CLAIM,
  commitSeed,
  deployProtocol,
  endEpoch,
  fund,
  makeReport,
  quorumSignatures,
  registerNode,
  signRegistration,
  type Protocol,
  type SlashEntry,
} from "./hardhat-protocol";
import { hashPairBytes, leafHashBytes } from "../engine/merkle";
import { breakdownRows, calldataGas, traceGas } from "./gas-trace";
import { SlashReason, PERMIT_TYPES, buildLeasesTree, leaseProof } from "../protocol";

const { ethers } = hre;
const E18 = 10n ** 18n;
const STAKE = 5_000n * E18;
const MAX_SLASHES = 64; // Settlement.MAX_SLASHES_CAP

const TARGETS = {
  registerAndStake: 200_000,
  claimLaterDepth20: 58_000,
  batchClaimPerClaim: 35_000,
};
/** Claims in the benchmarked batch (later claims, depth 20, recipients already holding tokens). */
const BATCH = 10;
const BATCH_KEY = `batch claim later, depth 20, per claim (batch of ${BATCH})`;

const figures: Record<string, number> = {};
const rows: [string, number, string][] = [];

async function gasOf(name: string, tx: Promise<ContractTransactionResponse>, note = ""): Promise<number> {
  const receipt = await (await tx).wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${name}: transaction failed`);
  const gas = Number(receipt.gasUsed);
  figures[name] = gas;
  rows.push([name, gas, note]);
  return gas;
}

/** Gas of `tx` without the intrinsic 21,000 and its calldata: what the contract's code costs. */
async function executionGasOf(tx: ContractTransactionResponse): Promise<number> {
  const receipt = await tx.wait();
  return Number(receipt!.gasUsed) - 21_000 - calldataGas(tx.data);
}

// ---------------------------------------------------------------- rewards trees

/** Deterministic pseudo-random accounts (xorshift), so trees are the same on every run. */
function accountBytes(i: number, salt: number): Uint8Array {
  const out = new Uint8Array(20);
  let x = ((i + 1) * 0x9e3779b1) ^ (salt * 0x85ebca6b);
  for (let k = 0; k < 20; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[k] = (x >>> 0) & 0xff || 1;
  }
  return out;
}

/** `keccak256(keccak256(abi.encode(account, amount)))`: the OpenZeppelin standard-tree leaf. */
function leafOf(account: Uint8Array, amount: bigint): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(account, 12);
  buf.set(Buffer.from(amount.toString(16).padStart(64, "0"), "hex"), 32);
  return leafHashBytes(buf);
}

function amountOf(i: number): bigint {
  return BigInt(i + 1) * 10n ** 15n + 123_456_789n;
}

interface BuiltTree {
  root: Uint8Array;
  /** Proof of leaf 0 (the benchmarked account). */
  proof: Uint8Array[];
  account: string;
  amount: bigint;
  salt: number;
  /** Accounts, amounts and proofs of leaves 0..keep-1 (`buildTree`'s `keep`). */
  kept: { account: string; amount: bigint; proof: Uint8Array[] }[];
}

/**
 * Builds a tree over `n` accounts (leaf 0 is the benchmarked account with `amount0`) with the same
 * pairing as engine/merkle.ts, keeping only the proof of leaf 0.
 */
function buildTree(n: number, amount0: bigint, salt: number, keep = 1, keptScale = 1n): BuiltTree {
  // Leaves 0..keep-1 are spread over the tree (index i * stride), so their proofs share few nodes.
  const stride = Math.floor(n / keep);
  const keptIndex = (k: number) => k * stride;
  const amountAt = (i: number) => (i === 0 ? amount0 : i % stride === 0 && i / stride < keep ? amountOf(i) * keptScale : amountOf(i));
  let level: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) level[i] = leafOf(accountBytes(i, salt), amountAt(i));
  const positions = Array.from({ length: keep }, (_, k) => keptIndex(k));
  const proofs: Uint8Array[][] = positions.map(() => []);
  // Loop bound: log2(n) levels.
  while (level.length > 1) {
    for (let k = 0; k < keep; k++) {
      const sib = positions[k] ^ 1;
      if (sib < level.length) proofs[k].push(level[sib]);
      positions[k] >>= 1;
    }
    const up: Uint8Array[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) up[i >> 1] = hashPairBytes(level[i], level[i + 1]);
    if (level.length % 2 === 1) up[up.length - 1] = level[level.length - 1];
    level = up;
  }
  const kept = proofs.map((proof, k) => ({
    account: ethers.getAddress(bytesToHex(accountBytes(keptIndex(k), salt))),
    amount: amountAt(keptIndex(k)),
    proof,
  }));
  return { root: level[0], proof: proofs[0], account: kept[0].account, amount: amount0, salt, kept };
}

/** The same tree with leaf 0's amount raised: its siblings do not change, only the path to the root. */
function withAmount(t: BuiltTree, amount: bigint): BuiltTree {
  let h = leafOf(accountBytes(0, t.salt), amount);
  for (const p of t.proof) h = hashPairBytes(h, p);
  return { ...t, root: h, amount };
}

// ---------------------------------------------------------------- reports

const EVIDENCE = ethers.keccak256(ethers.toUtf8Bytes("bench evidence")) as Hex;

async function submit(p: Protocol, fields: { root?: Hex; total?: bigint; slashes?: SlashEntry[]; leasesRoot?: Hex }) {
  const epoch = (await p.epochs.currentEpoch()) + 1n;
  await commitSeed(p, epoch);
  await endEpoch(p, epoch);
  const { report, slashes } = await makeReport(p, epoch, {
    rewardsRoot: fields.root ?? (ethers.keccak256(ethers.toUtf8Bytes(`root ${epoch}`)) as Hex),
    rewardsTotal: fields.total ?? 1_000n * E18,
    slashes: fields.slashes ?? [],
    leasesRoot: fields.leasesRoot,
  });
  const sigs = await quorumSignatures(p, report);
  const tx = await p.settlement.connect(p.committeeSigners[0]).submitReport(report, slashes, sigs);
  return { epoch, tx };
}

async function finalizeTx(p: Protocol, epoch: bigint) {
  const info = await p.settlement.reportOf(epoch);
  if (BigInt(await time.latest()) < info.disputeEndsAt) await time.increaseTo(info.disputeEndsAt);
  return p.settlement.finalize(epoch);
}

function slashesFor(nodes: string[], count: number): SlashEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    node: nodes[i % nodes.length] as Hex,
    bps: 1_000,
    reason: SlashReason.Overclaim,
    evidence: EVIDENCE,
  }));
}

// ---------------------------------------------------------------- leases

/**
 * Lease booking and settlement: a 1-node booking, a 4-node cluster booking, and the settlement of a 1 h and
 * a 1,000 h lease from the same finalized report (same operator and renter, both already holding tokens, so
 * the two differ only in the lease's length: the settle gas must not).
 */
async function leaseFigures(p: Protocol): Promise<{ short: number; long: number }> {
  const op = p.operators[4];
  const renter = p.operators[5];
  const leases = await p.leases.getAddress();
  const price = 10n * E18;
  const nodes: string[] = [];
  await p.token.connect(p.admin).mint(op.address, 10n * STAKE);
  for (let i = 0; i < 6; i++) {
    const k = benchNodeKey();
    await registerNode(p, op, k, STAKE);
    await p.leases.connect(op).setOffer(k.address, price, 1, 2160);
    nodes.push(k.address);
  }
  await p.token.connect(p.admin).mint(renter.address, 100_000n * E18);
  await p.token.connect(renter).approve(leases, ethers.MaxUint256);
  const key = renter.address;
  const start = BigInt(await time.latest()) + 3600n;
  const max = ethers.MaxUint256;
  await gasOf("lease book, 1 node, 1 h", p.leases.connect(renter).book([nodes[0]], start, start + 3600n, key, max), "escrow pulled, node locked");
  await gasOf(
    "lease book, 4-node cluster, 1 h",
    p.leases.connect(renter).book(nodes.slice(2, 6), start, start + 3600n, key, max),
    "4 nodes checked, reserved and locked",
  );
  await gasOf("lease book, 1 node, 1000 h", p.leases.connect(renter).book([nodes[1]], start, start + 1000n * 3600n, key, max));
  // One report per lease, each tree a single leaf (empty proof): the two settlements then differ in nothing
  // but the lease (a shared tree would give their proofs opposite pair orders, a few gas apart).
  await time.increaseTo(start + 1000n * 3600n);
  const reports = new Map<bigint, { epoch: bigint; tree: ReturnType<typeof buildLeasesTree> }>();
  for (const id of [1n, 3n]) {
    const tree = buildLeasesTree({ chainId: p.chainId, leaseManager: leases as Hex }, [{ leaseId: id, compliantBps: [9_000] }]);
    const r = await submit(p, { leasesRoot: tree.root });
    await finalizeTx(p, r.epoch);
    reports.set(id, { epoch: r.epoch, tree });
  }
  const settle = (id: bigint) => {
    const { epoch, tree } = reports.get(id)!;
    const pr = leaseProof(tree, id)!;
    return p.leases.connect(renter).settle(id, epoch, pr.compliantBps, pr.proof);
  };
  const shortTx = settle(1n);
  const longTx = settle(3n);
  await gasOf("lease settle, 1 node, 1 h", shortTx, "operator paid 90 %, renter refunded 10 %");
  await gasOf("lease settle, 1 node, 1000 h", longTx, "the same, 1,000 times longer");
  // Execution gas: the two calls' calldata differ in their proof's bytes, not in what the contract does.
  const short = await executionGasOf(await shortTx);
  const long = await executionGasOf(await longTx);
  figures["lease settle execution gas, 1 h"] = short;
  figures["lease settle execution gas, 1000 h"] = long;
  rows.push(["  execution gas, 1 h vs 1000 h", long - short, `${short} vs ${long}`]);
  return { short, long };
}

// ---------------------------------------------------------------- main

/** Deterministic node keys and clock, so the snapshot only changes when the contracts do. */
let keyCounter = 0;
function benchNodeKey() {
  return new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes(`poai bench node key ${keyCounter++}`)));
}
const BENCH_START_TIME = 1_893_456_000; // 2030-01-01T00:00:00Z

async function stakingFigures(p: Protocol): Promise<void> {
  const op = p.operators[0];
  const registry = await p.registry.getAddress();
  await p.token.connect(p.admin).mint(op.address, 100n * STAKE);
  await gasOf("approve (first, separate tx)", p.token.connect(op).approve(registry, 10n * STAKE));
  const key = benchNodeKey();
  const dl = BigInt(await time.latest()) + 3600n;
  const sig = await signRegistration(p, key, op.address, dl);
  await gasOf(
    "register + stake, first node of the registry",
    p.registry.connect(op).register(key.address, CLAIM, STAKE, dl, sig),
    "also writes the registry's first token balance, stake total and list length (0 -> non-zero)",
  );
  // The usual case: a new operator registers a node in a registry that already holds stake.
  const op3 = p.operators[3];
  await p.token.connect(p.admin).mint(op3.address, 10n * STAKE);
  await p.token.connect(op3).approve(registry, 10n * STAKE);
  const key3 = benchNodeKey();
  const sig3 = await signRegistration(p, key3, op3.address, dl);
  await gasOf("register + stake", p.registry.connect(op3).register(key3.address, CLAIM, STAKE, dl, sig3), "new node, pulls stake");

  // Register with permit: a fresh operator with no allowance signs an ERC-2612 permit.
  const op2 = p.operators[1];
  await p.token.connect(p.admin).mint(op2.address, STAKE);
  const key2 = benchNodeKey();
  const dl2 = BigInt(await time.latest()) + 3600n;
  const sig2 = await signRegistration(p, key2, op2.address, dl2);
  const permit = ethers.Signature.from(
    await op2.signTypedData(
      { name: "PoAI Stake", version: "1", chainId: p.chainId, verifyingContract: await p.token.getAddress() },
      { Permit: [...PERMIT_TYPES.Permit] },
      { owner: op2.address, spender: registry, value: STAKE, nonce: await p.token.nonces(op2.address), deadline: dl2 },
    ),
  );
  await gasOf(
    "register + stake with permit",
    p.registry.connect(op2).registerWithPermit(key2.address, CLAIM, STAKE, dl2, sig2, dl2, permit.v, permit.r, permit.s),
    "one tx, no approve",
  );
  await gasOf("topUp", p.registry.connect(op).topUp(key.address, 100n * E18));
  await gasOf("requestUnbond", p.registry.connect(op).requestUnbond(key.address, 1_000n * E18));
  await time.increase(await p.registry.unbondingDelay());
  await gasOf("withdraw", p.registry.connect(op).withdraw(key.address));
}

async function reportFigures(p: Protocol, label: string, nodes: string[], withRootComparison: boolean) {
  const r0 = await submit(p, {});
  await gasOf(`submitReport ${label}, 0 slashes`, Promise.resolve(r0.tx));
  const r1 = await submit(p, { slashes: slashesFor(nodes, 1) });
  await gasOf(`submitReport ${label}, 1 slash`, Promise.resolve(r1.tx));
  const rMax = await submit(p, { slashes: slashesFor(nodes, MAX_SLASHES) });
  await gasOf(`submitReport ${label}, ${MAX_SLASHES} slashes (max)`, Promise.resolve(rMax.tx));
  return { r0, r1, rMax, withRootComparison };
}

const BREAKDOWN_NOTES: Record<string, string> = {
  calldata: "selector, account, amount, offset, length, 20 proof words",
  "distributor storage": "root (cold read), claimed[account] (cold read, write)",
  "distributor events": "RewardsClaimed: 1 topic + 1 word",
  "distributor hashing": "double-hashed leaf, 20 proof steps, claimed[account] slot",
  "distributor call": "cold access of the token (EIP-2929)",
  "distributor code": "dispatch, ABI decoding, guard, proof loop, checks",
  "token storage": "two balances, cold read and write each",
  "token events": "Transfer",
};

/**
 * A batch of BATCH later claims at depth 20: BATCH accounts spread over a 1,000,000-account tree claim a
 * first time (so they hold tokens), then once more under a later root with raised amounts.
 */
async function batchFigures(p: Protocol): Promise<void> {
  const firstTree = buildTree(1_000_000, 1_000n * E18, 5, BATCH);
  const laterTree = buildTree(1_000_000, 2_000n * E18, 5, BATCH, 2n);
  for (const [which, tree] of [
    ["first", firstTree],
    ["later", laterTree],
  ] as const) {
    const total = tree.kept.reduce((a, k) => a + k.amount, 0n);
    const r = await submit(p, { root: bytesToHex(tree.root), total });
    await finalizeTx(p, r.epoch);
    for (const k of tree.kept) if (k.proof.length !== 20) throw new Error(`batch: proof of ${k.proof.length}`);
    const tx = p.distributor.connect(p.operators[3]).claimBatch(
      tree.kept.map((k) => k.account),
      tree.kept.map((k) => k.amount),
      tree.kept.map((k) => k.proof.map((x) => bytesToHex(x))),
    );
    const gas = await gasOf(`batch claim ${which}, depth 20, batch of ${BATCH}`, tx);
    figures[which === "later" ? BATCH_KEY : `batch claim first, depth 20, per claim (batch of ${BATCH})`] = Math.ceil(gas / BATCH);
    rows.push([`  per claim`, Math.ceil(gas / BATCH), which === "later" ? "recipients already hold tokens" : "recipients' first tokens"]);
  }
}

/** A synthetic path: `leaf`'s proof of `depth` pseudo-random siblings and the root it reaches. */
function syntheticPath(leaf: Hex, salt: string, depth = 20): { proof: Hex[]; root: Hex } {
  const proof = Array.from({ length: depth }, (_, i) => ethers.keccak256(ethers.toUtf8Bytes(`${salt} sibling ${i}`)) as Hex);
  let h: Hex = leaf;
  for (const x of proof) h = bytesToHex(hashPairBytes(ethers.getBytes(h), ethers.getBytes(x)));
  return { proof, root: h };
}

/**
 * The anchors, on the same chain with the same token: Uniswap's MerkleDistributor and 1inch's
 * CumulativeMerkleDrop, first and later claim at depth 20 by a relayer, as for the project's figures.
 * Their trees are depth-20 paths of pseudo-random siblings (the contracts cannot tell them from a
 * 1,000,000-leaf tree: same proof length, same calldata bytes). Uniswap's leaves are one-shot, so its
 * "later" claim is another index of the same account in the same bitmap word (the recipient holds tokens,
 * the word is non-zero), the closest it has to a repeated claim.
 */
async function anchorFigures(p: Protocol): Promise<void> {
  const token = await p.token.getAddress();
  const relayer = p.operators[3];
  const amount = 1_000n * E18 + 123_456_789n;
  const account = ethers.getAddress(bytesToHex(accountBytes(7, 99)));

  // Uniswap: leaves (0, account, amount) and (1, account, amount) are siblings under one immutable root.
  const uLeaf = (i: bigint) => ethers.solidityPackedKeccak256(["uint256", "address", "uint256"], [i, account, amount]) as Hex;
  const pairNode = bytesToHex(hashPairBytes(ethers.getBytes(uLeaf(0n)), ethers.getBytes(uLeaf(1n))));
  const upper = syntheticPath(pairNode, "uniswap", 19);
  const upperProof = upper.proof;
  const h = upper.root;
  const uni = await (await ethers.getContractFactory("UniswapStyleDistributor")).deploy(token, h);
  await p.token.connect(p.admin).mint(await uni.getAddress(), 10n * amount);
  await gasOf("anchor Uniswap claim first, depth 20", uni.connect(relayer).claim(0n, account, amount, [uLeaf(1n), ...upperProof]));
  await gasOf("anchor Uniswap claim later, depth 20", uni.connect(relayer).claim(1n, account, amount, [uLeaf(0n), ...upperProof]));

  // 1inch: an owner-set root per update; the later claim raises the cumulative amount.
  const oneInch = await (await ethers.getContractFactory("OneInchStyleDistributor")).deploy(token);
  await p.token.connect(p.admin).mint(await oneInch.getAddress(), 10n * amount);
  const account2 = ethers.getAddress(bytesToHex(accountBytes(8, 99)));
  for (const [which, cumulative] of [
    ["first", amount],
    ["later", 2n * amount],
  ] as const) {
    const leaf = ethers.solidityPackedKeccak256(["address", "uint256"], [account2, cumulative]) as Hex;
    const path = syntheticPath(leaf, "1inch");
    await (await oneInch.setMerkleRoot(path.root)).wait();
    await gasOf(`anchor 1inch claim ${which}, depth 20`, oneInch.connect(relayer).claim(account2, cumulative, path.root, path.proof));
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log("Gas benchmark: deploying the protocol (quorum 2 of 3, slash list bound 64)...");
  await time.increaseTo(BENCH_START_TIME);
  const p = await deployProtocol({ committeeSize: 3, quorum: 2, maxSlashes: MAX_SLASHES });
  await fund(p, 10_000_000n * E18);
  await stakingFigures(p);

  // 64 staked nodes to slash (one operator).
  const nodes: string[] = [];
  for (let i = 0; i < MAX_SLASHES; i++) {
    const k = benchNodeKey();
    await registerNode(p, p.operators[2], k, STAKE);
    nodes.push(k.address);
  }

  console.log("Building rewards trees over 10, 1,024, 2 and 1,000,000 accounts...");
  const t10 = buildTree(10, 1_000n * E18, 1);
  const tBuild = Date.now();
  const t1M = buildTree(1_000_000, 1_000n * E18, 2);
  console.log(`  1,000,000-account tree built in ${((Date.now() - tBuild) / 1000).toFixed(1)} s, proof depth ${t1M.proof.length}`);
  const t1024 = buildTree(1_024, 1_000n * E18, 3);
  const t2 = buildTree(2, 1_000n * E18, 4);
  let breakdown: Awaited<ReturnType<typeof traceGas>> | undefined;

  // A report costs the same whatever the size of the rewards tree: it carries only the root. Both are
  // submitted from the same chain state (snapshot / revert), so only the root differs.
  await finalizeTx(p, (await submit(p, {})).epoch); // warm-up: budget totals already non-zero, as in operation
  const before = await ethers.provider.send("evm_snapshot", []);
  const small = await submit(p, { root: bytesToHex(t10.root) });
  // Read the receipt before the revert removes its block.
  const gSmall = await gasOf("submitReport 2/3, 0 slashes, root over 10 accounts", Promise.resolve(small.tx));
  const xSmall = await executionGasOf(small.tx);
  await ethers.provider.send("evm_revert", [before]);
  const large = await submit(p, { root: bytesToHex(t1M.root) });
  const gLarge = await gasOf("submitReport 2/3, 0 slashes, root over 1,000,000 accounts", Promise.resolve(large.tx));
  const xLarge = await executionGasOf(large.tx);
  figures["submitReport execution gas, root over 10 accounts"] = xSmall;
  figures["submitReport execution gas, root over 1,000,000 accounts"] = xLarge;
  rows.push(["  (execution gas without calldata) 10 accounts", xSmall, "zero bytes of roots and signatures vary calldata"]);
  rows.push(["  (execution gas without calldata) 1,000,000 accounts", xLarge, ""]);

  // Reports finalize in chain order (each after its parent): this one first.
  await finalizeTx(p, large.epoch);
  const a = await reportFigures(p, "2/3", nodes, true);
  await gasOf("finalize, 0 slashes", finalizeTx(p, a.r0.epoch));
  await gasOf("finalize, 1 slash", finalizeTx(p, a.r1.epoch));
  await gasOf(`finalize, ${MAX_SLASHES} slashes (max)`, finalizeTx(p, a.rMax.epoch), "64 distinct staked nodes");

  // Claims: for each depth, a root in which the account claims for the first time, then a later root
  // (same tree, the account's cumulative amount raised) for a later claim.
  for (const [depthLabel, t] of [
    ["depth 1", t2],
    ["depth 10", t1024],
    ["depth 20", t1M],
  ] as const) {
    const first = t;
    const later = withAmount(t, t.amount * 2n);
    for (const [which, tree] of [
      ["first", first],
      ["later", later],
    ] as const) {
      const r = await submit(p, { root: bytesToHex(tree.root), total: tree.amount });
      await finalizeTx(p, r.epoch);
      const proof = tree.proof.map((x) => bytesToHex(x));
      if (proof.length !== Number(depthLabel.split(" ")[1])) throw new Error(`${depthLabel}: proof of ${proof.length}`);
      const claimTx = p.distributor.connect(p.operators[3]).claim(tree.account, tree.amount, proof);
      await gasOf(`claim ${which}, ${depthLabel}`, claimTx);
      if (which === "later" && depthLabel === "depth 20") {
        const tx = await claimTx;
        const cd = calldataGas(tx.data);
        figures["claim later, depth 20: calldata gas"] = cd;
        rows.push(["  (of which intrinsic 21,000 + calldata)", 21_000 + cd, "20 proof words are most of the calldata"]);
        breakdown = await traceGas(tx, ["distributor", "token"]);
      }
    }
  }
  if (!breakdown) throw new Error("no breakdown of the later depth-20 claim");
  rows.push(["claim later, depth 20, breakdown (opcode trace):", breakdown.gasUsed, "every unit in one line below"]);
  for (const [name, gas] of breakdownRows(breakdown)) {
    figures[`claim later, depth 20 breakdown: ${name}`] = gas;
    rows.push([`  ${name}`, gas, BREAKDOWN_NOTES[name] ?? ""]);
  }
  // The floor: everything but the distributor's own code (its opcodes other than storage, events, hashing
  // and the call), i.e. what the EVM charges for the defences and the payout whatever the code.
  const floor = breakdown.gasUsed - breakdown.byContract.distributor.code;
  figures["claim later, depth 20: floor without the distributor's code"] = floor;
  rows.push(["  floor: all of the above but the distributor's code", floor, "intrinsic, calldata, 2 slots, token, event, hashes"]);
  // The same units grouped by what they pay for (every unit once).
  const d = breakdown.byContract.distributor;
  const t = breakdown.byContract.token;
  const grouped: [string, number, string][] = [
    ["intrinsic + calldata", breakdown.intrinsic + breakdown.calldata, "21,000 + 640 proof bytes and the arguments"],
    ["proof and leaf hashing", d.hashing, "20 proof steps, the double-hashed leaf, the claimed[account] slot"],
    ["distributor storage", d.storage, "root and claimed[account]: the defences' state"],
    ["claim event", d.events, "RewardsClaimed"],
    ["token transfer", d.call + t.storage + t.events + t.hashing + t.code + t.call, "cold call, two balances, Transfer, token code"],
    ["remainder: distributor code", d.code, "dispatch, ABI decoding, guard, proof loop, checks"],
  ];
  if (breakdown.refund !== 0) grouped.push(["refund", breakdown.refund, ""]);
  rows.push(["claim later, depth 20, grouped:", grouped.reduce((a, g) => a + g[1], 0), ""]);
  for (const g of grouped) rows.push([`  ${g[0]}`, g[1], g[2]]);
  if (floor >= TARGETS.claimLaterDepth20) {
    rows.push(["  the target is below this floor by", floor - TARGETS.claimLaterDepth20 + 1, "no code change reaches it"]);
  } else {
    rows.push(["  room the target leaves the distributor's code", TARGETS.claimLaterDepth20 - 1 - floor, `it uses ${d.code}`]);
  }

  await batchFigures(p);
  await anchorFigures(p);

  console.log("Deploying a second protocol with quorum 11 of 16...");
  const q = await deployProtocol({ committeeSize: 16, quorum: 11, maxSlashes: MAX_SLASHES });
  await fund(q, 10_000_000n * E18);
  const qNodes: string[] = [];
  for (let i = 0; i < 4; i++) {
    const k = benchNodeKey();
    await registerNode(q, q.operators[0], k, STAKE);
    qNodes.push(k.address);
  }
  const b = await reportFigures(q, "11/16", qNodes, false);
  await finalizeTx(q, b.r0.epoch);
  await finalizeTx(q, b.r1.epoch);
  await gasOf(`finalize 11/16, ${MAX_SLASHES} slashes (max)`, finalizeTx(q, b.rMax.epoch), "4 nodes slashed 16 times each (warm)");

  // Last: it moves the clock 1,000 hours on.
  const lease = await leaseFigures(p);

  // ---------------------------------------------------------------- targets
  const checks = [
    {
      target: `register + stake < ${TARGETS.registerAndStake}`,
      value: figures["register + stake"],
      ok: figures["register + stake"] < TARGETS.registerAndStake,
    },
    {
      target: `later claim at depth 20 < ${TARGETS.claimLaterDepth20}`,
      value: figures["claim later, depth 20"],
      ok: figures["claim later, depth 20"] < TARGETS.claimLaterDepth20,
    },
    {
      target: `batch claim per claim (later, depth 20, batch of ${BATCH}) <= ${TARGETS.batchClaimPerClaim}`,
      value: figures[BATCH_KEY],
      ok: figures[BATCH_KEY] <= TARGETS.batchClaimPerClaim,
    },
    {
      target: "report gas independent of the number of rewarded accounts (execution gas, 10 vs 1,000,000)",
      value: xLarge - xSmall,
      ok: xLarge === xSmall,
    },
    {
      target: "lease settle gas independent of the lease's length (execution gas, 1 h vs 1000 h)",
      value: lease.long - lease.short,
      ok: lease.long === lease.short,
    },
  ];

  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  console.log("");
  console.log("transaction".padEnd(width) + "gas".padStart(10) + "   note");
  console.log("-".repeat(width + 10 + 30));
  for (const [name, gas, note] of rows) console.log(name.padEnd(width) + String(gas).padStart(10) + (note ? `   ${note}` : ""));
  console.log("");
  console.log(
    `submitReport total gas, root over 10 vs 1,000,000 accounts: ${gSmall} vs ${gLarge} ` +
      `(difference ${gLarge - gSmall}, all of it calldata: ${calldataGas(large.tx.data) - calldataGas(small.tx.data)})`,
  );
  console.log(
    `later claim at depth 20: project ${figures["claim later, depth 20"]}, anchors Uniswap ${figures["anchor Uniswap claim later, depth 20"]}, ` +
      `1inch ${figures["anchor 1inch claim later, depth 20"]}; batch of ${BATCH} ${figures[BATCH_KEY]} per claim`,
  );
  for (const c of checks) console.log(`${c.ok ? "MET   " : "MISSED"} ${c.target}: ${c.value}`);

  const snapshotPath = path.join(__dirname, "..", "snapshots", "gas.json");
  mkdirSync(path.dirname(snapshotPath), { recursive: true });
  const sorted = Object.fromEntries(Object.entries(figures).sort(([x], [y]) => x.localeCompare(y)));
  writeFileSync(snapshotPath, JSON.stringify(sorted, null, 2) + "\n");
  console.log(`snapshot written to snapshots/gas.json (${Object.keys(sorted).length} figures) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  console.log(
    JSON.stringify({
      bench: "gas",
      ...figures,
      targets: Object.fromEntries(checks.map((c) => [c.target, { value: c.value, met: c.ok }])),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
