/**
 * Reads what `npm run agent -- register` printed (JSON, or `name: value` lines) into the
 * fields a registration needs. Pure. The operator may also type the fields one by one.
 */
import { isAddress, isHex, type Address, type Hex } from "viem";

export interface RegistrationInput {
  nodeKey?: Address;
  operator?: Address;
  deadline?: bigint;
  nonce?: bigint;
  signature?: Hex;
  /** Chain and registry the agent signed for, when it printed them. */
  chainId?: number;
  registry?: Address;
}

/** Longest pasted text read, so a huge paste cannot stall the page. */
export const MAX_AGENT_OUTPUT_CHARS = 20_000;

const ALIASES: Record<string, keyof RegistrationInput> = {
  nodekey: "nodeKey",
  node: "nodeKey",
  nodeid: "nodeKey",
  nodeaddress: "nodeKey",
  operator: "operator",
  deadline: "deadline",
  nonce: "nonce",
  signature: "signature",
  nodesig: "signature",
  sig: "signature",
  registrationsignature: "signature",
  chainid: "chainId",
  registry: "registry",
  noderegistry: "registry",
};

function assign(out: RegistrationInput, key: string, value: unknown): void {
  const field = ALIASES[key.toLowerCase().replace(/[^a-z]/g, "")];
  if (!field) return;
  const text = String(value)
    .trim()
    .replace(/^["']|["'],?$/g, "");
  if ((field === "nodeKey" || field === "operator" || field === "registry") && isAddress(text)) out[field] = text as Address;
  else if (field === "chainId" && /^\d{1,12}$/.test(text)) out.chainId = Number(text);
  else if ((field === "deadline" || field === "nonce") && /^\d{1,20}$/.test(text)) out[field] = BigInt(text);
  else if (field === "signature" && isHex(text) && text.length === 132) out.signature = text as Hex;
}

function walk(out: RegistrationInput, value: unknown, depth: number): void {
  if (depth > 3 || typeof value !== "object" || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "object" && v !== null) walk(out, v, depth + 1);
    else assign(out, k, v);
  }
}

export function parseAgentOutput(text: string): RegistrationInput {
  const input = text.slice(0, MAX_AGENT_OUTPUT_CHARS);
  const out: RegistrationInput = {};
  const jsonStart = input.indexOf("{");
  const jsonEnd = input.lastIndexOf("}");
  if (jsonStart >= 0 && jsonEnd > jsonStart) {
    try {
      walk(out, JSON.parse(input.slice(jsonStart, jsonEnd + 1)), 0);
    } catch {
      // not JSON: read it line by line below
    }
  }
  for (const line of input.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z][A-Za-z _-]{0,40}?)\s*[:=]\s*(\S+)\s*$/.exec(line);
    const field = m ? ALIASES[m[1].toLowerCase().replace(/[^a-z]/g, "")] : undefined;
    if (m && field && out[field] === undefined) assign(out, m[1], m[2]);
  }
  if (!out.signature) {
    const sig = /0x[0-9a-fA-F]{130}(?![0-9a-fA-F])/.exec(input);
    if (sig) out.signature = sig[0] as Hex;
  }
  return out;
}
