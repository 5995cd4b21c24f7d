/**
 * What each simulated operator does. A behaviour fixes what hardware the operator holds, what
 * it claims, how it answers a challenge, and what it gains on the side (GPU time it frees and
 * rents out elsewhere). The runner turns these answers into the challenge results the engine's
 * judge sees.
 */
import { HONEST_CLAIM_SHARE } from "../engine/judge";
import type { NetworkProfile } from "./timing";

export const BEHAVIOURS = [
  "honest",
  "flaky",
  "outsourcer",
  "spoofer-15",
  "spoofer-50",
  "spoofer-4x",
  "forger-1",
  "forger-10",
  "forger-100",
  "substitute",
  "replayer",
  "sybil",
  "sybil-split-2",
  "sybil-serial-2",
  "sybil-serial-3",
  "intermittent",
  "window-renter",
] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];

export interface BehaviourSpec {
  name: BehaviourName;
  /** True when the protocol must catch it; false for operators it must never slash. */
  cheating: boolean;
  /**
   * False for a cheat no judge can tell from an honest node per identity (each identity delivers
   * what it is paid for): the protocol's target is then that it earns no more than honesty, not
   * that it is caught. True for every other cheat.
   */
  mustBeCaught: boolean;
  description: string;
  network: NetworkProfile;
  /**
   * Claimed throughput / throughput measured by `agent bench` on the hardware doing the work:
   * HONEST_CLAIM_SHARE (0.85, what the agent registers) for every behaviour that does not lie
   * about its hardware; a spoofer claims more than it has (1.15 = 15 % more).
   */
  claimFactor: number;
  /** Share of each gemm answer's rows that are made up (the rest is computed on held hardware). */
  forgedFraction: number;
  /** Replays an earlier answer to another seed whenever it has one of the same size. */
  replays: boolean;
  /** Runs a cheaper model for infer challenges. */
  substitutesModel: boolean;
  /** Forwards every challenge to a rented GPU of the claimed class elsewhere. */
  outsources: boolean;
  /** Number of registered identities sharing one GPU (1 = not a sybil). */
  identities: number;
  /**
   * How a sybil's identities share the GPU: "concurrent" runs every challenge at once (processor
   * sharing); "serial" runs them in turn, in the order they arrive, each at the GPU's full speed.
   */
  sharing: "concurrent" | "serial";
  /**
   * A sybil's identities each claim 1/identities of what the bench measures (they benched the GPU
   * at once, so each saw its share); otherwise each claims the whole (benched in turn).
   */
  splitsClaim: boolean;
  /** Rents its GPU out between the challenges it expects, and fakes answers when surprised. */
  intermittent: boolean;
  /**
   * Share of each epoch after which it rents its GPU out, trusting a published issue window that
   * ends there (the oracle's former default ended at 60 %; it now issues across the whole epoch),
   * and fakes any answer due then; null when it does not.
   */
  rentsAfter: number | null;
}

const BASE: Omit<BehaviourSpec, "name" | "cheating" | "description"> = {
  mustBeCaught: true,
  network: "healthy",
  claimFactor: HONEST_CLAIM_SHARE,
  forgedFraction: 0,
  replays: false,
  substitutesModel: false,
  outsources: false,
  identities: 1,
  sharing: "concurrent",
  splitsClaim: false,
  intermittent: false,
  rentsAfter: null,
};

/** Identities per GPU of a sybil operator. */
export const SYBIL_IDENTITIES = 2;
/** Compute time of a substituted (smaller or lower-precision) model relative to the real one. */
export const SUBSTITUTE_SPEEDUP = 4;
/** Extra round trip of forwarding a challenge to a rented GPU elsewhere, ms (uniform range). */
export const OUTSOURCE_HOP_MIN_MS = 30;
export const OUTSOURCE_HOP_MAX_MS = 150;
/**
 * An intermittent operator assumes that after a challenge no other comes for this share of the
 * mean gap between challenges, and rents its GPU out meanwhile.
 */
export const INTERMITTENT_AWAY_SHARE = 0.8;
/**
 * Where a window renter believes the issue window ends: 60 % of the epoch, the oracle's former
 * default issueWindowBps (6000). The oracle now issues across the whole epoch (issueWindowBps
 * 10000), so the renter's faked answers in the last 40 % meet challenges; the behaviour stays to
 * show what a public quiet tail would cost.
 */
export const WINDOW_RENTER_FROM = 0.6;

export const SPECS: Record<BehaviourName, BehaviourSpec> = {
  honest: { ...BASE, name: "honest", cheating: false, description: "claims its real GPU and computes every answer" },
  flaky: {
    ...BASE,
    name: "flaky",
    cheating: false,
    network: "flaky",
    description: "honest, on a network with 5-15 % packet loss and 0.5-8 s latency spikes",
  },
  outsourcer: {
    ...BASE,
    name: "outsourcer",
    cheating: false,
    outsources: true,
    description: "holds no GPU; forwards each challenge to a rented GPU of the claimed class elsewhere (allowed outside a lease)",
  },
  "spoofer-15": { ...BASE, name: "spoofer-15", cheating: true, claimFactor: 1.15, description: "claims 15 % more throughput than it has" },
  "spoofer-50": { ...BASE, name: "spoofer-50", cheating: true, claimFactor: 1.5, description: "claims 50 % more throughput than it has" },
  "spoofer-4x": { ...BASE, name: "spoofer-4x", cheating: true, claimFactor: 4, description: "claims 4x the throughput it has" },
  "forger-1": { ...BASE, name: "forger-1", cheating: true, forgedFraction: 0.01, description: "holds 99 % of its claim, makes up 1 % of each answer's rows" },
  "forger-10": { ...BASE, name: "forger-10", cheating: true, forgedFraction: 0.1, description: "holds 90 % of its claim, makes up 10 % of each answer's rows" },
  "forger-100": { ...BASE, name: "forger-100", cheating: true, forgedFraction: 1, description: "holds no GPU, makes up every row" },
  substitute: {
    ...BASE,
    name: "substitute",
    cheating: true,
    substitutesModel: true,
    description: "answers infer challenges with a cheaper model or lower precision",
  },
  replayer: {
    ...BASE,
    name: "replayer",
    cheating: true,
    replays: true,
    description: "computes its first answer of each kind, then replays it (a valid tree for another seed) and rents its GPU out",
  },
  sybil: {
    ...BASE,
    name: "sybil",
    cheating: true,
    identities: SYBIL_IDENTITIES,
    description: `one GPU registered as ${SYBIL_IDENTITIES} nodes; concurrent challenges share its throughput`,
  },
  "sybil-split-2": {
    ...BASE,
    name: "sybil-split-2",
    // Each identity claims, and delivers, half of the GPU: nothing to catch or slash. Weighted by
    // capacity, the uptime pool pays the pair what it pays one node of the whole GPU; a flat share
    // per identity paid it twice.
    cheating: false,
    identities: 2,
    splitsClaim: true,
    description: "one GPU registered as 2 nodes claiming half of it each, answering concurrently (true claims; a flat uptime share per identity paid it twice)",
  },
  "sybil-serial-2": {
    ...BASE,
    name: "sybil-serial-2",
    cheating: true,
    // Its identities go first in turn (the order pushes arrive in): each is on time half the
    // time, like an honest node throttled half the epoch, and unpaid for the other half.
    mustBeCaught: false,
    identities: 2,
    sharing: "serial",
    description: "one GPU registered as 2 nodes, each claiming all of it; it computes their challenges in turn, so each computes alone",
  },
  "sybil-serial-3": {
    ...BASE,
    name: "sybil-serial-3",
    cheating: true,
    identities: 3,
    sharing: "serial",
    description: "one GPU registered as 3 nodes, each claiming all of it; it computes their challenges in turn, so each computes alone",
  },
  intermittent: {
    ...BASE,
    name: "intermittent",
    cheating: true,
    intermittent: true,
    description: "rents its GPU out when it guesses no challenge is coming, fakes the answer when surprised",
  },
  "window-renter": {
    ...BASE,
    name: "window-renter",
    cheating: true,
    rentsAfter: WINDOW_RENTER_FROM,
    description: "rents its GPU out for the last 40 % of every epoch, after the oracle's former 60 % issue window",
  },
};

/** The fleet mix of the detection benchmark (shares of node identities; sums to 1). */
export const DEFAULT_MIX: Record<BehaviourName, number> = {
  honest: 0.62,
  flaky: 0.05,
  outsourcer: 0.02,
  "spoofer-15": 0.02,
  "spoofer-50": 0.02,
  "spoofer-4x": 0.02,
  "forger-1": 0.02,
  "forger-10": 0.02,
  "forger-100": 0.02,
  substitute: 0.02,
  replayer: 0.02,
  sybil: 0.04,
  "sybil-split-2": 0.02,
  "sybil-serial-2": 0.02,
  "sybil-serial-3": 0.02,
  intermittent: 0.03,
  "window-renter": 0.02,
};
