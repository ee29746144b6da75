// AssemblyScript source: the sum over the middle axis of x viewed as (outer, reduce, inner), accumulated in
// float64 in the cpu kernel's order (src/backends/cpu/reduce.ts), so the float32 results are bitwise the
// same: one running sum per output when inner = 1, else a float64 row of accumulators (two lanes per f64x2)
// over the reduce rows. Pointers are byte addresses; `acc` is scratch for `inner` float64 values, 8-aligned.

export function reduceSum(x: usize, outer: i32, reduce: i32, inner: i32, out: usize, acc: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      let s: f64 = 0;
      const base = x + ((<usize>o * <usize>reduce) << 2);
      for (let r = 0; r < reduce; r++) s += <f64>load<f32>(base + (<usize>r << 2));
      store<f32>(out + (<usize>o << 2), <f32>s);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    memory.fill(acc, 0, <usize>inner << 3);
    const base = x + ((<usize>o * <usize>reduce * <usize>inner) << 2);
    for (let r = 0; r < reduce; r++) {
      const row = base + ((<usize>r * <usize>inner) << 2);
      let i = 0;
      for (; i + 2 <= inner; i += 2) {
        const a = acc + (<usize>i << 3);
        const v = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)));
        v128.store(a, f64x2.add(v128.load(a), v));
      }
      for (; i < inner; i++) {
        const a = acc + (<usize>i << 3);
        store<f64>(a, load<f64>(a) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const dst = out + ((<usize>o * <usize>inner) << 2);
    for (let i = 0; i < inner; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}
