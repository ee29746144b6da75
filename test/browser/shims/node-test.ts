// A browser stand-in for node:test, enough for the shared suites (describe/it with { skip }, it.skip):
// bundled in place of node:test for the pages of test/browser, where `runRegistered` runs what the
// imported suites registered and returns one record per test.

type Fn = () => void | Promise<void>;
interface Options {
  skip?: string | boolean;
}
interface Entry {
  name: string;
  fn: Fn;
  skip: boolean;
}
export interface BrowserTestResult {
  name: string;
  status: "pass" | "fail" | "skip";
  ms: number;
  error?: string;
}

const entries: Entry[] = [];
const path: string[] = [];
let skipDepth = 0;

function args(a: Options | Fn, b?: Fn): [Options, Fn] {
  return typeof a === "function" ? [{}, a] : [a, b!];
}

export function describe(name: string, a: Options | Fn, b?: Fn): void {
  const [o, fn] = args(a, b);
  path.push(name);
  if (o.skip) skipDepth++;
  try {
    fn();
  } finally {
    if (o.skip) skipDepth--;
    path.pop();
  }
}

export function it(name: string, a: Options | Fn, b?: Fn): void {
  const [o, fn] = args(a, b);
  entries.push({ name: [...path, name].join(" > "), fn, skip: skipDepth > 0 || Boolean(o.skip) });
}
it.skip = (name: string, a: Options | Fn, b?: Fn): void => {
  const [, fn] = args(a, b);
  it(name, { skip: true }, fn);
};

/** Runs every registered test in order (those `include` rejects are reported as skipped). */
export async function runRegistered(
  include: (name: string) => boolean = () => true,
): Promise<BrowserTestResult[]> {
  const out: BrowserTestResult[] = [];
  for (const e of entries) {
    if (e.skip || !include(e.name)) {
      out.push({ name: e.name, status: "skip", ms: 0 });
      continue;
    }
    const t0 = performance.now();
    try {
      await e.fn();
      out.push({ name: e.name, status: "pass", ms: performance.now() - t0 });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      out.push({ name: e.name, status: "fail", ms: performance.now() - t0, error });
    }
  }
  return out;
}
