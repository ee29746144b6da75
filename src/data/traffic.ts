// PEMS08 traffic forecasting as the reference builds it. The raw file (PEMS08.npz, entry `data`, (T_total,
// N = 170 sensors, F = 3 features), 5-minute steps) is cut as STIDGCN's generate_datasets.py does: feature 0
// (flow), windows of 12 input steps [t−11, t] and 12 target steps [t+1, t+12] for every t, split
// chronologically 60 % train, 20 % val (the rest), 20 % test with Python's round; that script saves
// {train,val,test}.npz with entries x, y (n, 12, N, 1). The reference's TrafficDataset then joins x's
// feature 0 and y along time into one (n, 24, N) sequence used as both input and target.
// Not here: reading files, normalisation and Datasets (layouts.ts: one global min/max from train).

import { decodeNpz } from "../io/npy.js";
import { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import { roundHalfEven } from "./csv.js";

/** Options of `pemsWindows`. */
export interface PemsWindowOptions {
  /** Input steps per window (default 12). */
  inputSteps?: number;
  /** Target steps per window (default 12). */
  outputSteps?: number;
  /** Feature of the raw array's last axis to use (default 0: traffic flow). */
  feature?: number;
  /** Fractions [train, test] of the windows; val is the rest (default [0.6, 0.2], the reference's). */
  split?: readonly [number, number];
}

/** Traffic sequences (n, inputSteps + outputSteps, N) per split, inputs first then targets. */
export interface TrafficSequences {
  train: Tensor;
  val: Tensor;
  test: Tensor;
}

/** The raw (T_total, N, F) array of a PEMS .npz (entry `data`), as float64 values and its shape. */
function rawArray(bytes: Uint8Array): { data: ArrayLike<number>; shape: [number, number, number] } {
  const arrays = decodeNpz(bytes);
  const keys = Object.keys(arrays);
  assert(
    Object.hasOwn(arrays, "data"),
    () =>
      `traffic: the raw PEMS archive has no entry "data" (it holds ${keys.map((k) => JSON.stringify(k)).join(", ") || "nothing"})`,
  );
  const t = arrays.data!;
  assert(
    t.ndim === 3 || t.ndim === 2,
    () => `traffic: "data" must be (T_total, N, F) or (T_total, N), got ${fmtShape(t.shape)}`,
  );
  const shape: [number, number, number] =
    t.ndim === 3 ? (t.shape as [number, number, number]) : [t.shape[0]!, t.shape[1]!, 1];
  return { data: t.data, shape };
}

/**
 * Windows and splits a raw PEMS array given as the bytes of its .npz (entry `data`, (T_total, N, F), or
 * (T_total, N) for one feature), as the reference does: for every t in [in−1, T_total − out) the sequence
 * data[t−in+1 .. t+out, :, feature], i.e. in = 12 inputs then out = 12 targets — n = T_total − in − out + 1
 * windows (17833 for PEMS08). Split in time order: train = round(0.6·n), test = round(0.2·n), val = the rest
 * (PEMS08: 10700 / 3566 / 3567). Values are float32, not normalised. Too short a series, a feature outside
 * [0, F) or non-finite values are WarpErrors naming them.
 */
export function pemsWindows(bytes: Uint8Array, options: PemsWindowOptions = {}): TrafficSequences {
  const { inputSteps = 12, outputSteps = 12, feature = 0, split = [0.6, 0.2] } = options;
  const { data, shape } = rawArray(bytes);
  const [Tt, N, F] = shape;
  assert(
    Number.isInteger(feature) && feature >= 0 && feature < F,
    () => `traffic: feature ${feature} is outside [0, ${F}) for data ${fmtShape(shape)}`,
  );
  assert(
    Number.isInteger(inputSteps) && inputSteps >= 1 && Number.isInteger(outputSteps) && outputSteps >= 1,
    () => `traffic: inputSteps and outputSteps must be positive integers, got ${inputSteps}, ${outputSteps}`,
  );
  const L = inputSteps + outputSteps;
  const n = Tt - L + 1;
  assert(n >= 3, () => `traffic: ${Tt} time steps give ${n} windows of ${L} steps; need at least 3`);
  const nTest = roundHalfEven(n * split[1]);
  const nTrain = roundHalfEven(n * split[0]);
  const nVal = n - nTrain - nTest;
  assert(
    nTrain >= 1 && nVal >= 1 && nTest >= 1,
    () => `traffic: ${n} windows split into ${nTrain} / ${nVal} / ${nTest}: every split needs one`,
  );
  // The flow series (T_total, N) of the chosen feature, checked once.
  const series = new Float32Array(Tt * N);
  for (let s = 0; s < Tt * N; s++) {
    const v = data[s * F + feature]!;
    assert(
      Number.isFinite(v),
      () => `traffic: non-finite value ${v} at [${Math.floor(s / N)},${s % N},${feature}] of data`,
    );
    series[s] = v;
  }
  const cut = (from: number, count: number): Tensor => {
    const out = new Float32Array(count * L * N);
    for (let i = 0; i < count; i++) out.set(series.subarray((from + i) * N, (from + i + L) * N), i * L * N);
    return new Tensor(out, [count, L, N]).keep();
  };
  return { train: cut(0, nTrain), val: cut(nTrain, nVal), test: cut(nTrain + nVal, nTest) };
}

/**
 * One split of the reference's processed layout: the bytes of `<split>.npz` with entries x (n, Ti, N, F)
 * and y (n, To, N, 1) (a trailing feature axis of size 1 may be absent: (n, To, N)), as one (n, Ti + To, N)
 * float32 sequence — x's feature 0 then y — which the reference uses as both input and target.
 * Missing entries or mismatched shapes are WarpErrors naming them.
 */
export function trafficSequencesFromNpz(bytes: Uint8Array, what = "traffic .npz"): Tensor {
  const arrays = decodeNpz(bytes);
  const keys = Object.keys(arrays);
  for (const k of ["x", "y"])
    assert(
      Object.hasOwn(arrays, k),
      () =>
        `${what}: no entry "${k}" (the archive holds ${keys.map((s) => JSON.stringify(s)).join(", ") || "nothing"})`,
    );
  const x = arrays.x!;
  const y = arrays.y!;
  assert(
    x.ndim === 4 || x.ndim === 3,
    () => `${what}: x must be (n, T_in, N, F) or (n, T_in, N), got ${fmtShape(x.shape)}`,
  );
  const [n, Ti, N] = x.shape as [number, number, number];
  const Fx = x.ndim === 4 ? x.shape[3]! : 1;
  assert(
    y.shape[0] === n && y.shape[2] === N && (y.ndim === 3 || (y.ndim === 4 && y.shape[3] === 1)),
    () =>
      `${what}: y must be (${n}, T_out, ${N}, 1) or (${n}, T_out, ${N}) to match x ${fmtShape(x.shape)}, got ${fmtShape(y.shape)}`,
  );
  const To = y.shape[1]!;
  const L = Ti + To;
  const out = new Float32Array(n * L * N);
  const xd = x.data;
  const yd = y.data;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < Ti; t++)
      for (let s = 0; s < N; s++) out[(i * L + t) * N + s] = xd[((i * Ti + t) * N + s) * Fx]!;
    out.set(Float32Array.from(yd.subarray(i * To * N, (i + 1) * To * N)), (i * L + Ti) * N);
  }
  for (let k = 0; k < out.length; k++)
    assert(Number.isFinite(out[k]!), () => `${what}: non-finite value ${out[k]} in x or y`);
  return new Tensor(out, [n, L, N]).keep();
}
