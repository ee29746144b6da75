// Tests in a real browser (Debian's headless Chromium via playwright-core): the shared op suite and the
// streaming suite on the cpu and wasm backends inside a page, and training in a Web Worker (progress arrives,
// the page's main thread keeps answering, the result comes back). Skipped with the reason when Chromium is
// missing. Not here: the demo page (demo.test.ts), the bundle's size (bundle.test.ts).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { BrowserContext } from "playwright-core";
import { randomKey, resolveModelConfig, saveCheckpoint, WarpModel } from "../../src/index.js";
import { browserSkip, bundle, modulePage, serve, withBrowser } from "./harness.js";
import type { BrowserTestResult } from "./shims/node-test.js";

const checkpointConfig = resolveModelConfig({ data_size: 1, root_width_size: 5, root_depth: 1 });
const checkpointBytes = saveCheckpoint(checkpointConfig, new WarpModel(checkpointConfig).init(randomKey(2)));

describe("in Chromium", { skip: browserSkip }, () => {
  let url = "";
  let close: () => void = () => {};
  before(async () => {
    const [suite, workerPage, trainWorker, checkpoints, threads, wasmThread] = await Promise.all([
      bundle("test/browser/pages/suite.js"),
      bundle("test/browser/pages/worker-page.js"),
      bundle("test/browser/pages/train-worker.js"),
      bundle("test/browser/pages/checkpoints.js"),
      bundle("test/browser/pages/threads.js"),
      bundle("test/browser/pages/wasm-thread.js"),
    ]);
    const s = await serve({
      "/suite.html": modulePage("./suite.js"),
      "/suite.js": suite,
      "/worker.html": modulePage("./worker-page.js"),
      "/worker-page.js": workerPage,
      "/train-worker.js": trainWorker,
      "/checkpoints.html": modulePage("./checkpoints.js"),
      "/checkpoints.js": checkpoints,
      "/model.safetensors": checkpointBytes,
      "/threads.html": modulePage("./threads.js"),
      "/threads.js": threads,
      "/wasm-thread.js": wasmThread,
    });
    url = s.url;
    close = () => s.server.close();
  });
  after(() => close());

  const inPage = <T>(fn: (ctx: BrowserContext) => Promise<T>) => withBrowser(fn);

  it("runs the op suite and the streaming suite on cpu and wasm in the page", async () => {
    const { results, backends } = await inPage(async (ctx) => {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}suite.html`);
      await page.waitForFunction(() => "__warpResults" in globalThis || false, null, { timeout: 120_000 });
      assert.deepEqual(errors, []);
      return page.evaluate(() => {
        const g = globalThis as unknown as { __warpResults: BrowserTestResult[]; __warpBackends: string[] };
        return { results: g.__warpResults, backends: g.__warpBackends };
      });
    });
    assert.deepEqual(backends, ["cpu", "wasm"]);
    const failed = results.filter((r) => r.status === "fail");
    assert.deepEqual(
      failed.map((r) => `${r.name}: ${r.error}`),
      [],
    );
    for (const b of ["cpu", "wasm"]) {
      const ran = results.filter((r) => r.status === "pass" && r.name.includes(`[${b}]`)).length;
      assert.ok(ran > 100, `only ${ran} tests passed on ${b}`);
    }
    assert.ok(results.some((r) => r.status === "pass" && r.name.startsWith("model.stream >")));
  });

  it("trains in a Web Worker: progress arrives, the main thread keeps answering, the result comes back", async () => {
    const outcome = await inPage(async (ctx) => {
      const page = await ctx.newPage();
      await page.goto(`${url}worker.html`);
      await page.waitForFunction(() => {
        const g = globalThis as { __warpProgress?: () => number };
        return (g.__warpProgress?.() ?? 0) > 0;
      });
      // While the worker trains, the main thread answers promptly.
      const t0 = Date.now();
      const midway = await page.evaluate(() => ({
        done: "__warpWorker" in globalThis,
        steps: (globalThis as unknown as { __warpProgress: () => number }).__warpProgress(),
      }));
      const answerMs = Date.now() - t0;
      await page.waitForFunction(() => "__warpWorker" in globalThis, null, { timeout: 60_000 });
      const result = await page.evaluate(() => (globalThis as { __warpWorker?: unknown }).__warpWorker);
      return { midway, answerMs, result: result as Record<string, unknown> };
    });
    assert.equal(outcome.result.ok, true, String(outcome.result.error));
    assert.equal(outcome.midway.done, false, "training finished before the page was asked anything");
    assert.ok(outcome.answerMs < 2000, `the page took ${outcome.answerMs} ms to answer during training`);
    assert.equal(outcome.result.steps, 80);
    assert.equal(outcome.result.epochs, 40);
    assert.ok((outcome.result.ticks as number) > 10, `main-thread timer ran ${outcome.result.ticks} times`);
    assert.ok((outcome.result.last as number) < (outcome.result.first as number));
    assert.equal(outcome.result.backend, "wasm");
    assert.equal(outcome.result.isolated, true);
    assert.equal(outcome.result.width, 6);
  });

  it("reads checkpoints from a URL, a File and IndexedDB, saves to IndexedDB and as a download", async () => {
    await inPage(async (ctx) => {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}checkpoints.html`);
      await page.waitForFunction(() => "__warpCheckpoints" in globalThis, null, { timeout: 30_000 });
      assert.deepEqual(errors, []);
      const { notSafetensors, ...out } = await page.evaluate(
        () => (globalThis as unknown as { __warpCheckpoints: Record<string, unknown> }).__warpCheckpoints,
      );
      assert.match(
        String(notSafetensors),
        /^WarpError: checkpoint file "series\.csv": not a safetensors file: /,
      );
      assert.deepEqual(out, {
        fetchedWidth: 5,
        missing: `WarpError: checkpoint ./missing.safetensors: HTTP 404 Not Found`,
        fileEqual: true,
        keys: ["co2"],
        idbEqual: true,
        missingKey: 'WarpError: IndexedDB database "warp-ts" has no checkpoint "c02" (it has "co2")',
        keysAfterDelete: [],
        missingEmpty: 'WarpError: IndexedDB database "warp-ts" has no checkpoint "co2" (it is empty)',
        otherKeys: ["other"],
      });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.evaluate(() => (globalThis as unknown as { __warpDownload: () => void }).__warpDownload()),
      ]);
      assert.equal(download.suggestedFilename(), "page.safetensors");
      assert.deepEqual(readFileSync((await download.path())!), Buffer.from(checkpointBytes));
    });
  });

  it("runs the wasm backend on 2 threads (Web Workers, shared memory), bitwise equal to 1 thread", async () => {
    const out = await inPage(async (ctx) => {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${url}threads.html`);
      await page.waitForFunction(() => "__warpThreads" in globalThis, null, { timeout: 60_000 });
      assert.deepEqual(errors, []);
      return page.evaluate(() => (globalThis as { __warpThreads?: unknown }).__warpThreads);
    });
    assert.deepEqual(out, {
      info: "WebAssembly SIMD128, 2 threads",
      isolated: true,
      checks: {
        "matmul 64x300x200": true,
        "matmul 32x290x260": true,
        "matmul 200x150x120": true,
        recurrence: true,
      },
    });
  });
});
