/**
 * How a node behaves: `honest` (the default) or one of the cheating modes the devnet demo and
 * the integration tests use to show that PoAI catches them. Cheating lives here and only here;
 * the rest of the agent is honest code. A behaviour is chosen only with an explicit
 * `--behaviour` flag.
 *
 * - `honest`: runs every challenge and answers truthfully.
 * - `overclaim`: identical to honest at run time. The cheat is the registration: the node was
 *   registered with far more GFLOP/s than the machine has, so its honest answers arrive far
 *   slower than its claim, which the oracle measures.
 * - `forge-rows`: computes the result, then replaces a fraction of the rows with random bytes
 *   before committing (a node that skips work and makes numbers up); the root it commits is over
 *   the forged rows, so the openings are consistent with the root but wrong.
 * - `skip`: fetches challenges and never answers them.
 */
import { randomBytes } from "node:crypto";
import { AgentError } from "./errors";

export const BEHAVIOURS = ["honest", "overclaim", "forge-rows", "skip"] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export interface Behaviour {
  name: BehaviourName;
  /** False: the challenge is fetched and then left unanswered. */
  answers: boolean;
  /** The rows actually committed, given the honest ones. */
  transformRows(rows: Uint8Array[]): Uint8Array[];
}

export function parseBehaviour(name: string | undefined): BehaviourName {
  const n = name ?? "honest";
  if (!(BEHAVIOURS as readonly string[]).includes(n)) {
    throw new AgentError("AG011_BAD_ARGUMENT", `--behaviour must be one of ${BEHAVIOURS.join(", ")}, got "${n}"`);
  }
  return n as BehaviourName;
}

/** Rows replaced by `forge-rows`, in [1/rows, 1]: the forged share of the result. */
export function makeBehaviour(name: BehaviourName, forgeFraction = 0.5, random: (n: number) => Uint8Array = (n) => randomBytes(n)): Behaviour {
  if (!(forgeFraction > 0 && forgeFraction <= 1)) {
    throw new AgentError("AG011_BAD_ARGUMENT", `--forge-fraction must be in (0, 1], got ${forgeFraction}`);
  }
  switch (name) {
    case "honest":
    case "overclaim":
      return { name, answers: true, transformRows: (rows) => rows };
    case "skip":
      return { name, answers: false, transformRows: (rows) => rows };
    case "forge-rows":
      return {
        name,
        answers: true,
        transformRows(rows) {
          // Forge every k-th row: ceil spreads forged rows over the whole result, at least one.
          const every = Math.max(1, Math.floor(1 / forgeFraction));
          return rows.map((r, i) => (i % every === 0 ? random(r.length) : r));
        },
      };
  }
}
