// Human-mode progress: a one-line bar with ETA and loss on a terminal, one line per epoch otherwise.
import type { EpochEvent, RunStartEvent, StepEvent } from '../shared/engineProtocol';

const WIDTH = 24;

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBar {
  private totalSteps = 1;
  private epochs = 1;
  private startedAt = Date.now();
  private lastDraw = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  private get live(): boolean {
    return Boolean(this.out.isTTY);
  }

  start(e: RunStartEvent): void {
    this.totalSteps = Math.max(1, e.epochs * e.stepsPerEpoch);
    this.epochs = e.epochs;
    this.startedAt = Date.now();
    this.out.write(`training ${e.specName}: ${e.trainSamples} train / ${e.validationSamples} validation samples, `
      + `${e.totalParams} parameters, backend ${e.backend}\n`);
  }

  step(e: StepEvent): void {
    const now = Date.now();
    if (!this.live || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const done = (e.step + 1) / this.totalSteps;
    const filled = Math.round(done * WIDTH);
    const eta = ((now - this.startedAt) / done) * (1 - done);
    const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
    this.out.write(`\r\x1b[2Kepoch ${e.epoch + 1}/${this.epochs} ${bar} ${(done * 100).toFixed(0)}% ETA ${clock(eta)} loss ${e.loss.toFixed(4)}`);
  }

  epoch(e: EpochEvent): void {
    const acc = e.acc !== undefined ? ` acc ${e.acc.toFixed(3)} val_acc ${(e.valAcc ?? 0).toFixed(3)}` : '';
    const line = `epoch ${e.epoch + 1}/${this.epochs}: loss ${e.loss.toFixed(4)} val_loss ${e.valLoss.toFixed(4)}${acc}`
      + ` lr ${e.lr.toPrecision(3)} (${Math.round(e.samplesPerSec)} samples/s)`;
    this.out.write(this.live ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  clear(): void {
    if (this.live) this.out.write('\r\x1b[2K');
  }
}
