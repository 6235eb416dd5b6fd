// One line of an events.jsonl (as lineSplitter.ts cuts a growing file) read as an event, or as the reason it is not one.
import type { TrainingEvent } from '../../shared/engineProtocol';

/** One line read as an event, or why it is not one (with the 1-based column where JSON.parse stopped, when known). */
export type LineReading = { event: TrainingEvent } | { blank: true } | { problem: string; column: number };

export function readEventLine(text: string): LineReading {
  if (text.trim() === '') return { blank: true };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    return { problem: `not JSON (${message})`, column: at ? Number(at[1]) + 1 : 1 };
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    typeof (value as { type?: unknown }).type !== 'string'
  )
    return { problem: 'not an event: a JSON object with a "type" was expected', column: 1 };
  return { event: value as TrainingEvent };
}
