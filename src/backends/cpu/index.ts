// The cpu backend: every kernel of the Kernels interface in plain TypeScript (no Node APIs), so it runs
// in any browser and serves as the executable reference for the other backends.

import type { Kernels } from "../kernels.js";
import { bf16PackedLengthCpu, matmulBf16Cpu, matmulBf16TNCpu, packBf16Cpu } from "./bf16.js";
import { copyStridedCpu, gatherCpu, scatterAddCpu } from "./copy.js";
import { binaryCpu, clipCpu, clipVjpCpu, unaryCpu, unaryVjpCpu, whereCpu } from "./elementwise.js";
import { matmulCpu, matmulPackedCpu, packedLengthCpu, packMatrixCpu } from "./gemm.js";
import { adamStepCpu } from "./optim.js";
import { linearRecurrenceCpu, linearRecurrenceVjpCpu } from "./recurrence.js";
import { reduceSumCpu, softmaxCrossEntropyCpu } from "./reduce.js";
import { rootMlpCpu, rootMlpVjpCpu } from "./root-mlp.js";
import { diagonalRootStepCpu, diagonalRootStepVjpCpu, diagonalScanCpu, diagonalScanVjpCpu } from "./scan.js";

export const cpuKernels: Kernels = {
  unary: unaryCpu,
  unaryVjp: unaryVjpCpu,
  binary: binaryCpu,
  clip: clipCpu,
  clipVjp: clipVjpCpu,
  where: whereCpu,
  reduceSum: reduceSumCpu,
  copyStrided: copyStridedCpu,
  gather: gatherCpu,
  scatterAdd: scatterAddCpu,
  matmul: matmulCpu,
  packedLength: packedLengthCpu,
  packMatrix: packMatrixCpu,
  matmulPacked: matmulPackedCpu,
  adamStep: adamStepCpu,
  bf16PackedLength: bf16PackedLengthCpu,
  packBf16: packBf16Cpu,
  matmulBf16: matmulBf16Cpu,
  matmulBf16TN: matmulBf16TNCpu,
  softmaxCrossEntropy: softmaxCrossEntropyCpu,
  linearRecurrence: linearRecurrenceCpu,
  linearRecurrenceVjp: linearRecurrenceVjpCpu,
  diagonalScan: diagonalScanCpu,
  diagonalScanVjp: diagonalScanVjpCpu,
  diagonalRootStep: diagonalRootStepCpu,
  diagonalRootStepVjp: diagonalRootStepVjpCpu,
  rootMlp: rootMlpCpu,
  rootMlpVjp: rootMlpVjpCpu,
};
