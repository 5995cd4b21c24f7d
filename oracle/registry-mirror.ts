/**
 * The oracle's mirror of the NodeRegistry: every registered node, loaded once with batched reads
 * and kept current from the registry's events, so a pass over the fleet costs a handful of RPC
 * calls whatever the fleet's size.
 *
 * - **Full load** at one pinned block: `nodeCount`, the key list (`nodesPage`), every `getNode`,
 *   batched into `eth_call`s of Multicall3's `aggregate3` run deployless (viem `multicall` with
 *   `deployless`: the Multicall3 bytecode travels with the call, so every EVM chain serves it,
 *   Hardhat's included, with no Multicall3 deployed; the price is batches sized to EIP-170,
 *   NODES_PER_CALL). 300 nodes: 10 RPC calls instead of 303.
 * - **Follow**: each sync reads the head, checks that the block the mirror stands on is still
 *   canonical, fetches the registry's node events (`eth_getLogs`) since it and re-reads only the
 *   nodes they name, with `nodeCount` as a check, in one `eth_call` at the new head: 4 RPC calls
 *   (1 when no block was mined), however many nodes there are.
 * - **Time**: the one part of `getNode`'s answer that changes with no event is the jail
 *   (`statusAt`: Active reported as Jailed while `block.timestamp < jailedUntil`); the mirror
 *   stores records as read and derives the status at its own block's timestamp, so it answers
 *   exactly what `getNode` answers at that block. Unbonding release changes no field `getNode`
 *   returns.
 * - **Staleness bound**: a re-org under the mirror's block, a head behind it that disagrees, a
 *   count that does not match, a log range longer than MAX_LOG_RANGE or a failed `eth_getLogs`
 *   each cause a full load at once. What no check can see (a provider that silently drops logs)
 *   is repaired by the periodic full load: no answer is wrong for longer than `refreshMs` plus
 *   one sync after the chain changed.
 *
 * Every read goes through the caller's retry (Chain.withRetry: backoff, then OR005).
 */
import { BlockNotFoundError, type Address, type Hex, type PublicClient } from "viem";
import { nodeRegistryAbi } from "../protocol/abi";
import { nodeRecordOf, statusAt, unregisteredNode, type NodeRecord, type RawNode } from "../protocol/registry";

/** NodeRegistry.MAX_PAGE_SIZE: keys per `nodesPage` call. */
export const REGISTRY_PAGE = 256;
/**
 * `getNode` calls per `eth_call`. A deployless call runs as a contract creation whose constructor
 * returns the calls' results as the new contract's code, so the results must fit EIP-170's
 * 24 KiB: 480 bytes per `getNode` (its 11 words, Multicall3's result tuple and offset), 48 a call.
 */
export const NODES_PER_CALL = 48;
/** `nodesPage` calls per `eth_call`: 2 full pages, 16.5 KiB of results (the same 24 KiB bound). */
const PAGES_PER_CALL = 2;
/** `eth_call`s of one full load in flight at once. */
const PARALLEL_CALLS = 4;
/** Longest block range one `eth_getLogs` asks for; a longer gap is a full load. */
export const MAX_LOG_RANGE = 5_000n;

/** Every registry event that names a node (an indexed `node`): all the events that change a record. */
const NODE_EVENTS = nodeRegistryAbi.filter(
  (i): i is Extract<(typeof nodeRegistryAbi)[number], { type: "event" }> =>
    i.type === "event" && i.inputs.some((x) => x.name === "node" && "indexed" in x && x.indexed),
);

export interface MirrorSource {
  client: PublicClient;
  registry: Address;
  /** Runs one RPC call with the caller's retry policy. */
  retry<T>(what: string, fn: () => Promise<T>): Promise<T>;
}

export interface MirrorOptions {
  /** A full load at least this often, ms (the staleness bound above). */
  refreshMs: number;
  /** The mirror's clock, ms. */
  now: () => number;
}

/** A NodeRegistry view call inside a multicall. */
interface RegistryCall {
  functionName: "getNode" | "nodeCount" | "nodesPage";
  args?: readonly unknown[];
}

interface BlockRef {
  number: bigint;
  hash: Hex;
  timestamp: bigint;
}

interface State {
  block: BlockRef;
  /** When the mirror last matched the head, and when it was last loaded whole, ms. */
  syncedAt: number;
  loadedAt: number;
  /** By lower-case key, in registration order (NodeRegistry's list). */
  nodes: Map<string, NodeRecord>;
}

/** What the syncs cost so far: full loads, incremental syncs and `getNode` reads. */
export interface MirrorStats {
  fullLoads: number;
  syncs: number;
  nodesRead: number;
}

export class RegistryMirror {
  private state: State | undefined;
  private inflight: Promise<void> | undefined;
  readonly stats: MirrorStats = { fullLoads: 0, syncs: 0, nodesRead: 0 };

  constructor(
    private readonly src: MirrorSource,
    private readonly o: MirrorOptions,
  ) {}

  /** Milliseconds since the mirror last matched the chain's head (Infinity before the first load). */
  ageMs(): number {
    return this.state ? this.o.now() - this.state.syncedAt : Infinity;
  }

  /** Syncs unless the mirror matched the head within `maxAgeMs`. */
  async fresh(maxAgeMs: number): Promise<void> {
    if (this.ageMs() <= maxAgeMs && maxAgeMs > 0) return;
    await this.sync();
  }

  /** Brings the mirror to the chain's head; concurrent callers share one sync. */
  sync(): Promise<void> {
    this.inflight ??= this.follow().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Every registered node in registration order, as `getNode` answers at the mirror's block. */
  nodes(): NodeRecord[] {
    const s = this.loaded();
    return [...s.nodes.values()].map((r) => ({ ...r, status: statusAt(r, s.block.timestamp) }));
  }

  /** `node` as `getNode` answers at the mirror's block (the zero record for an unregistered key). */
  get(node: Address): NodeRecord {
    const s = this.loaded();
    const r = s.nodes.get(node.toLowerCase());
    return r ? { ...r, status: statusAt(r, s.block.timestamp) } : unregisteredNode(node);
  }

  private loaded(): State {
    if (!this.state) throw new Error("the registry mirror is read before its first sync");
    return this.state;
  }

  private async follow(): Promise<void> {
    const t = this.o.now();
    const s = this.state;
    if (!s || t - s.loadedAt >= this.o.refreshMs) return this.load(await this.head(), t);
    const [head, ours] = await Promise.all([this.head(), this.blockAt(s.block.number)]);
    if (ours?.hash !== s.block.hash) return this.load(head, t); // re-org under the mirror's block
    if (head.number <= s.block.number) {
      // Nothing mined, or a lagging backend behind a load balancer: the mirror's block is canonical and newer.
      s.syncedAt = t;
      return;
    }
    if (head.number - s.block.number > MAX_LOG_RANGE) return this.load(head, t);
    let named: Address[];
    try {
      const logs = await this.src.retry("NodeRegistry events", () =>
        this.src.client.getLogs({ address: this.src.registry, events: NODE_EVENTS, fromBlock: s.block.number + 1n, toBlock: head.number }),
      );
      named = [...new Map(logs.map((l) => [(l.args as { node: Address }).node.toLowerCase(), (l.args as { node: Address }).node])).values()];
    } catch {
      return this.load(head, t); // a range the provider refuses: read everything instead
    }
    const [count, recs] = await this.readNodes(head.number, named, true);
    const added = recs.filter((r) => !s.nodes.has(r.node.toLowerCase())).length;
    if (count !== s.nodes.size + added) return this.load(head, t); // a registration the logs did not show
    // Applied after the last await: a reader sees the mirror before or after this sync, never between.
    for (const r of recs) s.nodes.set(r.node.toLowerCase(), r);
    s.block = head;
    s.syncedAt = t;
    this.stats.syncs++;
  }

  /** Reads the whole registry at `head` and replaces the mirror. */
  private async load(head: BlockRef, t: number): Promise<void> {
    const blockNumber = head.number;
    const count = Number(
      await this.src.retry("NodeRegistry.nodeCount", () =>
        this.src.client.readContract({ address: this.src.registry, abi: nodeRegistryAbi, functionName: "nodeCount", blockNumber }),
      ),
    );
    const offsets = Array.from({ length: Math.ceil(count / REGISTRY_PAGE) }, (_, i) => BigInt(i * REGISTRY_PAGE));
    const pages = await inBatches(chunks(offsets, PAGES_PER_CALL), (offs) =>
      this.aggregate("NodeRegistry.nodesPage", blockNumber, offs.map((o): RegistryCall => ({ functionName: "nodesPage", args: [o, BigInt(REGISTRY_PAGE)] }))),
    );
    const keys = pages.flat(2) as Address[];
    const recs = (await inBatches(chunks(keys, NODES_PER_CALL), async (ks) => (await this.readNodes(blockNumber, ks, false))[1])).flat();
    this.state = { block: head, syncedAt: t, loadedAt: t, nodes: new Map(recs.map((r) => [r.node.toLowerCase(), r])) };
    this.stats.fullLoads++;
  }

  /** `getNode` of each of `keys` (and `nodeCount` when asked) at `blockNumber`, one `eth_call` per NODES_PER_CALL keys. */
  private async readNodes(blockNumber: bigint, keys: Address[], withCount: boolean): Promise<[number, NodeRecord[]]> {
    const groups = chunks(keys, NODES_PER_CALL);
    if (groups.length === 0) groups.push([]);
    let count = -1;
    const recs: NodeRecord[] = [];
    for (const [g, ks] of groups.entries()) {
      const first = withCount && g === 0;
      const calls = ks.map((k): RegistryCall => ({ functionName: "getNode", args: [k] }));
      if (calls.length === 0 && !first) continue;
      const out = await this.aggregate("NodeRegistry.getNode", blockNumber, first ? [{ functionName: "nodeCount" }, ...calls] : calls);
      if (first) count = Number(out.shift() as bigint);
      out.forEach((raw, i) => recs.push(nodeRecordOf(ks[i], raw as RawNode)));
    }
    this.stats.nodesRead += keys.length;
    return [count, recs];
  }

  /** NodeRegistry view calls in one deployless Multicall3 `aggregate3` at `blockNumber`; any failure throws. */
  private aggregate(what: string, blockNumber: bigint, calls: RegistryCall[]): Promise<unknown[]> {
    const contracts = calls.map((c) => ({ address: this.src.registry, abi: nodeRegistryAbi, ...c }));
    return this.src.retry(what, () =>
      // One view function of one ABI per entry: viem cannot type a mixed list, the decoding is the caller's.
      this.src.client.multicall({ contracts: contracts as never, allowFailure: false, deployless: true, batchSize: 0, blockNumber }) as Promise<unknown[]>,
    );
  }

  private async head(): Promise<BlockRef> {
    const b = await this.src.retry("eth_getBlockByNumber", () => this.src.client.getBlock({ blockTag: "latest" }));
    return { number: b.number, hash: b.hash, timestamp: b.timestamp };
  }

  /** The canonical block at `number`, or undefined when the chain has none there (rolled back). */
  private async blockAt(number: bigint): Promise<BlockRef | undefined> {
    const b = await this.src.retry("eth_getBlockByNumber", () =>
      this.src.client.getBlock({ blockNumber: number }).catch((e) => {
        if (e instanceof BlockNotFoundError) return undefined;
        throw e;
      }),
    );
    return b && { number: b.number, hash: b.hash, timestamp: b.timestamp };
  }
}

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** `fn` over `items`, PARALLEL_CALLS at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL_CALLS) out.push(...(await Promise.all(items.slice(i, i + PARALLEL_CALLS).map(fn))));
  return out;
}
