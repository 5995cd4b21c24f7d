import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { register as globalRegistry } from "prom-client";
import { createMetrics, MAX_SERIES_PER_METRIC } from "./metrics";

const sampleLines = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(name + "{") || l.startsWith(name + " "));

describe("metrics", () => {
  it("keeps one registry per instance, none in the library's global registry", async () => {
    const a = createMetrics();
    const b = createMetrics();
    try {
      a.requests.inc({ route: "info", status: "200" });
      a.requests.inc({ route: "info", status: "200" });
      b.requests.inc({ route: "nodes", status: "200" });
      const ta = await a.render();
      const tb = await b.render();
      assert.deepEqual(sampleLines(ta, "poai_http_requests_total"), ['poai_http_requests_total{route="info",status="200"} 2']);
      assert.deepEqual(sampleLines(tb, "poai_http_requests_total"), ['poai_http_requests_total{route="nodes",status="200"} 1']);
      assert.doesNotMatch(await globalRegistry.metrics(), /poai_/);
    } finally {
      a.close();
      b.close();
    }
  });

  it("keeps the existing metric names and adds the fleet-scale ones", async () => {
    const m = createMetrics();
    try {
      m.setQueueDepth("delivery", 4);
      m.relayTransactions.set(2, { status: "sent" });
      m.requestSeconds.observe(0.003, { route: "info" });
      const text = await m.render();
      for (const [name, type] of [
        ["poai_challenges_issued_total", "counter"],
        ["poai_challenges_verified_total", "counter"],
        ["poai_challenges_failed_total", "counter"],
        ["poai_verification_seconds", "histogram"],
        ["poai_reports_relayed_total", "counter"],
        ["poai_reports_finalized_total", "counter"],
        ["poai_seeds_committed_total", "counter"],
        ["poai_tx_retries_total", "counter"],
        ["poai_http_requests_total", "counter"],
        ["poai_http_rejected_total", "counter"],
        ["poai_last_processed_epoch", "gauge"],
        ["poai_reconcile_errors_total", "counter"],
        ["poai_request_duration_seconds", "histogram"],
        ["poai_event_loop_lag_seconds", "gauge"],
        ["poai_queue_depth", "gauge"],
        ["poai_relay_transactions", "gauge"],
      ]) {
        assert.ok(text.includes(`# TYPE ${name} ${type}\n`), `${name} ${type}`);
      }
      assert.deepEqual(sampleLines(text, "poai_queue_depth"), ['poai_queue_depth{queue="delivery"} 4']);
      assert.deepEqual(sampleLines(text, "poai_relay_transactions"), ['poai_relay_transactions{status="sent"} 2']);
      assert.ok(text.includes('poai_request_duration_seconds_bucket{le="0.005",route="info"} 1\n'));
      assert.ok(text.includes('poai_request_duration_seconds_bucket{le="0.0025",route="info"} 0\n'));
    } finally {
      m.close();
    }
  });

  it("keeps at most MAX_SERIES_PER_METRIC label combinations per metric", async () => {
    const m = createMetrics();
    try {
      for (let i = 0; i < MAX_SERIES_PER_METRIC + 50; i++) m.requestsRejected.inc({ code: `hostile-${i}` });
      m.requestsRejected.inc({ code: "hostile-0" });
      const lines = sampleLines(await m.render(), "poai_http_rejected_total");
      assert.equal(lines.length, MAX_SERIES_PER_METRIC);
      assert.ok(lines.includes('poai_http_rejected_total{code="hostile-0"} 2'), "a kept series still counts");
      assert.ok(!lines.some((l) => l.includes(`hostile-${MAX_SERIES_PER_METRIC}"`)), "a series over the bound is dropped");
    } finally {
      m.close();
    }
  });

  it("reports the event-loop lag since the last scrape", async () => {
    const m = createMetrics();
    const maxLag = async () => Number(sampleLines(await m.render(), "poai_event_loop_lag_seconds").find((l) => l.includes('stat="max"'))!.split(" ")[1]);
    try {
      await new Promise((r) => setTimeout(r, 50));
      await m.render();
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // Block the event loop.
      }
      await new Promise((r) => setTimeout(r, 30));
      const blocked = await maxLag();
      assert.ok(blocked >= 0.25, `a 300 ms block shows as lag, got ${blocked}`);
      await new Promise((r) => setTimeout(r, 50));
      const after = await maxLag();
      assert.ok(after < 0.25, `the next scrape covers only its own interval, got ${after}`);
    } finally {
      m.close();
    }
  });
});
