// Redraw throttling: any number of changes between frames become one draw, at most one draw per `minIntervalMs`
// (~10 per second), always on an animation frame. Data is applied as it arrives; only drawing waits.

export interface RenderScheduler {
  /** Asks for a draw; coalesced with any pending one. */
  request(): void;
}

/** The timing functions the scheduler uses: the browser's, or a fake clock in tests. */
export interface SchedulerClock {
  now(): number;
  frame(run: () => void): void;
  after(ms: number, run: () => void): void;
}

/** `clock`: the page passes the browser's (animation frames, timers); tests a fake one. */
export function createScheduler(draw: () => void, clock: SchedulerClock, minIntervalMs = 100): RenderScheduler {
  let pending = false;
  let last = -Infinity;
  const run = (): void => {
    pending = false;
    last = clock.now();
    draw();
  };
  return {
    request(): void {
      if (pending) return;
      pending = true;
      const wait = last + minIntervalMs - clock.now();
      if (wait <= 0) clock.frame(run);
      else clock.after(wait, () => clock.frame(run));
    },
  };
}
