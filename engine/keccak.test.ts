import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, keccak256 } from "viem";
import { keccak256Bytes } from "./keccak";

test("agrees with viem's keccak256 on known vectors", () => {
  assert.equal(bytesToHex(keccak256Bytes(new Uint8Array(0))), "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  assert.equal(bytesToHex(keccak256Bytes(new TextEncoder().encode("abc"))), keccak256(new TextEncoder().encode("abc")));
});

test("agrees with viem's keccak256 on random inputs of every length 0..700", () => {
  let x = 0x12345678;
  const next = () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x & 0xff;
  };
  for (let len = 0; len <= 700; len++) {
    const data = new Uint8Array(len).map(next);
    assert.equal(bytesToHex(keccak256Bytes(data)), keccak256(data), `length ${len}`);
  }
  // Many-block input, and a subarray view with an offset.
  const big = new Uint8Array(100_003).map(next);
  assert.equal(bytesToHex(keccak256Bytes(big)), keccak256(big));
  assert.equal(bytesToHex(keccak256Bytes(big.subarray(17, 5000))), keccak256(big.subarray(17, 5000)));
});
