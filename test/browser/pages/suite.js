// Browser page: the shared op suite (test/ops) and the streaming suite on every backend the page has (cpu
// and wasm), through the node:test / node:assert shims; results land in globalThis.__warpResults.

import { availableBackends, initWasm } from "../../../src/index.js";
import { runRegistered } from "../shims/node-test.js";

await initWasm(); // a page's main thread may not compile the module synchronously
await import("../../ops/elementwise.test.js");
await import("../../ops/errors.test.js");
await import("../../ops/linear-step.test.js");
await import("../../ops/loss.test.js");
await import("../../ops/matmul.test.js");
await import("../../ops/recurrence.test.js");
await import("../../ops/reduce.test.js");
await import("../../ops/root-mlp.test.js");
await import("../../ops/shape.test.js");
await import("../../warp/stream.test.js");
globalThis.__warpBackends = availableBackends();
// The M = 2000 root-MLP cases exist for the native addon's threaded path and take most of the time here.
globalThis.__warpResults = await runRegistered((name) => !name.includes("native threaded path"));
