// The generated UEA-style classification fixture: shapes and dtypes, seeded determinism, every class
// present, and the class visible in the data (the mean slope orders the classes).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oscillationClasses, randomKey, WarpError } from "../../src/index.js";

describe("oscillationClasses", () => {
  it("makes (n, T, D) float32 sequences and int32 labels in [0, classes), the same for the same key", () => {
    const a = oscillationClasses(randomKey(1), 300, { T: 32, D: 2, classes: 4 });
    assert.deepEqual([...a.x.shape], [300, 32, 2]);
    assert.equal(a.x.dtype, "float32");
    assert.equal(a.labels.dtype, "int32");
    const counts = [0, 0, 0, 0];
    for (const l of a.labels.data) counts[l]! += 1;
    assert.ok(
      counts.every((c) => c > 40),
      `every class drawn: ${counts}`,
    );
    const b = oscillationClasses(randomKey(1), 300, { T: 32, D: 2, classes: 4 });
    assert.deepEqual(b.x.data, a.x.data);
    assert.deepEqual(b.labels.data, a.labels.data);
    const c = oscillationClasses(randomKey(2), 300, { T: 32, D: 2, classes: 4 });
    assert.notDeepEqual(c.x.data, a.x.data);
  });

  it("puts the class in the trend: the mean end-minus-start rises with the class", () => {
    const T = 64;
    const D = 3;
    const { x, labels } = oscillationClasses(randomKey(3), 900, { T, D, noise: 0.1 });
    const sum = [0, 0, 0];
    const count = [0, 0, 0];
    for (let i = 0; i < 900; i++) {
      for (let d = 0; d < D; d++)
        sum[labels.data[i]!]! += x.data[(i * T + T - 1) * D + d]! - x.data[i * T * D + d]!;
      count[labels.data[i]!]! += D;
    }
    const mean = sum.map((s, c) => s / count[c]!);
    // Slopes −0.8, 0, 0.8 over the sequence; the damped oscillations average out.
    assert.ok(mean[0]! < -0.5 && Math.abs(mean[1]!) < 0.3 && mean[2]! > 0.5, `${mean}`);
  });

  it("rejects bad sizes", () => {
    assert.throws(() => oscillationClasses(randomKey(0), 0), WarpError);
    assert.throws(() => oscillationClasses(randomKey(0), 5, { classes: 1 }), /need ≥ 2 classes/);
  });
});
