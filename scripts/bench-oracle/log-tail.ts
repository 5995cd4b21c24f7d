/**
 * Follows a JSON-lines log file as it grows (the oracle's stdout, written to a file so a busy
 * oracle never waits on a pipe): counts events by level and hands the lines whose event is
 * watched to `waitFor`'s predicates. Reads only what was appended since the last look.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** How often the file is looked at, ms. */
const POLL_MS = 200;
const CHUNK = 1 << 20;

export interface LogLine {
  level?: string;
  event?: string;
  [k: string]: unknown;
}

export class LogTail {
  private readonly fd: number;
  private pos = 0;
  private rest = "";
  private readonly kept: LogLine[] = [];
  /** warn and error lines by event. */
  readonly problems: Record<string, number> = {};
  /** A few warn and error lines in full. */
  readonly problemSamples: string[] = [];

  constructor(
    path: string,
    /** Events kept for `waitFor` (other lines are only counted). */
    private readonly watched: ReadonlySet<string>,
  ) {
    this.fd = openSync(path, "r");
  }

  /** Reads what was appended. */
  poll(): void {
    const buf = Buffer.alloc(CHUNK);
    // Loop bound: until the end of what is written now.
    for (;;) {
      const n = readSync(this.fd, buf, 0, CHUNK, this.pos);
      if (n <= 0) break;
      this.pos += n;
      const text = this.rest + buf.subarray(0, n).toString("utf8");
      const lines = text.split("\n");
      this.rest = lines.pop() ?? "";
      for (const line of lines) this.take(line);
    }
  }

  private take(line: string) {
    const problem = line.includes('"level":"warn"') || line.includes('"level":"error"');
    const m = /"event":"([^"]+)"/.exec(line);
    const event = m?.[1] ?? "";
    if (!problem && !this.watched.has(event)) return;
    let j: LogLine;
    try {
      j = JSON.parse(line);
    } catch {
      return;
    }
    if (problem) {
      this.problems[event] = (this.problems[event] ?? 0) + 1;
      if (this.problemSamples.length < 10) this.problemSamples.push(line.slice(0, 400));
    }
    if (this.watched.has(event)) this.kept.push(j);
  }

  /** The first watched line satisfying `p`, waiting for it at most `timeoutMs`. */
  async waitFor(p: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    // Loop bound: timeoutMs of POLL_MS looks.
    for (;;) {
      this.poll();
      const hit = this.kept.find(p);
      if (hit) return hit;
      if (Date.now() > until) throw new Error(`the oracle did not log ${what} within ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
