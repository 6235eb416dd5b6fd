// LineSplitter, the one splitter of a growing events.jsonl into lines (gradscope diagnose --follow and the editor's
// EventTail use it): an unfinished line is held back whatever the chunk boundaries (inside a UTF-8 character too),
// line numbers are the file's, a line over the limit is dropped without being held while later lines keep their
// numbers, the byte counts say where the next read starts and where the whole lines end, and a chunk buffer the
// caller reuses does not change a held line.
import * as assert from 'node:assert/strict';
import { LineSplitter } from '../../src/training/run/lineSplitter';

describe('LineSplitter (a growing byte stream into complete lines)', () => {
  it('holds an unfinished line (even one cut inside a UTF-8 character) until its newline arrives', () => {
    const text = '{"type":"a","m":"‖ΔW‖"}\n{"type":"b"}\n';
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(Buffer.from('ΔW', 'utf8')) + 1; // inside the two bytes of Δ
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push(bytes.subarray(0, cut)), []);
    assert.equal(splitter.partial.line, 1);
    const first = splitter.push(bytes.subarray(cut, cut + 20));
    assert.deepEqual(first, [{ line: 1, text: '{"type":"a","m":"‖ΔW‖"}' }]);
    assert.deepEqual(splitter.push(bytes.subarray(cut + 20)), [{ line: 2, text: '{"type":"b"}' }]);
    assert.deepEqual(splitter.partial, { line: 3, text: '' });
  });

  it('drops a line over the limit without holding it; later lines keep their numbers; byte counts add up', () => {
    const splitter = new LineSplitter(10);
    assert.deepEqual(splitter.push('short\n0123456789ABC'), [{ line: 1, text: 'short' }]);
    assert.equal(splitter.bytesHeld, 0, 'a partial line over the limit is not held');
    assert.deepEqual(splitter.push('DEF\nnext\r\n0123456789AB\nlast'), [{ line: 3, text: 'next' }]);
    assert.equal(splitter.bytesRead, 6 + 17 + 6 + 13 + 4);
    assert.equal(splitter.bytesHeld, 4);
    assert.deepEqual(splitter.partial, { line: 5, text: 'last' });
    assert.deepEqual(splitter.push('\n'), [{ line: 5, text: 'last' }]);
    assert.equal(splitter.bytesHeld, 0);
  });

  it('keeps a held line when the caller reuses its chunk buffer', () => {
    const splitter = new LineSplitter();
    const buffer = Buffer.from('{"a":1}\n{"b"');
    assert.deepEqual(splitter.push(buffer), [{ line: 1, text: '{"a":1}' }]);
    buffer.fill(0x78); // the next read overwrites it
    assert.deepEqual(splitter.push(Buffer.from(':2}\n')), [{ line: 2, text: '{"b":2}' }]);
  });
});
