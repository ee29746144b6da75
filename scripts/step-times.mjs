// Per-step wall time and minor page faults of one `bench model` configuration's training step, every step
// printed (the bench itself reports the median of 5 after its warm-up): shows when a process reaches its
// steady state and how much steps vary. Build first (npx tsc -p tsconfig.json).
// Usage: node scripts/step-times.mjs CONFIG [TRANSITION = dense] [STEPS = 14] [BACKEND = native]
//   WARP_NUM_THREADS=2 node scripts/step-times.mjs mnist-ar diagonal 14

import { makeData, MODEL_BENCHES, trainer, transitionKeys } from "../dist/bench/model.bench.js";
import { resolveModelConfig, tidy, withBackend } from "../dist/src/index.js";

const [name, transition = "dense", steps = "14", backend = "native"] = process.argv.slice(2);
const spec = MODEL_BENCHES[name];
if (!spec || !transitionKeys(transition) || !(Number(steps) >= 1)) {
  console.error(`usage: node scripts/step-times.mjs CONFIG [TRANSITION] [STEPS] [BACKEND] (configs: ${Object.keys(MODEL_BENCHES).join(", ")})`);
  process.exit(1);
}
withBackend(backend, () =>
  tidy(() => {
    const config = resolveModelConfig({ ...spec.model, ...transitionKeys(transition) });
    const step = trainer(spec, config, makeData(spec.data, spec.N, spec.T));
    for (let i = 0; i < Number(steps); i++) {
      const faults = process.resourceUsage().minorPageFault;
      const t0 = performance.now();
      step();
      const ms = performance.now() - t0;
      console.log(`step ${i}: ${ms.toFixed(1)} ms, ${process.resourceUsage().minorPageFault - faults} minor faults`);
    }
  }),
);
