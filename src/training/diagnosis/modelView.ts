// What the detectors need to know about the model: for each layer with weights (the `step.layers` entries, in
// order) its run-start summary, the spec layer it was built from, the activation whose units it owns, and its
// fan-in; plus which layers are the first and last kernels (the ends of AUTOTRAINER's gradient ratio).
import type { LayerSummary, RunStartEvent } from '../../shared/engineProtocol';
import type { ActivationName, LossName, ParsedSpec, ResolvedLayer } from '../spec/types';

export type KernelSpecLayer = Extract<ResolvedLayer, { type: 'dense' | 'conv2d' }>;

export interface LayerInfo {
  /** Index in `step.layers`. */
  index: number;
  summary: LayerSummary;
  /** The spec layer (dense/conv2d) for kernel layers; undefined for projections and normalisation layers. */
  spec?: KernelSpecLayer;
  /** True for dense/conv2d layers (not projections or normalisation). */
  isKernel: boolean;
  /** The activation applied to this layer's units: its own, or that of an `activation` entry after it. */
  activation?: ActivationName;
  /** Spec path of the `activation` entry that applies `activation`, when it is a separate entry. */
  activationEntryPath?: string;
  /** Inputs per unit (kernel layers): what He/Glorot scale their initialisers by. */
  fanIn?: number;
  units?: number;
}

export interface ModelView {
  layers: LayerInfo[];
  /** Kernel layers (dense/conv2d) in model order. */
  kernels: LayerInfo[];
  first?: LayerInfo;
  last?: LayerInfo;
  loss: LossName;
  task: 'classification' | 'regression';
  /** Units of the output layer (classes for classification). */
  outputUnits: number;
}

const NORMALIZATION = new Set(['batchNormalization', 'layerNormalization']);

function specKey(specPath: string, copies?: readonly number[]): string {
  return `${specPath}|${(copies ?? []).join(',')}`;
}

function indexSpecLayers(layers: readonly ResolvedLayer[], into: Map<string, ResolvedLayer>): void {
  for (const l of layers) {
    into.set(specKey(l.specPath, l.copies), l);
    if (l.type === 'residual') indexSpecLayers(l.layers, into);
  }
}

/** The activation a following `activation` entry applies to a linear kernel layer's units (normalisation between). */
function followingActivation(all: readonly LayerSummary[], at: number): { activation: ActivationName; path: string } | undefined {
  for (let i = at + 1; i < all.length; i++) {
    const l = all[i];
    if (NORMALIZATION.has(l.kind)) continue;
    if (l.kind === 'activation' && l.activation) return { activation: l.activation as ActivationName, path: l.specPath };
    return undefined;
  }
  return undefined;
}

export function buildModelView(spec: ParsedSpec, start: RunStartEvent): ModelView {
  const bySpec = new Map<string, ResolvedLayer>();
  indexSpecLayers(spec.model.layers, bySpec);
  const layers: LayerInfo[] = [];
  start.layers.forEach((summary, at) => {
    if (!summary.hasWeights) return;
    const info: LayerInfo = { index: layers.length, summary, isKernel: false };
    const resolved = bySpec.get(specKey(summary.specPath, summary.copies));
    if ((summary.kind === 'dense' || summary.kind === 'conv2d') && resolved && (resolved.type === 'dense' || resolved.type === 'conv2d')) {
      info.spec = resolved;
      info.isKernel = true;
      const units = resolved.type === 'dense' ? resolved.units : resolved.filters;
      info.units = units;
      info.fanIn = Math.max(1, Math.round((summary.params - (resolved.useBias ? units : 0)) / units));
      if (resolved.activation !== 'linear') {
        info.activation = resolved.activation;
      } else {
        const next = followingActivation(start.layers, at);
        if (next) {
          info.activation = next.activation;
          info.activationEntryPath = next.path;
        } else {
          info.activation = 'linear';
        }
      }
    }
    layers.push(info);
  });
  const kernels = layers.filter((l) => l.isKernel);
  const last = kernels[kernels.length - 1];
  return {
    layers, kernels, first: kernels[0], last,
    loss: spec.training.loss, task: start.task, outputUnits: last?.units ?? 1,
  };
}

/** Hidden kernel layers (every kernel but the output layer). */
export function hiddenKernels(view: ModelView): LayerInfo[] {
  return view.kernels.slice(0, -1);
}
