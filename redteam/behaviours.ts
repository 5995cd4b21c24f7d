/**
 * How a red-team node behaves: `honest` (the default) or one of the cheating modes the devnet
 * demo and the integration tests use to show that PoAI catches them. Cheating lives in redteam/
 * and only there; the agent that operators install is honest code with no behaviour setting.
 * A behaviour is chosen only with an explicit `--behaviour` flag of redteam/cli.ts.
 *
 * - `honest`: runs every challenge and answers truthfully.
 * - `overclaim`: identical to honest at run time. The cheat is the registration: the node was
 *   registered with far more GFLOP/s than the machine has, so its honest answers arrive far
 *   slower than its claim, which the oracle measures.
 * - `forge-rows`: commits to a result in which a share of the rows is made up (random values
 *   where the computed fingerprints or items should be), as a node that skips work would. The
 *   root is over the forged result, so the openings match the root, but an opened forged row
 *   does not match the oracle's recomputation.
 * - `grind-forge`: forges like `forge-rows`, then re-commits, changing one made-up value at a
 *   time, until the openings it predicts from public data (the draw from the root alone) miss
 *   every forged row or item (grind.ts). It logs each prediction (`redteam.ground`), so a test
 *   can show the oracle asked for other rows.
 * - `skip`: fetches challenges and never answers them.
 * - `lazy-commit`: computes and commits honestly, then never opens (its answers are missed).
 * - `intermittent`: honest on even rounds, absent on odd ones (half the uptime, all the claim).
 * - `replay`: answers each challenge with the result it computed for the one before (the first
 *   one honestly), so it does the work of one challenge and commits to it again and again.
 */
import { randomBytes } from "node:crypto";
import { AgentError } from "../agent/errors";

export const BEHAVIOURS = ["honest", "overclaim", "forge-rows", "grind-forge", "skip", "lazy-commit", "intermittent", "replay"] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export interface Behaviour {
  name: BehaviourName;
  /** False: the challenge is fetched and then left unanswered. */
  answers: boolean;
  /** True for result rows (or items) this behaviour replaces with made-up values. */
  forges(row: number): boolean;
  /** `count` made-up float32 values on the challenge grid (k/256, like honest data). */
  madeUpValues(count: number): Float32Array;
  /** `grind-forge`: the openings per challenge it grinds against (the committee's public setting). */
  grindOpenings?: number;
}

export function parseBehaviour(name: string | undefined): BehaviourName {
  const n = name ?? "honest";
  if (!(BEHAVIOURS as readonly string[]).includes(n)) {
    throw new AgentError("BadArgument", `--behaviour must be one of ${BEHAVIOURS.join(", ")}, got "${n}"`);
  }
  return n as BehaviourName;
}

function madeUp(count: number): Float32Array {
  const bytes = randomBytes(count * 2);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (((bytes[2 * i] << 8) | bytes[2 * i + 1]) % 512 - 256) / 4;
  return out;
}

/**
 * `forgeFraction` F in (0, 1]: `forge-rows` replaces every k-th row, k = floor(1/F) (rounded
 * down, so at least the asked share), starting with row 0.
 */
export function makeBehaviour(name: BehaviourName, forgeFraction = 0.5, grindOpenings = 4): Behaviour {
  if (!(forgeFraction > 0 && forgeFraction <= 1)) {
    throw new AgentError("BadArgument", `--forge-fraction must be in (0, 1], got ${forgeFraction}`);
  }
  switch (name) {
    case "honest":
    case "overclaim":
      return { name, answers: true, forges: () => false, madeUpValues: madeUp };
    case "skip":
      return { name, answers: false, forges: () => false, madeUpValues: madeUp };
    case "lazy-commit":
    case "intermittent":
    case "replay":
      return { name, answers: true, forges: () => false, madeUpValues: madeUp };
    case "forge-rows":
    case "grind-forge": {
      const every = Math.max(1, Math.floor(1 / forgeFraction));
      if (name === "grind-forge" && !(Number.isInteger(grindOpenings) && grindOpenings >= 1 && grindOpenings <= 256)) {
        throw new AgentError("BadArgument", `--grind-openings must be an integer in 1..256, got ${grindOpenings}`);
      }
      return { name, answers: true, forges: (row) => row % every === 0, madeUpValues: madeUp, ...(name === "grind-forge" ? { grindOpenings } : {}) };
    }
  }
}
