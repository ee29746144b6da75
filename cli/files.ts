// File helpers for the CLI: reads that fail with one clear line naming the path, atomic writes (temporary
// file + rename) so a failure never leaves a partial output behind, and the guard that keeps an output
// from landing on one of the command's own inputs.

import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { WarpError } from "../src/index.js";

/** Why a file operation on `path` failed, in words (the system's message for the rarer cases). */
function reason(e: unknown, path: string): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOTDIR" || code === "EEXIST") {
    // A file stands where a folder of the path should be: name it.
    for (let p = dirname(path); p !== dirname(p); p = dirname(p))
      if (existsSync(p) && !statSync(p).isDirectory()) return `${p} is a file, not a folder`;
  }
  return (e as Error).message;
}

/** The bytes of a file, or a WarpError naming the path and the reason. */
export function readBytes(path: string, what = "file"): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new WarpError(`cannot read ${what} ${path}: ${reason(e, path)}`);
  }
}

/** Text of a file (UTF-8), with the same errors as readBytes. */
export function readText(path: string, what = "file"): string {
  return new TextDecoder().decode(readBytes(path, what));
}

/** Writes bytes atomically: to a temporary file beside the target, then renamed over it. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {} // its folder could not be made: there is no temporary file
    throw new WarpError(`cannot write ${path}: ${reason(e, tmp)}`);
  }
}

/** True when both paths name the same existing file (through links, `./` and the like). */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * Refuses a flag's value whose outputs would replace one of the command's inputs (its model, config or
 * data): a WarpError naming the flag, before anything is written.
 */
export function refuseOverwritingInputs(flag: string, outputs: string[], inputs: string[]): void {
  for (const out of outputs)
    for (const input of inputs)
      if (sameFile(out, input))
        throw new WarpError(`${flag} would overwrite ${input}, an input of this command: write elsewhere`);
}
