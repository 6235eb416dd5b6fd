// The dashboard's event batches in MessagePack (src/shared/eventPacking.ts): the webview must get exactly what JSON
// gave it before, keys in the same order, and must refuse bytes that are not a batch without breaking.
import * as assert from 'assert';
import fc from 'fast-check';
import type { TrainingEvent } from '../../src/shared/engineProtocol';
import { packEvents, unpackEvents } from '../../src/shared/eventPacking';
import { historyFromEvents } from '../../src/shared/runHistory';
import { asHostMessage } from '../../webview/messages';
import { syntheticRun } from './support/syntheticRun';

describe('event batches in MessagePack', () => {
  it('decode to what JSON would have carried, keys in the same order (any JSON value)', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), (values) => {
        // As the host has them: parsed from JSON (the engine's channel and the run files are JSON).
        const events = JSON.parse(JSON.stringify(values)) as TrainingEvent[];
        const back = unpackEvents(packEvents(events));
        assert.deepStrictEqual(back, events);
        assert.strictEqual(JSON.stringify(back), JSON.stringify(events));
      }),
      { numRuns: 300 },
    );
  });

  it('leave out undefined values, as JSON does (eventsForCopy spreads events)', () => {
    const step = { type: 'step', step: 3, epoch: 0, loss: 0.5, lr: 0.1, momentum: undefined, layers: [] };
    assert.deepStrictEqual(unpackEvents(packEvents([step as TrainingEvent])), [JSON.parse(JSON.stringify(step))]);
  });

  it('a packed batch of a real run gives the webview the same events and the same history as the plain one', () => {
    const events = syntheticRun(3, 120);
    const packed = asHostMessage({ type: 'events', runId: 'r', packed: packEvents(events) });
    const plain = asHostMessage(JSON.parse(JSON.stringify({ type: 'events', runId: 'r', events })));
    assert.ok(packed?.type === 'events' && plain?.type === 'events');
    assert.deepStrictEqual(packed, plain);
    assert.deepStrictEqual(historyFromEvents(packed.events), historyFromEvents(plain.events));
    // Smaller than the JSON it replaces: floats are 9 bytes instead of their ~18 digits.
    const bytes = packEvents(events).byteLength;
    assert.ok(bytes < JSON.stringify(events).length * 0.8, `${bytes} bytes against ${JSON.stringify(events).length} of JSON`);
  });

  it('owns its bytes: a batch is not a view into a buffer the next batch overwrites', () => {
    const a = packEvents(syntheticRun(1, 10));
    const copy = Uint8Array.from(a);
    packEvents(syntheticRun(2, 50));
    assert.deepStrictEqual(a, copy);
    assert.strictEqual(a.byteOffset, 0);
    assert.strictEqual(a.buffer.byteLength, a.byteLength, 'the transferred ArrayBuffer holds this batch only');
  });

  it('rejects packed bytes that are not MessagePack or not a batch of events', () => {
    assert.strictEqual(asHostMessage({ type: 'events', runId: 'r', packed: new Uint8Array([0xc1]) }), undefined);
    assert.strictEqual(
      asHostMessage({ type: 'events', runId: 'r', packed: packEvents([42 as unknown as TrainingEvent]) }),
      undefined,
    );
    assert.strictEqual(asHostMessage({ type: 'events', runId: 7, packed: packEvents([]) }), undefined);
  });
});
