// The fixes of an external run (a PyTorch script's monitor recorded it): there is no spec to patch, so each fix is an
// explanation — a title and what to change in the training code, in PyTorch's terms (torch.nn, torch.optim,
// torch.nn.init) — with an empty patch; the diagnostic adds the code's docs page (context.ts). One function per cure
// of layerFixes.ts / trainingFixes.ts, which call it when the run has no spec; each says only what run-start and the
// recorded steps tell (an optimizer the monitor did not name is not named; a momentum it did not record is a condition).
import * as path from 'path';
import type { Fix, SourceLocation } from '../../shared/engineProtocol';
import { ACTIVATION_FACTS, OPTIMIZER_FACTS, isAdaptive, type InitFamily } from '../model/facts';
import { fmt } from '../format';
import type { ActivationName } from '../spec/types';
import type { RunContext } from './context';
import type { LayerInfo } from './modelView';
import { round3 } from './stats';
import { optimizerType } from './trainingFacts';

function explained(title: string, explanation: string): Fix {
  return { title, patch: [], explanation };
}

/**
 * Layers in runs of those defined on one line (a `nn.ModuleList([...])` or a loop makes many layers from one line):
 * each run is named once, `hidden.0 … hidden.11`, rather than the same line a dozen times.
 */
function byLine(layers: readonly LayerInfo[]): { label: string; source?: SourceLocation }[] {
  const runs: { names: string[]; source?: SourceLocation }[] = [];
  for (const l of layers) {
    const s = l.summary.source;
    const last = runs[runs.length - 1];
    if (s && last?.source && last.source.file === s.file && last.source.line === s.line) last.names.push(l.summary.name);
    else runs.push({ names: [l.summary.name], source: s });
  }
  return runs.map(({ names, source }) => ({
    label: names.length <= 2 ? names.join(', ') : `${names[0]} … ${names[names.length - 1]}`,
    source,
  }));
}

/** `fc1 (model.py:12)`, `hidden.0 … hidden.11 (model.py:25)`: layers by name and the line that defines them. */
function list(layers: readonly LayerInfo[]): string {
  const parts = byLine(layers).map(({ label, source }) =>
    source ? `${label} (${path.basename(source.file)}:${source.line})` : label,
  );
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const names = (layers: readonly LayerInfo[]): string =>
  byLine(layers)
    .map((r) => r.label)
    .join(', ');

/** How torch.nn.init draws each family's scale for a layer `m`. */
const TORCH_INIT: Record<InitFamily, string> = {
  he: "torch.nn.init.kaiming_normal_(m.weight, nonlinearity='relu') (He: std √(2/fan_in))",
  lecun: "torch.nn.init.kaiming_normal_(m.weight, nonlinearity='linear') (LeCun: std √(1/fan_in))",
  glorot: 'torch.nn.init.xavier_uniform_(m.weight) (Glorot)',
};

/** The torch module of an activation a fix proposes. */
const TORCH_ACTIVATION: Partial<Record<ActivationName, string>> = {
  relu: 'nn.ReLU()',
  leakyRelu: 'nn.LeakyReLU(0.01)',
  elu: 'nn.ELU()',
  selu: 'nn.SELU()',
  gelu: 'nn.GELU()',
  sigmoid: 'nn.Sigmoid()',
  tanh: 'nn.Tanh()',
};

const kernelsOf = (layers: readonly LayerInfo[]): LayerInfo[] => layers.filter((l) => l.isKernel);

/** ReLU with He initialisation in the given layers. */
export function reluHeCode(layers: readonly LayerInfo[]): Fix | undefined {
  const kernels = kernelsOf(layers).filter((l) => l.activation !== 'relu');
  if (kernels.length === 0) return undefined;
  const from = [...new Set(kernels.map((l) => l.activation ?? 'its activation'))].join('/');
  return explained(
    `Use ReLU with He initialisation in ${names(kernels)}`,
    `In the model's code, apply nn.ReLU() (or F.relu) instead of ${from} after ${list(kernels)}, and initialise those ` +
      `layers for it: ${TORCH_INIT.he}, torch.nn.init.zeros_(m.bias). ReLU's derivative is 1 for every positive ` +
      'input, so the backward signal is not shrunk by a flat activation at each layer.',
  );
}

/** Batch normalisation between each layer's linear part and its activation (not after the output layer). */
export function batchNormCode(ctx: RunContext, layers: readonly LayerInfo[]): Fix | undefined {
  const kernels = kernelsOf(layers).filter((l) => l !== ctx.view.last);
  if (kernels.length === 0) return undefined;
  return explained(
    `Add batch normalisation before the activation of ${names(kernels)}`,
    `In the model's code, insert nn.BatchNorm1d(out_features) after ${list(kernels)} (nn.BatchNorm2d(out_channels) ` +
      'after a conv layer), before its activation: every batch, it re-centres and re-scales the pre-activations, ' +
      'which keeps the units out of the flat regions of their activation.',
  );
}

/** The initialiser made for each layer's activation (He, LeCun or Glorot, as model/facts says), and zero biases. */
export function initializerCode(layers: readonly LayerInfo[], label?: string): Fix | undefined {
  const kernels = kernelsOf(layers).filter((l) => l.activation !== undefined);
  if (kernels.length === 0) return undefined;
  const byFamily = new Map<InitFamily, LayerInfo[]>();
  for (const l of kernels) {
    const family = ACTIVATION_FACTS[l.activation!].init;
    byFamily.set(family, [...(byFamily.get(family) ?? []), l]);
  }
  const draws = [...byFamily].map(([family, ls]) => `${list(ls)}: ${TORCH_INIT[family]}`).join('; ');
  return explained(
    label ?? `Initialise the weights of ${names(kernels)} for their activations (scaled to the fan-in) and their biases to zero`,
    `In the model's __init__ (or with model.apply), draw each layer's weights at the scale its activation needs — ${draws} — ` +
      "and set the biases to zero: torch.nn.init.zeros_(m.bias). PyTorch's default for nn.Linear and nn.Conv2d draws " +
      'uniformly within ±1/√fan_in (std 1/√(3·fan_in)), √3 below even the LeCun scale.',
  );
}

/** Another activation after the given layers. */
export function activationCode(layers: readonly LayerInfo[], activation: ActivationName, why: string): Fix | undefined {
  const kernels = kernelsOf(layers).filter((l) => l.activation !== activation);
  if (kernels.length === 0) return undefined;
  return explained(
    `Use ${activation} after ${names(kernels)} (${why})`,
    `In the model's code, apply ${TORCH_ACTIVATION[activation] ?? activation} instead of ` +
      `${[...new Set(kernels.map((l) => l.activation ?? 'the current activation'))].join('/')} after ${list(kernels)}.`,
  );
}

/** Dropout after each hidden dense (nn.Linear) layer. */
export function dropoutCode(ctx: RunContext, rate: number): Fix | undefined {
  const hidden = ctx.view.kernels.filter((l) => l !== ctx.view.last && l.summary.kind === 'dense');
  if (hidden.length === 0) return undefined;
  return explained(
    `Add dropout (p=${rate}) after ${hidden.length === 1 ? 'the hidden layer' : `each of the ${hidden.length} hidden linear layers`}`,
    `In the model's code, apply nn.Dropout(p=${rate}) after the activation of ${list(hidden)}; call model.train() ` +
      'before training and model.eval() before validating, so that dropout is active only while training.',
  );
}

/** The learning rate the optimizer is given, multiplied by `factor`, from the rate the steps recorded. */
export function scaleLrCode(ctx: RunContext, factor: number, base: number): Fix | undefined {
  if (!Number.isFinite(base) || base <= 0) return undefined;
  const lr = round3(base * factor);
  const verb = factor < 1 ? `Divide the learning rate by ${fmt(1 / factor)}` : `Multiply the learning rate by ${fmt(factor)}`;
  const o = optimizerType(ctx);
  return explained(
    `${verb} (${fmt(base)} → ${fmt(lr)})`,
    `Give the optimizer lr=${fmt(lr)} where it is created` +
      (o ? ` (torch.optim.${torchOptimizer(o)}(model.parameters(), lr=${fmt(lr)}, ...))` : '') +
      '; with a learning-rate scheduler, scale the rate it starts from or peaks at the same way. ' +
      `${fmt(base)} is the highest rate this run's steps recorded.`,
  );
}

const TORCH_OPTIMIZERS: Record<string, string> = {
  sgd: 'SGD',
  adam: 'Adam',
  adamw: 'AdamW',
  rmsprop: 'RMSprop',
  adagrad: 'Adagrad',
  nadam: 'NAdam',
  adamax: 'Adamax',
  adadelta: 'Adadelta',
};

function torchOptimizer(type: string): string {
  return TORCH_OPTIMIZERS[type] ?? type;
}

/** Adam at the given learning rate, unless the run already uses an Adam variant. */
export function adamCode(ctx: RunContext, learningRate: number): Fix | undefined {
  const o = optimizerType(ctx);
  if (o && OPTIMIZER_FACTS[o].adamFamily) return undefined;
  return explained(
    `Switch ${o ? `from ${o} ` : ''}to adam with learning rate ${fmt(learningRate)}`,
    `Create the optimizer as torch.optim.Adam(model.parameters(), lr=${fmt(learningRate)}): Adam scales each ` +
      "weight's step by its own gradient history, so small gradients still move the weights.",
  );
}

/** Clip the global gradient norm. */
export function clipNormCode(ctx: RunContext, value: number): Fix {
  const o = optimizerType(ctx);
  const adaptive = o !== undefined && isAdaptive(o);
  return explained(
    `Clip the global gradient norm to ${value}`,
    `Call torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=${value}) between loss.backward() and ` +
      'optimizer.step().' +
      (adaptive
        ? ` With ${o} this does not bound the step (${o} divides each gradient by its running size); it only limits how much one outlier batch counts.`
        : ''),
  );
}

/** Lower SGD/RMSprop momentum to `value`: a condition, since the monitor does not record the momentum. */
export function momentumCode(ctx: RunContext, value: number): Fix | undefined {
  const o = optimizerType(ctx);
  if (o !== undefined && o !== 'sgd' && o !== 'rmsprop') return undefined;
  return explained(
    `If the optimizer's momentum is above ${fmt(value)}, lower it to ${fmt(value)} (less overshoot)`,
    `Give the optimizer momentum=${fmt(value)} (torch.optim.${o ? torchOptimizer(o) : 'SGD'}(model.parameters(), lr=..., ` +
      `momentum=${fmt(value)})): heavy momentum multiplies each step by about 1/(1 − momentum).`,
  );
}

/** L2 weight decay. */
export function weightDecayCode(value: number): Fix {
  return explained(
    `Add L2 weight decay ${fmt(value)}`,
    `Give the optimizer weight_decay=${fmt(value)} (e.g. torch.optim.AdamW(model.parameters(), lr=..., weight_decay=${fmt(value)})).`,
  );
}

/** Early stopping that keeps the best epoch's weights. */
export function earlyStoppingCode(patience: number): Fix {
  return explained(
    `Stop early (patience ${patience}) and keep the weights of the best validation epoch`,
    'After each epoch, save a copy of model.state_dict() whenever the validation loss is the lowest so far; stop ' +
      `when it has not improved for ${patience} epochs, then load the saved copy with model.load_state_dict(...).`,
  );
}
