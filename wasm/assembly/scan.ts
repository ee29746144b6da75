// AssemblyScript source of the wasm backend's diagonal linear recurrence θ_t = clip(a ⊙ θ_{t−1} + U_t) and
// its backward (float32, SIMD128 over the state), as an element-wise sequential scan and as the chunked
// associative scan over time: (1) every chunk scans its inputs from a zero state, (2) the chunk-end states
// are carried across chunks, c_k = h_k + a^{len_k} ⊙ c_{k−1}, (3) every step adds a^{j+1} ⊙ c_{k−1}. The same
// passes as the cpu kernels (src/backends/cpu/scan.ts, the reference) and native/src/kernels/scan.cc; one
// step (T = 1) is the fused diagonalStep. Layout (N, T, P) row-major; pointers are byte addresses laid out
// by the host (src/backends/wasm/index.ts), including the scratch `work`.

import { ld, st } from "./mem";

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** y = x + a ⊙ prev over P floats. */
function axpyRow(a: usize, x: usize, prev: usize, y: usize, P: i32): void {
  let p = 0;
  for (; p + 4 <= P; p += 4) {
    const o = <usize>p << 2;
    v128.store(y + o, f32x4.add(v128.load(x + o), f32x4.mul(v128.load(a + o), v128.load(prev + o))));
  }
  for (; p < P; p++) st(y, p, ld(x, p) + ld(a, p) * ld(prev, p));
}

/** Floats of scratch that diagonalScan / diagonalScanVjp need for these sizes (the host reserves them). */
export function scanWorkSize(T: i32, P: i32, chunk: i32): i32 {
  const K = chunk >= 1 && chunk < T ? (T + chunk - 1) / chunk : 1;
  // da accumulators (P doubles), a^j (P), carries (K·P), each rounded to 4 floats.
  return 2 * (((P + 3) >> 2) << 2) + (((P + 3) >> 2) << 2) + K * P + 4;
}

/**
 * out_s = src_s + a ⊙ out_{s−1} over the T rows of every sequence, in time order or reversed (s = 0 is
 * the last step then); out_{−1} = init row n (zero when init is 0). `chunk` ≥ 1 and < T: chunked form.
 * work: P + K·P floats.
 */
function scanRows(
  a: usize,
  src: usize,
  init: usize,
  out: usize,
  N: i32,
  T: i32,
  P: i32,
  reverse: bool,
  chunk: i32,
  work: usize,
): void {
  const step: i32 = reverse ? -P : P;
  const chunked = chunk >= 1 && chunk < T;
  const L: i32 = chunked ? chunk : T;
  const K: i32 = chunked ? (T + L - 1) / L : 1;
  const pw = work;
  const carry = work + (<usize>(((P + 3) >> 2) << 2) << 2);
  for (let n = 0; n < N; n++) {
    const first: i32 = n * T * P + (reverse ? (T - 1) * P : 0);
    for (let k = 0; k < K; k++) {
      const s0 = k * L;
      const len = min(L, T - s0);
      for (let j = 0; j < len; j++) {
        const o = first + (s0 + j) * step;
        if (j > 0) axpyRow(a, at(src, o), at(out, o - step), at(out, o), P);
        else if (!chunked && init != 0) axpyRow(a, at(src, o), at(init, n * P), at(out, o), P);
        else memory.copy(at(out, o), at(src, o), <usize>P << 2);
      }
    }
    if (!chunked) continue;
    // Pass 2: c_k = h_k(end) + a^{len_k} ⊙ c_{k−1}, c_{−1} = init.
    for (let k = 0; k < K; k++) {
      const len = min(L, T - k * L);
      const end = first + (k * L + len - 1) * step;
      for (let p = 0; p < P; p++) {
        const prev: f32 = k > 0 ? ld(carry, (k - 1) * P + p) : init != 0 ? ld(init, n * P + p) : 0;
        st(carry, k * P + p, ld(out, end + p) + Mathf.pow(ld(a, p), <f32>len) * prev);
      }
    }
    // Pass 3: out_{s0+j} += a^{j+1} ⊙ c_{k−1}.
    for (let k = 0; k < K; k++) {
      if (k == 0 && init == 0) continue;
      const c: usize = k > 0 ? at(carry, (k - 1) * P) : at(init, n * P);
      const s0 = k * L;
      const len = min(L, T - s0);
      memory.copy(pw, a, <usize>P << 2);
      for (let j = 0; j < len; j++) {
        const y = at(out, first + (s0 + j) * step);
        let p = 0;
        for (; p + 4 <= P; p += 4) {
          const o = <usize>p << 2;
          const w = v128.load(pw + o);
          v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(w, v128.load(c + o))));
          v128.store(pw + o, f32x4.mul(w, v128.load(a + o)));
        }
        for (; p < P; p++) {
          st(y, p, ld(y, p) + ld(pw, p) * ld(c, p));
          st(pw, p, ld(pw, p) * ld(a, p));
        }
      }
    }
  }
}

function clipping(c: f64): bool {
  return c > 0 && isFinite(c);
}

/** θ_t = clip(a ⊙ θ_{t−1} + U_t), t = 1..T: a (P); U, out (N, T, P); theta0 (N, P). */
export function diagonalScan(
  a: usize,
  U: usize,
  theta0: usize,
  out: usize,
  N: i32,
  T: i32,
  P: i32,
  clip: f64,
  chunk: i32,
  work: usize,
): void {
  if (!clipping(clip)) {
    scanRows(a, U, theta0, out, N, T, P, false, chunk, work);
    return;
  }
  const c = <f32>clip;
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      const o = (n * T + t) * P;
      const prev: usize = t > 0 ? at(out, o - P) : at(theta0, n * P);
      for (let p = 0; p < P; p++) {
        const v = ld(U, o + p) + ld(a, p) * load<f32>(prev + (<usize>p << 2));
        st(out, o + p, v > c ? c : v < -c ? -c : v);
      }
    }
  }
}

/**
 * Backward of diagonalScan: g_t = (dOut_t + a ⊙ g_{t+1}) ⊙ [θ_t not clipped] into dU; dθ_0 = a ⊙ g_1;
 * da = Σ_{n,t} g_t ⊙ θ_{t−1} (accumulated in f64). da (P), dU (N, T, P), dTheta0 (N, P) are overwritten.
 */
export function diagonalScanVjp(
  a: usize,
  theta0: usize,
  out: usize,
  dOut: usize,
  da: usize,
  dU: usize,
  dTheta0: usize,
  N: i32,
  T: i32,
  P: i32,
  clip: f64,
  chunk: i32,
  work: usize,
): void {
  const acc = work;
  const rows = work + (<usize>(((P + 3) >> 2) << 2) << 3);
  if (!clipping(clip)) {
    scanRows(a, dOut, 0, dU, N, T, P, true, chunk, rows);
  } else {
    // A clipped state holds f32(clip): compare against the stored bound.
    const c = <f32>clip;
    for (let n = 0; n < N; n++) {
      for (let t = T - 1; t >= 0; t--) {
        const o = (n * T + t) * P;
        for (let p = 0; p < P; p++) {
          const v = ld(out, o + p);
          const g = ld(dOut, o + p) + (t < T - 1 ? ld(a, p) * ld(dU, o + P + p) : 0);
          st(dU, o + p, v < c && v > -c ? g : 0);
        }
      }
    }
  }
  for (let p = 0; p < P; p++) store<f64>(acc + (<usize>p << 3), 0);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      const g0 = ld(dU, n * T * P + p);
      st(dTheta0, n * P + p, ld(a, p) * g0);
      const q = acc + (<usize>p << 3);
      store<f64>(q, load<f64>(q) + <f64>g0 * <f64>ld(theta0, n * P + p));
    }
    for (let t = 1; t < T; t++) {
      const o = (n * T + t) * P;
      for (let p = 0; p < P; p++) {
        const q = acc + (<usize>p << 3);
        store<f64>(q, load<f64>(q) + <f64>ld(dU, o + p) * <f64>ld(out, o - P + p));
      }
    }
  }
  for (let p = 0; p < P; p++) st(da, p, <f32>load<f64>(acc + (<usize>p << 3)));
}
