// Redraw throttling: any number of changes between frames become one draw, at most one draw per `minIntervalMs`
// (~10 per second), always on an animation frame. Data is applied as it arrives; only drawing waits.

export interface RenderScheduler {
  /** Asks for a draw; coalesced with any pending one. */
  request(): void;
}

export function createScheduler(draw: () => void, minIntervalMs = 100): RenderScheduler {
  let pending = false;
  let last = -Infinity;
  const run = (): void => {
    pending = false;
    last = performance.now();
    draw();
  };
  return {
    request(): void {
      if (pending) return;
      pending = true;
      const wait = last + minIntervalMs - performance.now();
      if (wait <= 0) requestAnimationFrame(run);
      else setTimeout(() => requestAnimationFrame(run), wait);
    },
  };
}
