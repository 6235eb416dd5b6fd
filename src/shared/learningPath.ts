// The learning path "Training stability, hands on" (a VS Code walkthrough): its steps, the example each step opens,
// and the events that complete it, in ONE place. package.json's `contributes.walkthroughs` is generated from it
// (`npm run walkthrough`, checked by test/unit/learningPath.test.ts); the extension (src/extension/learn/) copies the
// examples into a scratch folder and completes a step when its events have happened, in order.

/** What the extension reports to the learning path: a run ended, a Quick Fix was applied, a range test finished. */
export type LearnEvent =
  { kind: 'run-ended'; spec: string } | { kind: 'fix-applied'; spec: string; code: string } | { kind: 'lr-found'; spec: string };

/** One expected event of a step: `spec` is an example's file name; a fix matches any of `codes`. */
export type Expectation =
  | { kind: 'run-ended'; spec: string }
  | { kind: 'fix-applied'; spec: string; codes: readonly string[] }
  | { kind: 'lr-found'; spec: string };

export interface LearnStep {
  /** Also the context key `gradscope.learn.<id>.done` (letters only: a context key name). */
  id: string;
  title: string;
  /** One line under the title in the walkthrough's list (the longer text is media/learn/<id>.md). */
  summary: string;
  /** Example files (examples/<file>) copied into the scratch folder; the first is opened. */
  examples: readonly string[];
  /** The events that complete the step, in this order. */
  expect: readonly Expectation[];
}

export const WALKTHROUGH_ID = 'trainingStability';
export const WALKTHROUGH_TITLE = 'Training stability, hands on';
export const OPEN_EXAMPLE_COMMAND = 'gradscope.learn.openExample';
export const RESET_EXAMPLE_COMMAND = 'gradscope.learn.resetExample';
export const OPEN_LEARNING_PATH_COMMAND = 'gradscope.openLearningPath';
/** The scratch folder, inside the first workspace folder, the examples are copied into. */
export const SCRATCH_FOLDER = 'gradscope-learn';

const run = (spec: string): Expectation => ({ kind: 'run-ended', spec });
const fix = (spec: string, ...codes: string[]): Expectation => ({ kind: 'fix-applied', spec, codes });
const lrFound = (spec: string): Expectation => ({ kind: 'lr-found', spec });
const json = (name: string): string => `${name}.gradscope.json`;

export const LEARN_STEPS: readonly LearnStep[] = [
  {
    id: 'vanishing',
    title: 'Vanishing gradients: deep sigmoid → ReLU + He',
    summary: 'Train 13 sigmoid layers, see the first layers’ gradients vanish, apply the Quick Fix and train again.',
    examples: [json('deep-sigmoid')],
    expect: [
      run(json('deep-sigmoid')),
      fix(json('deep-sigmoid'), 'vanishing-gradient', 'deep-saturating-stack'),
      run(json('deep-sigmoid')),
    ],
  },
  {
    id: 'exploding',
    title: 'Exploding gradients: a bad initialization',
    summary: 'Train a net initialized with σ = 2: gradients of 1e9, NaN at the second step. Fix the initializer.',
    examples: [json('exploding-init')],
    expect: [
      run(json('exploding-init')),
      fix(json('exploding-init'), 'exploding-gradient', 'non-finite', 'initializer-scale'),
      run(json('exploding-init')),
    ],
  },
  {
    id: 'clipping',
    title: 'Gradient clipping: a recurrent net that explodes',
    summary: 'A simpleRNN over 50 timesteps diverges at once; clipping the gradient norm keeps it finite.',
    examples: [json('rnn-exploding-clip')],
    expect: [
      run(json('rnn-exploding-clip')),
      fix(json('rnn-exploding-clip'), 'exploding-gradient', 'non-finite', 'recurrent-unclipped'),
      run(json('rnn-exploding-clip')),
    ],
  },
  {
    id: 'deadRelu',
    title: 'Dead ReLUs: → leaky ReLU',
    summary: 'ReLU layers whose biases start at −2 die entirely; a leaky ReLU cannot die.',
    examples: [json('leaky-vs-relu-dead'), json('leaky-vs-relu-alive')],
    expect: [run(json('leaky-vs-relu-dead')), fix(json('leaky-vs-relu-dead'), 'dead-relu'), run(json('leaky-vs-relu-dead'))],
  },
  {
    id: 'initialization',
    title: 'Initialization: the signal through the layers',
    summary: 'σ = 0.01 on 10 tanh layers shrinks the signal 10× per layer; He initialization on ReLU keeps it level.',
    examples: [json('init-small-tanh'), json('init-he-relu')],
    expect: [run(json('init-small-tanh')), run(json('init-he-relu'))],
  },
  {
    id: 'batchNorm',
    title: 'Batch normalization (and its small-batch trap)',
    summary: 'He + batch norm + ReLU trains evenly; batch norm at batch size 4 does not: switch to a larger batch.',
    examples: [json('healthy-spiral'), json('groupnorm-small-batch')],
    expect: [
      run(json('healthy-spiral')),
      run(json('groupnorm-small-batch')),
      fix(json('groupnorm-small-batch'), 'batchnorm-small-batch', 'oscillating-loss'),
      run(json('groupnorm-small-batch')),
    ],
  },
  {
    id: 'skipConnections',
    title: 'Skip connections: dense blocks vs a plain stack',
    summary: 'The same 12 narrow ReLU layers, plain and as a denseBlock: one dies at chance, the other learns.',
    examples: [json('plain-deep-narrow'), json('densenet-vs-plain-deep'), json('plain-deep-tanh'), json('highway-deep')],
    expect: [run(json('plain-deep-narrow')), run(json('densenet-vs-plain-deep'))],
  },
  {
    id: 'overfitting',
    title: 'Overfitting: early stopping, dropout, augmentation',
    summary: '210 MNIST digits: the training loss goes to 0.01 while validation rises. Stop early or augment.',
    examples: [json('mnist-small-overfit'), json('mnist-small-augmented')],
    expect: [
      run(json('mnist-small-overfit')),
      fix(json('mnist-small-overfit'), 'overfitting'),
      run(json('mnist-small-overfit')),
      run(json('mnist-small-augmented')),
    ],
  },
  {
    id: 'learningRate',
    title: 'Learning rate: the range test and schedules',
    summary: 'Find a learning rate with the range test, then train a one-cycle and a reduce-on-plateau schedule.',
    examples: [json('one-cycle'), json('plateau')],
    expect: [lrFound(json('one-cycle')), run(json('one-cycle')), run(json('plateau'))],
  },
  {
    id: 'transfer',
    title: 'Transfer learning: reuse trained conv layers',
    summary: 'Pretrain on digits 0-4, fine-tune frozen conv layers on 150 digits 5-9, compare with training from scratch.',
    examples: [json('transfer-pretrain-digits-0-4'), json('transfer-finetune-digits-5-9'), json('transfer-scratch-digits-5-9')],
    expect: [
      run(json('transfer-pretrain-digits-0-4')),
      run(json('transfer-finetune-digits-5-9')),
      run(json('transfer-scratch-digits-5-9')),
    ],
  },
];

export const doneContextKey = (stepId: string): string => `gradscope.learn.${stepId}.done`;
export const stepMedia = (stepId: string): string => `media/learn/${stepId}.md`;

/** The walkthrough's fully qualified id, as `workbench.action.openWalkthrough` takes it. */
export const walkthroughRef = (extensionId: string): string => `${extensionId}#${WALKTHROUGH_ID}`;

function matches(expected: Expectation, event: LearnEvent): boolean {
  if (expected.kind !== event.kind || expected.spec !== event.spec) return false;
  return expected.kind !== 'fix-applied' || (event.kind === 'fix-applied' && expected.codes.includes(event.code));
}

/**
 * Moves a step on by one event: `reached` is how many of its expectations were met so far; returns the new count.
 * The next expectation must match; a Quick Fix may also meet a later one, skipping the runs before it (a lint
 * finding's fix is offered before any run, and once applied the diagnosis a second fix would need is gone).
 */
export function advance(step: LearnStep, reached: number, event: LearnEvent): number {
  if (reached >= step.expect.length) return reached;
  if (matches(step.expect[reached], event)) return reached + 1;
  if (event.kind !== 'fix-applied') return reached;
  const later = step.expect.findIndex((e, i) => i > reached && matches(e, event));
  return later < 0 ? reached : later + 1;
}

/** Each step's progress after `event`; `progress` maps step ids to expectations met (absent: 0). */
export function record(progress: Readonly<Record<string, number>>, event: LearnEvent): Record<string, number> {
  const next = { ...progress };
  for (const step of LEARN_STEPS) {
    const reached = advance(step, progress[step.id] ?? 0, event);
    if (reached !== (progress[step.id] ?? 0)) next[step.id] = reached;
  }
  return next;
}

export const isDone = (step: LearnStep, progress: Readonly<Record<string, number>>): boolean =>
  (progress[step.id] ?? 0) >= step.expect.length;

/** The step's button line(s): markdown links the walkthrough renders as buttons (one link alone on a line). */
function stepDescription(step: LearnStep): string {
  const arg = encodeURIComponent(JSON.stringify([step.id]));
  return [
    step.summary,
    `[Open ${step.examples[0]}](command:${OPEN_EXAMPLE_COMMAND}?${arg})`,
    `Something went wrong? [Start over](command:${RESET_EXAMPLE_COMMAND}?${arg}) from the original example${step.examples.length > 1 ? 's' : ''}.`,
  ].join('\n');
}

/** `contributes.walkthroughs` of package.json, generated from LEARN_STEPS. */
export function walkthroughContribution(): object[] {
  return [
    {
      id: WALKTHROUGH_ID,
      title: WALKTHROUGH_TITLE,
      description:
        'One step per lesson: open a ready example in a scratch folder, train it, read the diagnosis in the dashboard and Problems, apply the Quick Fix and see what changes. A step completes when you have done it.',
      steps: LEARN_STEPS.map((step) => ({
        id: step.id,
        title: step.title,
        description: stepDescription(step),
        media: { markdown: stepMedia(step.id) },
        completionEvents: [`onContext:${doneContextKey(step.id)}`],
      })),
    },
  ];
}
