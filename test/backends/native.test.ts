// Tests of the native (C++ addon) backend: the shared kernel suite (kernel-suite.ts) plus what is
// native's own (its description, argument checks for every kernel). Without the addon the suite is
// skipped with the reason, unless WARP_REQUIRE_NATIVE=1 makes it fail.

import assert from "node:assert/strict";
import { it } from "node:test";
import type { Kernels } from "../../src/backends/kernels.js";
import { loadNative } from "../../src/backends/native/index.js";
import { describeKernels } from "./kernel-suite.js";

const native = loadNative();
const required = process.env.WARP_REQUIRE_NATIVE === "1";
const skip = native.ok || required ? false : `native addon unavailable: ${native.reason}`;

/** The native kernels, failing the calling test with the load reason when the addon is missing. */
function K(): Kernels {
  if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
  return native.kernels as Kernels;
}

describeKernels("native backend", native, skip, () => {
  it("loads and describes itself", () => {
    if (!native.ok) assert.fail(`native addon unavailable: ${native.reason}`);
    assert.match(native.info, /OpenBLAS/);
    assert.match(native.info, /\d+ threads?/);
    for (const name of [
      "unary",
      "unaryVjp",
      "binary",
      "clip",
      "clipVjp",
      "where",
      "reduceSum",
      "copyStrided",
      "matmul",
      "softmaxCrossEntropy",
      "linearRecurrence",
      "linearRecurrenceVjp",
      "rootMlp",
      "rootMlpVjp",
    ] as const) {
      assert.equal(typeof native.kernels[name], "function", name);
    }
  });

  it("rejects wrong types and short buffers instead of touching memory", () => {
    const k = K();
    assert.throws(() => k.unary("exp", new Float64Array(3), new Float64Array(3)), TypeError);
    assert.throws(() => k.unary("exp", new Float32Array(5), new Float32Array(4)), RangeError);
    assert.throws(
      () => k.binary("add", new Float32Array(3), [1], new Float32Array(4), [1], new Float32Array(4), [4]),
      RangeError,
    );
    assert.throws(
      () =>
        k.matmul(new Float32Array(5), new Float32Array(6), new Float32Array(4), {
          batch: 1,
          M: 2,
          N: 2,
          K: 3,
          transA: false,
          transB: false,
          strideA: 0,
          strideB: 0,
          accumulate: false,
        }),
      RangeError,
    );
  });
});
