// Ctrl-C and SIGTERM in `gradscope train` as a terminal delivers them: to the whole process group (the CLI leads its
// own group here, as in a shell) or to the CLI alone. The run must end `stopped` with its counts and measurements
// kept, the summary printed, exit 130 (SIGINT) or 143 (SIGTERM); a second Ctrl-C ends it at once. Every wait is on
// the process's own output, never on a clock.
import * as assert from 'assert';
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RunEndEvent } from '../../src/shared/engineProtocol';
import { listRuns, readEvents } from '../../src/training/run/runStore';
import { LONG_RUN_SPEC, REPO } from './support/specs';

const BIN = path.join(REPO, 'bin', 'gradscope.js');

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stderr matches `pattern`; rejects if the process ends first. */
  waitFor: (pattern: RegExp) => Promise<void>;
  /** The exit status as a shell reports it: the exit code, or 128 + the signal's number. */
  exited: Promise<number>;
  /** How it ended: `exit 130`, or `signal SIGINT` when a signal ended it (then it printed nothing more). */
  how: () => string;
}

function launch(command: string, args: string[], cwd = REPO): Cli {
  // detached: the CLI leads its own process group, as a job in a terminal does, so `kill(-pid)` is a terminal's Ctrl-C.
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let how = 'running';
  const waiters: Array<{ pattern: RegExp; resolve: () => void; reject: (e: Error) => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      how = signal ? `signal ${signal}` : `exit ${code}`;
      for (const w of waiters.splice(0)) w.reject(new Error(`exited before stderr matched ${w.pattern}:\n${err}`));
      resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    how: () => how,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
  };
}

function setup(): { spec: string; out: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-sig-'));
  const spec = path.join(dir, 'long.gradscope.json');
  fs.writeFileSync(spec, JSON.stringify(LONG_RUN_SPEC, null, 2));
  return { spec, out: path.join(dir, 'runs') };
}

function lastRunEnd(out: string): { end: RunEndEvent; steps: number } {
  const [runDir] = listRuns(out);
  assert.ok(runDir, 'a run directory was written');
  const events = readEvents(runDir);
  const end = events[events.length - 1];
  assert.ok(end.type === 'run-end', `the last event is ${end.type}`);
  return { end, steps: events.filter((e) => e.type === 'step').length };
}

/** The run stopped cleanly: status stopped, counts kept, summary printed. */
function assertStopped(cli: Cli, out: string): RunEndEvent {
  const { end, steps } = lastRunEnd(out);
  assert.strictEqual(end.status, 'stopped', cli.stderr());
  assert.strictEqual(end.error, undefined);
  assert.ok(end.epochsCompleted >= 1, `epochsCompleted ${end.epochsCompleted}`);
  assert.ok(end.steps >= 100 && steps > 0, `steps ${end.steps}, ${steps} step events on disk`);
  assert.match(cli.stdout(), /layer\s+kind\s+activation\s+spec entry\s+grad norm/, 'the per-layer table is printed');
  assert.match(cli.stdout(), new RegExp(`run stopped after ${end.epochsCompleted} epochs?, ${end.steps} steps`));
  assert.doesNotMatch(cli.stderr(), /ended unexpectedly|failed/);
  return end;
}

describe('gradscope train: Ctrl-C and SIGTERM', () => {
  it('SIGINT to the process group (Ctrl-C in a terminal): stopped, counts kept, summary printed, exit 130', async () => {
    const { spec, out } = setup();
    const cli = launch(process.execPath, [BIN, 'train', spec, '--out', out]);
    await cli.waitFor(/epoch 1\/500:/);
    process.kill(-cli.child.pid!, 'SIGINT');
    await cli.exited;
    assert.strictEqual(cli.how(), 'exit 130', cli.stderr());
    const end = assertStopped(cli, out);
    assert.ok(end.stopRequestedAtStep !== undefined, 'the engine itself ended the run after the stop request');
    assert.match(cli.stderr(), /Ctrl-C: stopping after the current step/);
  });

  it('SIGINT to the CLI process alone: the same', async () => {
    const { spec, out } = setup();
    const cli = launch(process.execPath, [BIN, 'train', spec, '--out', out]);
    await cli.waitFor(/epoch 1\/500:/);
    process.kill(cli.child.pid!, 'SIGINT');
    await cli.exited;
    assert.strictEqual(cli.how(), 'exit 130', cli.stderr());
    assertStopped(cli, out);
  });

  it('SIGTERM: stopped, summary printed, exit 143', async () => {
    const { spec, out } = setup();
    const cli = launch(process.execPath, [BIN, 'train', spec, '--out', out]);
    await cli.waitFor(/epoch 1\/500:/);
    process.kill(-cli.child.pid!, 'SIGTERM');
    await cli.exited;
    assert.strictEqual(cli.how(), 'exit 143', cli.stderr());
    assertStopped(cli, out);
    assert.match(cli.stderr(), /SIGTERM: stopping after the current step/);
  });

  it('a second Ctrl-C ends an engine that does not stop at once: exit 130, run-end stopped written by the CLI', async () => {
    const { spec, out } = setup();
    const cli = launch(process.execPath, [BIN, 'train', spec, '--out', out]);
    await cli.waitFor(/epoch 1\/500:/);
    // A frozen engine (as in one very long step) cannot act on the first request.
    const engine = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(cli.child.pid)], { encoding: 'utf8' }).trim());
    assert.ok(engine > 0);
    process.kill(engine, 'SIGSTOP');
    process.kill(-cli.child.pid!, 'SIGINT');
    await cli.waitFor(/stopping after the current step/);
    // The user presses Ctrl-C again until the CLI reacts (a repeat within a moment counts as the same press).
    let exited = false;
    void cli.exited.then(() => {
      exited = true;
    });
    const again = setInterval(() => {
      try {
        if (!exited && !/stopping at once/.test(cli.stderr())) process.kill(-cli.child.pid!, 'SIGINT');
      } catch {
        // the group is gone: the CLI has just exited
      }
    }, 50);
    let engineGone = false;
    try {
      // A press that lands while the process is tearing down ends it by the signal (status 130 too), after the
      // summary; any earlier one is ignored while the run-end is written and the summary printed.
      assert.strictEqual(await cli.exited, 130, `${cli.how()}\n${cli.stderr()}`);
      assert.throws(() => process.kill(engine, 0), /ESRCH/, 'the CLI ended the engine');
      engineGone = true;
    } finally {
      clearInterval(again);
      if (!engineGone) {
        try {
          process.kill(engine, 'SIGKILL');
        } catch {
          /* already gone */
        } // never leave a frozen engine behind
      }
    }
    assert.match(cli.stderr(), /stopping at once/);
    const end = assertStopped(cli, out);
    assert.strictEqual(end.stopRequestedAtStep, undefined, 'the engine never saw the stop: the CLI wrote this run-end');
  });

  it('`npx gradscope train` with SIGINT to its process group: stopped, summary printed, status 130', async () => {
    const { spec, out } = setup();
    const cli = launch('npx', ['gradscope', 'train', spec, '--out', out]);
    await cli.waitFor(/epoch 1\/500:/);
    process.kill(-cli.child.pid!, 'SIGINT');
    // npm waits for the CLI, then ends itself with the signal it got: a shell reports 130 either way.
    assert.strictEqual(await cli.exited, 130, cli.stderr());
    assertStopped(cli, out);
    assert.doesNotMatch(cli.stderr(), /stopping at once/, 'one Ctrl-C is one stop request, even when npm relays it');
  });
});
