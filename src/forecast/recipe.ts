// The built-in forecasting recipe: the run configuration `warp train --data FILE --context L --horizon H`
// and `fitForecaster` start from (configs/forecast.yaml is the same document as YAML, checked by a test).
// Chosen so that training does not diverge on the series of the tests and RESULTS.md: per-window
// normalisation relative to the context's last season (the seasonal-naive forecast, or the last value when
// no season is found: levels never seen in training stay in range and the model learns the departure from
// that forecast), a small root with a bounded trainable output (dtanh), a transition matrix A that moves
// 100× slower than the rest, global-norm gradient clipping, and training as the forecast runs (context fed,
// horizon rolled out on the model's own predictions, loss and σ on the horizon).

/** The recipe as a run-configuration document (data.context and data.horizon come from the user). */
export const FORECAST_RECIPE = {
  general: { seed: 0, dataset: "series" },
  data: { scaling: "standard", instance_norm: "season", stride: 1, split: [0.7, 0.1, 0.2] },
  model: {
    model_type: "wsm",
    root_width_size: 16,
    root_depth: 2,
    root_activation: "swish",
    root_final_activation: [4.0, 0.0, 4.0, 0.0],
    init_state_layers: 1,
    time_as_channel: false,
    forcing_prob: 0,
    std_lower_bound: 0.001,
  },
  optimizer: { name: "adam", init_lr: 0.001, grad_norm_clip: 1.0, transition_lr_scale: 0.01 },
  training: {
    nb_epochs: 30,
    batch_size: 32,
    print_every: 5,
    valid_every: 5,
    autoregressive: true,
    context_rollout: true,
    use_nll_loss: true,
    val_criterion: "mae",
  },
};
