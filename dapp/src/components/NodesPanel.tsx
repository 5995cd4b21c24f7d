import type { Address } from "viem";
import { useChain, useChainQuery } from "../hooks/useChain";
import { NodeCard } from "./NodeCard";

/** Every node the connected operator registered, with its state and actions. */
export function NodesPanel({ account }: { account: Address }) {
  const chain = useChain();
  const nodes = useChainQuery(["operatorNodes", account], () => chain.operatorNodes(account));
  return (
    <section className="card" aria-labelledby="nodes-title" data-testid="nodes-panel">
      <h2 id="nodes-title">Your nodes</h2>
      {nodes.isLoading && <p className="muted">Reading the registry…</p>}
      {nodes.error && <p className="banner error">Could not read your nodes: {(nodes.error as Error).message}</p>}
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
