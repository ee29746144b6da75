// Browser-test plumbing: bundle a page entry (test/browser/pages, from TypeScript sources) with esbuild, with
// node:test and node:assert/strict replaced by the shims; serve bundles on 127.0.0.1 with the headers that
// make a page cross-origin isolated; drive Debian's Chromium (/usr/bin/chromium, never a downloaded browser)
// through playwright-core with a fresh profile. Not here: the tests (browser.test.ts).

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.WARP_CHROMIUM ?? "/usr/bin/chromium";
/** Why browser tests cannot run here, or false. */
export const browserSkip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;

/** Repository root (sources, not dist). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const shims: Plugin = {
  name: "node-test-shims",
  setup(b) {
    b.onResolve({ filter: /^node:test$/ }, () => ({ path: join(ROOT, "test/browser/shims/node-test.ts") }));
    b.onResolve({ filter: /^node:assert\/strict$/ }, () => ({
      path: join(ROOT, "test/browser/shims/node-assert.ts"),
    }));
  },
};

/** Bundles `entry` (relative to the repository root) for the browser; returns the code. */
export async function bundle(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    plugins: [shims],
    define: { "process.env.WARP_REQUIRE_NATIVE": '"0"' },
  });
  return r.outputFiles[0]!.text;
}

/** Serves `files` (path → body) on 127.0.0.1; HTML, JS and others by extension. */
export async function serve(
  files: Record<string, string | Uint8Array>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const body = files[path === "/" ? "/index.html" : path];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = path.endsWith(".js")
      ? "text/javascript"
      : path.endsWith(".png")
        ? "image/png"
        : path.endsWith(".html") || path === "/"
          ? "text/html"
          : "application/octet-stream";
    res.writeHead(200, {
      "content-type": type,
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}/`, server };
}

/** A page that loads one module script. */
export const modulePage = (script: string): string =>
  `<!doctype html><meta charset="utf-8"><title>warp-ts test</title><script type="module" src="${script}"></script>`;

/** Runs `fn` with a fresh headless Chromium profile, closing it and deleting the profile afterwards. */
export async function withBrowser<T>(fn: (ctx: BrowserContext) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), "warp-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
