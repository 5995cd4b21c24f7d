/**
 * A bound on how deep a request body or a session message may nest arrays and objects. JSON.parse
 * reads any depth, but every recursive walk after it (JSON.stringify when an answer is stored,
 * the log) overflows the stack on a few thousand levels, which a 20 kB body holds: such input is
 * refused (OR102) right after parsing, before anything walks it.
 */

/** Deepest nesting accepted; the oracle's own messages nest a handful of levels. */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests arrays or objects more than `max` levels deep (iterative, any depth). */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
