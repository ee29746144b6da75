// The shared validator (src/config/validate.ts): errors name the key by its full path, the value as written
// and what the rule expects ("or null" for nullable keys); unknown keys suggest the nearest valid path.
// Not here: which keys each section has (run-config.test.ts, warp/config.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BOOLEAN, inRange, KeyPaths, oneOf, POSITIVE_INT, show } from "../../src/config/validate.js";
import { WarpError } from "../../src/index.js";

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof WarpError, String(e));
    return e.message;
  }
  assert.fail("no error");
};

describe("KeyPaths", () => {
  const k = KeyPaths.under("optimizer.on_plateau");

  it("passes valid values through unchanged", () => {
    assert.equal(k.check("patience", 3, POSITIVE_INT), 3);
    assert.equal(k.nullable("patience", null, POSITIVE_INT), null);
    assert.equal(k.check("flag", false, BOOLEAN), false);
  });

  it("names the full key path, the value as written and what is expected", () => {
    assert.equal(
      message(() => k.check("patience", -3, POSITIVE_INT)),
      "optimizer.on_plateau.patience = -3 is invalid: expected a positive integer",
    );
    assert.equal(
      message(() => k.nullable("patience", "3", POSITIVE_INT)),
      'optimizer.on_plateau.patience = "3" is invalid: expected a positive integer or null',
    );
    assert.equal(
      message(() => k.check("factor", 1, inRange(0, 1, "both"))),
      "optimizer.on_plateau.factor = 1 is invalid: expected a number in (0, 1)",
    );
    assert.equal(
      message(() => new KeyPaths((key) => `training.${key}`).check("mode", "x", oneOf(["a", "b"]))),
      'training.mode = "x" is invalid: expected one of "a", "b"',
    );
  });

  it("suggests the nearest key by its path, or nothing when none is close", () => {
    assert.equal(
      k.unknown("pateince", ["patience", "cooldown"]).message,
      'unknown key "optimizer.on_plateau.pateince" (did you mean "optimizer.on_plateau.patience"?)',
    );
    assert.equal(k.unknown("banana", ["patience"]).message, 'unknown key "optimizer.on_plateau.banana"');
  });

  it("shows values as the user wrote them", () => {
    assert.equal(show([1, "a", Number.NaN]), '[1, "a", NaN]');
    assert.equal(show({ a: Number.POSITIVE_INFINITY }), "{a: Infinity}");
    assert.equal(show(undefined), "(nothing)");
    assert.equal(show(new Date("2020-01-02T00:00:00Z")), "2020-01-02");
  });
});
