// The paper's experiments as named rows: which built-in config trains each row (at CPU scale and at paper
// scale), which `warp data` commands make its data when missing, which final metric it reports, and the
// paper's number for it (the paper's tables, arXiv 2506.01153). `warp experiment` runs them; `warp results` tabulates the runs.
// Not here: training (commands/train.ts), the table itself (commands/results.ts).

import { WarpError } from "../src/index.js";

/** A reported metric of a row: the key in the final metrics, how the paper scales it, its number there. */
export interface ReportedMetric {
  key: string;
  /** Column label, e.g. "MSE ×10⁻²". */
  label: string;
  /** Values are divided by this before printing (1e-2 for "×10⁻²"). */
  scale: number;
  /** The paper's number in the same units, or null where the paper has none. */
  paper: number | null;
}

export type Scale = "cpu" | "paper";

export interface Experiment {
  name: string;
  /** The paper's task (one table section per task). */
  task: string;
  /** The model of the row, e.g. "WARP", "WARP-Phys", "GRU". */
  model: string;
  metrics: ReportedMetric[];
  /** `warp data` argument lists that make the row's data, per scale, and a file each one writes. */
  data?: Record<Scale, { creates: string; args: string[] }[]>;
  /** What the CPU scale changes from the paper's setup (shown in RESULTS.md). */
  cpuNote: string;
}

/** Built-in config of an experiment at a scale (a name under configs/). */
export function experimentConfig(e: Experiment, scale: Scale): string {
  return `experiments/${scale}/${e.name}`;
}

const mse = (scale: number, paper: number | null, exp: string, key = "mse"): ReportedMetric => ({
  key,
  label: `${key === "mse_orig" ? "MSE (original units)" : "MSE"} ×10${exp}`,
  scale,
  paper,
});

const sineData: Experiment["data"] = {
  cpu: [{ creates: "data/sine/train.npy", args: ["sine", "--out", "data/sine/"] }],
  paper: [{ creates: "data/sine/train.npy", args: ["sine", "--out", "data/sine/"] }],
};

function dynamics(name: string, dir: string, cpuN: [number, number]): Experiment["data"] {
  return {
    cpu: [
      {
        creates: `data/cpu/${dir}/train.npy`,
        args: [name, "--out", `data/cpu/${dir}/`, "--n", String(cpuN[0]), "--n-test", String(cpuN[1])],
      },
    ],
    paper: [{ creates: `data/${dir}/train.npy`, args: [name, "--out", `data/${dir}/`] }],
  };
}

const msdData = dynamics("msd", "mass_spring_damper", [1024, 512]);
const msdZeroData = dynamics("msd-zero", "msd_zero", [1024, 512]);
const lotkaData: Experiment["data"] = {
  cpu: [
    {
      creates: "data/cpu/lotka/train.npz",
      args: ["lotka", "--out", "data/cpu/lotka/", "--n", "1024", "--n-test", "512"],
    },
  ],
  paper: [{ creates: "data/lotka/train.npz", args: ["lotka", "--out", "data/lotka/"] }],
};

const rows = (
  task: string,
  prefix: string,
  models: [string, string][],
  metrics: ReportedMetric[],
  data: Experiment["data"],
  cpuNote: string,
): Experiment[] =>
  models.map(([suffix, model]) => ({ name: `${prefix}-${suffix}`, task, model, metrics, data, cpuNote }));

const FOUR: [string, string][] = [
  ["warp", "WARP"],
  ["warp-phys", "WARP-Phys"],
  ["gru", "GRU"],
  ["lstm", "LSTM"],
];

/** WARP with a structured transition A (ours, model.transition): no paper number. */
const STRUCTURED: [string, string][] = [
  ["warp-diag", "WARP, diagonal A"],
  ["warp-lowrank", "WARP, low-rank + diagonal A (r = 32)"],
];

/** Every experiment, in the order of RESULTS.md. */
export const EXPERIMENTS: Experiment[] = [
  ...rows(
    "SINE, 10 training samples",
    "sine",
    [...FOUR, ...STRUCTURED],
    [mse(1e-4, null, "⁻⁴")],
    sineData,
    "the paper's data and context; smaller roots, Adam 1e-3, teacher forcing 0.5, 1,500 epochs",
  ).map((e, i) => ({ ...e, metrics: [mse(1e-4, [2.77, 0.62, 4.9, 9.48][i] ?? null, "⁻⁴")] })),
  ...rows(
    "MSD (after 100 context steps)",
    "msd",
    [...FOUR, ...STRUCTURED],
    [],
    msdData,
    "1,024 training / 512 test trajectories, min-max normalised (MSE reported in original units); smaller roots; 20 epochs of Adam for every model (1e-3, WARP with A 100× slower; WARP-Phys 1e-4)",
  ).map((e, i) => ({
    ...e,
    metrics: [mse(1e-2, [0.94, 0.03, 1.43, 1.46][i] ?? null, "⁻²", "mse_orig")],
  })),
  ...rows(
    "MSD-Zero (after 100 context steps)",
    "msd-zero",
    [...FOUR, ...STRUCTURED],
    [],
    msdZeroData,
    "1,024 training / 512 test trajectories, min-max normalised (MSE reported in original units); smaller roots; 20 epochs of Adam for every model (1e-3, WARP with A 100× slower; WARP-Phys 1e-4)",
  ).map((e, i) => ({
    ...e,
    metrics: [mse(1e-2, [0.32, 0.04, 0.55, 0.57][i] ?? null, "⁻²", "mse_orig")],
  })),
  ...rows(
    "Lotka–Volterra repeat-copy",
    "lotka",
    [["warp", "WARP"], ["gru", "GRU"], ["lstm", "LSTM"], ...STRUCTURED],
    [],
    lotkaData,
    "1,024 training / 512 test trajectories; smaller root; 20 epochs of Adam 1e-3 for every model (WARP with A 100× slower)",
  ).map((e, i) => ({ ...e, metrics: [mse(1e-2, [4.72, 5.83, 6.18][i] ?? null, "⁻²")] })),
  ...[
    ["mnist-100", "WARP, 100 context pixels", 0.071, 0.615],
    ["mnist-300", "WARP, 300 context pixels", 0.042, 0.516],
    ["mnist-600", "WARP, 600 context pixels", 0.014, 0.416],
    ["mnist-gru", "GRU, 300 context pixels", 0.054, 0.573],
    ["mnist-lstm", "LSTM, 300 context pixels", 0.057, 0.611],
    ["mnist-300-diag", "WARP, diagonal A, 300 context pixels", null, null],
    ["mnist-300-lowrank", "WARP, low-rank + diagonal A (r = 32), 300 context pixels", null, null],
  ].map(
    ([name, model, m, b]): Experiment => ({
      name: name as string,
      task: "MNIST completion",
      model: model as string,
      metrics: [
        { key: "image_mse", label: "MSE", scale: 1, paper: m as number | null },
        { key: "bpd", label: "BPD", scale: 1, paper: b as number | null },
      ],
      cpuNote:
        "14×14 images (196 steps; context pixels scaled by ¼: 25, 75, 150), the first 2,000 training and test images, 10 epochs; σ ≥ 0.5 as in the paper",
    }),
  ),
  {
    name: "uea-fixture",
    task: "UEA-style classification (generated fixture)",
    model: "WARP",
    metrics: [{ key: "accuracy", label: "accuracy %", scale: 0.01, paper: null }],
    data: {
      cpu: [{ creates: "data/uea-fixture/train.npz", args: ["uea-fixture", "--out", "data/uea-fixture/"] }],
      paper: [{ creates: "data/uea-fixture/train.npz", args: ["uea-fixture", "--out", "data/uea-fixture/"] }],
    },
    cpuNote:
      "a generated 3-class, 3-channel fixture in the reference's UEA .npz layout (`warp data uea-fixture`), not a UEA dataset",
  },
  {
    name: "co2",
    task: "Real series: Mauna Loa CO₂ (vega-datasets), 12-month forecast",
    model: "WARP",
    metrics: [{ key: "mae_orig", label: "MAE (ppm)", scale: 1, paper: null }],
    cpuNote: "no paper counterpart",
  },
];

/** The experiment of that name, or an error listing them. */
export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e) {
    throw new WarpError(`no experiment "${name}" (known: ${EXPERIMENTS.map((x) => x.name).join(", ")})`);
  }
  return e;
}
