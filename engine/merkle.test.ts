import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, encodeAbiParameters, keccak256, toHex, type Hex } from "viem";
import { processProof } from "@openzeppelin/merkle-tree/dist/core";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  MerkleError,
  leafHash,
  merkleProof,
  merkleRoot,
  verifyMerkleProof,
  MERKLE_MAX_PROOF_LENGTH,
} from "./merkle";

function leaves(n: number, tag = "row"): Hex[] {
  return Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`${tag}-${i}`)));
}

test("leafHash is keccak256(keccak256(data)) for bytes and hex alike", () => {
  const data = new Uint8Array([1, 2, 3, 250]);
  assert.equal(leafHash(data), keccak256(keccak256(data)));
  assert.equal(leafHash(toHex(data)), keccak256(keccak256(data)));
  assert.throws(() => leafHash("0xZZ" as Hex), MerkleError);
});

test("every proof of every tree size 1..33 verifies, here and with OpenZeppelin's processProof", () => {
  for (let n = 1; n <= 33; n++) {
    const ls = leaves(n);
    const root = merkleRoot(ls);
    for (let i = 0; i < n; i++) {
      const proof = merkleProof(ls, i);
      assert.ok(verifyMerkleProof(root, ls[i], proof), `n=${n} i=${i}`);
      // OpenZeppelin's JS twin of MerkleProof.processProof (sorted-pair keccak).
      assert.equal(processProof(ls[i], proof), root, `oz n=${n} i=${i}`);
      assert.ok(proof.length <= Math.ceil(Math.log2(n)));
    }
  }
});

test("single leaf: root is the leaf, empty proof", () => {
  const [l] = leaves(1);
  assert.equal(merkleRoot([l]), l);
  assert.deepEqual(merkleProof([l], 0), []);
  assert.ok(verifyMerkleProof(l, l, []));
});

test("root matches OpenZeppelin StandardMerkleTree leaves for a bytes payload (same leaf rule)", () => {
  // StandardMerkleTree leaf = keccak256(keccak256(abi.encode(values))): our leafHash of the same
  // encoding gives the same leaf, and a proof from our tree checks through OZ's processProof.
  const values: [string, bigint][] = [
    ["0x1111111111111111111111111111111111111111", 5n],
    ["0x2222222222222222222222222222222222222222", 7n],
    ["0x3333333333333333333333333333333333333333", 9n],
  ];
  const oz = StandardMerkleTree.of(values, ["address", "uint256"]);
  const ours = values.map((v) =>
    leafHash(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [v[0] as Hex, v[1]])),
  );
  for (let i = 0; i < values.length; i++) assert.equal(ours[i], oz.leafHash(values[i]));
  // Both trees accept each other's leaves under their own roots.
  for (let i = 0; i < values.length; i++) {
    assert.ok(verifyMerkleProof(merkleRoot(ours), ours[i], merkleProof(ours, i)));
    assert.ok(StandardMerkleTree.verify(oz.root, ["address", "uint256"], values[i], oz.getProof(i)));
  }
  // SimpleMerkleTree (sorted pairs over given leaves) verifies our proofs with its own routine.
  const ls = leaves(11);
  const root = merkleRoot(ls);
  for (let i = 0; i < ls.length; i++) assert.ok(SimpleMerkleTree.verify(root, ls[i], merkleProof(ls, i)));
  for (let i = 0; i < ls.length; i++) assert.equal(processProof(ls[i], merkleProof(ls, i)), root);
});

test("rejects: wrong leaf, wrong index's proof, tampered sibling, wrong root, truncated proof", () => {
  const ls = leaves(20);
  const root = merkleRoot(ls);
  const p5 = merkleProof(ls, 5);
  assert.ok(!verifyMerkleProof(root, ls[6], p5));
  assert.ok(!verifyMerkleProof(root, leafHash(new Uint8Array([9])), p5));
  const bad = [...p5];
  bad[1] = keccak256(bad[1]);
  assert.ok(!verifyMerkleProof(root, ls[5], bad));
  assert.ok(!verifyMerkleProof(merkleRoot(leaves(20, "other")), ls[5], p5));
  assert.ok(!verifyMerkleProof(root, ls[5], p5.slice(0, -1)));
});

test("an inner node cannot be presented as a leaf (double hashing)", () => {
  const ls = leaves(8);
  const root = merkleRoot(ls);
  // The parent of leaves 0 and 1, and the 64 bytes it hashes.
  const [a, b] = [ls[0], ls[1]].sort();
  const inner = keccak256(concat([a, b]));
  const innerProof = merkleProof(ls, 0).slice(1);
  // As a raw node with the upper proof, it verifies (that is how proofs work) ...
  assert.ok(verifyMerkleProof(root, inner, innerProof));
  // ... but no data hashes to it as a leaf: the leaf of the 64 bytes is a different value.
  assert.notEqual(leafHash(concat([a, b])), inner);
  assert.ok(!verifyMerkleProof(root, leafHash(concat([a, b])), innerProof));
});

test("malformed input: named errors when building, false when verifying", () => {
  assert.throws(() => merkleRoot([]), (e: unknown) => e instanceof MerkleError && e.code === "MerkleEmpty");
  assert.throws(() => merkleRoot(["0x12" as Hex]), (e: unknown) => e instanceof MerkleError && e.code === "MerkleBadLeaf");
  assert.throws(() => merkleProof(leaves(3), 3), (e: unknown) => e instanceof MerkleError && e.code === "MerkleBadIndex");
  assert.throws(() => merkleProof(leaves(3), -1), MerkleError);
  const ls = leaves(4);
  const root = merkleRoot(ls);
  assert.equal(verifyMerkleProof("0x00" as Hex, ls[0], merkleProof(ls, 0)), false);
  assert.equal(verifyMerkleProof(root, ls[0], ["nope" as Hex]), false);
  const long = Array.from({ length: MERKLE_MAX_PROOF_LENGTH + 1 }, () => ls[1]);
  assert.equal(verifyMerkleProof(root, ls[0], long), false);
  assert.equal(verifyMerkleProof(root, ls[0], null as unknown as Hex[]), false);
});
