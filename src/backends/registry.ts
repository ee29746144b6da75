// Backend choice and kernel dispatch. `cpu` is always available and complete; `native` (the OpenBLAS
// addon) and `wasm` (WebAssembly SIMD128) provide float32 kernels and everything they lack falls back to
// cpu. The choice is automatic (native when it loads, else wasm, else cpu; a fallback is said once on
// stderr), overridden by WARP_BACKEND=cpu|wasm|native or by `setBackend`.
// Not here: the kernels themselves, and no printing except the single fallback notice.

import { assert } from "../util/assert.js";
import { cpuKernels } from "./cpu/index.js";
import type { Kernels } from "./kernels.js";
import { loadNative } from "./native/index.js";
import { loadWasm } from "./wasm/index.js";

export type BackendName = "cpu" | "wasm" | "native";
const BACKEND_NAMES: readonly BackendName[] = ["cpu", "wasm", "native"];

interface ActiveBackend {
  name: BackendName;
  /** Kernels for float32 work: the backend's own, completed by cpu's. */
  float32: Kernels;
  /** Human-readable description (library version, threads) or why a fallback happened. */
  info: string;
}

/** How to get the native backend, for the fallback notice (and the README's Backends section). */
export const NATIVE_FIX =
  "To fix: install a C++ compiler (Debian/Ubuntu: apt-get install -y g++), then run `npm run build:native` in the warp-ts folder (as a dependency: node_modules/warp-ts, whose build step npm 11 skips unless allowed)";

let active: ActiveBackend | null = null;
let nativeCache: ReturnType<typeof loadNative> | null = null;
let noticeGiven = false;

function env(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}

function native(): ReturnType<typeof loadNative> {
  nativeCache ??= loadNative();
  return nativeCache;
}

function isNodeLike(): boolean {
  return (
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string"
  );
}

function make(name: BackendName): ActiveBackend {
  if (name === "cpu") return { name, float32: cpuKernels, info: "plain TypeScript" };
  if (name === "wasm") {
    const w = loadWasm();
    assert(w.ok, () => `backend "wasm" is not available: ${w.ok ? "" : w.reason}`);
    return { name, float32: { ...cpuKernels, ...(w.ok ? w.kernels : {}) }, info: w.ok ? w.info : "" };
  }
  const n = native();
  assert(n.ok, () => `backend "native" is not available: ${n.ok ? "" : n.reason}`);
  return { name, float32: { ...cpuKernels, ...(n.ok ? n.kernels : {}) }, info: n.ok ? n.info : "" };
}

function resolve(): ActiveBackend {
  if (active) return active;
  const requested = env("WARP_BACKEND");
  if (requested !== undefined && requested !== "") {
    assert(
      (BACKEND_NAMES as readonly string[]).includes(requested),
      () => `WARP_BACKEND must be "cpu", "wasm" or "native", got "${requested}"`,
    );
    active = make(requested as BackendName);
    return active;
  }
  if (!isNodeLike()) {
    active = make(loadWasm().ok ? "wasm" : "cpu");
    return active;
  }
  const n = native();
  if (n.ok) {
    active = make("native");
    return active;
  }
  const w = loadWasm();
  active = make(w.ok ? "wasm" : "cpu");
  const why = `the native addon is unavailable: ${n.reason}`;
  if (w.ok) active.info = `${active.info} (native backend unavailable: ${n.reason})`;
  else active.info = `plain TypeScript (native backend unavailable: ${n.reason}; wasm: ${w.reason})`;
  if (!noticeGiven && env("WARP_QUIET") !== "1") {
    noticeGiven = true;
    const cost = w.ok
      ? "WebAssembly SIMD, slower than native"
      : "plain TypeScript, about 40x slower than native";
    console.warn(
      `warp-ts: using the ${active.name} backend (${cost}) because ${why}${w.ok ? "" : ` (wasm: ${w.reason})`}. ${NATIVE_FIX}`,
    );
  }
  return active;
}

/** Selects the backend for all following ops; throws if `native` or `wasm` cannot be loaded. */
export function setBackend(name: BackendName): void {
  assert(BACKEND_NAMES.includes(name), () => `setBackend: unknown backend "${String(name)}"`);
  active = make(name);
}

/** The active backend's name. */
export function getBackend(): BackendName {
  return resolve().name;
}

/** A description of the active backend (e.g. the BLAS it calls, or why it fell back to cpu). */
export function backendInfo(): string {
  return resolve().info;
}

/** The backends that can run here, cpu first. */
export function availableBackends(): BackendName[] {
  const out: BackendName[] = ["cpu"];
  if (loadWasm().ok) out.push("wasm");
  if (isNodeLike() && native().ok) out.push("native");
  return out;
}

/** Why the wasm backend cannot load here, or null when it can. */
export function wasmUnavailableReason(): string | null {
  const w = loadWasm();
  return w.ok ? null : w.reason;
}

/** Why the native backend cannot load here, or null when it can. */
export function nativeUnavailableReason(): string | null {
  if (!isNodeLike()) return "not running under Node.js";
  const n = native();
  return n.ok ? null : n.reason;
}

/** Kernels to run an op whose float arrays all have the given dtype (float64 always runs on cpu). */
export function kernelsFor(dtype: string): Kernels {
  return dtype === "float32" ? resolve().float32 : cpuKernels;
}

/** Runs `fn` with `name` as the active backend, restoring the previous choice afterwards. */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const prev = active;
  active = make(name);
  try {
    return fn();
  } finally {
    active = prev;
  }
}
