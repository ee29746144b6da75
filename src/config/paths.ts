// Paths of a run configuration: general.data_path resolved against the working directory by string joining
// (the library does no file access).
// Not here: reading the files.

import type { RunConfig } from "./run-schema.js";

const isAbsolute = (p: string): boolean =>
  p.startsWith("/") || p.startsWith("\\") || /^[A-Za-z]:[\\/]/.test(p);

/**
 * general.data_path resolved against `cwd` (as the reference does: relative to the working directory), by
 * string joining only: "." and ".." segments are folded and a trailing separator is kept (the reference
 * appends file names to data_path). Backslashes are treated as separators when `cwd` uses them.
 */
export function resolveDataPath(config: RunConfig, cwd: string): string {
  return resolvePath(config.general.data_path, cwd);
}

function resolvePath(path: string, cwd: string): string {
  const windows = /^[A-Za-z]:\\/.test(cwd) || (cwd.includes("\\") && !cwd.includes("/"));
  const sep = windows ? "\\" : "/";
  const split = (p: string) => (windows ? p.split(/[\\/]/) : p.split("/"));
  const full = isAbsolute(path) ? path : `${cwd}${sep}${path}`;
  const trailing = /[\\/]$/.test(path) || (path === "" && /[\\/]$/.test(cwd));
  const segs = split(full);
  const root = segs[0]!; // "" for "/…", or "C:" on Windows
  const out: string[] = [];
  for (const s of segs.slice(1)) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  const joined = `${root}${sep}${out.join(sep)}`;
  return trailing && out.length > 0 ? `${joined}${sep}` : joined;
}
