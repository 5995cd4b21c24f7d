/**
 * The red team's node: `tsx redteam/cli.ts run --behaviour B [--forge-fraction F] <agent run
 * options>`, or a sybil set on one emulated machine: `tsx redteam/cli.ts machine ...` (sybil.ts). The agent's own `run` wiring (agent/commands/run.ts: key, oracle client, chain
 * check, loop) with the cheating solver of solver.ts instead of the honest one. The devnet demo
 * and the integration tests start their cheaters with it; operators never install it.
 * Failures print as the agent's do (AGxxx codes); the exit code is 1.
 */
import { AgentError } from "../agent/errors";
import { profileParams } from "../protocol/committee-params";
import { runCommand, RUN_HELP } from "../agent/commands/run";
import { reportFailure } from "../agent/commands/common";
import { makeBehaviour, parseBehaviour, BEHAVIOURS } from "./behaviours";
import { makeCheatingSolver } from "./solver";
import { MACHINE_HELP, parseMachineArgs, runMachine } from "./sybil";

/** Share of rows `forge-rows` forges when `--forge-fraction` is not given. */
export const DEFAULT_FORGE_FRACTION = 0.5;
/** Openings `grind-forge` grinds against when `--grind-openings` is not given: the devnet profile's (public). */
export const DEFAULT_GRIND_OPENINGS = profileParams("devnet").openings;

const OPTIONS = ["behaviour", "forge-fraction", "grind-openings"] as const;
type RedteamOption = (typeof OPTIONS)[number];

export const REDTEAM_HELP = `redteam run --behaviour ${BEHAVIOURS.join("|")} [--forge-fraction F] [--grind-openings K] <agent run options>
  The agent's challenge loop with a cheating solver. Agent options:
  ${RUN_HELP}`;

/**
 * Splits the red team's own options (`--name value` or `--name=value`) from the rest, which go
 * to the agent's run command unchanged.
 */
export function splitOptions(argv: readonly string[]): { own: Partial<Record<RedteamOption, string>>; rest: string[] } {
  const own: Partial<Record<RedteamOption, string>> = {};
  const rest: string[] = [];
  // Loop bound: one pass over argv.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = OPTIONS.find((o) => arg === `--${o}` || arg.startsWith(`--${o}=`));
    if (!name) {
      rest.push(arg);
      continue;
    }
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
    if (value === undefined) throw new AgentError("BadArgument", `--${name} needs a value`);
    own[name] = value;
  }
  return { own, rest };
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === "machine") {
    if (args.includes("--help") || args.includes("-h")) {
      console.log(MACHINE_HELP);
      return 0;
    }
    try {
      const controller = new AbortController();
      for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => controller.abort());
      await runMachine({ ...parseMachineArgs(args), signal: controller.signal });
      return 0;
    } catch (err) {
      reportFailure(err, MACHINE_HELP);
      return 1;
    }
  }
  if (name !== "run" || args.includes("--help") || args.includes("-h")) {
    (name === "run" ? console.log : console.error)(REDTEAM_HELP);
    return name === "run" ? 0 : 1;
  }
  try {
    const { own, rest } = splitOptions(args);
    const forgeFraction = own["forge-fraction"] === undefined ? DEFAULT_FORGE_FRACTION : Number(own["forge-fraction"]);
    const grindOpenings = own["grind-openings"] === undefined ? DEFAULT_GRIND_OPENINGS : Number(own["grind-openings"]);
    const behaviour = makeBehaviour(parseBehaviour(own.behaviour), forgeFraction, grindOpenings);
    await runCommand(rest, (opts) => makeCheatingSolver(behaviour, opts));
    return 0;
  } catch (err) {
    reportFailure(err, REDTEAM_HELP);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
