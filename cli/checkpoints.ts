// Checkpoint files for the CLI: a run folder or a .safetensors file (inside a run folder's checkpoints/ or
// anywhere), read with errors that name the file. Not here: the checkpoint format (src/warp/checkpoint.ts).

import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Checkpoint, loadCheckpoint, type ModelConfig, WarpError } from "../src/index.js";
import { readBytes } from "./files.js";

/**
 * What a `<run-dir|model.safetensors>` argument names: the checkpoint file, and the run folder it belongs
 * to (a folder given directly, or the folder above a file in `<run>/checkpoints/`), or null.
 */
export function checkpointTarget(
  target: string,
  which: "best" | "last" = "best",
): { file: string; runDir: string | null } {
  if (!existsSync(target)) throw new WarpError(`${target}: no such file or folder`);
  if (statSync(target).isDirectory()) {
    const file = join(target, "checkpoints", `${which}.safetensors`);
    if (existsSync(file)) return { file, runDir: target };
    // No validation chose a best model (no held-out split, or training.val_on_test: false): the last one.
    const last = join(target, "checkpoints", "last.safetensors");
    if (which === "best" && existsSync(last)) {
      console.error(
        `warp: note: ${target}: no validation chose a best model; using checkpoints/last.safetensors`,
      );
      return { file: last, runDir: target };
    }
    throw new WarpError(`${target} is not a run folder: no checkpoints/${which}.safetensors`);
  }
  const up = dirname(dirname(target));
  const inRun = basename(dirname(target)) === "checkpoints" && existsSync(join(up, "config.yaml"));
  return { file: target, runDir: inRun ? up : null };
}

/** A checkpoint file, its errors prefixed with the path ("runs/x/checkpoints/last.safetensors: …"). */
export function readCheckpoint<P extends object = object>(
  path: string,
  expected?: ModelConfig,
): Checkpoint<P> {
  const bytes = readBytes(path, "checkpoint");
  try {
    return loadCheckpoint<P>(bytes, expected);
  } catch (e) {
    if (e instanceof WarpError) throw new WarpError(`${path}: ${e.message.replace(/^checkpoint: /, "")}`);
    throw e;
  }
}

/** A metadata entry of a checkpoint as JSON, or a WarpError naming the file and the entry. */
export function metadataJson(path: string, ck: Checkpoint<object>, key: string): unknown {
  const text = ck.metadata[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new WarpError(`${path}: metadata "${key}" is not valid JSON`);
  }
}
