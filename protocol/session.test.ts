/** The session transport's frames and keys: what each side accepts, and what it refuses. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { Address, Hex } from "viem";
import { closeCodeOf, ephemeralKey, errorCodeOfClose, FrameOpener, FrameSealer, SessionError, sessionKeys, type SessionBinding } from "./session";

const binding: SessionBinding = {
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address,
  oracle: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as Address,
  node: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address,
  nonce: `0x${"11".repeat(32)}` as Hex,
  session: `0x${"22".repeat(32)}` as Hex,
};

function pair() {
  const agent = ephemeralKey();
  const oracle = ephemeralKey();
  return { a: sessionKeys(agent, oracle.publicHex, binding), o: sessionKeys(oracle, agent.publicHex, binding) };
}

const kindOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as SessionError).kind;
  }
  return undefined;
};

describe("session keys", () => {
  it("both ends derive the same two keys, one per direction", () => {
    const { a, o } = pair();
    assert.deepEqual(a.up, o.up);
    assert.deepEqual(a.down, o.down);
    assert.notDeepEqual(a.up, a.down);
  });

  it("binds the keys to the chain, registry, oracle, node, nonce and session", () => {
    const agent = ephemeralKey();
    const oracle = ephemeralKey();
    const base = sessionKeys(agent, oracle.publicHex, binding).up;
    for (const change of [
      { chainId: 1 },
      { registry: binding.oracle },
      { oracle: binding.registry },
      { node: binding.oracle },
      { nonce: `0x${"33".repeat(32)}` as Hex },
      { session: `0x${"44".repeat(32)}` as Hex },
    ]) {
      assert.notDeepEqual(sessionKeys(agent, oracle.publicHex, { ...binding, ...change }).up, base, JSON.stringify(change));
    }
  });

  it("refuses a low-order or malformed peer key", () => {
    const own = ephemeralKey();
    assert.equal(kindOf(() => sessionKeys(own, `0x${"00".repeat(32)}`, binding)), "bad-key");
    assert.equal(kindOf(() => sessionKeys(own, "0x1234", binding)), "bad-key");
  });
});

describe("session frames", () => {
  it("opens what the other end sealed, in order", () => {
    const { a, o } = pair();
    const seal = new FrameSealer(a.up);
    const open = new FrameOpener(o.up);
    for (let i = 1; i <= 3; i++) {
      const { frame, seq } = seal.seal({ t: "processes", processes: [], i });
      assert.equal(seq, i);
      assert.deepEqual(open.open(frame), { seq: i, message: { t: "processes", processes: [], i } });
    }
  });

  it("refuses a replayed, dropped or reordered frame", () => {
    const { a, o } = pair();
    const seal = new FrameSealer(a.up);
    const f1 = seal.seal({ n: 1 }).frame;
    const f2 = seal.seal({ n: 2 }).frame;
    const f3 = seal.seal({ n: 3 }).frame;
    const open = new FrameOpener(o.up);
    assert.equal(kindOf(() => open.open(f2)), "sequence"); // f1 dropped
    open.open(f1);
    assert.equal(kindOf(() => open.open(f1)), "sequence"); // replayed
    open.open(f2);
    open.open(f3);
    assert.equal(open.last, 3);
  });

  it("refuses a changed body, a frame of the other direction and one under another session's key", () => {
    const { a, o } = pair();
    const { frame } = new FrameSealer(a.up).seal({ t: "commit", id: "x", root: "0x00" });
    assert.equal(kindOf(() => new FrameOpener(o.up).open(frame.replace('"x"', '"y"'))), "mac");
    // The oracle's frames use the other key: an agent frame reflected back fails.
    assert.equal(kindOf(() => new FrameOpener(o.down).open(frame)), "mac");
    assert.equal(kindOf(() => new FrameOpener(pair().o.up).open(frame)), "mac");
  });

  it("refuses malformed framing before computing anything", () => {
    const open = new FrameOpener(pair().o.up);
    for (const bad of ["", "{}", "1.abc.{}", `0.${"0".repeat(32)}.{}`, `01.${"0".repeat(32)}.{}`, `x.${"0".repeat(32)}.{}`, `1.${"0".repeat(31)}.{}`, `${"9".repeat(16)}.${"0".repeat(32)}.{}`]) {
      assert.equal(kindOf(() => open.open(bad)), "framing", bad);
    }
  });

  it("names a body that is not JSON only after its MAC checks", () => {
    const { a, o } = pair();
    const sealer = new FrameSealer(a.up);
    const { frame } = sealer.seal("x");
    // Re-seal raw text that is not JSON with the right MAC (what a buggy peer could send).
    const seq = frame.split(".")[0];
    const mac = createHmac("sha256", a.up).update(`${seq}.`).update("{nope").digest().subarray(0, 16).toString("hex");
    assert.equal(kindOf(() => new FrameOpener(o.up).open(`${seq}.${mac}.{nope`)), "json");
  });
});

describe("close codes", () => {
  it("carry the oracle error number both ways", () => {
    assert.equal(closeCodeOf("OR105"), 4105);
    assert.equal(closeCodeOf("OR119"), 4119);
    assert.equal(closeCodeOf("nonsense"), 4000);
    assert.equal(errorCodeOfClose(4107), "OR107");
    assert.equal(errorCodeOfClose(1006), undefined);
    assert.equal(errorCodeOfClose(4000), undefined);
  });
});
