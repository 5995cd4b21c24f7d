/**
 * The keystore password: POAI_KEY_PASSWORD when set, else a prompt on the terminal (input not
 * echoed). Without either, AG004: an agent under a service manager must get it from the
 * environment.
 */
import { AgentError } from "./errors";

export const PASSWORD_ENV = "POAI_KEY_PASSWORD";

export async function readPassword(prompt = "node key password: ", env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new AgentError("NoPassword", `no password: set ${PASSWORD_ENV} or run the agent on a terminal to be prompted`);
  }
  return promptHidden(prompt);
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
        if (ch === "\u0003") return done(new AgentError("NoPassword", "password prompt interrupted"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
