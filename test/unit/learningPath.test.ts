// The learning path (src/shared/learningPath.ts): package.json's walkthrough is the module's, every step's examples
// and texts exist and name what completes the step, and steps complete on their events in order and on nothing else.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  advance,
  doneContextKey,
  isDone,
  LEARN_STEPS,
  OPEN_EXAMPLE_COMMAND,
  OPEN_LEARNING_PATH_COMMAND,
  record,
  RESET_EXAMPLE_COMMAND,
  stepMedia,
  walkthroughContribution,
  type LearnEvent,
  type LearnStep,
} from '../../src/shared/learningPath';

const ROOT = path.resolve(__dirname, '../../..');
interface Manifest {
  contributes: {
    walkthroughs: unknown;
    commands: Array<{ command: string }>;
    menus: { commandPalette: Array<{ command: string; when: string }> };
  };
}
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const step = (id: string): LearnStep => LEARN_STEPS.find((s) => s.id === id)!;
const run = (spec: string): LearnEvent => ({ kind: 'run-ended', spec });
const fix = (spec: string, code: string): LearnEvent => ({ kind: 'fix-applied', spec, code });
const feed = (s: LearnStep, events: LearnEvent[]): number => events.reduce((n, e) => advance(s, n, e), 0);

describe('learning path: package.json and the module', () => {
  it("package.json's contributes.walkthroughs is the module's (regenerate with `npm run walkthrough`)", () => {
    assert.deepEqual(PKG.contributes.walkthroughs, walkthroughContribution());
  });

  it('each step completes on its own context key, set by the extension', () => {
    const [walkthrough] = walkthroughContribution() as Array<{ steps: Array<{ id: string; completionEvents: string[] }> }>;
    for (const s of walkthrough.steps) assert.deepEqual(s.completionEvents, [`onContext:${doneContextKey(s.id)}`]);
  });

  it('step ids are unique and usable in a context key name', () => {
    const ids = LEARN_STEPS.map((s) => s.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-zA-Z]+$/);
  });

  it("the steps' buttons run contributed commands; the per-step ones are hidden from the palette", () => {
    const contributed = PKG.contributes.commands.map((c) => c.command);
    for (const c of [OPEN_LEARNING_PATH_COMMAND, OPEN_EXAMPLE_COMMAND, RESET_EXAMPLE_COMMAND])
      assert.ok(contributed.includes(c), c);
    const hidden = PKG.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command);
    assert.deepEqual(hidden.filter((c) => c.startsWith('gradscope.learn.')).sort(), [
      OPEN_EXAMPLE_COMMAND,
      RESET_EXAMPLE_COMMAND,
    ]);
    const [walkthrough] = walkthroughContribution() as Array<{ steps: Array<{ id: string; description: string }> }>;
    for (const s of walkthrough.steps) {
      // A link alone on its line is a button; its arguments are the step id as a URI-encoded JSON array.
      const button = s.description.split('\n').find((l) => l.startsWith('[Open '));
      const m = /\(command:([\w.]+)\?(.*)\)$/.exec(button ?? '');
      assert.ok(m, `step ${s.id}: ${s.description}`);
      assert.equal(m[1], OPEN_EXAMPLE_COMMAND);
      assert.deepEqual(JSON.parse(decodeURIComponent(m[2])), [s.id]);
    }
  });
});

describe('learning path: examples and texts', () => {
  for (const s of LEARN_STEPS) {
    it(`${s.id}: its examples exist, its events name them, its text names them and every Quick Fix code`, () => {
      for (const file of s.examples) assert.ok(fs.existsSync(path.join(ROOT, 'examples', file)), file);
      for (const e of s.expect) assert.ok(s.examples.includes(e.spec), `${e.spec} is not among the step's examples`);
      const text = fs.readFileSync(path.join(ROOT, stepMedia(s.id)), 'utf8');
      for (const file of s.examples) assert.ok(text.includes(file), `${stepMedia(s.id)} never names ${file}`);
      for (const e of s.expect)
        if (e.kind === 'fix-applied')
          for (const code of e.codes) assert.ok(text.includes(`\`${code}\``), `${stepMedia(s.id)} never names ${code}`);
    });
  }

  it('every lesson idea the issue asks for has a step', () => {
    const titles = LEARN_STEPS.map((s) => s.title.toLowerCase()).join(' | ');
    for (const idea of [
      'vanishing',
      'exploding',
      'dead relu',
      'batch normalization',
      'skip connections',
      'overfitting',
      'learning rate',
      'transfer',
    ])
      assert.ok(titles.includes(idea), idea);
  });
});

describe('learning path: completion', () => {
  const vanishing = step('vanishing');
  const spec = 'deep-sigmoid.gradscope.json';

  it('run, Quick Fix of the right code, run again: done', () => {
    assert.equal(feed(vanishing, [run(spec), fix(spec, 'vanishing-gradient'), run(spec)]), vanishing.expect.length);
  });

  it('a lint Quick Fix before any run counts, and the run after it completes the step', () => {
    assert.equal(feed(vanishing, [fix(spec, 'deep-saturating-stack')]), 2);
    assert.equal(feed(vanishing, [fix(spec, 'deep-saturating-stack'), run(spec)]), 3);
  });

  it('runs alone never complete a fix step, however many', () => {
    assert.equal(feed(vanishing, [run(spec), run(spec), run(spec)]), 1);
  });

  it('a Quick Fix of another code, or on another spec, does not count', () => {
    assert.equal(feed(vanishing, [run(spec), fix(spec, 'dead-relu'), run(spec)]), 1);
    assert.equal(feed(vanishing, [run(spec), fix('exploding-init.gradscope.json', 'vanishing-gradient'), run(spec)]), 1);
  });

  it('a range test counts only where a step expects one', () => {
    const lr = step('learningRate');
    const events: LearnEvent[] = [
      { kind: 'lr-found', spec: 'one-cycle.gradscope.json' },
      run('one-cycle.gradscope.json'),
      run('plateau.gradscope.json'),
    ];
    assert.equal(feed(lr, events), 3);
    assert.equal(feed(lr, events.slice(1)), 0, 'the schedules alone');
  });

  it('record() moves only the steps the event concerns, and a done step stays done', () => {
    let progress: Record<string, number> = {};
    for (const e of [run(spec), fix(spec, 'vanishing-gradient'), run(spec)]) progress = record(progress, e);
    assert.deepEqual(progress, { vanishing: 3 });
    assert.ok(isDone(vanishing, progress));
    assert.deepEqual(record(progress, run(spec)), progress);
    progress = record(progress, run('exploding-init.gradscope.json'));
    assert.deepEqual(progress, { vanishing: 3, exploding: 1 });
    assert.ok(!isDone(step('exploding'), progress));
  });
});
