/**
 * The red team's solver: the agent's honest solver (agent/solver.ts), driven through its
 * `Solver` interface and result hooks to act out a behaviour (behaviours.ts). `honest` and
 * `overclaim` answer exactly as the honest agent does (the overclaim is in the registration);
 * `forge-rows` and `grind-forge` forge results before committing (forge.ts, grind.ts); `skip`
 * answers nothing; `lazy-commit` commits and never opens; `intermittent` answers even rounds
 * only; `replay` commits to its previous challenge's result.
 */
import { makeSolver } from "../agent/solver";
import { AgentError } from "../agent/errors";
import type { Solved, Solver, SolverOptions } from "../agent/solver-types";
import type { Behaviour } from "./behaviours";
import { forgingHooks } from "./forge";

export function makeCheatingSolver(behaviour: Behaviour, opts: SolverOptions = {}): Solver {
  const honest = makeSolver(opts, forgingHooks(behaviour));
  let previous: Solved | undefined;
  return {
    name: behaviour.name,
    solve: async (ch) => {
      if (!behaviour.answers) return undefined;
      switch (behaviour.name) {
        case "intermittent":
          return ch.round % 2 === 0 ? honest.solve(ch) : undefined;
        case "lazy-commit": {
          const s = await honest.solve(ch);
          return s && { ...s, open: () => { throw new AgentError("BadArgument", `lazy-commit: challenge ${ch.challengeId} committed, never opened`); } };
        }
        case "replay": {
          if (previous) return { ...previous, ms: 0 };
          previous = await honest.solve(ch);
          return previous;
        }
        default:
          return honest.solve(ch);
      }
    },
  };
}
