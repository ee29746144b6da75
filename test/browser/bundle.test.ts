// The browser entry (src/web.ts, package export `warp-ts/web`) bundled with esbuild for the browser: no Node
// built-in is reachable, yaml stays out, the gzipped bundle fits its budget, it exports every name of the
// main entry but the YAML run-config ones, and the bundle itself runs (wasm backend included).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/**
 * Budget for the minified, gzipped (level 9) browser bundle, in bytes: 86 KB at session 4 (the whole
 * library, the embedded wasm module with its GEMM, scan, unary and thread kernels, browser checkpoints),
 * with room for a few kernels more; yaml alone would add about 69 KB.
 */
const GZIP_BUDGET = 96 * 1024;

const ENTRY = new URL("../../src/web.js", import.meta.url).pathname;

async function bundle() {
  const r = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { code: r.outputFiles[0]!.text, inputs: Object.keys(r.metafile.inputs), meta: r.metafile };
}

describe("browser bundle of warp-ts/web", () => {
  it("reaches no Node built-in and no yaml, and fits the gzip budget", async () => {
    const { code, inputs, meta } = await bundle();
    const imports = Object.values(meta.inputs).flatMap((i) => i.imports.map((x) => x.path));
    assert.deepEqual(
      imports.filter((p) => p.startsWith("node:")),
      [],
      "node: imports",
    );
    assert.deepEqual(
      inputs.filter((p) => p.includes("node_modules/")),
      [],
      "third-party modules (yaml) in the bundle",
    );
    assert.ok(
      inputs.some((p) => p.endsWith("warp/model.js")) && inputs.some((p) => p.endsWith("wasm/module.js")),
    );
    const gz = gzipSync(code, { level: 9 }).length;
    assert.ok(gz <= GZIP_BUDGET, `gzipped bundle is ${gz} bytes, over the ${GZIP_BUDGET}-byte budget`);
  });

  it("exports every name of the main entry except the YAML run configuration's and what is built on it", async () => {
    const main = await import("../../src/index.js");
    const web = await import("../../src/web.js");
    const runConfig = {
      ...(await import("../../src/config/run-config.js")),
      ...(await import("../../src/config/run-schema.js")),
      ...(await import("../../src/config/overrides.js")),
      ...(await import("../../src/config/paths.js")),
    };
    const forecastApi = await import("../../src/forecast/api.js");
    const missing = Object.keys(main).filter((k) => !(k in web) && !(k in runConfig) && !(k in forecastApi));
    assert.deepEqual(missing, [], "add these to src/web.ts");
    assert.deepEqual(
      Object.keys(web).filter((k) => k in runConfig),
      [],
      "run-config names in web.ts",
    );
  });

  it("runs: the bundled library multiplies on the wasm backend", async () => {
    const { code } = await bundle();
    const dir = mkdtempSync(join(tmpdir(), "warp-web-"));
    try {
      const file = join(dir, "web.mjs");
      writeFileSync(file, code);
      const w = await import(pathToFileURL(file).href);
      await w.initWasm();
      w.setBackend("wasm");
      const y = w.matmul(w.tensor([[1, 2, 3]]), w.tensor([[1], [2], [3]]));
      assert.deepEqual(Array.from(y.data), [14]);
      assert.equal(w.getBackend(), "wasm");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
