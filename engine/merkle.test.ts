import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, encodeAbiParameters, hexToBytes, keccak256, toHex, type Hex } from "viem";
import { processProof } from "@openzeppelin/merkle-tree/dist/core";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  MerkleError,
  MerklePathVerifier,
  leafHash,
  merkleLevelsBytes,
  merkleProof,
  merkleProofBytes,
  merkleProofFromLevels,
  merkleRoot,
  siblingsBelow,
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
  assert.throws(() => merkleRoot([]), (e: unknown) => e instanceof MerkleError && e.code === "EN011");
  assert.throws(() => merkleRoot(["0x12" as Hex]), (e: unknown) => e instanceof MerkleError && e.code === "EN013");
  assert.throws(() => merkleProof(leaves(3), 3), (e: unknown) => e instanceof MerkleError && e.code === "EN014");
  assert.throws(() => merkleProof(leaves(3), -1), MerkleError);
  const ls = leaves(4);
  const root = merkleRoot(ls);
  assert.equal(verifyMerkleProof("0x00" as Hex, ls[0], merkleProof(ls, 0)), false);
  assert.equal(verifyMerkleProof(root, ls[0], ["nope" as Hex]), false);
  const long = Array.from({ length: MERKLE_MAX_PROOF_LENGTH + 1 }, () => ls[1]);
  assert.equal(verifyMerkleProof(root, ls[0], long), false);
  assert.equal(verifyMerkleProof(root, ls[0], null as unknown as Hex[]), false);
});

test("proofs from the levels built once are the per-index proofs; siblingsBelow counts them", () => {
  for (const n of [1, 2, 3, 7, 8, 9, 33, 100]) {
    const ls = leaves(n).map((h) => hexToBytes(h));
    const levels = merkleLevelsBytes(ls);
    for (let i = 0; i < n; i++) {
      const p = merkleProofFromLevels(levels, i);
      assert.deepEqual(p, merkleProofBytes(ls, i), `n=${n} i=${i}`);
      assert.equal(siblingsBelow(i, n, 64), p.length, `n=${n} i=${i}`);
    }
  }
  assert.throws(() => merkleProofFromLevels(merkleLevelsBytes([hexToBytes(leaves(1)[0])]), 1), MerkleError);
});

test("path verifier: every proof of trees 1..40 in any order, each answer the single-proof verifier's", () => {
  for (let n = 1; n <= 40; n++) {
    const ls = leaves(n, `pv${n}`);
    const root = merkleRoot(ls);
    const pv = new MerklePathVerifier(hexToBytes(root), n);
    // Every leaf, in a scrambled order, then every leaf again (paths already verified).
    const order = Array.from({ length: 2 * n }, (_, i) => (i * 7 + 3) % n);
    for (const i of order) assert.ok(pv.verify(i, hexToBytes(ls[i]), merkleProof(ls, i)), `n=${n} i=${i}`);
  }
});

test("path verifier: a flipped bit in any sibling, a wrong leaf, another root, or a wrong index give verifyMerkleProof's answer", () => {
  const n = 37;
  const ls = leaves(n, "tamper");
  const root = merkleRoot(ls);
  const flip = (h: Hex, bit: number) => {
    const b = hexToBytes(h);
    b[bit >> 3] ^= 1 << (bit & 7);
    return toHex(b);
  };
  for (const first of [0, 5, 36]) {
    for (let i = 0; i < n; i++) {
      // A verifier that already holds a verified path (sharing is tried), then the case.
      const pv = () => {
        const v = new MerklePathVerifier(hexToBytes(root), n);
        assert.ok(v.verify(first, hexToBytes(ls[first]), merkleProof(ls, first)));
        return v;
      };
      const proof = merkleProof(ls, i);
      for (let d = 0; d < proof.length; d++) {
        for (const bit of [0, 7, 128, 255]) {
          const bad = [...proof];
          bad[d] = flip(bad[d], bit);
          assert.equal(pv().verify(i, hexToBytes(ls[i]), bad), false, `i=${i} sibling ${d} bit ${bit}`);
        }
      }
      assert.equal(pv().verify(i, hexToBytes(ls[(i + 1) % n]), proof), false, `i=${i} wrong leaf`);
      assert.equal(pv().verify(i, hexToBytes(leafHash(new Uint8Array([i]))), proof), false, `i=${i} made-up leaf`);
      assert.equal(pv().verify(i, hexToBytes(ls[i]), proof.slice(0, -1)), proof.length === 0, `i=${i} truncated`);
      assert.equal(pv().verify(i, hexToBytes(ls[i]), [...proof, proof[0] ?? ls[0]]), false, `i=${i} extended`);
      // The index only says where to look for a shared path: a valid proof under a wrong index
      // is valid (as for verifyMerkleProof, which has no index), a wrong one stays wrong.
      for (const j of [first, first ^ 1, (i + 1) % n, n - 1]) {
        assert.equal(pv().verify(j, hexToBytes(ls[i]), proof), true, `i=${i} index ${j}`);
        assert.equal(pv().verify(j, hexToBytes(ls[i]), merkleProof(ls, (i + 1) % n)), verifyMerkleProof(root, ls[i], merkleProof(ls, (i + 1) % n)), `i=${i} index ${j}, another leaf's proof`);
      }
    }
  }
  const other = new MerklePathVerifier(hexToBytes(merkleRoot(leaves(n, "other"))), n);
  assert.equal(other.verify(3, hexToBytes(ls[3]), merkleProof(ls, 3)), false);
});

test("path verifier: random proofs, tamperings and interleaved verifiers agree with verifyMerkleProof", () => {
  let x = 0x9e3779b9;
  const rnd = (m: number) => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) % m;
  };
  for (let trial = 0; trial < 30; trial++) {
    const n = 1 + rnd(300);
    const ls = leaves(n, `rand${trial}`);
    const root = merkleRoot(ls);
    const a = new MerklePathVerifier(hexToBytes(root), n);
    const otherLs = leaves(n, `rand-other${trial}`);
    const b = new MerklePathVerifier(hexToBytes(merkleRoot(otherLs)), n);
    for (let q = 0; q < 40; q++) {
      const i = rnd(n);
      let leaf = ls[i];
      let proof: unknown[] = merkleProof(ls, i);
      let hint = i;
      switch (rnd(9)) {
        case 0: if (proof.length) proof[rnd(proof.length)] = keccak256(toHex(q)); break;
        case 1: leaf = ls[rnd(n)]; break;
        case 2: hint = rnd(n); break;
        case 3: if (proof.length) proof[rnd(proof.length)] = (proof[0] as string).toUpperCase().replace("0X", "0x"); break;
        case 4: proof = proof.map((p) => (p as string).replace("0x", "0X")); break;
        case 5: if (proof.length) proof[rnd(proof.length)] = (proof[0] as string).slice(0, 65) + "g"; break;
        case 6: if (proof.length) proof[rnd(proof.length)] = 12; break;
        default: break;
      }
      const want = verifyMerkleProof(root, leaf, proof as Hex[]);
      assert.equal(a.verify(hint, hexToBytes(leaf), proof), want, `trial ${trial} q ${q}`);
      // Interleave a verifier of another tree: the kernels' path memory changes hands.
      const k = rnd(n);
      assert.equal(b.verify(k, hexToBytes(otherLs[k]), merkleProof(otherLs, k)), true);
    }
  }
});
