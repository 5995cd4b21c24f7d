import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { encodeAbiParameters, hexToBytes, keccak256, stringToBytes, type Hex } from "viem";
import { PROTOCOL_ERRORS } from "./errors";
import { dueTimeKey, epochKeys, memberSecret, openingKey, seedEntropy, seedShare, shareOf } from "./keys";

/** Hardhat's account #0 and the first contract it deploys: a devnet member's domain. */
const KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80" as Hex;
const DOMAIN = { chainId: 31337, epochManager: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };

const hmac = (key: Uint8Array | Buffer, msg: Uint8Array | Buffer) => createHmac("sha256", key).update(msg).digest();

test("the member secret is RFC 5869 HKDF-SHA256 with the documented salt and info", () => {
  // Extract and expand written out from the RFC (one block of 32 bytes), not through hkdfSync.
  const prk = hmac(Buffer.from("poai.member-secret.v1"), hexToBytes(KEY));
  const info = hexToBytes(encodeAbiParameters([{ type: "uint256" }, { type: "address" }], [31337n, DOMAIN.epochManager]));
  const okm = hmac(prk, Buffer.concat([info, Buffer.from([1])]));
  assert.equal(memberSecret(KEY, DOMAIN), "0x" + okm.toString("hex"));
});

test("per-epoch secrets are HMAC-SHA256 over label, 0x00 and the epoch as uint64 big-endian", () => {
  const secret = memberSecret(KEY, DOMAIN);
  const epoch = Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]);
  for (const [label, fn] of [["poai.seed-entropy.v1", seedEntropy], ["poai.opening-key.v1", openingKey], ["poai.due-time-key.v1", dueTimeKey]] as const) {
    const mac = hmac(hexToBytes(secret), Buffer.concat([Buffer.from(label), Buffer.from([0]), epoch]));
    assert.equal(fn(secret, 7), "0x" + mac.toString("hex"), label);
    assert.equal(fn(secret, 7n), fn(secret, 7), "number and bigint epochs agree");
  }
});

test("the seed share hashes in the epoch's opening and due-time keys, so its commitment fixes them before the epoch", () => {
  const secret = memberSecret(KEY, DOMAIN);
  const k = epochKeys(secret, 7);
  const keysHash = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [k.openingKey, k.dueTimeKey]));
  const want = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }], [keccak256(stringToBytes("poai.seed-share.v2")), k.entropy, keysHash]));
  assert.equal(seedShare(secret, 7), want);
  assert.equal(shareOf(k), want, "an auditor recomputes the share from the revealed keys");
  // A member that reveals another opening key (to excuse openings it chose) no longer opens its share.
  assert.notEqual(shareOf({ ...k, openingKey: openingKey(secret, 8) }), want);
  assert.notEqual(shareOf({ ...k, dueTimeKey: dueTimeKey(secret, 8) }), want);
  assert.notEqual(shareOf({ ...k, entropy: seedEntropy(secret, 8) }), want);
  assert.throws(() => shareOf({ ...k, openingKey: "0x1234" }), (e: { code?: string }) => e.code === PROTOCOL_ERRORS.KeyBadInput);
});

test("the derivation is pinned: seeds committed by one release are recomputed by the next", () => {
  const secret = memberSecret(KEY, DOMAIN);
  assert.equal(secret, "0x17ec337bc27018112d8db254dfde86b44f7e276dae55f007c296ab7ee137856d");
  assert.equal(seedShare(secret, 0), "0x627c8a22a56cd91fc6eb565d9f8a17a0b2af8b748228de4cd63487dc7d6f2d26");
  assert.equal(seedShare(secret, 1), "0x826adb3786abb2673c41a3db7e5130ef2f2ff3498a27ebe604427e68c49d4546");
  assert.equal(seedEntropy(secret, 1), "0x1e01948626ee553ee8094ba20e58cf9eb60fbff1699acc27a812007913584966");
  assert.equal(openingKey(secret, 1), "0x3a8d541fd85d454c5c9a7aaefa9a9799d01b4df13a2c198378c644eaab14b781");
  assert.equal(dueTimeKey(secret, 1), "0xa9fd8baf0910c42230d2532de0e29f3255f08370581fe3f9ffefd42a4471d198");
});

test("every input separates: key, chain, contract, epoch and label each give another value", () => {
  const secret = memberSecret(KEY, DOMAIN);
  const values = [
    secret,
    memberSecret(("0x" + "11".repeat(32)) as Hex, DOMAIN),
    memberSecret(KEY, { ...DOMAIN, chainId: 1 }),
    memberSecret(KEY, { ...DOMAIN, epochManager: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" }),
    seedShare(secret, 0),
    seedShare(secret, 1),
    openingKey(secret, 0),
    dueTimeKey(secret, 0),
  ];
  assert.equal(new Set(values).size, values.length);
  for (const v of values) assert.match(v, /^0x[0-9a-f]{64}$/);
  assert.equal(memberSecret(KEY, { ...DOMAIN, epochManager: DOMAIN.epochManager.toLowerCase() as Hex }), secret, "address case does not matter");
});

test("bad input is PR201 (KeyBadInput)", () => {
  const secret = memberSecret(KEY, DOMAIN);
  const bad: [string, () => unknown][] = [
    ["short key", () => memberSecret("0x1234", DOMAIN)],
    ["non-hex key", () => memberSecret(("0x" + "zz".repeat(32)) as Hex, DOMAIN)],
    ["zero chain id", () => memberSecret(KEY, { ...DOMAIN, chainId: 0 })],
    ["fractional chain id", () => memberSecret(KEY, { ...DOMAIN, chainId: 1.5 })],
    ["bad address", () => memberSecret(KEY, { ...DOMAIN, epochManager: "0x1234" })],
    ["short secret", () => seedShare("0xabcd", 0)],
    ["negative epoch", () => seedShare(secret, -1)],
    ["fractional epoch", () => openingKey(secret, 0.5)],
    ["epoch above uint64", () => dueTimeKey(secret, 1n << 64n)],
  ];
  for (const [what, fn] of bad) {
    assert.throws(fn, (e: { code?: string; reason?: string }) => e.code === PROTOCOL_ERRORS.KeyBadInput && e.reason === "KeyBadInput", what);
  }
});
