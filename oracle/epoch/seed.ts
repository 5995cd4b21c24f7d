/**
 * The seed phase: for the next epoch (if this oracle proposes it), its seed is stored, then its
 * commitment sent on chain; the current epoch is followed up too, since a commitment sent just
 * before it started may confirm only now.
 *
 * The seed of epoch `e` is this member's seed share, `seedShare(memberSecret, e)`
 * (protocol/keys.ts): derived from the oracle's key, not drawn, so a lost database loses no seed.
 * An epoch (current or next) without a row whose on-chain commitment opens with the derived seed
 * is recovered: its row is stored again as committed (with the instant of the recovery), and the
 * epoch is scheduled and reported from the same seed; its rounds due before the recovery are void
 * (schedule.ts: what the lost database knew of their delivery and answers is gone). A commitment
 * that the derived seed does not open (one committed by a release that drew random seeds, or by
 * another process) is OR209 and the epoch is not reported. An ended epoch without a row is not
 * recovered: it is logged as lost (OR213, reportLostEpochs).
 */
import { zeroHash, type Address, type Hex } from "viem";
import { seedCommitment } from "../../protocol";
import { seedShare } from "../../protocol/keys";
import { REPORT_STATUS } from "../chain";
import type { OracleError } from "../errors";
import { getEpoch, insertEpoch, insertRecoveredEpoch, markCommitted, type EpochRow } from "../store/epochs";
import { MAX_BACKLOG_EPOCHS, type EpochLoop } from "./context";

/** A seed commitment is not sent later than this before its epoch starts (it must be mined first), ms. */
export const SEED_MARGIN_MS = 1_500;

export async function reconcileSeeds(loop: EpochLoop, cur: number, members: readonly Address[]): Promise<void> {
  const { d } = loop;
  const next = Math.max(cur + 1, 0);
  // The current epoch: a commitment sent just before it started may confirm only now.
  for (const e of [cur, next]) {
    if (e < 0 || !loop.isProposer(e, members)) continue;
    const row = getEpoch(d.db, e) ?? (await seedRow(loop, e, e === next));
    if (!row || row.committed_at !== null) continue;
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

/**
 * The row of an epoch the database does not hold: recovered (stored as committed) when the chain
 * holds the derived seed's commitment; stored uncommitted for the next epoch when the chain holds
 * none yet (before any transaction: a crash after sending still knows the seed it committed);
 * none otherwise (a foreign commitment, OR209; or the current epoch started uncommitted, OR201).
 */
async function seedRow(loop: EpochLoop, e: number, isNext: boolean): Promise<EpochRow | undefined> {
  const { d } = loop;
  const seed = seedShare(d.memberSecret, e);
  const commitment = seedCommitment(BigInt(e), seed);
  const onchain = await d.chain.seedCommitment(BigInt(e));
  if (onchain === commitment) {
    insertRecoveredEpoch(d.db, e, seed, commitment, loop.now());
    d.log.info("seed.recovered", { epoch: e, commitment });
    return getEpoch(d.db, e);
  }
  if (onchain !== zeroHash) {
    d.log.error("seed.mismatch", { code: "OR209", epoch: e, onchain, ours: commitment });
    return undefined;
  }
  if (!isNext) {
    loop.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e });
    return undefined;
  }
  insertEpoch(d.db, e, seed, commitment, loop.now());
  d.log.info("seed.created", { epoch: e, commitment });
  return getEpoch(d.db, e);
}

/**
 * Ended epochs in reach that this oracle committed (the chain holds its key's commitment) but
 * that its database does not hold, and that have no report on chain: their challenge records
 * were lost with a database, so they are not reported. Each is logged once (OR213). Run once
 * after a start: epochs the oracle followed have rows, and a loss shows only after a restart.
 */
export async function reportLostEpochs(loop: EpochLoop, cur: number, members: readonly Address[]): Promise<void> {
  const { d } = loop;
  for (let e = Math.max(0, cur - MAX_BACKLOG_EPOCHS); e < cur; e++) {
    if (!loop.isProposer(e, members) || getEpoch(d.db, e)) continue;
    const onchain = await d.chain.seedCommitment(BigInt(e));
    if (onchain === zeroHash || onchain !== seedCommitment(BigInt(e), seedShare(d.memberSecret, e))) continue;
    if ((await d.chain.reportOf(BigInt(e))).status !== REPORT_STATUS.None) continue;
    loop.warnOnce(`lost:${e}`, "epoch.lost", { code: "OR213", epoch: e, reason: "ended before this oracle's database was lost: its challenge records are gone, so it is not reported" });
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
