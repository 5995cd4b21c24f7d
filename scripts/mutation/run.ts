/**
 * The mutation check (`npm run mutation`, outside `npm test`): removes each named defence of the
 * contracts in turn (mutants.ts), runs the Hardhat tests that target it, and requires them to
 * fail. A mutant that survives is a defence no test holds in place. The invariant run uses
 * POAI_INVARIANT_SEQUENCES (100 by default here) to keep each mutant to seconds.
 *
 * Every mutant edits one exact snippet that must occur once in its file; a snippet that is gone
 * or ambiguous is reported as stale (the defence moved: update mutants.ts), never skipped. The
 * source is restored after each mutant, on failure and on Ctrl-C alike. Before any mutant, the
 * same tests must pass unmutated, or a "kill" would mean nothing.
 *
 *   npm run mutation                    every mutant
 *   npm run mutation -- --only veto     mutants whose name contains "veto"
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MUTANTS, type Mutant } from "./mutants";

const ROOT = path.join(__dirname, "..", "..");
const SEQUENCES = process.env.POAI_INVARIANT_SEQUENCES ?? "100";

/** Files the run has mutated and not yet restored, with their original text. */
const pending = new Map<string, string>();

function restoreAll(): void {
  for (const [file, text] of pending) writeFileSync(file, text);
  pending.clear();
}

process.on("SIGINT", () => {
  restoreAll();
  process.exit(130);
});

function hardhatTest(files: readonly string[]): { ok: boolean; seconds: number; tail: string } {
  const started = Date.now();
  const r = spawnSync("npx", ["hardhat", "test", ...files], {
    cwd: ROOT,
    env: { ...process.env, POAI_INVARIANT_SEQUENCES: SEQUENCES },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  return { ok: r.status === 0, seconds: (Date.now() - started) / 1000, tail: out.split("\n").slice(-12).join("\n") };
}

function occurrences(text: string, snippet: string): number {
  let n = 0;
  for (let i = text.indexOf(snippet); i !== -1; i = text.indexOf(snippet, i + 1)) n++;
  return n;
}

type Outcome = "killed" | "survived" | "stale";

function runMutant(m: Mutant): Outcome {
  const file = path.join(ROOT, m.file);
  const original = readFileSync(file, "utf8");
  const n = occurrences(original, m.from);
  if (n !== 1) {
    console.log(`  STALE     ${m.name}: the snippet occurs ${n} times in ${m.file}`);
    return "stale";
  }
  pending.set(file, original);
  try {
    writeFileSync(file, original.replace(m.from, m.to));
    const r = hardhatTest(m.tests);
    console.log(`  ${r.ok ? "SURVIVED" : "killed  "}  ${m.name} (${r.seconds.toFixed(0)} s)`);
    if (r.ok) console.log(r.tail.replace(/^/gm, "      "));
    return r.ok ? "survived" : "killed";
  } finally {
    writeFileSync(file, original);
    pending.delete(file);
  }
}

function main(): void {
  const only = process.argv.indexOf("--only");
  const filter = only === -1 ? undefined : process.argv[only + 1];
  const mutants = filter ? MUTANTS.filter((m) => m.name.includes(filter)) : MUTANTS;
  if (mutants.length === 0) throw new Error(`no mutant matches "${filter}"`);
  const tests = [...new Set(mutants.flatMap((m) => m.tests))].sort();
  console.log(`mutation: ${mutants.length} mutants over ${tests.length} test files (invariant sequences ${SEQUENCES})`);
  const base = hardhatTest(tests);
  if (!base.ok) {
    console.log(base.tail);
    throw new Error("the targeted tests fail without any mutant: fix them first");
  }
  console.log(`baseline: the targeted tests pass unmutated (${base.seconds.toFixed(0)} s)`);
  const results = mutants.map((m) => ({ name: m.name, outcome: runMutant(m) }));
  const by = (o: Outcome) => results.filter((r) => r.outcome === o).map((r) => r.name);
  const summary = { check: "mutation", mutants: results.length, killed: by("killed").length, survived: by("survived"), stale: by("stale") };
  console.log(
    summary.survived.length + summary.stale.length === 0
      ? `every mutant killed (${summary.killed} of ${summary.mutants})`
      : `${summary.survived.length} survived, ${summary.stale.length} stale, of ${summary.mutants}`,
  );
  console.log(JSON.stringify(summary));
  process.exitCode = summary.survived.length + summary.stale.length === 0 ? 0 : 1;
}

try {
  main();
} finally {
  restoreAll();
}
