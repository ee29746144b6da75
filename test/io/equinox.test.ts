// The authors' checkpoint format (Equinox tree_serialise_leaves of their WSM module): reading a file
// made by the format's rules with numpy alone (test/fixtures/equinox-wsm.eqx, tools/equinox_fixture.py),
// writing it back leaf for leaf, a round trip through our safetensors checkpoint and back, and the
// errors a file that does not match its configuration gets. No Python in the tests.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  equinoxLayout,
  equinoxSizes,
  loadCheckpoint,
  readEquinoxWarp,
  resolveModelConfig,
  saveCheckpoint,
  splitNpyStream,
  WarpModel,
  type WarpParams,
  writeEquinoxWarp,
} from "../../src/index.js";
import { assertAllClose, throwsWith } from "../helpers/index.js";

const fixtureUrl = (f: string) => new URL(`../../../test/fixtures/${f}`, import.meta.url);
const bytes = new Uint8Array(readFileSync(fixtureUrl("equinox-wsm.eqx")));
const fx = JSON.parse(readFileSync(fixtureUrl("equinox-wsm.json"), "utf8")) as {
  config: { model: Record<string, unknown>; training: Record<string, unknown> };
  data_size: number;
  leaves: number;
  params: Record<string, number[] | number[][]>;
};

const modelFor = (over: Record<string, unknown> = {}, dataSize = fx.data_size) =>
  new WarpModel(
    resolveModelConfig({ ...fx.config.model, ...fx.config.training, data_size: dataSize, ...over }),
  );

function expectParams(p: WarpParams, what: string) {
  const named = new WarpModel(
    resolveModelConfig({ ...fx.config.model, ...fx.config.training, data_size: 2 }),
  ).namedParams(p);
  assert.deepEqual(Object.keys(named).sort(), Object.keys(fx.params).sort(), what);
  for (const [k, v] of Object.entries(fx.params))
    assertAllClose(named[k]!, v.flat(), { atol: 0, rtol: 0 }, `${what} ${k}`);
}

describe("the authors' Equinox checkpoint format", () => {
  it("splits the file into its leaves and finds the data size where the WSM keeps it", () => {
    const leaves = splitNpyStream(bytes);
    assert.equal(leaves.length, fx.leaves);
    const m = fx.config.model;
    const sizes = equinoxSizes(leaves, {
      initStateLayers: m.init_state_layers as number,
      rootDepth: m.root_depth as number,
      classification: false,
    });
    assert.deepEqual(sizes, { dataSize: 2, nbClasses: null });
    assert.equal(equinoxLayout(modelFor()).length, fx.leaves);
  });

  it("reads every parameter of a file made with numpy's save in the WSM leaf order", () => {
    expectParams(readEquinoxWarp(modelFor(), bytes, "float32"), "imported");
  });

  it("writes the same leaves back (shapes, values; scalars as numbers)", () => {
    const model = modelFor();
    const ours = splitNpyStream(writeEquinoxWarp(model, readEquinoxWarp(model, bytes, "float32"), "float32"));
    const theirs = splitNpyStream(bytes);
    assert.equal(ours.length, theirs.length);
    ours.forEach((t, i) => {
      assert.deepEqual([...t.shape], [...theirs[i]!.shape], `leaf ${i + 1} shape`);
      assert.deepEqual(Array.from(t.data), Array.from(theirs[i]!.data), `leaf ${i + 1} values`);
      if (t.ndim > 0) assert.equal(t.dtype, "float32", `leaf ${i + 1} dtype`);
    });
  });

  it("round-trips through our safetensors checkpoint and back to the authors' format", () => {
    const model = modelFor();
    const params = readEquinoxWarp(model, bytes, "float32");
    const ck = loadCheckpoint(saveCheckpoint(model.config, params), model.config);
    const again = readEquinoxWarp(model, writeEquinoxWarp(model, ck.params, "float32"), "float32");
    expectParams(again, "round trip");
    // float64 arrays (the authors' x64 runs) read back to the same values.
    const wide = writeEquinoxWarp(model, readEquinoxWarp(model, bytes, "float64"), "float64");
    assert.equal(splitNpyStream(wide)[0]!.dtype, "float64");
    expectParams(readEquinoxWarp(model, wide, "float32"), "float64 file");
  });

  it("names what differs when the file does not match the configuration", () => {
    throwsWith(
      () => readEquinoxWarp(modelFor({ weights_lim: null }), bytes, "float32"),
      "equinox file: 33 leaves, but the configuration's WSM has 32",
    );
    throwsWith(
      () => readEquinoxWarp(modelFor({ time_as_channel: false }), bytes, "float32"),
      "equinox file: leaf 2 (Bs[0]) has shape (22,3), the configuration needs (22,2)",
    );
    throwsWith(
      () => readEquinoxWarp(modelFor({ forcing_prob: 0.5 }), bytes, "float32"),
      "equinox file: leaf 25 (forcing_prob) is 0.25 but the configuration gives 0.5",
    );
    throwsWith(() => splitNpyStream(bytes.subarray(0, 100)), "leaf 1 runs past the end of the file");
    throwsWith(
      () => equinoxLayout(modelFor({ model_type: "gru", rnn_hidden_size: 4, nb_rnn_layers: 1 })),
      'equinox: only WARP ("wsm") models, not "gru"',
    );
  });
});
