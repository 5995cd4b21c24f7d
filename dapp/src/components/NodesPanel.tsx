import type { Address } from "viem";
import { useChain, useChainQuery, useLatestBlock } from "../hooks/useChain";
import { rpcReason } from "../lib/known";
import { Unknown } from "./Unknown";
import { NodeCard } from "./NodeCard";

/** Every node the connected operator registered, with its state and actions. */
export function NodesPanel({ account }: { account: Address }) {
  const chain = useChain();
  const nodes = useChainQuery(["operatorNodes", account], () => chain.operatorNodes(account));
  const { error: blockError } = useLatestBlock();
  const error = nodes.error ?? (nodes.data ? null : blockError);
  return (
    <section className="card" aria-labelledby="nodes-title" data-testid="nodes-panel">
      <h2 id="nodes-title">Your nodes</h2>
      {nodes.isLoading && !error && <p className="muted">Reading the registry…</p>}
      {error && (
        <p className="banner error" data-testid="nodes-unknown">
          Your nodes, their stake and state: <Unknown reason={rpcReason(error)} />
        </p>
      )}
      {nodes.data && nodes.data.length === 0 && (
        <p className="muted" data-testid="no-nodes">
          No node registered from this wallet yet. Run <code>npm run agent -- register --operator {account}</code> on the GPU
          machine and paste its output into “Register a node”.
        </p>
      )}
      <div className="node-list">
        {nodes.data?.map((n) => (
          <NodeCard key={n.node} node={n} />
        ))}
      </div>
    </section>
  );
}
