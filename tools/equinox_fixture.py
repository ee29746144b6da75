#!/usr/bin/env python3
"""Writes test/fixtures/equinox-wsm.eqx and equinox-wsm.json: a WARP model in the authors' checkpoint
format, made by the format's rules with numpy alone, for test/io/equinox.test.ts.

Equinox's tree_serialise_leaves (equinox 0.11.8, the authors' pin) saves every array or Python
bool/int/float leaf of the module's pytree with numpy's save, in tree-flatten order (dataclass fields in
declaration order; static fields, None and other leaves skipped). The leaves of the authors' WSM module
(github ddrous/warp, models.py at bde9a5d) for the configuration below are written here in that order,
arrays in float32 (JAX's default without x64), scalars as the Python values numpy saves.

Usage: python3 tools/equinox_fixture.py   (needs python3-numpy only)
"""
import io
import json
import platform

import numpy as np

CONFIG = {  # the authors' YAML keys (model and the model-changing training keys)
    "model": {"model_type": "wsm", "root_width_size": 3, "root_depth": 1, "root_activation": "swish",
              "root_final_activation": [1.0, 0.0, 1.0, 0.0], "init_state_layers": 1, "input_prev_data": False,
              "time_as_channel": True, "forcing_prob": 0.25, "std_lower_bound": 0.1, "weights_lim": 3.0,
              "noise_theta_init": None},
    "training": {"use_nll_loss": True, "autoregressive": True, "stochastic": False, "smooth_inference": True},
}
D = 2
W = 3
root_dims = [1, W, 2 * D]                                     # tau -> width -> (mean, std)
root_shapes = [(W, 1), (W,), (2 * D, W), (2 * D,)]
P = sum(int(np.prod(s)) for s in root_shapes)                  # 22
hyper = [D, int(0.5 * D + 0.5 * P), P]                         # GradualMLP with one hidden layer


def main():
    rng = np.random.default_rng(7)
    f32 = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)
    params = {"A": f32(P, P), "B": f32(P, D + 1)}
    for i in range(2):
        params[f"phi.layers.{i}.weight"] = f32(hyper[i + 1], hyper[i])
        params[f"phi.layers.{i}.bias"] = f32(hyper[i + 1])
    params["dtanh"] = np.array([1.1, -0.2, 0.9, 0.05], dtype=np.float32)

    m, t = CONFIG["model"], CONFIG["training"]
    leaves = [params["A"], params["B"],
              params["phi.layers.0.weight"], params["phi.layers.0.bias"],
              params["phi.layers.1.weight"], params["phi.layers.1.bias"]]
    leaves += [d for s in root_shapes for d in s]              # root_utils[0][0]: the shapes' ints
    props = [root_dims[0], root_dims[-1], W, m["root_depth"]]
    leaves += props + [t["use_nll_loss"]]                      # the root's static part: props, predict_uncertainty
    leaves += props                                            # root_utils[0][3]: props
    leaves += [D, m["input_prev_data"], m["time_as_channel"], m["forcing_prob"], m["weights_lim"],
               m["init_state_layers"], False, t["autoregressive"], m["std_lower_bound"], params["dtanh"],
               t["stochastic"], t["smooth_inference"]]        # noise_theta_init None: no leaf
    buf = io.BytesIO()
    for leaf in leaves:
        np.save(buf, leaf)
    with open("test/fixtures/equinox-wsm.eqx", "wb") as fh:
        fh.write(buf.getvalue())
    with open("test/fixtures/equinox-wsm.json", "w") as fh:
        json.dump({"generator": "tools/equinox_fixture.py", "follows": "github ddrous/warp at bde9a5d, equinox 0.11.8",
                   "versions": {"python": platform.python_version(), "numpy": np.__version__},
                   "config": CONFIG, "data_size": D, "leaves": len(leaves),
                   "params": {k: v.astype(np.float64).tolist() for k, v in params.items()}}, fh)
    print(f"wrote test/fixtures/equinox-wsm.eqx ({len(leaves)} leaves, {len(buf.getvalue())} bytes)")


if __name__ == "__main__":
    main()
