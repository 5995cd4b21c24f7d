import { test } from "node:test";
import assert from "node:assert/strict";
import { zeroHash } from "viem";
import { LeaseError } from "./errors";
import { buildLeasesTree, leaseLeaf, leaseProof, MAX_LEASE_NODES } from "./leases";

const d = { chainId: 31337n, leaseManager: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };

test("each leaf of the tree is the leaf LeaseManager computes, and its proof leads to the root", () => {
  const settlements = [
    { leaseId: 7n, compliantBps: [10_000] },
    { leaseId: 2n, compliantBps: [9_999, 0, 5_000] },
    { leaseId: 3n, compliantBps: [1] },
  ];
  const t = buildLeasesTree(d, settlements);
  assert.ok(t.tree);
  assert.equal(t.root, t.tree.root);
  for (const s of settlements) {
    const p = leaseProof(t, s.leaseId);
    assert.ok(p);
    assert.deepEqual(p.compliantBps, s.compliantBps);
    const leaf = leaseLeaf(d, s);
    const entries = [...t.tree.entries()];
    const index: number = entries.find(([, v]) => BigInt(v[2]) === s.leaseId)![0];
    assert.equal(t.tree.leafHash(t.tree.at(index)!), leaf);
    assert.equal(t.tree.verify(index, p.proof), true);
  }
  assert.equal(leaseProof(t, 99n), undefined);
});

test("the leaf binds chain, contract, lease id and every share", () => {
  const s = { leaseId: 1n, compliantBps: [10_000, 5_000] };
  const base = leaseLeaf(d, s);
  assert.notEqual(leaseLeaf({ ...d, chainId: 1n }, s), base);
  assert.notEqual(leaseLeaf({ ...d, leaseManager: "0x0000000000000000000000000000000000000001" }, s), base);
  assert.notEqual(leaseLeaf(d, { ...s, leaseId: 2n }), base);
  assert.notEqual(leaseLeaf(d, { ...s, compliantBps: [5_000, 10_000] }), base);
});

test("no lease: the zero root, no proof", () => {
  const t = buildLeasesTree(d, []);
  assert.equal(t.root, zeroHash);
  assert.equal(leaseProof(t, 1n), undefined);
});

test("bad settlements are refused with PR301", () => {
  const bad = [
    { leaseId: 0n, compliantBps: [1] },
    { leaseId: 1n, compliantBps: [] },
    { leaseId: 1n, compliantBps: Array(MAX_LEASE_NODES + 1).fill(1) },
    { leaseId: 1n, compliantBps: [10_001] },
    { leaseId: 1n, compliantBps: [-1] },
    { leaseId: 1n, compliantBps: [0.5] },
  ];
  for (const s of bad) {
    assert.throws(() => buildLeasesTree(d, [s]), (e: unknown) => e instanceof LeaseError && e.code === "PR301");
  }
  assert.throws(() => buildLeasesTree(d, [{ leaseId: 1n, compliantBps: [1] }, { leaseId: 1n, compliantBps: [2] }]), LeaseError);
  assert.throws(() => buildLeasesTree({ ...d, chainId: 0n }, []), LeaseError);
  assert.throws(() => leaseLeaf({ ...d, leaseManager: "0x12" as `0x${string}` }, { leaseId: 1n, compliantBps: [1] }), LeaseError);
});
