// How much of the page's main thread the charts may take while data streams: after a slice of chart updates that
// began at t0 and cost C ms (its script and the rendering of the frame that showed it), updates for new data wait
// until t0 + C / share. A change the user makes, a new run and a chart scrolled into view do not ask.

export class DrawShare {
  private restUntil = -Infinity;
  /** Milliseconds of the slices recorded, and their number (reported on #app for the bench). */
  totalMs = 0;
  slices = 0;

  constructor(readonly share: number) {}

  /** A slice that began at `t0` cost `costMs`, rendering included. */
  record(t0: number, costMs: number): void {
    this.restUntil = Math.max(this.restUntil, t0 + costMs / this.share);
    this.totalMs += costMs;
    this.slices++;
  }

  /** The earliest time an update for new data may start. */
  get notBefore(): number {
    return this.restUntil;
  }
}
