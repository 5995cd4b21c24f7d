/**
 * The oracle's state in SQLite (better-sqlite3, WAL mode, synchronous=FULL so a committed
 * transaction survives a crash; the agents' high-volume frames commit with NORMAL, relaxed.ts).
 * Everything the epoch loop needs to resume after a crash is here: epoch seeds (stored before
 * their commitment is sent), challenges with their timings, request nonces, per-node verdicts,
 * cumulative rewards, reports with signatures, and every transaction the relay signed (raw bytes
 * kept, so a crash between signing and sending re-sends the same transaction instead of a
 * second one).
 *
 * Migrations are numbered and applied in order inside one transaction each; `user_version`
 * records the last one applied. This file is the schema's one home; the queries live beside it,
 * one module per table family (epochs.ts, challenges.ts, ...), and no SQL lives outside store/.
 */
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { OracleError } from "../errors";

const MIGRATIONS: string[] = [
  // 1: initial schema
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE epochs (
    epoch INTEGER PRIMARY KEY,
    seed TEXT NOT NULL,               -- secret until the report reveals it
    commitment TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    committed_at INTEGER,             -- on-chain commitment seen
    scheduled_at INTEGER,             -- challenges of the epoch planned
    judged_at INTEGER                 -- verdicts and rewards computed
  );
  CREATE TABLE challenges (
    id TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL,
    node TEXT NOT NULL,
    round INTEGER NOT NULL,
    kind TEXT NOT NULL,
    seed TEXT NOT NULL,
    spec TEXT NOT NULL,               -- JSON, as sent to the node
    claim TEXT NOT NULL,              -- JSON, the node's on-chain claim when planned
    issue_at INTEGER NOT NULL,        -- ms, secret time from which the challenge is due
    issued_at INTEGER,                -- ms wall clock, handed to the node (latency start)
    deadline INTEGER,                 -- ms
    root TEXT,
    committed_at INTEGER,             -- ms wall clock, root received (latency end)
    openings TEXT,                    -- JSON number[]
    answer TEXT,                      -- JSON openings as received (bounded by the body limit)
    opened_at INTEGER,
    verdict TEXT,                     -- pass | fail | late | missed | error
    reason TEXT,
    verify_ms REAL,
    evidence TEXT,                    -- keccak256 of the evidence of a failure
    UNIQUE (epoch, node, round)
  );
  CREATE INDEX challenges_node_epoch ON challenges (node, epoch);
  CREATE TABLE request_nonces (
    node TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (node, nonce)
  );
  CREATE INDEX request_nonces_ts ON request_nonces (ts);
  CREATE TABLE node_epochs (
    epoch INTEGER NOT NULL,
    node TEXT NOT NULL,
    operator TEXT NOT NULL,
    verdict TEXT NOT NULL,
    stats TEXT NOT NULL,              -- JSON
    reward TEXT NOT NULL,             -- decimal, this epoch
    slash_bps INTEGER NOT NULL DEFAULT 0,
    slash_reason INTEGER NOT NULL DEFAULT 0,
    evidence TEXT,
    PRIMARY KEY (epoch, node)
  );
  CREATE TABLE rewards (
    epoch INTEGER NOT NULL,
    account TEXT NOT NULL,
    cumulative TEXT NOT NULL,         -- decimal, every epoch up to and including this one
    PRIMARY KEY (epoch, account)
  );
  CREATE TABLE reports (
    epoch INTEGER PRIMARY KEY,
    report TEXT NOT NULL,             -- JSON EpochReport (bigints as strings)
    slashes TEXT NOT NULL,            -- JSON Slash[]
    inputs TEXT NOT NULL,             -- JSON the shared inputs committee members recompute from
    digest TEXT NOT NULL,
    signatures TEXT NOT NULL DEFAULT '{}',  -- JSON {signer: signature}
    status TEXT NOT NULL,             -- built | signed | submitted | onchain | finalized
    tx_hash TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE transactions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL,            -- commitSeed:<e> | submitReport:<e> | finalize:<e>
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    hash TEXT NOT NULL,
    raw TEXT NOT NULL,
    max_fee TEXT NOT NULL,
    priority_fee TEXT NOT NULL,
    status TEXT NOT NULL,             -- signed | sent | mined | confirmed | reverted | replaced | dropped
    block INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER                   -- latest broadcast (first_sent_at, migration 3: the first)
  );
  CREATE INDEX transactions_purpose ON transactions (purpose);
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    epoch INTEGER NOT NULL,
    node TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    item_index INTEGER NOT NULL,
    record TEXT NOT NULL,             -- JSON: prompt tokens and verified output fingerprint
    created_at INTEGER NOT NULL,
    UNIQUE (challenge_id, item_index)
  );
  CREATE TABLE processes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,
    ts INTEGER NOT NULL,
    processes TEXT NOT NULL
  );
  `,
  // 2: an overclaim is slashed only after consecutive condemned epochs: a node's verdict history
  `
  CREATE INDEX node_epochs_node_epoch ON node_epochs (node, epoch);
  `,
  // 3: a transaction is stuck after txStuckMs from its first broadcast (sent_at moves with every
  // re-broadcast). A row already sent was signed and broadcast at once: created_at stands in.
  `
  ALTER TABLE transactions ADD COLUMN first_sent_at INTEGER;
  UPDATE transactions SET first_sent_at = created_at WHERE sent_at IS NOT NULL;
  `,
  // 4: challenges pushed at their due instant: delivery reads the undelivered ones by due time
  `
  CREATE INDEX challenges_undelivered ON challenges (issue_at) WHERE issued_at IS NULL AND verdict IS NULL;
  `,
  // 5: an epoch recovered after a lost database (seed re-derived from the key, commitment on
  // chain) keeps the instant of its recovery: its rounds due before it are void when planned
  `
  ALTER TABLE epochs ADD COLUMN recovered_at INTEGER;
  `,
  // 6: process reports are signed by the node key (protocol/process-report.ts), kept bounded per
  // node and pruned after a retention window. The unsigned lists of the old table were never
  // read and prove nothing: dropped.
  `
  DROP TABLE IF EXISTS processes;
  CREATE TABLE process_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node TEXT NOT NULL,               -- lower case
    ts INTEGER NOT NULL,              -- the report's timestampMs (signed; checked against the oracle's clock)
    received_at INTEGER NOT NULL,     -- the oracle's wall clock, ms
    entries INTEGER NOT NULL,         -- processes listed
    report TEXT NOT NULL,             -- JSON of the report as signed
    signature TEXT NOT NULL,
    digest TEXT NOT NULL              -- EIP-712 digest the signature is over (the evidence hash)
  );
  CREATE INDEX process_reports_node_ts ON process_reports (node, ts);
  CREATE INDEX process_reports_ts ON process_reports (ts);
  `,
  // 7: the evidence documents of wrong answers and of fraud slashes (protocol/evidence.ts),
  // served by GET /v1/evidence/:hash.
  `
  CREATE TABLE evidence (
    hash TEXT PRIMARY KEY,            -- keccak256 of doc (a challenge) or the slash's evidence hash
    epoch INTEGER NOT NULL,
    node TEXT NOT NULL,
    doc TEXT NOT NULL                 -- a challenge's document, or a slash's JSON list of document hashes
  );
  CREATE INDEX evidence_epoch ON evidence (epoch);
  `,
];

export type DB = Database.Database;

export function openDb(path: string): DB {
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db);
    return db;
  } catch (e) {
    if (e instanceof OracleError) throw e;
    throw new OracleError("OR004", `cannot open database ${path}`, { cause: e });
  }
}

export function migrate(db: DB): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new OracleError("OR004", `database schema version ${current} is newer than this oracle (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
