import { test } from "node:test";
import assert from "node:assert/strict";
import { isLauncher, launcherChain } from "./launcher";

test("the launcher chain of `npx tsx` is recognised, an interactive shell or a test runner above it is not", () => {
  // The command lines /proc shows for `npx tsx oracle/cli.ts start` (npm rewrites its title).
  assert.equal(isLauncher(["npm", "exec", "tsx", "oracle/cli.ts", "start"]), true);
  assert.equal(isLauncher(["sh", "-c", "tsx", "oracle/cli.ts"]), true);
  assert.equal(isLauncher(["node", "/opt/poai/node_modules/.bin/tsx", "oracle/cli.ts", "start"]), true);
  assert.equal(isLauncher(["/usr/bin/node", "/opt/poai/node_modules/tsx/dist/cli.mjs", "oracle/cli.ts"]), true);
  // Above the launch: a login shell (`nohup npx ... &` then logout must not stop the oracle),
  // systemd, a test runner or the demo that spawns the oracle itself.
  assert.equal(isLauncher(["-bash"]), false);
  assert.equal(isLauncher(["bash"]), false);
  assert.equal(isLauncher(["/lib/systemd/systemd", "--system"]), false);
  assert.equal(isLauncher(["/usr/bin/node", "--import", "tsx", "--test", "test/e2e/oracle-ops.test.ts"]), false);
  assert.equal(isLauncher(["/usr/bin/node", "--require", "/x/tsx/dist/preflight.cjs", "--import", "file:///x/tsx/dist/loader.mjs", "scripts/demo.ts"]), false);
});

test("a process started by a test runner has no launcher chain", () => {
  // This test runs under `node --import tsx --test` (or the tsx CLI's child): neither is the
  // oracle's launch, so the chain ends at the first process that is not npm, sh -c or tsx.
  for (const p of launcherChain()) assert.equal(isLauncher(p.argv), true);
});
