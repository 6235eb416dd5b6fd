// What the detectors need to know about the model: for each layer with weights (the `step.layers` entries, in
// order) its run-start summary, the spec layer it was built from, the activation whose units it owns, and its
// fans (from the spec's shapes, model/facts); plus which layers are the first and last kernels (the ends of
// AUTOTRAINER's gradient ratio). An external run (a PyTorch script's monitor) has no spec: its view is built from
// run-start alone (buildExternalModelView), with the same model facts.
import type { LayerSummary, RunStartEvent } from '../../shared/engineProtocol';
import { type Fans, kernelFans, layerFacts } from '../model/facts';
import { type LayerShape, inferOutputShapes } from '../spec/shapes';
import { LOSSES } from '../spec/vocabulary';
import {
  ACTIVATIONS,
  type ActivationName,
  type LossName,
  type ParsedSpec,
  type RecurrentLayer,
  type ResolvedLayer,
} from '../spec/types';

export type KernelSpecLayer = Extract<ResolvedLayer, { type: 'dense' | 'conv2d' }>;

export interface LayerInfo {
  /** Index in `step.layers`. */
  index: number;
  summary: LayerSummary;
  /** The spec layer (dense/conv2d) for kernel layers; undefined for projections and normalisation layers. */
  spec?: KernelSpecLayer;
  /** True for dense/conv2d layers (not projections or normalisation). */
  isKernel: boolean;
  /** Recurrent layers (simpleRNN, lstm, gru): the spec layer, whose input kernel and recurrent kernel are measured. */
  recurrent?: RecurrentLayer;
  /** The activation applied to this layer's units: its own, or that of an `activation` entry after it. */
  activation?: ActivationName;
  /** Spec path of the `activation` entry that applies `activation`, when it is a separate entry. */
  activationEntryPath?: string;
  /** Inputs per unit (kernel layers): what He/LeCun scale their initialisers by. */
  fanIn?: number;
  /** Fan-in and fan-out (kernel layers), from the input shape the spec gives the layer. */
  fans?: Fans;
  units?: number;
  /** The weights came from another run (run-start.initFrom): the spec's initializers drew none of them. */
  loaded?: true;
}

export interface ModelView {
  layers: LayerInfo[];
  /** Kernel layers (dense/conv2d) in model order. */
  kernels: LayerInfo[];
  /** Recurrent layers in model order. */
  recurrents: LayerInfo[];
  first?: LayerInfo;
  last?: LayerInfo;
  /** The training loss; undefined when an external run's monitor did not name it. */
  loss?: LossName;
  task: 'classification' | 'regression';
  /** Units of the output layer (classes for classification). */
  outputUnits: number;
}

function specKey(specPath: string, copies?: readonly number[]): string {
  return `${specPath}|${(copies ?? []).join(',')}`;
}

function indexSpecLayers(layers: readonly LayerShape[], into: Map<string, LayerShape>): void {
  for (const s of layers) {
    into.set(specKey(s.layer.specPath, s.layer.copies), s);
    if (s.inner) indexSpecLayers(s.inner, into);
  }
}

/**
 * Which layer sequence each spec layer runs in: the top level, each residual block's inside, and each denseBlock
 * sub-layer on its own (it reads the concatenation before it, not the units of the sub-layer before it).
 */
function indexSequences(layers: readonly ResolvedLayer[], into: Map<ResolvedLayer, number>, next = { id: 0 }): void {
  const id = next.id++;
  for (const l of layers) {
    into.set(l, id);
    if (l.type === 'residual') indexSequences(l.layers, into, next);
    if (l.type === 'denseBlock') for (const sub of l.layers) indexSequences([sub], into, next);
  }
}

/**
 * The activation a following `activation` entry applies to a linear kernel layer's units (layers that keep units
 * between, all in the kernel layer's sequence).
 */
function followingActivation(
  all: readonly LayerSummary[],
  at: number,
  sameSequence: (a: LayerSummary, b: LayerSummary) => boolean,
): { activation: ActivationName; path: string } | undefined {
  for (let i = at + 1; i < all.length; i++) {
    const l = all[i];
    if (!sameSequence(all[at], l)) return undefined;
    if (layerFacts(l.kind)?.keepsUnits) continue;
    if (l.kind === 'activation' && l.activation) return { activation: l.activation as ActivationName, path: l.specPath };
    return undefined;
  }
  return undefined;
}

export function buildModelView(spec: ParsedSpec, start: RunStartEvent): ModelView {
  const bySpec = new Map<string, LayerShape>();
  indexSpecLayers(inferOutputShapes(spec.model.inputShape, spec.model.layers).layers, bySpec);
  const sequence = new Map<ResolvedLayer, number>();
  indexSequences(spec.model.layers, sequence);
  const sequenceOf = (l: LayerSummary): number | undefined => {
    const layer = bySpec.get(specKey(l.specPath, l.copies))?.layer;
    return layer ? sequence.get(layer) : undefined;
  };
  const sameSequence = (a: LayerSummary, b: LayerSummary): boolean => sequenceOf(a) === sequenceOf(b);
  const layers: LayerInfo[] = [];
  start.layers.forEach((summary, at) => {
    if (!summary.hasWeights) return;
    const info: LayerInfo = { index: layers.length, summary, isKernel: false };
    const shape = bySpec.get(specKey(summary.specPath, summary.copies));
    const resolved: ResolvedLayer | undefined = shape?.layer;
    if (
      layerFacts(summary.kind)?.weights === 'kernel' &&
      shape &&
      resolved &&
      (resolved.type === 'dense' || resolved.type === 'conv2d')
    ) {
      info.spec = resolved;
      info.isKernel = true;
      info.units = resolved.type === 'dense' ? resolved.units : resolved.filters;
      info.fans = kernelFans(resolved, shape.inputShape);
      info.fanIn = info.fans.fanIn;
      if (resolved.activation !== 'linear') {
        info.activation = resolved.activation;
      } else {
        const next = followingActivation(start.layers, at, sameSequence);
        if (next) {
          info.activation = next.activation;
          info.activationEntryPath = next.path;
        } else {
          info.activation = 'linear';
        }
      }
    } else if (resolved && layerFacts(resolved.type)?.recurrent) {
      info.recurrent = resolved as RecurrentLayer;
      info.activation = info.recurrent.activation;
      info.units = info.recurrent.units;
    }
    if (start.initFrom?.layers.includes(summary.name)) info.loaded = true;
    layers.push(info);
  });
  const kernels = layers.filter((l) => l.isKernel);
  const last = kernels[kernels.length - 1];
  return {
    layers,
    kernels,
    recurrents: layers.filter((l) => l.recurrent !== undefined),
    first: kernels[0],
    last,
    loss: spec.training.loss,
    task: start.task,
    outputUnits: last?.units ?? 1,
  };
}

/** An activation name model/facts knows (the monitor maps torch's modules to them), else undefined: not judged. */
function knownActivation(name: string | undefined): ActivationName | undefined {
  if (name === undefined) return 'linear';
  return (ACTIVATIONS as readonly string[]).includes(name) ? (name as ActivationName) : undefined;
}

/**
 * The model view of an external run, from run-start alone: its layers with weights in order; `dense` and `conv2d`
 * layers are kernels, whose activation is the one the monitor found consuming their output (none found: linear) and
 * whose units are a dense layer's output width. Without a spec nothing is known of initialisers or fans, and
 * recurrent layers are not told apart: the detectors that need those stay silent about them.
 */
export function buildExternalModelView(start: RunStartEvent): ModelView {
  const layers: LayerInfo[] = [];
  for (const summary of start.layers) {
    if (!summary.hasWeights) continue;
    const info: LayerInfo = { index: layers.length, summary, isKernel: summary.kind === 'dense' || summary.kind === 'conv2d' };
    if (info.isKernel) {
      const activation = knownActivation(summary.activation);
      if (activation) info.activation = activation;
      const width = summary.outputShape[summary.outputShape.length - 1];
      if (summary.kind === 'dense' && Number.isInteger(width) && width > 0) info.units = width;
    }
    layers.push(info);
  }
  const kernels = layers.filter((l) => l.isKernel);
  const last = kernels[kernels.length - 1];
  const loss = start.external?.loss;
  return {
    layers,
    kernels,
    recurrents: [],
    first: kernels[0],
    last,
    ...(loss !== undefined && (LOSSES as readonly string[]).includes(loss) ? { loss: loss as LossName } : {}),
    task: start.task,
    outputUnits: last?.units ?? 1,
  };
}

/** Hidden kernel layers (every kernel but the output layer). */
export function hiddenKernels(view: ModelView): LayerInfo[] {
  return view.kernels.filter((l) => l !== view.last);
}

/**
 * The view of the layers that train over `steps`: without those frozen on any of them (spec `trainable: false`, until
 * `training.unfreeze` reaches them). A frozen layer has no gradient and does not move by design, so nothing about
 * its gradient or its updates says anything about the training's health: it is never called vanishing or too slow,
 * nor counted in the update sizes the learning rate is judged by. Its units are not judged dead or saturated either:
 * they are what its frozen weights (pretrained or initial) make of the data, which no cure of this run's training
 * (learning rate, initialiser, activation) changes while it stays frozen. The ends of the gradient ratio become the
 * first layer that trains and the output layer (none when the output layer itself is frozen).
 */
export function trainingView(view: ModelView, steps: readonly { layers: readonly { frozen?: true }[] }[]): ModelView {
  const frozen = new Set(view.layers.filter((l) => steps.some((s) => s.layers[l.index]?.frozen)));
  if (frozen.size === 0) return view;
  const trains = (l: LayerInfo): boolean => !frozen.has(l);
  const kernels = view.kernels.filter(trains);
  return {
    ...view,
    layers: view.layers.filter(trains),
    kernels,
    recurrents: view.recurrents.filter(trains),
    first: kernels[0],
    last: view.last && trains(view.last) ? view.last : undefined,
  };
}

/** Why dead or saturated units of a frozen layer are not judged. */
export const FROZEN_UNITS = (one: boolean): string =>
  `${one ? 'its' : 'their'} units are what ${one ? 'its' : 'their'} frozen weights make of this data, ` +
  `which none of these fixes changes while ${one ? 'it stays' : 'they stay'} frozen`;

/**
 * The sentence a diagnosis ends with when layers it set aside as frozen (trainingView) exist: `why` says what makes
 * judging them meaningless for this diagnosis. Empty when nothing is frozen.
 */
export function frozenNote(full: ModelView, judged: ModelView, why: (one: boolean) => string): string {
  const frozen = full.layers.filter((l) => !judged.layers.includes(l)).map((l) => l.summary.name);
  if (frozen.length === 0) return '';
  const one = frozen.length === 1;
  return ` ${frozen.join(', ')} ${one ? 'is' : 'are'} frozen and not judged: ${why(one)}.`;
}
