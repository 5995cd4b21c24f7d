import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { ABI_MODULE, readAbiArtifacts, renderAbiModule } from "./gen-abi";

test("protocol/abi.ts matches the compiled contracts", () => {
  const expected = renderAbiModule(readAbiArtifacts());
  assert.ok(
    readFileSync(ABI_MODULE, "utf8") === expected,
    "protocol/abi.ts is out of date with artifacts/: run `npx hardhat compile && npx tsx scripts/gen-abi.ts` and commit it",
  );
});
