/**
 * The red team's solver: the agent's honest solver (agent/solver.ts), driven through its
 * `Solver` interface and result hooks to act out a behaviour (behaviours.ts). `honest` and
 * `overclaim` answer exactly as the honest agent does (the overclaim is in the registration);
 * `forge-rows` forges results before committing (forge.ts); `skip` answers nothing.
 */
import { makeSolver } from "../agent/solver";
import type { Solver, SolverOptions } from "../agent/solver-types";
import type { Behaviour } from "./behaviours";
import { forgingHooks } from "./forge";

export function makeCheatingSolver(behaviour: Behaviour, opts: SolverOptions = {}): Solver {
  const honest = makeSolver(opts, forgingHooks(behaviour));
  return {
    name: behaviour.name,
    solve: async (ch) => (behaviour.answers ? honest.solve(ch) : undefined),
  };
}
