// Redraw throttling: any number of changes between frames become one draw, at most one draw per `minIntervalMs`
// (~10 per second), always on an animation frame. Data is applied as it arrives; only drawing waits. A draw that
// did not finish (the dashboard spreads its charts over frames to keep each frame short) asks to go on with
// `continueIn`: on the next frame (0) or later, without waiting for the interval.

export interface RenderScheduler {
  /** Asks for a draw; coalesced with any pending one. */
  request(): void;
  /** Asks for another draw `ms` from now (0: the next frame), regardless of the interval: a draw goes on. */
  continueIn(ms: number): void;
}

/** The timing functions the scheduler uses: the browser's, or a fake clock in tests. */
export interface SchedulerClock {
  now(): number;
  frame(run: () => void): void;
  after(ms: number, run: () => void): void;
}

/** `clock`: the page passes the browser's (animation frames, timers); tests a fake one. */
export function createScheduler(draw: () => void, clock: SchedulerClock, minIntervalMs = 100): RenderScheduler {
  /** When the scheduled draw is due (Infinity: none is scheduled). */
  let due = Infinity;
  /** Identifies the scheduled draw: an earlier one replaces it, and the replaced one does nothing when it fires. */
  let token = 0;
  let last = -Infinity;
  const schedule = (at: number): void => {
    if (at >= due) return;
    due = at;
    const mine = ++token;
    const onFrame = (): void => {
      if (mine !== token) return;
      due = Infinity;
      last = clock.now();
      draw();
    };
    const wait = at - clock.now();
    if (wait <= 0) clock.frame(onFrame);
    else
      clock.after(wait, () => {
        if (mine === token) clock.frame(onFrame);
      });
  };
  return {
    request(): void {
      schedule(Math.max(clock.now(), last + minIntervalMs));
    },
    continueIn(ms: number): void {
      schedule(clock.now() + Math.max(0, ms));
    },
  };
}
