// Loader and host side of the `wasm` backend: the AssemblyScript SIMD128 module (wasm/assembly/, embedded in
// module.ts by scripts/build-wasm.mjs) compiled once, and float32 kernels that copy their operands into the
// module's memory, run there, and copy the results back. Kernels the module lacks fall back to cpu in the
// registry (the diagonal scan included: diagonalScan/diagonalScanVjp, also one step for diagonalStep). Works wherever WebAssembly with SIMD does (Node, browsers, workers); on a browser's main thread,
// where synchronous compilation of a module this size is refused, call `await initWasm()` first.
// Not here: backend choice and the fallback notice (src/backends/registry.ts), the kernels' maths (wasm/).

import { WarpError } from "../../util/assert.js";
import { binaryCpu, clipCpu, clipVjpCpu, coalesce, unaryCpu, unaryVjpCpu } from "../cpu/elementwise.js";
import { reduceSumCpu } from "../cpu/reduce.js";
import type { FloatArray, Kernels, RootMlpArgs, UnaryOp } from "../kernels.js";
import { BINARY_OPS, ROOT_ACTIVATIONS, UNARY_OPS } from "../kernels.js";
import { WASM_BASE64 } from "./module.js";
import { startThreads, type ThreadPool, type ThreadWorker } from "./threads.js";

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
  scratchSize(): number;
  recurrenceDACorrection(
    theta0: number,
    out: number,
    dU: number,
    dA: number,
    diff: number,
    N: number,
    T: number,
    P: number,
  ): void;
  setScratch(base: number): void;
  panelWidth(): number;
  sameBits(x: number, y: number, n: number): boolean;
  prepackRight(dst: number, b: number, transB: boolean, K: number, N: number): void;
  matmulPrepacked(
    a: number,
    pb: number,
    out: number,
    M: number,
    N: number,
    K: number,
    accumulate: boolean,
  ): void;
  unarySimd(op: number, x: number, out: number, n: number): void;
  reduceSum(x: number, outer: number, reduce: number, inner: number, out: number, acc: number): void;
  unaryVjpSimd(op: number, x: number, y: number, dy: number, dx: number, n: number): void;
  clipSimd(x: number, lo: number, hi: number, out: number, n: number): void;
  clipVjpSimd(x: number, above: number, below: number, dy: number, dx: number, n: number): void;
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
  Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  compile(bytes: Uint8Array): Promise<object>;
}

const PAGE = 65536;
/** Below this many elements an element-wise op stays on the cpu kernel (the copies would dominate). */
const ELEMENTWISE_MIN = 4096;
/**
 * A matmul's right operand stays packed across calls (PackCache) when it has at least this many elements and
 * the left operand at most PACK_CACHE_MAX_ROWS rows (beyond that, packing is a small share of the work).
 */
const PACK_CACHE_MIN = 65536;
const PACK_CACHE_MAX_ROWS = 256;
/** Unary functions the module computes (bitwise as the cpu kernels); the others stay on cpu. */
const SIMD_UNARY: ReadonlySet<UnaryOp> = new Set(["neg", "sqrt", "abs", "relu", "square"]);

/**
 * The float32 value t such that, for every float32 v, (v > bound) ⇔ (v > t) when `above`, else
 * (v < bound) ⇔ (v < t): clipVjp compares float32 inputs with float64 bounds, the module in float32.
 */
export function f32Threshold(bound: number, above: boolean): number {
  const f = Math.fround(bound);
  if (!Number.isFinite(f) || f === bound || (above ? f < bound : f > bound)) return f;
  // f rounded past the bound: the neighbouring float32 on the bound's other side is equivalent.
  if (f === 0) return above ? -(2 ** -149) : 2 ** -149;
  const bits = new Int32Array(new Float32Array([f]).buffer);
  bits[0]! += f > 0 === above ? -1 : 1;
  return new Float32Array(bits.buffer)[0]!;
}

/** Rows of the micro-kernel (wasm/assembly/gemm.ts MR): fewer rows take the dot-product path, unpacked. */
const KERNEL_ROWS = 4;

function api(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

let bytesCache: Uint8Array | null = null;

function moduleBytes(): Uint8Array {
  if (bytesCache) return bytesCache;
  const s = atob(WASM_BASE64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  bytesCache = out;
  return out;
}

/** The module's memory import (env.memory): its minimum in pages and the byte offset of its limits flag. */
function memoryImport(bytes: Uint8Array): { flagAt: number; min: number } {
  let p = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++]!;
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const limits = () => {
    const flag = bytes[p++]!;
    leb();
    if (flag & 1) leb();
  };
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const end = leb() + p;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        const skip = () => {
          const n = leb();
          p += n;
        };
        skip(); // module name
        skip(); // field name
        const kind = bytes[p++]!;
        if (kind === 0) leb();
        else if (kind === 1) {
          p++;
          limits();
        } else if (kind === 3) p += 2;
        else if (kind === 2) {
          const flagAt = p++;
          return { flagAt, min: leb() };
        }
      }
    }
    p = end;
  }
  throw new WarpError("wasm backend: the module imports no memory (rebuild it with npm run build:wasm)");
}

/** The largest memory the module declares (pages of 64 KiB: 4 GiB). */
const MAX_PAGES = 65536;

let compiled: object | null = null;
let compiledShared: object | null = null;

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
  private readonly start: number;
  /** Start of the per-call regions: after the pinned region (PackCache's) at `start`. */
  private base: number;

  /** `reserved` bytes after the module's own scratch belong to others (the threads' scratch). */
  constructor(
    private readonly ex: Exports,
    reserved = 0,
  ) {
    this.start = ((ex.scratchEnd() + 63) & ~63) + reserved;
    this.base = this.start;
    this.f32 = new Float32Array(ex.memory.buffer);
    this.i32 = new Int32Array(ex.memory.buffer);
  }

  /** Byte size of the region that outlives calls; per-call regions are laid out after it. */
  get pinnedBytes(): number {
    return this.base - this.start;
  }

  /**
   * Makes the region that outlives calls at least `floats` long and returns its byte pointer. Its content
   * survives; pointers from earlier `reserve` calls do not.
   */
  pin(floats: number): number {
    this.base = Math.max(this.base, this.start + ((floats * 4 + 63) & ~63));
    this.reserve();
    return this.start;
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

  /** Zeroes n floats at ptr. */
  zero(ptr: number, n: number): void {
    this.f32.fill(0, ptr >> 2, (ptr >> 2) + n);
  }

  /** Copies n floats within the heap. */
  copy(dst: number, src: number, n: number): void {
    this.f32.copyWithin(dst >> 2, src >> 2, (src >> 2) + n);
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

/**
 * The last large right operand of a small-row matmul, raw and packed in the heap's pinned region: a call whose
 * operand has the same shape, transposition and bitwise the same values reuses the packing (the autoregressive
 * step multiplies by the same A at every step). Correctness rests on the bitwise check alone.
 */
class PackCache {
  private transB = false;
  private K = 0;
  private N = 0;

  constructor(
    private readonly ex: Exports,
    private readonly heap: Heap,
  ) {}

  /** Byte pointer of op(b) (K×N) packed; pointers from earlier `heap.reserve` calls become invalid. */
  packed(b: Float32Array, transB: boolean, K: number, N: number): number {
    const n = K * N;
    const rawFloats = (n + 15) & ~15;
    const raw = this.heap.pin(rawFloats + this.ex.prepackedSize(K, N));
    const packed = raw + 4 * rawFloats;
    const [staged] = this.heap.reserve(n) as [number];
    this.heap.put(staged, b.subarray(0, n));
    if (this.K === K && this.N === N && this.transB === transB && this.ex.sameBits(staged, raw, n))
      return packed;
    this.heap.copy(raw, staged, n);
    this.ex.prepackRight(packed, raw, transB, K, N);
    [this.K, this.N, this.transB] = [K, N, transB];
    return packed;
  }
}

/** Below this many multiply-adds a matmul stays on one thread. */
const THREAD_MIN_WORK = 1 << 21;

/**
 * [j0, j1) ranges splitting n columns into at most `parts`, each a multiple of `align` wide but the last, which
 * is at least `align` wide (a narrower one joins its neighbour: GEMM takes other paths below a panel's width).
 */
function columnRanges(n: number, parts: number, align: number): [number, number][] {
  const width = Math.ceil(n / parts / align) * align;
  const out: [number, number][] = [];
  for (let j = 0; j < n; j += width) out.push([j, Math.min(n, j + width)]);
  const last = out[out.length - 1]!;
  if (out.length > 1 && last[1] - last[0] < align) out[out.length - 2]![1] = out.pop()![1];
  return out;
}

/** [n0, n1) ranges splitting n rows into at most `parts` near-equal ones. */
function rowRanges(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const [n0, n1] = [Math.floor((n * i) / parts), Math.floor((n * (i + 1)) / parts)];
    if (n1 > n0) out.push([n0, n1]);
  }
  return out;
}

/** The chunk length the module runs: `chunk` when it selects the chunked scan (≥ 1 and < T), else 0. */
function scanChunk(chunk: number, T: number): number {
  if (!Number.isInteger(chunk) || chunk < 0) {
    throw new RangeError(`wasm backend: chunk must be a non-negative integer, got ${chunk}`);
  }
  return chunk >= 1 && chunk < T ? chunk : 0;
}

function kernelsOf(ex: Exports, pool: ThreadPool | null = null, reserved = 0): Partial<Kernels> {
  const heap = new Heap(ex, reserved);
  const packCache = new PackCache(ex, heap);
  const threads = pool?.threads ?? 1;
  const panel = ex.panelWidth();
  /** Column slices of one product when it is worth threads (each slice as large as one thread's work). */
  const split = (rows: number, N: number, K: number) =>
    pool && rows >= KERNEL_ROWS && rows * N * K >= THREAD_MIN_WORK && N >= 2 * panel
      ? columnRanges(N, threads, panel)
      : null;
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
    reduceSum(x, outer, reduce, inner, out) {
      const n = outer * reduce * inner;
      if (n < ELEMENTWISE_MIN || !(x instanceof Float32Array)) {
        reduceSumCpu(x, outer, reduce, inner, out);
        return;
      }
      // The float64 accumulators (2·inner floats) first: reserve's regions are 16-byte aligned.
      const [pacc, px, po] = heap.reserve(2 * inner, n, outer * inner) as [number, number, number];
      heap.put(px, x.subarray(0, n));
      ex.reduceSum(px, outer, reduce, inner, po, pacc);
      heap.get(po, out.subarray(0, outer * inner));
    },
    unary(op, x, out) {
      const n = x.length;
      if (!SIMD_UNARY.has(op) || n < ELEMENTWISE_MIN || !(x instanceof Float32Array)) {
        unaryCpu(op, x, out);
        return;
      }
      const [px, po] = heap.reserve(n, n) as [number, number];
      heap.put(px, x.subarray(0, n));
      ex.unarySimd(UNARY_OPS.indexOf(op), px, po, n);
      heap.get(po, out.subarray(0, n));
    },
    unaryVjp(op, x, y, dy, dx) {
      const n = x.length;
      if (
        !SIMD_UNARY.has(op) ||
        n < ELEMENTWISE_MIN ||
        !(x instanceof Float32Array && y instanceof Float32Array && dy instanceof Float32Array)
      ) {
        unaryVjpCpu(op, x, y, dy, dx);
        return;
      }
      const [px, py, pdy, pdx] = heap.reserve(n, op === "sqrt" ? n : 0, n, n) as [
        number,
        number,
        number,
        number,
      ];
      if (op === "sqrt") heap.put(py, y.subarray(0, n));
      else heap.put(px, x.subarray(0, n));
      heap.put(pdy, dy.subarray(0, n));
      ex.unaryVjpSimd(UNARY_OPS.indexOf(op), px, py, pdy, pdx, n);
      heap.get(pdx, dx.subarray(0, n));
    },
    clip(x, lo, hi, out) {
      const n = x.length;
      if (n < ELEMENTWISE_MIN || !(x instanceof Float32Array)) {
        clipCpu(x, lo, hi, out);
        return;
      }
      const [px, po] = heap.reserve(n, n) as [number, number];
      heap.put(px, x);
      ex.clipSimd(px, lo, hi, po, n);
      heap.get(po, out.subarray(0, n));
    },
    clipVjp(x, lo, hi, dy, dx) {
      const n = x.length;
      if (n < ELEMENTWISE_MIN || !(x instanceof Float32Array && dy instanceof Float32Array)) {
        clipVjpCpu(x, lo, hi, dy, dx);
        return;
      }
      const [px, pdy, pdx] = heap.reserve(n, n, n) as [number, number, number];
      heap.put(px, x);
      heap.put(pdy, dy.subarray(0, n));
      ex.clipVjpSimd(px, f32Threshold(lo, true), f32Threshold(hi, false), pdy, pdx, n);
      heap.get(pdx, dx.subarray(0, n));
    },
    // The cpu backend's packed layout (op(B) itself); the product runs on this backend's matmul, which
    // keeps a large right operand packed across calls.
    matmulPacked(a, packed, out, M, N, K, transA, accumulate) {
      this.matmul!(a, packed, out, {
        batch: 1,
        M,
        N,
        K,
        transA,
        transB: false,
        strideA: 0,
        strideB: 0,
        accumulate,
      });
    },
    matmul(a, b, out, m) {
      const { batch, M, N, K } = m;
      need(a, batch > 0 ? (batch - 1) * m.strideA + M * K : 0, "a");
      need(b, batch > 0 ? (batch - 1) * m.strideB + K * N : 0, "b");
      need(out, batch * M * N, "out");
      // Rows of one A·op(B) product: the batch folds into M when it shares B and A's are consecutive.
      const rows = batch === 1 || (m.strideB === 0 && m.strideA === M * K) ? batch * M : 0;
      if (
        !m.transA &&
        rows >= KERNEL_ROWS &&
        rows <= PACK_CACHE_MAX_ROWS &&
        K * N >= PACK_CACHE_MIN &&
        b instanceof Float32Array
      ) {
        const pk = packCache.packed(b, m.transB, K, N);
        const [pa, po] = heap.reserve(rows * K, rows * N) as [number, number];
        heap.put(pa, a.subarray(0, rows * K));
        if (m.accumulate) heap.put(po, out.subarray(0, rows * N));
        const cols = split(rows, N, K);
        if (cols && pool) {
          const acc = m.accumulate ? 1 : 0;
          pool.run(cols.map(([j0, j1]) => ["matmulPrepackedColumns", pa, pk, po, rows, N, K, acc, j0, j1]));
        } else ex.matmulPrepacked(pa, pk, po, rows, N, K, m.accumulate);
        heap.get(po, out.subarray(0, rows * N));
        return;
      }
      const [pa, pb, po] = heap.reserve(a.length, b.length, batch * M * N) as [number, number, number];
      heap.put(pa, a);
      heap.put(pb, b);
      if (m.accumulate) heap.put(po, out.subarray(0, batch * M * N));
      const cols = batch === 1 ? split(M, N, K) : null;
      if (cols && pool) {
        const [tA, tB, acc] = [m.transA ? 1 : 0, m.transB ? 1 : 0, m.accumulate ? 1 : 0];
        pool.run(cols.map(([j0, j1]) => ["gemmColumns", tA, tB, M, N, K, pa, pb, po, acc, j0, j1]));
      } else ex.matmul(pa, pb, po, batch, M, N, K, m.transA, m.transB, m.strideA, m.strideB, m.accumulate);
      heap.get(po, out.subarray(0, batch * M * N));
    },
    linearRecurrence(A, U, theta0, out, { N, T, P, clip }) {
      const size = N * T * P;
      need(A, P * P, "A");
      need(U, size, "U");
      need(theta0, N * P, "theta0");
      need(out, size, "out");
      const rows =
        pool && N * T * P * P >= THREAD_MIN_WORK ? rowRanges(N, threads) : [[0, N] as [number, number]];
      const packs = rows.map(() => ex.prepackedSize(P, P));
      const [pA, pU, p0, po, ...pk] = heap.reserve(P * P, size, N * P, size, ...packs) as number[];
      heap.put(pA!, A.subarray(0, P * P));
      heap.put(pU!, U.subarray(0, size));
      heap.put(p0!, theta0.subarray(0, N * P));
      if (rows.length > 1 && pool) {
        const at = (p: number, n0: number, per: number) => p + 4 * n0 * per;
        pool.run(
          rows.map(([n0, n1], i) => [
            "linearRecurrence",
            pA!,
            at(pU!, n0, T * P),
            at(p0!, n0, P),
            at(po!, n0, T * P),
            pk[i]!,
            n1 - n0,
            T,
            P,
            clip,
          ]),
        );
      } else ex.linearRecurrence(pA!, pU!, p0!, po!, pk[0]!, N, T, P, clip);
      heap.get(po!, out.subarray(0, size));
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
      const rows = pool && T > 0 && N * T * P * P >= THREAD_MIN_WORK ? rowRanges(N, threads) : null;
      const packs = (rows ?? [0]).map(() => ex.prepackedSize(P, P));
      const [pA, p0, po, pdo, pdA, pdU, pd0, pdiff, ...pk] = heap.reserve(
        P * P,
        N * P,
        size,
        size,
        P * P,
        size,
        N * P,
        N * P,
        ...packs,
      ) as [number, number, number, number, number, number, number, number, ...number[]];
      heap.put(pA, A.subarray(0, P * P));
      heap.put(p0, theta0.subarray(0, N * P));
      heap.put(po, out.subarray(0, size));
      heap.put(pdo, dOut.subarray(0, size));
      if (rows && pool) {
        // g by sequences on the threads, then dA's one big GEMM by columns, then its rank-N correction here.
        const at = (p: number, n0: number, per: number) => p + 4 * n0 * per;
        pool.run(
          rows.map(([n0, n1], i) => [
            "recurrenceGradRows",
            pA,
            at(po, n0, T * P),
            at(pdo, n0, T * P),
            at(pdU, n0, T * P),
            at(pd0, n0, P),
            pk[i]!,
            n1 - n0,
            T,
            P,
            clip,
            1,
          ]),
        );
        const R = N * T;
        const cols = (R > 1 && split(P, P, R - 1)) || [[0, P] as [number, number]];
        if (R > 1)
          pool.run(
            cols.map(([j0, j1]) => ["gemmColumns", 1, 0, P, P, R - 1, pdU + 4 * P, po, pdA, 0, j0, j1]),
          );
        else heap.zero(pdA, P * P);
        ex.recurrenceDACorrection(p0, po, pdU, pdA, pdiff, N, T, P);
      } else ex.linearRecurrenceVjp(pA, p0, po, pdo, pdA, pdU, pd0, pdiff, pk[0]!, N, T, P, clip);
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

interface NodeProcess {
  env: Record<string, string | undefined>;
  getBuiltinModule?(id: string): unknown;
}

/** Whether this is Node with worker_threads reachable without an import, and SharedArrayBuffer. */
function canStartThreads(): boolean {
  const proc = (globalThis as { process?: NodeProcess }).process;
  return typeof proc?.getBuiltinModule === "function" && typeof SharedArrayBuffer !== "undefined";
}

/** Threads for the wasm backend under Node: WARP_NUM_THREADS, else the cores (at most 8); 1 elsewhere. */
function nodeThreads(): number {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!canStartThreads()) return 1;
  const env = Number(proc!.env.WARP_NUM_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 64);
  const os = proc!.getBuiltinModule!("os") as { availableParallelism(): number };
  return Math.min(os.availableParallelism(), 8);
}

/** The worker_threads entry, relative to this file (a variable, so bundlers leave it alone). */
const THREAD_WORKER = "./thread-worker.js";

/**
 * The module on a shared memory with `threads` − 1 worker_threads beside this thread, or null when the
 * workers did not start (the caller falls back to one thread).
 */
function threaded(w: WasmApi, min: number, threads: number): WasmLoad | null {
  compiledShared ??= new w.Module(sharedBytes());
  const proc = (globalThis as { process?: NodeProcess }).process!;
  const { Worker } = proc.getBuiltinModule!("worker_threads") as {
    Worker: new (url: URL, options: { execArgv: string[] }) => ThreadWorker;
  };
  const url = new URL(THREAD_WORKER, import.meta.url);
  const made = onSharedMemory(w, compiledShared, min, threads, () => {
    const worker = new Worker(url, { execArgv: [] });
    // A worker that fails to start must not crash the process: the pool times out and one thread runs.
    (worker as unknown as { on(e: string, f: () => void): void }).on("error", () => {});
    return worker;
  });
  return made instanceof Promise ? null : made;
}

/** The module's bytes with its memory import marked shared (the same code, on a shared memory). */
function sharedBytes(): Uint8Array {
  const bytes = moduleBytes().slice();
  bytes[memoryImport(bytes).flagAt]! |= 2;
  return bytes;
}

/** An instance on a new shared memory and a pool of `threads` − 1 workers from `spawn` (null if they failed). */
function onSharedMemory(
  w: WasmApi,
  module: object,
  min: number,
  threads: number,
  spawn: () => ThreadWorker,
): WasmLoad | null | Promise<WasmLoad | null> {
  const memory = new w.Memory({ initial: min, maximum: MAX_PAGES, shared: true });
  const ex = new w.Instance(module, { env: { memory } }).exports as Exports;
  const each = (ex.scratchSize() + 63) & ~63;
  const base = (ex.scratchEnd() + 63) & ~63;
  const end = base + each * (threads - 1);
  if (end > ex.memory.buffer.byteLength)
    ex.memory.grow(Math.ceil((end - ex.memory.buffer.byteLength) / PAGE));
  const scratch = Array.from({ length: threads - 1 }, (_, i) => base + i * each);
  const made = (pool: ThreadPool | null): WasmLoad | null =>
    pool && {
      ok: true,
      kernels: kernelsOf(ex, pool, each * (threads - 1)),
      info: `WebAssembly SIMD128, ${threads} threads`,
    };
  const pool = startThreads(
    ex as unknown as Record<string, unknown>,
    module,
    memory,
    threads,
    scratch,
    spawn,
  );
  return pool instanceof Promise ? pool.then(made) : made(pool);
}

/**
 * Runs the wasm backend on `threads` threads in a browser (or any host without worker_threads): `spawn()`
 * starts one Web Worker whose script calls `serveWasmThread(self)`. Needs a cross-origin isolated page
 * (SharedArrayBuffer); otherwise, or when the workers fail to start, the backend stays on one thread. Call
 * before the first op, or call `setBackend("wasm")` afterwards. Resolves to the backend's description.
 */
export async function initWasmThreads(spawn: () => ThreadWorker, threads = 2): Promise<string> {
  await initWasm();
  const w = api()!;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  if (threads > 1 && isolated && typeof SharedArrayBuffer !== "undefined") {
    compiledShared ??= await w.compile(sharedBytes());
    const made = await onSharedMemory(w, compiledShared, memoryImport(moduleBytes()).min, threads, spawn);
    if (made) cached = made;
  }
  const load = cached?.ok ? cached : loadWasm();
  return load.ok ? load.info : load.reason;
}

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
  cached = wasmInstance(nodeThreads());
  return cached;
}

/**
 * A new instance of the module with its own memory and kernels, on `threads` threads where workers can start
 * (Node; else one). loadWasm's is the one the backend uses; tests and benchmarks compare thread counts.
 */
export function wasmInstance(threads: number): WasmLoad {
  const w = api();
  if (!w || !compiled) return loadWasm().ok ? wasmInstance(threads) : loadWasm();
  try {
    const { min } = memoryImport(moduleBytes());
    const load = threads > 1 && canStartThreads() ? threaded(w, min, threads) : null;
    if (load) return load;
    const memory = new w.Memory({ initial: min, maximum: MAX_PAGES });
    const ex = new w.Instance(compiled, { env: { memory } }).exports as Exports;
    return { ok: true, kernels: kernelsOf(ex), info: "WebAssembly SIMD128, 1 thread" };
  } catch (e) {
    return { ok: false, reason: `the wasm module failed to instantiate: ${firstLine(e)}` };
  }
}
