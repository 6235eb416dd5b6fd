// TensorBoard event files: TFRecord framing (uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the
// data) around `tensorflow.Event` protobufs. The first record says the file version; each later one holds scalar
// `Summary` values (simple_value) at a step. protobufjs encodes the messages and crc-32 computes the CRC-32C.
import * as CRC32C from 'crc-32/crc32c';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import type { RunScalars } from './runScalars';

/**
 * The subset of TensorFlow's tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto that a
 * scalar event file uses, with the field numbers of those files (the other `oneof` members are left out).
 */
const EVENT_PROTO = `
syntax = "proto3";
package tensorflow;
message Summary {
  message Value {
    string tag = 1;
    oneof value { float simple_value = 2; }
  }
  repeated Value value = 1;
}
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}
`;

/** What the first record of every event file says (TensorBoard reads files whose version starts `brain.Event:`). */
export const FILE_VERSION = 'brain.Event:2';

const Event = protobuf.parse(EVENT_PROTO).root.lookupType('tensorflow.Event');

/** TFRecord's masked CRC: CRC-32C rotated right by 15 bits plus a constant, so CRCs of CRCs stay well spread. */
function maskedCrc(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: the length (uint64 little-endian), its masked CRC, the data, the data's masked CRC. */
function tfRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(data.length));
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  header.copy(record, 0);
  record.writeUInt32LE(maskedCrc(header), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc(data), 12 + data.length);
  return record;
}

function eventRecord(fields: Record<string, unknown>): Buffer {
  return tfRecord(Event.encode(Event.fromObject(fields)).finish());
}

/** A run id as one safe path segment (ids gradscope makes are already). */
const segment = (runId: string): string => runId.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_') || 'run';

/** The whole event file: the version record, then one record per scalar record, its values in tag order. */
export function eventFileBytes(scalars: RunScalars): { bytes: Buffer; events: number } {
  const first = scalars.records[0]?.wallTime ?? Date.parse(scalars.start.startedAt) / 1000;
  const records = [eventRecord({ wallTime: first, step: 0, fileVersion: FILE_VERSION })];
  for (const r of scalars.records) {
    const value = scalars.tags.filter((tag) => r.values.has(tag)).map((tag) => ({ tag, simpleValue: r.values.get(tag) }));
    if (value.length) records.push(eventRecord({ wallTime: r.wallTime, step: r.step, summary: { value } }));
  }
  return { bytes: Buffer.concat(records), events: records.length };
}

/**
 * The file name TensorBoard looks for (`events.out.tfevents.<seconds>.<host>...`), fixed by the run: exporting a run
 * again replaces its file instead of adding a second copy of every point.
 */
export function eventFileName(scalars: RunScalars): string {
  const seconds = Math.floor(Date.parse(scalars.start.startedAt) / 1000) || 0;
  const host = os.hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
  return `events.out.tfevents.${String(seconds).padStart(10, '0')}.${host}.${segment(scalars.start.runId)}`;
}

/**
 * Writes the run's event file into `<logDir>/<runId>/` (one TensorBoard run per gradscope run, so several exports
 * into one log directory compare side by side); returns its path and how many events it holds (the version included).
 */
export function writeEventFile(scalars: RunScalars, logDir: string): { file: string; events: number } {
  const dir = path.join(logDir, segment(scalars.start.runId));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, eventFileName(scalars));
  const { bytes, events } = eventFileBytes(scalars);
  fs.writeFileSync(file, bytes);
  return { file, events };
}
