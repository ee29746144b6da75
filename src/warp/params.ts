// WARP's parameter tree (WarpParams) and its reference-style checkpoint names (A, B, theta0,
// phi.layers.{i}.weight/bias, dtanh, conv_embedding.weight, conv_de_embedding.weight; a structured
// transition's A under its own name, and A.U, A.V for lowrank), and back.
// Not here: the checkpoint format (checkpoint.ts).

import { sameShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { assert, fmtShape } from "../util/assert.js";
import type { TransitionParams } from "./transition.js";

/** One Linear layer of the hypernetwork (Equinox layout: weight (out, in), bias (out)). */
export interface LinearParams {
  weight: Tensor;
  bias: Tensor;
}

/** Trainable parameters of a WARP model. Absent entries are not part of this configuration. */
export interface WarpParams extends TransitionParams {
  /**
   * Transition, initialised to I (transition.ts): (P, P) dense; its diagonal (P) for diagonal and
   * lowrank (with U, V (P, r) as AU, AV); (⌈P/k⌉, k, k) blocks.
   */
  A: Tensor;
  /** Input matrix, (P, Din), initialised to 0. */
  B: Tensor;
  /** Learned initial state (P) when init_state_layers is null. */
  theta0?: Tensor;
  /** Hypernetwork φ: x_0 ↦ θ_0 when init_state_layers is 0, 1 or 2. */
  phi?: { layers: LinearParams[] };
  /** Trainable [a, b, α, β] of a dtanh final activation. */
  dtanh?: Tensor;
  /** Convolution embedding (C, D, kernel) and its de-embedding, a (1, 1, 3) convolution along time. */
  conv_embedding?: Tensor;
  conv_de_embedding?: Tensor;
}

/** The parameters as a flat name → tensor map (checkpoint names; `aName`: A's, see transitionName). */
export function paramsToNamed(p: WarpParams, aName = "A"): Record<string, Tensor> {
  const out: Record<string, Tensor> = { [aName]: p.A, B: p.B };
  if (p.AU) out["A.U"] = p.AU;
  if (p.AV) out["A.V"] = p.AV;
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
export function namedToParams(named: Record<string, Tensor>, template: WarpParams, aName = "A"): WarpParams {
  const want = paramsToNamed(template, aName);
  for (const name of Object.keys(want)) {
    const t = named[name];
    assert(t, () => `checkpoint: tensor "${name}" is missing for this configuration`);
    assert(
      sameShape(t.shape, want[name]!.shape) && t.dtype === want[name]!.dtype,
      () =>
        `checkpoint: tensor "${name}" is ${t.dtype} ${fmtShape(t.shape)} but the configuration needs ${want[name]!.dtype} ${fmtShape(want[name]!.shape)}`,
    );
  }
  const p: WarpParams = { A: named[aName]!, B: named.B! };
  if (template.AU) p.AU = named["A.U"]!;
  if (template.AV) p.AV = named["A.V"]!;
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
