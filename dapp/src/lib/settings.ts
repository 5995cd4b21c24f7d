/**
 * Where the page finds its chain, contracts and oracle, from the query string:
 * `?network=localhost&oracle=http://127.0.0.1:8600&rpc=http://127.0.0.1:8545`.
 * Pure: the caller passes `location.search`.
 */
export interface PageSettings {
  network: string;
  /** Oracle read API base URL without a trailing slash, or null when none is configured. */
  oracleUrl: string | null;
  /** JSON-RPC URL for reads when no wallet is injected. */
  rpcUrl: string;
}

export const DEFAULT_NETWORK = "localhost";
export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

function httpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(`${what} "${value}" is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new SettingsError(`${what} must be http or https`);
  return url.toString().replace(/\/+$/, "");
}

export function parseSettings(search: string): PageSettings {
  const q = new URLSearchParams(search);
  const network = q.get("network") ?? DEFAULT_NETWORK;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(network)) throw new SettingsError(`network "${network}" is not a deployment name`);
  const oracle = q.get("oracle");
  const rpc = q.get("rpc");
  return {
    network,
    oracleUrl: oracle ? httpUrl(oracle, "oracle") : null,
    rpcUrl: rpc ? httpUrl(rpc, "rpc") : DEFAULT_RPC_URL,
  };
}

export type View = "operator" | "network";

/** The view a location hash asks for: `#network` and a report anchor (`#report-<epoch>`) open the network view. */
export function viewOf(hash: string): View {
  return /^#(network|report-\d+)$/.test(hash) ? "network" : "operator";
}
