// WARP models in the authors' checkpoint format: Equinox's `tree_serialise_leaves` file of their `WSM`
// module (github ddrous/warp, models.py at bde9a5d; equinox 0.11.8 as they pin it), read into our
// parameters and written from them. The format: every leaf of the module's pytree in tree-flatten order
// (depth-first, dataclass fields in declaration order, static fields and None left out) that is an array
// or a Python bool/int/float, each saved with numpy's `save` (one .npy record after the other); other
// leaves (functions, treedefs) are skipped. Equinox checks every array's shape and dtype on loading and
// casts scalars to the type of the model it loads into.
// The WSM leaves (one WARP layer):
//   As[0] (P, P), Bs[0] (P, Din), thetas_init[0] (θ_0 (P), or GradualMLP: per Linear weight, bias),
//   root_utils[0] = (shapes: the ints of every root parameter's shape, treedef, the root's static part:
//   props (in, out, width, depth) [+ predict_uncertainty for regression], props again),
//   data_size, input_prev_data, time_as_channel, forcing_prob, [weights_lim], [noise_theta_init],
//   [init_state_layers], classification, ar_train, [std_lower_bound], [dtanh_params (4)], stochastic_ar,
//   smooth_inference, [conv_embedding.weight (C, D, K)], [conv_de_embedding.weight (1, 1, 3)]
// ([…] = absent when the setting is null). Not here: files, YAML (cli/commands/import.ts, export.ts).

import { type FloatDType, type Tensor, tensor } from "../tensor/tensor.js";
import { assert, fmtShape, WarpError } from "../util/assert.js";
import { randomKey } from "../util/random.js";
import type { ModelConfig } from "../warp/config.js";
import { hypernetSizes, type WarpModel } from "../warp/model.js";
import type { WarpParams } from "../warp/params.js";
import { mlpDims } from "../warp/root.js";
import { decodeNpy, encodeNpy } from "./npy.js";

/** One leaf of the authors' WSM: a parameter array (ours under `name`, or null) or a scalar setting. */
export type EquinoxLeaf =
  | { kind: "array"; what: string; name: string | null; shape: number[]; value?: readonly number[] }
  | { kind: "scalar"; what: string; value: number | boolean; float: boolean };

/** Splits a stream of concatenated .npy records (an Equinox leaves file) into tensors. */
export function splitNpyStream(bytes: Uint8Array, what = "equinox file"): Tensor[] {
  const out: Tensor[] = [];
  let at = 0;
  while (at < bytes.length) {
    const rec = bytes.subarray(at);
    assert(
      rec.length >= 10 && rec[0] === 0x93 && rec[1] === 0x4e,
      () => `${what}: bytes at offset ${at} are not a .npy record (leaf ${out.length + 1})`,
    );
    const major = rec[6]!;
    const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const start = major === 1 ? 10 : 12;
    const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
    const header = String.fromCharCode(...rec.subarray(start, start + hlen));
    const descr = /'descr':\s*'[<>|]?[a-z](\d+)'/.exec(header);
    const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
    assert(descr && shape, () => `${what}: leaf ${out.length + 1} has an unreadable .npy header`);
    const count = shape[1]!
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .reduce((n, d) => n * Number(d), 1);
    const end = start + hlen + count * Number(descr[1]);
    assert(end <= rec.length, () => `${what}: leaf ${out.length + 1} runs past the end of the file`);
    out.push(decodeNpy(rec.subarray(0, end)));
    at += end;
  }
  return out;
}

/** The layer shapes [out, in], [out] of an Equinox MLP with dims [in, …, out]. */
function linearShapes(dims: readonly number[]): number[][] {
  return dims.slice(1).flatMap((o, i) => [[o, dims[i]!], [o]]);
}

/** The authors' WSM leaves for a model configuration, in file order (values of the scalar settings). */
export function equinoxLayout(model: WarpModel): EquinoxLeaf[] {
  const c = model.config;
  assert(c.model_type === "wsm", () => `equinox: only WARP ("wsm") models, not "${c.model_type}"`);
  assert(
    c.root_physics === null,
    () => `equinox: the authors' WSM has no physics root (root_physics "${c.root_physics}")`,
  );
  const classification = c.nb_classes !== null;
  const P = model.thetaDim;
  const S = model.seqDim;
  const arr = (what: string, name: string | null, shape: number[]): EquinoxLeaf => ({
    kind: "array",
    what,
    name,
    shape,
  });
  const int = (what: string, value: number | boolean): EquinoxLeaf => ({
    kind: "scalar",
    what,
    value,
    float: false,
  });
  const float = (what: string, value: number): EquinoxLeaf => ({ kind: "scalar", what, value, float: true });
  const leaves: EquinoxLeaf[] = [arr("As[0]", "A", [P, P]), arr("Bs[0]", "B", [P, model.inputDim])];
  if (c.init_state_layers === null) leaves.push(arr("thetas_init[0]", "theta0", [P]));
  else {
    linearShapes(hypernetSizes(S, P, c.init_state_layers)).forEach((shape, j) => {
      const i = j >> 1;
      const part = j % 2 === 0 ? "weight" : "bias";
      leaves.push(arr(`thetas_init[0].layers[${2 * i}].${part}`, `phi.layers.${i}.${part}`, shape));
    });
  }
  const dims = mlpDims(model.root.inDim, c.root_width_size, c.root_depth, model.root.outDim);
  for (const [i, shape] of linearShapes(dims).entries())
    shape.forEach((d, k) => leaves.push(int(`root_utils[0].shapes[${i}][${k}]`, d)));
  const props = (where: string) =>
    [model.root.inDim, model.root.outDim, c.root_width_size, c.root_depth].forEach((v, k) =>
      leaves.push(int(`${where}[${k}]`, v)),
    );
  props("root_utils[0].static.props");
  if (!classification) leaves.push(int("root_utils[0].static.predict_uncertainty", c.use_nll_loss));
  props("root_utils[0].props");
  leaves.push(
    int("data_size", c.data_size),
    int("input_prev_data", c.input_prev_data),
    int("time_as_channel", c.time_as_channel),
    float("forcing_prob", c.forcing_prob),
  );
  if (c.weights_lim !== null) leaves.push(float("weights_lim", c.weights_lim));
  if (c.noise_theta_init !== null) leaves.push(float("noise_theta_init", c.noise_theta_init));
  if (c.init_state_layers !== null) leaves.push(int("init_state_layers", c.init_state_layers));
  leaves.push(int("classification", classification), int("ar_train", c.autoregressive));
  if (c.std_lower_bound !== null) leaves.push(float("std_lower_bound", c.std_lower_bound));
  if (Array.isArray(c.root_final_activation)) {
    // The authors keep dtanh_params for classifiers too (unused there): its values come from the config.
    const dtanh = arr("dtanh_params", classification ? null : "dtanh", [4]);
    if (classification && dtanh.kind === "array") dtanh.value = c.root_final_activation;
    leaves.push(dtanh);
  }
  leaves.push(int("stochastic_ar", c.stochastic), int("smooth_inference", c.smooth_inference));
  if (c.conv_embedding) {
    const [C, K] = c.conv_embedding;
    leaves.push(
      arr("conv_embedding.weight", "conv_embedding.weight", [C, c.data_size, K]),
      arr("conv_de_embedding.weight", "conv_de_embedding.weight", [1, 1, 3]),
    );
  }
  return leaves;
}

/**
 * The data size and class count an authors' WSM file records, read before the model is known: their
 * positions follow from init_state_layers, root_depth and whether the model classifies.
 */
export function equinoxSizes(
  leaves: readonly Tensor[],
  o: { initStateLayers: number | null; rootDepth: number; classification: boolean },
): { dataSize: number; nbClasses: number | null } {
  const nInit = o.initStateLayers === null ? 1 : 2 * (o.initStateLayers + 1);
  const props = 2 + nInit + 3 * (o.rootDepth + 1);
  const dataAt = props + 4 + (o.classification ? 0 : 1) + 4;
  const scalar = (i: number, what: string) => {
    const t = leaves[i];
    if (t?.ndim !== 0)
      throw new WarpError(
        `equinox file: leaf ${i + 1} (${what}) is not a scalar: the file does not match the configuration's init_state_layers, root_depth or classification`,
      );
    return t.data[0]!;
  };
  return {
    dataSize: scalar(dataAt, "data_size"),
    nbClasses: o.classification ? scalar(props + 1, "the root's output size") : null,
  };
}

/** Reads the parameters of `model` from an authors' WSM leaves file (its settings must agree). */
export function readEquinoxWarp(model: WarpModel, bytes: Uint8Array, dtype: FloatDType): WarpParams {
  const got = splitNpyStream(bytes);
  const want = equinoxLayout(model);
  if (got.length !== want.length)
    throw new WarpError(
      `equinox file: ${got.length} leaves, but the configuration's WSM has ${want.length} (check init_state_layers, weights_lim, noise_theta_init, std_lower_bound, the final activation and conv_embedding)`,
    );
  const named: Record<string, Tensor> = {};
  want.forEach((leaf, i) => {
    const t = got[i]!;
    const at = `equinox file: leaf ${i + 1} (${leaf.what})`;
    if (leaf.kind === "scalar") {
      assert(t.ndim === 0, () => `${at} should be a scalar, got shape ${fmtShape(t.shape)}`);
      const v = t.data[0]!;
      const same = leaf.float
        ? Math.abs(v - Number(leaf.value)) <= 1e-6 * Math.abs(v)
        : v === Number(leaf.value);
      if (!same) throw new WarpError(`${at} is ${v} but the configuration gives ${String(leaf.value)}`);
      return;
    }
    assert(
      t.ndim === leaf.shape.length && t.shape.every((d, k) => d === leaf.shape[k]),
      () => `${at} has shape ${fmtShape(t.shape)}, the configuration needs ${fmtShape(leaf.shape)}`,
    );
    if (leaf.name !== null) named[leaf.name] = tensor(Array.from(t.data), leaf.shape, dtype);
  });
  const template = model.init(randomKey(0), dtype);
  return model.paramsFromNamed(named, template);
}

/** Writes `params` of `model` as the authors' WSM leaves file (arrays in `dtype`: float32 unless x64). */
export function writeEquinoxWarp(model: WarpModel, params: WarpParams, dtype: FloatDType): Uint8Array {
  const named = model.namedParams(params);
  const records = equinoxLayout(model).map((leaf) => {
    if (leaf.kind === "scalar") {
      const v = Number(leaf.value);
      return encodeNpy(tensor([v], [], leaf.float ? "float64" : "int32"));
    }
    const values = leaf.name !== null ? Array.from(named[leaf.name]!.data) : leaf.value!;
    return encodeNpy(tensor(values as number[], leaf.shape, dtype));
  });
  const out = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}

/** The authors' `model:` and model-changing `training:` keys for a configuration (their make_model). */
export function authorsModelKeys(c: ModelConfig): {
  model: Record<string, unknown>;
  training: Record<string, unknown>;
} {
  return {
    model: {
      model_type: "wsm",
      root_width_size: c.root_width_size,
      root_depth: c.root_depth,
      root_activation: c.root_activation,
      root_final_activation: c.root_final_activation,
      init_state_layers: c.init_state_layers,
      input_prev_data: c.input_prev_data,
      time_as_channel: c.time_as_channel,
      forcing_prob: c.forcing_prob,
      std_lower_bound: c.std_lower_bound,
      weights_lim: c.weights_lim,
      noise_theta_init: c.noise_theta_init,
      positional_encoding: c.positional_encoding,
      root_output_dim: c.root_output_dim,
      conv_embedding: c.conv_embedding
        ? [c.conv_embedding[0], c.conv_embedding[1], c.conv_embedding[2] ? 1 : 0]
        : null,
    },
    training: {
      use_nll_loss: c.use_nll_loss,
      autoregressive: c.autoregressive,
      stochastic: c.stochastic,
      smooth_inference: c.smooth_inference,
      nb_recons_loss_steps: c.nb_recons_loss_steps,
      inference_start: c.inference_start,
    },
  };
}
