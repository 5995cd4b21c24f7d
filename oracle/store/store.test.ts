import { describe, it } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { SlashReason } from "../../protocol";
import { voidPlannedBefore, windowRows } from "./challenges";
import { getEpoch, insertRecoveredEpoch } from "./epochs";
import { openFraudIncidents, verdictHistory } from "./node-epochs";
import { putReport } from "./reports";
import { migrate, openDb } from "./schema";
import { REPORT_STATE, TX_STATUS } from "./status";
import { insertSignedTransaction, setTransactionStatus, transactionsOf } from "./transactions";
import { condemnedStreak, MAX_VERDICT_LOOKBACK } from "../judging";

const NODE = "0x00000000000000000000000000000000000000AA";
/** The transactions table as schema 1 created it. */
const TRANSACTIONS_V1 = `CREATE TABLE transactions (id INTEGER PRIMARY KEY AUTOINCREMENT, purpose TEXT NOT NULL, sender TEXT NOT NULL,
  nonce INTEGER NOT NULL, hash TEXT NOT NULL, raw TEXT NOT NULL, max_fee TEXT NOT NULL, priority_fee TEXT NOT NULL,
  status TEXT NOT NULL, block INTEGER, error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER)`;

/** The epochs table as schema 1 created it. */
const EPOCHS_V1 = `CREATE TABLE epochs (epoch INTEGER PRIMARY KEY, seed TEXT NOT NULL, commitment TEXT NOT NULL, created_at INTEGER NOT NULL,
  committed_at INTEGER, scheduled_at INTEGER, judged_at INTEGER)`;

/** The columns of schema 1's challenges table that later migrations index. */
const CHALLENGES_V1 = "CREATE TABLE challenges (id TEXT PRIMARY KEY, issue_at INTEGER NOT NULL, issued_at INTEGER, verdict TEXT)";

describe("database: verdict history", () => {
  it("migrates a version-1 database and reads a node's earlier verdicts newest first", () => {
    const db = openDb(":memory:");
    assert.equal(db.pragma("user_version", { simple: true }), 7);
    const ins = db.prepare("INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward, slash_bps, slash_reason) VALUES (?, ?, 'op', ?, '{}', '0', ?, ?)");
    ins.run(1, NODE.toLowerCase(), "honest", 0, 0);
    ins.run(2, NODE.toLowerCase(), "under-delivering", 0, 0);
    ins.run(3, NODE.toLowerCase(), "under-delivering", 0, 0);
    ins.run(4, NODE.toLowerCase(), "under-delivering", 0, 0);
    ins.run(3, "0x00000000000000000000000000000000000000bb", "under-delivering", 0, 0);
    const h = verdictHistory(db, NODE, 4, MAX_VERDICT_LOOKBACK);
    assert.deepEqual(h.map((r) => r.epoch), [3, 2, 1]);
    assert.equal(condemnedStreak(h), 2);
    assert.equal(condemnedStreak(verdictHistory(db, NODE, 5, MAX_VERDICT_LOOKBACK)), 3);
    db.prepare("UPDATE node_epochs SET slash_bps = 500, slash_reason = ? WHERE epoch = 3 AND node = ?").run(Number(SlashReason.Overclaim), NODE.toLowerCase());
    assert.equal(condemnedStreak(verdictHistory(db, NODE, 5, MAX_VERDICT_LOOKBACK)), 1);
    db.close();
  });

  it("upgrades a database of schema 1 in place (the index the history query uses)", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE node_epochs (epoch INTEGER NOT NULL, node TEXT NOT NULL, operator TEXT NOT NULL, verdict TEXT NOT NULL, stats TEXT NOT NULL, reward TEXT NOT NULL, slash_bps INTEGER NOT NULL DEFAULT 0, slash_reason INTEGER NOT NULL DEFAULT 0, evidence TEXT, PRIMARY KEY (epoch, node))");
    db.exec(TRANSACTIONS_V1);
    db.exec(CHALLENGES_V1);
    db.exec(EPOCHS_V1);
    db.pragma("user_version = 1");
    migrate(db);
    assert.equal(db.pragma("user_version", { simple: true }), 7);
    const idx = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'node_epochs_node_epoch'").get();
    assert.ok(idx);
    db.close();
  });

  it("reads a node's window: the epochs before this one, none before its last slash", () => {
    const db = openDb(":memory:");
    const ins = db.prepare("INSERT INTO challenges (id, epoch, node, round, kind, seed, spec, claim, issue_at) VALUES (?, ?, ?, ?, 'gemm', '0x', '{}', '{}', 0)");
    const other = "0x00000000000000000000000000000000000000bb";
    for (let e = 1; e <= 6; e++) for (let r = 0; r < 2; r++) {
      ins.run(`n${e}.${r}`, e, NODE.toLowerCase(), r);
      ins.run(`o${e}.${r}`, e, other, r);
    }
    const epochs = (rows: { epoch: number }[]) => rows.map((r) => r.epoch);
    assert.deepEqual(epochs(windowRows(db, NODE, 6, 3)), [4, 4, 5, 5]);
    assert.deepEqual(epochs(windowRows(db, NODE, 6, 1)), []);
    assert.deepEqual(epochs(windowRows(db, other, 3, 8)), [1, 1, 2, 2]);
    db.prepare("INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward, slash_bps, slash_reason) VALUES (4, ?, 'op', 'under-delivering', '{}', '0', 500, ?)").run(NODE.toLowerCase(), Number(SlashReason.Overclaim));
    assert.deepEqual(epochs(windowRows(db, NODE, 6, 3)), [5, 5]);
    assert.deepEqual(epochs(windowRows(db, other, 6, 3)), [4, 4, 5, 5]);
    db.prepare("INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward) VALUES (5, ?, 'op', 'unavailable', '{}', '0')").run(other);
    assert.deepEqual(epochs(windowRows(db, other, 6, 3)), [4, 4], "an epoch judged unavailable is left out");
    db.close();
  });
});

describe("database: transactions", () => {
  const tx = (purpose: string) => ({ purpose, sender: NODE, nonce: 7, hash: "0x01" as const, raw: "0x02" as const, maxFee: 10n, priorityFee: 1n });

  it("keeps a transaction's first broadcast when it is broadcast again", () => {
    const db = openDb(":memory:");
    const id = insertSignedTransaction(db, tx("commitSeed:1"), 1_000);
    assert.equal(transactionsOf(db, "commitSeed:1")[0].first_sent_at, null, "not broadcast yet");
    setTransactionStatus(db, id, TX_STATUS.Sent, { sent_at: 1_100 });
    setTransactionStatus(db, id, TX_STATUS.Sent, { sent_at: 1_600 });
    setTransactionStatus(db, id, TX_STATUS.Mined, { block: 3 });
    const [row] = transactionsOf(db, "commitSeed:1");
    assert.equal(row.first_sent_at, 1_100);
    assert.equal(row.sent_at, 1_600, "sent_at is the latest broadcast");
    db.close();
  });

  it("upgrades a database of schema 2: a transaction already sent counts from when it was signed", () => {
    const db = new Database(":memory:");
    db.exec(TRANSACTIONS_V1);
    db.exec(CHALLENGES_V1);
    db.exec(EPOCHS_V1);
    db.prepare("INSERT INTO epochs (epoch, seed, commitment, created_at, committed_at) VALUES (3, '0x01', '0x02', 10, 20)").run();
    db.pragma("user_version = 2");
    const ins = db.prepare("INSERT INTO transactions (purpose, sender, nonce, hash, raw, max_fee, priority_fee, status, created_at, sent_at) VALUES (?, 'a', 0, '0x', '0x', '1', '1', ?, ?, ?)");
    ins.run("commitSeed:1", "sent", 1_000, 9_000);
    ins.run("commitSeed:2", "signed", 2_000, null);
    migrate(db);
    assert.equal(db.pragma("user_version", { simple: true }), 7);
    assert.equal(transactionsOf(db, "commitSeed:1")[0].first_sent_at, 1_000);
    assert.equal(transactionsOf(db, "commitSeed:2")[0].first_sent_at, null);
    assert.equal(getEpoch(db, 3)?.recovered_at, null, "an epoch of an older schema was not recovered");
    db.close();
  });
});

describe("database: an epoch recovered after a lost database", () => {
  it("is stored committed with its recovery instant, and voids only its own rounds due before it and not delivered", () => {
    const db = openDb(":memory:");
    insertRecoveredEpoch(db, 7, "0x01", "0x02", 5_000);
    const row = getEpoch(db, 7)!;
    assert.equal(row.committed_at, 5_000);
    assert.equal(row.recovered_at, 5_000);
    const ins = db.prepare("INSERT INTO challenges (id, epoch, node, round, kind, seed, spec, claim, issue_at, issued_at) VALUES (?, ?, 'n', ?, 'gemm', '0x', '{}', '{}', ?, ?)");
    ins.run("due-before", 7, 0, 4_000, null);
    ins.run("due-after", 7, 1, 6_000, null);
    ins.run("delivered", 7, 2, 3_000, 3_100);
    ins.run("other-epoch", 6, 0, 1_000, null);
    assert.equal(voidPlannedBefore(db, 7, 5_000, "lost"), 1);
    const verdicts = Object.fromEntries((db.prepare("SELECT id, verdict FROM challenges").all() as { id: string; verdict: string | null }[]).map((r) => [r.id, r.verdict]));
    assert.deepEqual(verdicts, { "due-before": "void", "due-after": null, delivered: null, "other-epoch": null });
    db.close();
  });
});

describe("database: one incident, one slash", () => {
  it("a fraud slash stays an open incident until its report is finalized or vetoed, within the backlog", () => {
    const db = openDb(":memory:");
    const ins = db.prepare("INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward, slash_bps, slash_reason) VALUES (?, ?, 'op', ?, '{}', '0', ?, ?)");
    const other = "0x00000000000000000000000000000000000000bb";
    ins.run(3, NODE.toLowerCase(), "fraudulent", 5000, Number(SlashReason.Fraud));
    ins.run(4, NODE.toLowerCase(), "fraudulent", 5000, Number(SlashReason.Fraud));
    ins.run(3, other, "under-delivering", 500, Number(SlashReason.Overclaim));
    const report = (epoch: number, status: string, atMs = 0) =>
      putReport(db, { epoch, report: "{}", slashes: "[]", inputs: "{}", digest: `0x${String(epoch).padStart(64, "0")}`, signatures: "{}", status: status as never }, atMs);
    report(3, REPORT_STATE.Onchain);
    // Open from its first fraud epoch; an overclaim slash is not a fraud incident.
    assert.deepEqual([...openFraudIncidents(db, 5, 0, 1_000)], [[NODE.toLowerCase(), 3]]);
    assert.deepEqual([...openFraudIncidents(db, 3, 0, 1_000)], [], "only epochs before the one judged");
    assert.deepEqual([...openFraudIncidents(db, 5, 5, 1_000)], [], "outside the backlog");
    // Epoch 3's report finalized at 2,000: an epoch that started at 1,000 was planned while the
    // incident was open and stays covered; one that started after the slash executed is not.
    report(3, REPORT_STATE.Finalized, 2_000);
    assert.deepEqual([...openFraudIncidents(db, 5, 0, 1_000)], [[NODE.toLowerCase(), 3]]);
    assert.deepEqual([...openFraudIncidents(db, 5, 0, 3_000)], [[NODE.toLowerCase(), 4]], "epoch 4's report has no row yet: still open");
    report(4, REPORT_STATE.Vetoed);
    assert.deepEqual([...openFraudIncidents(db, 5, 0, 3_000)], []);
  });
});
