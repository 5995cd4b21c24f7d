/**
 * `agent ack`: the operator acknowledges a fraud verdict (after checking the GPU and its driver),
 * so `agent run` answers challenges again. Reads and clears the record in the data directory.
 */
import { parseArgs } from "node:util";
import type { Address } from "viem";
import { acknowledgeFraud, readState, statePath } from "../state";
import { DEFAULT_KEYSTORE, loadNodeKey, requireAddress, resolveDataDir } from "./common";

export const ACK_HELP = `agent ack (--node ADDR | --keystore FILE) [--data-dir DIR]
  Acknowledges the fraud verdict that stopped \`agent run\` (check the GPU and driver first);
  the next \`agent run\` answers challenges again.`;

export async function ackCommand(argv: string[], out: (s: string) => void = console.log): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { node: { type: "string" }, keystore: { type: "string" }, "data-dir": { type: "string" } }, strict: true });
  const keystore = values.keystore ?? DEFAULT_KEYSTORE;
  const node: Address = values.node !== undefined ? requireAddress(values.node, "--node") : ((await loadNodeKey(keystore)).address as Address);
  const dataDir = resolveDataDir(values["data-dir"], keystore);
  const before = readState(dataDir, node).fraud;
  if (!before) {
    out(`no unacknowledged fraud verdict for node ${node} in ${statePath(dataDir, node)}: nothing to do`);
    return;
  }
  acknowledgeFraud(dataDir, node, new Date().toISOString());
  out(`acknowledged the fraud verdict on challenge ${before.challengeId} (epoch ${before.epoch}, ${before.kind}, from ${before.oracle}: ${before.reason || "no reason given"})`);
  out("`agent run` answers challenges again; the slash itself stands unless an appeal in the dApp succeeds");
}
