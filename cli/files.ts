// File helpers for the CLI: reads that fail with one clear line naming the path, and atomic writes
// (temporary file + rename) so a failure never leaves a partial output behind.

import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { WarpError } from "../src/index.js";

/** The bytes of a file, or a WarpError naming the path and the reason. */
export function readBytes(path: string, what = "file"): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (e as Error).message;
    throw new WarpError(`cannot read ${what} ${path}: ${why}`);
  }
}

/** Text of a file (UTF-8), with the same errors as readBytes. */
export function readText(path: string, what = "file"): string {
  return new TextDecoder().decode(readBytes(path, what));
}

/** Writes bytes atomically: to a temporary file beside the target, then renamed over it. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new WarpError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
