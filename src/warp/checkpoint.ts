// Model checkpoints as safetensors bytes: the parameters under the model's checkpoint names (for WARP the
// reference-style names of params.ts), extra tensors (e.g. optimiser state) under their own names, and
// metadata {format: "warp-ts/1", config: JSON}; the configuration's model_type says which model reads them.
// Bytes only: the CLI reads and writes files. Not here: the optimiser's own state layout.

import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import { createModel } from "../models.js";
import type { SequenceModel } from "../sequence-model.js";
import type { Tensor } from "../tensor/tensor.js";
import { assert, WarpError } from "../util/assert.js";
import { type ModelConfig, resolveModelConfig } from "./config.js";
import type { WarpParams } from "./params.js";

export const CHECKPOINT_FORMAT = "warp-ts/1";

export interface Checkpoint<P extends object = WarpParams> {
  config: ModelConfig;
  model: SequenceModel<P>;
  params: P;
  /** Tensors stored beside the parameters (e.g. "opt.*" optimiser state). */
  extra: Record<string, Tensor>;
  /** Metadata entries other than format and config. */
  metadata: Record<string, string>;
}

/** Serialises a model's configuration and parameters (and extra tensors / metadata). */
export function saveCheckpoint(
  config: ModelConfig,
  params: object,
  extra: Record<string, Tensor> = {},
  metadata: Record<string, string> = {},
): Uint8Array {
  const named = createModel(config).namedParams(params);
  for (const k of Object.keys(extra)) {
    assert(!(k in named), () => `checkpoint: extra tensor "${k}" collides with a parameter name`);
  }
  return encodeSafetensors(
    { ...named, ...extra },
    { ...metadata, format: CHECKPOINT_FORMAT, config: JSON.stringify(config) },
  );
}

/**
 * Reads a checkpoint. With `expected`, the stored configuration must equal it (a clear error names the
 * first differing key otherwise).
 */
export function loadCheckpoint<P extends object = WarpParams>(
  bytes: Uint8Array,
  expected?: ModelConfig,
): Checkpoint<P> {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new WarpError(
      `checkpoint: metadata format is ${JSON.stringify(metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}" (not a warp-ts checkpoint)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(metadata.config ?? "");
  } catch {
    throw new WarpError("checkpoint: metadata config is not valid JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new WarpError(
      `checkpoint: metadata config is ${raw === null ? "null" : Array.isArray(raw) ? "an array" : `a ${typeof raw}`}, not a JSON object`,
    );
  let config: ModelConfig;
  try {
    config = resolveModelConfig(raw as Record<string, unknown>);
  } catch (e) {
    throw e instanceof WarpError ? new WarpError(`checkpoint: metadata config: ${e.message}`) : e;
  }
  if (expected) {
    for (const k of Object.keys(expected) as (keyof ModelConfig)[]) {
      const a = JSON.stringify(config[k]);
      const b = JSON.stringify(expected[k]);
      if (a !== b)
        throw new WarpError(`checkpoint: saved with ${k} = ${a}, but the configuration has ${k} = ${b}`);
    }
  }
  const model = createModel(config) as SequenceModel<P>;
  const first = Object.keys(model.namedParams(model.init(new Uint32Array(2))))[0]!;
  const dtype = tensors[first]?.dtype === "float64" ? "float64" : "float32";
  const params = model.paramsFromNamed(tensors, model.init(new Uint32Array(2), dtype));
  const known = new Set(Object.keys(model.namedParams(params)));
  for (const [k, t] of Object.entries(model.namedParams(params))) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!))
        throw new WarpError(
          `checkpoint: parameter "${k}" holds ${d[i]} (element ${i}): refusing non-finite weights`,
        );
    }
  }
  // Extra tensors are optimiser state ("opt.*"); anything else would be a parameter this model does not have.
  const extra: Record<string, Tensor> = {};
  const unexpected: string[] = [];
  for (const [k, t] of Object.entries(tensors)) {
    if (known.has(k)) continue;
    if (k.startsWith("opt.")) extra[k] = t;
    else unexpected.push(k);
  }
  if (unexpected.length > 0) {
    throw new WarpError(
      `checkpoint: tensors ${unexpected.map((k) => `"${k}"`).join(", ")} are not parameters of this model (${model.description}; its parameters: ${[...known].join(", ")})`,
    );
  }
  const { format: _f, config: _c, ...rest } = metadata;
  return { config, model, params, extra, metadata: rest };
}
