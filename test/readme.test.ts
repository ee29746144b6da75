// README.md is executable documentation. Its TypeScript blocks are compiled (strict) against the package
// as a user imports it (`from "warp-ts"`) and run; output they claim to print is compared. The front door —
// the first shell block (install, main job, tests) on a fresh clone, and the package as `npm pack` and a git
// dependency install it — runs where CI runs (CI=true) or with WARP_FRONTDOOR=1: it takes minutes.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

/** The repository root: dist/test/readme.test.js is two levels below it. */
const ROOT = new URL("../..", import.meta.url).pathname;
const README = readFileSync(join(ROOT, "README.md"), "utf8");

interface Block {
  lang: string;
  code: string;
  /** The text of the paragraph just before the block (to find "prints"). */
  before: string;
}

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const re = /```(\w*)\n([\s\S]*?)```/g;
  let last = 0;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    out.push({ lang: m[1]!, code: m[2]!, before: md.slice(last, m.index).trim().split("\n").pop() ?? "" });
    last = m.index + m[0].length;
  }
  return out;
}

/** The environment of a child that runs npm as a user would: none of the npm_* variables of our own run. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.toLowerCase().startsWith("npm_") && k !== "INIT_CWD") env[k] = v;
  }
  return env;
}

function sh(command: string, cwd: string, timeoutMs = 600_000) {
  const r = spawnSync("bash", ["-c", command], { cwd, env: userEnv(), encoding: "utf8", timeout: timeoutMs });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  assert.equal(r.status, 0, `\`${command}\` in ${cwd} exited ${r.status}:\n${out.slice(-3000)}`);
  return out;
}

/** Numbers in `got` within float32-rounding distance of those in `want`; all other text identical. */
function assertPrints(got: string, want: string): void {
  const tok = (s: string) => s.trim().split(/\s+/);
  const g = tok(got);
  const w = tok(want);
  assert.equal(g.length, w.length, `printed:\n${got}\nREADME says:\n${want}`);
  for (let i = 0; i < w.length; i++) {
    const a = Number(g[i]);
    const b = Number(w[i]);
    if (Number.isFinite(b) && /\d/.test(w[i]!)) {
      assert.ok(
        Math.abs(a - b) <= 2e-4 + 1e-3 * Math.abs(b),
        `printed ${g[i]} where the README says ${w[i]}`,
      );
    } else {
      assert.equal(g[i], w[i], `printed:\n${got}\nREADME says:\n${want}`);
    }
  }
}

const scratch = mkdtempSync(join(tmpdir(), "warp-readme-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("README.md", () => {
  const all = blocks(README);
  const ts = all.map((b, i) => ({ ...b, i })).filter((b) => b.lang === "ts" || b.lang === "typescript");

  it("has TypeScript examples, each followed by what it prints where it says so", () => {
    assert.ok(ts.length > 0, "README.md has no ```ts block");
  });

  it("compiles every TypeScript block strictly, importing the package by its name", () => {
    // A project beside the package: node_modules/warp-ts is this checkout, as npm would link it.
    const proj = join(scratch, "user");
    mkdirSync(join(proj, "node_modules", "@types"), { recursive: true });
    symlinkSync(ROOT, join(proj, "node_modules", "warp-ts"), "dir");
    symlinkSync(
      join(ROOT, "node_modules", "@types", "node"),
      join(proj, "node_modules", "@types", "node"),
      "dir",
    );
    writeFileSync(
      join(proj, "package.json"),
      JSON.stringify({ name: "readme-user", type: "module", private: true }),
    );
    writeFileSync(
      join(proj, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          types: ["node"],
          outDir: "out",
          skipLibCheck: true,
        },
        include: ["*.ts"],
      }),
    );
    for (const b of ts) writeFileSync(join(proj, `block-${b.i}.ts`), b.code);
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", proj], { encoding: "utf8" });
    assert.equal(r.status, 0, `README's TypeScript does not compile:\n${r.stdout}${r.stderr}`);
    assert.deepEqual(
      readdirSync(join(proj, "out"))
        .filter((f) => f.endsWith(".js"))
        .sort(),
      ts.map((b) => `block-${b.i}.js`).sort(),
    );
  });

  it("runs every TypeScript block and prints what the README says it prints", () => {
    const proj = join(scratch, "user");
    for (const b of ts) {
      const js = join(proj, "out", `block-${b.i}.js`);
      assert.ok(existsSync(js), "compile step did not run");
      const r = spawnSync(process.execPath, [js], {
        cwd: proj,
        encoding: "utf8",
        env: { ...process.env, WARP_QUIET: "1" },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `README block ${b.i} failed:\n${r.stderr}`);
      const next = all[b.i + 1];
      if (next && /prints/i.test(next.before)) assertPrints(r.stdout, next.code);
    }
  });
});

const frontDoor = process.env.CI === "true" || process.env.WARP_FRONTDOOR === "1";

describe("the front door on a fresh clone", {
  skip: frontDoor ? false : "runs with CI=true or WARP_FRONTDOOR=1",
}, () => {
  const clone = join(scratch, "clone");
  const first = blocks(README).find((b) => b.lang === "sh");
  const commands = (first?.code ?? "")
    .split("\n")
    .map((l) => l.replace(/\s+#.*$/, "").trim())
    .filter(Boolean);

  it("the README's first block is install, main job, tests — and the tests are what CI runs", () => {
    assert.deepEqual(commands, ["npm install", "npx warp train", "npm test"]);
    assert.match(readFileSync(join(ROOT, ".ci", "run"), "utf8"), /^npm test\b/m);
  });

  it("`npm install` then `npx warp train`, exactly as written, train the built-in default", () => {
    assert.ok(existsSync(join(ROOT, ".git")), "not a git checkout");
    sh(`git clone -q "${ROOT}" "${clone}"`, scratch);
    sh(commands[0]!, clone);
    const out = sh(commands[1]!, clone);
    assert.match(out, /backend (native|cpu)/, "the first run says which backend it uses");
    const runs = readdirSync(join(clone, "runs"));
    assert.equal(runs.length, 1);
    for (const f of ["config.yaml", "metrics.jsonl", "test-metrics.json", "checkpoints/best.safetensors"]) {
      assert.ok(existsSync(join(clone, "runs", runs[0]!, f)), `runs/${runs[0]}/${f} missing`);
    }
  });

  it("`npm pack` gives a package whose `warp` bin and library work once installed", () => {
    const packed = sh("npm pack --silent", clone).trim().split("\n").pop()!;
    const user = join(scratch, "packed-user");
    mkdirSync(user);
    writeFileSync(
      join(user, "package.json"),
      JSON.stringify({ name: "u", version: "1.0.0", type: "module" }),
    );
    sh(`npm install --no-audit --no-fund "${join(clone, packed)}"`, user);
    // npm 11 skips a dependency's build step; the README's command builds the native backend.
    sh("cd node_modules/warp-ts && npm run build:native", user);
    assert.match(
      sh(
        `node --input-type=module -e 'import { getBackend } from "warp-ts"; console.log(getBackend())'`,
        user,
      ),
      /^native$/m,
    );
    assert.match(sh("npx warp --version", user), /^\d+\.\d+\.\d+/);
    const lib = `import { randomKey, uniform } from "warp-ts"; console.log(uniform(randomKey(0), [2, 3]).shape.join("x"));`;
    assert.match(sh(`node --input-type=module -e '${lib}'`, user), /^2x3$/m);
  });

  it("a git dependency installs a working `warp` bin and library", () => {
    const user = join(scratch, "git-user");
    mkdirSync(user);
    writeFileSync(
      join(user, "package.json"),
      JSON.stringify({ name: "g", version: "1.0.0", type: "module" }),
    );
    sh(`npm install --no-audit --no-fund "git+file://${clone}"`, user);
    assert.match(sh("npx warp --version", user), /^\d+\.\d+\.\d+/);
    assert.match(
      sh(`node --input-type=module -e 'import * as w from "warp-ts"; console.log(typeof w.WarpModel)'`, user),
      /function/,
    );
  });
});
