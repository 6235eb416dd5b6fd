// Diagnosis while real models train: the deep sigmoid example gets `vanishing-gradient` naming its first layers,
// right after the step that showed it, with a first fix that cures it; the healthy example gets no diagnostic at
// all; thresholds reach the engine process from StartOptions and from the spec's `monitor` section (which wins).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DiagnosticEvent, EngineMessage, EpochEvent, RunEndEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { startRun } from '../../src/training/run/runner';
import { parseSpecText } from '../../src/training/spec/parse';
import { train } from '../../src/training/engine/trainer';
import { assertNoEngineErrors, engineLog } from './support/engineLog';
import { EXAMPLES, useBackend } from './support/specs';

async function trainText(text: string, file: string): Promise<{ events: TrainingEvent[]; end: RunEndEvent }> {
  const parsed = parseSpecText(text, file);
  assert.ok(parsed.spec, 'valid spec');
  const events: TrainingEvent[] = [];
  const logs = engineLog();
  const end = await train({
    spec: parsed.spec,
    specFile: file,
    runId: 'e2e',
    runDir: '/virtual',
    backend: 'wasm',
    specText: text,
    emit: (e) => events.push(e),
    shouldStop: () => false,
    log: logs.log,
  });
  assertNoEngineErrors(logs.events, file);
  return { events, end };
}

const diagnostics = (events: TrainingEvent[]): DiagnosticEvent[] =>
  events.filter((e): e is DiagnosticEvent => e.type === 'diagnostic');

function engineRun(specFile: string, thresholds?: Record<string, number>): Promise<TrainingEvent[]> {
  return new Promise((resolve) => {
    const out: TrainingEvent[] = [];
    const logs: EngineMessage[] = [];
    startRun(
      {
        specFile,
        outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-diag-')),
        epochs: 1,
        backend: 'wasm',
        ...(thresholds ? { thresholds } : {}),
      },
      (m: EngineMessage) => {
        if (m.type === 'log' || m.type === 'spec-problems') {
          logs.push(m);
          return;
        }
        out.push(m);
        if (m.type === 'run-end') {
          assertNoEngineErrors(logs, specFile);
          resolve(out);
        }
      },
    );
  });
}

describe('diagnosis end to end', () => {
  before(useBackend);

  it('deep-sigmoid example: vanishing-gradient naming the first layers, right after its step; the first fix cures it', async () => {
    const file = path.join(EXAMPLES, 'deep-sigmoid.gradscope.json');
    const text = fs.readFileSync(file, 'utf8');
    const { events, end } = await trainText(text, file);
    const found = diagnostics(events);
    const vanishing = found.find((d) => d.code === 'vanishing-gradient');
    assert.ok(vanishing, `diagnostics: ${found.map((d) => d.code).join(', ') || 'none'}`);
    assert.deepStrictEqual(
      found.map((d) => d.code),
      ['vanishing-gradient'],
      'and nothing else',
    );
    assert.strictEqual(vanishing.layer, 'dense_1');
    assert.strictEqual(vanishing.specPath, '/model/layers/0');
    assert.deepStrictEqual(vanishing.layers!.slice(0, 3), ['dense_1', 'dense_2', 'dense_3']);
    const before = events[events.indexOf(vanishing) - 1];
    assert.ok(before.type === 'step' && before.step === vanishing.step, 'emitted right after the step that showed it');
    assert.ok(vanishing.step < 60, `found within the first epochs (step ${vanishing.step})`);
    assert.strictEqual(events[events.length - 1], end);

    // The first fix (ReLU + He initialization in the template entry too) cures it: no vanishing gradient, a better
    // validation loss. (What a 14-layer plain ReLU net then says about its learning rate is the next iteration.)
    const fix = vanishing.fixes![0];
    assert.ok(
      fix.patch.some((o) => o.path === '/model/layers/1/layers/0/activation' && o.value === 'relu'),
      JSON.stringify(fix.patch),
    );
    const fixed = await trainText(applyPatchToText(text, fix.patch), file);
    assert.ok(!diagnostics(fixed.events).some((d) => d.code === 'vanishing-gradient'));
    assert.strictEqual(fixed.end.status, 'completed');
    const lastValLoss = (evs: TrainingEvent[]): number =>
      evs
        .filter((e): e is EpochEvent => e.type === 'epoch')
        .slice(-3)
        .reduce((a, e) => a + e.valLoss / 3, 0);
    assert.ok(
      lastValLoss(fixed.events) < lastValLoss(events) - 0.2,
      `validation loss ${lastValLoss(events)} → ${lastValLoss(fixed.events)}`,
    );
  });

  it('healthy-spiral example: no diagnostic at all', async () => {
    const file = path.join(EXAMPLES, 'healthy-spiral.gradscope.json');
    const { events, end } = await trainText(fs.readFileSync(file, 'utf8'), file);
    assert.ok(end.status === 'completed' || end.status === 'early-stopped');
    assert.deepStrictEqual(
      diagnostics(events).map((d) => `${d.code}@${d.step}: ${d.message}`),
      [],
    );
  });

  it("engine process: thresholds come from StartOptions, and the spec's monitor section wins over them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-diag-spec-'));
    const text = fs.readFileSync(path.join(EXAMPLES, 'deep-sigmoid.gradscope.json'), 'utf8');
    const plain = path.join(dir, 'plain.gradscope.json');
    fs.writeFileSync(plain, text);
    const monitored = path.join(dir, 'monitored.gradscope.json');
    fs.writeFileSync(monitored, text.replace('"seed": 7,', '"seed": 7,\n  "monitor": { "window": 10 },'));
    const firstVanishing = (events: TrainingEvent[]): number | undefined =>
      diagnostics(events).find((d) => d.code === 'vanishing-gradient')?.step;

    assert.strictEqual(firstVanishing(await engineRun(plain)), 19, 'default window: 20 steps');
    assert.strictEqual(
      firstVanishing(await engineRun(plain, { window: 1000 })),
      undefined,
      'a caller window longer than the run',
    );
    assert.strictEqual(firstVanishing(await engineRun(monitored, { window: 1000 })), 9, "the spec's window wins");
  });
});
