// N-API entry points of warp_native.node: argument marshalling and validation only. Every function
// checks types, integer arguments and that each buffer is long enough for the extents it will touch
// (throwing TypeError/RangeError instead of reading or writing out of bounds), then calls the kernel.
// Not here: any computation (src/kernels/*), op-name mapping (JS looks names up in unaryOps/binaryOps/
// rootActivations).
#include <napi.h>
#ifdef WARP_HAVE_OPENBLAS
#include <cblas.h>
#endif

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/scan.h"
#include "kernels/strided.h"

namespace {

using Napi::CallbackInfo;
using Napi::Value;

[[noreturn]] void typeError(const CallbackInfo& info, const std::string& msg) {
  throw Napi::TypeError::New(info.Env(), "warp_native: " + msg);
}
[[noreturn]] void rangeError(const CallbackInfo& info, const std::string& msg) {
  throw Napi::RangeError::New(info.Env(), "warp_native: " + msg);
}

template <class T>
struct Buffer {
  T* data;
  int64_t length;
};

template <class T, napi_typedarray_type Kind>
Buffer<T> typed(const CallbackInfo& info, size_t i, const char* name, const char* typeName) {
  const Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind) {
    typeError(info, std::string(name) + " must be a " + typeName);
  }
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  return {arr.Data(), int64_t(arr.ElementLength())};
}

Buffer<float> f32(const CallbackInfo& info, size_t i, const char* name) {
  return typed<float, napi_float32_array>(info, i, name, "Float32Array");
}
Buffer<int32_t> i32(const CallbackInfo& info, size_t i, const char* name) {
  return typed<int32_t, napi_int32_array>(info, i, name, "Int32Array");
}

bool isKind(const Value& v, napi_typedarray_type kind) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == kind;
}

/** A safe integer (|v| ≤ 2^53). */
int64_t integer(const CallbackInfo& info, size_t i, const char* name) {
  const Value v = info[i];
  if (!v.IsNumber()) typeError(info, std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(std::fabs(d) <= 9007199254740992.0) || std::trunc(d) != d) {
    rangeError(info, std::string(name) + " must be an integer, got " + std::to_string(d));
  }
  return int64_t(d);
}

int64_t count(const CallbackInfo& info, size_t i, const char* name) {
  const int64_t n = integer(info, i, name);
  if (n < 0) rangeError(info, std::string(name) + " must be ≥ 0, got " + std::to_string(n));
  return n;
}

/** A matmul or recurrence dimension: a count up to kMaxBlasInt. */
int64_t blasDim(const CallbackInfo& info, size_t i, const char* name) {
  const int64_t n = count(info, i, name);
  if (n > warp::kMaxBlasInt) rangeError(info, std::string(name) + " is too large (over 2^31 - 1)");
  return n;
}

double number(const CallbackInfo& info, size_t i, const char* name) {
  const Value v = info[i];
  if (!v.IsNumber()) typeError(info, std::string(name) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool boolean(const CallbackInfo& info, size_t i, const char* name) {
  const Value v = info[i];
  if (!v.IsBoolean()) typeError(info, std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

/** An integer array (shape or strides) of at most kMaxRank entries. */
std::vector<int64_t> ints(const CallbackInfo& info, size_t i, const char* name) {
  const Value v = info[i];
  if (!v.IsArray()) typeError(info, std::string(name) + " must be an array of integers");
  const auto arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  if (n > uint32_t(warp::kMaxRank)) rangeError(info, std::string(name) + " has more than 16 axes");
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; k++) {
    const Value e = arr.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!(std::fabs(d) <= 9007199254740992.0) || std::trunc(d) != d) {
      rangeError(info, std::string(name) + "[" + std::to_string(k) + "] must be an integer");
    }
    out[k] = int64_t(d);
  }
  return out;
}

int64_t mul(const CallbackInfo& info, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) rangeError(info, "size overflow");
  return r;
}

int64_t add(const CallbackInfo& info, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) rangeError(info, "size overflow");
  return r;
}

int64_t product(const CallbackInfo& info, const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) rangeError(info, "shape entries must be ≥ 0");
    n = mul(info, n, d);
  }
  return n;
}

void need(const CallbackInfo& info, const char* name, int64_t have, int64_t want) {
  if (have < want) {
    rangeError(info, std::string(name) + " has " + std::to_string(have) + " elements, needs " + std::to_string(want));
  }
}

/** Checks that offset + idx·strides stays inside [0, length) for every idx of a non-empty shape. */
void needStrided(const CallbackInfo& info, const char* name, int64_t length, int64_t offset,
                 const std::vector<int64_t>& strides, const std::vector<int64_t>& shape) {
  if (strides.size() != shape.size()) rangeError(info, std::string(name) + " strides must have one entry per axis");
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); d++) {
    const int64_t reach = mul(info, strides[d], shape[d] - 1);
    (reach < 0 ? lo : hi) = add(info, reach < 0 ? lo : hi, reach);
  }
  if (lo < 0 || hi >= length) {
    rangeError(info, std::string(name) + " is indexed outside its " + std::to_string(length) + " elements");
  }
}

warp::UnaryOp unaryOp(const CallbackInfo& info, size_t i) {
  const int64_t op = integer(info, i, "op");
  if (op < 0 || op >= int64_t(warp::UnaryOp::Count)) rangeError(info, "unknown unary op code");
  return warp::UnaryOp(op);
}

warp::BinaryOp binaryOp(const CallbackInfo& info, size_t i) {
  const int64_t op = integer(info, i, "op");
  if (op < 0 || op >= int64_t(warp::BinaryOp::Count)) rangeError(info, "unknown binary op code");
  return warp::BinaryOp(op);
}

// unary(op, x, out)
Value Unary(const CallbackInfo& info) {
  const auto op = unaryOp(info, 0);
  const auto x = f32(info, 1, "x");
  const auto out = f32(info, 2, "out");
  need(info, "out", out.length, x.length);
  warp::unary(op, x.data, out.data, x.length);
  return info.Env().Undefined();
}

// unaryVjp(op, x, y, dy, dx)
Value UnaryVjp(const CallbackInfo& info) {
  const auto op = unaryOp(info, 0);
  const auto x = f32(info, 1, "x");
  const auto y = f32(info, 2, "y");
  const auto dy = f32(info, 3, "dy");
  const auto dx = f32(info, 4, "dx");
  need(info, "y", y.length, x.length);
  need(info, "dy", dy.length, x.length);
  need(info, "dx", dx.length, x.length);
  warp::unaryVjp(op, x.data, y.data, dy.data, dx.data, x.length);
  return info.Env().Undefined();
}

// binary(op, a, aStrides, b, bStrides, out, shape)
Value Binary(const CallbackInfo& info) {
  const auto op = binaryOp(info, 0);
  const auto a = f32(info, 1, "a");
  const auto aStrides = ints(info, 2, "aStrides");
  const auto b = f32(info, 3, "b");
  const auto bStrides = ints(info, 4, "bStrides");
  const auto out = f32(info, 5, "out");
  const auto shape = ints(info, 6, "shape");
  const int64_t total = product(info, shape);
  if (total == 0) return info.Env().Undefined();
  needStrided(info, "a", a.length, 0, aStrides, shape);
  needStrided(info, "b", b.length, 0, bStrides, shape);
  need(info, "out", out.length, total);
  warp::binary(op, a.data, aStrides.data(), b.data, bStrides.data(), out.data, shape.data(), int(shape.size()));
  return info.Env().Undefined();
}

// clip(x, lo, hi, out)
Value Clip(const CallbackInfo& info) {
  const auto x = f32(info, 0, "x");
  const double lo = number(info, 1, "lo"), hi = number(info, 2, "hi");
  const auto out = f32(info, 3, "out");
  need(info, "out", out.length, x.length);
  warp::clip(x.data, lo, hi, out.data, x.length);
  return info.Env().Undefined();
}

// clipVjp(x, lo, hi, dy, dx)
Value ClipVjp(const CallbackInfo& info) {
  const auto x = f32(info, 0, "x");
  const double lo = number(info, 1, "lo"), hi = number(info, 2, "hi");
  const auto dy = f32(info, 3, "dy");
  const auto dx = f32(info, 4, "dx");
  need(info, "dy", dy.length, x.length);
  need(info, "dx", dx.length, x.length);
  warp::clipVjp(x.data, lo, hi, dy.data, dx.data, x.length);
  return info.Env().Undefined();
}

// where(cond, a, b, out); cond is a Float32Array or an Int32Array
Value Where(const CallbackInfo& info) {
  const auto a = f32(info, 1, "a");
  const auto b = f32(info, 2, "b");
  const auto out = f32(info, 3, "out");
  need(info, "a", a.length, out.length);
  need(info, "b", b.length, out.length);
  if (isKind(info[0], napi_int32_array)) {
    const auto cond = i32(info, 0, "cond");
    need(info, "cond", cond.length, out.length);
    warp::where(cond.data, a.data, b.data, out.data, out.length);
  } else {
    const auto cond = f32(info, 0, "cond (Float32Array or Int32Array)");
    need(info, "cond", cond.length, out.length);
    warp::where(cond.data, a.data, b.data, out.data, out.length);
  }
  return info.Env().Undefined();
}

// reduceSum(x, outer, reduce, inner, out)
Value ReduceSum(const CallbackInfo& info) {
  const auto x = f32(info, 0, "x");
  const int64_t outer = count(info, 1, "outer"), reduce = count(info, 2, "reduce"), inner = count(info, 3, "inner");
  const auto out = f32(info, 4, "out");
  need(info, "x", x.length, mul(info, mul(info, outer, reduce), inner));
  need(info, "out", out.length, mul(info, outer, inner));
  warp::reduceSum(x.data, outer, reduce, inner, out.data);
  return info.Env().Undefined();
}

// copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate); both
// Float32Array or both Int32Array
Value CopyStrided(const CallbackInfo& info) {
  const int64_t srcOffset = count(info, 1, "srcOffset");
  const auto srcStrides = ints(info, 2, "srcStrides");
  const int64_t dstOffset = count(info, 4, "dstOffset");
  const auto dstStrides = ints(info, 5, "dstStrides");
  const auto shape = ints(info, 6, "shape");
  const bool accumulate = boolean(info, 7, "accumulate");
  const bool ints32 = isKind(info[0], napi_int32_array);
  if (product(info, shape) == 0) return info.Env().Undefined();
  if (ints32) {
    const auto src = i32(info, 0, "src");
    const auto dst = i32(info, 3, "dst (same type as src)");
    needStrided(info, "src", src.length, srcOffset, srcStrides, shape);
    needStrided(info, "dst", dst.length, dstOffset, dstStrides, shape);
    warp::copyStrided(src.data + srcOffset, srcStrides.data(), dst.data + dstOffset, dstStrides.data(), shape.data(),
                      int(shape.size()), accumulate);
  } else {
    const auto src = f32(info, 0, "src (Float32Array or Int32Array)");
    const auto dst = f32(info, 3, "dst (same type as src)");
    needStrided(info, "src", src.length, srcOffset, srcStrides, shape);
    needStrided(info, "dst", dst.length, dstOffset, dstStrides, shape);
    warp::copyStrided(src.data + srcOffset, srcStrides.data(), dst.data + dstOffset, dstStrides.data(), shape.data(),
                      int(shape.size()), accumulate);
  }
  return info.Env().Undefined();
}

// matmul(a, b, out, batch, M, N, K, transA, transB, strideA, strideB, accumulate)
Value Matmul(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto b = f32(info, 1, "b");
  const auto out = f32(info, 2, "out");
  warp::MatmulArgs x;
  x.batch = count(info, 3, "batch");
  x.M = blasDim(info, 4, "M");
  x.N = blasDim(info, 5, "N");
  x.K = blasDim(info, 6, "K");
  x.transA = boolean(info, 7, "transA");
  x.transB = boolean(info, 8, "transB");
  x.strideA = count(info, 9, "strideA");
  x.strideB = count(info, 10, "strideB");
  x.accumulate = boolean(info, 11, "accumulate");
  if (x.batch == 0 || x.M == 0 || x.N == 0) return info.Env().Undefined();
  need(info, "out", out.length, mul(info, x.batch, mul(info, x.M, x.N)));
  if (x.K > 0) {
    need(info, "a", a.length, add(info, mul(info, x.batch - 1, x.strideA), mul(info, x.M, x.K)));
    need(info, "b", b.length, add(info, mul(info, x.batch - 1, x.strideB), mul(info, x.K, x.N)));
  }
  warp::matmul(a.data, b.data, out.data, x);
  return info.Env().Undefined();
}

// packedLength(K, N): floats of a buffer packMatrix fills for a K×N right operand
Value PackedLength(const CallbackInfo& info) {
  const int64_t K = blasDim(info, 0, "K"), N = blasDim(info, 1, "N");
  return Napi::Number::New(info.Env(), double(warp::packedBFloats(K, N)));
}

// packMatrix(b, K, N, transB, packed): op(B) (K×N; B stored K×N, or N×K when transB) packed for matmulPacked
Value PackMatrix(const CallbackInfo& info) {
  const auto b = f32(info, 0, "b");
  const int64_t K = blasDim(info, 1, "K"), N = blasDim(info, 2, "N");
  const bool transB = boolean(info, 3, "transB");
  const auto packed = f32(info, 4, "packed");
  need(info, "b", b.length, mul(info, K, N));
  need(info, "packed", packed.length, warp::packedBFloats(K, N));
  warp::packBInto(transB, K, N, b.data, transB ? K : N, packed.data);
  return info.Env().Undefined();
}

// matmulPacked(a, packed, out, M, N, K, transA, accumulate): out (M×N) (+)= op(A) (M×K) · op(B) from packMatrix
Value MatmulPacked(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto packed = f32(info, 1, "packed");
  const auto out = f32(info, 2, "out");
  const int64_t M = blasDim(info, 3, "M"), N = blasDim(info, 4, "N"), K = blasDim(info, 5, "K");
  const bool transA = boolean(info, 6, "transA");
  const bool accumulate = boolean(info, 7, "accumulate");
  need(info, "a", a.length, mul(info, M, K));
  need(info, "packed", packed.length, warp::packedBFloats(K, N));
  need(info, "out", out.length, mul(info, M, N));
  if (!warp::packedBUsable(packed.data)) rangeError(info, "packed was made for another GEMM instruction set");
  warp::sgemmPackedB(transA, M, N, K, a.data, transA ? M : K, packed.data, out.data, N, accumulate);
  return info.Env().Undefined();
}

// softmaxCrossEntropy(logits, labels, B, C, loss, probs)
Value SoftmaxCrossEntropy(const CallbackInfo& info) {
  const auto logits = f32(info, 0, "logits");
  const auto labels = i32(info, 1, "labels");
  const int64_t B = count(info, 2, "B"), C = count(info, 3, "C");
  const auto loss = f32(info, 4, "loss");
  const auto probs = f32(info, 5, "probs");
  need(info, "logits", logits.length, mul(info, B, C));
  need(info, "labels", labels.length, B);
  need(info, "loss", loss.length, B);
  need(info, "probs", probs.length, mul(info, B, C));
  warp::softmaxCrossEntropy(logits.data, labels.data, B, C, loss.data, probs.data);
  return info.Env().Undefined();
}

// adamStep(g, mu, nu, muOut, nuOut, update, b1, b2, eps, epsRoot, c1, c2, scale)
Value AdamStep(const CallbackInfo& info) {
  const auto g = f32(info, 0, "g");
  const auto mu = f32(info, 1, "mu");
  const auto nu = f32(info, 2, "nu");
  const auto muOut = f32(info, 3, "muOut");
  const auto nuOut = f32(info, 4, "nuOut");
  const auto update = f32(info, 5, "update");
  const warp::AdamStepArgs a{number(info, 6, "b1"),      number(info, 7, "b2"), number(info, 8, "eps"),
                             number(info, 9, "epsRoot"), number(info, 10, "c1"), number(info, 11, "c2"),
                             number(info, 12, "scale")};
  for (const auto* b : {&mu, &nu, &muOut, &nuOut, &update}) need(info, "an Adam buffer", b->length, g.length);
  warp::adamStep(g.data, mu.data, nu.data, muOut.data, nuOut.data, update.data, g.length, a);
  return info.Env().Undefined();
}

// bf16PackedLength(N, K): Float32Array elements (32-bit words) packBf16 fills for an N×K matrix
Value Bf16PackedLength(const CallbackInfo& info) {
  const int64_t N = blasDim(info, 0, "N"), K = blasDim(info, 1, "K");
  return Napi::Number::New(info.Env(), double(warp::bf16_packed_words(N, K)));
}

// packBf16(w, N, K, packed): w (N×K) rounded to bfloat16 in matmulBf16's layout (raw 32-bit words)
Value PackBf16(const CallbackInfo& info) {
  const auto w = f32(info, 0, "w");
  const int64_t N = blasDim(info, 1, "N"), K = blasDim(info, 2, "K");
  const auto packed = f32(info, 3, "packed");
  need(info, "w", w.length, mul(info, N, K));
  need(info, "packed", packed.length, warp::bf16_packed_words(N, K));
  warp::pack_bf16(w.data, N, K, reinterpret_cast<uint32_t*>(packed.data));
  return info.Env().Undefined();
}

// matmulBf16(x, packed, out, M, N, K): out (M×N) += bf16(x) (M×K) · W′ᵀ, W′ from packBf16
Value MatmulBf16(const CallbackInfo& info) {
  const auto x = f32(info, 0, "x");
  const auto packed = f32(info, 1, "packed");
  const auto out = f32(info, 2, "out");
  const int64_t M = blasDim(info, 3, "M"), N = blasDim(info, 4, "N"), K = blasDim(info, 5, "K");
  need(info, "x", x.length, mul(info, M, K));
  need(info, "packed", packed.length, warp::bf16_packed_words(N, K));
  need(info, "out", out.length, mul(info, M, N));
  warp::matmul_bf16(x.data, M, N, K, reinterpret_cast<const uint32_t*>(packed.data), out.data);
  return info.Env().Undefined();
}

// matmulBf16TN(a, b, out, M, N, K, accumulate): out (M×N) (+)= bf16(a)ᵀ (a: K×M) · bf16(b) (K×N)
Value MatmulBf16TN(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto b = f32(info, 1, "b");
  const auto out = f32(info, 2, "out");
  const int64_t M = blasDim(info, 3, "M"), N = blasDim(info, 4, "N"), K = blasDim(info, 5, "K");
  need(info, "a", a.length, mul(info, K, M));
  need(info, "b", b.length, mul(info, K, N));
  need(info, "out", out.length, mul(info, M, N));
  const bool accumulate = boolean(info, 6, "accumulate");
  warp::matmul_bf16_tn(a.data, b.data, M, N, K, out.data, accumulate);
  return info.Env().Undefined();
}

// bf16Path(): "avx512bf16" when matmulBf16 runs vdpbf16ps (the CPU has it and the GEMM ISA is avx512), else "emulated"
Value Bf16Path(const CallbackInfo& info) { return Napi::String::New(info.Env(), warp::bf16_path()); }

/** N, T, P, clip at info[first..first+3]. */
warp::RecurrenceArgs recurrenceArgs(const CallbackInfo& info, size_t first) {
  warp::RecurrenceArgs r;
  r.N = blasDim(info, first, "N");
  r.T = count(info, first + 1, "T");
  r.P = blasDim(info, first + 2, "P");
  r.clip = number(info, first + 3, "clip");
  return r;
}

// linearRecurrence(A, U, theta0, out, N, T, P, clip)
Value LinearRecurrence(const CallbackInfo& info) {
  const auto A = f32(info, 0, "A");
  const auto U = f32(info, 1, "U");
  const auto theta0 = f32(info, 2, "theta0");
  const auto out = f32(info, 3, "out");
  const auto r = recurrenceArgs(info, 4);
  const int64_t ntp = mul(info, mul(info, r.N, r.T), r.P);
  need(info, "A", A.length, mul(info, r.P, r.P));
  need(info, "U", U.length, ntp);
  need(info, "theta0", theta0.length, mul(info, r.N, r.P));
  need(info, "out", out.length, ntp);
  warp::linearRecurrence(A.data, U.data, theta0.data, out.data, r);
  return info.Env().Undefined();
}

// linearRecurrenceVjp(A, theta0, out, dOut, dA, dU, dTheta0, N, T, P, clip)
Value LinearRecurrenceVjp(const CallbackInfo& info) {
  const auto A = f32(info, 0, "A");
  const auto theta0 = f32(info, 1, "theta0");
  const auto out = f32(info, 2, "out");
  const auto dOut = f32(info, 3, "dOut");
  const auto dA = f32(info, 4, "dA");
  const auto dU = f32(info, 5, "dU");
  const auto dTheta0 = f32(info, 6, "dTheta0");
  const auto r = recurrenceArgs(info, 7);
  const int64_t ntp = mul(info, mul(info, r.N, r.T), r.P);
  const int64_t pp = mul(info, r.P, r.P), np = mul(info, r.N, r.P);
  need(info, "A", A.length, pp);
  need(info, "theta0", theta0.length, np);
  need(info, "out", out.length, ntp);
  need(info, "dOut", dOut.length, ntp);
  need(info, "dA", dA.length, pp);
  need(info, "dU", dU.length, ntp);
  need(info, "dTheta0", dTheta0.length, np);
  warp::linearRecurrenceVjp(A.data, theta0.data, out.data, dOut.data, dA.data, dU.data, dTheta0.data, r);
  return info.Env().Undefined();
}

/** N, T, P, clip, chunk of a diagonal scan, starting at argument `first`. */
warp::ScanArgs scanArgs(const CallbackInfo& info, size_t first) {
  warp::ScanArgs r;
  r.N = count(info, first, "N");
  r.T = count(info, first + 1, "T");
  r.P = count(info, first + 2, "P");
  r.clip = number(info, first + 3, "clip");
  r.chunk = count(info, first + 4, "chunk");
  return r;
}

// diagonalScan(a, U, theta0, out, N, T, P, clip, chunk)
Value DiagonalScan(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto U = f32(info, 1, "U");
  const auto theta0 = f32(info, 2, "theta0");
  const auto out = f32(info, 3, "out");
  const auto r = scanArgs(info, 4);
  const int64_t ntp = mul(info, mul(info, r.N, r.T), r.P);
  need(info, "a", a.length, r.P);
  need(info, "U", U.length, ntp);
  need(info, "theta0", theta0.length, mul(info, r.N, r.P));
  need(info, "out", out.length, ntp);
  warp::diagonalScan(a.data, U.data, theta0.data, out.data, r);
  return info.Env().Undefined();
}

// diagonalScanVjp(a, theta0, out, dOut, da, dU, dTheta0, N, T, P, clip, chunk)
Value DiagonalScanVjp(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto theta0 = f32(info, 1, "theta0");
  const auto out = f32(info, 2, "out");
  const auto dOut = f32(info, 3, "dOut");
  const auto da = f32(info, 4, "da");
  const auto dU = f32(info, 5, "dU");
  const auto dTheta0 = f32(info, 6, "dTheta0");
  const auto r = scanArgs(info, 7);
  const int64_t ntp = mul(info, mul(info, r.N, r.T), r.P);
  const int64_t np = mul(info, r.N, r.P);
  need(info, "a", a.length, r.P);
  need(info, "theta0", theta0.length, np);
  need(info, "out", out.length, ntp);
  need(info, "dOut", dOut.length, ntp);
  need(info, "da", da.length, r.P);
  need(info, "dU", dU.length, ntp);
  need(info, "dTheta0", dTheta0.length, np);
  warp::diagonalScanVjp(a.data, theta0.data, out.data, dOut.data, da.data, dU.data, dTheta0.data, r);
  return info.Env().Undefined();
}

/** An optional Float32Array argument: null or undefined means absent. */
struct OptionalF32 {
  bool given;
  Buffer<float> buf;
  float* data() const { return given ? buf.data : nullptr; }
};

OptionalF32 f32OrNull(const CallbackInfo& info, size_t i, const char* name) {
  if (info[i].IsNull() || info[i].IsUndefined()) return {false, {nullptr, 0}};
  return {true, typed<float, napi_float32_array>(info, i, name, "Float32Array or null")};
}

/** Root-MLP layer widths and the per-sample sizes P (θ row) and H (hidden row) they imply. */
struct RootShape {
  std::vector<int64_t> dims;
  int64_t P = 0, H = 0;
};

/** dims at info[i]: an array of ≥ 2 positive integers; P and H are computed with overflow checks. */
RootShape rootShape(const CallbackInfo& info, size_t i) {
  const Value v = info[i];
  if (!v.IsArray()) typeError(info, "dims must be an array of positive integers");
  const auto arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  if (n < 2 || n > uint32_t(INT32_MAX)) {
    rangeError(info, "dims must have at least 2 entries, got " + std::to_string(n));
  }
  RootShape r;
  for (uint32_t k = 0; k < n; k++) {  // appended as validated: a huge sparse array fails before allocating
    const Value e = arr.Get(k);
    const double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d >= 1 && d <= 9007199254740992.0) || std::trunc(d) != d) {
      rangeError(info, "dims[" + std::to_string(k) + "] must be a positive integer");
    }
    r.dims.push_back(int64_t(d));
  }
  for (uint32_t l = 0; l + 1 < n; l++) {
    r.P = add(info, r.P, mul(info, r.dims[l + 1], r.dims[l] + 1));
    if (l + 2 < n) r.H = add(info, r.H, r.dims[l + 1]);
  }
  return r;
}

warp::RootActivation rootActivation(const CallbackInfo& info, size_t i) {
  const int64_t act = integer(info, i, "act");
  if (act < 0 || act >= int64_t(warp::RootActivation::Count)) rangeError(info, "unknown root activation code");
  return warp::RootActivation(act);
}

// rootMlp(theta, x, out, hidden | null, M, dims, act)
Value RootMlp(const CallbackInfo& info) {
  const auto theta = f32(info, 0, "theta");
  const auto x = f32(info, 1, "x");
  const auto out = f32(info, 2, "out");
  const auto hidden = f32OrNull(info, 3, "hidden");
  const int64_t M = count(info, 4, "M");
  const RootShape s = rootShape(info, 5);
  const auto act = rootActivation(info, 6);
  need(info, "theta", theta.length, mul(info, M, s.P));
  need(info, "x", x.length, mul(info, M, s.dims.front()));
  need(info, "out", out.length, mul(info, M, s.dims.back()));
  if (hidden.given) need(info, "hidden", hidden.buf.length, mul(info, M, s.H));
  const warp::RootMlpArgs a{M, s.dims.data(), int(s.dims.size()), act};
  warp::rootMlp(theta.data, x.data, out.data, hidden.data(), a);
  return info.Env().Undefined();
}

// rootMlpVjp(theta, x, hidden, dOut, dTheta, dX | null, M, dims, act)
Value RootMlpVjp(const CallbackInfo& info) {
  const auto theta = f32(info, 0, "theta");
  const auto x = f32(info, 1, "x");
  const auto hidden = f32(info, 2, "hidden");
  const auto dOut = f32(info, 3, "dOut");
  const auto dTheta = f32(info, 4, "dTheta");
  const auto dX = f32OrNull(info, 5, "dX");
  const int64_t M = count(info, 6, "M");
  const RootShape s = rootShape(info, 7);
  const auto act = rootActivation(info, 8);
  const int64_t mp = mul(info, M, s.P), mIn = mul(info, M, s.dims.front());
  need(info, "theta", theta.length, mp);
  need(info, "x", x.length, mIn);
  need(info, "hidden", hidden.length, mul(info, M, s.H));
  need(info, "dOut", dOut.length, mul(info, M, s.dims.back()));
  need(info, "dTheta", dTheta.length, mp);
  if (dX.given) need(info, "dX", dX.buf.length, mIn);
  const warp::RootMlpArgs a{M, s.dims.data(), int(s.dims.size()), act};
  warp::rootMlpVjp(theta.data, x.data, hidden.data, dOut.data, dTheta.data, dX.data(), a);
  return info.Env().Undefined();
}

/** The arguments after the buffers of diagonalRootStep(Vjp): N, dims, act, Din, clip, accumulate (P from dims). */
struct StepShape {
  RootShape root;
  warp::DiagonalRootStepArgs args;
};

StepShape stepShape(const CallbackInfo& info, size_t i) {
  StepShape s{rootShape(info, i + 1), {}};
  s.args.mlp = warp::RootMlpArgs{count(info, i, "N"), s.root.dims.data(), int(s.root.dims.size()),
                                 rootActivation(info, i + 2)};
  s.args.P = s.root.P;
  s.args.Din = count(info, i + 3, "Din");
  s.args.clip = number(info, i + 4, "clip");
  s.args.accumulate = boolean(info, i + 5, "accumulate");
  return s;
}

// diagonalRootStep(a, B, thetaPrev, inc, x, theta, out | null, hidden | null, N, dims, act, Din, clip, accumulate)
Value DiagonalRootStep(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto B = f32(info, 1, "B");
  const auto thetaPrev = f32(info, 2, "thetaPrev");
  const auto inc = f32(info, 3, "inc");
  const auto x = f32(info, 4, "x");
  const auto theta = f32(info, 5, "theta");
  const auto out = f32OrNull(info, 6, "out");
  const auto hidden = f32OrNull(info, 7, "hidden");
  const StepShape s = stepShape(info, 8);
  const int64_t N = s.args.mlp.M, P = s.args.P, Din = s.args.Din;
  need(info, "a", a.length, P);
  need(info, "B", B.length, mul(info, P, Din));
  need(info, "thetaPrev", thetaPrev.length, mul(info, N, P));
  need(info, "theta", theta.length, mul(info, N, P));
  need(info, "inc", inc.length, mul(info, N, Din));
  need(info, "x", x.length, mul(info, N, s.root.dims.front()));
  if (out.given) need(info, "out", out.buf.length, mul(info, N, s.root.dims.back()));
  if (hidden.given) need(info, "hidden", hidden.buf.length, mul(info, N, s.root.H));
  warp::diagonalRootStep(a.data, B.data, thetaPrev.data, inc.data, x.data, theta.data, out.data(), hidden.data(),
                         s.args);
  return info.Env().Undefined();
}

// diagonalRootStepVjp(a, B, thetaPrev, theta, inc, x, hidden, dOut, carry, da, dB, dInc, dX | null, g | null,
//                     N, dims, act, Din, clip, accumulate)
Value DiagonalRootStepVjp(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto B = f32(info, 1, "B");
  const auto thetaPrev = f32(info, 2, "thetaPrev");
  const auto theta = f32(info, 3, "theta");
  const auto inc = f32(info, 4, "inc");
  const auto x = f32(info, 5, "x");
  const auto hidden = f32(info, 6, "hidden");
  const auto dOut = f32(info, 7, "dOut");
  const auto carry = f32(info, 8, "carry");
  const auto da = typed<double, napi_float64_array>(info, 9, "da", "Float64Array");
  const auto dB = typed<double, napi_float64_array>(info, 10, "dB", "Float64Array");
  const auto dInc = f32(info, 11, "dInc");
  const auto dX = f32OrNull(info, 12, "dX");
  const auto g = f32OrNull(info, 13, "g");
  const StepShape s = stepShape(info, 14);
  const int64_t N = s.args.mlp.M, P = s.args.P, Din = s.args.Din;
  const int64_t np = mul(info, N, P), pd = mul(info, P, Din), nd = mul(info, N, Din);
  const int64_t nIn = mul(info, N, s.root.dims.front());
  need(info, "a", a.length, P);
  need(info, "da", da.length, P);
  need(info, "B", B.length, pd);
  need(info, "dB", dB.length, pd);
  for (const auto* b : {&thetaPrev, &theta, &carry}) need(info, "an (N, P) buffer", b->length, np);
  need(info, "inc", inc.length, nd);
  need(info, "dInc", dInc.length, nd);
  need(info, "x", x.length, nIn);
  need(info, "hidden", hidden.length, mul(info, N, s.root.H));
  need(info, "dOut", dOut.length, mul(info, N, s.root.dims.back()));
  if (dX.given) need(info, "dX", dX.buf.length, nIn);
  if (g.given) need(info, "g", g.buf.length, np);
  warp::diagonalRootStepVjp(a.data, B.data, thetaPrev.data, theta.data, inc.data, x.data, hidden.data, dOut.data,
                            carry.data, da.data, dB.data, dInc.data, dX.data(), g.data(), s.args);
  return info.Env().Undefined();
}

// info(): "own sgemm (avx512), 2 threads[, OpenBLAS <config> linked for comparison]"
Value Info(const CallbackInfo& info) {
  const int threads = warp::pool_threads();
  std::string text = std::string("own sgemm (") + warp::gemm_isa() + "), " + std::to_string(threads) +
                     (threads == 1 ? " thread" : " threads");
  if (const char* forced = std::getenv("WARP_NATIVE_ISA")) {
    if (std::string(forced) != warp::gemm_isa()) text += std::string(", WARP_NATIVE_ISA=") + forced + " unavailable here";
  }
#ifdef WARP_HAVE_OPENBLAS
  std::string config = openblas_get_config();
  while (!config.empty() && config.back() == ' ') config.pop_back();
  text += ", " + config + " linked for comparison";
#endif
  return Napi::String::New(info.Env(), text);
}

// gemmIsa(): the GEMM instruction set in use; gemmIsa(name): selects it, returning whether the CPU has it
// (for tests and benchmarks; the default is the widest the CPU supports, or WARP_NATIVE_ISA).
Value GemmIsa(const CallbackInfo& info) {
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) typeError(info, "gemmIsa: name must be a string");
    return Napi::Boolean::New(info.Env(), warp::gemm_set_isa(info[0].As<Napi::String>().Utf8Value().c_str()));
  }
  return Napi::String::New(info.Env(), warp::gemm_isa());
}

#ifdef WARP_HAVE_OPENBLAS
// blasMatmul(a, b, out, M, N, K, transA, transB, accumulate): OpenBLAS's cblas_sgemm on the same
// arguments as one matmul, for benchmark comparisons only.
Value BlasMatmul(const CallbackInfo& info) {
  const auto a = f32(info, 0, "a");
  const auto b = f32(info, 1, "b");
  const auto out = f32(info, 2, "out");
  const int64_t M = blasDim(info, 3, "M"), N = blasDim(info, 4, "N"), K = blasDim(info, 5, "K");
  const bool transA = boolean(info, 6, "transA"), transB = boolean(info, 7, "transB");
  const bool accumulate = boolean(info, 8, "accumulate");
  if (M == 0 || N == 0 || K == 0) rangeError(info, "blasMatmul: M, N and K must be positive");
  need(info, "a", a.length, mul(info, M, K));
  need(info, "b", b.length, mul(info, K, N));
  need(info, "out", out.length, mul(info, M, N));
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, blasint(M),
              blasint(N), blasint(K), 1.0f, a.data, blasint(transA ? M : K), b.data, blasint(transB ? K : N),
              accumulate ? 1.0f : 0.0f, out.data, blasint(N));
  return info.Env().Undefined();
}
#endif

template <size_t N>
Napi::Array names(Napi::Env env, const char* const (&list)[N]) {
  auto arr = Napi::Array::New(env, N);
  for (size_t i = 0; i < N; i++) arr.Set(uint32_t(i), Napi::String::New(env, list[i]));
  return arr;
}

// Bumped whenever an export's arguments change, so that the loader refuses an addon built from older
// sources (src/backends/native/index.ts NATIVE_API) instead of calling it with arguments it ignores.
constexpr int kApiVersion = 4;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("apiVersion", Napi::Number::New(env, kApiVersion));
  exports.Set("unaryOps", names(env, warp::kUnaryOpNames));
  exports.Set("binaryOps", names(env, warp::kBinaryOpNames));
  exports.Set("rootActivations", names(env, warp::kRootActivationNames));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("gemmIsa", Napi::Function::New(env, GemmIsa, "gemmIsa"));
#ifdef WARP_HAVE_OPENBLAS
  exports.Set("blasMatmul", Napi::Function::New(env, BlasMatmul, "blasMatmul"));
#endif
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("unaryVjp", Napi::Function::New(env, UnaryVjp, "unaryVjp"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("clip", Napi::Function::New(env, Clip, "clip"));
  exports.Set("clipVjp", Napi::Function::New(env, ClipVjp, "clipVjp"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum, "reduceSum"));
  exports.Set("copyStrided", Napi::Function::New(env, CopyStrided, "copyStrided"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("diagonalRootStep", Napi::Function::New(env, DiagonalRootStep, "diagonalRootStep"));
  exports.Set("diagonalRootStepVjp", Napi::Function::New(env, DiagonalRootStepVjp, "diagonalRootStepVjp"));
  exports.Set("packedLength", Napi::Function::New(env, PackedLength, "packedLength"));
  exports.Set("packMatrix", Napi::Function::New(env, PackMatrix, "packMatrix"));
  exports.Set("matmulPacked", Napi::Function::New(env, MatmulPacked, "matmulPacked"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
  exports.Set("bf16Path", Napi::Function::New(env, Bf16Path, "bf16Path"));
  exports.Set("bf16PackedLength", Napi::Function::New(env, Bf16PackedLength, "bf16PackedLength"));
  exports.Set("packBf16", Napi::Function::New(env, PackBf16, "packBf16"));
  exports.Set("matmulBf16", Napi::Function::New(env, MatmulBf16, "matmulBf16"));
  exports.Set("matmulBf16TN", Napi::Function::New(env, MatmulBf16TN, "matmulBf16TN"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("linearRecurrence", Napi::Function::New(env, LinearRecurrence, "linearRecurrence"));
  exports.Set("linearRecurrenceVjp", Napi::Function::New(env, LinearRecurrenceVjp, "linearRecurrenceVjp"));
  exports.Set("diagonalScan", Napi::Function::New(env, DiagonalScan, "diagonalScan"));
  exports.Set("diagonalScanVjp", Napi::Function::New(env, DiagonalScanVjp, "diagonalScanVjp"));
  exports.Set("rootMlp", Napi::Function::New(env, RootMlp, "rootMlp"));
  exports.Set("rootMlpVjp", Napi::Function::New(env, RootMlpVjp, "rootMlpVjp"));
  return exports;
}

}  // namespace

NODE_API_MODULE(warp_native, Init)
