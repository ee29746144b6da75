// f32 loads and stores at element index i of a byte pointer p, shared by the kernel files.

// @ts-ignore: decorator
@inline
export function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
export function st(p: usize, i: i32, v: f32): void {
  store<f32>(p + (<usize>i << 2), v);
}
