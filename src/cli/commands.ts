// The commands and options of `gradscope`, and the help text made from them (one table, so `--help`, the option
// parser and "did you mean" can never disagree).
import { EXIT_MEANINGS } from '../shared/exitCodes';

export interface OptionInfo {
  type: 'string' | 'boolean';
  /** Placeholder of the value in help, for string options. */
  value?: string;
  help: string;
}

export interface CommandInfo {
  summary: string;
  options: Record<string, OptionInfo>;
}

export type CommandName = 'train' | 'check' | 'fix' | 'lr-find' | 'evaluate' | 'predict' | 'explain' | 'export' | 'diagnose';

export const COMMANDS: Record<CommandName, CommandInfo> = {
  train: {
    summary: 'train a spec in the engine process; live progress, then a per-layer table',
    options: {
      json: { type: 'boolean', help: 'print every event as one JSON line on stdout (logs go to stderr)' },
      out: { type: 'string', value: 'DIR', help: 'write the run under DIR/<runId>/ (default: .gradscope/runs next to the spec)' },
      epochs: { type: 'string', value: 'N', help: "override the spec's training.epochs" },
      seed: { type: 'string', value: 'N', help: "override the spec's seed" },
      'measure-every': { type: 'string', value: 'N', help: 'override training.measureEvery (full measurement every N steps)' },
      resume: {
        type: 'string',
        value: 'RUN_DIR',
        help: 'continue that run of this spec from its newest checkpoint (training.checkpoint), as a new run',
      },
      backend: {
        type: 'string',
        value: 'wasm|cpu|tensorflow',
        help: 'force a TensorFlow.js backend (default: the fastest that loads; tensorflow needs @tensorflow/tfjs-node)',
      },
    },
  },
  'lr-find': {
    summary: 'learning-rate range test: train a copy of the model as the rate rises, plot loss vs rate, suggest a rate',
    options: {
      start: { type: 'string', value: 'LR', help: 'learning rate of the first step (default 1e-7)' },
      end: { type: 'string', value: 'LR', help: 'learning rate of the last step (default 10)' },
      steps: { type: 'string', value: 'N', help: 'steps of the test, the rate rising geometrically (default 100)' },
      json: { type: 'boolean', help: 'print the result as one JSON line on stdout instead of the plot' },
      apply: {
        type: 'boolean',
        help: "write the suggested rate into the spec (comments kept): the optimizer's learningRate, oneCycle's maxLearningRate, or piecewise values scaled",
      },
      seed: { type: 'string', value: 'N', help: "override the spec's seed" },
      backend: { type: 'string', value: 'wasm|cpu|tensorflow', help: 'force a TensorFlow.js backend' },
    },
  },
  evaluate: {
    summary: "score a run's saved model on its validation or test split: loss, accuracy or MAE/RMSE/R², confusion matrix",
    options: {
      split: {
        type: 'string',
        value: 'val|test',
        help: 'the split to score (default val; test needs data.testSplit in the spec)',
      },
      json: { type: 'boolean', help: 'print the result as one JSON line on stdout' },
      backend: { type: 'string', value: 'wasm|cpu|tensorflow', help: 'force a TensorFlow.js backend' },
    },
  },
  predict: {
    summary:
      "apply a run's saved model to the rows of a csv (same columns as training; label optional) or to N samples of its validation split",
    options: {
      'dataset-sample': {
        type: 'string',
        value: 'N',
        help: "instead of a csv: N samples drawn from the run's validation split (with the run's seed), shown with their true labels",
      },
      json: { type: 'boolean', help: 'print the result as one JSON line on stdout' },
      backend: { type: 'string', value: 'wasm|cpu|tensorflow', help: 'force a TensorFlow.js backend' },
    },
  },
  explain: {
    summary:
      "Grad-CAM of a conv run's saved model: where it looks on validation samples, one PNG per sample (input, map, overlay)",
    options: {
      samples: { type: 'string', value: 'N', help: "how many validation samples (a fixed choice by the run's seed; default 8)" },
      class: {
        type: 'string',
        value: 'C',
        help: "explain class index C on every sample instead of each sample's predicted class",
      },
      layer: {
        type: 'string',
        value: 'L',
        help: 'the conv2d layer to explain, by its run-start name (default: the last conv2d)',
      },
      sanity: {
        type: 'boolean',
        help: 'also re-randomise the weights (output layer first) and print how much the maps change (Spearman rank correlation)',
      },
      out: { type: 'string', value: 'DIR', help: 'write the PNGs into DIR (default: <runDir>/explain/)' },
      json: { type: 'boolean', help: 'print the explanation event as one JSON line on stdout (the PNGs are still written)' },
      backend: { type: 'string', value: 'wasm|cpu|tensorflow', help: 'force a TensorFlow.js backend' },
    },
  },
  export: {
    summary:
      "a run's recorded numbers in open formats: a TensorBoard event file (losses, accuracy, learning rate, gradient norms, update ratios, dead units, activation std) and/or a CSV table",
    options: {
      tensorboard: {
        type: 'string',
        value: 'DIR',
        help: 'write a TensorBoard event file into DIR/<runId>/ (then: tensorboard --logdir DIR)',
      },
      csv: {
        type: 'string',
        value: 'FILE',
        help: 'write a CSV table to FILE (- for stdout): a row per step, a column per metric and layer (docs/export.md)',
      },
    },
  },
  diagnose: {
    summary:
      "run the training-health detectors over a recorded run (gradscope's, or a PyTorch script's): each diagnosis as path:line:col: severity: message [code]",
    options: {
      json: { type: 'boolean', help: 'print each diagnosis as one `diagnostic` event (JSON line) on stdout' },
      follow: {
        type: 'boolean',
        help: 'follow a run that is still being written: print each diagnosis as it fires, until its run-end (or Ctrl-C)',
      },
      thresholds: {
        type: 'string',
        value: 'JSON',
        help: "diagnosis thresholds by name, as a spec's `monitor` section takes them, e.g. '{\"vanishingRatio\":1e-4}' (a gradscope run's spec `monitor` wins over them)",
      },
    },
  },
  check: {
    summary: 'validate a spec: each problem and lint finding as path:line:col: severity: message [code]',
    options: {},
  },
  fix: {
    summary: "apply the first fix for a code, from the spec's lint or its last run; a diff unless --write",
    options: {
      code: { type: 'string', value: '<code>', help: 'the code in [brackets] of the finding to fix (required)' },
      write: { type: 'boolean', help: 'rewrite the spec (comments and layout kept) instead of printing a diff' },
      out: { type: 'string', value: 'DIR', help: 'where the runs are, as given to train --out' },
    },
  },
};

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionInfo & { short?: string }> = {
  help: { type: 'boolean', short: 'h', help: 'show help (for a command: `gradscope train --help`)' },
  version: { type: 'boolean', help: "print gradscope's version" },
};

export const isCommand = (name: string): name is CommandName => Object.prototype.hasOwnProperty.call(COMMANDS, name);

function optionLine(name: string, info: OptionInfo): string {
  return `--${name}${info.type === 'string' ? ` ${info.value ?? 'VALUE'}` : ''}`;
}

/** `gradscope <command> <spec> [options]`. */
export function synopsis(name: CommandName): string {
  const options = Object.entries(COMMANDS[name].options).flatMap(([option, info]) => {
    const text = optionLine(option, info);
    if (name === 'predict' && option === 'dataset-sample') return [];
    return [name === 'fix' && option === 'code' ? text : `[${text}]`];
  });
  const subject =
    name === 'evaluate' || name === 'explain' || name === 'export'
      ? '<runDir>'
      : name === 'diagnose'
        ? '<runDir|events.jsonl>'
        : name === 'predict'
          ? '<runDir> <input.csv|--dataset-sample N>'
          : '<spec>';
  return `gradscope ${name} ${subject}${options.length ? ' ' + options.join(' ') : ''}`;
}

function exitCodes(): string {
  return (
    'exit codes:\n' +
    EXIT_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning.replace(/`/g, '')}`).join('\n')
  );
}

/** `gradscope --help`. */
export function generalHelp(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  return [
    'usage:',
    ...names.map((n) => `  ${synopsis(n)}`),
    '  gradscope --version',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(Math.max(...names.map((m) => m.length)))} ${COMMANDS[n].summary}`),
    '',
    'Run `gradscope <command> --help` for the options of a command.',
    '',
    exitCodes(),
  ].join('\n');
}

/** `gradscope <command> --help`. */
export function commandHelp(name: CommandName): string {
  const entries = Object.entries(COMMANDS[name].options);
  const width = Math.max(0, ...entries.map(([o, i]) => optionLine(o, i).length), '-h, --help'.length);
  return [
    `usage: ${synopsis(name)}`,
    '',
    COMMANDS[name].summary,
    '',
    'options:',
    ...entries.map(([o, i]) => `  ${optionLine(o, i).padEnd(width)}  ${i.help}`),
    `  ${'-h, --help'.padEnd(width)}  show this help`,
    '',
    exitCodes(),
  ].join('\n');
}

/** The short usage shown after a usage error. */
export function shortUsage(): string {
  const names = Object.keys(COMMANDS) as CommandName[];
  return [
    'usage:',
    ...names.map((n) => `  ${synopsis(n)}`),
    'Run `gradscope --help` or `gradscope <command> --help` for more.',
  ].join('\n');
}
