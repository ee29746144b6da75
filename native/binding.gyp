# node-gyp build of the `native` backend: one N-API addon (warp_native.node) with our own kernels; it
# needs only a C++17 compiler. Not here: the JS loader (src/backends/native/index.ts) or the install-time
# fallback logic (scripts/build-native.mjs).
# No -march=native: the addon must run on any x86-64 it is copied to. The AVX2 and AVX-512 kernels carry
# function target attributes and are chosen at run time from the CPU's features (src/kernels/gemm.cc).
# OpenBLAS is optional: when detect-openblas.cjs finds it, WARP_HAVE_OPENBLAS adds cblas_sgemm as the
# `blasMatmul` export, for benchmark comparisons only (WARP_OPENBLAS=0 builds without it).
# No -ffast-math: NaN and Inf must propagate exactly as in the cpu backend.
{
  "variables": {
    "have_openblas%": "<!(node detect-openblas.cjs have)"
  },
  "targets": [
    {
      "target_name": "warp_native",
      "sources": [
        "src/addon.cc",
        "src/kernels/parallel.cc",
        "src/kernels/elementwise.cc",
        "src/kernels/reduce.cc",
        "src/kernels/gemm.cc",
        "src/kernels/gemm_generic.cc",
        "src/kernels/gemm_avx2.cc",
        "src/kernels/gemm_avx512.cc",
        "src/kernels/blas.cc",
        "src/kernels/bf16.cc",
        "src/kernels/copy.cc",
        "src/kernels/root_mlp.cc",
        "src/kernels/scan.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "src"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags": ["-O3", "-fno-math-errno", "-pthread"],
      "cflags_cc": ["-fexceptions"],
      "libraries": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CFLAGS": ["-O3", "-fno-math-errno"]
      },
      "conditions": [
        ["have_openblas==1", {
          "defines": ["WARP_HAVE_OPENBLAS"],
          "cflags": ["<!@(node detect-openblas.cjs cflags)"],
          "xcode_settings": { "OTHER_CFLAGS": ["<!@(node detect-openblas.cjs cflags)"] },
          "libraries": ["<!@(node detect-openblas.cjs libs)"]
        }]
      ]
    }
  ]
}
