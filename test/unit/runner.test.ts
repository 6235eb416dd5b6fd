// The engine in its own process: persisted runs, stop within one step, a killed engine, an invalid spec.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { fork } from 'child_process';
import type { EngineMessage, EpochEvent, LogEvent, StepEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import '../../src/training/engine/model/seededDropout';
import { EVENTS_FILE, readEvents, SPEC_COPY, WEIGHTS_DIR } from '../../src/training/run/runStore';
import { PREPROCESSING_FILE, type Preprocessing } from '../../src/training/run/preprocessing';
import { PRIORITY_ENV } from '../../src/training/run/processPriority';
import { enginePath, startRun, type RunHandle } from '../../src/training/run/runner';
import { assertNoEngineErrors } from './support/engineLog';
import {
  autogroupNice,
  chrtRuns,
  SCHED_IDLE,
  SCHED_OTHER,
  threadNice,
  threadNiceValues,
  threadPolicies,
} from './support/niceValues';
import { EXAMPLES, LONG_RUN_SPEC } from './support/specs';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-runner-'));
}

function writeSpec(dir: string, spec: object): string {
  const file = path.join(dir, 'test.gradscope.json');
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

function collect(options: Parameters<typeof startRun>[0], onEvent?: (m: EngineMessage, h: RunHandle) => void) {
  const messages: EngineMessage[] = [];
  const handle: RunHandle = startRun(options, (m) => {
    messages.push(m);
    onEvent?.(m, handle);
  });
  return { handle, messages };
}

const trainingEvents = (messages: EngineMessage[]): TrainingEvent[] =>
  messages.filter((m): m is TrainingEvent => m.type !== 'log' && m.type !== 'spec-problems');

describe('engine process', () => {
  it('trains in a child process and persists events, the spec and loadable weights', async () => {
    const out = tmpDir();
    const specFile = path.join(EXAMPLES, 'healthy-spiral.gradscope.json');
    const { handle, messages } = collect({ specFile, outDir: out, epochs: 2 });
    assert.notStrictEqual(handle.pid, process.pid);
    const outcome = await handle.done;
    assert.strictEqual(outcome.end?.status, 'completed');
    assert.strictEqual(outcome.exitCode, 0);
    assert.ok(
      messages.some((m) => m.type === 'log' && /^backend: (wasm|cpu|tensorflow)$/.test(m.message)),
      'logs the backend once',
    );
    assertNoEngineErrors(messages);

    const runDir = outcome.runDir!;
    assert.strictEqual(path.dirname(runDir), out);
    assert.deepStrictEqual(readEvents(runDir), trainingEvents(messages), 'events.jsonl holds exactly the streamed events');
    assert.strictEqual(fs.readFileSync(path.join(runDir, SPEC_COPY), 'utf8'), fs.readFileSync(specFile, 'utf8'));

    const modelJson = JSON.parse(fs.readFileSync(path.join(runDir, WEIGHTS_DIR, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const weights = fs.readFileSync(path.join(runDir, WEIGHTS_DIR, 'weights.bin'));
    assert.strictEqual(modelJson.format, 'layers-model');
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    const start = messages.find((m) => m.type === 'run-start');
    assert.ok(start && start.type === 'run-start');
    assert.strictEqual(start.specFile, specFile, 'run-start names the spec file in specFile');
    assert.strictEqual(start.specPath, specFile, 'and still in specPath, for readers of the original contract');
    assert.strictEqual(model.countParams(), start.totalParams);
    assert.strictEqual(model.outputs.length, 1, 'the inference model: one output');
    model.dispose();
    const pre = JSON.parse(fs.readFileSync(path.join(runDir, PREPROCESSING_FILE), 'utf8')) as Preprocessing;
    assert.strictEqual(pre.task, start.task);
    assert.deepStrictEqual(pre.inputShape, [2]);
  });

  it('ends within one step of a stop request, keeping everything so far', async () => {
    let stepsAtStop = -1;
    const { handle, messages } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500 }, (m, h) => {
      if (m.type === 'step' && m.step === 20 && stepsAtStop < 0) {
        stepsAtStop = m.step;
        h.stop();
      }
    });
    const outcome = await handle.done;
    assert.strictEqual(outcome.end?.status, 'stopped');
    const steps = messages.filter((m): m is StepEvent => m.type === 'step');
    // The engine runs ahead of the messages we have read: count from when the request reached it.
    const arrivedAt = outcome.end?.stopRequestedAtStep;
    assert.ok(arrivedAt !== undefined && arrivedAt >= stepsAtStop, `stop reached the engine after step ${arrivedAt}`);
    assert.ok(
      steps[steps.length - 1].step <= arrivedAt + 1,
      `last step ${steps[steps.length - 1].step} after a stop that arrived at step ${arrivedAt}`,
    );
    const onDisk = readEvents(outcome.runDir!);
    assert.strictEqual(onDisk[onDisk.length - 1].type, 'run-end');
    assert.strictEqual(onDisk.filter((e) => e.type === 'step').length, steps.length);
  });

  for (const priority of ['low', 'normal'] as const) {
    const title =
      priority === 'low'
        ? 'priority low: every thread of the engine, and its autogroup, runs at nice 10, in SCHED_IDLE where chrt runs'
        : 'priority normal: the threads of the engine keep the nice value and policy they inherit';
    it(title, async function () {
      if (process.platform !== 'linux') this.skip();
      const inherited = os.getPriority();
      const expected = priority === 'low' ? Math.max(10, inherited) : inherited;
      let seen: { threads: number[]; policies: number[]; autogroup?: number } | undefined;
      const { handle, messages } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500, priority }, (m, h) => {
        // Read while the engine trains (it stops only on request), then stop it.
        if (m.type === 'step' && !seen) {
          seen = { threads: threadNiceValues(h.pid!), policies: threadPolicies(h.pid!), autogroup: autogroupNice(h.pid!) };
          h.stop();
        }
      });
      const outcome = await handle.done;
      assertNoEngineErrors(messages);
      assert.strictEqual(outcome.end?.status, 'stopped');
      assert.ok(seen && seen.threads.length > 1, `read the engine's threads: ${JSON.stringify(seen)}`);
      assert.deepStrictEqual(new Set(seen.threads), new Set([expected]), `nice values of the engine's threads`);
      // Without chrt the engine stays in SCHED_OTHER and says so (the test after these runs it without one).
      const idle = priority === 'low' && chrtRuns();
      const policy = idle ? SCHED_IDLE : SCHED_OTHER;
      assert.deepStrictEqual(new Set(seen.policies), new Set([policy]), `policies of the engine's threads`);
      if (seen.autogroup !== undefined && priority === 'low') assert.ok(seen.autogroup >= 10, `autogroup nice ${seen.autogroup}`);
      const said = messages.filter((m): m is LogEvent => m.type === 'log' && m.message.startsWith('priority:'));
      assert.deepStrictEqual(
        said.map((m) => m.message.replace(/, its autogroup \d+/, '')),
        priority === 'low' ? [`priority: low (nice ${expected}, ${idle ? 'SCHED_IDLE' : 'not SCHED_IDLE (chrt failed)'})`] : [],
        'the engine says when it lowered its priority',
      );
    });
  }

  for (const low of [true, false]) {
    it(
      low
        ? `${PRIORITY_ENV}=low: the engine lowers every thread and its autogroup, and enters SCHED_IDLE where chrt runs, at boot, without a start message`
        : `without ${PRIORITY_ENV}: the engine boots at the nice value and policy it inherits`,
      async function () {
        if (process.platform !== 'linux') this.skip();
        const inherited = os.getPriority();
        const env = low ? { ...process.env, [PRIORITY_ENV]: 'low' } : { ...process.env, [PRIORITY_ENV]: undefined };
        const child = fork(enginePath(), [], {
          stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
          serialization: 'json',
          detached: true,
          env,
        });
        // Its answer to an unknown message comes once it has loaded everything (TensorFlow.js included); no start.
        const answered = new Promise<void>((resolve) => child.on('message', () => resolve()));
        child.send({ type: 'restart' });
        await answered;
        const threads = threadNiceValues(child.pid!);
        const policies = threadPolicies(child.pid!);
        const group = autogroupNice(child.pid!);
        child.disconnect();
        await new Promise((resolve) => child.on('exit', resolve));
        assert.ok(threads.length > 1, `read the engine's threads: ${JSON.stringify(threads)}`);
        assert.deepStrictEqual(new Set(threads), new Set([low ? Math.max(10, inherited) : inherited]));
        assert.deepStrictEqual(
          new Set(policies),
          new Set([low && chrtRuns() ? SCHED_IDLE : SCHED_OTHER]),
          'policies of its threads',
        );
        if (group !== undefined) assert.strictEqual(group >= 10, low, `autogroup nice ${group}`);
      },
    );
  }

  it('priority low where chrt cannot run: the engine says it is not in SCHED_IDLE and trains at nice 10', async function () {
    if (process.platform !== 'linux') this.skip();
    // The engine is forked with the environment of the moment: no PATH, so no chrt; Node itself is found by its path.
    const saved = process.env.PATH;
    process.env.PATH = '';
    let policies: number[] | undefined;
    let started: ReturnType<typeof collect>;
    try {
      started = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500, priority: 'low' }, (m, h) => {
        if (m.type === 'step' && !policies) {
          policies = threadPolicies(h.pid!);
          h.stop();
        }
      });
    } finally {
      process.env.PATH = saved;
    }
    const outcome = await started.handle.done;
    assertNoEngineErrors(started.messages);
    assert.strictEqual(outcome.end?.status, 'stopped');
    assert.deepStrictEqual(new Set(policies), new Set([SCHED_OTHER]), "policies of the engine's threads");
    const said = started.messages.filter((m): m is LogEvent => m.type === 'log' && m.message.startsWith('priority:'));
    assert.deepStrictEqual(
      said.map((m) => m.message.replace(/, its autogroup \d+/, '')),
      [`priority: low (nice ${Math.max(10, os.getPriority())}, not SCHED_IDLE (chrt failed))`],
    );
  });

  it("startRun at priority low has lowered the engine's main thread and autogroup by the time it returns", async function () {
    if (process.platform !== 'linux') this.skip();
    const { handle } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500, priority: 'low' });
    // Read before this test yields to the event loop: nothing of the engine's own code has run yet.
    const mainThread = threadNice(handle.pid!, handle.pid!);
    const group = autogroupNice(handle.pid!);
    handle.stop();
    await handle.done;
    assert.ok(mainThread >= 10, `main thread nice ${mainThread}`);
    if (group !== undefined) assert.ok(group >= 10, `autogroup nice ${group}`);
  });

  /** Steps received before the engine is killed: well past the first flushes of the run store. */
  const KILL_AFTER_STEPS = 200;

  it('an engine that dies leaves a readable events.jsonl that lost at most about a second of events', async () => {
    const received: Array<{ at: number; step: number }> = [];
    let killedAt = 0;
    const { handle } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500 }, (m, h) => {
      if (m.type !== 'step') return;
      received.push({ at: Date.now(), step: m.step });
      // Killed from outside, as the OOM killer would: the front-end did not ask for it.
      // Triggered by progress: enough steps have arrived, and some of them more than the one second the claim is about.
      if (killedAt === 0 && received.length >= KILL_AFTER_STEPS && Date.now() - received[0].at > 1000) {
        killedAt = Date.now();
        process.kill(h.pid!, 'SIGKILL');
      }
    });
    const outcome = await handle.done;
    assert.strictEqual(outcome.signal, 'SIGKILL');
    assert.strictEqual(outcome.end?.status, 'failed');
    assert.match(outcome.end?.error ?? '', /ended unexpectedly \(signal SIGKILL\)/);

    const events = readEvents(outcome.runDir!);
    assert.strictEqual(events[0].type, 'run-start');
    assert.strictEqual(events[events.length - 1].type, 'run-end', 'the front-end appended the run-end');
    const lastOnDisk = Math.max(...events.filter((e): e is StepEvent => e.type === 'step').map((e) => e.step));
    const oneSecondBefore = received.filter((r) => r.at <= killedAt - 1000).pop()!;
    assert.ok(
      lastOnDisk >= oneSecondBefore.step,
      `on disk up to step ${lastOnDisk}; a second before the kill: ${oneSecondBefore.step}`,
    );
    const raw = fs.readFileSync(path.join(outcome.runDir!, EVENTS_FILE), 'utf8');
    assert.ok(raw.endsWith('\n'));
  });

  it('the run-end written after a crash says how far the run got: epochs, steps, best validation loss', async () => {
    const epochs: EpochEvent[] = [];
    const { handle } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500 }, (m, h) => {
      if (m.type !== 'epoch') return;
      epochs.push(m);
      if (epochs.length === 2) process.kill(h.pid!, 'SIGKILL');
    });
    const outcome = await handle.done;
    const end = outcome.end!;
    assert.strictEqual(end.status, 'failed');
    const onDisk = readEvents(outcome.runDir!);
    const steps = onDisk.filter((e): e is StepEvent => e.type === 'step');
    const epochsOnDisk = onDisk.filter((e): e is EpochEvent => e.type === 'epoch');
    assert.ok(epochsOnDisk.length >= 2, 'epoch events are flushed at once');
    assert.strictEqual(end.epochsCompleted, epochsOnDisk.length);
    assert.strictEqual(end.steps, steps[steps.length - 1].step + 1);
    assert.ok(end.steps >= 2 * 100, `${end.steps} steps: two epochs of 100 steps were done`);
    const best = epochsOnDisk.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    assert.strictEqual(end.bestEpoch, best.epoch);
    assert.strictEqual(end.bestValLoss, best.valLoss);
    assert.ok(end.durationMs > 0);
    assert.deepStrictEqual(onDisk[onDisk.length - 1], end, 'the same run-end is on disk');
  });

  it('kill() on request ends the engine at once and records the run as stopped, counts kept', async () => {
    let killed = false;
    const { handle } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500 }, (m, h) => {
      if (m.type === 'epoch' && !killed) {
        killed = true;
        h.kill();
      }
    });
    const outcome = await handle.done;
    assert.strictEqual(outcome.signal, 'SIGKILL');
    assert.strictEqual(outcome.end?.status, 'stopped');
    assert.strictEqual(outcome.end?.error, undefined);
    assert.ok(outcome.end.epochsCompleted >= 1 && outcome.end.steps >= 100, JSON.stringify(outcome.end));
    const onDisk = readEvents(outcome.runDir!);
    assert.deepStrictEqual(onDisk[onDisk.length - 1], outcome.end);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} sent to the engine itself is a stop request: the engine ends the run stopped, exit code 0`, async () => {
      let sent = false;
      const { handle, messages } = collect({ specFile: writeSpec(tmpDir(), LONG_RUN_SPEC), epochs: 500 }, (m, h) => {
        if (m.type === 'epoch' && !sent) {
          sent = true;
          process.kill(h.pid!, signal);
        }
      });
      const outcome = await handle.done;
      assert.strictEqual(outcome.end?.status, 'stopped');
      assert.strictEqual(outcome.exitCode, 0);
      assert.ok(outcome.end.stopRequestedAtStep !== undefined, 'the engine wrote the run-end itself');
      assert.ok(outcome.end.epochsCompleted >= 1);
      assertNoEngineErrors(messages);
    });
  }

  it('a message that is not start or stop is logged as an error and starts nothing', async () => {
    const out = tmpDir();
    const specFile = writeSpec(tmpDir(), LONG_RUN_SPEC);
    const child = fork(enginePath(), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' });
    const logs: LogEvent[] = [];
    const wanted = 4;
    const gotLogs = new Promise<void>((resolve) => {
      child.on('message', (m: EngineMessage) => {
        if (m.type === 'log') logs.push(m);
        if (logs.length === wanted) resolve();
      });
    });
    // Before, anything that was not `stop` was taken for `start`.
    child.send({ type: 'restart', options: { specFile, outDir: out } });
    child.send({ type: 'start' });
    child.send({ type: 'start', options: { specFile, outDir: out, epochs: 'many' } });
    child.send({ type: 'start', options: { specFile, outDir: out, priority: 'high' } });
    await gotLogs;
    child.disconnect();
    const [code] = await new Promise<[number | null]>((resolve) => child.on('exit', (c) => resolve([c])));
    assert.deepStrictEqual(
      logs.map((l) => l.level),
      ['error', 'error', 'error', 'error'],
    );
    assert.match(logs[0].message, /unknown message type "restart"/);
    assert.match(logs[1].message, /malformed start message: options is not an object/);
    assert.match(logs[2].message, /malformed start message: options\.epochs is not an integer/);
    assert.match(logs[3].message, /malformed start message: options\.priority is not "low" or "normal"/);
    assert.deepStrictEqual(fs.readdirSync(out), [], 'no run was started');
    assert.strictEqual(code, 0);
  });

  it('reports an invalid spec and starts no run', async () => {
    const dir = tmpDir();
    const specFile = writeSpec(dir, { ...LONG_RUN_SPEC, model: { inputShape: [2], layers: [{ type: 'dens', units: 3 }] } });
    const { handle, messages } = collect({ specFile });
    const outcome = await handle.done;
    assert.strictEqual(outcome.end, undefined);
    assert.strictEqual(outcome.exitCode, 1);
    const problems = messages.find((m) => m.type === 'spec-problems');
    assert.ok(problems && problems.type === 'spec-problems' && problems.problems.length > 0);
    assert.ok(!fs.existsSync(path.join(dir, '.gradscope')), 'no run directory');
  });

  it('refuses a resume it cannot honour (a directory with no run) in one error line, exit 2, and starts no run', async () => {
    const dir = tmpDir();
    const specFile = writeSpec(dir, LONG_RUN_SPEC);
    const { handle, messages } = collect({ specFile, resume: path.join(dir, 'no-such-run') });
    const outcome = await handle.done;
    assert.strictEqual(outcome.end, undefined);
    assert.strictEqual(outcome.exitCode, 2);
    const errors = messages.filter((m): m is LogEvent => m.type === 'log' && m.level === 'error');
    assert.deepStrictEqual(
      errors.map((e) => e.message),
      [`cannot resume: no run directory at ${path.join(dir, 'no-such-run')}`],
    );
    assert.ok(!fs.existsSync(path.join(dir, '.gradscope')), 'no run directory');
  });
});
