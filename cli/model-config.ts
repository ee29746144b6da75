// Reads a reference-style YAML run configuration (sections general/data/model/optimizer/training) with the
// library's run-config layer: parse (as PyYAML would), apply --set overrides, validate every section, then
// resolve the model with its data size (model.data_size, --data-size, or the dataset's known size).
// Keys the reference uses and warp-ts ignores are reported once on stderr. Not here: data loading, training.

import { totalmem } from "node:os";
import {
  applyOverrides,
  type ModelConfig,
  modelConfigFromRun,
  parseConfigYaml,
  type RunConfig,
  resolveRunConfig,
  type SequenceModel,
  WarpError,
} from "../src/index.js";
import { readText } from "./files.js";

/** Observation size of the reference's datasets (used when a config does not say data_size). */
const DATASET_SIZES: Record<string, number> = {
  mnist: 1,
  mnist_fashion: 1,
  cifar: 3,
  celeba: 3,
  sine: 1,
  mass_spring_damper: 2,
  lotka: 2,
  lorentz63: 3,
  arc_agi: 1,
};

/** Number of classes of the reference's classification datasets with a fixed label set. */
const DATASET_CLASSES: Record<string, number> = { mnist: 10, mnist_fashion: 10, cifar: 10, spirals: 2 };

type Section = Record<string, unknown>;

/** Prefixes a WarpError's message with the file name. */
function withPath<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof WarpError) throw new WarpError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Parses YAML text into a plain object, with the file name in errors. */
export function parseYaml(text: string, path: string): Section {
  const doc = withPath(path, () => parseConfigYaml(text));
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new WarpError(`${path}: expected a mapping with sections general/data/model/optimizer/training`);
  }
  return doc as Section;
}

export interface ModelConfigOptions {
  dataSize?: number;
  nbClasses?: number;
}

/** The overrides a run configuration was read with, and the flags that gave them (see `blamed`). */
const overridesOf = new WeakMap<RunConfig, { sets: readonly string[]; flags: Record<string, string> }>();

/**
 * A validation error prefixed with what the user wrote: a key or value given by --set (or by a flag
 * standing for one, `flags[set]`, e.g. --context for data.context) is blamed on that flag, not on the
 * file: the flag of the key the error is about (its message starts with it), else of a key it mentions.
 */
function blamed(
  e: WarpError,
  path: string,
  sets: readonly string[],
  flags: Record<string, string> = {},
): WarpError {
  const keyOf = (s: string) => s.slice(0, s.indexOf("=")).trim();
  const set =
    sets.find((s) => keyOf(s) !== "" && e.message.startsWith(`${keyOf(s)} `)) ??
    sets.find((s) => {
      const key = keyOf(s);
      return key !== "" && new RegExp(`(^|[^\\w.])${key.replace(/\./g, "\\.")}(?![\\w])`).test(e.message);
    });
  return new WarpError(`${set !== undefined ? (flags[set] ?? `--set ${set}`) : path}: ${e.message}`);
}

/** The validated run configuration of a parsed document, after the overrides. */
export function runConfigOf(
  doc: Section,
  path: string,
  sets: readonly string[] = [],
  flags: Record<string, string> = {},
): { config: RunConfig; ignored: string[] } {
  const withSets = withPath(path, () => applyOverrides(doc, sets));
  try {
    const resolved = resolveRunConfig(withSets);
    overridesOf.set(resolved.config, { sets, flags });
    return resolved;
  } catch (e) {
    if (!(e instanceof WarpError)) throw e;
    throw blamed(e, path, sets, flags);
  }
}

/** The model configuration of a validated run: the data size and class count from the config, the options or
 * the dataset's known values. */
export function modelConfigOfRun(config: RunConfig, path: string, o: ModelConfigOptions = {}): ModelConfig {
  const { general, model } = config;
  const dataset = general.dataset ?? undefined;
  const given = typeof model.data_size === "number" ? model.data_size : undefined;
  if (given !== undefined && o.dataSize !== undefined && given !== o.dataSize)
    throw new WarpError(
      `${path}: model.data_size = ${given} but --data-size ${o.dataSize}: give one of them`,
    );
  const dataSize = given ?? o.dataSize ?? (dataset ? DATASET_SIZES[dataset] : undefined);
  if (dataSize === undefined) {
    throw new WarpError(
      `${path}: the data size is unknown: set model.data_size or pass --data-size${dataset ? ` (dataset "${dataset}" has no known size)` : ""}`,
    );
  }
  let nbClasses: number | null = null;
  if (general.classification) {
    const inConfig = typeof model.nb_classes === "number" ? model.nb_classes : undefined;
    nbClasses = inConfig ?? o.nbClasses ?? (dataset ? DATASET_CLASSES[dataset] : undefined) ?? null;
    if (nbClasses === null)
      throw new WarpError(`${path}: classification needs model.nb_classes or --nb-classes`);
  }
  try {
    return modelConfigFromRun(config, dataSize, nbClasses);
  } catch (e) {
    if (!(e instanceof WarpError)) throw e;
    // The model section is validated here, with the data's size: a bad model key from --set names that flag.
    const given = overridesOf.get(config);
    throw blamed(e, path, given?.sets ?? [], given?.flags);
  }
}

/** Reports accepted-but-unused reference keys on stderr, once (silent with WARP_QUIET=1). */
export function reportIgnored(path: string, keys: string[]): void {
  if (process.env.WARP_QUIET === "1") return;
  console.error(`warp: note: ${path}: keys accepted but not used by warp-ts: ${keys.join(", ")}`);
}

/**
 * Reads, overrides and validates a run configuration file; ignored keys are reported on stderr. `flags`
 * names the command-line flag behind an override that the user did not write as --set.
 */
export function readRunConfig(
  path: string,
  sets: readonly string[] = [],
  flags: Record<string, string> = {},
): RunConfig {
  const { config, ignored } = runConfigOf(parseYaml(readText(path, "config"), path), path, sets, flags);
  if (ignored.length > 0) reportIgnored(path, ignored);
  return config;
}

/** Bytes of a model's parameters, gradients and two optimiser moments (a dense A dominates: Dθ²). */
function trainingBytes(model: SequenceModel): number {
  const theta = (model as { thetaDim?: number }).thetaDim;
  const params = theta !== undefined ? theta * theta + 4 * theta : 0;
  return 4 * 4 * params;
}

/** Refuses a run whose model cannot fit in memory, naming the keys that size it. */
export function checkModelSize(model: SequenceModel, run: RunConfig): void {
  const bytes = trainingBytes(model);
  const limit = Math.min(totalmem() * 0.8, 4 * 2 ** 32);
  if (bytes > limit) {
    const m = run.model;
    throw new WarpError(
      `model too large: ${model.description} (model.root_width_size ${m.root_width_size}, model.root_depth ${m.root_depth}) needs about ${(bytes / 2 ** 30).toFixed(1)} GiB for its parameters, gradients and optimiser state alone; this machine allows ${(limit / 2 ** 30).toFixed(1)} GiB`,
    );
  }
}
