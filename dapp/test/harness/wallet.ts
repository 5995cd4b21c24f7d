/**
 * An injected EIP-1193 wallet for the page under test. The page sees `window.ethereum` (and an
 * EIP-6963 announcement); every request goes through `page.exposeFunction` to the test, which
 * answers account requests with the chosen operator and forwards everything else (transactions,
 * eth_signTypedData_v4, reads) to the Hardhat node, whose unlocked accounts sign.
 */
import type { BrowserContext } from "playwright-core";

export interface WalletLog {
  method: string;
  at: number;
}

const INIT_SCRIPT = `(() => {
  const listeners = new Map();
  const emit = (event, data) => listeners.get(event)?.forEach((fn) => fn(data));
  // The test plays the user switching networks in the wallet.
  window.__poaiWalletEmit = emit;
  const provider = {
    isPoAITestWallet: true,
    async request({ method, params }) {
      const raw = await window.__poaiWallet(JSON.stringify({ method, params: params ?? [] }));
      const res = JSON.parse(raw);
      if (res.error) {
        const err = new Error(res.error.message);
        err.code = res.error.code;
        err.data = res.error.data;
        throw err;
      }
      // A wallet announces the network it switched to.
      if (method === "wallet_switchEthereumChain") emit("chainChanged", params[0].chainId);
      return res.result;
    },
    on(event, fn) { (listeners.get(event) ?? listeners.set(event, new Set()).get(event)).add(fn); return provider; },
    removeListener(event, fn) { listeners.get(event)?.delete(fn); return provider; },
  };
  Object.defineProperty(window, "ethereum", { value: provider, configurable: true });
  const info = Object.freeze({ uuid: "6f1f0cbe-6a7e-4c1e-9d0a-0b6f8c1b2a10", name: "PoAI test wallet", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "dev.poai.testwallet" });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

export interface TestWallet {
  log: WalletLog[];
  /** Makes the wallet report another chain (as if the user switched networks), or the node's again with null. */
  setChain(chainIdHex: string | null): void;
}

export async function installWallet(context: BrowserContext, rpcUrl: string, account: string): Promise<TestWallet> {
  const log: WalletLog[] = [];
  let id = 0;
  let chainOverride: string | null = null;
  // Like a real wallet: no account is exposed until the page asked and the user approved.
  let authorized = false;
  await context.exposeFunction("__poaiWallet", async (json: string) => {
    const { method, params } = JSON.parse(json) as { method: string; params: unknown[] };
    log.push({ method, at: Date.now() });
    if (method === "eth_requestAccounts") {
      authorized = true;
      return JSON.stringify({ result: [account] });
    }
    if (method === "eth_accounts") return JSON.stringify({ result: authorized ? [account] : [] });
    if (method === "eth_chainId" && chainOverride) return JSON.stringify({ result: chainOverride });
    if (method === "wallet_switchEthereumChain" || method === "wallet_addEthereumChain") {
      // This wallet knows only the node's chain: switching to it ends the override.
      chainOverride = null;
      return JSON.stringify({ result: null });
    }
    if (method === "wallet_requestPermissions" || method === "wallet_getPermissions") {
      return JSON.stringify({ result: [{ parentCapability: "eth_accounts" }] });
    }
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    return JSON.stringify(await res.json());
  });
  await context.addInitScript(INIT_SCRIPT);
  return { log, setChain: (c) => void (chainOverride = c) };
}
