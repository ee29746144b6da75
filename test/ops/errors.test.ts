// Error messages across ops: every shape error names the op and both shapes, every dtype mismatch names
// both dtypes, and int32 tensors are rejected by math ops with a message naming the op.

import {
  abs,
  add,
  broadcastTo,
  cast,
  clip,
  concat,
  div,
  equal,
  exp,
  greater,
  less,
  log,
  matmul,
  maximum,
  mean,
  minimum,
  mul,
  pow,
  relu,
  sigmoid,
  softmaxCrossEntropy,
  sub,
  sum,
  type Tensor,
  tanh,
  tensor,
  where,
} from "../../src/index.js";
import { describeEachBackend, rand, throwsWith } from "../helpers/index.js";

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ["add", add],
  ["sub", sub],
  ["mul", mul],
  ["div", div],
  ["pow", pow],
  ["maximum", maximum],
  ["minimum", minimum],
  ["greater", greater],
  ["less", less],
  ["equal", equal],
];

const int32 = (shape: number[]): Tensor =>
  tensor(
    Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    shape,
  );

describeEachBackend("shape errors", (it) => {
  it("add of (2,3) and (4) names add and both shapes", () => {
    throwsWith(() => add(rand([2, 3]), rand([4])), "add", "(2,3)", "(4)");
  });

  it("every broadcasting binary op names itself and both shapes", () => {
    for (const [name, f] of BINARY) {
      throwsWith(() => f(rand([2, 3]), rand([4])), name, "(2,3)", "(4)");
      throwsWith(() => f(rand([5, 1, 3]), rand([2, 2])), name, "(5,1,3)", "(2,2)");
    }
  });

  it("matmul with different inner dimensions names matmul and both shapes", () => {
    throwsWith(() => matmul(rand([2, 3]), rand([4, 5])), "matmul", "(2,3)", "(4,5)");
    throwsWith(() => matmul(rand([2, 3]), rand([2, 5]), { transB: true }), "matmul", "(2,3)", "(2,5)");
    throwsWith(
      () => matmul(rand([2, 3]), rand([2, 5]), { transA: true, transB: true }),
      "matmul",
      "(2,3)",
      "(2,5)",
    );
    throwsWith(() => matmul(rand([4, 2, 3]), rand([4, 4, 5])), "matmul", "(4,2,3)", "(4,4,5)");
  });

  it("matmul with batch axes that do not broadcast names matmul and both full shapes", () => {
    throwsWith(() => matmul(rand([2, 3, 4]), rand([5, 4, 6])), "matmul", "(2,3,4)", "(5,4,6)");
  });

  it("matmul with fewer than two axes names matmul and both shapes", () => {
    throwsWith(() => matmul(rand([3]), rand([3, 2])), "matmul", "(3)", "(3,2)");
  });

  it("concat of mismatched shapes names concat and both shapes", () => {
    throwsWith(() => concat([rand([2, 3]), rand([2, 4])], 0), "concat", "(2,3)", "(2,4)");
    throwsWith(() => concat([rand([2, 3]), rand([2, 3]), rand([1, 4])], 1), "concat", "(2,3)", "(1,4)");
  });

  it("where with shapes that do not broadcast names where and both shapes", () => {
    const c = greater(rand([2, 3]), 0);
    throwsWith(() => where(c, rand([3, 2]), rand([2, 3])), "where", "(2,3)", "(3,2)");
    throwsWith(() => where(c, rand([2, 3]), rand([4])), "where", "(2,3)", "(4)");
    throwsWith(() => where(greater(rand([5]), 0), rand([2, 3]), 0), "where", "(5)", "(2,3)");
  });

  it("broadcastTo to an incompatible shape names broadcastTo and both shapes", () => {
    throwsWith(() => broadcastTo(rand([2, 3]), [4, 3]), "broadcastTo", "(2,3)", "(4,3)");
  });
});

describeEachBackend("dtype errors", (it) => {
  it("mixing float32 and float64 in add names add and both dtypes", () => {
    throwsWith(() => add(rand([2, 3]), rand([2, 3], { dtype: "float64" })), "add", "float32", "float64");
    throwsWith(() => add(rand([2, 3], { dtype: "float64" }), rand([3])), "add", "float64", "float32");
  });

  it("mixing float32 and float64 in any binary op, matmul, where or concat names both dtypes", () => {
    const f32 = rand([2, 2]);
    const f64 = rand([2, 2], { dtype: "float64" });
    for (const [name, f] of BINARY) throwsWith(() => f(f32, f64), name, "float32", "float64");
    throwsWith(() => matmul(f32, f64), "matmul", "float32", "float64");
    throwsWith(() => where(greater(f32, 0), f32, f64), "where", "float32", "float64");
    throwsWith(() => concat([f32, f64]), "concat", "float32", "float64");
  });

  it("rejects int32 tensors in math ops, naming the op and int32", () => {
    const i = int32([2, 3]);
    const f = rand([2, 3]);
    const cases: [string, () => unknown][] = [
      ["add", () => add(i, f)],
      ["add", () => add(f, i)],
      ["add", () => add(i, 1)],
      ["mul", () => mul(i, i)],
      ["sub", () => sub(i, 1)],
      ["div", () => div(f, i)],
      ["exp", () => exp(i)],
      ["log", () => log(i)],
      ["tanh", () => tanh(i)],
      ["relu", () => relu(i)],
      ["sigmoid", () => sigmoid(i)],
      ["abs", () => abs(i)],
      ["clip", () => clip(i, 0, 1)],
      ["cast", () => cast(i, "float32")],
      ["sum", () => sum(i)],
      ["matmul", () => matmul(int32([2, 3]), int32([3, 2]))],
      ["matmul", () => matmul(f, int32([3, 2]))],
      ["where", () => where(greater(f, 0), i, i)],
      ["softmaxCrossEntropy", () => softmaxCrossEntropy(i, int32([2]))],
    ];
    for (const [name, fn] of cases) throwsWith(fn, name, "int32");
  });

  it("rejects an int32 tensor in mean with a message naming mean, not the sum it is built on", () => {
    throwsWith(() => mean(int32([2, 3]), 0), "mean", "int32", "(2,3)");
    throwsWith(() => mean(int32([2, 3])), "mean", "int32", "(2,3)");
  });
});
