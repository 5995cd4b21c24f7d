/** `agent init`: creates the node key as an encrypted keystore, or loads an existing one. */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { createKeystore, DEFAULT_SCRYPT_N } from "../keystore";
import { readPassword } from "../password";
import { DEFAULT_KEYSTORE, loadNodeKey, requireInt } from "./common";

export const INIT_HELP = `agent init [--keystore FILE] [--scrypt-n N]
  Creates a new node key in FILE (encrypted with the password from POAI_KEY_PASSWORD or a prompt),
  or loads FILE if it exists; prints the node address.`;

export async function initCommand(argv: string[], out: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { keystore: { type: "string" }, "scrypt-n": { type: "string" } }, strict: true });
  const path = values.keystore ?? DEFAULT_KEYSTORE;
  if (existsSync(path)) {
    const w = await loadNodeKey(path);
    out(`loaded node key from ${path}`);
    out(`node address: ${w.address}`);
    return;
  }
  const scryptN = requireInt(values["scrypt-n"], "--scrypt-n", 1, DEFAULT_SCRYPT_N, DEFAULT_SCRYPT_N);
  const password = await readPassword("new node key password: ");
  const w = await createKeystore(path, password, { scryptN });
  out(`created node key in ${path} (keep the file and its password; losing either loses the node)`);
  out(`node address: ${w.address}`);
}
