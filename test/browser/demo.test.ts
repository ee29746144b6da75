// The demo page (web/, built with Vite) in Chromium: it streams the CLI-trained checkpoint over the CO₂
// series and draws the chart (canvas not blank, screenshot not empty), and its Train button trains a model
// on the pasted CSV in a Web Worker with a loss curve, then streams that model; its checkpoint buttons save the
// streamed model to IndexedDB and load it back (a missing key says so), download it, and open the download as a
// file. Skipped without Chromium. With WARP_DEMO_SCREENSHOT=docs/demo.png it also captures the README's screenshot
// (the CLI checkpoint streamed for 8 s while a 60-epoch training runs in the worker).

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "vite";
import { loadCheckpoint } from "../../src/index.js";
import { browserSkip, ROOT, serve, withBrowser } from "./harness.js";

function filesUnder(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[`/${relative(dir, p)}`] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}

/** Pixels of a canvas that are not (near) white. */
const inkOf = (id: string) => `(() => {
  const c = document.getElementById(${JSON.stringify(id)});
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
  return n;
})()`;

describe("demo page", { skip: browserSkip }, () => {
  let url = "";
  let close: () => void = () => {};
  const out = mkdtempSync(join(tmpdir(), "warp-demo-"));
  before(async () => {
    await build({
      configFile: join(ROOT, "web/vite.config.ts"),
      logLevel: "silent",
      build: { outDir: out, emptyOutDir: true },
    });
    const s = await serve(filesUnder(out));
    url = s.url;
    close = () => s.server.close();
  });
  after(() => {
    close();
    rmSync(out, { recursive: true, force: true });
  });

  it("streams the CLI checkpoint and draws the chart, then trains on the pasted CSV in a worker", async () => {
    await withBrowser(async (ctx) => {
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForFunction(
        () => ((globalThis as { __demo?: { frames: number } }).__demo?.frames ?? 0) > 5,
      );
      assert.deepEqual(errors, []);
      assert.equal(
        await page.evaluate(() => (globalThis as { __demo?: { backend: string } }).__demo?.backend),
        "wasm",
      );
      assert.ok((await page.evaluate<number>(inkOf("stream"))) > 2000, "the streaming chart is blank");
      assert.match((await page.textContent("#stream-status")) ?? "", /next-step MAE \d/);
      const shot = await page.locator("#stream").screenshot();
      assert.ok(shot.length > 5000, `screenshot of ${shot.length} bytes`);

      await page.fill("#epochs", "3");
      await page.click("#train");
      await page.waitForFunction(
        () => (globalThis as { __demo?: { trained: boolean } }).__demo?.trained === true,
        null,
        {
          timeout: 60_000,
        },
      );
      assert.ok((await page.evaluate<number>(inkOf("loss"))) > 100, "the loss curve is blank");
      assert.match((await page.textContent("#train-status")) ?? "", /done after 3 epochs on wasm/);

      const status = async (button: string) => {
        await page.evaluate(() => {
          (globalThis as unknown as { __demo: { checkpointStatus: string } }).__demo.checkpointStatus = "";
        });
        await page.click(button);
        await page.waitForFunction(
          () =>
            (globalThis as unknown as { __demo: { checkpointStatus: string } }).__demo.checkpointStatus !==
            "",
        );
        return page.textContent("#ck-status");
      };
      assert.equal(
        await status("#ck-load"),
        'IndexedDB database "warp-ts" has no checkpoint "demo" (it is empty)',
      );
      assert.equal(await status("#ck-save"), 'saved the streamed model to IndexedDB as "demo"');
      assert.equal(await status("#ck-load"), 'streaming checkpoint "demo" from IndexedDB');
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#ck-download")]);
      assert.equal(download.suggestedFilename(), "warp-demo.safetensors");
      const downloaded = readFileSync((await download.path())!);
      const saved = loadCheckpoint(downloaded);
      assert.equal(saved.config.data_size, 1);
      assert.ok(saved.metadata.normalization, "the download carries the normalisation it was streamed with");
      await page.evaluate(() => {
        (globalThis as unknown as { __demo: { checkpointStatus: string } }).__demo.checkpointStatus = "";
      });
      await page.setInputFiles("#ck-file", {
        name: "warp-demo.safetensors",
        mimeType: "application/octet-stream",
        buffer: downloaded,
      });
      await page.waitForFunction(
        () =>
          (globalThis as unknown as { __demo: { checkpointStatus: string } }).__demo.checkpointStatus !== "",
      );
      assert.equal(await page.textContent("#ck-status"), 'streaming checkpoint file "warp-demo.safetensors"');
      const frames = await page.evaluate(
        () => (globalThis as unknown as { __demo: { frames: number } }).__demo.frames,
      );
      await page.waitForFunction(
        (f) => (globalThis as unknown as { __demo: { frames: number } }).__demo.frames > f + 3,
        frames,
      );
      assert.deepEqual(errors, []);
    });
  });

  const shot = process.env.WARP_DEMO_SCREENSHOT;
  it("captures the README screenshot", {
    skip: !shot && "set WARP_DEMO_SCREENSHOT=docs/demo.png to capture the README's screenshot",
  }, async () => {
    await withBrowser(async (ctx) => {
      const page = await ctx.newPage();
      await page.setViewportSize({ width: 1000, height: 900 });
      await page.goto(url);
      await page.waitForFunction(
        () => ((globalThis as { __demo?: { frames: number } }).__demo?.frames ?? 0) > 80,
      );
      await page.click("#train");
      await page.waitForFunction(
        () =>
          /epoch (2\d|[3-9]\d)/.test(
            (
              globalThis as unknown as {
                document: { getElementById(id: string): { textContent: string } | null };
              }
            ).document.getElementById("train-status")?.textContent ?? "",
          ),
        null,
        {
          timeout: 120_000,
        },
      );
      await page.screenshot({ path: join(ROOT, shot!), fullPage: true });
      await page.click("#cancel");
    });
  });
});
