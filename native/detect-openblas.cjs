// Build-time probe for binding.gyp: whether OpenBLAS (cblas.h and the library) is installed, and its
// compiler and linker flags. The addon never needs it; when found it is linked only so that benchmarks
// can compare our GEMM with cblas_sgemm (addon export blasMatmul). WARP_OPENBLAS=0 skips it.
// Usage: node detect-openblas.cjs have|cflags|libs
const { execFileSync } = require("node:child_process");
const { existsSync } = require("node:fs");

const INCLUDE_DIRS = [
  "/usr/include/x86_64-linux-gnu/openblas-pthread",
  "/usr/include/aarch64-linux-gnu/openblas-pthread",
  "/usr/include/openblas",
  "/opt/homebrew/opt/openblas/include",
  "/usr/local/opt/openblas/include",
];
const LIB_DIRS = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/opt/homebrew/opt/openblas/lib",
  "/usr/local/opt/openblas/lib",
];

function pkgConfig(flag) {
  try {
    return execFileSync("pkg-config", [flag, "openblas"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim();
  } catch {
    return null;
  }
}

function probe() {
  if (process.env.WARP_OPENBLAS === "0") return null;
  const pcflags = pkgConfig("--cflags");
  const pclibs = pkgConfig("--libs");
  const includeDirs = [
    ...(pcflags ?? "").split(/\s+/).filter((f) => f.startsWith("-I")).map((f) => f.slice(2)),
    ...INCLUDE_DIRS,
  ];
  const include = includeDirs.find((d) => existsSync(`${d}/cblas.h`));
  if (!include) return null;
  if (pclibs !== null) return { cflags: `-I${include}`, libs: pclibs };
  const lib = LIB_DIRS.find((d) => ["so", "dylib", "a"].some((ext) => existsSync(`${d}/libopenblas.${ext}`)));
  return lib ? { cflags: `-I${include}`, libs: `-L${lib} -lopenblas` } : null;
}

const found = probe();
const what = process.argv[2];
process.stdout.write(what === "have" ? (found ? "1" : "0") : found ? found[what === "libs" ? "libs" : "cflags"] : "");
