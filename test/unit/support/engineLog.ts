// Engine tests assert that nothing failed quietly: a detector that throws, or any other error the engine logs,
// shows as a `log` event of level error. These helpers collect them and fail the test when there is one.
import * as assert from 'assert';
import type { EngineMessage, LogEvent } from '../../../src/shared/engineProtocol';

/** The error-level log events among `messages`. */
export function engineErrors(messages: readonly (EngineMessage | LogEvent)[]): LogEvent[] {
  return messages.filter((m): m is LogEvent => m.type === 'log' && m.level === 'error');
}

/** Fails when the engine logged an error (e.g. `diagnosis: the dead-relu detector failed …`). */
export function assertNoEngineErrors(messages: readonly (EngineMessage | LogEvent)[], what = 'the run'): void {
  assert.deepStrictEqual(
    engineErrors(messages).map((e) => e.message),
    [],
    `${what} logged errors`,
  );
}

/** A `log` callback for in-process runs (train(), createDiagnoser()) and what it received. */
export function engineLog(): { log: (e: LogEvent) => void; events: LogEvent[] } {
  const events: LogEvent[] = [];
  return {
    log: (e) => {
      events.push(e);
    },
    events,
  };
}
