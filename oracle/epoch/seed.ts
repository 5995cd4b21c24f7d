/**
 * The seed phase: for the next epoch (if this oracle proposes it), a secret seed is stored, then
 * its commitment sent on chain; the current epoch is followed up too, since a commitment sent
 * just before it started may confirm only now.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, zeroHash, type Address, type Hex } from "viem";
import { seedCommitment } from "../../protocol";
import type { OracleError } from "../errors";
import { getEpoch, insertEpoch, markCommitted } from "../store/epochs";
import type { EpochLoop } from "./context";

/** A seed commitment is not sent later than this before its epoch starts (it must be mined first), ms. */
export const SEED_MARGIN_MS = 1_500;

export async function reconcileSeeds(loop: EpochLoop, cur: number, members: readonly Address[]): Promise<void> {
  const { d } = loop;
  const next = Math.max(cur + 1, 0);
  // The current epoch: a commitment sent just before it started may confirm only now.
  for (const e of [cur, next]) {
    if (e < 0 || !loop.isProposer(e, members)) continue;
    let row = getEpoch(d.db, e);
    if (!row) {
      if (e !== next) {
        loop.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e });
        continue;
      }
      // Stored before any transaction: a crash after sending still knows the seed it committed.
      const seed = bytesToHex(randomBytes(32));
      insertEpoch(d.db, e, seed, seedCommitment(BigInt(e), seed), loop.now());
      row = getEpoch(d.db, e)!;
      d.log.info("seed.created", { epoch: e, commitment: row.commitment });
    }
    if (row.committed_at !== null) continue;
    const onchain = await d.chain.seedCommitment(BigInt(e));
    if (onchain === row.commitment) {
      markCommitted(d.db, e, loop.now());
      d.metrics.seedsCommitted.inc();
      d.log.info("seed.committed", { epoch: e, commitment: row.commitment });
      continue;
    }
    if (onchain !== zeroHash) {
      d.log.error("seed.mismatch", { code: "OR209", epoch: e, onchain, ours: row.commitment });
      continue;
    }
    // Too late when a transaction sent now might be mined in the epoch already.
    if (loop.now() + SEED_MARGIN_MS >= loop.epochStartMs(e)) {
      if (e === cur) {
        if (!d.relay.inFlight(`commitSeed:${e}`)) loop.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e });
        else await relaySeed(loop, e, row.commitment); // follow up the in-flight transaction
      }
      continue;
    }
    await relaySeed(loop, e, row.commitment);
  }
}

async function relaySeed(loop: EpochLoop, e: number, commitment: Hex) {
  const { d } = loop;
  try {
    await d.relay.ensure(
      `commitSeed:${e}`,
      async () => (await d.chain.seedCommitment(BigInt(e))) !== zeroHash,
      { contract: "EpochManager", functionName: "commitSeed", args: [BigInt(e), commitment] },
    );
  } catch (err) {
    // Too late for this epoch: nothing to retry (the next epoch gets its own seed).
    if ((err as OracleError).details?.errorName === "EpochManagerEpochStarted") {
      loop.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e, reason: "epoch started before the commitment" });
      return;
    }
    throw err;
  }
}
