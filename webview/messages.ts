// Recognises what the host posts (`snapshot`, `events`) before the dashboard trusts it: a webview can receive
// messages from other sources, and a malformed one must never break the page.
import type { EventsMessage, LrFindViewMessage, SnapshotMessage, ToWebviewMessage } from '../src/shared/webviewProtocol';

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

/** The message if it is one the host sends, else undefined. */
export function asHostMessage(data: unknown): ToWebviewMessage | undefined {
  if (!isObject(data)) return undefined;
  if (isSnapshot(data) || isEvents(data) || isLrFind(data)) return data;
  return undefined;
}
