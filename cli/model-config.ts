// Reads a reference-style YAML configuration (sections general/data/model/optimizer/training) and
// resolves the model part: the `model:` keys, the `training:` keys that change the model, and the data
// size (model.data_size, --data-size, or the dataset's known size). Unknown model keys are errors that
// suggest the nearest key. The full configuration system (optimiser, trainer) builds on this.

import { parse } from "yaml";
import {
  IGNORED_MODEL_KEYS,
  type ModelConfig,
  resolveModelConfig,
  TRAINING_MODEL_KEYS,
  WarpError,
} from "../src/index.js";
import { readText } from "./files.js";

/** Observation size of the reference's datasets (used when a config does not say data_size). */
const DATASET_SIZES: Record<string, number> = {
  mnist: 1,
  mnist_fashion: 1,
  sine: 1,
  mass_spring_damper: 2,
  lotka: 2,
  lorentz63: 3,
};

type Section = Record<string, unknown>;

function section(doc: Section, name: string, path: string): Section {
  const s = doc[name];
  if (s === undefined || s === null) return {};
  if (typeof s !== "object" || Array.isArray(s))
    throw new WarpError(`${path}: section "${name}" must be a mapping`);
  return s as Section;
}

/** Parses YAML text into a plain object, with the file name in errors. */
export function parseYaml(text: string, path: string): Section {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new WarpError(`${path}: invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new WarpError(`${path}: expected a mapping with sections general/data/model/optimizer/training`);
  }
  return doc as Section;
}

export interface ModelConfigOptions {
  dataSize?: number;
  nbClasses?: number;
}

/** The resolved model configuration of a parsed YAML document. */
export function modelConfigOf(doc: Section, path: string, o: ModelConfigOptions = {}): ModelConfig {
  const general = section(doc, "general", path);
  const model = { ...section(doc, "model", path) };
  const training = section(doc, "training", path);
  for (const k of IGNORED_MODEL_KEYS) delete model[k];
  const raw: Section = { ...model };
  for (const k of TRAINING_MODEL_KEYS) if (k in training) raw[k] = training[k];
  const dataset = typeof general.dataset === "string" ? general.dataset : undefined;
  raw.data_size ??= o.dataSize ?? (dataset ? DATASET_SIZES[dataset] : undefined);
  if (raw.data_size === undefined) {
    throw new WarpError(
      `${path}: the data size is unknown: set model.data_size or pass --data-size${dataset ? ` (dataset "${dataset}" has no known size)` : ""}`,
    );
  }
  if (general.classification === true) {
    raw.nb_classes ??= o.nbClasses;
    if (raw.nb_classes === undefined)
      throw new WarpError(`${path}: classification needs model.nb_classes or --nb-classes`);
  }
  try {
    return resolveModelConfig(raw);
  } catch (e) {
    throw new WarpError(`${path}: ${(e as Error).message}`);
  }
}

/** Reads and resolves the model configuration of a YAML file. */
export function readModelConfig(path: string, o: ModelConfigOptions = {}): ModelConfig {
  return modelConfigOf(parseYaml(readText(path, "config"), path), path, o);
}
