// Splitting a growing events.jsonl into its lines as bytes arrive: complete lines come out numbered (1-based, as
// editors count them), an unfinished last line is held back until its newline arrives (a writer flushes whole lines,
// but a reader may catch it mid-write). Each line is then read as an event or as the reason it is not one.
import { StringDecoder } from 'string_decoder';
import type { TrainingEvent } from '../../shared/engineProtocol';

export interface NumberedLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private count = 0;

  /** The complete lines `chunk` finishes (blank ones included, so numbers stay the file's). */
  push(chunk: Buffer | string): NumberedLine[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map((text) => ({ line: ++this.count, text: text.endsWith('\r') ? text.slice(0, -1) : text }));
  }

  /** The unfinished last line held back so far ('' when the input ended with a newline), and its number. */
  get partial(): NumberedLine {
    return { line: this.count + 1, text: this.pending };
  }
}

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
