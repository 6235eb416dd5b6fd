// Follows a growing events.jsonl that another process writes (a PyTorch script's monitor, or the engine): each
// `read()` reads the bytes appended since the last one and hands over the whole lines among them (LineSplitter) as
// one batch of events. A partial last line is kept until its newline arrives; a file that shrank or was replaced
// (another inode) is read again from its start, after `onReset`. Reads are asynchronous and chunked (the extension host must never
// block on them), one at a time: a read asked for while one runs is done once that one ends. Memory stays bounded: at
// most one chunk and one partial line are held, and a "line" longer than MAX_LINE_BYTES is dropped, not kept.
import * as fs from 'fs';
import type { TrainingEvent } from '../../shared/engineProtocol';
import { LineSplitter } from './lineSplitter';
import { parseEventLine } from './runStore';

const CHUNK_BYTES = 1 << 20;
/** A line longer than this is not an event the monitor or the engine writes: it is skipped, not held. */
const MAX_LINE_BYTES = 64 << 20;

export interface EventTailHandlers {
  /** The whole lines read by one read (at least one event), in file order. */
  onEvents(events: TrainingEvent[]): void;
  /** The file shrank or was replaced: everything handed over before is void; reading starts again at byte 0. */
  onReset?(): void;
}

export class EventTail {
  /** Where the splitter's first byte is in the file. */
  private base: number;
  private lines: LineSplitter;
  private ino: number | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly maxLineBytes: number;

  /**
   * `offset`: where the first read starts, the end of a whole line already read (e.g. loadLiveHistory's);
   * `maxLineBytes`: longer lines are skipped (default MAX_LINE_BYTES).
   */
  constructor(
    readonly file: string,
    private readonly handlers: EventTailHandlers,
    options: { offset?: number; maxLineBytes?: number } = {},
  ) {
    this.base = options.offset ?? 0;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
    this.lines = new LineSplitter(this.maxLineBytes);
  }

  /** Bytes of the file read and handed over (whole lines). */
  get position(): number {
    return this.next - this.lines.bytesHeld;
  }

  /** Also reads every `intervalMs` (for file systems whose change events are late or missing); stopped by close(). */
  poll(intervalMs: number): this {
    if (!this.timer && !this.closed) this.timer = setInterval(() => void this.read(), intervalMs);
    return this;
  }

  /**
   * Reads what was appended since the last read. Resolves when the file has been read to its end as it was then (and
   * again, if another read was asked for meanwhile). A missing file reads as nothing (it may not exist yet).
   */
  read(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          await this.readOnce();
        } while (this.again && !this.closed);
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch {
      return;
    }
    try {
      const stat = await handle.stat();
      const replaced = this.ino !== undefined && stat.ino !== this.ino;
      if (replaced || stat.size < this.next) this.reset();
      this.ino = stat.ino;
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, stat.size - this.next)));
      while (!this.closed && this.next < stat.size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, stat.size - this.next), this.next);
        if (bytesRead === 0) break;
        this.feed(chunk.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  }

  /** Where the next read starts: after the whole lines and the partial line held (or skipped). */
  private get next(): number {
    return this.base + this.lines.bytesRead;
  }

  private reset(): void {
    this.base = 0;
    this.lines = new LineSplitter(this.maxLineBytes);
    this.handlers.onReset?.();
  }

  private feed(chunk: Buffer): void {
    const events: TrainingEvent[] = [];
    for (const { text } of this.lines.push(chunk)) {
      const e = parseEventLine(text);
      if (e) events.push(e);
    }
    if (events.length && !this.closed) this.handlers.onEvents(events);
  }

  /** Stops reading (a read under way hands over nothing more). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
