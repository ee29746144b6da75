// Running the built `warp` command line from tests: synchronously, or without blocking so that the tests
// of a file can run concurrently. WARP_QUIET=1 keeps the once-only notices off stderr.

import { execFile, spawnSync } from "node:child_process";

/** dist/cli/warp.js, next to the compiled tests. */
export const CLI = new URL("../../cli/warp.js", import.meta.url).pathname;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const env = () => ({ ...process.env, WARP_QUIET: "1" });

/** `warp …args` in `cwd`, waiting for it to end. */
export function warp(args: string[], cwd: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: env() });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `warp …args` in `cwd` without blocking the test runner. */
export function warpAsync(args: string[], cwd: string): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, encoding: "utf8", env: env() },
      (error, stdout, stderr) => done({ status: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });
}
