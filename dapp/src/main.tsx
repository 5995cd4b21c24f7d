import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createPublicClient, defineChain, http } from "viem";
import { createConfig, injected, WagmiProvider } from "wagmi";
import { App } from "./App";
import { EnvContext } from "./context";
import { loadDeployment } from "./lib/loadDeployment";
import { parseSettings } from "./lib/settings";
import "./styles.css";

/** How often the page polls the chain for new blocks (ms); the devnet mines on demand. */
const POLLING_INTERVAL_MS = 1_500;

async function start(root: HTMLElement) {
  const settings = parseSettings(window.location.search);
  const deployment = await loadDeployment(settings.network);
  const chain = defineChain({
    id: deployment.chainId,
    name: deployment.network,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [settings.rpcUrl] } },
  });
  const token = deployment.contracts.PoAIToken;
  const reader = createPublicClient({ chain, transport: http(settings.rpcUrl) });
  const tokenSymbol = await reader
    .readContract({ address: token.address, abi: token.abi, functionName: "symbol" })
    .then(String)
    .catch(() => "POAI");
  const config = createConfig({
    chains: [chain],
    connectors: [injected({ shimDisconnect: true })],
    transports: { [chain.id]: http(settings.rpcUrl) },
    pollingInterval: POLLING_INTERVAL_MS,
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } } });
  createRoot(root).render(
    <StrictMode>
      <WagmiProvider config={config}>
        <QueryClientProvider client={queryClient}>
          <EnvContext.Provider value={{ deployment, settings, tokenSymbol }}>
            <App />
          </EnvContext.Provider>
        </QueryClientProvider>
      </WagmiProvider>
    </StrictMode>,
  );
}

const root = document.getElementById("root")!;
start(root).catch((e: Error) => {
  root.innerHTML = "";
  const box = document.createElement("div");
  box.className = "fatal";
  box.setAttribute("role", "alert");
  box.textContent = `The page could not start: ${e.message}`;
  root.append(box);
});
