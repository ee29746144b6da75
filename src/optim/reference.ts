// The WARP authors' optimiser: chain(clip(gradients_lim) element-wise, adabelief(init_lr),
// reduce_on_plateau(on_plateau…)), with the reference defaults for every plateau setting.
// Not here: reading the YAML optimizer section (the configuration layer maps its keys to these options).

import { clipElementwise } from "./clip.js";
import { type AdamState, adabelief } from "./optimizers.js";
import { type PlateauState, reduceOnPlateau } from "./plateau.js";
import { chain, type EmptyState, type GradientTransformation } from "./transform.js";

export interface ReferenceOptimizerOptions {
  initLr: number;
  gradientsLim: number;
  onPlateau?: {
    factor?: number;
    minScale?: number;
    patience?: number;
    cooldown?: number;
    rtol?: number;
    accumSize?: number;
  };
}

/**
 * chain(clipElementwise(gradientsLim), adabelief(initLr), reduceOnPlateau(onPlateau)); the plateau scale is
 * state[2].scale.
 */
export function referenceOptimizer({
  initLr,
  gradientsLim,
  onPlateau = {},
}: ReferenceOptimizerOptions): GradientTransformation<[EmptyState, AdamState, PlateauState]> {
  const { factor, minScale, patience, cooldown, rtol, accumSize } = onPlateau;
  return chain<[EmptyState, AdamState, PlateauState]>(
    clipElementwise(gradientsLim),
    adabelief(initLr),
    reduceOnPlateau({ factor, minScale, patience, cooldown, rtol, accumulationSize: accumSize }),
  );
}
