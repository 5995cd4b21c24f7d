/** A signed process report for tests that need a valid `POST /v1/processes` body (protocol/process-report.ts). */
import type { Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { signProcessReport, type ProcessReport, type SignedProcessReport } from "../../protocol/process-report";

let lastTs = 0;

/**
 * An empty report by `account` for the member `oracle` of `chainId`/`registry`, timestamped now
 * (strictly after the last one this process made, so a node's reports are always in order);
 * `over` replaces any field before signing.
 */
export async function signedReport(account: PrivateKeyAccount, d: { chainId: number; registry: Address; oracle: Address }, over: Partial<ProcessReport> = {}): Promise<SignedProcessReport> {
  lastTs = Math.max(Date.now(), lastTs + 1);
  const report: ProcessReport = { node: account.address, oracle: d.oracle, timestampMs: lastTs, leaseCgroup: "", leaseContainerId: "", processes: [], ...over };
  return signProcessReport(account, { chainId: d.chainId, registry: d.registry }, report);
}
