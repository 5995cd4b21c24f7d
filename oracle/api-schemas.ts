/**
 * The request bodies of the oracle's HTTP API (docs/interfaces.md) and how a body becomes one:
 * JSON text, then a numbers check, then the route's zod schema. A body that fails is OR101 (not
 * JSON) or OR102 naming the first field that does not fit.
 *
 * Numbers: JSON.parse reads `1e999` as Infinity and `9007199254740993` as a different integer,
 * and nothing in this API needs either (bigints travel as decimal strings). Every number anywhere
 * in a body, the fields a schema passes through unchecked included, must therefore be finite and
 * at most `Number.MAX_SAFE_INTEGER` in magnitude; the declared integer fields are also `.safe()`.
 */
import { z } from "zod";
import { MAX_EVIDENCE_BYTES, MAX_EVIDENCE_CHALLENGES } from "../protocol/evidence";
import { httpError } from "./errors";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "./json-depth";
import { signedProcessReportWire } from "../protocol/process-report";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/);
const count = z.number().int().min(0).safe();
/** Most openings / processes one request may carry. */
export const MAX_LIST = 256;
/** Longest Merkle proof accepted in an opening. */
export const MAX_PROOF = 32;

export const NUMBER_RANGE_MESSAGE = `number must be finite and at most ${Number.MAX_SAFE_INTEGER} in magnitude`;

/**
 * Adds an issue at the path of the first number in `value` that is not finite or beyond the safe
 * integers. Iterative, so a deeply nested body cannot overflow the stack.
 */
function checkNumbers(value: unknown, ctx: z.RefinementCtx): void {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === "number") {
      if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: NUMBER_RANGE_MESSAGE, path, fatal: true });
        return;
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
    } else if (v !== null && typeof v === "object") {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ v: entries[i][1], path: [...path, entries[i][0]] });
    }
  }
}

/** A request body (or a session frame's message): the numbers check, then `schema`. */
export const checkedBody = <T extends z.ZodTypeAny>(schema: T) => z.unknown().superRefine(checkNumbers).pipe(schema);
const body = checkedBody;

/** The agent bodies' object schemas, before the numbers check (session frames extend them). */
export const agentBodies = {
  commit: z.object({ root: hex32 }).strict(),
  open: z
    .object({
      openings: z
        .array(
          z
            .object({ index: count, data: hexBytes.optional(), proof: z.array(hex32).max(MAX_PROOF) })
            // Kind-specific fields (gemm row/group, infer fingerprint) are checked by the verifier.
            .passthrough(),
        )
        .min(1)
        .max(MAX_LIST),
      /** The node key's ChallengeAnswer signature over spec, root and openings (protocol/answer-signature.ts), 65 bytes. */
      signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
    })
    .passthrough(),
  /** A signed process report (protocol/process-report.ts); its own bounds are checked by oracle/processes.ts. */
  processes: signedProcessReportWire,
};

export const schemas = {
  next: body(z.object({}).strict()),
  commit: body(agentBodies.commit),
  open: body(agentBodies.open),
  processes: body(agentBodies.processes),
  committeeSign: body(
    z
      .object({
        epoch: z.string().regex(/^[0-9]{1,20}$/),
        inputs: z.record(z.unknown()),
        report: z.record(z.string()),
        slashes: z.array(z.record(z.unknown())).max(MAX_LIST),
        /** The proposer's revealed keys of the epoch, which its fraud evidence is checked against. */
        keys: z.object({ entropy: hex32, openingKey: hex32, dueTimeKey: hex32 }).strict(),
        /** Per fraud slash, its evidence documents (protocol/evidence.ts), each as exact bytes. */
        evidence: z
          .array(z.object({ hash: hex32, challenges: z.array(z.string().max(MAX_EVIDENCE_BYTES)).min(1).max(MAX_EVIDENCE_CHALLENGES) }).strict())
          .max(MAX_LIST),
      })
      .strict(),
  ),
};

/** Parses a raw body (empty means `{}`) against a route's schema: OR101 or OR102 naming the field. */
export function parseBody<T extends z.ZodTypeAny>(raw: Buffer, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
  } catch {
    throw httpError.badJson();
  }
  if (nestedDeeperThan(json)) throw httpError.schema(`body nests deeper than ${MAX_JSON_DEPTH} levels`);
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw httpError.schema(`${i.path.join(".") || "body"}: ${i.message}`);
  }
  return r.data;
}
