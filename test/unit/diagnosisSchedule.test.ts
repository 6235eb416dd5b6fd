// Which external runs the editor diagnoses when, and which run's diagnostics Problems show per script
// (src/extension/diagnosisSchedule.ts), with stand-in diagnosis processes the test ends itself: every run is
// diagnosed (live ones followed, finished ones read once), never more than the limit at once (live runs first),
// Problems show each script's newest diagnosed run — two scripts side by side, two concurrent runs of one script —
// a deleted run gives way to the next newest, a quiet run is stopped and followed again when written to, and
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
  const problems = new Map<string, { runDir: string | undefined; codes: string[] }>();
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
    show: (script, runDir, diagnostics) => problems.set(script, { runDir, codes: diagnostics.map((d) => d.code) }),
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

const run = (script: string, id: string, live: boolean): ScheduledRun => ({
  runDir: `/ws/.gradscope/runs/${id}`,
  runId: id,
  script,
  live,
  ended: !live,
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
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: a2.runDir, codes: ['vanishing-gradient'] });
    assert.deepEqual(problems.get('/ws/b.py'), { runDir: b1.runDir, codes: ['exploding-gradient'] });
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

  it('two concurrent live runs of one script: both followed, the one started last shown; deleting it shows the other', () => {
    const { schedule, launched, problems } = setup();
    const older = run('/ws/a.py', '20261205-100000-a', true);
    const newer = run('/ws/a.py', '20261205-100500-a', true);
    schedule.update(older);
    launched[0].print(diag('dead-relu'));
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: older.runDir, codes: ['dead-relu'] });
    schedule.update(newer);
    assert.deepEqual(
      launched.map((p) => [p.run.runId, p.follow]),
      [
        [older.runId, true],
        [newer.runId, true],
      ],
    );
    // The newest run is shown as soon as it is diagnosed, before it has found anything; the older run's diagnostics
    // still arrive (for its dashboard) without taking Problems back.
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: newer.runDir, codes: [] });
    launched[0].print(diag('overfitting'));
    launched[1].print(diag('vanishing-gradient'));
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: newer.runDir, codes: ['vanishing-gradient'] });
    schedule.remove(newer.runDir);
    assert.ok(launched[1].stopped);
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: older.runDir, codes: ['dead-relu', 'overfitting'] });
    schedule.remove(older.runDir);
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: undefined, codes: [] });
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
    assert.deepEqual(problems.get('/ws/a.py')?.codes, ['vanishing-gradient'], 'kept while quiet');
    schedule.update({ ...r, live: true });
    assert.equal(launched.length, 2);
    assert.equal(launched[1].follow, true);
    assert.deepEqual(resets, [r.runDir]);
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: r.runDir, codes: [] });
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
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: undefined, codes: [] });
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
    assert.deepEqual(problems.get('/ws/a.py'), { runDir: a.runDir, codes: ['vanishing-gradient'] });
  });
});
