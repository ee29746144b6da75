// WARP checkpoints as safetensors bytes: the parameters under the reference-style names (A, B, theta0,
// phi.layers.{i}.weight/bias, dtanh, conv_embedding.weight, conv_de_embedding.weight), extra tensors
// (e.g. optimiser state) under their own names, and metadata {format: "warp-ts/1", config: JSON}.
// Bytes only: the CLI reads and writes files. Not here: the optimiser's own state layout.

import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import { sameShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import { type ModelConfig, resolveModelConfig } from "./config.js";
import { WarpModel, type WarpParams } from "./model.js";

export const CHECKPOINT_FORMAT = "warp-ts/1";

/** The parameters as a flat name → tensor map (checkpoint names). */
export function paramsToNamed(p: WarpParams): Record<string, Tensor> {
  const out: Record<string, Tensor> = { A: p.A, B: p.B };
  if (p.theta0) out.theta0 = p.theta0;
  p.phi?.layers.forEach((l, i) => {
    out[`phi.layers.${i}.weight`] = l.weight;
    out[`phi.layers.${i}.bias`] = l.bias;
  });
  if (p.dtanh) out.dtanh = p.dtanh;
  if (p.conv_embedding) out["conv_embedding.weight"] = p.conv_embedding;
  if (p.conv_de_embedding) out["conv_de_embedding.weight"] = p.conv_de_embedding;
  return out;
}

/** Rebuilds the parameter tree from named tensors, checking every name and shape against `template`. */
export function namedToParams(named: Record<string, Tensor>, template: WarpParams): WarpParams {
  const want = paramsToNamed(template);
  for (const name of Object.keys(want)) {
    const t = named[name];
    assert(t, () => `checkpoint: tensor "${name}" is missing for this configuration`);
    assert(
      sameShape(t.shape, want[name]!.shape) && t.dtype === want[name]!.dtype,
      () =>
        `checkpoint: tensor "${name}" is ${t.dtype} ${fmtShape(t.shape)} but the configuration needs ${want[name]!.dtype} ${fmtShape(want[name]!.shape)}`,
    );
  }
  const p: WarpParams = { A: named.A!, B: named.B! };
  if (template.theta0) p.theta0 = named.theta0!;
  if (template.phi) {
    p.phi = {
      layers: template.phi.layers.map((_, i) => ({
        weight: named[`phi.layers.${i}.weight`]!,
        bias: named[`phi.layers.${i}.bias`]!,
      })),
    };
  }
  if (template.dtanh) p.dtanh = named.dtanh!;
  if (template.conv_embedding) p.conv_embedding = named["conv_embedding.weight"]!;
  if (template.conv_de_embedding) p.conv_de_embedding = named["conv_de_embedding.weight"]!;
  return p;
}

export interface Checkpoint {
  config: ModelConfig;
  model: WarpModel;
  params: WarpParams;
  /** Tensors stored beside the parameters (e.g. "opt.*" optimiser state). */
  extra: Record<string, Tensor>;
  /** Metadata entries other than format and config. */
  metadata: Record<string, string>;
}

/** Serialises a model's configuration and parameters (and extra tensors / metadata). */
export function saveCheckpoint(
  config: ModelConfig,
  params: WarpParams,
  extra: Record<string, Tensor> = {},
  metadata: Record<string, string> = {},
): Uint8Array {
  const named = paramsToNamed(params);
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
export function loadCheckpoint(bytes: Uint8Array, expected?: ModelConfig): Checkpoint {
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
  const config = resolveModelConfig(raw as Record<string, unknown>);
  if (expected) {
    for (const k of Object.keys(expected) as (keyof ModelConfig)[]) {
      const a = JSON.stringify(config[k]);
      const b = JSON.stringify(expected[k]);
      if (a !== b)
        throw new WarpError(`checkpoint: saved with ${k} = ${a}, but the configuration has ${k} = ${b}`);
    }
  }
  const model = new WarpModel(config);
  const dtype = tensors.A?.dtype === "float64" ? "float64" : "float32";
  const template = model.init(new Uint32Array(2), dtype);
  const params = namedToParams(tensors, template);
  const known = new Set(Object.keys(paramsToNamed(params)));
  const extra: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(tensors)) if (!known.has(k)) extra[k] = t;
  const { format: _f, config: _c, ...rest } = metadata;
  return { config, model, params, extra, metadata: rest };
}
