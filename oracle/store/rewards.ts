/**
 * The rewards table: every account's cumulative reward up to and including an epoch, the leaves
 * of that epoch's rewards tree. Written by the judge phase (proposer) and by a committee member
 * when it cosigns (the base of its own next report).
 */
import type { DB } from "./schema";
import { statement } from "./statement";

const ofEpoch = statement<[number], { account: string; cumulative: string }>("SELECT account, cumulative FROM rewards WHERE epoch = ?");
const deleteEpoch = statement<[number]>("DELETE FROM rewards WHERE epoch = ?");
const insert = statement<[number, string, string]>("INSERT INTO rewards (epoch, account, cumulative) VALUES (?, ?, ?)");

/** The cumulative amounts of epoch `epoch`'s tree, by account. */
export function cumulativeRewards(db: DB, epoch: number): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const r of ofEpoch(db).all(epoch)) out.set(r.account, BigInt(r.cumulative));
  return out;
}

/** Replaces an epoch's cumulative amounts. */
export function replaceCumulativeRewards(db: DB, epoch: number, cumulative: ReadonlyMap<string, bigint>): void {
  deleteEpoch(db).run(epoch);
  const s = insert(db);
  for (const [a, v] of cumulative) s.run(epoch, a, v.toString());
}
