#!/usr/bin/env python3
"""Writes test/fixtures/equinox-wsm*.eqx and .json: WARP models in the authors' checkpoint format, made by
the format's rules with numpy alone, for test/io/equinox.test.ts and test/cli/interop.test.ts.

Equinox's tree_serialise_leaves (equinox 0.11.8, the authors' pin) saves every array or Python
bool/int/float leaf of the module's pytree with numpy's save, in tree-flatten order (dataclass fields in
declaration order; static fields, None and other leaves skipped). The leaves of the authors' WSM module
(github ddrous/warp, models.py at bde9a5d) for each configuration below are written here in that order,
arrays in float32 (JAX's default without x64), scalars as the Python values numpy saves.

Usage: python3 tools/equinox_fixture.py   (needs python3-numpy only)
"""
import io
import json
import platform

import numpy as np

FOLLOWS = "github ddrous/warp at bde9a5d, equinox 0.11.8"

# The authors' YAML keys (model and the model-changing training keys) of each fixture.
REGRESSION = {
    "general": {"classification": False},
    "model": {"model_type": "wsm", "root_width_size": 3, "root_depth": 1, "root_activation": "swish",
              "root_final_activation": [1.0, 0.0, 1.0, 0.0], "init_state_layers": 1, "input_prev_data": False,
              "time_as_channel": True, "forcing_prob": 0.25, "std_lower_bound": 0.1, "weights_lim": 3.0,
              "noise_theta_init": None},
    "training": {"use_nll_loss": True, "autoregressive": True, "stochastic": False, "smooth_inference": True},
}
CLASSIFICATION = {
    "general": {"classification": True},
    "model": {"model_type": "wsm", "root_width_size": 3, "root_depth": 1, "root_activation": "relu",
              "root_final_activation": "tanh", "init_state_layers": None, "input_prev_data": False,
              "time_as_channel": False, "forcing_prob": 1.0, "std_lower_bound": None, "weights_lim": None,
              "noise_theta_init": 0.1, "positional_encoding": [2, 10], "conv_embedding": [3, 2, 1]},
    "training": {"use_nll_loss": False, "autoregressive": False, "stochastic": False, "smooth_inference": True},
}


def linear_shapes(dims):
    return [s for i in range(len(dims) - 1) for s in [(dims[i + 1], dims[i]), (dims[i + 1],)]]


def regression(rng):
    D, W = 2, 3
    root_dims = [1, W, 2 * D]                                  # tau -> width -> (mean, std)
    P = sum(int(np.prod(s)) for s in linear_shapes(root_dims))  # 22
    hyper = [D, int(0.5 * D + 0.5 * P), P]                     # GradualMLP with one hidden layer
    f32 = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)
    p = {"A": f32(P, P), "B": f32(P, D + 1)}
    for i in range(2):
        p[f"phi.layers.{i}.weight"] = f32(hyper[i + 1], hyper[i])
        p[f"phi.layers.{i}.bias"] = f32(hyper[i + 1])
    p["dtanh"] = np.array([1.1, -0.2, 0.9, 0.05], dtype=np.float32)
    m, t = REGRESSION["model"], REGRESSION["training"]
    props = [root_dims[0], root_dims[-1], W, m["root_depth"]]
    leaves = [p["A"], p["B"], p["phi.layers.0.weight"], p["phi.layers.0.bias"],
              p["phi.layers.1.weight"], p["phi.layers.1.bias"]]
    leaves += [d for s in linear_shapes(root_dims) for d in s]   # root_utils[0][0]: the shapes' ints
    leaves += props + [t["use_nll_loss"]]                      # the RootMLP's static part: props, predict_uncertainty
    leaves += props                                            # root_utils[0][3]: props
    leaves += [D, m["input_prev_data"], m["time_as_channel"], m["forcing_prob"], m["weights_lim"],
               m["init_state_layers"], False, t["autoregressive"], m["std_lower_bound"], p["dtanh"],
               t["stochastic"], t["smooth_inference"]]         # noise_theta_init None: no leaf
    return D, None, p, leaves


def classification(rng):
    D, W, K, C, classes = 2, 3, 2, 3, 3
    root_dims = [1 + 2, W, classes]                            # [tau, PE(2)] -> width -> logits
    P = sum(int(np.prod(s)) for s in linear_shapes(root_dims))  # 24
    f32 = lambda *shape: rng.uniform(-1, 1, shape).astype(np.float32)
    p = {"A": f32(P, P), "B": f32(P, C), "theta0": f32(P),
         "conv_embedding.weight": f32(C, D, K), "conv_de_embedding.weight": f32(1, 1, 3)}
    m, t = CLASSIFICATION["model"], CLASSIFICATION["training"]
    props = [root_dims[0], root_dims[-1], W, m["root_depth"]]
    leaves = [p["A"], p["B"], p["theta0"]]
    leaves += [d for s in linear_shapes(root_dims) for d in s]
    leaves += props                                            # RootMLP_Classif's static part: props only
    leaves += props
    leaves += [D, m["input_prev_data"], m["time_as_channel"], m["forcing_prob"], m["noise_theta_init"],
               True, t["autoregressive"], t["stochastic"], t["smooth_inference"],
               p["conv_embedding.weight"], p["conv_de_embedding.weight"]]
    return D, classes, p, leaves


def write(name, config, made):
    D, classes, params, leaves = made
    buf = io.BytesIO()
    for leaf in leaves:
        np.save(buf, leaf)
    with open(f"test/fixtures/{name}.eqx", "wb") as fh:
        fh.write(buf.getvalue())
    with open(f"test/fixtures/{name}.json", "w") as fh:
        json.dump({"generator": "tools/equinox_fixture.py", "follows": FOLLOWS,
                   "versions": {"python": platform.python_version(), "numpy": np.__version__},
                   "config": config, "data_size": D, "nb_classes": classes, "leaves": len(leaves),
                   "params": {k: v.astype(np.float64).tolist() for k, v in params.items()}}, fh)
    print(f"wrote test/fixtures/{name}.eqx ({len(leaves)} leaves, {len(buf.getvalue())} bytes)")


def main():
    rng = np.random.default_rng(7)
    write("equinox-wsm", REGRESSION, regression(rng))
    write("equinox-wsm-classification", CLASSIFICATION, classification(rng))


if __name__ == "__main__":
    main()
