// The one validator of configuration values (run configurations, model configurations, checkpoint configs):
// rules for the kinds of value a key can hold, and `KeyPaths`, which checks the keys of one mapping and names
// each by its full path in the run configuration (`model.root_depth = -1 is invalid: expected a non-negative
// integer`). Unknown keys suggest the nearest valid one.
// Not here: which keys exist and their defaults (run-schema.ts, warp/config.ts), YAML parsing.

import { WarpError } from "../util/assert.js";

export type Raw = Record<string, unknown>;

/** A value as the user wrote it (JSON-like; non-finite numbers keep their names, dates are YYYY-MM-DD). */
export function show(v: unknown): string {
  if (v === undefined) return "(nothing)";
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (isMapping(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${show(x)}`)
      .join(", ")}}`;
  return JSON.stringify(v) ?? String(v);
}

export function isMapping(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
export const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
export const isInt = (v: unknown): v is number => Number.isInteger(v);

/** The error for a value at `path`: `<path> = <value> is invalid: expected <expected>`. */
export function invalid(path: string, value: unknown, expected: string): never {
  throw new WarpError(`${path} = ${show(value)} is invalid: expected ${expected}`);
}

/** An unknown key at `path`, with the nearest valid path when there is one. */
export function unknownKey(path: string, hint: string | null): WarpError {
  return new WarpError(`unknown key "${path}"${hint ? ` (did you mean "${hint}"?)` : ""}`);
}

/** A kind of value: a test and what it says it expects (`T` is the type of the values that pass). */
export interface Rule<T> {
  test: (v: unknown) => boolean;
  expected: string;
  /** Phantom: the type of the values that pass. */
  readonly _type?: T;
}

/** A rule from its test and what it expects. */
export const rule = <T>(test: (v: unknown) => boolean, expected: string): Rule<T> => ({ test, expected });

export const POSITIVE_INT = rule<number>((v) => isInt(v) && v > 0, "a positive integer");
export const NON_NEGATIVE_INT = rule<number>((v) => isInt(v) && v >= 0, "a non-negative integer");
export const POSITIVE = rule<number>((v) => isNum(v) && v > 0, "a positive number");
export const NON_NEGATIVE = rule<number>((v) => isNum(v) && v >= 0, "a non-negative number");
export const BOOLEAN = rule<boolean>((v) => typeof v === "boolean", "true or false");
export const NON_EMPTY_STRING = rule<string>(
  (v) => typeof v === "string" && v.length > 0,
  "a non-empty string",
);
export const INTEGER = rule<number>((v) => Number.isSafeInteger(v), "an integer");

/** A number in [lo, hi], or in (lo, hi) / (lo, hi] / [lo, hi) with the open ends given. */
export function inRange(
  lo: number,
  hi: number,
  open: "" | "lo" | "hi" | "both",
  what = "a number",
): Rule<number> {
  const loOpen = open === "lo" || open === "both";
  const hiOpen = open === "hi" || open === "both";
  return rule(
    (v) => isNum(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi),
    `${what} in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`,
  );
}

/** One of the strings `allowed`. */
export function oneOf<T extends string>(allowed: readonly T[]): Rule<T> {
  return rule(
    (v) => typeof v === "string" && (allowed as readonly string[]).includes(v),
    `one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
  );
}

/** Checks of the values of one mapping, each error naming the key's full path (`pathOf(key)`). */
export class KeyPaths {
  constructor(readonly pathOf: (key: string) => string) {}

  /** Keys under a section: `section.key`. */
  static under(section: string): KeyPaths {
    return new KeyPaths((k) => `${section}.${k}`);
  }

  /** Throws the error for `value` at `key`. */
  fail(key: string, value: unknown, expected: string): never {
    return invalid(this.pathOf(key), value, expected);
  }

  /** `v` when it follows `r`, else the error naming the key, the value and what `r` expects. */
  check<T>(key: string, v: unknown, r: Rule<T>): T {
    return r.test(v) ? (v as T) : this.fail(key, v, r.expected);
  }

  /** null, or `v` when it follows `r`. */
  nullable<T>(key: string, v: unknown, r: Rule<T>): T | null {
    if (v === null) return null;
    return r.test(v) ? (v as T) : this.fail(key, v, `${r.expected} or null`);
  }

  /** The error for an unknown key, suggesting the nearest of `known` (keys of this mapping). */
  unknown(key: string, known: readonly string[]): WarpError {
    const near = nearest(key, known);
    return unknownKey(this.pathOf(key), near === null ? null : this.pathOf(near));
  }
}

/** The valid key closest to `key` by edit distance (null when nothing is close). */
export function nearest(key: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
