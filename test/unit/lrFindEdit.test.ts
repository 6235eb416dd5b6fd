// learningRateEdit: the one edit that writes a range test's rate into a spec, applied to spec text as the CLI's
// --apply and the editor do (comments and layout kept): the optimizer's learningRate, piecewise values scaled by
// rate / max(values), a cosine floor kept below the new rate, a oneCycle schedule's maxLearningRate.
import * as assert from 'assert';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { learningRateEdit, learningRateTarget } from '../../src/training/fixes/learningRateEdit';
import { readSpecDocument } from '../../src/training/fixes/patchBuilder';
import { parseSpecText } from '../../src/training/spec/parse';
import type { ScheduleSpec, TrainingSpec } from '../../src/training/spec/types';

function specText(training: string): string {
  return `// a spec with comments
{
  "name": "edit",
  "data": { "dataset": "spiral", "samples": 60 },
  "model": { "inputShape": [2], "layers": [{ "type": "dense", "units": 3, "activation": "softmax" }] },
  "training": ${training} // the training section
}
`;
}

/** Applies the edit for `lr` to the text; returns the new text and its parsed training section. */
function edited(text: string, lr: number): { text: string; training: TrainingSpec; title: string } {
  const parsed = parseSpecText(text, '/virtual/edit.gradscope.json');
  assert.ok(parsed.spec, JSON.stringify(parsed.problems));
  const fix = learningRateEdit(parsed.spec.training, readSpecDocument(text, undefined), lr);
  const out = applyPatchToText(text, fix.patch);
  const after = parseSpecText(out, '/virtual/edit.gradscope.json');
  assert.deepStrictEqual(
    after.problems.filter((p) => p.severity === 'error'),
    [],
  );
  assert.ok(after.spec);
  return { text: out, training: after.spec.training, title: fix.title };
}

describe('learningRateEdit', () => {
  it("writes the optimizer's learningRate, keeping comments", () => {
    const r = edited(specText('{ "optimizer": { "type": "adam", "learningRate": 0.5 } }'), 0.0032);
    assert.strictEqual(r.training.optimizer.learningRate, 0.0032);
    assert.strictEqual(r.training.optimizer.type, 'adam');
    assert.match(r.text, /^\/\/ a spec with comments/);
    assert.match(r.text, /\/\/ the training section/);
    assert.strictEqual(r.title, 'Use learning rate 0.0032 from the range test (optimizer.learningRate 0.5 → 0.0032)');
  });

  it('adds learningRate where the spec has none (shorthand optimizer, no training section)', () => {
    assert.strictEqual(edited(specText('{ "optimizer": "sgd" }'), 0.2).training.optimizer.learningRate, 0.2);
    assert.strictEqual(edited(specText('{ "optimizer": "sgd" }'), 0.2).training.optimizer.type, 'sgd');
    assert.strictEqual(edited(specText('{}'), 0.04).training.optimizer.learningRate, 0.04);
  });

  it('scales piecewise values by rate / their largest value', () => {
    const text = specText('{ "schedule": { "type": "piecewise", "boundaries": [2, 4], "values": [0.1, 0.01, 0.001] } }');
    const parsed = parseSpecText(text, '/virtual/edit.gradscope.json');
    assert.deepStrictEqual(learningRateTarget(parsed.spec!.training), {
      field: 'schedule.values',
      pointer: '/training/schedule/values',
      current: 0.1,
    });
    const r = edited(text, 0.03);
    assert.deepStrictEqual((r.training.schedule as { values: number[] }).values, [0.03, 0.003, 0.0003]);
  });

  it('lowers a cosine floor that the new rate would fall below', () => {
    const r = edited(
      specText(
        '{ "optimizer": { "type": "sgd", "learningRate": 0.1 }, "schedule": { "type": "cosine", "minLearningRate": 0.01 } }',
      ),
      0.005,
    );
    assert.strictEqual(r.training.optimizer.learningRate, 0.005);
    assert.strictEqual((r.training.schedule as { minLearningRate: number }).minLearningRate, 0.0005);
  });

  it("targets a oneCycle schedule's maxLearningRate (default: the optimizer's rate)", () => {
    const parsed = parseSpecText(specText('{ "optimizer": { "type": "sgd", "learningRate": 0.1 } }'), '/v.gradscope.json');
    const training = parsed.spec!.training;
    const oneCycle = (extra: object): TrainingSpec => ({
      ...training,
      schedule: { type: 'oneCycle', ...extra } as unknown as ScheduleSpec,
    });
    assert.deepStrictEqual(learningRateTarget(oneCycle({ maxLearningRate: 0.4 })), {
      field: 'schedule.maxLearningRate',
      pointer: '/training/schedule/maxLearningRate',
      current: 0.4,
    });
    assert.strictEqual(learningRateTarget(oneCycle({})).current, 0.1);
    const doc = {
      training: { optimizer: { type: 'sgd', learningRate: 0.1 }, schedule: { type: 'oneCycle', maxLearningRate: 0.4 } },
    };
    assert.deepStrictEqual(learningRateEdit(oneCycle({ maxLearningRate: 0.4 }), doc, 0.02).patch, [
      { op: 'replace', path: '/training/schedule/maxLearningRate', value: 0.02 },
    ]);
  });
});
