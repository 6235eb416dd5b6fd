// Human-mode progress: a one-line bar with ETA and loss on a terminal, one line per epoch otherwise.
import type { EpochEvent, RunStartEvent, StepEvent } from '../shared/engineProtocol';

const WIDTH = 24;

/**
 * `x.toFixed(digits)` for numbers that crossed the engine channel: JSON turns NaN and ±Infinity into null, so a
 * diverged step arrives with `loss: null`.
 */
export function fixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined) return 'non-finite';
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

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
    this.out.write(
      `training ${e.specName}: ${e.trainSamples} train / ${e.validationSamples} validation samples, ` +
        `${e.totalParams} parameters, backend ${e.backend}\n`,
    );
  }

  step(e: StepEvent): void {
    const now = Date.now();
    if (!this.live || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const done = (e.step + 1) / this.totalSteps;
    const filled = Math.round(done * WIDTH);
    const eta = ((now - this.startedAt) / done) * (1 - done);
    const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
    this.out.write(
      `\r\x1b[2Kepoch ${e.epoch + 1}/${this.epochs} ${bar} ${(done * 100).toFixed(0)}% ETA ${clock(eta)} loss ${fixed(e.loss, 4)}`,
    );
  }

  epoch(e: EpochEvent): void {
    const acc = e.acc !== undefined ? ` acc ${fixed(e.acc, 3)} val_acc ${fixed(e.valAcc, 3)}` : '';
    const line =
      `epoch ${e.epoch + 1}/${this.epochs}: loss ${fixed(e.loss, 4)} val_loss ${fixed(e.valLoss, 4)}${acc}` +
      ` lr ${e.lr.toPrecision(3)} (${Math.round(e.samplesPerSec)} samples/s)`;
    this.out.write(this.live ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  clear(): void {
    if (this.live) this.out.write('\r\x1b[2K');
  }
}
