/**
 * Prepared statements, prepared once per database handle: `statement(sql)` returns a function
 * that hands back the handle's compiled statement, compiling it on first use. Compiling lazily
 * (not when the module loads, nor for every call) leaves a handle whose schema is still being
 * migrated untouched until it is queried.
 */
import type { Statement } from "better-sqlite3";
import type { DB } from "./schema";

export function statement<P extends unknown[] = unknown[], R = unknown>(sql: string): (db: DB) => Statement<P, R> {
  const byHandle = new WeakMap<DB, Statement<P, R>>();
  return (db) => {
    let s = byHandle.get(db);
    if (!s) {
      s = db.prepare<P, R>(sql);
      byHandle.set(db, s);
    }
    return s;
  };
}

/** A list of constant text values (status constants, never input) as an SQL `IN (...)` list. */
export function sqlList(values: readonly string[]): string {
  return `(${values.map((v) => `'${v}'`).join(", ")})`;
}
