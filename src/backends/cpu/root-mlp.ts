// Plain-TS per-sample root MLP: every sample m has its own weights θ_m (one row of theta), so the layers
// are small mat-vecs read straight from θ, with no per-sample weight copies. Forward stores hidden
// pre-activations for the backward, which writes dθ row by row. Not here: the autodiff op (src/ops).
// M samples, dims = [d_0, …, d_L], P = Σ_l d_{l+1}(d_l + 1), H = Σ hidden widths.

import type { FloatArray, RootActivation, RootMlpArgs } from "../kernels.js";

function act(a: RootActivation, z: number): number {
  switch (a) {
    case "relu":
      return Math.max(z, 0);
    case "tanh":
      return Math.tanh(z);
    case "softplus":
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    case "swish":
      return z / (1 + Math.exp(-z));
    case "identity":
      return z;
    case "sin":
      return Math.sin(z);
    case "cos":
      return Math.cos(z);
  }
}

function actDeriv(a: RootActivation, z: number): number {
  switch (a) {
    case "relu":
      return z > 0 ? 1 : 0;
    case "tanh": {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case "softplus":
      return 1 / (1 + Math.exp(-z));
    case "swish": {
      const s = 1 / (1 + Math.exp(-z));
      return s + z * s * (1 - s);
    }
    case "identity":
      return 1;
    case "sin":
      return Math.cos(z);
    case "cos":
      return -Math.sin(z);
  }
}

/** Number of parameters of a root MLP with these layer widths. */
export function rootParamCount(dims: readonly number[]): number {
  let P = 0;
  for (let l = 0; l + 1 < dims.length; l++) P += dims[l + 1]! * (dims[l]! + 1);
  return P;
}

function hiddenCount(dims: readonly number[]): number {
  let H = 0;
  for (let l = 1; l + 1 < dims.length; l++) H += dims[l]!;
  return H;
}

/** out_m = MLP_{θ_m}(x_m); hidden_m ← pre-activations of the hidden layers (when given). */
export function rootMlpCpu(
  theta: FloatArray,
  x: FloatArray,
  out: FloatArray,
  hidden: FloatArray | null,
  { M, dims, act: a }: RootMlpArgs,
): void {
  const L = dims.length - 1;
  const P = rootParamCount(dims);
  const H = hiddenCount(dims);
  const dIn = dims[0]!;
  const dOut = dims[L]!;
  const width = Math.max(...dims);
  let h = new Float64Array(width);
  let z = new Float64Array(width);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < dIn; j++) h[j] = x[m * dIn + j]!;
    let off = m * P;
    let hOff = m * H;
    for (let l = 0; l < L; l++) {
      const nIn = dims[l]!;
      const nOut = dims[l + 1]!;
      const bOff = off + nOut * nIn;
      for (let i = 0; i < nOut; i++) {
        let s = theta[bOff + i]!;
        const row = off + i * nIn;
        for (let j = 0; j < nIn; j++) s += theta[row + j]! * h[j]!;
        z[i] = s;
      }
      off = bOff + nOut;
      if (l < L - 1) {
        for (let i = 0; i < nOut; i++) {
          if (hidden) hidden[hOff + i] = z[i]!;
          z[i] = act(a, z[i]!);
        }
        hOff += nOut;
        const t = h;
        h = z;
        z = t;
      } else {
        for (let i = 0; i < dOut; i++) out[m * dOut + i] = z[i]!;
      }
    }
  }
}

/**
 * Backward, per sample, last layer first: with g = ∂L/∂z_l (z_l = W_l h_l + b_l),
 * dW_l = g h_lᵀ, db_l = g, ∂L/∂h_l = W_lᵀ g, and g_{l−1} = (W_lᵀ g) ⊙ act'(z_{l−1}); dx = W_0ᵀ g_0.
 * h_l = act(z_{l−1}) is recomputed from the stored pre-activations.
 */
export function rootMlpVjpCpu(
  theta: FloatArray,
  x: FloatArray,
  hidden: FloatArray,
  dOut: FloatArray,
  dTheta: FloatArray,
  dX: FloatArray | null,
  { M, dims, act: a }: RootMlpArgs,
): void {
  const L = dims.length - 1;
  const P = rootParamCount(dims);
  const H = hiddenCount(dims);
  const dIn = dims[0]!;
  const dLast = dims[L]!;
  const width = Math.max(...dims);
  const layerOff = new Array<number>(L);
  const hidOff = new Array<number>(L);
  for (let l = 0, off = 0, ho = 0; l < L; l++) {
    layerOff[l] = off;
    hidOff[l] = ho; // pre-activation z_{l−1} feeding layer l starts at hidOff[l] − dims[l]
    off += dims[l + 1]! * (dims[l]! + 1);
    if (l < L - 1) ho += dims[l + 1]!;
  }
  let g = new Float64Array(width);
  let gh = new Float64Array(width);
  const hIn = new Float64Array(width);
  for (let m = 0; m < M; m++) {
    for (let i = 0; i < dLast; i++) g[i] = dOut[m * dLast + i]!;
    for (let l = L - 1; l >= 0; l--) {
      const nIn = dims[l]!;
      const nOut = dims[l + 1]!;
      const w = m * P + layerOff[l]!;
      const bOff = w + nOut * nIn;
      // h_l: the layer's input (x for l = 0, else act of the stored pre-activation).
      if (l === 0) for (let j = 0; j < nIn; j++) hIn[j] = x[m * dIn + j]!;
      else {
        const zo = m * H + hidOff[l]! - nIn;
        for (let j = 0; j < nIn; j++) hIn[j] = act(a, hidden[zo + j]!);
      }
      for (let j = 0; j < nIn; j++) gh[j] = 0;
      for (let i = 0; i < nOut; i++) {
        const gi = g[i]!;
        dTheta[bOff + i] = gi;
        const row = w + i * nIn;
        for (let j = 0; j < nIn; j++) {
          dTheta[row + j] = gi * hIn[j]!;
          gh[j]! += theta[row + j]! * gi;
        }
      }
      if (l > 0) {
        const zo = m * H + hidOff[l]! - nIn;
        for (let j = 0; j < nIn; j++) gh[j] = gh[j]! * actDeriv(a, hidden[zo + j]!);
        const t = g;
        g = gh;
        gh = t;
      } else if (dX) {
        for (let j = 0; j < nIn; j++) dX[m * dIn + j] = gh[j]!;
      }
    }
  }
}
