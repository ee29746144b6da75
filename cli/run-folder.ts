// A run folder's guards: one `warp train` at a time (a lock file holding the owner's pid, taken atomically and
// taken over only from a process that no longer exists), and cleaning what a killed run left (temporary
// files of interrupted atomic writes). Not here: what goes into the folder (commands/train.ts).

import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { WarpError } from "../src/index.js";

const LOCK = ".warp-lock";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Takes the run folder's lock (the folder must exist) and returns its release. A live holder makes this a
 * WarpError naming its pid; a lock left by a dead process is taken over.
 */
export function lockRunFolder(dir: string): () => void {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        rmSync(path, { force: true });
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST")
        throw new WarpError(`cannot lock ${dir}: ${(e as Error).message}`);
      const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new WarpError(
          `run folder ${dir} is in use by another warp process (pid ${pid}); wait for it or stop it`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new WarpError(`cannot lock ${dir}: another process keeps taking the lock`);
}

/** Removes the `*.tmp-*` files that interrupted atomic writes left in `dir` and its checkpoints/. */
export function removeStaleTemporaries(dir: string): number {
  let n = 0;
  for (const d of [dir, join(dir, "checkpoints")]) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) {
      if (/\.tmp-[0-9a-f]+$/.test(f)) {
        rmSync(join(d, f), { force: true });
        n++;
      }
    }
  }
  return n;
}
