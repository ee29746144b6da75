// warp-ts public surface: everything of the browser entry (src/web.ts), then the named re-exports of what
// the browser entry leaves out (the YAML run configuration and what is built on it: forecasting, baselines).

export {
  applyOverrides,
  type DataConfig,
  type GeneralConfig,
  IGNORED_RUN_KEYS,
  INSTANCE_NORMS,
  type InstanceNorm,
  LEGACY_MODEL_KEYS,
  modelConfigFromRun,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  type OptimizerName,
  PLATEAU_DEFAULTS,
  type PlateauConfig,
  parseConfigYaml,
  RUN_DEFAULTS,
  RUN_SECTIONS,
  type RunConfig,
  type RunSection,
  resolveDataPath,
  resolveRunConfig,
  SERIES_SCALINGS,
  type SeriesScaling,
  type TrainingConfig,
  VAL_CRITERIA,
  type ValCriterion,
} from "./config/run-config.js";
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
