// What docs/lr-find.md and the README say the range test does, checked by training: on a healthy example its
// suggestion trains without a learning-rate diagnosis; on a spec whose rate is far too high (Adam at 0.3, the
// diagnosis benchmark's lr-too-high-adam-spiral; SGD at 2 on sine regression, NaN in the first epoch) it suggests a far
// smaller rate, which then trains without one.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { LrFindEvent } from '../../src/shared/engineProtocol';
import { LR_FIND_DEFAULTS } from '../../src/shared/engineProtocol';
import { findLearningRate } from '../../src/training/engine/lrFind';
import { applyPatchToText } from '../../src/training/fixes/applyPatch';
import { learningRateEdit } from '../../src/training/fixes/learningRateEdit';
import { readSpecDocument } from '../../src/training/fixes/patchBuilder';
import { parseSpecText } from '../../src/training/spec/parse';
import { engineRun } from './support/engineRuns';
import { EXAMPLES, REPO, useBackend } from './support/specs';

const LR_CODES = ['lr-too-high', 'lr-too-low', 'divergence', 'oscillating-loss', 'non-finite'];

/** The range test with the CLI's defaults, then the spec text with its suggestion applied as `--apply` does. */
async function rangeTestAndApply(file: string): Promise<{ result: LrFindEvent; applied: string }> {
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseSpecText(text, file);
  assert.ok(parsed.spec);
  const result = await findLearningRate({
    spec: parsed.spec,
    specFile: file,
    specText: text,
    runId: 'claims',
    backend: 'wasm',
    settings: LR_FIND_DEFAULTS,
    onProgress: () => undefined,
    shouldStop: () => false,
  });
  assert.ok(result);
  const edit = learningRateEdit(parsed.spec.training, readSpecDocument(text, file), result.suggestion.learningRate);
  return { result, applied: applyPatchToText(text, edit.patch) };
}

async function diagnosesOf(text: string): Promise<string[]> {
  const run = await engineRun(readSpecDocument(text, undefined) as object, text);
  return run.diagnostics.map((d) => d.code);
}

describe('claims: the learning-rate range test', () => {
  before(useBackend);

  it('on examples/leaky-vs-relu-alive its suggestion trains without a learning-rate diagnosis', async () => {
    const file = path.join(EXAMPLES, 'leaky-vs-relu-alive.gradscope.json');
    const { result, applied } = await rangeTestAndApply(file);
    assert.strictEqual(result.conclusive, true);
    assert.strictEqual(result.suggestion.method, 'steepest');
    assert.ok(
      result.suggestion.learningRate >= 1e-3 && result.suggestion.learningRate <= 3e-2,
      `${result.suggestion.learningRate}`,
    );
    const codes = await diagnosesOf(applied);
    assert.deepStrictEqual(
      codes.filter((c) => LR_CODES.includes(c)),
      [],
      `diagnoses at ${result.suggestion.learningRate}: ${codes.join(', ')}`,
    );
  });

  for (const [name, rate] of [
    ['lr-too-high-adam-spiral', 0.3],
    ['non-finite-sgd-sine', 2],
  ] as const) {
    it(`on ${name} (rate ${rate}, far too high) it suggests a rate over 10× smaller, which trains without a learning-rate diagnosis`, async () => {
      const file = path.join(REPO, 'bench', 'diagnosis', 'specs', `${name}.gradscope.json`);
      const { result, applied } = await rangeTestAndApply(file);
      assert.strictEqual(result.currentLearningRate, rate);
      assert.strictEqual(result.conclusive, true);
      assert.ok(result.suggestion.learningRate < rate / 10, `suggestion ${result.suggestion.learningRate}`);
      const codes = await diagnosesOf(applied);
      assert.deepStrictEqual(
        codes.filter((c) => LR_CODES.includes(c)),
        [],
        `diagnoses at ${result.suggestion.learningRate}: ${codes.join(', ')}`,
      );
    });
  }
});
