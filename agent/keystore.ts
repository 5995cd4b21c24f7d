/**
 * The node key, kept as an encrypted JSON keystore (Web3 Secret Storage v3, scrypt KDF): the
 * same file format geth and ethers read. The private key never touches disk unencrypted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Wallet, encryptKeystoreJson, isKeystoreJson, type HDNodeWallet } from "ethers";
import { AgentError } from "./errors";

/** scrypt cost of new keystores: ethers' default (2^17), about a second on a laptop core. */
export const DEFAULT_SCRYPT_N = 1 << 17;
/** Cheapest cost accepted (devnet demo and tests only); below it brute force gets cheap. */
export const MIN_SCRYPT_N = 1 << 10;

export interface KeystoreOptions {
  /** scrypt N (power of two, MIN_SCRYPT_N..DEFAULT_SCRYPT_N); default DEFAULT_SCRYPT_N. */
  scryptN?: number;
}

/** Writes a new random node key to `path` (refuses to overwrite) and returns it. */
export async function createKeystore(path: string, password: string, opts: KeystoreOptions = {}): Promise<Wallet> {
  if (existsSync(path)) {
    throw new AgentError("BadArgument", `a keystore already exists at ${path}; refusing to overwrite a node key`);
  }
  return writeKeystore(path, Wallet.createRandom(), password, opts);
}

/** Encrypts `key` into `path` (used by `init` and by the demo to give each node its own file). */
export async function writeKeystore(path: string, key: Wallet | HDNodeWallet, password: string, opts: KeystoreOptions = {}): Promise<Wallet> {
  const n = opts.scryptN ?? DEFAULT_SCRYPT_N;
  if (!Number.isInteger(n) || n < MIN_SCRYPT_N || n > DEFAULT_SCRYPT_N || (n & (n - 1)) !== 0) {
    throw new AgentError("BadArgument", `scrypt N must be a power of two in ${MIN_SCRYPT_N}..${DEFAULT_SCRYPT_N}, got ${n}`);
  }
  if (password.length === 0) throw new AgentError("NoPassword", "an empty password would leave the node key unprotected");
  const json = await encryptKeystoreJson({ address: key.address, privateKey: key.privateKey }, password, { scrypt: { N: n } });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, json, { mode: 0o600 });
  return new Wallet(key.privateKey);
}

/** Decrypts the keystore at `path`; a wrong password is AG001, a missing file AG002. */
export async function loadKeystore(path: string, password: string): Promise<Wallet> {
  if (!existsSync(path)) {
    throw new AgentError("KeyMissing", `no node key at ${path}: create one with \`npm run agent -- init --keystore ${path}\``);
  }
  const json = readFileSync(path, "utf8");
  if (!isKeystoreJson(json)) {
    throw new AgentError("KeyFile", `${path} is not an encrypted JSON keystore`);
  }
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(w.privateKey);
  } catch (err) {
    if (err instanceof Error && /incorrect password/.test(err.message)) {
      throw new AgentError("KeyPassword", `wrong password for the node key in ${path} (set POAI_KEY_PASSWORD or type it at the prompt)`, { cause: err });
    }
    throw new AgentError("KeyFile", `cannot decrypt ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The address stored in a keystore file, read without the password. */
export function keystoreAddress(path: string): string {
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { address?: string };
  if (!parsed.address) throw new AgentError("KeyFile", `${path} carries no address`);
  return parsed.address.startsWith("0x") ? parsed.address : `0x${parsed.address}`;
}
