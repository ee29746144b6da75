// warp-ts for browsers (`warp-ts/web`): the main entry's public surface without the YAML run
// configuration (config/run-schema.ts, run-config.ts, overrides.ts with its yaml parser, paths.ts), so that a
// page bundles only the model path (the shared validator config/validate.ts is part of it).
// No Node built-ins are reachable from here (test/browser/bundle.test.ts bundles it with esbuild and checks,
// and checks that it exports every name of src/index.ts but the run-config ones). Explicit named re-exports
// only. On a page's main thread, `await initWasm()` before the first op to get the wasm backend.

export { backward, grad, type TensorTree, valueAndGrad } from "./autograd/grad.js";
export { type GradcheckOptions, type GradcheckReport, gradcheck } from "./autograd/gradcheck.js";
export { noGrad } from "./autograd/tape.js";
export { ROOT_ACTIVATIONS, type RootActivation } from "./backends/kernels.js";
export {
  availableBackends,
  type BackendName,
  backendInfo,
  getBackend,
  nativeUnavailableReason,
  setBackend,
  wasmUnavailableReason,
  withBackend,
} from "./backends/registry.js";
export { initWasm, initWasmThreads } from "./backends/wasm/index.js";
export { serveWasmThread, type ThreadWorker } from "./backends/wasm/threads.js";
export {
  type ArModel,
  arForecast,
  type ClassicalBaselines,
  classicalForecasts,
  detectSeason,
  fitAr,
  fitClassicalBaselines,
  type HorizonMetrics,
  horizonMetrics,
  horizonOf,
  naiveScale,
  persistenceForecast,
  seasonalNaiveForecast,
} from "./baselines/classical.js";
export { type RnnCellParams, RnnModel, type RnnParams } from "./baselines/rnn.js";
export { nearest } from "./config/validate.js";
export {
  type CsvOptions,
  type CsvSeries,
  chronologicalSplit,
  fillGaps,
  MISSING_TOKENS,
  parseCsvSeries,
  type RowSplit,
  roundHalfEven,
  type SeriesSplitOptions,
  splitSeriesWindows,
  type WindowOptions,
  type WindowSplits,
  windowSeries,
} from "./data/csv.js";
export {
  type ArrayDatasetArrays,
  type ArrayDatasetOptions,
  arrayDataset,
  type BatchesOptions,
  batches,
  type Dataset,
  subset,
} from "./data/dataset.js";
export {
  DYNAMICS_SIZES,
  type DynamicsOptions,
  type DynamicsSplit,
  type Interval,
  LOTKA_RANGES,
  type LotkaDataset,
  type LotkaOptions,
  type LotkaRanges,
  type LotkaSplitsOptions,
  lotkaDataset,
  lotkaSplits,
  MSD_RANGES,
  type MsdDataset,
  type MsdOptions,
  type MsdRanges,
  type MsdSplitsOptions,
  msdDataset,
  msdSplits,
  msdZeroDataset,
  msdZeroSplits,
  repeatCopy,
} from "./data/dynamics.js";
export {
  type DataSplits,
  type FileReader,
  generatorCommand,
  LAYOUTS,
  type LayoutOptions,
  loadLayout,
  seriesSplits,
} from "./data/layouts.js";
export {
  type DownsampleMode,
  downsampledSize,
  idxLabels,
  type MnistDatasetOptions,
  mnistDataset,
  type PixelSequenceOptions,
  pixelSequences,
} from "./data/mnist.js";
export {
  type DenormalizeOptions,
  denormalize,
  type FitMinMaxOptions,
  fitMinMax,
  type MinMaxStats,
  normalize,
} from "./data/normalize.js";
export {
  datasetFromNpy,
  datasetFromNpz,
  type NpyDatasetOptions,
  type NpzDatasetOptions,
} from "./data/npy-dataset.js";
export { type OdeFunction, type OdeOptions, odeSolve } from "./data/ode.js";
export { type OscillationOptions, oscillationClasses } from "./data/oscillations.js";
export {
  type SineDataset,
  type SineOptions,
  type SineSplitsOptions,
  sineDataset,
  sineSplits,
} from "./data/sine.js";
export {
  type PemsWindowOptions,
  pemsWindows,
  type TrafficSequences,
  trafficSequencesFromNpz,
} from "./data/traffic.js";
export {
  parseUeaTs,
  parseUeaTsPair,
  type UeaData,
  type UeaParseOptions,
  ueaArraysFromNpz,
} from "./data/uea.js";
export { type ForecastWindowOptions, type ForecastWindows, forecastWindows } from "./data/windows.js";
export {
  compareForecasts,
  EXPLODING_LIMIT,
  type ForecastComparison,
  type ForecastData,
  type ForecastDataOptions,
  type ForecastSpec,
  forecastData,
  forecastSeries,
  rolloutForecast,
  type WindowForecast,
} from "./forecast/forecaster.js";
export {
  applyAffine,
  fitSeriesNormalization,
  globalStats,
  INSTANCE_SCALE_FLOOR,
  type SeriesNormalization,
  type SeriesNormalizationOptions,
  undoAffine,
  type WindowAffine,
  windowAffine,
} from "./forecast/normalization.js";
export { FORECAST_RECIPE } from "./forecast/recipe.js";
export {
  jsonSeries,
  parseSeries,
  type SeriesFormat,
  type SeriesOptions,
  seriesFormat,
} from "./forecast/series.js";
export {
  deleteCheckpointFromIndexedDB,
  downloadCheckpoint,
  fetchCheckpoint,
  type IndexedDBCheckpointOptions,
  listCheckpointsInIndexedDB,
  loadCheckpointFromIndexedDB,
  type ReadCheckpointOptions,
  readCheckpointFile,
  saveCheckpointToIndexedDB,
} from "./io/browser-checkpoints.js";
export {
  authorsModelKeys,
  type EquinoxLeaf,
  equinoxLayout,
  equinoxSizes,
  readEquinoxWarp,
  splitNpyStream,
  writeEquinoxWarp,
} from "./io/equinox.js";
export {
  type DecodeIdxOptions,
  decodeIdx,
  encodeIdx,
  type IdxArray,
  type IdxData,
  type IdxDType,
} from "./io/idx.js";
export { decodeNpy, decodeNpz, encodeNpy, encodeNpz } from "./io/npy.js";
export { decodeSafetensors, encodeSafetensors } from "./io/safetensors.js";
export { createModel } from "./models.js";
export {
  abs,
  add,
  cast,
  clip,
  cos,
  div,
  equal,
  exp,
  greater,
  less,
  log,
  maximum,
  minimum,
  mul,
  neg,
  type Operand,
  pow,
  relu,
  sigmoid,
  sin,
  softplus,
  sqrt,
  square,
  stopGradient,
  sub,
  swish,
  tanh,
  where,
} from "./ops/elementwise.js";
export { type LinearStepOptions, linearStep, StepTape, stepTape } from "./ops/linear-step.js";
export { softmaxCrossEntropy } from "./ops/loss.js";
export { type MatmulOptions, matmul } from "./ops/matmul.js";
export { linearRecurrence, linearRecurrenceRef, type RecurrenceOptions } from "./ops/recurrence.js";
export { broadcastTo, mean, sum, sumTo } from "./ops/reduce.js";
export { type RootMlpOptions, rootMlp, rootMlpRef, rootParamCount } from "./ops/root-mlp.js";
export {
  blockScan,
  blockScanRef,
  diagonalScan,
  diagonalScanRef,
  diagonalStep,
  diagonalStepRef,
  type LowRank,
  type LowRankScanOptions,
  lowRankScan,
  lowRankScanRef,
  type ScanOptions,
} from "./ops/scan.js";
export { concat, gather, reshape, slice, split, stack, transpose } from "./ops/shape.js";
export { clipByGlobalNorm, clipElementwise, globalNorm } from "./optim/clip.js";
export { type ConfiguredOptimizer, optimizerFromConfig } from "./optim/from-config.js";
export {
  type AdamOptions,
  type AdamState,
  type AdamwOptions,
  adabelief,
  adam,
  adamw,
  type DecayMask,
  type SgdState,
  sgd,
} from "./optim/optimizers.js";
export { type PlateauOptions, type PlateauState, reduceOnPlateau } from "./optim/plateau.js";
export { type ReferenceOptimizerOptions, referenceOptimizer } from "./optim/reference.js";
export {
  applyUpdates,
  chain,
  type EmptyState,
  type GradientTransformation,
  scaleEntries,
  type Tree,
  treeLeaves,
  treeMap,
  type UpdateExtra,
} from "./optim/transform.js";
export {
  type ForecastInput,
  forecastSpec,
  type ImageGridInput,
  imageGridSpec,
  type LossCurveOptions,
  type LossRecord,
  lossCurveSpec,
} from "./plot/specs.js";
export type { Batch, ForwardOptions, SequenceModel } from "./sequence-model.js";
export {
  clearPool,
  convert,
  type DType,
  dispose,
  eye,
  type FloatDType,
  full,
  ones,
  pooledByteCount,
  scalar,
  Tensor,
  tensor,
  tidy,
  zeros,
} from "./tensor/tensor.js";
export { type EvaluateOptions, evaluate } from "./train/evaluate.js";
export {
  criterionScore,
  DIVERGENCE_HINT,
  type EpochRecord,
  epochKeys,
  type FitOptions,
  type FitState,
  fit,
  fitAsync,
  fitSteps,
  TrainingDiverged,
  TrainingInterrupted,
} from "./train/fit.js";
export * as metrics from "./train/metrics.js";
export { decodeState, encodeState } from "./train/state.js";
export { WarpError } from "./util/assert.js";
export {
  bernoulli,
  foldIn,
  type Key,
  normal,
  permutation,
  randint,
  randomBits,
  randomKey,
  splitKey,
  uniform,
} from "./util/random.js";
export {
  CHECKPOINT_FORMAT,
  type Checkpoint,
  loadCheckpoint,
  saveCheckpoint,
} from "./warp/checkpoint.js";
export {
  type FinalActivation,
  IGNORED_MODEL_KEYS,
  MODEL_DEFAULTS,
  MODEL_TYPES,
  type ModelConfig,
  type ModelType,
  RNN_DEFAULTS,
  RNN_MODEL_KEYS,
  RNN_MODEL_TYPES,
  type RnnModelType,
  ROOT_PHYSICS,
  type RootPhysics,
  resolveModelConfig,
  TRAINING_MODEL_KEYS,
  TRANSITIONS,
  type Transition,
} from "./warp/config.js";
export { applyHead, finalActivation, type HeadOptions } from "./warp/head.js";
export { gaussianNll, halfMse, lastStepCrossEntropy, mse, sampleSteps } from "./warp/loss.js";
export { hypernetSizes, parallelStates, WarpModel } from "./warp/model.js";
export { type LinearParams, namedToParams, paramsToNamed, type WarpParams } from "./warp/params.js";
export { initMlpTheta, mlpDims, mlpRoot, msdRoot, type Root, sinePhaseRoot, sineRoot } from "./warp/root.js";
export {
  type StreamOptions,
  type StreamPrediction,
  type StreamRollout,
  StreamSession,
} from "./warp/stream.js";
export { denseTransition, type TransitionParams, transitionName } from "./warp/transition.js";
export { type TrainJob, trainInWorker } from "./worker/client.js";
export type { Endpoint, TrainProgress, TrainRequest, TrainResult } from "./worker/protocol.js";
export { serveTraining } from "./worker/train-worker.js";
