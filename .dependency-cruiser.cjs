/**
 * The layer rules of docs/architecture.md, checked by `npm run lint:layers` (dependency-cruiser)
 * on every TypeScript file, type-only imports included:
 *
 *   engine/  <-  protocol/  <-  oracle/, agent/, sim/  <-  redteam/  <-  scripts/, dapp/, test/
 *
 * Imports run downward only; no service imports another service; nothing outside test/ and
 * dapp/test/ imports test code; no import cycle.
 */
const SERVICES = ["oracle", "agent", "sim"];

/** A rule forbidding imports from `from` (a path regex) to any of `to`. */
function forbid(name, comment, from, to, pathNot) {
  return {
    name,
    comment,
    severity: "error",
    from: pathNot ? { path: from, pathNot } : { path: from },
    to: { path: `^(${to.join("|")})/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      comment: "An import cycle (type-only imports count): split the shared part into its own module.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    forbid(
      "engine-is-pure",
      "engine/ is the bottom layer: pure computation that imports no other part of PoAI.",
      "^engine/",
      ["protocol", ...SERVICES, "redteam", "scripts", "dapp", "test"],
    ),
    forbid(
      "protocol-above-engine-only",
      "protocol/ imports only engine/.",
      "^protocol/",
      [...SERVICES, "redteam", "scripts", "dapp", "test"],
    ),
    ...SERVICES.map((svc) =>
      forbid(
        `${svc}-imports-no-other-part`,
        `${svc}/ imports engine/ and protocol/ only: no other service, no scripts/, no test code.`,
        `^${svc}/`,
        [...SERVICES.filter((s) => s !== svc), "redteam", "scripts", "dapp", "test"],
      ),
    ),
    forbid(
      "redteam-drives-the-agent",
      "redteam/ drives the agent's solver; it never reaches into the oracle, scripts or tests.",
      "^redteam/",
      ["oracle", "sim", "scripts", "dapp", "test"],
    ),
    forbid("scripts-import-no-tests", "scripts/ is what operators run: it imports no test code.", "^scripts/", ["test", "dapp"]),
    forbid(
      "dapp-page-imports-shared-layers-only",
      "The dApp page imports engine/ and protocol/ only (its tests may use the devnet harness).",
      "^dapp/src/",
      [...SERVICES, "redteam", "scripts", "test"],
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|artifacts|cache|typechain-types|dist|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
