# node-gyp build of the `native` backend: one N-API addon (warp_native.node) over OpenBLAS.
# Not here: the JS loader (src/backends/native/index.ts) or the install-time fallback logic
# (scripts/build-native.mjs). OpenBLAS flags come from pkg-config, with the Debian/Ubuntu
# multiarch paths as a fallback; -march=native is fine because the addon is always built on the
# machine that runs it. No -ffast-math: NaN and Inf must propagate exactly as in the cpu backend.
{
  "targets": [
    {
      "target_name": "warp_native",
      "sources": [
        "src/addon.cc",
        "src/kernels/parallel.cc",
        "src/kernels/elementwise.cc",
        "src/kernels/reduce.cc",
        "src/kernels/blas.cc",
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
      "cflags": [
        "-march=native",
        "-fno-math-errno",
        "-pthread",
        "<!@(pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread -I/usr/include/x86_64-linux-gnu -I/usr/include/openblas)"
      ],
      "cflags_cc": ["-fexceptions"],
      "libraries": [
        "<!@(pkg-config --libs openblas 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas)",
        "-pthread"
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CFLAGS": ["-O3", "-march=native", "-fno-math-errno"]
      }
    }
  ]
}
