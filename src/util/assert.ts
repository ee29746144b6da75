// Assertions with messages built lazily, so hot paths pay nothing for the text of an error.
// Not a validation framework: one condition, one message naming the problem.

/** Error thrown for invalid arguments, shapes or configurations. */
export class WarpError extends Error {
  override name = "WarpError";
}

/** Throws a WarpError with `message()` unless `cond` holds. */
export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new WarpError(message());
}

/** Formats a shape the way every error message in the library shows it: (2,3,4). */
export function fmtShape(shape: readonly number[]): string {
  return `(${shape.join(",")})`;
}
