/**
 * The PoAI node agent: `npm run agent -- <command> [options]`.
 *   init      create or load the node key (encrypted keystore)
 *   register  print the Registration signature for the dApp, or register on chain
 *   bench     measure what this machine can honestly claim
 *   run       answer the oracle's challenges until stopped
 *   status    one screen on the node: state, stake, claim vs delivered, verdicts, rewards
 *   ack       acknowledge a fraud verdict so `run` answers again
 * Every failure prints its AGxxx code and what to do (docs/agent.md); the exit code is 1.
 */
import { initCommand, INIT_HELP } from "./commands/init";
import { registerCommand, REGISTER_HELP } from "./commands/register";
import { benchCommand, BENCH_HELP } from "./commands/bench";
import { runCommand, RUN_HELP } from "./commands/run";
import { statusCommand, STATUS_HELP } from "./commands/status";
import { ackCommand, ACK_HELP } from "./commands/ack";
import { reportFailure } from "./commands/common";

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  init: { run: initCommand, help: INIT_HELP },
  register: { run: registerCommand, help: REGISTER_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  run: { run: runCommand, help: RUN_HELP },
  status: { run: statusCommand, help: STATUS_HELP },
  ack: { run: ackCommand, help: ACK_HELP },
};

function usage(): string {
  return ["usage: npm run agent -- <command> [options]", "", ...Object.values(COMMANDS).map((c) => c.help), "", "Keystore password: POAI_KEY_PASSWORD, else a prompt on the terminal."].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`AG011 unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(cmd.help);
    return 0;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (err) {
    reportFailure(err, cmd.help);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
