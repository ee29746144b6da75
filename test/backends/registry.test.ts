// Backend choice: automatic native, else wasm, else cpu with a single clear notice on fallback,
// WARP_BACKEND and setBackend overrides. Each case runs in a fresh Node process so the once-only state starts clean.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { getBackend, setBackend, withBackend } from "../../src/index.js";
import { BACKENDS } from "../helpers/index.js";

const INDEX = new URL("../../src/index.js", import.meta.url).href;

function run(code: string, env: Record<string, string>, nodeFlags: string[] = []) {
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, "--input-type=module", "-e", `import * as w from ${JSON.stringify(INDEX)};\n${code}`],
    {
      env: { ...process.env, WARP_QUIET: "", WARP_BACKEND: "", ...env },
      encoding: "utf8",
    },
  );
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe("backend selection", () => {
  it("falls back to wasm when the addon cannot load, saying why exactly once", () => {
    const r = run(
      "const a = w.tensor([1, 2]); w.add(a, a); w.exp(a); console.log(w.getBackend()); console.log(w.backendInfo());",
      { WARP_NATIVE_PATH: "/nonexistent/warp_native.node" },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "wasm");
    assert.match(
      lines[1]!,
      /SIMD128.*native backend unavailable: cannot load WARP_NATIVE_PATH=\/nonexistent/,
    );
    const notices = r.stderr.split("\n").filter((l) => l.includes("using the wasm backend"));
    assert.equal(notices.length, 1, `stderr: ${r.stderr}`);
    assert.match(notices[0]!, /native addon is unavailable: cannot load WARP_NATIVE_PATH/);
  });

  it("falls back to cpu when neither the addon nor WebAssembly is available, saying why once", () => {
    // --jitless turns WebAssembly off.
    const r = run(
      "const a = w.tensor([1, 2]); w.add(a, a); w.exp(a); console.log(w.getBackend()); console.log(w.backendInfo());",
      { WARP_NATIVE_PATH: "/nonexistent/warp_native.node" },
      ["--jitless"],
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    assert.equal(lines[0], "cpu");
    assert.match(lines[1]!, /native backend unavailable: cannot load .*; wasm: WebAssembly is not available/);
    const notices = r.stderr.split("\n").filter((l) => l.includes("using the cpu backend"));
    assert.equal(notices.length, 1, `stderr: ${r.stderr}`);
  });

  it("honours WARP_BACKEND=wasm silently", () => {
    const r = run(
      "w.exp(w.tensor([1])); console.log(w.getBackend(), w.availableBackends().includes('wasm'));",
      {
        WARP_BACKEND: "wasm",
      },
    );
    assert.equal(r.stdout, "wasm true");
    assert.equal(r.stderr, "");
  });

  it("honours WARP_BACKEND=cpu silently and rejects an unknown WARP_BACKEND", () => {
    const ok = run("w.exp(w.tensor([1])); console.log(w.getBackend());", { WARP_BACKEND: "cpu" });
    assert.equal(ok.stdout, "cpu");
    assert.equal(ok.stderr, "");
    const bad = run("w.exp(w.tensor([1]));", { WARP_BACKEND: "gpu" });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /WARP_BACKEND must be "cpu", "wasm" or "native", got "gpu"/);
  });

  it("makes WARP_BACKEND=native an error when the addon cannot load", () => {
    const r = run("w.exp(w.tensor([1]));", {
      WARP_BACKEND: "native",
      WARP_NATIVE_PATH: "/nonexistent/x.node",
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /backend "native" is not available: cannot load WARP_NATIVE_PATH/);
  });

  it("switches to wasm with setBackend and withBackend", () => {
    const before = getBackend();
    setBackend("wasm");
    assert.equal(getBackend(), "wasm");
    assert.equal(
      withBackend("cpu", () => getBackend()),
      "cpu",
    );
    assert.equal(getBackend(), "wasm");
    setBackend(before);
  });

  it("switches with setBackend and withBackend", {
    skip: !BACKENDS.includes("native") && "native addon not built",
  }, () => {
    const before = getBackend();
    setBackend("cpu");
    assert.equal(getBackend(), "cpu");
    assert.equal(
      withBackend("native", () => getBackend()),
      "native",
    );
    assert.equal(getBackend(), "cpu");
    setBackend(before);
  });
});
