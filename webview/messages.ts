// Recognises what the host posts (`snapshot`, `events`) before the dashboard trusts it: a webview can receive
// messages from other sources, and a malformed one must never break the page.
import { unpackEvents } from '../src/shared/eventPacking';
import type { EventsMessage, HostMessage, LrFindViewMessage, SnapshotMessage } from '../src/shared/webviewProtocol';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isSnapshot(v: Record<string, unknown>): v is Record<string, unknown> & SnapshotMessage {
  if (v.type !== 'snapshot' || !isObject(v.settings)) return false;
  const history = v.history;
  if (history !== undefined && !(isObject(history) && Array.isArray(history.steps) && Array.isArray(history.layers)))
    return false;
  if (v.lrFind !== undefined && !isLrFindView(v.lrFind)) return false;
  const compare = v.compare;
  return (
    compare === undefined ||
    (Array.isArray(compare) &&
      compare.every(
        (c) =>
          isObject(c) && isObject(c.run) && typeof c.label === 'string' && isObject(c.history) && Array.isArray(c.history.steps),
      ))
  );
}

function isEvents(v: Record<string, unknown>): v is Record<string, unknown> & EventsMessage {
  return (
    v.type === 'events' &&
    typeof v.runId === 'string' &&
    Array.isArray(v.events) &&
    v.events.every((e) => isObject(e) && typeof e.type === 'string')
  );
}

function isLrFindView(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.specFile === 'string' &&
    typeof v.status === 'string' &&
    Array.isArray(v.points) &&
    v.points.every((p) => isObject(p) && typeof p.learningRate === 'number') &&
    (v.result === undefined || (isObject(v.result) && Array.isArray(v.result.points) && isObject(v.result.suggestion)))
  );
}

function isLrFind(v: Record<string, unknown>): v is Record<string, unknown> & LrFindViewMessage {
  return v.type === 'lr-find' && isLrFindView(v.lrFind);
}

/** Packed events (PackedEventsMessage) as an EventsMessage to check; other data as it is. */
function unpacked(data: Record<string, unknown>): Record<string, unknown> | undefined {
  const packed = data.packed;
  if (data.type !== 'events' || !(packed instanceof Uint8Array)) return data;
  try {
    return { type: 'events', runId: data.runId, events: unpackEvents(packed) };
  } catch {
    return undefined;
  }
}

/** The message if it is one the host sends (packed events decoded), else undefined. */
export function asHostMessage(data: unknown): HostMessage | undefined {
  const message = isObject(data) ? unpacked(data) : undefined;
  if (!message) return undefined;
  if (isSnapshot(message) || isEvents(message) || isLrFind(message)) return message;
  return undefined;
}
