// The diagnoser never fails quietly: a detector that throws is reported as a `log` event of level error naming it
// and its error, is switched off, and the other detectors go on; a diagnoser that cannot start says so.
import * as assert from 'assert';
import type { DiagnosticEvent, RunStartEvent, StepEvent } from '../../src/shared/engineProtocol';
import { resolveThresholds } from '../../src/training/diagnosis/defaults';
import type { Detector } from '../../src/training/diagnosis/detector';
import { allDetectors, createDiagnoser } from '../../src/training/diagnosis/diagnoser';
import { createNonFinite } from '../../src/training/diagnosis/detectors/nonFinite';
import { healthyLoss, makeStream, mixedSpec } from './diagnosisFixtures.test';
import { engineErrors, engineLog } from './support/engineLog';
import { useBackend } from './support/specs';

/** A detector whose every call throws, counting the calls. */
function throwing(code: Detector['code']): Detector & { calls: number } {
  const d = {
    code,
    calls: 0,
    onStep(): DiagnosticEvent | undefined {
      d.calls++;
      throw new Error('index out of range');
    },
  };
  return d;
}

describe('diagnoser', () => {
  before(useBackend);

  it('reports a detector that throws as a log event naming it and the error, once, and keeps the others running', () => {
    const spec = mixedSpec();
    const stream = makeStream(spec, 31, { loss: (i, r) => (i === 30 ? NaN : healthyLoss()(i, r)), nonFinite: (i) => i === 30 });
    const broken = throwing('dead-relu');
    const logs = engineLog();
    const d = createDiagnoser(spec, stream.start, resolveThresholds({}, spec.monitor), {
      log: logs.log,
      detectors: [broken, createNonFinite()],
    });
    const found: DiagnosticEvent[] = [];
    for (const e of stream.events) if (e.type === 'step') found.push(...d.step(e));

    assert.deepStrictEqual(
      engineErrors(logs.events).map((e) => e.message),
      ['diagnosis: the dead-relu detector failed at step 0 and is off for the rest of this run: index out of range'],
    );
    assert.strictEqual(broken.calls, 1, 'switched off after its first failure');
    assert.deepStrictEqual(
      found.map((f) => f.code),
      ['non-finite'],
      'the other detectors still report',
    );
  });

  it('says so when it cannot start, and lets training go on undiagnosed', () => {
    const spec = mixedSpec();
    const stream = makeStream(spec, 2, { loss: healthyLoss() });
    const broken = { ...stream.start, layers: undefined } as unknown as RunStartEvent;
    const logs = engineLog();
    const d = createDiagnoser(spec, broken, resolveThresholds({}, spec.monitor), { log: logs.log });
    const errors = engineErrors(logs.events);
    assert.strictEqual(errors.length, 1);
    assert.match(errors[0].message, /^diagnosis: could not start, this run is not diagnosed: /);
    assert.deepStrictEqual(d.step(stream.events[1] as StepEvent), []);
  });

  it('runs every detector by default, each with its own code', () => {
    const detectorCodes = allDetectors().map((x) => x.code);
    assert.strictEqual(new Set(detectorCodes).size, detectorCodes.length);
    assert.ok(detectorCodes.includes('non-finite'));
  });
});
