// A browser stand-in for node:assert/strict covering what the shared suites call (equal, notEqual,
// deepEqual, ok, fail, match, throws, rejects), with strict semantics: Object.is for primitives, deep
// equality over arrays, typed arrays and plain objects.

class AssertionError extends Error {
  override name = "AssertionError";
}

function deepEq(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a) || Array.isArray(a)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEq(x[i], y[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function fail(message?: string | Error): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? "Failed");
}

type Matcher = RegExp | (new (...a: never[]) => unknown) | ((e: unknown) => boolean) | object;

function check(err: unknown, m: Matcher | undefined, message?: string): void {
  if (m === undefined) return;
  const text = err instanceof Error ? err.message : String(err);
  if (m instanceof RegExp) {
    if (!m.test(text)) fail(message ?? `error "${text}" does not match ${m}`);
  } else if (typeof m === "function") {
    if (m.prototype !== undefined && err instanceof (m as new () => unknown)) return;
    if (m === Error || m.prototype instanceof Error) fail(message ?? `error "${text}" is not a ${m.name}`);
    if ((m as (e: unknown) => boolean)(err) !== true) fail(message ?? `error "${text}" failed validation`);
  } else {
    for (const [k, v] of Object.entries(m)) {
      const got = (err as Record<string, unknown>)[k];
      if (v instanceof RegExp ? !v.test(String(got)) : !deepEq(got, v))
        fail(message ?? `error.${k} is ${got}`);
    }
  }
}

const assert = {
  equal(a: unknown, b: unknown, message?: string): void {
    if (!Object.is(a, b)) fail(message ?? `${String(a)} !== ${String(b)}`);
  },
  notEqual(a: unknown, b: unknown, message?: string): void {
    if (Object.is(a, b)) fail(message ?? `${String(a)} === ${String(b)}`);
  },
  deepEqual(a: unknown, b: unknown, message?: string): void {
    if (!deepEq(a, b)) fail(message ?? `not deep-equal: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  },
  ok(v: unknown, message?: string): void {
    if (!v) fail(message ?? `${String(v)} is not truthy`);
  },
  fail,
  match(s: string, re: RegExp, message?: string): void {
    if (!re.test(s)) fail(message ?? `"${s}" does not match ${re}`);
  },
  throws(fn: () => unknown, m?: Matcher | string, message?: string): void {
    try {
      fn();
    } catch (e) {
      check(e, typeof m === "string" ? undefined : m, typeof m === "string" ? m : message);
      return;
    }
    fail(typeof m === "string" ? m : (message ?? "Missing expected exception."));
  },
  async rejects(
    p: Promise<unknown> | (() => Promise<unknown>),
    m?: Matcher,
    message?: string,
  ): Promise<void> {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      check(e, m, message);
      return;
    }
    fail(message ?? "Missing expected rejection.");
  },
};

export default assert;
