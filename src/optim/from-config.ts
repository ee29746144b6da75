// The optimiser a run configuration's `optimizer:` section describes: optional element-wise and
// global-norm clipping, then AdaBelief (the reference; optax 0.2.3's rule unless adabelief_rule says
// otherwise), Adam, AdamW or SGD at init_lr, the slower
// transition matrix (transition_lr_scale), then reduce-on-plateau when on_plateau is set — the authors'
// chain when their keys are given.

import type { OptimizerConfig } from "../config/run-schema.js";
import { clipByGlobalNorm, clipElementwise } from "./clip.js";
import { adabelief, adam, adamw, sgd } from "./optimizers.js";
import type { PlateauState } from "./plateau.js";
import { reduceOnPlateau } from "./plateau.js";
import { chain, type GradientTransformation, scaleEntries } from "./transform.js";

export interface ConfiguredOptimizer {
  optimizer: GradientTransformation<unknown[]>;
  /** The current reduce-on-plateau scale of a state (1 without on_plateau). */
  lrScale(state: unknown[]): number;
}

/** Builds the optimiser chain of an `optimizer:` section. */
export function optimizerFromConfig(c: OptimizerConfig): ConfiguredOptimizer {
  const parts: GradientTransformation[] = [];
  if (c.gradients_lim !== null) parts.push(clipElementwise(c.gradients_lim) as GradientTransformation);
  if (c.grad_norm_clip !== null) parts.push(clipByGlobalNorm(c.grad_norm_clip) as GradientTransformation);
  const base =
    c.name === "adabelief"
      ? adabelief(c.init_lr, { rule: c.adabelief_rule })
      : c.name === "adam"
        ? adam(c.init_lr)
        : c.name === "adamw"
          ? adamw(c.init_lr, { weightDecay: c.weight_decay })
          : sgd(c.init_lr);
  parts.push(base as GradientTransformation);
  if (c.transition_lr_scale !== null)
    parts.push(
      scaleEntries({ A: c.transition_lr_scale, AU: c.transition_lr_scale, AV: c.transition_lr_scale }),
    );
  const p = c.on_plateau;
  if (p) {
    parts.push(
      reduceOnPlateau({
        factor: p.factor,
        minScale: p.min_scale,
        patience: p.patience,
        cooldown: p.cooldown,
        rtol: p.rtol,
        accumulationSize: p.accum_size,
      }) as GradientTransformation,
    );
  }
  const optimizer = chain(...parts) as GradientTransformation<unknown[]>;
  return {
    optimizer,
    lrScale: (state) => (p ? (state[state.length - 1] as PlateauState).scale : 1),
  };
}
