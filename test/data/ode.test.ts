// The Dormand–Prince 5(4) integrator against closed-form solutions: the damped oscillator of the MSD
// dataset (m·x'' + c·x' + k·x = 0, x(0) = 1, v(0) = 0) and exponential growth; tolerance control and errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { odeSolve } from "../../src/index.js";

/** Underdamped oscillator: x(t) = e^{−ζωt}(cos ω_d t + (ζω/ω_d) sin ω_d t). */
function oscillator(m: number, c: number, k: number, t: number): number {
  const w = Math.sqrt(k / m);
  const z = c / (2 * Math.sqrt(k * m));
  const wd = w * Math.sqrt(1 - z * z);
  return Math.exp(-z * w * t) * (Math.cos(wd * t) + ((z * w) / wd) * Math.sin(wd * t));
}

/** dy/dt = y. */
function grow(_t: number, s: Float64Array, d: Float64Array): void {
  d[0] = s[0]!;
}

describe("odeSolve (Dormand–Prince 5(4))", () => {
  const ts = Array.from({ length: 256 }, (_, i) => i / 255);
  for (const [m, c, k] of [
    [0.03, 0.1, 10],
    [0.02, 0.01, 16],
    [0.05, 0.3, 2],
  ] as const) {
    it(`matches the closed-form damped oscillator m=${m}, c=${c}, k=${k} at every output time`, () => {
      const y = odeSolve(
        (_t, s, d) => {
          d[0] = s[1]!;
          d[1] = -(k / m) * s[0]! - (c / m) * s[1]!;
        },
        [1, 0],
        ts,
        { rtol: 1e-8, atol: 1e-10 },
      );
      assert.equal(y.length, 2 * 256);
      let worst = 0;
      ts.forEach((t, i) => {
        worst = Math.max(worst, Math.abs(y[2 * i]! - oscillator(m, c, k, t)));
      });
      assert.ok(worst < 1e-6, `max error ${worst}`);
    });
  }

  it("integrates exponential growth to the requested tolerance, looser tolerances giving larger errors", () => {
    const times = [0, 0.5, 1, 2];
    const err = (rtol: number) => {
      const y = odeSolve(grow, [1], times, { rtol, atol: 0 });
      return Math.max(...times.map((t, i) => Math.abs(y[i]! - Math.exp(t)) / Math.exp(t)));
    };
    assert.ok(err(1e-10) < 1e-8, `${err(1e-10)}`);
    assert.ok(err(1e-3) > err(1e-10));
  });

  it("rejects unordered output times, bad tolerances and non-finite solutions", () => {
    assert.throws(() => odeSolve(grow, [1], [0, 1, 1]), /output times must increase strictly \(at index 2\)/);
    assert.throws(() => odeSolve(grow, [1], [0, 1], { rtol: 0 }), /need rtol > 0/);
    const nan = (_t: number, _s: Float64Array, d: Float64Array): void => {
      d[0] = Number.NaN;
    };
    assert.throws(() => odeSolve(nan, [1], [0, 1]), /the solution is not finite near t = 0/);
  });
});
