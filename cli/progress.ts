// Training progress for the terminal: a bar with the loss and step rate on a TTY (redrawn in place), plain
// epoch lines every `printEvery` epochs otherwise (CI logs, pipes).

import type { EpochRecord } from "../src/train/fit.js";

export class Progress {
  private readonly tty: boolean;
  private start = performance.now();
  private stepsDone = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly epochs: number,
    private readonly printEvery: number,
  ) {
    this.tty = out.isTTY === true;
  }

  step(s: { epoch: number; step: number; steps: number; loss: number }): void {
    this.stepsDone++;
    if (!this.tty) return;
    const rate = this.stepsDone / ((performance.now() - this.start) / 1000);
    const width = 24;
    const filled = Math.round((width * s.step) / s.steps);
    this.out.write(
      `\r\x1b[2Kepoch ${s.epoch + 1}/${this.epochs} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${s.step}/${s.steps}  loss ${s.loss.toPrecision(4)}  ${rate.toFixed(1)} it/s`,
    );
  }

  epoch(r: EpochRecord): void {
    const show =
      r.epoch === 1 || r.epoch === this.epochs || r.epoch % this.printEvery === 0 || r.val !== null;
    if (!show) return;
    const val = r.val
      ? `  val ${Object.entries(r.val)
          .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
          .join(" ")}`
      : "";
    const scale = r.lr_scale !== null && r.lr_scale !== 1 ? `  lr×${r.lr_scale}` : "";
    this.out.write(
      `${this.tty ? "\r\x1b[2K" : ""}epoch ${r.epoch}/${this.epochs}  train loss ${r.train_loss.toPrecision(4)}${val}${scale}  ${r.seconds.toFixed(2)} s\n`,
    );
  }

  done(): void {
    if (this.tty) this.out.write("\r\x1b[2K");
  }
}
