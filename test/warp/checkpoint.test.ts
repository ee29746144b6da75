// Tests of WARP checkpoints (src/warp/checkpoint.ts): save → load round-trips bit for bit (every tensor's
// bytes, the configuration, extra tensors, metadata), the exact tensor names, and clear errors for a
// different expected configuration, a tensor that does not fit its configuration and a foreign format.
// Not here: the safetensors codec itself (test/io/safetensors.test.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  add,
  CHECKPOINT_FORMAT,
  decodeSafetensors,
  encodeSafetensors,
  eye,
  type FloatDType,
  type Key,
  loadCheckpoint,
  type ModelConfig,
  paramsToNamed,
  randomKey,
  resolveModelConfig,
  saveCheckpoint,
  splitKey,
  type Tensor,
  tensor,
  uniform,
  WarpModel,
  type WarpParams,
} from "../../src/index.js";

/** The raw bytes of a tensor's values. */
const bytesOf = (t: Tensor): Buffer => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Parameters with A ≠ I and B ≠ 0 so that every stored tensor carries non-trivial bytes. */
function paramsFor(config: ModelConfig, dtype: FloatDType, seed = 1): WarpParams {
  const model = new WarpModel(config);
  const [k0, kA, kB] = splitKey(randomKey(seed), 3) as [Key, Key, Key];
  const p = model.init(k0, dtype);
  const P = model.thetaDim;
  p.A = add(eye(P, dtype), uniform(kA, [P, P], -0.1, 0.1, dtype));
  p.B = uniform(kB, [P, model.inputDim], -0.5, 0.5, dtype);
  // A trained dtanh differs from the configuration's initial [a, b, α, β]: the file must keep the trained one.
  if (p.dtanh) p.dtanh = add(p.dtanh, tensor([0.25, -0.125, 0.5, 0.0625], [4], dtype));
  return p;
}

function assertSameTensor(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.ok(bytesOf(actual).equals(bytesOf(expected)), `${what}: bytes differ`);
}

const x = (D: number, dtype: FloatDType) =>
  tensor(
    Array.from({ length: 2 * 5 * D }, (_, i) => Math.sin(0.7 * i)),
    [2, 5, D],
    dtype,
  );

const MODELS: { what: string; raw: Record<string, unknown>; dtype: FloatDType; names: string[] }[] = [
  {
    what: "a hypernetwork model (float32)",
    raw: { data_size: 2, root_width_size: 4, root_depth: 1, init_state_layers: 2 },
    dtype: "float32",
    names: [
      "A",
      "B",
      "phi.layers.0.bias",
      "phi.layers.0.weight",
      "phi.layers.1.bias",
      "phi.layers.1.weight",
      "phi.layers.2.bias",
      "phi.layers.2.weight",
    ],
  },
  {
    what: "a learned-θ_0 model with dtanh (float64)",
    raw: {
      data_size: 1,
      root_width_size: 5,
      root_depth: 2,
      init_state_layers: null,
      root_final_activation: [1.5, 0.2, 0.9, -0.1],
      use_nll_loss: false,
      weights_lim: 2,
    },
    dtype: "float64",
    names: ["A", "B", "dtanh", "theta0"],
  },
  {
    what: "a conv_embedding model (float32)",
    raw: {
      data_size: 2,
      root_width_size: 4,
      root_depth: 1,
      init_state_layers: 0,
      conv_embedding: [3, 2, true],
      autoregressive: false,
    },
    dtype: "float32",
    names: [
      "A",
      "B",
      "conv_de_embedding.weight",
      "conv_embedding.weight",
      "phi.layers.0.bias",
      "phi.layers.0.weight",
    ],
  },
];

describe("checkpoint round trip", () => {
  for (const { what, raw, dtype, names } of MODELS) {
    it(`restores every tensor bit for bit and the configuration for ${what}`, () => {
      const config = resolveModelConfig(raw);
      const params = paramsFor(config, dtype);
      const bytes = saveCheckpoint(config, params);
      const ck = loadCheckpoint(bytes);
      assert.deepEqual(ck.config, config);
      assert.deepEqual(ck.model.config, config);
      const saved = paramsToNamed(params);
      const loaded = paramsToNamed(ck.params);
      assert.deepEqual(Object.keys(loaded).sort(), Object.keys(saved).sort());
      for (const name of Object.keys(saved)) assertSameTensor(loaded[name]!, saved[name]!, name);
      assert.deepEqual(ck.extra, {});
      assert.deepEqual(ck.metadata, {});
      // Saving what was loaded gives the same file, and the restored model computes the same outputs.
      assert.ok(Buffer.from(saveCheckpoint(ck.config, ck.params)).equals(Buffer.from(bytes)));
      const xs = x(config.data_size, dtype);
      const ones = tensor(new Array(10).fill(1), [2, 5], dtype);
      assertSameTensor(
        ck.model.forward(ck.params, xs, { forceMask: ones }),
        new WarpModel(config).forward(params, xs, { forceMask: ones }),
        "outputs",
      );
    });

    it(`stores exactly the tensors ${names.join(", ")} for ${what}`, () => {
      const config = resolveModelConfig(raw);
      const { tensors, metadata } = decodeSafetensors(saveCheckpoint(config, paramsFor(config, dtype)));
      assert.deepEqual(Object.keys(tensors).sort(), names);
      assert.equal(metadata.format, "warp-ts/1");
      assert.equal(CHECKPOINT_FORMAT, "warp-ts/1");
      assert.deepEqual(JSON.parse(metadata.config!), config);
    });
  }

  it("keeps extra tensors (any dtype) and extra metadata entries", () => {
    const config = resolveModelConfig(MODELS[0]!.raw);
    const params = paramsFor(config, "float32");
    const extra = {
      "opt.mu.A": uniform(randomKey(3), [config.data_size, 4], -1, 1, "float32"),
      "opt.count": tensor(new Int32Array([17]), [1]),
      "opt.nu.B": uniform(randomKey(4), [3], 0, 1, "float64"),
    };
    const metadata = { epoch: "12", note: "best validation ✓" };
    const ck = loadCheckpoint(saveCheckpoint(config, params, extra, metadata));
    assert.deepEqual(Object.keys(ck.extra).sort(), Object.keys(extra).sort());
    for (const [k, t] of Object.entries(extra)) assertSameTensor(ck.extra[k]!, t, k);
    assert.deepEqual(ck.metadata, metadata);
    for (const [k, t] of Object.entries(paramsToNamed(params)))
      assertSameTensor(paramsToNamed(ck.params)[k]!, t, k);
  });

  it("refuses an extra tensor whose name collides with a parameter", () => {
    const config = resolveModelConfig(MODELS[1]!.raw);
    const params = paramsFor(config, "float64");
    assert.throws(
      () => saveCheckpoint(config, params, { theta0: tensor([1, 2], [2], "float64") }),
      /extra tensor "theta0" collides with a parameter name/,
    );
  });
});

describe("checkpoint errors", () => {
  const config = resolveModelConfig(MODELS[1]!.raw);
  const params = paramsFor(config, "float64");
  const bytes = saveCheckpoint(config, params);

  it("names the differing key when the expected configuration differs", () => {
    assert.doesNotThrow(() => loadCheckpoint(bytes, config));
    const wider = resolveModelConfig({ ...MODELS[1]!.raw, root_width_size: 6 });
    assert.throws(
      () => loadCheckpoint(bytes, wider),
      /saved with root_width_size = 5, but the configuration has root_width_size = 6/,
    );
    const lim = resolveModelConfig({ ...MODELS[1]!.raw, weights_lim: null });
    assert.throws(
      () => loadCheckpoint(bytes, lim),
      /weights_lim = 2, but the configuration has weights_lim = null/,
    );
  });

  it("names a tensor whose shape does not fit the stored configuration", () => {
    const named = paramsToNamed(params);
    const meta = { format: CHECKPOINT_FORMAT, config: JSON.stringify(config) };
    const P = named.A!.shape[0]!;
    const badB = encodeSafetensors({ ...named, B: tensor(new Float64Array(P * 5), [P, 5]) }, meta);
    assert.throws(
      () => loadCheckpoint(badB),
      new RegExp(`tensor "B" is float64 \\(${P},5\\) but the configuration needs float64 \\(${P},2\\)`),
    );
    const badDtanh = encodeSafetensors({ ...named, dtanh: tensor(new Float64Array(3), [3]) }, meta);
    assert.throws(() => loadCheckpoint(badDtanh), /tensor "dtanh" is float64 \(3\)/);
    const { theta0: _t, ...missing } = named;
    assert.throws(() => loadCheckpoint(encodeSafetensors(missing, meta)), /tensor "theta0" is missing/);
    const f32A = encodeSafetensors({ ...named, theta0: tensor(new Float32Array(P), [P]) }, meta);
    assert.throws(() => loadCheckpoint(f32A), /tensor "theta0" is float32/);
  });

  it("rejects a file whose metadata format is not warp-ts/1", () => {
    const named = paramsToNamed(params);
    const other = encodeSafetensors(named, { format: "pt", config: JSON.stringify(config) });
    assert.throws(
      () => loadCheckpoint(other),
      /metadata format is "pt", expected "warp-ts\/1" \(not a warp-ts checkpoint\)/,
    );
    assert.throws(
      () => loadCheckpoint(encodeSafetensors(named)),
      /metadata format is null, expected "warp-ts\/1"/,
    );
  });

  it("rejects a stored configuration that is not JSON or not valid", () => {
    const named = paramsToNamed(params);
    assert.throws(
      () => loadCheckpoint(encodeSafetensors(named, { format: CHECKPOINT_FORMAT, config: "{oops" })),
      /metadata config is not valid JSON/,
    );
    const invalid = JSON.stringify({ ...config, root_activation: "gelu" });
    assert.throws(
      () => loadCheckpoint(encodeSafetensors(named, { format: CHECKPOINT_FORMAT, config: invalid })),
      /root_activation = "gelu" is invalid/,
    );
  });
});
