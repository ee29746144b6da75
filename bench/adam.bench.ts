// `warp bench adam`: one Adam step (moments, direction, and applying it to the parameters) over the
// parameters of mnist-ar (Dθ = 1298) and msd-ar (Dθ = 4994; A alone is 24.9M values) — the fused kernel
// (Kernels.adamStep, what `adam` runs) beside its op-by-op twin (adamDirectionRef), in the same run. Old
// parameters and moments are disposed every step, as the trainer does, so buffers come from the pool.

import {
  type AdamState,
  adam,
  applyUpdates,
  type BackendName,
  dispose,
  randomKey,
  type Tensor,
  tidy,
  uniform,
  withBackend,
} from "../src/index.js";
import { adamDirectionRef } from "../src/optim/optimizers.js";
import { type BenchRecord, round } from "./timing.js";

type Params = Record<string, Tensor>;

function oneStep(fused: boolean, params: Params, state: AdamState, grads: Params): [Params, AdamState] {
  return tidy(() => {
    const [u, s] = fused
      ? adam(1e-4).update(grads, state, params)
      : adamDirectionRef(grads, state, {}, -1e-4);
    return [applyUpdates(params, u) as Params, s];
  });
}

/** Median ms of `reps` steps after one warm-up step. */
function time(fused: boolean, P: number, reps: number): number {
  return tidy(() => {
    const shape = (k: number, s: number[]) => uniform(randomKey(k), s, -1, 1);
    let params: Params = { A: shape(1, [P, P]), B: shape(2, [P, 2]), theta0: shape(3, [P]) };
    const grads: Params = { A: shape(4, [P, P]), B: shape(5, [P, 2]), theta0: shape(6, [P]) };
    let state = adam(1e-4).init(params);
    const times: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const [p, s] = oneStep(fused, params, state, grads);
      dispose([params, state.mu, state.nu]);
      [params, state] = [p, s];
      if (i > 0) times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  });
}

export function benchAdam(backends: BackendName[]): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const backend of backends) {
    for (const P of backend === "native" ? [1298, 4994] : [1298]) {
      withBackend(backend, () => {
        const ops = time(false, P, 5);
        const fused = time(true, P, 5);
        out.push({
          bench: "adam",
          backend,
          params: P * P + 3 * P,
          ms_ops: round(ops),
          ms_fused: round(fused),
          speedup: round(ops / fused),
        });
      });
    }
  }
  return out;
}
