// `warp export <run-dir|model.safetensors> --out <folder> [--float64]`: a warp-ts WARP model as a run
// folder of the authors' JAX code: <folder>/artefacts/model.eqx (Equinox tree_serialise_leaves of their
// WSM, src/io/equinox.ts) and <folder>/config.yaml with every key their make_model reads. Their main.py
// loads it for evaluation (general.train: false) or fine-tunes from it (save_path: <folder>/).

import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { Scalar, stringify } from "yaml";
import {
  authorsModelKeys,
  PLATEAU_DEFAULTS,
  WarpError,
  WarpModel,
  type WarpParams,
  writeEquinoxWarp,
} from "../../src/index.js";
import { readCheckpoint } from "../checkpoints.js";
import { refuseOverwritingInputs, writeAtomic } from "../files.js";
import { readRunConfig } from "../model-config.js";
import { pathOption } from "../options.js";

/** Keys whose values the authors' code needs as floats (a float dtanh array, float leaves). */
const FLOAT_KEYS = new Set([
  "root_final_activation",
  "forcing_prob",
  "std_lower_bound",
  "weights_lim",
  "noise_theta_init",
  "init_lr",
  "gradients_lim",
  "factor",
  "min_scale",
  "rtol",
]);

/** Numbers under FLOAT_KEYS written with a fraction (1 → 1.0), recursively. */
function floatsMarked(v: unknown, key = ""): unknown {
  if (typeof v === "number" && FLOAT_KEYS.has(key)) {
    const s = new Scalar(v);
    s.minFractionDigits = 1;
    return s;
  }
  if (Array.isArray(v)) return v.map((x) => floatsMarked(x, key));
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, floatsMarked(x, k)]));
  return v;
}

/**
 * YAML that PyYAML (YAML 1.1) reads with the same types: floats keep a fraction, and exponents get a
 * dot before them (1e-7 → 1.0e-7; PyYAML reads 1e-7 as a string).
 */
export function pyYaml(doc: object): string {
  return stringify(floatsMarked(doc)).replace(
    /^(\s*(?:- |[\w]+: ))(-?\d+)(?:\.(\d+))?e([-+]\d+)$/gm,
    (_m, pre: string, i: string, f: string | undefined, e: string) => `${pre}${i}.${f ?? "0"}e${e}`,
  );
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description(
      "write a warp-ts WARP model as a run folder the authors' JAX code loads (.eqx + config.yaml)",
    )
    .argument(
      "<run-dir|model.safetensors>",
      "a run folder (its best checkpoint, else its last) or a checkpoint",
    )
    .requiredOption(
      "--out <folder>",
      "the folder to write: <folder>/artefacts/model.eqx and <folder>/config.yaml",
      pathOption("--out"),
    )
    .option("--float64", "write float64 arrays (for the authors' runs with jax_enable_x64)")
    .addHelpText("after", "\nExample:\n  warp export runs/sine-1 --out exported/sine-1")
    .action((target: string, o: { out: string; float64?: boolean }) => {
      const isDir = existsSync(target) && statSync(target).isDirectory();
      const best = join(target, "checkpoints", "best.safetensors");
      const file = isDir
        ? existsSync(best)
          ? best
          : join(target, "checkpoints", "last.safetensors")
        : target;
      const runYaml = join(target, "config.yaml");
      const eqxPath = join(o.out, "artefacts", "model.eqx");
      const yamlPath = join(o.out, "config.yaml");
      refuseOverwritingInputs(`--out ${o.out}`, [eqxPath, yamlPath], [file, runYaml]);
      const ck = readCheckpoint<object>(file);
      if (!(ck.model instanceof WarpModel))
        throw new WarpError(`${file}: model_type "${ck.config.model_type}": only WARP ("wsm") models export`);
      if (ck.config.reference_commit !== "bde9a5d")
        console.error(
          `warp: note: ${file} follows the authors' commit ${ck.config.reference_commit}; their HEAD (bde9a5d) will compute different outputs with these weights`,
        );
      const eqx = writeEquinoxWarp(ck.model, ck.params as WarpParams, o.float64 ? "float64" : "float32");
      const { model, training } = authorsModelKeys(ck.config);
      const run = isDir && existsSync(runYaml) ? readRunConfig(runYaml) : null;
      const doc = run
        ? {
            general: { ...run.general, save_path: `${o.out.replace(/\/$/, "")}/` },
            data: run.data,
            model,
            optimizer: {
              init_lr: run.optimizer.init_lr,
              gradients_lim: run.optimizer.gradients_lim ?? 1e-7,
              on_plateau: run.optimizer.on_plateau ?? PLATEAU_DEFAULTS,
            },
            training: { ...run.training, ...training },
          }
        : { general: { train: false, classification: ck.config.nb_classes !== null }, model, training };
      writeAtomic(eqxPath, eqx);
      writeAtomic(yamlPath, pyYaml(doc));
      console.log(`wrote ${eqxPath} and ${yamlPath}`);
    });
}
