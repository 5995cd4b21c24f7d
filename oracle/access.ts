/**
 * Who may call the signed routes: an active registered node (agent routes), a current committee
 * member (the committee route). Both read the chain through short-lived caches, so a request
 * costs no RPC call in the common case; a chain that cannot be read answers 503, not a refusal.
 */
import type { Address } from "viem";
import type { Chain } from "./chain";
import { httpError } from "./errors";

export interface AccessChecks {
  /** Throws OR108/OR109 unless `node` is an active registered node. */
  requireActiveNode(node: Address): Promise<void>;
  /** Throws OR117 unless `signer` is a committee member. */
  requireCommitteeMember(signer: Address): Promise<void>;
}

/** `members`: the committee read at start, kept for `cacheMs`. */
export function accessChecks(chain: Chain, members: readonly Address[], cacheMs: number, now: () => number): AccessChecks {
  let committeeCache = { at: now(), members };
  const currentMembers = async () => {
    if (now() - committeeCache.at > cacheMs) committeeCache = { at: now(), members: (await chain.committee()).members };
    return committeeCache.members;
  };
  return {
    async requireActiveNode(node) {
      let rec;
      try {
        rec = await chain.getNodeCached(node, now());
      } catch (e) {
        throw httpError.unavailable("cannot read the node registry", e);
      }
      if (rec.status === "None") throw httpError.unknownNode(node);
      if (rec.status !== "Active") throw httpError.inactive(node, rec.status.toLowerCase());
    },
    async requireCommitteeMember(signer) {
      let m;
      try {
        m = await currentMembers();
      } catch (e) {
        throw httpError.unavailable("cannot read the committee", e);
      }
      if (!m.some((x) => x.toLowerCase() === signer.toLowerCase())) throw httpError.notMember(signer);
    },
  };
}
