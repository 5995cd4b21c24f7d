// solidity-coverage configuration (`npm run coverage`). Coverage is measured over the protocol's
// contracts only: the test-only contracts (attack tokens, re-entering operator, invariant lens), the
// benchmark anchors (contracts/bench/: other projects' distributors, measured by bench:gas, never
// deployed) and the interfaces (no executable code) are skipped.
module.exports = {
  skipFiles: ["test/", "bench/", "interfaces/"],
  mocha: { timeout: 600000 },
  istanbulReporter: ["text", "text-summary", "json-summary", "html"],
};
