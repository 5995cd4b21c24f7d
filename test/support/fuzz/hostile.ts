/**
 * Hostile fragments the fuzzers combine (fast-check arbitraries): JSON number texts no parser
 * should turn into a usable value, deep nesting, text that is not JSON, bad percent-encodings,
 * overlong path segments, and header values with bytes a header should not carry.
 */
import fc from "fast-check";

/** JSON texts of numbers at the edges: non-finite once parsed, -0, beyond 2^53, denormal. */
export const EDGE_NUMBERS = [
  "1e999",
  "-1e999",
  "-0",
  "123456789012345678901234567890",
  "-123456789012345678901234567890",
  "9007199254740993",
  "1e308",
  "4.9e-324",
  "0.5",
  "-1",
  "1e21",
];
export const edgeNumberText = fc.constantFrom(...EDGE_NUMBERS);

/** Texts that look like numbers to a person but are not JSON. */
export const notJsonNumberText = fc.constantFrom("NaN", "Infinity", "-Infinity", "0x10", "1_000", "01", "+1", ".5", "1.", "1e");

/** Nesting `depth` levels deep, arrays or objects. */
export function deepText(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

export const deepArb = fc
  .record({ depth: fc.constantFrom(64, 1_000, 10_000), kind: fc.constantFrom("array" as const, "object" as const) })
  .map(({ depth, kind }) => deepText(depth, kind));

/** JSON values of the wrong type for most fields, or strings that only look like numbers or hex. */
export const ODD_VALUES = ["null", "true", "[]", "{}", '""', '"NaN"', '"Infinity"', '"1e999"', '"-0"', '"\\u0000"', '"0x"', '"0xzz"', `"${"f".repeat(300)}"`, '[1,2,3]', '{"a":1}'];

/** An array of `n` zeros. */
export const hugeArray = (n: number) => `[${"0,".repeat(n - 1)}0]`;

/** Every hostile value text, for the exhaustive passes: edge numbers, odd values, deep nesting, a huge array. */
export const HOSTILE_VALUES = [...EDGE_NUMBERS, ...ODD_VALUES, deepText(100, "array"), deepText(10_000, "array"), deepText(10_000, "object"), hugeArray(10_000)];

/** A JSON value text that matches no field of any route: of the wrong type, or at an edge. */
export const hostileValueText = fc.oneof(
  { weight: 3, arbitrary: edgeNumberText },
  { weight: 1, arbitrary: deepArb },
  { weight: 1, arbitrary: fc.constantFrom(257, 10_000).map(hugeArray) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_VALUES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)) },
);

/** Bytes that are not JSON (or not UTF-8), as a body. */
export const notJsonBytes = fc.oneof(
  notJsonNumberText.map((s) => Buffer.from(s)),
  fc.constantFrom("{", '{"a":', "{'a':1}", '{"a":1,}', "[1,]", "/* c */{}", "\uFEFF{}", '{"a":1}}', '{"a"}', "undefined", "\u0000").map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b)])),
);

/** Percent-encodings that decode to nothing valid (or do not decode at all). */
export const badPercent = fc.constantFrom("%", "%Z", "%ZZ", "%G0", "%C0%AF", "%ED%A0%80", "%FF", "%E0%A4%A", "%00", "%2F", "%25", "%u0041");

/** A path segment that is too long for any route (the last ones beyond the header size limit). */
export const overlongSegment = fc.constantFrom(129, 1_000, 8_000, 20_000).map((n) => "a".repeat(n));

/** Header values a well-formed request never carries (latin1 bytes as sent). */
export const garbageHeaderValue = fc.oneof(
  fc.constantFrom("", " ", "\x00", "\x7f", "\xff\xfe", "\t", "0x", "0x" + "g".repeat(64), "0x" + "0".repeat(63), "-1", "1e3", "0x10", "x".repeat(9_000), "\r\nx-injected: 1", "\n", "\u00e9"),
  fc.string({ maxLength: 80, unit: "binary-ascii" }),
);
