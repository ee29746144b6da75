// warp-ts public surface: everything of the browser entry (src/web.ts), then the named re-exports of what
// the browser entry leaves out (the YAML run configuration and what is built on it: forecasting, baselines).

export { applyOverrides, parseConfigYaml } from "./config/overrides.js";
export { resolveDataPath } from "./config/paths.js";
export { modelConfigFromRun, resolveRunConfig } from "./config/run-config.js";
export {
  type DataConfig,
  type GeneralConfig,
  IGNORED_RUN_KEYS,
  INSTANCE_NORMS,
  type InstanceNorm,
  LEGACY_MODEL_KEYS,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  type OptimizerName,
  PLATEAU_DEFAULTS,
  type PlateauConfig,
  RUN_DEFAULTS,
  RUN_SECTIONS,
  type RunConfig,
  type RunSection,
  SERIES_SCALINGS,
  type SeriesScaling,
  seriesScaling,
  type TrainingConfig,
  VAL_CRITERIA,
  type ValCriterion,
} from "./config/run-schema.js";
export {
  type FitForecasterAsyncOptions,
  type FitForecasterOptions,
  type FitProgress,
  type Forecast,
  type ForecastEvaluation,
  Forecaster,
  fitForecaster,
  fitForecasterAsync,
  loadForecaster,
  type SeriesInput,
} from "./forecast/api.js";
export * from "./web.js";
