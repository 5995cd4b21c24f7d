/**
 * Prometheus metrics in the text exposition format (version 0.0.4): counters and histograms
 * with labels, kept in memory. No I/O: `render()` returns the text the API serves at /metrics.
 */

/** Most label combinations one metric keeps, so a hostile label value cannot grow memory. */
export const MAX_SERIES_PER_METRIC = 1_000;

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",");
}

export class Counter {
  private readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    if (!this.series.has(k) && this.series.size >= MAX_SERIES_PER_METRIC) return;
    this.series.set(k, (this.series.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.series.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.series) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

export class Gauge {
  private readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    if (!this.series.has(k) && this.series.size >= MAX_SERIES_PER_METRIC) return;
    this.series.set(k, value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.series) lines.push(`${this.name}${k ? `{${k}}` : ""} ${v}`);
    return lines.join("\n");
  }
}

export class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      if (this.series.size >= MAX_SERIES_PER_METRIC) return;
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? "," : "";
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/** The oracle's metrics. One instance per oracle process. */
export function createMetrics() {
  const m = {
    challengesIssued: new Counter("poai_challenges_issued_total", "Challenges handed to nodes, by kind"),
    challengesVerified: new Counter("poai_challenges_verified_total", "Challenges whose openings verified, by kind"),
    challengesFailed: new Counter("poai_challenges_failed_total", "Challenges failed (wrong result, late, missed), by kind and reason"),
    verificationSeconds: new Histogram(
      "poai_verification_seconds",
      "Time to verify one challenge's openings, by kind",
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    ),
    reportsRelayed: new Counter("poai_reports_relayed_total", "Epoch reports submitted on chain"),
    reportsFinalized: new Counter("poai_reports_finalized_total", "Epoch reports finalized on chain"),
    seedsCommitted: new Counter("poai_seeds_committed_total", "Epoch seed commitments submitted on chain"),
    txRetries: new Counter("poai_tx_retries_total", "Transaction retries and fee bumps, by purpose"),
    requests: new Counter("poai_http_requests_total", "API requests, by route and status"),
    requestsRejected: new Counter("poai_http_rejected_total", "API requests rejected, by error code"),
    lastEpoch: new Gauge("poai_last_processed_epoch", "Last epoch whose report this oracle built"),
    reconcileErrors: new Counter("poai_reconcile_errors_total", "Reconciliation passes that ended in an error, by step"),
  };
  return {
    ...m,
    render(): string {
      return Object.values(m).map((x) => x.render()).join("\n") + "\n";
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
