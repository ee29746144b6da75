// Loader and host side of the `wasm` backend: the AssemblyScript SIMD128 module (wasm/assembly/, embedded in
// module.ts by scripts/build-wasm.mjs) compiled once, and float32 kernels that copy their operands into the
// module's memory, run there, and copy the results back. Kernels the module lacks fall back to cpu in the
// registry (the diagonal scan included: diagonalScan/diagonalScanVjp, also one step for diagonalStep). Works wherever WebAssembly with SIMD does (Node, browsers, workers); on a browser's main thread,
// where synchronous compilation of a module this size is refused, call `await initWasm()` first.
// Not here: backend choice and the fallback notice (src/backends/registry.ts), the kernels' maths (wasm/).

import { WarpError } from "../../util/assert.js";
import { binaryCpu, coalesce } from "../cpu/elementwise.js";
import type { FloatArray, Kernels, RootMlpArgs } from "../kernels.js";
import { BINARY_OPS, ROOT_ACTIVATIONS } from "../kernels.js";
import { WASM_BASE64 } from "./module.js";

export type WasmLoad = { ok: true; kernels: Partial<Kernels>; info: string } | { ok: false; reason: string };

/** The module's exports (wasm/assembly/index.ts): pointers are byte offsets, booleans 0/1. */
interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  scratchEnd(): number;
  prepackedSize(K: number, N: number): number;
  binary(
    op: number,
    a: number,
    sa0: number,
    ia: number,
    b: number,
    sb0: number,
    ib: number,
    out: number,
    outer: number,
    inner: number,
  ): void;
  matmul(
    a: number,
    b: number,
    out: number,
    batch: number,
    M: number,
    N: number,
    K: number,
    transA: boolean,
    transB: boolean,
    strideA: number,
    strideB: number,
    accumulate: boolean,
  ): void;
  linearRecurrence(
    A: number,
    U: number,
    theta0: number,
    out: number,
    packed: number,
    N: number,
    T: number,
    P: number,
    clip: number,
  ): void;
  linearRecurrenceVjp(
    A: number,
    theta0: number,
    out: number,
    dOut: number,
    dA: number,
    dU: number,
    dTheta0: number,
    diff: number,
    packed: number,
    N: number,
    T: number,
    P: number,
    clip: number,
  ): void;
  scanWorkSize(T: number, P: number, chunk: number): number;
  diagonalScan(
    a: number,
    U: number,
    theta0: number,
    out: number,
    N: number,
    T: number,
    P: number,
    clip: number,
    chunk: number,
    work: number,
  ): void;
  diagonalScanVjp(
    a: number,
    theta0: number,
    out: number,
    dOut: number,
    da: number,
    dU: number,
    dTheta0: number,
    N: number,
    T: number,
    P: number,
    clip: number,
    chunk: number,
    work: number,
  ): void;
  rootMlp(
    theta: number,
    x: number,
    out: number,
    hidden: number,
    M: number,
    dims: number,
    L: number,
    act: number,
    work: number,
  ): void;
  rootMlpVjp(
    theta: number,
    x: number,
    hidden: number,
    dOut: number,
    dTheta: number,
    dX: number,
    M: number,
    dims: number,
    L: number,
    act: number,
    work: number,
  ): void;
}

/** The part of the WebAssembly JS API used here (not in the ES2022 lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  compile(bytes: Uint8Array): Promise<object>;
}

const PAGE = 65536;
/** Below this many elements an element-wise op stays on the cpu kernel (the copies would dominate). */
const ELEMENTWISE_MIN = 4096;

function api(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

function moduleBytes(): Uint8Array {
  const s = atob(WASM_BASE64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let compiled: object | null = null;

/**
 * Compiles the module asynchronously (needed once on a browser's main thread before the wasm backend can be
 * chosen; harmless elsewhere).
 */
export async function initWasm(): Promise<void> {
  const w = api();
  if (!w) throw new WarpError("WebAssembly is not available in this environment");
  compiled ??= await w.compile(moduleBytes());
}

/**
 * Each call's operands, laid out one after another from the end of the module's own scratch; memory grows
 * on demand and never shrinks. Pointers are byte offsets, 16-byte aligned.
 */
class Heap {
  private f32: Float32Array;
  private i32: Int32Array;
  private readonly base: number;

  constructor(private readonly ex: Exports) {
    this.base = (ex.scratchEnd() + 63) & ~63;
    this.f32 = new Float32Array(ex.memory.buffer);
    this.i32 = new Int32Array(ex.memory.buffer);
  }

  /** Byte pointers of consecutive regions of the given lengths (in 4-byte elements). */
  reserve(...lengths: number[]): number[] {
    const ptrs: number[] = [];
    let end = this.base;
    for (const n of lengths) {
      ptrs.push(end);
      end += (n * 4 + 15) & ~15;
    }
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.ex.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        throw new WarpError(
          `wasm backend: cannot grow memory to ${Math.ceil(end / 2 ** 20)} MB (the limit is 4096 MB); ` +
            "use a smaller batch or another backend",
        );
      }
    }
    if (this.f32.buffer !== this.ex.memory.buffer) {
      this.f32 = new Float32Array(this.ex.memory.buffer);
      this.i32 = new Int32Array(this.ex.memory.buffer);
    }
    return ptrs;
  }

  put(ptr: number, x: FloatArray): void {
    this.f32.set(x, ptr >> 2);
  }

  putInts(ptr: number, x: readonly number[]): void {
    for (let i = 0; i < x.length; i++) this.i32[(ptr >> 2) + i] = x[i]!;
  }

  get(ptr: number, out: FloatArray): void {
    out.set(this.f32.subarray(ptr >> 2, (ptr >> 2) + out.length));
  }
}

function need(x: FloatArray, n: number, what: string): void {
  if (!(x instanceof Float32Array)) throw new TypeError(`wasm backend: ${what} must be a Float32Array`);
  if (x.length < n) throw new RangeError(`wasm backend: ${what} has ${x.length} elements, needs ${n}`);
}

function actCode(a: RootMlpArgs): number {
  const code = ROOT_ACTIVATIONS.indexOf(a.act);
  if (code < 0) throw new TypeError(`wasm backend: unknown root activation "${String(a.act)}"`);
  return code;
}

/** P, H and the widest layer of a root MLP, with the dims checked. */
function rootSizes(dims: readonly number[]): { P: number; H: number; width: number } {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`wasm backend: root MLP dims must be ≥ 2 positive integers, got [${dims}]`);
  }
  let P = 0;
  let H = 0;
  for (let l = 0; l + 1 < dims.length; l++) P += dims[l + 1]! * (dims[l]! + 1);
  for (let l = 1; l + 1 < dims.length; l++) H += dims[l]!;
  return { P, H, width: Math.max(...dims) };
}

/** The chunk length the module runs: `chunk` when it selects the chunked scan (≥ 1 and < T), else 0. */
function scanChunk(chunk: number, T: number): number {
  if (!Number.isInteger(chunk) || chunk < 0) {
    throw new RangeError(`wasm backend: chunk must be a non-negative integer, got ${chunk}`);
  }
  return chunk >= 1 && chunk < T ? chunk : 0;
}

function kernelsOf(ex: Exports): Partial<Kernels> {
  const heap = new Heap(ex);
  return {
    binary(op, a, aStrides, b, bStrides, out, shape) {
      const total = shape.reduce((p, d) => p * d, 1);
      const dense = shape.map((_, d) => shape.slice(d + 1).reduce((p, n) => p * n, 1));
      const c = coalesce(shape, [aStrides, bStrides, dense]);
      const nd = c.shape.length;
      const [sa, sb] = c.strides as [number[], number[]];
      const [ia, ib] = [sa[nd - 1]!, sb[nd - 1]!];
      if (
        op === "pow" ||
        total < ELEMENTWISE_MIN ||
        nd > 2 ||
        ia > 1 ||
        ib > 1 ||
        !(a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array)
      ) {
        binaryCpu(op, a, aStrides, b, bStrides, out, shape);
        return;
      }
      const inner = c.shape[nd - 1]!;
      const outer = total / inner;
      const [pa, pb, po] = heap.reserve(a.length, b.length, total) as [number, number, number];
      heap.put(pa, a);
      heap.put(pb, b);
      ex.binary(
        BINARY_OPS.indexOf(op),
        pa,
        nd === 2 ? sa[0]! : 0,
        ia,
        pb,
        nd === 2 ? sb[0]! : 0,
        ib,
        po,
        outer,
        inner,
      );
      heap.get(po, out.subarray(0, total));
    },
    matmul(a, b, out, m) {
      const { batch, M, N, K } = m;
      need(a, batch > 0 ? (batch - 1) * m.strideA + M * K : 0, "a");
      need(b, batch > 0 ? (batch - 1) * m.strideB + K * N : 0, "b");
      need(out, batch * M * N, "out");
      const [pa, pb, po] = heap.reserve(a.length, b.length, batch * M * N) as [number, number, number];
      heap.put(pa, a);
      heap.put(pb, b);
      if (m.accumulate) heap.put(po, out.subarray(0, batch * M * N));
      ex.matmul(pa, pb, po, batch, M, N, K, m.transA, m.transB, m.strideA, m.strideB, m.accumulate);
      heap.get(po, out.subarray(0, batch * M * N));
    },
    linearRecurrence(A, U, theta0, out, { N, T, P, clip }) {
      const size = N * T * P;
      need(A, P * P, "A");
      need(U, size, "U");
      need(theta0, N * P, "theta0");
      need(out, size, "out");
      const [pA, pU, p0, po, pk] = heap.reserve(P * P, size, N * P, size, ex.prepackedSize(P, P)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      heap.put(pA, A.subarray(0, P * P));
      heap.put(pU, U.subarray(0, size));
      heap.put(p0, theta0.subarray(0, N * P));
      ex.linearRecurrence(pA, pU, p0, po, pk, N, T, P, clip);
      heap.get(po, out.subarray(0, size));
    },
    linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, dTheta0, { N, T, P, clip }) {
      const size = N * T * P;
      need(A, P * P, "A");
      need(theta0, N * P, "theta0");
      need(out, size, "out");
      need(dOut, size, "dOut");
      need(dA, P * P, "dA");
      need(dU, size, "dU");
      need(dTheta0, N * P, "dTheta0");
      const [pA, p0, po, pdo, pdA, pdU, pd0, pdiff, pk] = heap.reserve(
        P * P,
        N * P,
        size,
        size,
        P * P,
        size,
        N * P,
        N * P,
        ex.prepackedSize(P, P),
      ) as [number, number, number, number, number, number, number, number, number];
      heap.put(pA, A.subarray(0, P * P));
      heap.put(p0, theta0.subarray(0, N * P));
      heap.put(po, out.subarray(0, size));
      heap.put(pdo, dOut.subarray(0, size));
      ex.linearRecurrenceVjp(pA, p0, po, pdo, pdA, pdU, pd0, pdiff, pk, N, T, P, clip);
      heap.get(pdA, dA.subarray(0, P * P));
      heap.get(pdU, dU.subarray(0, size));
      heap.get(pd0, dTheta0.subarray(0, N * P));
    },
    diagonalScan(a, U, theta0, out, { N, T, P, clip, chunk }) {
      const size = N * T * P;
      need(a, P, "a");
      need(U, size, "U");
      need(theta0, N * P, "theta0");
      need(out, size, "out");
      const c = scanChunk(chunk, T);
      const [pa, pU, p0, po, pw] = heap.reserve(P, size, N * P, size, ex.scanWorkSize(T, P, c)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      heap.put(pa, a.subarray(0, P));
      heap.put(pU, U.subarray(0, size));
      heap.put(p0, theta0.subarray(0, N * P));
      ex.diagonalScan(pa, pU, p0, po, N, T, P, clip, c, pw);
      heap.get(po, out.subarray(0, size));
    },
    diagonalScanVjp(a, theta0, out, dOut, da, dU, dTheta0, { N, T, P, clip, chunk }) {
      const size = N * T * P;
      need(a, P, "a");
      need(theta0, N * P, "theta0");
      need(out, size, "out");
      need(dOut, size, "dOut");
      need(da, P, "da");
      need(dU, size, "dU");
      need(dTheta0, N * P, "dTheta0");
      const c = scanChunk(chunk, T);
      const [pa, p0, po, pdo, pda, pdU, pd0, pw] = heap.reserve(
        P,
        N * P,
        size,
        size,
        P,
        size,
        N * P,
        ex.scanWorkSize(T, P, c),
      ) as [number, number, number, number, number, number, number, number];
      heap.put(pa, a.subarray(0, P));
      heap.put(p0, theta0.subarray(0, N * P));
      heap.put(po, out.subarray(0, size));
      heap.put(pdo, dOut.subarray(0, size));
      ex.diagonalScanVjp(pa, p0, po, pdo, pda, pdU, pd0, N, T, P, clip, c, pw);
      heap.get(pda, da.subarray(0, P));
      heap.get(pdU, dU.subarray(0, size));
      heap.get(pd0, dTheta0.subarray(0, N * P));
    },
    rootMlp(theta, x, out, hidden, a) {
      const { M, dims } = a;
      const { P, H, width } = rootSizes(dims);
      const L = dims.length - 1;
      const act = actCode(a);
      need(theta, M * P, "theta");
      need(x, M * dims[0]!, "x");
      need(out, M * dims[L]!, "out");
      if (hidden) need(hidden, M * H, "hidden");
      const [pt, px, po, ph, pdims, pw] = heap.reserve(
        M * P,
        M * dims[0]!,
        M * dims[L]!,
        hidden ? M * H : 0,
        dims.length,
        2 * width,
      ) as [number, number, number, number, number, number];
      heap.put(pt, theta.subarray(0, M * P));
      heap.put(px, x.subarray(0, M * dims[0]!));
      heap.putInts(pdims, dims);
      ex.rootMlp(pt, px, po, hidden ? ph : 0, M, pdims, L, act, pw);
      heap.get(po, out.subarray(0, M * dims[L]!));
      if (hidden) heap.get(ph, hidden.subarray(0, M * H));
    },
    rootMlpVjp(theta, x, hidden, dOut, dTheta, dX, a) {
      const { M, dims } = a;
      const { P, H, width } = rootSizes(dims);
      const L = dims.length - 1;
      const act = actCode(a);
      need(theta, M * P, "theta");
      need(x, M * dims[0]!, "x");
      need(hidden, M * H, "hidden");
      need(dOut, M * dims[L]!, "dOut");
      need(dTheta, M * P, "dTheta");
      if (dX) need(dX, M * dims[0]!, "dX");
      const [pt, px, ph, pdo, pdt, pdx, pdims, pw] = heap.reserve(
        M * P,
        M * dims[0]!,
        M * H,
        M * dims[L]!,
        M * P,
        dX ? M * dims[0]! : 0,
        dims.length,
        3 * width + 2 * L,
      ) as [number, number, number, number, number, number, number, number];
      heap.put(pt, theta.subarray(0, M * P));
      heap.put(px, x.subarray(0, M * dims[0]!));
      heap.put(ph, hidden.subarray(0, M * H));
      heap.put(pdo, dOut.subarray(0, M * dims[L]!));
      heap.putInts(pdims, dims);
      ex.rootMlpVjp(pt, px, ph, pdo, pdt, dX ? pdx : 0, M, pdims, L, act, pw);
      heap.get(pdt, dTheta.subarray(0, M * P));
      if (dX) heap.get(pdx, dX.subarray(0, M * dims[0]!));
    },
  };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0] ?? msg;
}

let cached: WasmLoad | null = null;

/** Instantiates the module once and returns its float32 kernels, or why it cannot be used. Never throws. */
export function loadWasm(): WasmLoad {
  if (cached?.ok) return cached;
  const w = api();
  if (!w) return { ok: false, reason: "WebAssembly is not available in this environment" };
  try {
    compiled ??= new w.Module(moduleBytes());
  } catch (e) {
    const msg = firstLine(e);
    // Compile errors mean no SIMD128 support; a RangeError is a browser refusing synchronous compilation.
    return {
      ok: false,
      reason:
        e instanceof RangeError
          ? `synchronous WebAssembly compilation was refused (call \`await initWasm()\` first): ${msg}`
          : `this WebAssembly engine cannot compile the SIMD128 module: ${msg}`,
    };
  }
  try {
    const ex = new w.Instance(compiled, {}).exports as Exports;
    cached = { ok: true, kernels: kernelsOf(ex), info: "WebAssembly SIMD128, 1 thread" };
  } catch (e) {
    cached = { ok: false, reason: `the wasm module failed to instantiate: ${firstLine(e)}` };
  }
  return cached;
}
