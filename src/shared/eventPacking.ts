// The dashboard's event batches in MessagePack (@msgpack/msgpack) instead of JSON. VS Code transfers the bytes of a
// typed array in a webview message as they are, where it would otherwise turn a batch into JSON text, then into an
// RPC request, then into a buffer: about five bytes allocated in the extension host per byte of JSON, ~5 kB of JSON
// per measured 20-layer step (docs/responsiveness-and-memory.md, "What the host allocates while a run streams").
// Decoding gives back the same objects, keys in the same order; `undefined` values are left out, as JSON does.
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { TrainingEvent } from './engineProtocol';

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** `events` as MessagePack bytes, in an ArrayBuffer of their own (it may be transferred). */
export function packEvents(events: readonly TrainingEvent[]): Uint8Array {
  return encoder.encode(events);
}

/** What packEvents encoded; throws on bytes that are not MessagePack. */
export function unpackEvents(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}
