// Metrics of docs/model.md §3 against hand-computed values (the arithmetic is written beside each number):
// MSE/RMSE/MAE/MAPE with and without a context length, Gaussian NLL, the paper's image BPD recipe,
// accuracy/error rate from logits or classes, macro-F1 on a small confusion matrix and its class
// convention, metrics in original units, and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MinMaxStats, metrics, tensor } from "../../src/index.js";
import { throwsWith } from "../helpers/index.js";

const {
  accuracy,
  confusionMatrix,
  errorRate,
  imageBpd,
  macroF1,
  mae,
  mape,
  metricsInOriginalUnits,
  mse,
  nll,
  rmse,
} = metrics;

function close(actual: number, expected: number, tol = 1e-12, what = "value"): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected}`);
}

describe("regression metrics", () => {
  it("mse, rmse, mae on flat arrays", () => {
    const pred = [1, 2, 3, 4];
    const target = [1, 0, 3, 0];
    // Differences 0, 2, 0, 4: squares 0 + 4 + 0 + 16 = 20, /4 = 5; absolute 0 + 2 + 0 + 4 = 6, /4 = 1.5.
    close(mse(pred, target), 5);
    close(rmse(pred, target), Math.sqrt(5));
    close(mae(pred, target), 1.5);
    close(mse(tensor(pred, [4]), new Float32Array(target)), 5);
  });

  it("score only steps t ≥ context (time on axis 1)", () => {
    // (1, 3, 1): pred 10, 1, 2 against 0, 0, 0.
    const pred = tensor([10, 1, 2], [1, 3, 1]);
    const target = tensor([0, 0, 0], [1, 3, 1]);
    close(mse(pred, target), (100 + 1 + 4) / 3);
    close(mse(pred, target, { context: 1 }), (1 + 4) / 2);
    close(mae(pred, target, { context: 2 }), 2);
    // (2, 3, 2): errors e[n,t,d] = pred − 0; context 2 keeps t = 2 of both sequences: 5, 6 and 11, 12.
    const p2 = tensor(
      Array.from({ length: 12 }, (_, i) => i + 1),
      [2, 3, 2],
    );
    const z2 = tensor(new Array(12).fill(0), [2, 3, 2]);
    close(mae(p2, z2, { context: 2 }), (5 + 6 + 11 + 12) / 4);
    close(mse(p2, z2, { context: 2 }), (25 + 36 + 121 + 144) / 4);
    close(rmse(p2, z2, { context: 2 }), Math.sqrt((25 + 36 + 121 + 144) / 4));
  });

  it("mape skips |y| < 1e−8 and is a fraction", () => {
    // |2 − 1|/1 = 1; y = 0 skipped; y = 1e−9 skipped; |5 − 4|/4 = 0.25 → (1 + 0.25)/2 = 0.625.
    close(mape([2, 1, 3, 5], [1, 0, 1e-9, 4]), 0.625);
    // Negative targets use |y|: |−1 − (−2)|/2 = 0.5.
    close(mape([-1], [-2]), 0.5);
    assert.ok(Number.isNaN(mape([1, 2], [0, 0])));
    // context: (1, 2, 1) pred 9, 3 vs 1, 2 → only t = 1: |3 − 2|/2 = 0.5.
    close(mape(tensor([9, 3], [1, 2, 1]), tensor([1, 2], [1, 2, 1]), { context: 1 }), 0.5);
  });

  it("nll is the Gaussian NLL without the ½·log 2π constant", () => {
    // (μ, σ, y) = (0, 1, 1): log 1 + ½·1² = 0.5; (1, 2, 1): log 2 + 0 = 0.693147…; mean 0.596573…
    close(nll([0, 1], [1, 2], [1, 1]), (0.5 + Math.log(2)) / 2);
    close(nll([0, 1], [1, 2], [1, 1]), 0.5965735902799727, 1e-15);
    // σ = 0.5, y − μ = 1: log 0.5 + ½·(1/0.5)² = −0.693147 + 2 = 1.306853; context drops step 0.
    close(
      nll(tensor([0, 0], [1, 2, 1]), tensor([1, 0.5], [1, 2, 1]), tensor([1, 1], [1, 2, 1]), { context: 1 }),
      2 - Math.log(2),
    );
  });

  it("rejects mismatched shapes, a context without a time axis and out-of-range contexts", () => {
    throwsWith(() => mse(tensor([1, 2], [1, 2, 1]), tensor([1, 2], [2, 1, 1])), "mse", "(1,2,1)", "(2,1,1)");
    throwsWith(() => mse([1, 2], [1, 2, 3]), "mse", "(2)", "(3)");
    throwsWith(() => mae([1, 2], [1, 2], { context: 1 }), "mae", "context 1", "time axis");
    throwsWith(
      () => mse(tensor([1, 2], [1, 2, 1]), tensor([1, 2], [1, 2, 1]), { context: 2 }),
      "context",
      "[0, 2)",
    );
    throwsWith(() => nll([0], [1, 1], [0]), "nll", "std");
    throwsWith(() => mse([], []), "no values");
  });
});

describe("imageBpd", () => {
  it("follows the paper's recipe on a two-pixel example", () => {
    // y = (1, −1) → y01 = (1, 0); μ = (0, 0) → μ01 = (0.5, 0.5); σ = (0.5, 1) unscaled; d = ±0.5.
    // pixel 1: ½·log(2π·0.25) + ½·0.25/0.25 = ½·log(π/2) + 0.5 = 0.225791… + 0.5 = 0.725791…
    // pixel 2: ½·log(2π) + ½·0.25/1 = 0.918939… + 0.125 = 1.043939…
    const p1 = 0.5 * Math.log(Math.PI / 2) + 0.5;
    const p2 = 0.5 * Math.log(2 * Math.PI) + 0.125;
    const r = imageBpd(tensor([0, 0], [1, 2, 1]), tensor([0.5, 1], [1, 2, 1]), tensor([1, -1], [1, 2, 1]));
    close(r.nll, (p1 + p2) / 2, 1e-12, "nll");
    close(r.nll, 0.8848649429247, 1e-12, "nll (number)");
    close(r.bpd, (p1 + p2) / 2 / Math.LN2, 1e-12, "bpd = nll·log2(e)");
    close(r.bpd, 1.27659026501396, 1e-12, "bpd (number)");
    close(r.mse, 0.25, 1e-15, "mse on [0, 1]: (0.25 + 0.25)/2");
    // With context 1 only pixel 2 counts.
    const c = imageBpd(tensor([0, 0], [1, 2, 1]), tensor([0.5, 1], [1, 2, 1]), tensor([1, -1], [1, 2, 1]), {
      context: 1,
    });
    close(c.nll, p2, 1e-12, "nll from context 1");
  });

  it("floors σ at 1e−8", () => {
    // σ = 0, d = 0: ½·log(2π·1e−16) = ½·log(2π) + log(1e−8).
    const r = imageBpd([0.3], [0], [0.3]);
    close(r.nll, 0.5 * Math.log(2 * Math.PI) + Math.log(1e-8), 1e-9);
    assert.ok(Number.isFinite(r.bpd));
  });
});

describe("classification metrics", () => {
  const logits = tensor(
    [
      [2, 1, 0], // → 0
      [0, 3, 1], // → 1
      [1, 0, 5], // → 2
      [4, 0, 0], // → 0
    ],
    [4, 3],
  );
  const labels = tensor([0, 1, 1, 2], [4], "int32");

  it("accuracy and error rate from logits (N, C), (N, T, C) and from classes", () => {
    // Predictions 0, 1, 2, 0 against 0, 1, 1, 2: two right of four.
    close(accuracy(logits, labels), 0.5);
    close(errorRate(logits, labels), 0.5);
    close(accuracy([0, 1, 1, 2], [0, 1, 1, 2]), 1);
    close(errorRate(tensor([0, 1, 1, 1], [4], "int32"), [0, 1, 1, 2]), 0.25);
    // (2, 2, 2): the last step decides. Seq 0: last step (0, 9) → 1; seq 1: last step (7, 0) → 0.
    const seqLogits = tensor([9, 0, 0, 9, 0, 7, 7, 0], [2, 2, 2]);
    close(accuracy(seqLogits, [1, 0]), 1);
    // Ties go to the first maximum (as argmax): (1, 1) → 0.
    close(accuracy(tensor([1, 1], [1, 2]), [0]), 1);
  });

  it("confusion matrix and macro-F1 on a three-class example", () => {
    const y = [0, 0, 0, 1, 1, 2, 2, 2];
    const p = [0, 0, 1, 1, 2, 2, 2, 0];
    assert.deepEqual(confusionMatrix(p, y), [
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    // class 0: TP 2, FN 1, FP 1 → 4/6; class 1: TP 1, FN 1, FP 1 → 2/4; class 2: TP 2, FN 1, FP 1 → 4/6.
    // macro = (2/3 + 1/2 + 2/3)/3 = 11/18.
    close(macroF1(p, y), 11 / 18);
    close(macroF1(y, y), 1);
  });

  it("leaves classes absent from labels and predictions out of the macro average", () => {
    // Classes 1, 2 never occur: class 0 TP 1, FN 1 → 2/3; class 3 TP 2, FP 1 → 4/5; (2/3 + 4/5)/2 = 11/15.
    close(macroF1([0, 3, 3, 3], [0, 0, 3, 3]), 11 / 15);
    // A class only predicted counts with F1 0: class 0 TP 1 FN 1 → 2/3, class 1 TP 0 FP 1 → 0; mean 1/3.
    close(macroF1([0, 1], [0, 0]), 1 / 3);
    assert.deepEqual(confusionMatrix([0, 1], [0, 0], 3), [
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  it("rejects mismatched lengths, non-integer classes and label tensors of rank 2", () => {
    throwsWith(() => accuracy([0, 1], [0]), "accuracy", "2 predictions", "1 labels");
    throwsWith(() => macroF1([0, 1.5], [0, 1]), "predictions", "1.5", "[1]");
    throwsWith(() => accuracy([0], [-1]), "labels", "-1");
    throwsWith(() => accuracy(logits, logits), "labels", "(4,3)");
    throwsWith(() => accuracy(tensor([0, 1], [1, 2], "int32"), [0]), "logits", "int32");
    throwsWith(() => accuracy([], []), "no predictions");
  });
});

describe("metricsInOriginalUnits", () => {
  it("denormalizes prediction and target before scoring", () => {
    // min 0, max 10: x = (y + 1)/2·10. pred (0, 1) → (5, 10); target (−1, 0) → (0, 5); errors 5, 5.
    const stats: MinMaxStats = { perChannel: false, min: [0], max: [10] };
    const m = metricsInOriginalUnits(tensor([0, 1], [1, 2, 1]), tensor([-1, 0], [1, 2, 1]), stats);
    close(m.mse, 25);
    close(m.rmse, 5);
    close(m.mae, 5);
    // MAPE skips the target 0: |10 − 5|/5 = 1.
    close(m.mape, 1);
    // In normalised units the MSE would be (1 + 1)/2 = 1: the units matter.
    close(mse(tensor([0, 1], [1, 2, 1]), tensor([-1, 0], [1, 2, 1])), 1);
    const c = metricsInOriginalUnits(tensor([0, 1], [1, 2, 1]), tensor([-1, 0], [1, 2, 1]), stats, {
      context: 1,
    });
    close(c.mse, 25);
    close(c.mape, 1);
  });
});
