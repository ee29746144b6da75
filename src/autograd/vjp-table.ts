// The one exhaustive table of vector-Jacobian products, typed over OpName: an op declared in types.ts
// without a rule here is a compile error.

import { arRolloutVjp } from "../ops/ar-rollout.js";
import { broadcastToVjp, sumVjp } from "../ops/broadcast.js";
import * as ew from "../ops/elementwise.js";
import { linearStepVjp, stepTapeTickVjp } from "../ops/linear-step.js";
import { softmaxCrossEntropyVjp } from "../ops/loss.js";
import { matmulVjp } from "../ops/matmul.js";
import { linearRecurrenceVjp } from "../ops/recurrence.js";
import { rootMlpVjp } from "../ops/root-mlp.js";
import { blockScanVjp, diagonalScanVjp, diagonalStepVjp, lowRankScanVjp } from "../ops/scan.js";
import { concatVjp, gatherVjp, reshapeVjp, sliceVjp, transposeVjp } from "../ops/shape.js";
import type { OpName, Vjp } from "./types.js";

export const vjpRules: { readonly [K in OpName]: Vjp<K> } = {
  neg: ew.negVjp,
  exp: ew.expVjp,
  log: ew.logVjp,
  sqrt: ew.sqrtVjp,
  abs: ew.absVjp,
  relu: ew.reluVjp,
  tanh: ew.tanhVjp,
  sigmoid: ew.sigmoidVjp,
  softplus: ew.softplusVjp,
  swish: ew.swishVjp,
  sin: ew.sinVjp,
  cos: ew.cosVjp,
  square: ew.squareVjp,
  add: ew.addVjp,
  sub: ew.subVjp,
  mul: ew.mulVjp,
  div: ew.divVjp,
  pow: ew.powVjp,
  maximum: ew.maximumVjp,
  minimum: ew.minimumVjp,
  greater: ew.greaterVjp,
  less: ew.lessVjp,
  equal: ew.equalVjp,
  clip: ew.clipVjp,
  where: ew.whereVjp,
  cast: ew.castVjp,
  stopGradient: ew.stopGradientVjp,
  matmul: matmulVjp,
  sum: sumVjp,
  broadcastTo: broadcastToVjp,
  reshape: reshapeVjp,
  transpose: transposeVjp,
  slice: sliceVjp,
  concat: concatVjp,
  gather: gatherVjp,
  softmaxCrossEntropy: softmaxCrossEntropyVjp,
  linearRecurrence: linearRecurrenceVjp,
  diagonalScan: diagonalScanVjp,
  diagonalStep: diagonalStepVjp,
  lowRankScan: lowRankScanVjp,
  blockScan: blockScanVjp,
  rootMlp: rootMlpVjp,
  linearStep: linearStepVjp,
  stepTapeTick: stepTapeTickVjp,
  arRollout: arRolloutVjp,
};
