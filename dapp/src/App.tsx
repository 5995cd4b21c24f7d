import { useEffect, useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { NetworkView } from "./components/NetworkView";
import { NodesPanel } from "./components/NodesPanel";
import { RegisterPanel } from "./components/RegisterPanel";
import { RewardsPanel } from "./components/RewardsPanel";
import { useEnv } from "./context";
import { useChain, useChainQuery, useCurrentEpoch, useLatestBlock } from "./hooks/useChain";
import { explainError } from "./lib/errors";
import { formatDuration, formatToken, shortAddress } from "./lib/format";
import { rpcReason } from "./lib/known";
import { viewOf, type View } from "./lib/settings";


function useView(): [View, (v: View) => void] {
  const [view, setView] = useState<View>(() => viewOf(window.location.hash));
  useEffect(() => {
    const onHash = () => {
      setView(viewOf(window.location.hash));
      // A report anchor scrolls to its row once the network view has drawn it.
      const id = window.location.hash.slice(1);
      if (id.startsWith("report-")) setTimeout(() => document.getElementById(id)?.scrollIntoView({ block: "center" }), 300);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  return [view, (v) => (window.location.hash = v === "network" ? "network" : "")];
}

export function App() {
  const { deployment, settings, tokenSymbol } = useEnv();
  const { address, chainId, status } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();
  const chain = useChain();
  const balance = useChainQuery(["balance", address], () => chain.read("PoAIToken", "balanceOf", [address!]), !!address);
  const { time: now, error: blockError } = useLatestBlock();
  const [view, setView] = useView();
  const epoch = useCurrentEpoch();
  const wrongChain = status === "connected" && chainId !== deployment.chainId;
  const injectedConnector = connectors[0];

  return (
    <div className="page">
      <header className="top">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◆
          </span>
          <div>
            <h1>PoAI operator</h1>
            <p className="muted small">
              {deployment.network} · chain {deployment.chainId}
              {epoch.data && now !== undefined && (
                <span data-testid="epoch">
                  {" "}
                  · epoch {epoch.data.current.toString()}, ends in{" "}
                  {formatDuration(epoch.data.end > now ? epoch.data.end - now : 0n)}
                </span>
              )}
              {settings.oracleUrl ? "" : " · no oracle configured"}
            </p>
          </div>
        </div>
        <div className="account">
          {address ? (
            <>
              <span className="pill" data-testid="account" title={address}>
                {shortAddress(address)}
              </span>
              {balance.data !== undefined && (
                <span className="pill" data-testid="balance">
                  {formatToken(balance.data, 2)} {tokenSymbol}
                </span>
              )}
              <button className="link" onClick={() => disconnect.mutate()}>
                Disconnect
              </button>
            </>
          ) : (
            <button
              className="primary"
              data-testid="connect"
              disabled={!injectedConnector || connect.isPending}
              onClick={() => injectedConnector && connect.mutate({ connector: injectedConnector })}
            >
              {connect.isPending ? "Connecting…" : "Connect wallet"}
            </button>
          )}
        </div>
      </header>

      <nav className="tabs" aria-label="Views">
        <button className={view === "operator" ? "tab active" : "tab"} onClick={() => setView("operator")} data-testid="tab-operator">
          My nodes
        </button>
        <button className={view === "network" ? "tab active" : "tab"} onClick={() => setView("network")} data-testid="tab-network">
          Network
        </button>
      </nav>
      {blockError && (
        <p className="banner error" role="alert" data-testid="rpc-banner">
          The chain cannot be read ({rpcReason(blockError)}): every chain figure below is unknown or as of the last block read.
        </p>
      )}
      {view === "network" && <NetworkView />}
      {view === "operator" && connect.error && (
        <p className="banner error" role="alert">
          {explainError(connect.error, deployment.errorsAbi, { tokenSymbol })}
        </p>
      )}
      {view === "operator" && !address && (
        <section className="card intro">
          <h2>Run GPU nodes, earn for verified work</h2>
          <p>
            Connect the wallet that holds your {tokenSymbol}. You can then register a node with the signature your node agent
            printed, watch its scores epoch by epoch, claim rewards and unbond.
          </p>
          {typeof window !== "undefined" && !("ethereum" in window) && (
            <p className="muted">No browser wallet found: install one (any EIP-1193 wallet) and reload.</p>
          )}
        </section>
      )}
      {view === "operator" && wrongChain && (
        <div className="banner warn" role="alert">
          Your wallet is on chain {chainId}; this deployment is on chain {deployment.chainId}.{" "}
          <button onClick={() => switchChain.mutate({ chainId: deployment.chainId })}>Switch network</button>
        </div>
      )}
      {view === "operator" && address && !wrongChain && (
        <main className="grid">
          <div className="col-main">
            <NodesPanel account={address} />
          </div>
          <div className="col-side">
            <RewardsPanel account={address} />
            <RegisterPanel account={address} />
          </div>
        </main>
      )}
      <footer className="muted small">
        Registry <code>{shortAddress(deployment.contracts.NodeRegistry.address)}</code> · Settlement{" "}
        <code>{shortAddress(deployment.contracts.Settlement.address)}</code> · Rewards{" "}
        <code>{shortAddress(deployment.contracts.RewardsDistributor.address)}</code>
      </footer>
    </div>
  );
}
