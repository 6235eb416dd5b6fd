// Which external runs the editor diagnoses when, and which run's diagnostics Problems show per script
// (src/extension/diagnosisSchedule.ts), with stand-in diagnosis processes the test ends itself: every run is
// diagnosed (live ones followed, finished ones read once), never more than the limit at once (live runs first),
// Problems show each script's newest diagnosed run and the runs of the script that were running when it started (two
// scripts side by side; two concurrent runs of one script both shown, a run that ended before the newest started
// not), a deleted run gives way to the next newest, a quiet run is stopped and followed again when written to, and
// restartAll voids what the old processes found, even lines they print after being stopped.
import * as assert from 'node:assert/strict';
import type { DiagnosticEvent } from '../../src/shared/engineProtocol';
import { DiagnosisSchedule, type ScheduledRun } from '../../src/extension/diagnosisSchedule';
import { VANISHING } from './support/externalEvents';

interface FakeProcess {
  run: ScheduledRun;
  follow: boolean;
  stopped: boolean;
  print(d: DiagnosticEvent): void;
  exit(): Promise<void>;
}

/** A schedule whose processes are FakeProcesses, and what it showed in Problems per script. */
function setup(limit = 4) {
  const launched: FakeProcess[] = [];
  const problems = new Map<string, { runDir: string; codes: string[] }[]>();
  const resets: string[] = [];
  const schedule = new DiagnosisSchedule(limit, {
    launch(run, follow, onDiagnostic) {
      let exit: () => void = () => {};
      const done = new Promise<void>((resolve) => (exit = resolve));
      const p: FakeProcess = {
        run,
        follow,
        stopped: false,
        print: onDiagnostic,
        exit: async () => {
          exit();
          await done;
          await Promise.resolve(); // the schedule's done handler runs
        },
      };
      launched.push(p);
      return {
        stop: () => {
          p.stopped = true;
        },
        done,
      };
    },
    show: (script, runs) =>
      problems.set(
        script,
        runs.map((r) => ({ runDir: r.runDir, codes: r.diagnostics.map((d) => d.code) })),
      ),
    reset: (runDir) => resets.push(runDir),
  });
  const exited = new Set<FakeProcess>();
  const running = (): FakeProcess[] => launched.filter((p) => !p.stopped && !exited.has(p));
  const finish = async (p: FakeProcess): Promise<void> => {
    exited.add(p);
    await p.exit();
  };
  return { schedule, launched, problems, resets, running, finish };
}

/** The start time a run id begins with (20261205-100000-a: 2026-12-05 10:00:00 UTC). */
const startOf = (id: string): number =>
  Date.UTC(+id.slice(0, 4), +id.slice(4, 6) - 1, +id.slice(6, 8), +id.slice(9, 11), +id.slice(11, 13), +id.slice(13, 15));
const MINUTE = 60_000;
/** A run of `script` (a finished one ran for a minute). */
const run = (script: string, id: string, live: boolean): ScheduledRun => ({
  runDir: `/ws/.gradscope/runs/${id}`,
  runId: id,
  script,
  live,
  ended: !live,
  startMs: startOf(id),
  endMs: live ? undefined : startOf(id) + MINUTE,
});
const diag = (code: string): DiagnosticEvent => ({ ...VANISHING, code });

describe('DiagnosisSchedule (which external runs are diagnosed, which show in Problems)', () => {
  it('diagnoses every run, finished ones once and live ones following; each script shows its newest run', async () => {
    const { schedule, launched, problems, finish } = setup();
    const a1 = run('/ws/a.py', '20261205-100000-a', false);
    const a2 = run('/ws/a.py', '20261205-110000-a', false);
    const b1 = run('/ws/b.py', '20261205-090000-b', true);
    schedule.update(a1, a2, b1); // as at activation: all at once
    assert.deepEqual(
      launched.map((p) => [p.run.runId, p.follow]),
      [
        [b1.runId, true], // live first
        [a2.runId, false],
        [a1.runId, false],
      ],
    );
    launched[1].print(diag('vanishing-gradient'));
    launched[2].print(diag('dead-relu'));
    launched[0].print(diag('exploding-gradient'));
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: a2.runDir, codes: ['vanishing-gradient'] }]);
    assert.deepEqual(problems.get('/ws/b.py'), [{ runDir: b1.runDir, codes: ['exploding-gradient'] }]);
    // The older run of a.py keeps what was found in it (its dashboard shows it), without showing in Problems.
    assert.deepEqual(
      schedule.diagnosticsOf(a1.runDir).map((d) => d.code),
      ['dead-relu'],
    );
    for (const p of launched) await finish(p);
    // Updates of runs already diagnosed start nothing.
    for (const r of [a1, a2]) schedule.update(r);
    assert.equal(launched.length, 3);
  });

  it('two concurrent live runs of one script: both followed and both shown, until a run starts after both ended', () => {
    const { schedule, launched, problems } = setup();
    const older = run('/ws/a.py', '20261205-100000-a', true);
    const newer = run('/ws/a.py', '20261205-100500-a', true);
    schedule.update(older);
    launched[0].print(diag('dead-relu'));
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: older.runDir, codes: ['dead-relu'] }]);
    schedule.update(newer);
    assert.deepEqual(
      launched.map((p) => [p.run.runId, p.follow]),
      [
        [older.runId, true],
        [newer.runId, true],
      ],
    );
    // The newest run is shown as soon as it is diagnosed, before it has found anything, newest first; the older one,
    // running alongside, stays: the run that diverges need not be the newest.
    assert.deepEqual(problems.get('/ws/a.py'), [
      { runDir: newer.runDir, codes: [] },
      { runDir: older.runDir, codes: ['dead-relu'] },
    ]);
    launched[0].print(diag('overfitting'));
    launched[1].print(diag('vanishing-gradient'));
    const both = [
      { runDir: newer.runDir, codes: ['vanishing-gradient'] },
      { runDir: older.runDir, codes: ['dead-relu', 'overfitting'] },
    ];
    assert.deepEqual(problems.get('/ws/a.py'), both);
    // The older run ends (after the newer one started): still shown, beside it.
    schedule.update({ ...older, live: false, ended: true, endMs: newer.startMs + 3 * MINUTE });
    schedule.update({ ...newer, live: false, ended: true, endMs: newer.startMs + 4 * MINUTE });
    assert.deepEqual(problems.get('/ws/a.py'), both);
    // A run started after both had ended replaces them in Problems; deleting it brings them back.
    const later = run('/ws/a.py', '20261205-110000-a', true);
    schedule.update(later);
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: later.runDir, codes: [] }]);
    schedule.remove(later.runDir);
    assert.deepEqual(problems.get('/ws/a.py'), both);
    schedule.remove(newer.runDir);
    assert.ok(launched[1].stopped);
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: older.runDir, codes: ['dead-relu', 'overfitting'] }]);
    schedule.remove(older.runDir);
    assert.deepEqual(problems.get('/ws/a.py'), []);
  });

  it('a run counted live whose last write came before the newest run started leaves Problems when it goes quiet', () => {
    const { schedule, problems } = setup();
    const died = run('/ws/a.py', '20261205-100000-a', true); // its script was killed at 10:04: no run-end
    const newer = run('/ws/a.py', '20261205-100500-a', true);
    schedule.update(died, newer);
    assert.deepEqual(
      problems.get('/ws/a.py')?.map((r) => r.runDir),
      [newer.runDir, died.runDir],
      'still live by its file time',
    );
    schedule.update({ ...died, live: false, endMs: startOf(died.runId) + 4 * MINUTE });
    assert.deepEqual(
      problems.get('/ws/a.py')?.map((r) => r.runDir),
      [newer.runDir],
    );
  });

  it('never runs more than the limit at once: live runs first, then the newest; each waiting run starts as one ends', async () => {
    const { schedule, launched, running, finish } = setup(2);
    const finished = [1, 2, 3, 4].map((k) => run('/ws/a.py', `20261205-10000${k}-a`, false));
    schedule.update(finished[0]);
    schedule.update(finished[1]);
    schedule.update(finished[2]);
    schedule.update(finished[3]);
    const live = run('/ws/b.py', '20261205-090000-b', true);
    schedule.update(live);
    assert.equal(running().length, 2);
    assert.deepEqual(
      launched.map((p) => p.run.runId),
      [finished[0].runId, finished[1].runId],
    );
    await finish(launched[0]);
    assert.equal(launched[2].run.runId, live.runId, 'the live run goes before the finished ones waiting');
    for (let p = running().find((x) => !x.follow); p; p = running().find((x) => !x.follow)) {
      await finish(p);
      assert.ok(running().length <= 2, `${running().length} at once`);
    }
    assert.deepEqual(
      launched.map((p) => p.run.runId),
      [finished[0], finished[1], live, finished[3], finished[2]].map((r) => r.runId),
      'the newest waiting run first',
    );
    assert.equal(schedule.running, 1, 'only the live run is still followed');
  });

  it('a followed run that goes quiet is stopped, and followed again from its start when it is written to', async () => {
    const { schedule, launched, problems, resets, finish } = setup();
    const r = run('/ws/a.py', '20261205-100000-a', true);
    schedule.update(r);
    launched[0].print(diag('vanishing-gradient'));
    schedule.update({ ...r, live: false, ended: false });
    assert.ok(launched[0].stopped);
    await finish(launched[0]);
    assert.deepEqual(problems.get('/ws/a.py')?.[0].codes, ['vanishing-gradient'], 'kept while quiet');
    schedule.update({ ...r, live: true });
    assert.equal(launched.length, 2);
    assert.equal(launched[1].follow, true);
    assert.deepEqual(resets, [r.runDir]);
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: r.runDir, codes: [] }]);
    // A run read once while quiet (found so at activation) is followed when it is written to as well.
    const q = run('/ws/b.py', '20261205-100000-b', false);
    schedule.update({ ...q, ended: false });
    assert.equal(launched[2].follow, false);
    await finish(launched[2]);
    schedule.update({ ...q, live: true, ended: false });
    assert.equal(launched[3].follow, true);
  });

  it('restartAll diagnoses every run again and drops what the stopped processes print after', async () => {
    const { schedule, launched, problems, resets, finish } = setup(2);
    const a = run('/ws/a.py', '20261205-100000-a', true);
    const b = run('/ws/b.py', '20261205-100000-b', false);
    schedule.update(a, b);
    launched[0].print(diag('vanishing-gradient'));
    launched[1].print(diag('dead-relu'));
    await finish(launched[1]);
    schedule.restartAll();
    assert.ok(launched[0].stopped);
    assert.deepEqual(resets.sort(), [a.runDir, b.runDir].sort());
    assert.deepEqual(problems.get('/ws/a.py'), []);
    // b's process had ended: b starts again at once; a's starts once its stopped process has exited.
    assert.deepEqual(
      launched.slice(2).map((p) => p.run.runId),
      [b.runId],
    );
    launched[0].print(diag('exploding-gradient')); // a stopped process's last line
    assert.deepEqual(schedule.diagnosticsOf(a.runDir), []);
    await finish(launched[0]);
    assert.deepEqual(
      launched.slice(2).map((p) => [p.run.runId, p.follow]),
      [
        [b.runId, false],
        [a.runId, true],
      ],
    );
    launched[3].print(diag('vanishing-gradient'));
    assert.deepEqual(problems.get('/ws/a.py'), [{ runDir: a.runDir, codes: ['vanishing-gradient'] }]);
  });
});
