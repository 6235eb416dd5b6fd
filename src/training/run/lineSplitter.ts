// Splitting a growing byte stream (an events.jsonl another process appends to) into its complete lines as bytes
// arrive, for every reader that follows such a file (`gradscope diagnose --follow`, the editor's EventTail): complete
// lines come out numbered (1-based, as editors count them) and decoded as UTF-8; an unfinished last line is held back
// until its newline arrives (a writer flushes whole lines, but a reader may catch it mid-write). Lines are cut at the
// newline byte, which never occurs inside a multi-byte UTF-8 character, so a character split between two chunks is
// decoded whole. A line longer than `maxLineBytes` is not held: its bytes are counted and it is dropped (its number
// still counts, so later lines keep the file's numbers).

export interface NumberedLine {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

const NEWLINE = 0x0a;

export class LineSplitter {
  /** Bytes of the unfinished last line. */
  private held: Buffer[] = [];
  private heldLength = 0;
  /** The unfinished last line is over maxLineBytes: skipped up to its newline. */
  private skipping = false;
  private count = 0;
  private consumed = 0;

  /** `maxLineBytes`: longer lines are dropped, not held (default: no limit). */
  constructor(private readonly maxLineBytes = Infinity) {}

  /** The complete lines `chunk` finishes (blank ones included, so numbers stay the file's; too long ones left out). */
  push(chunk: Buffer | string): NumberedLine[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.consumed += bytes.length;
    const lines: NumberedLine[] = [];
    let from = 0;
    for (let end = bytes.indexOf(NEWLINE); end >= 0; end = bytes.indexOf(NEWLINE, from)) {
      this.count++;
      if (!this.skipping && this.heldLength + end - from <= this.maxLineBytes) {
        const text = this.decode(bytes.subarray(from, end));
        lines.push({ line: this.count, text: text.endsWith('\r') ? text.slice(0, -1) : text });
      }
      this.held = [];
      this.heldLength = 0;
      this.skipping = false;
      from = end + 1;
    }
    const rest = bytes.subarray(from);
    if (this.skipping || this.heldLength + rest.length > this.maxLineBytes) {
      // Too long to be an event: its bytes are read, not kept.
      this.held = [];
      this.heldLength = 0;
      this.skipping = true;
    } else if (rest.length) {
      // Copied: the caller may reuse its buffer for the next chunk.
      this.held.push(Buffer.from(rest));
      this.heldLength += rest.length;
    }
    return lines;
  }

  /** The unfinished last line held back so far ('' when the input ended with a newline), and its number. */
  get partial(): NumberedLine {
    return { line: this.count + 1, text: this.skipping ? '' : this.decode(Buffer.alloc(0)) };
  }

  /** Bytes pushed so far. */
  get bytesRead(): number {
    return this.consumed;
  }

  /** Bytes of the unfinished last line held back (not counted as a line yet). */
  get bytesHeld(): number {
    return this.heldLength;
  }

  private decode(tail: Buffer): string {
    return (this.heldLength ? Buffer.concat([...this.held, tail]) : tail).toString('utf8');
  }
}
