import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKeystore, loadKeystore, keystoreAddress, MIN_SCRYPT_N } from "./keystore";
import { AgentError } from "./errors";

const dir = mkdtempSync(join(tmpdir(), "poai-keystore-"));
const fast = { scryptN: MIN_SCRYPT_N };

test("a created keystore loads back with its password to the same key", async () => {
  const path = join(dir, "a.json");
  const w = await createKeystore(path, "correct horse", fast);
  const back = await loadKeystore(path, "correct horse");
  assert.equal(back.address, w.address);
  assert.equal(back.privateKey, w.privateKey);
  assert.equal(keystoreAddress(path).toLowerCase(), w.address.toLowerCase());
  assert.ok(!readFileSync(path, "utf8").includes(w.privateKey.slice(2)), "private key stored in clear");
});

test("a wrong password is AG001 with a message that says so", async () => {
  const path = join(dir, "b.json");
  await createKeystore(path, "right", fast);
  await assert.rejects(loadKeystore(path, "wrong"), (err: unknown) => {
    assert.ok(err instanceof AgentError);
    assert.equal(err.code, "AG001");
    assert.match(err.message, /wrong password/);
    return true;
  });
});

test("a missing file is AG002 and tells how to create one", async () => {
  await assert.rejects(loadKeystore(join(dir, "none.json"), "x"), (err: unknown) => {
    assert.ok(err instanceof AgentError);
    assert.equal(err.code, "AG002");
    assert.match(err.message, /agent -- init/);
    return true;
  });
});

test("a file that is not a keystore is AG003", async () => {
  const path = join(dir, "c.json");
  writeFileSync(path, JSON.stringify({ hello: "world" }));
  await assert.rejects(loadKeystore(path, "x"), (err: unknown) => err instanceof AgentError && err.reason === "KeyFile");
});

test("init refuses to overwrite an existing node key", async () => {
  const path = join(dir, "d.json");
  const w = await createKeystore(path, "pw", fast);
  await assert.rejects(createKeystore(path, "pw", fast), (err: unknown) => err instanceof AgentError && err.reason === "BadArgument");
  assert.equal((await loadKeystore(path, "pw")).address, w.address);
});

test("an empty password or an out-of-range scrypt cost is refused", async () => {
  await assert.rejects(createKeystore(join(dir, "e.json"), "", fast), (err: unknown) => err instanceof AgentError && err.reason === "NoPassword");
  await assert.rejects(createKeystore(join(dir, "f.json"), "pw", { scryptN: 1000 }), (err: unknown) => err instanceof AgentError && err.reason === "BadArgument");
});
