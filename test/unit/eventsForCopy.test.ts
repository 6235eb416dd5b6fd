// The extension host sends the dashboard only the step statistics its copy of the history will keep
// (eventsForCopy): a copy fed a snapshot and then the host's batches must equal the host's history after every
// batch, whatever the batch sizes, across the series halving, with steps measured every few steps, momentum carried
// by stripped steps, frozen layers, and a new run-start in the middle.
import * as assert from 'assert';
import type { StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { applyEvent, emptyHistory, eventsForCopy, type RunHistoryState } from '../../src/shared/runHistory';
import { syntheticRun } from '../../bench/dashboard/syntheticRun';

function run(steps: number, every: number): TrainingEvent[] {
  return syntheticRun({ layers: 3, steps, stepsPerEpoch: 50 }).map((e) => {
    if (e.type !== 'step') return e;
    const out: StepEvent = { ...e };
    if (e.step % every !== 0) delete out.layers;
    if (e.step % 37 === 0) out.momentum = 0.85 + 0.1 * Math.sin(e.step);
    if (e.step % 53 === 0 && out.layers) out.layers = out.layers.map((l, i) => (i === 0 ? { ...l, frozen: true } : l));
    return out;
  });
}

/** Feeds `events` to a host history in batches of varying size, the copy getting eventsForCopy of each batch. */
function replay(
  events: TrainingEvent[],
  maxPoints: number,
  snapshotAt: number,
): { host: RunHistoryState; sent: TrainingEvent[] } {
  const host = emptyHistory(maxPoints);
  let copy: RunHistoryState | undefined;
  const sent: TrainingEvent[] = [];
  for (let i = 0, size = 1; i < events.length; i += size, size = (size * 7 + 3) % 41) {
    const batch = events.slice(i, i + size);
    for (const e of batch) applyEvent(host, e);
    if (!copy) {
      // The dashboard opens mid-run: a snapshot of the host's history, then batches.
      if (i + size >= snapshotAt) copy = structuredClone(host);
      continue;
    }
    const forCopy = eventsForCopy(host, batch);
    sent.push(...forCopy);
    for (const e of forCopy) applyEvent(copy, e);
    assert.deepStrictEqual(copy, host, `after the batch ending at event ${i + size}`);
  }
  return { host, sent };
}

describe('eventsForCopy (the dashboard’s batches while a run streams)', () => {
  it('a copy fed the stripped batches equals the host’s history after each batch', () => {
    for (const [count, every, maxPoints] of [
      [3000, 1, 64],
      [3000, 3, 100],
      [500, 1, 2000],
    ]) {
      const events = run(count, every);
      const { host, sent } = replay(events, maxPoints, 40);
      const steps = sent.filter((e): e is StepEvent => e.type === 'step');
      const measured = steps.filter((e) => e.layers !== undefined).length;
      const whole = new Set(steps.filter((e) => (e.layers?.length ?? 0) > 0).map((e) => e.step));
      const full = whole.size;
      assert.ok(host.measured > 0 && measured > 0);
      // Every point the host keeps (of the steps sent after the snapshot) came with its statistics.
      const sentSteps = new Set(steps.map((e) => e.step));
      for (const p of host.steps) if (sentSteps.has(p.step)) assert.ok(whole.has(p.step), `step ${p.step} came whole`);
      // When the series was halved, most steps came without them.
      if (host.stride > 2) assert.ok(full < measured / 2, `${full} of ${measured} measured steps sent whole`);
      else assert.strictEqual(full, measured, 'nothing dropped, nothing stripped');
    }
  });

  it('a run-start in a batch starts the copy over, as it does the host', () => {
    const first = run(400, 1);
    const second = run(300, 2).map((e) => (e.type === 'run-start' ? { ...e, runId: 'second' } : e));
    const { host } = replay([...first, ...second], 32, 10);
    assert.strictEqual(host.start?.runId, 'second');
  });
});
