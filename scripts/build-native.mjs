// Builds the optional native backend (native/build/Release/warp_native.node) with node-gyp. Run by
// `npm install` (quiet) and `npm run build:native` (--verbose). It needs only a C++ compiler (OpenBLAS
// is linked when native/detect-openblas.cjs finds it, for benchmark comparisons only). A failed build,
// or no compiler at all, is not an install failure: it prints one warning line and exits 0, and
// warp-ts uses the cpu backend — unless WARP_REQUIRE_NATIVE=1, which makes it exit 1 with the compiler
// output. Never downloads headers.
// Not here: loading the addon (src/backends/native/index.ts).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const verbose = process.argv.includes("--verbose");
const required = process.env.WARP_REQUIRE_NATIVE === "1";
const nativeDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "native");

/** [command, leading args] for node-gyp: npm's configured one, npm's bundled one, or the one on PATH. */
function nodeGyp() {
  const configured = process.env.npm_config_node_gyp;
  if (configured && existsSync(configured)) return [process.execPath, [configured]];
  const bundled = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(bundled)) return [process.execPath, [bundled]];
  return [process.platform === "win32" ? "node-gyp.cmd" : "node-gyp", []];
}

/**
 * Under npm, node-gyp reads npm's nodedir from npm_config_nodedir; run directly, ask npm for it so that
 * node-gyp uses the local headers instead of downloading them.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const r = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["config", "get", "nodedir"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const dir = r.status === 0 ? r.stdout.trim() : "";
  return dir && dir !== "undefined" && dir !== "null" ? [`--nodedir=${dir}`] : [];
}

/** The first compiler/gyp error line of the captured output, for the one-line warning. */
function firstError(output) {
  const lines = output.split("\n").map((l) => l.trim());
  const hit = lines.find((l) => /(^|\s)(fatal )?error\b|error:|not found|ERR!/i.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|System|command|not ok)/.test(l));
  return (hit ?? lines.filter(Boolean).pop() ?? "no output").slice(0, 300);
}

function fail(reason, output) {
  if (required) {
    if (output && !verbose) process.stderr.write(output);
    process.stderr.write(`warp-ts: building the native backend failed (${reason}) and WARP_REQUIRE_NATIVE=1\n`);
    process.exit(1);
  }
  process.stderr.write(
    `warp-ts: native backend not built (${reason}); warp-ts will use the cpu backend (run \`npm run build:native\` for details)\n`,
  );
  process.exit(0);
}

/** Whether a C++ compiler node-gyp would use ($CXX, else c++ / g++ / clang++) is on PATH. */
function haveCompiler() {
  const candidates = process.env.CXX ? [process.env.CXX.split(/\s+/)[0]] : ["c++", "g++", "clang++"];
  return candidates.some((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
}

if (process.platform !== "win32" && !haveCompiler()) fail("no C++ compiler found: install g++ or clang++", "");

const [cmd, pre] = nodeGyp();
const args = [...pre, "rebuild", "--jobs=max", ...nodedirArgs(), ...(verbose ? [] : ["--silent"])];
const r = spawnSync(cmd, args, {
  cwd: nativeDir,
  encoding: "utf8",
  stdio: verbose ? "inherit" : ["ignore", "pipe", "pipe"],
  maxBuffer: 64 * 1024 * 1024,
});
const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
if (r.error) fail(`could not run node-gyp: ${r.error.message}`, output);
if (r.status !== 0) {
  fail(`node-gyp exited with code ${r.status}: ${verbose ? "see the output above" : firstError(output)}`, output);
}
if (!existsSync(join(nativeDir, "build", "Release", "warp_native.node"))) {
  fail("node-gyp succeeded but build/Release/warp_native.node is missing", output);
}
if (verbose) process.stdout.write(`warp-ts: built ${join(nativeDir, "build", "Release", "warp_native.node")}\n`);
