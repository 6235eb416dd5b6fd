// The dashboard's redraw throttle, on a fake clock: requests coalesce, draws are at least minIntervalMs apart, and
// no request is lost (the last change is always drawn). Deterministic: no real time passes.
import * as assert from 'assert';
import { DrawShare } from '../../webview/drawShare';
import { createScheduler, type SchedulerClock } from '../../webview/scheduler';

/** A clock whose time only moves when the test says; frames run 16 ms after they are asked for. */
class FakeClock implements SchedulerClock {
  time = 0;
  private queue: Array<{ at: number; run: () => void }> = [];
  now(): number {
    return this.time;
  }
  frame(run: () => void): void {
    this.queue.push({ at: this.time + 16, run });
  }
  after(ms: number, run: () => void): void {
    this.queue.push({ at: this.time + ms, run });
  }
  /** Advances to `t`, running everything due on the way in time order. */
  advanceTo(t: number): void {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > t) break;
      this.queue.shift();
      this.time = next.at;
      next.run();
    }
    this.time = t;
  }
  get idle(): boolean {
    return this.queue.length === 0;
  }
}

describe('dashboard redraw scheduler', () => {
  it('turns a request every 5 ms for 2 s into ~10 draws a second, at least 100 ms apart', () => {
    const clock = new FakeClock();
    const draws: number[] = [];
    const scheduler = createScheduler(() => draws.push(clock.now()), clock, 100);
    for (let t = 0; t <= 2000; t += 5) {
      clock.advanceTo(t);
      scheduler.request();
    }
    clock.advanceTo(2500);
    assert.ok(clock.idle);
    assert.ok(draws.length >= 15 && draws.length <= 21, `${draws.length} draws in 2 s`);
    for (let i = 1; i < draws.length; i++)
      assert.ok(draws[i] - draws[i - 1] >= 100, `draws ${draws[i - 1]} and ${draws[i]} too close`);
  });

  it('draws after the last request (a change is never left undrawn) and not again without one', () => {
    const clock = new FakeClock();
    let draws = 0;
    const scheduler = createScheduler(() => draws++, clock, 100);
    scheduler.request();
    clock.advanceTo(20);
    assert.strictEqual(draws, 1, 'the first request draws on the next frame');
    scheduler.request();
    scheduler.request();
    clock.advanceTo(50);
    assert.strictEqual(draws, 1, 'a request within 100 ms of a draw waits');
    clock.advanceTo(200);
    assert.strictEqual(draws, 2, 'two waiting requests become one draw');
    clock.advanceTo(1000);
    assert.strictEqual(draws, 2);
  });

  it('goes on with an unfinished draw on the next frame, and an earlier request replaces a later continuation', () => {
    const clock = new FakeClock();
    const draws: number[] = [];
    let slices = 3;
    const scheduler = createScheduler(
      () => {
        draws.push(clock.now());
        // A draw that did not finish asks for the next frame, without waiting for the 100 ms interval.
        if (--slices > 0) scheduler.continueIn(0);
      },
      clock,
      100,
    );
    scheduler.request();
    clock.advanceTo(100);
    assert.deepStrictEqual(draws, [16, 32, 48], 'three slices on three consecutive frames');
    // A chart out of view asks to be drawn a second later; a request for new data comes first and is not delayed.
    scheduler.continueIn(1000);
    scheduler.request();
    clock.advanceTo(400);
    assert.deepStrictEqual(draws, [16, 32, 48, 164], 'the request drew 100 ms after the last slice, on a frame');
    clock.advanceTo(3000);
    assert.strictEqual(draws.length, 4, 'the replaced continuation did not draw again');
    assert.ok(clock.idle);
  });
});

describe('dashboard draw share', () => {
  it('makes updates for new data wait until the last slices cost at most the share of the time since they began', () => {
    const share = new DrawShare(0.2);
    assert.strictEqual(share.notBefore, -Infinity, 'nothing drawn yet: no wait');
    share.record(1000, 20);
    assert.strictEqual(share.notBefore, 1100, 'a 20 ms slice at t=1000: 20 ms is a fifth of 100 ms');
    // An urgent slice (a user's change) ran meanwhile and cost little: the wait it implies ends earlier, the longer stays.
    share.record(1040, 5);
    assert.strictEqual(share.notBefore, 1100);
    share.record(1100, 30);
    assert.strictEqual(share.notBefore, 1250);
    assert.deepStrictEqual([share.totalMs, share.slices], [55, 3]);
  });
});
