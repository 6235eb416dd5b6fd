// Ctrl-C (SIGINT) and SIGTERM while `gradscope train` runs: the first asks the engine to stop after the current step
// (the run ends `stopped`, everything measured kept, the summary printed); a second one ends the engine at once
// (the run is still recorded as `stopped`). The exit code is 128 + the first signal's number.
import type { ExitCode } from '../shared/exitCodes';
import type { RunHandle } from '../training/run/runner';

export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * A signal sooner than this after the first counts as the same request. `npx gradscope` runs the CLI under npm,
 * which forwards the SIGINT it got from the terminal to its child: the CLI then receives one Ctrl-C twice, within
 * milliseconds, and must not take it for the "kill now" second Ctrl-C.
 */
export const SAME_REQUEST_MS = 300;

export class StopOnSignals {
  private first: { signal: StopSignal; at: number } | undefined;
  private killed = false;
  private over = false;
  private exitCode: ExitCode | undefined;

  /**
   * Listens for the rest of the process's life: once `handle.done` settles, a signal no longer stops anything; it is
   * ignored while the summary prints, and ends the process with the run's exit code once finished() has it.
   */
  constructor(
    private readonly handle: Pick<RunHandle, 'stop' | 'kill'> & { readonly done: Promise<unknown> },
    private readonly out: NodeJS.WritableStream,
    /** What a second signal keeps, for its message. */
    private readonly kept = 'the run is kept up to its last recorded step',
  ) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => this.received(signal));
    void handle.done.then(() => {
      this.over = true;
    });
  }

  /** The run is over and reported; a late Ctrl-C exits with `code` instead of dying by the signal. */
  finished(code: ExitCode): void {
    this.exitCode = code;
  }

  /** The first signal received, if any: it decides the exit code. */
  get signal(): StopSignal | undefined {
    return this.first?.signal;
  }

  private received(signal: StopSignal): void {
    if (this.exitCode !== undefined) process.exit(this.exitCode);
    // The run is over and its summary is being printed: a late Ctrl-C must not cut it short.
    if (this.over) return;
    const now = Date.now();
    if (!this.first) {
      this.first = { signal, at: now };
      const how = signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM';
      this.out.write(`\n${how}: stopping after the current step (Ctrl-C again to stop at once)…\n`);
      this.handle.stop();
      return;
    }
    if (this.killed || now - this.first.at < SAME_REQUEST_MS) return;
    this.killed = true;
    this.out.write(`stopping at once: ${this.kept}\n`);
    this.handle.kill();
  }
}
