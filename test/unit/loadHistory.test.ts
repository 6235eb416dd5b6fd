// loadHistory (the dashboard's reader of a finished run) skips the step lines the reducer would drop; it must end
// with exactly the history the reducer builds from every event: across decimation boundaries, with steps measured
// every few steps, momentum carried by skipped steps, the last step skipped, a line cut short by a killed engine,
// and a resumed file with two run-starts.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TrainingEvent } from '../../src/shared/engineProtocol';
import { finalStride, historyFromEvents } from '../../src/shared/runHistory';
import { EVENTS_FILE, loadHistory, readEvents } from '../../src/training/run/runStore';
import { syntheticRun } from '../../bench/dashboard/syntheticRun';

function write(dir: string, events: TrainingEvent[], tail = ''): void {
  fs.writeFileSync(path.join(dir, EVENTS_FILE), events.map((e) => JSON.stringify(e)).join('\n') + '\n' + tail);
}

/** A run measured every `every` steps, with momentum on the steps where a cycle changes it. */
function run(steps: number, every: number): TrainingEvent[] {
  return syntheticRun({ layers: 3, steps, stepsPerEpoch: 50 }).map((e) => {
    if (e.type !== 'step') return e;
    const out = { ...e };
    if (e.step % every !== 0) delete out.layers;
    if (e.step % 37 === 0) out.momentum = 0.85 + 0.1 * Math.sin(e.step);
    return out;
  });
}

describe('loadHistory (reading a finished run for the dashboard)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-load-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finalStride is the stride the reducer ends with', () => {
    for (const measured of [0, 1, 15, 16, 17, 1999, 2000, 2001, 3999, 4000, 10_000, 12_345])
      for (const maxPoints of [16, 100, 2000]) {
        const h = historyFromEvents(
          Array.from({ length: measured }, (_, i): TrainingEvent => ({
            type: 'step',
            step: i,
            epoch: 0,
            loss: 1,
            lr: 1,
            layers: [],
          })),
          maxPoints,
        );
        assert.strictEqual(finalStride(measured, maxPoints), h.stride, `${measured} measured, maxPoints ${maxPoints}`);
      }
  });

  for (const [steps, every, maxPoints] of [
    [3000, 1, 100],
    [3001, 3, 64],
    [777, 1, 2000],
    [5000, 7, 16],
  ] as const)
    it(`equals the reducer's history: ${steps} steps measured every ${every}, maxPoints ${maxPoints}`, async () => {
      const events = run(steps, every);
      write(dir, events);
      const loaded = await loadHistory(dir, maxPoints);
      assert.deepStrictEqual(loaded, historyFromEvents(readEvents(dir), maxPoints));
      assert.ok(loaded.stride > 1 || steps / every < maxPoints, 'the case decimates');
    });

  it('equals it when the last step is one the reducer drops, and without the run-end of a killed engine', async () => {
    const events = run(1003, 1).filter((e) => e.type !== 'run-end' && e.type !== 'epoch');
    write(dir, events, '{"type":"step","step":1003,"epoch":20,"loss":0.5,"lr":0.0');
    const loaded = await loadHistory(dir, 100);
    assert.deepStrictEqual(loaded, historyFromEvents(readEvents(dir), 100));
    assert.strictEqual(loaded.lastStep, 1002);
  });

  it('equals it for a file with two run-starts (it then reads every line)', async () => {
    write(dir, [...run(300, 1), ...run(500, 2)]);
    assert.deepStrictEqual(await loadHistory(dir, 64), historyFromEvents(readEvents(dir), 64));
  });
});
