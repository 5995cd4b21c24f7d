/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests of
 * /metrics: every line must be empty, a `# HELP` or `# TYPE` line, or a sample of a family
 * declared by an earlier `# TYPE` (histograms: `_bucket` with `le`, `_sum`, `_count`).
 */
const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = "[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME})(?: .*)?$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const ONE_LABEL = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, "g");

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name -> type. */
  types: Map<string, string>;
  samples: Sample[];
}

const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["", "_sum", "_count"] };

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split("\n").forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === "" || HELP.test(line)) return;
    const t = TYPE.exec(line);
    if (t) {
      if (types.has(t[1])) throw new Error(`${where}: a second TYPE for ${t[1]}`);
      types.set(t[1], t[2]);
      return;
    }
    const s = SAMPLE.exec(line);
    if (!s) throw new Error(`${where}: not an exposition line`);
    const labels: Record<string, string> = {};
    for (const m of (s[2] ?? "").matchAll(ONE_LABEL)) labels[m[1]] = m[2];
    const family = [...types.keys()].find((f) => (SUFFIXES[types.get(f)!] ?? [""]).some((x) => f + x === s[1]));
    if (!family) throw new Error(`${where}: sample of no declared family`);
    if (s[1] === family + "_bucket" && labels.le === undefined) throw new Error(`${where}: bucket without le`);
    samples.push({ name: s[1], labels, value: Number(s[3].replace("Inf", "Infinity")) });
  });
  return { types, samples };
}

/** The value of the sample `name` whose labels include `labels`; undefined when there is none. */
export function sampleValue(e: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  return e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
