/**
 * The finalize phase: each report on chain is finalized through the relay once its dispute
 * window has closed; one the chain shows finalized or vetoed is marked so.
 */
import { REPORT_STATUS } from "../chain";
import { RELAY_STATE } from "../relay";
import { epochsAwaitingFinalization, setReportState } from "../store/reports";
import { REPORT_STATE } from "../store/status";
import { MAX_BACKLOG_EPOCHS, type EpochLoop } from "./context";

export async function reconcileFinalization(loop: EpochLoop): Promise<void> {
  const { d } = loop;
  const epochs = epochsAwaitingFinalization(d.db, MAX_BACKLOG_EPOCHS);
  if (epochs.length === 0) return;
  const blockTime = await d.chain.blockTime();
  const wall = Math.floor(loop.now() / 1000);
  d.clock.observe(blockTime);
  for (const epoch of epochs) {
    const info = await d.chain.reportOf(BigInt(epoch));
    if (info.status === REPORT_STATUS.Finalized) {
      setReportState(d.db, epoch, REPORT_STATE.Finalized, loop.now());
      d.metrics.reportsFinalized.inc();
      d.log.info("report.finalized", { epoch });
      continue;
    }
    if (info.status === REPORT_STATUS.Vetoed) {
      setReportState(d.db, epoch, REPORT_STATE.Vetoed, loop.now());
      d.log.warn("report.vetoed", { epoch });
      continue;
    }
    // The next block's time is at least max(latest block, wall clock) on an auto-mining devnet.
    if (info.status !== REPORT_STATUS.Pending || Math.max(blockTime, wall) <= Number(info.disputeEndsAt)) continue;
    const state = await d.relay.ensure(
      `finalize:${epoch}`,
      async () => (await d.chain.reportOf(BigInt(epoch))).status !== REPORT_STATUS.Pending,
      { contract: "Settlement", functionName: "finalize", args: [BigInt(epoch)] },
    );
    if (state === RELAY_STATE.Done) {
      const after = await d.chain.reportOf(BigInt(epoch));
      if (after.status === REPORT_STATUS.Finalized) {
        setReportState(d.db, epoch, REPORT_STATE.Finalized, loop.now());
        d.metrics.reportsFinalized.inc();
        d.log.info("report.finalized", { epoch });
      }
    }
  }
}
