// Vite config of the demo page (`npm run web` serves it, `npm run web:build` builds it into dist-web/).
// Cross-origin isolation headers let the page use SharedArrayBuffer (step-level cancel of worker training).

import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  server: { host: "127.0.0.1", headers: isolation, fs: { allow: [fileURLToPath(new URL("..", import.meta.url))] } },
  preview: { host: "127.0.0.1", headers: isolation },
  worker: { format: "es" },
  build: { outDir: fileURLToPath(new URL("../dist-web", import.meta.url)), target: "es2022", emptyOutDir: true },
});
