// Diagnosis of external (PyTorch) runs in process, through the entry point the CLI and the editor use
// (runDiagnosis.ts): each generated stream (support/externalRuns) shows one training problem, and the detectors must
// name it first, at the Python line of the layer at fault, with fixes that explain what to change in the code (no
// patch, the docs page) and texts that never send a PyTorch user to a JSON spec. Plus the splitter that lets a reader
// follow a growing events.jsonl.
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DiagnosticEvent, RunStartEvent, TrainingEvent } from '../../src/shared/engineProtocol';
import { RunDiagnosis, diagnoserForRun, isExternalRun } from '../../src/training/diagnosis/runDiagnosis';
import { readEventLine } from '../../src/training/run/eventLines';
import { EXTERNAL_STREAMS, deadRelu, deepSigmoid, externalRunEvents, type ExternalStream } from './support/externalRuns';

const REPO = path.resolve(__dirname, '../../..');
const SCRIPT = '/home/user/project/train_net.py';

function diagnose(events: readonly TrainingEvent[]): DiagnosticEvent[] {
  const logs: string[] = [];
  const d = new RunDiagnosis({ log: (e) => logs.push(e.message) });
  const found = events.flatMap((e) => d.push(e));
  assert.deepEqual(logs, [], 'no detector failed');
  return found;
}

function run(s: ExternalStream): { events: TrainingEvent[]; found: DiagnosticEvent[] } {
  const events = externalRunEvents(s, SCRIPT, '/virtual/run');
  return { events, found: diagnose(events) };
}

/** Words that would send a PyTorch user to a gradscope spec. */
const SPEC_TALK = /spec|\.gradscope\.json|json|\/training\/|\/model\/|"type"|gradscope (fix|lr-find)/i;

describe('diagnosis of external (PyTorch) runs', () => {
  it('layers made on one line (a ModuleList) are named once as a range, at that line', () => {
    const s = deepSigmoid();
    // fc2 … fc5 come from one line, as `self.hidden = nn.ModuleList([nn.Linear(64, 64) for _ in range(4)])` makes them.
    const shared = s.layers[1].line;
    const grouped: ExternalStream = { ...s, layers: s.layers.map((l, i) => (i >= 1 && i <= 4 ? { ...l, line: shared } : l)) };
    const d = run(grouped).found[0];
    assert.equal(d.code, 'vanishing-gradient');
    const relu = d.fixes?.[0];
    assert.equal(relu?.title, 'Use ReLU with He initialisation in fc1, fc2 … fc5');
    assert.match(
      relu?.explanation ?? '',
      new RegExp(`after fc1 \\(train_net\\.py:${s.layers[0].line}\\) and fc2 … fc5 \\(train_net\\.py:${shared}\\)`),
    );
  });

  it('a deep sigmoid MLP: vanishing-gradient at the line of its first nn.Linear', () => {
    const s = deepSigmoid();
    const { events, found } = run(s);
    assert.equal(found[0]?.code, 'vanishing-gradient', JSON.stringify(found.map((d) => d.code)));
    const d = found[0];
    assert.deepEqual(d.source, { file: SCRIPT, line: s.layers[0].line, column: 9 });
    assert.equal(d.layer, 'fc1');
    assert.equal(d.specPath, '');
    // Fired on the 20th measured step (the judgement window), not before.
    assert.equal(d.step, 19);
    // It says what happened with the optimizer the monitor named (sgd: the step follows the gradient), and counts the
    // kernels whose median ‖ΔW‖/‖W‖ is under 1e-5 (fc1–fc3: 3e-8, 3e-7, 3e-6), computed here from the stream.
    const start = events[0] as RunStartEvent;
    assert.ok(isExternalRun(start));
    const slow = s.layers.filter((_l, i) => s.metrics(i, 0, s.layers[i]).updateRatio < 1e-5).length;
    assert.equal(slow, 3);
    assert.match(d.message, new RegExp(`with sgd the step follows the gradient, so ${slow} of 6 layers barely move`));
    // Sigmoid layers: the cures are ReLU + He initialisation and batch normalisation, as code changes.
    assert.deepEqual(
      d.fixes?.map((f) => f.title),
      [
        'Use ReLU with He initialisation in fc1, fc2, fc3, fc4, fc5',
        'Add batch normalisation before the activation of fc1, fc2, fc3, fc4, fc5',
      ],
    );
  });

  it('a ReLU net with every unit dead (bias −5): dead-relu at the first layer, the biases named in a fix', () => {
    const s = deadRelu();
    const { found } = run(s);
    assert.equal(found[0]?.code, 'dead-relu', JSON.stringify(found.map((d) => d.code)));
    const d = found[0];
    assert.deepEqual(d.source, { file: SCRIPT, line: 8, column: 9 });
    assert.deepEqual(d.layers, ['fc1', 'fc2']);
    assert.match(d.message, /^Dying ReLU: 100% of fc1's units output 0 for every sample/);
    // A stalled loss needs two windows (40 steps): the first step it can fire at.
    assert.equal(d.step, 39);
    assert.ok(d.fixes?.some((f) => /nn\.LeakyReLU/.test(f.explanation ?? '')));
    assert.ok(d.fixes?.some((f) => /torch\.nn\.init\.zeros_\(m\.bias\)/.test(f.explanation ?? '')));
  });

  for (const make of EXTERNAL_STREAMS) {
    const s = make();
    it(`${s.expected}: named first, at ${s.blamed ?? 'the script (no layer at fault)'}; fixes are explanations, no text mentions a spec`, () => {
      const { found } = run(s);
      assert.ok(found.length > 0, 'something is found');
      assert.equal(found[0].code, s.expected, JSON.stringify(found.map((d) => d.code)));
      for (const d of found) {
        const blamed = s.layers.find((l) => l.name === d.layer);
        assert.deepEqual(d.source, blamed ? { file: SCRIPT, line: blamed.line, column: 9 } : { file: SCRIPT, line: 1 });
        assert.equal(d.specPath, '');
        assert.doesNotMatch(d.message, SPEC_TALK, d.message);
        assert.ok((d.fixes ?? []).length > 0, `${d.code} offers a fix`);
        for (const f of d.fixes ?? []) {
          assert.deepEqual(f.patch, [], 'nothing to apply to a spec');
          assert.ok(f.explanation && f.explanation.length > 20, f.title);
          assert.doesNotMatch(`${f.title} ${f.explanation}`, SPEC_TALK, f.title);
          assert.equal(f.docs, `docs/diagnostics/${d.code}.md`);
          assert.ok(fs.existsSync(path.join(REPO, f.docs)), f.docs);
        }
      }
      if (s.blamed) assert.equal(found[0].layer, s.blamed);
      else assert.equal(found[0].layer, undefined);
    });
  }

  it('the optimizer is named only when the monitor recorded it', () => {
    const known = run({ ...deepSigmoid(), optimizer: 'adam' }).found[0];
    assert.match(known.message, /adam rescales each weight's step/);
    const unknown = run({ ...deepSigmoid(), optimizer: undefined }).found[0];
    assert.equal(unknown.code, 'vanishing-gradient');
    assert.doesNotMatch(unknown.message, /\b(sgd|adam|rmsprop)\b/);
    assert.match(unknown.message, /; 3 of 6 layers barely move/);
  });

  it('a gradscope run whose spec copy and spec file are both gone is logged as not diagnosed, not guessed at', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-diag-spec-'));
    const start: RunStartEvent = { ...(externalRunEvents(deepSigmoid(), SCRIPT, dir)[0] as RunStartEvent) };
    delete start.external;
    start.specFile = path.join(dir, 'missing.gradscope.json');
    const logs: string[] = [];
    const d = diagnoserForRun(start, { runDir: dir, log: (e) => logs.push(e.message) });
    assert.deepEqual(d.step({ type: 'step', step: 0, epoch: 0, loss: 1, lr: 0.1 }), []);
    assert.equal(logs.length, 1);
    assert.match(
      logs[0],
      /this run is not diagnosed: neither .*spec\.gradscope\.json nor .*missing\.gradscope\.json can be read/,
    );
  });
});

describe('reading an events.jsonl line', () => {
  it('reads a line as an event, a blank, or the reason it is not one (with the column JSON.parse stopped at)', () => {
    assert.deepEqual(readEventLine('{"type":"step","step":0}'), { event: { type: 'step', step: 0 } });
    assert.deepEqual(readEventLine('   '), { blank: true });
    const bad = readEventLine('{"type": oops}');
    assert.ok('problem' in bad && bad.problem.startsWith('not JSON'));
    assert.deepEqual(readEventLine('[1,2]'), { problem: 'not an event: a JSON object with a "type" was expected', column: 1 });
  });
});
