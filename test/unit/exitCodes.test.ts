// Exit codes come from one module: every run status maps to one, a signal to 128 + its number.
import * as assert from 'assert';
import * as os from 'os';
import { RUN_STATUSES } from '../../src/shared/engineProtocol';
import { EXIT, exitCodeForRun, exitCodeForSignal } from '../../src/shared/exitCodes';

describe('exit codes', () => {
  it('map every run status: finished or stopped → 0, diverged or failed → 3', () => {
    const codes = Object.fromEntries(RUN_STATUSES.map((s) => [s, exitCodeForRun(s)]));
    assert.deepStrictEqual(codes, { completed: 0, 'early-stopped': 0, stopped: 0, diverged: 3, failed: 3 });
  });

  it('a run stopped by a signal exits 128 + the signal number; a failure still exits 3', () => {
    assert.strictEqual(exitCodeForSignal('SIGINT'), 128 + os.constants.signals.SIGINT);
    assert.strictEqual(exitCodeForSignal('SIGTERM'), 128 + os.constants.signals.SIGTERM);
    assert.strictEqual(exitCodeForRun('stopped', 'SIGINT'), EXIT.interrupted);
    assert.strictEqual(exitCodeForRun('stopped', 'SIGTERM'), EXIT.terminated);
    assert.strictEqual(exitCodeForRun('failed', 'SIGINT'), EXIT.divergedOrFailed);
  });
});
