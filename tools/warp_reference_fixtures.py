#!/usr/bin/env python3
"""Writes test/fixtures/warp-reference-fixtures.json: float64 outputs, losses and gradients of an
independent NumPy implementation of the authors' WARP forward pass at HEAD bde9a5d (github ddrous/warp,
models.py: WSM.non_ar_call, ar_call, ar_call_stochastic; loaders.py: the time row with positional
encoding), for the cases test/warp/reference-parity.test.ts checks warp-ts against.

Written from the equations in docs/model.md and the behaviour of the authors' code, not from its text.
Gradients are complex-step derivatives (Im f(p + ih)/h, h = 1e-30): exact to rounding for the
piecewise-analytic functions used here, and independent of any autodiff framework.

Usage: python3 tools/warp_reference_fixtures.py [out.json]   (needs python3-numpy only)
"""
import json
import platform
import sys

import numpy as np

COMMIT = "bde9a5d"
H = 1e-30


# ----------------------------------------------------------------------------------------------------
# Elementwise functions on complex arrays, branching on the real part (so the complex step stays exact)

def relu(z):
    return np.where(z.real > 0, z, 0)


def softplus(z):
    return np.where(z.real > 0, z + np.log1p(np.exp(-z)), np.log1p(np.exp(z)))


def swish(z):
    return z / (1 + np.exp(-z))


ACT = {"relu": relu, "tanh": np.tanh, "softplus": softplus, "swish": swish,
       "identity": lambda z: z, "sin": np.sin, "cos": np.cos}


def clip(z, lo, hi):
    out = z
    if lo is not None:
        out = np.where(out.real < lo, lo, out)
    if hi is not None:
        out = np.where(out.real > hi, hi, out)
    return out


# ----------------------------------------------------------------------------------------------------
# The model

def root_sizes(c):
    pe = c["positional_encoding"][0] if c["positional_encoding"] else 0
    s = c["conv_embedding"][0] if c["conv_embedding"] else c["data_size"]
    if c["nb_classes"] is not None:
        return [1 + pe] + [c["root_width_size"]] * c["root_depth"] + [c["nb_classes"]]
    inp = 1 + pe + (s if c["input_prev_data"] else 0)
    out = (2 if c["use_nll_loss"] else 1) * c["data_size"]
    return [inp] + [c["root_width_size"]] * c["root_depth"] + [out]


def theta_dim(c):
    z = root_sizes(c)
    return sum(z[i] * z[i + 1] + z[i + 1] for i in range(len(z) - 1))


def mlp(theta, x, sizes, act):
    """Equinox MLP with flattened parameters: per layer W (out x in, row-major), then b."""
    off = 0
    h = x
    for l in range(len(sizes) - 1):
        i, o = sizes[l], sizes[l + 1]
        W = theta[off:off + o * i].reshape(o, i)
        off += o * i
        b = theta[off:off + o]
        off += o
        h = W @ h + b
        if l < len(sizes) - 2:
            h = act(h)
    return h


def final(c, p, v):
    f = c["root_final_activation"]
    if f is None:
        return v
    if isinstance(f, list):
        a, b, al, be = p["dtanh"]
        return al * np.tanh((v - b) / a) + be
    if isinstance(f, (int, float)):
        return clip(v, -f, f)
    return ACT[f](v)


def root(c, p, theta, inp):
    out = mlp(theta, inp, root_sizes(c), ACT[c["root_activation"]])
    if c["nb_classes"] is not None:
        return out
    if not c["use_nll_loss"]:
        return final(c, p, out)
    D = out.shape[0] // 2
    std = softplus(out[D:])
    if c["std_lower_bound"] is not None:
        std = clip(std, c["std_lower_bound"], None)
    return np.concatenate([final(c, p, out[:D]), std])


def time_rows(c, T):
    """The authors' ts array: [tau_t, PE(t)...] per step (loaders.py)."""
    tau = np.linspace(0.0, 1.0, T)
    if not c["positional_encoding"]:
        return tau[:, None]
    D, C = c["positional_encoding"]
    pe = np.zeros((T, D))
    for t in range(T):
        for i in range(0, D, 2):
            pe[t, i] = np.sin(t / C ** (i / D))
            pe[t, i + 1] = np.cos(t / C ** (i / D))
    return np.concatenate([tau[:, None], pe], axis=1)


def theta_init(c, p, x0):
    if "theta0" in p:
        return p["theta0"]
    h = x0
    L = sum(1 for k in p if k.startswith("phi.layers.") and k.endswith(".weight"))
    for i in range(L):
        h = p[f"phi.layers.{i}.weight"] @ h + p[f"phi.layers.{i}.bias"]
        if i < L - 1:
            h = ACT[c["root_activation"]](h)
    return h


def step(c, p, theta, inc):
    nxt = p["A"] @ theta + p["B"] @ inc
    if c["weights_lim"] is not None:
        nxt = clip(nxt, -c["weights_lim"], c["weights_lim"])
    return nxt


def conv1d(w, x, left):
    """Equinox Conv1d without bias: w (out, in, K), x (in, T), zero padding `left` / K-1-left."""
    O, I, K = w.shape
    T = x.shape[1]
    xp = np.concatenate([np.zeros((I, left)), x, np.zeros((I, K - 1 - left))], axis=1)
    return np.stack([sum(w[:, :, k] @ xp[:, t + k] for k in range(K)) for t in range(T)], axis=1)


def non_ar(c, p, x, ts):
    T = x.shape[0]
    xs = x
    if c["conv_embedding"]:
        _, K, causal = c["conv_embedding"]
        xs = conv1d(p["conv_embedding.weight"], x.T, K - 1 if causal else (K - 1) // 2).T
    theta = theta_init(c, p, xs[0])
    x_prev, t_prev = xs[0], ts[0]
    ys = []
    for t in range(T):
        u, q = xs[t], x_prev
        if c["time_as_channel"]:
            u = np.concatenate([ts[t][:1], u])          # time first in non_ar_call
            q = np.concatenate([t_prev[:1], q])
        theta = step(c, p, theta, u - q)
        x_prev, t_prev = xs[t], ts[t]
        inp = ts[t]                                     # decoded at its own time row (bde9a5d)
        if c["input_prev_data"]:
            inp = np.concatenate([inp, xs[t]])
        ys.append(root(c, p, theta, inp))
    ys = np.stack(ys)
    if c["conv_embedding"]:
        ys = de_embed(p["conv_de_embedding.weight"], ys)
    return ys


def de_embed(w, ys):
    """The (1, 1, 3) convolution along time, column by column, SAME padding."""
    return np.stack([conv1d(w, ys[:, j][None, :], 1)[0] for j in range(ys.shape[1])], axis=1)


def ar(c, p, x, ts, forced, eps, smooth):
    """ar_call (eps None) or ar_call_stochastic; forced[t] = feed the true x_t."""
    T, D = x.shape
    theta = theta_init(c, p, x[0])
    stochastic = c["stochastic"]
    mu_sigma = np.concatenate([x[0], np.zeros(D)]) if stochastic else x[0]
    x_prev, t_prev = x[0], ts[0]
    ys = []
    for t in range(T):
        t_curr = ts[t]
        delta = t_curr - t_prev
        if stochastic:
            mean, std = mu_sigma[:D], mu_sigma[D:]
            x_hat = mean if smooth else eps[t] * std + mean
        else:
            x_hat = mu_sigma
        u = x[t] if forced[t] else x_hat
        q = x_prev
        if c["time_as_channel"]:
            u = np.concatenate([u, t_curr[:1]])             # time last in the AR paths (bde9a5d)
            q = np.concatenate([q, t_prev[:1]])
        theta = step(c, p, theta, u - q)
        inp = t_curr + delta
        if c["input_prev_data"]:
            inp = np.concatenate([inp, q[:D]])
        y = root(c, p, theta, inp)
        ys.append(y)
        mu_sigma = y if stochastic else y[:D]
        x_prev, t_prev = x_hat, t_curr
    return np.stack(ys)


def forward(c, p, xs, forced=None, eps=None, smooth=False):
    ts = time_rows(c, xs.shape[1])
    if c["nb_classes"] is not None or not c["autoregressive"]:
        return np.stack([non_ar(c, p, x, ts) for x in xs])
    return np.stack([ar(c, p, x, ts, forced[n], None if eps is None else eps[n], smooth)
                     for n, x in enumerate(xs)])


def loss(c, out, xs, labels):
    if c["nb_classes"] is not None:
        z = out[:, -1, :]
        m = z.real.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
        return np.mean(lse - z[np.arange(len(labels)), labels])
    D = xs.shape[2]
    if c["use_nll_loss"]:
        mu, sd = out[..., :D], out[..., D:]
        return np.mean(np.log(sd) + 0.5 * ((xs - mu) / sd) ** 2)
    return np.mean(0.5 * (out - xs) ** 2)


# ----------------------------------------------------------------------------------------------------
# Cases

BASE = dict(nb_classes=None, model_type="wsm", root_width_size=4, root_depth=1, root_activation="tanh",
            root_final_activation="tanh", init_state_layers=None, input_prev_data=False, weights_lim=None,
            time_as_channel=True, forcing_prob=1.0, noise_theta_init=None, std_lower_bound=None,
            positional_encoding=None, root_output_dim=None, conv_embedding=None, root_physics=None,
            autoregressive=True, stochastic=False, use_nll_loss=True, smooth_inference=True,
            nb_recons_loss_steps=None, inference_start=None, reference_commit=COMMIT)

CASES = {
    "ar_time_as_channel_nll": dict(data_size=2, input_prev_data=True, init_state_layers=1,
                                   std_lower_bound=0.3, weights_lim=2.0),
    "ar_stochastic_fixed_noise": dict(data_size=2, stochastic=True, forcing_prob=0.5, init_state_layers=0,
                                      root_activation="swish", smooth_inference=False),
    "ar_positional_encoding": dict(data_size=1, positional_encoding=[4, 10], use_nll_loss=False,
                                   root_final_activation=[1.5, 0.1, 1.2, -0.05], input_prev_data=True),
    "nonar_positional_encoding": dict(data_size=2, autoregressive=False, positional_encoding=[2, 100],
                                      init_state_layers=2, input_prev_data=True, root_activation="relu"),
    "classification": dict(data_size=2, nb_classes=3, autoregressive=False, use_nll_loss=False,
                           positional_encoding=[2, 10], init_state_layers=1, root_final_activation=None),
    "conv_embedding_causal": dict(data_size=2, autoregressive=False, use_nll_loss=False,
                                  conv_embedding=[3, 2, True], init_state_layers=1, input_prev_data=True),
    "conv_embedding_centred": dict(data_size=2, autoregressive=False, use_nll_loss=False,
                                   conv_embedding=[3, 3, False], time_as_channel=False,
                                   root_final_activation=None),
}
N, T = 2, 6


def init_params(c, rng):
    P = theta_dim(c)
    S = c["conv_embedding"][0] if c["conv_embedding"] else c["data_size"]
    p = {"A": np.eye(P) + rng.uniform(-0.3, 0.3, (P, P)) / np.sqrt(P),
         "B": rng.uniform(-0.5, 0.5, (P, S + (1 if c["time_as_channel"] else 0)))}
    if c["init_state_layers"] is None:
        p["theta0"] = rng.uniform(-0.6, 0.6, P)
    else:
        k = c["init_state_layers"]
        sizes = {2: [S, int(2 / 3 * S + 1 / 3 * P), int(1 / 3 * S + 2 / 3 * P), P],
                 1: [S, int(0.5 * S + 0.5 * P), P], 0: [S, P]}[k]
        for i in range(len(sizes) - 1):
            lim = 1 / np.sqrt(sizes[i])
            p[f"phi.layers.{i}.weight"] = rng.uniform(-lim, lim, (sizes[i + 1], sizes[i]))
            p[f"phi.layers.{i}.bias"] = rng.uniform(-lim, lim, sizes[i + 1])
    if isinstance(c["root_final_activation"], list) and c["nb_classes"] is None:
        p["dtanh"] = np.array(c["root_final_activation"], dtype=float)
    if c["conv_embedding"]:
        C, K, _ = c["conv_embedding"]
        p["conv_embedding.weight"] = rng.uniform(-0.6, 0.6, (C, c["data_size"], K))
        p["conv_de_embedding.weight"] = rng.uniform(-0.6, 0.6, (1, 1, 3))
    return p


def make_case(name, over, seed):
    c = dict(BASE, **over)
    rng = np.random.default_rng(seed)
    p = init_params(c, rng)
    D = c["data_size"]
    tau = np.linspace(0, 1, T)
    xs = np.stack([np.stack([np.sin(2 * np.pi * tau * (1 + d) + 0.7 * n + 0.3 * d) * 0.8 for d in range(D)], 1)
                   for n in range(N)])
    ar_mode = c["nb_classes"] is None and c["autoregressive"]
    forced = rng.uniform(size=(N, T)) < c["forcing_prob"] if ar_mode else None
    eps = rng.standard_normal((N, T, D)) if c["stochastic"] else None
    labels = rng.integers(0, c["nb_classes"], N) if c["nb_classes"] is not None else None

    def f(q):
        return loss(c, forward(c, q, xs.astype(complex), forced, eps), xs, labels)

    out = forward(c, p, xs, forced, eps).real
    value = f({k: v.astype(complex) for k, v in p.items()}).real
    grads = {}
    for k, v in p.items():
        g = np.zeros(v.size)
        for i in range(v.size):
            q = {kk: vv.astype(complex) for kk, vv in p.items()}
            flat = q[k].reshape(-1)
            flat[i] += 1j * H
            g[i] = f(q).imag / H
        grads[k] = g.reshape(v.shape)
    case = {"config": c, "theta_dim": theta_dim(c), "params": {k: v.tolist() for k, v in p.items()},
            "xs": xs.tolist(), "ts": tau.tolist(), "outputs": out.tolist(), "loss": float(value),
            "grads": {k: v.tolist() for k, v in grads.items()}}
    if forced is not None:
        case["force_mask"] = forced.astype(int).tolist()
    if eps is not None:
        case["noise"] = eps.tolist()
    if labels is not None:
        case["labels"] = labels.tolist()
    if ar_mode:
        s = 3
        case["inference_start"] = s
        # The authors' rule: step t is fed the truth while tau_t <= inference_start / T.
        inf_forced = np.broadcast_to(tau <= s / T, (N, T))
        case["inference_outputs"] = forward(c, p, xs, inf_forced, eps, smooth=c["smooth_inference"]).real.tolist()
    return case


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/warp-reference-fixtures.json"
    doc = {
        "format": "warp-reference-fixture-v1",
        "dtype": "float64",
        "follows": f"github ddrous/warp at {COMMIT} (models.py WSM.non_ar_call, ar_call, ar_call_stochastic; "
                   "loaders.py time rows with positional encoding)",
        "generator": "tools/warp_reference_fixtures.py",
        "versions": {"python": platform.python_version(), "numpy": np.__version__},
        "gradients": f"complex-step derivatives, h = {H}",
        "notes": "config in warp-ts (reference YAML) keys; params and grads under warp-ts checkpoint names; "
                 "ts = linspace(0, 1, T); loss: NLL, half MSE or last-step cross-entropy, mean over all "
                 "entries; force_mask[n][t] = 1 feeds the true x_t; noise = the standard normal draws of the "
                 "stochastic rollout; inference_outputs: the rollout fed the truth while tau_t <= s / T.",
        "cases": {name: make_case(name, over, seed) for seed, (name, over) in enumerate(CASES.items())},
    }
    with open(out, "w") as fh:
        json.dump(doc, fh)
    print(f"wrote {out}: {len(doc['cases'])} cases")


if __name__ == "__main__":
    main()
