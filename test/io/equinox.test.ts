// The authors' checkpoint format (Equinox tree_serialise_leaves of their WSM module): reading a file
// made by the format's rules with numpy alone (test/fixtures/equinox-wsm.eqx, tools/equinox_fixture.py),
// writing it back leaf for leaf (a regression and a classification model with a convolution embedding), a round trip through our safetensors checkpoint and back, and the
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

interface Fixture {
  bytes: Uint8Array;
  config: { model: Record<string, unknown>; training: Record<string, unknown> };
  data_size: number;
  nb_classes: number | null;
  leaves: number;
  params: Record<string, number[] | number[][]>;
}

const load = (name: string): Fixture => ({
  ...(JSON.parse(readFileSync(fixtureUrl(`${name}.json`), "utf8")) as Omit<Fixture, "bytes">),
  bytes: new Uint8Array(readFileSync(fixtureUrl(`${name}.eqx`))),
});
const FIXTURES = {
  "regression (NLL, hypernetwork, dtanh, θ clip)": load("equinox-wsm"),
  "classification (learned θ_0, positional encoding, causal conv embedding, θ_0 noise)": load(
    "equinox-wsm-classification",
  ),
};
const fx = FIXTURES["regression (NLL, hypernetwork, dtanh, θ clip)"];
const bytes = fx.bytes;

const modelFor = (f: Fixture, over: Record<string, unknown> = {}) => {
  const { model_type: _t, conv_embedding: ce, ...model } = f.config.model;
  const conv = Array.isArray(ce) ? [ce[0], ce[1], ce[2] === 1] : ce;
  return new WarpModel(
    resolveModelConfig({
      ...model,
      ...(conv === undefined ? {} : { conv_embedding: conv }),
      ...f.config.training,
      data_size: f.data_size,
      nb_classes: f.nb_classes,
      ...over,
    }),
  );
};

function expectParams(f: Fixture, p: WarpParams, what: string) {
  const named = modelFor(f).namedParams(p);
  assert.deepEqual(Object.keys(named).sort(), Object.keys(f.params).sort(), what);
  for (const [k, v] of Object.entries(f.params))
    assertAllClose(named[k]!, v.flat(2) as number[], { atol: 0, rtol: 0 }, `${what} ${k}`);
}

describe("the authors' Equinox checkpoint format", () => {
  for (const [what, f] of Object.entries(FIXTURES)) {
    it(`${what}: splits the file and finds the data size (and classes) where the WSM keeps them`, () => {
      const leaves = splitNpyStream(f.bytes);
      assert.equal(leaves.length, f.leaves);
      const m = f.config.model;
      const sizes = equinoxSizes(leaves, {
        initStateLayers: m.init_state_layers as number | null,
        rootDepth: m.root_depth as number,
        classification: f.nb_classes !== null,
      });
      assert.deepEqual(sizes, { dataSize: f.data_size, nbClasses: f.nb_classes });
      assert.equal(equinoxLayout(modelFor(f)).length, f.leaves);
    });

    it(`${what}: reads every parameter of a file made with numpy's save in the WSM leaf order`, () => {
      expectParams(f, readEquinoxWarp(modelFor(f), f.bytes, "float32"), "imported");
    });

    it(`${what}: writes the same leaves back (shapes, values; scalars as numbers)`, () => {
      const model = modelFor(f);
      const ours = splitNpyStream(
        writeEquinoxWarp(model, readEquinoxWarp(model, f.bytes, "float32"), "float32"),
      );
      const theirs = splitNpyStream(f.bytes);
      assert.equal(ours.length, theirs.length);
      ours.forEach((t, i) => {
        assert.deepEqual([...t.shape], [...theirs[i]!.shape], `leaf ${i + 1} shape`);
        assert.deepEqual(Array.from(t.data), Array.from(theirs[i]!.data), `leaf ${i + 1} values`);
        if (t.ndim > 0) assert.equal(t.dtype, "float32", `leaf ${i + 1} dtype`);
      });
    });

    it(`${what}: round-trips through our safetensors checkpoint and back to the authors' format`, () => {
      const model = modelFor(f);
      const params = readEquinoxWarp(model, f.bytes, "float32");
      const ck = loadCheckpoint(saveCheckpoint(model.config, params), model.config);
      expectParams(
        f,
        readEquinoxWarp(model, writeEquinoxWarp(model, ck.params, "float32"), "float32"),
        "round trip",
      );
      // float64 arrays (the authors' x64 runs) read back to the same values.
      const wide = writeEquinoxWarp(model, readEquinoxWarp(model, f.bytes, "float64"), "float64");
      assert.equal(splitNpyStream(wide)[0]!.dtype, "float64");
      expectParams(f, readEquinoxWarp(model, wide, "float32"), "float64 file");
    });
  }

  it("names what differs when the file does not match the configuration", () => {
    throwsWith(
      () => readEquinoxWarp(modelFor(fx, { weights_lim: null }), bytes, "float32"),
      "equinox file: 33 leaves, but the configuration's WSM has 32",
    );
    throwsWith(
      () => readEquinoxWarp(modelFor(fx, { time_as_channel: false }), bytes, "float32"),
      "equinox file: leaf 2 (Bs[0]) has shape (22,3), the configuration needs (22,2)",
    );
    throwsWith(
      () => readEquinoxWarp(modelFor(fx, { forcing_prob: 0.5 }), bytes, "float32"),
      "equinox file: leaf 25 (forcing_prob) is 0.25 but the configuration gives 0.5",
    );
    throwsWith(() => splitNpyStream(bytes.subarray(0, 100)), "leaf 1 runs past the end of the file");
    throwsWith(
      () => equinoxLayout(modelFor(fx, { model_type: "gru", rnn_hidden_size: 4, nb_rnn_layers: 1 })),
      'equinox: only WARP ("wsm") models, not "gru"',
    );
  });
});
