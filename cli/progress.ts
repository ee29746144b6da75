// Training progress for the terminal. On a TTY one line redrawn in place: the epoch bar over the whole run,
// the running training loss and the time left; otherwise (CI logs, pipes) plain epoch lines every
// `printEvery` epochs. Both say the epoch, the loss, validation scores when there are some, and the ETA.

import type { EpochRecord } from "../src/train/fit.js";

/** Seconds as m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  private readonly tty: boolean;
  private readonly start = performance.now();
  /** Epochs finished in this process (a resumed run starts at its checkpoint's epoch). */
  private done_ = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly epochs: number,
    private readonly printEvery: number,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Time left, from the mean epoch time of this process so far. */
  private eta(epochDone: number): string {
    if (this.done_ === 0) return "--:--";
    const perEpoch = (performance.now() - this.start) / 1000 / this.done_;
    return clock(perEpoch * (this.epochs - epochDone));
  }

  private bar(epochDone: number): string {
    const width = 24;
    const filled = Math.round((width * epochDone) / Math.max(1, this.epochs));
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  }

  /** Within an epoch (TTY only): the bar of finished epochs and the current step's loss. */
  step(s: { epoch: number; step: number; steps: number; loss: number }): void {
    if (!this.tty) return;
    const within = s.steps > 1 ? `  step ${s.step}/${s.steps}` : "";
    this.out.write(
      `\r\x1b[2Kepoch ${s.epoch + 1}/${this.epochs} ${this.bar(s.epoch)}${within}  loss ${s.loss.toPrecision(4)}  ETA ${this.eta(s.epoch)}`,
    );
  }

  epoch(r: EpochRecord): void {
    this.done_++;
    const show =
      r.epoch === 1 || r.epoch === this.epochs || r.epoch % this.printEvery === 0 || r.val !== null;
    if (!show) return;
    const val = r.val
      ? `  val ${Object.entries(r.val)
          .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
          .join(" ")}`
      : "";
    const scale = r.lr_scale !== null && r.lr_scale !== 1 ? `  lr×${r.lr_scale}` : "";
    const eta = r.epoch < this.epochs ? `  ETA ${this.eta(r.epoch)}` : "";
    this.out.write(
      `${this.tty ? "\r\x1b[2K" : ""}epoch ${r.epoch}/${this.epochs}  train loss ${r.train_loss.toPrecision(4)}${val}${scale}  ${r.seconds.toFixed(2)} s${eta}\n`,
    );
  }

  done(): void {
    if (this.tty) this.out.write("\r\x1b[2K");
  }
}
