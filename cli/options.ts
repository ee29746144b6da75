// Option parsers shared by commands: each rejects a malformed value with a message naming the flag.

import { InvalidArgumentError } from "commander";

/** Parses a (non-negative unless `allowNegative`) integer flag value. */
export function intOption(flag: string, allowNegative = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || (!allowNegative && n < 0)) {
      throw new InvalidArgumentError(
        `${flag} expects a ${allowNegative ? "" : "non-negative "}integer, got "${value}"`,
      );
    }
    return n;
  };
}

/** A path flag's value: anything but an empty or blank string (`--out ""` would otherwise mean "no --out"). */
export function pathOption(flag: string) {
  return (value: string): string => {
    if (value.trim() === "") throw new InvalidArgumentError(`${flag} expects a path, got "${value}"`);
    return value;
  };
}
