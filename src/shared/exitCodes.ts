// Exit codes of the `gradscope` command and of the engine process, and how a run's status maps to one. The README's
// exit-code table is checked against EXIT_MEANINGS by a test, so the two cannot drift apart.
import type { RunStatus } from './engineProtocol';

export const EXIT = {
  ok: 0,
  invalidSpec: 1,
  usage: 2,
  divergedOrFailed: 3,
  noFix: 4,
  /** 128 + SIGINT (2): stopped with Ctrl-C. */
  interrupted: 130,
  /** 128 + SIGTERM (15). */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line per code, in the order the README's table and `--help` list them. */
export const EXIT_MEANINGS: ReadonlyArray<readonly [ExitCode, string]> = [
  [
    EXIT.ok,
    'the run finished (completed or early-stopped), `check` or `diagnose` found no error, or `fix` printed/applied a fix',
  ],
  [EXIT.invalidSpec, 'the spec is invalid (nothing was trained); `diagnose`: the run has a diagnosis of severity error'],
  [
    EXIT.usage,
    'usage error (unknown command or option, bad value, backend not installed, `evaluate`/`predict`/`explain`/`export`/`diagnose` of a directory or input it cannot use, `export` to a path it cannot write)',
  ],
  [EXIT.divergedOrFailed, 'the run diverged (NaN/Inf) or failed'],
  [
    EXIT.noFix,
    '`fix`: no lint finding or last-run diagnostic with that code carries a fix, or the fix no longer applies; `lr-find --apply`: the range test was inconclusive, nothing was written',
  ],
  [
    EXIT.interrupted,
    'stopped with Ctrl-C (SIGINT); the run is kept with status `stopped` (`diagnose --follow`: stopped following)',
  ],
  [EXIT.terminated, 'stopped by SIGTERM; the run is kept with status `stopped` (`diagnose --follow`: stopped following)'],
];

/** The exit code a signal asks for (128 + its number), for the two signals that stop a run. */
export function exitCodeForSignal(signal: 'SIGINT' | 'SIGTERM'): ExitCode {
  return signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
}

/** The exit code of a run that ended with `status`; `signal` when a signal asked it to stop. */
export function exitCodeForRun(status: RunStatus, signal?: 'SIGINT' | 'SIGTERM'): ExitCode {
  switch (status) {
    case 'completed':
    case 'early-stopped':
    case 'stopped':
      return signal ? exitCodeForSignal(signal) : EXIT.ok;
    case 'diverged':
    case 'failed':
      return EXIT.divergedOrFailed;
    default: {
      const unknown: never = status;
      throw new Error(`unknown run status ${String(unknown)}`);
    }
  }
}
