// The run configuration: the reference's YAML (sections general/data/model/optimizer/training), validated key
// by key with the reference's defaults, `--set section.key=value` overrides, and the bridge to ModelConfig.
// Keys the reference's cfgs use but warp-ts does not are accepted and listed so the CLI can report them.
// This module is the run configuration's public surface; its parts: the schema and defaults (run-schema.ts),
// validation (run-validate.ts, with the shared validator validate.ts), overrides and YAML (overrides.ts),
// paths (paths.ts).
// Not here: reading files, loading data, building optimisers or training (this module only parses and checks).

export { applyOverrides, parseConfigYaml } from "./overrides.js";
export { resolveDataPath } from "./paths.js";
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
  type TrainingConfig,
  VAL_CRITERIA,
  type ValCriterion,
} from "./run-schema.js";
export { modelConfigFromRun, resolveRunConfig } from "./run-validate.js";
