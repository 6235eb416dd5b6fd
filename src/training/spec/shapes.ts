// Shape inference over resolved layers: each layer's input and output shape, and the first shape error if any.

import type { ResolvedLayer, Severity } from './types';

/** Input and output shape (one sample, no batch axis) of one layer; residual and dense blocks list their inside too. */
export interface LayerShape {
  layer: ResolvedLayer;
  inputShape: number[];
  outputShape: number[];
  /** residual and denseBlock: shapes of the block's inner layers (in a denseBlock each sees the concatenation so far). */
  inner?: LayerShape[];
  /** residual only: the skip path needs a learned projection because F(x) and x differ in shape. */
  projection?: boolean;
}

export interface ShapeProblem {
  layer: ResolvedLayer;
  severity: Severity;
  code: string;
  message: string;
}

export interface ShapeInference {
  layers: LayerShape[];
  /** The model's output shape; undefined when an error stopped inference (later shapes would be guesses). */
  outputShape?: number[];
  problems: ShapeProblem[];
}

/** Shapes through the layers from `inputShape`, stopping at the first error so later layers are not blamed for it. */
export function inferOutputShapes(inputShape: readonly number[], layers: readonly ResolvedLayer[]): ShapeInference {
  const problems: ShapeProblem[] = [];
  const result = run([...inputShape], layers, problems);
  return { layers: result.layers, outputShape: result.output, problems };
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

interface Run {
  layers: LayerShape[];
  output?: number[];
}

function run(input: number[], layers: readonly ResolvedLayer[], problems: ShapeProblem[]): Run {
  const out: LayerShape[] = [];
  let shape = input;
  for (const layer of layers) {
    const step = layerShape(layer, shape, problems);
    if (!step) return { layers: out };
    out.push(step);
    shape = step.outputShape;
  }
  return { layers: out, output: shape };
}

function layerShape(layer: ResolvedLayer, input: number[], problems: ShapeProblem[]): LayerShape | undefined {
  const fail = (code: string, message: string): undefined => {
    problems.push({ layer, severity: 'error', code, message });
    return undefined;
  };
  const done = (outputShape: number[]): LayerShape => ({ layer, inputShape: input, outputShape });
  switch (layer.type) {
    case 'dense':
      if (input.length !== 1) {
        const hint = input.length > 1 ? sequenceHint(input) : '';
        return fail('shape-mismatch', `dense needs a 1-D input, but its input has shape ${formatShape(input)}${hint}`);
      }
      return done([layer.units]);
    case 'conv2d':
    case 'maxPooling2d': {
      if (input.length !== 3) {
        return fail(
          'shape-mismatch',
          `${layer.type} needs an input of shape [height, width, channels], but its input has shape ${formatShape(input)}`,
        );
      }
      const window = layer.type === 'conv2d' ? layer.kernelSize : layer.poolSize;
      const h = spatial(input[0], window[0], layer.strides[0], layer.padding);
      const w = spatial(input[1], window[1], layer.strides[1], layer.padding);
      if (h < 1 || w < 1) {
        const name = layer.type === 'conv2d' ? 'kernelSize' : 'poolSize';
        return fail(
          'shape-too-small',
          `${layer.type} with ${name} ${formatShape(window)} does not fit its ${input[0]}×${input[1]} input ` +
            `(input shape ${formatShape(input)}); use a smaller ${name} or padding "same"`,
        );
      }
      return done([h, w, layer.type === 'conv2d' ? layer.filters : input[2]]);
    }
    case 'flatten':
      if (input.length < 2) {
        problems.push({
          layer,
          severity: 'warning',
          code: 'flatten-noop',
          message: `flatten has nothing to do: its input ${formatShape(input)} is already 1-D`,
        });
      }
      return done([input.reduce((a, b) => a * b, 1)]);
    case 'activation':
    case 'dropout':
    case 'alphaDropout':
    case 'gaussianNoise':
    case 'batchNormalization':
    case 'layerNormalization':
    case 'rmsNormalization':
      return done(input);
    case 'groupNormalization': {
      if (input.length !== 1 && input.length !== 3) {
        return fail(
          'shape-mismatch',
          `groupNormalization needs a 1-D input [features] or an image input [height, width, channels], but its input has shape ${formatShape(input)}`,
        );
      }
      const channels = input[input.length - 1];
      if (channels % layer.groups !== 0) {
        const what = input.length === 1 ? 'features' : 'channels';
        return fail(
          'group-count',
          `groupNormalization "groups" (${layer.groups}) must divide the ${channels} ${what} of its input ${formatShape(input)}; ` +
            `use one of ${divisors(channels).join(', ')}`,
        );
      }
      return done(input);
    }
    case 'simpleRNN':
    case 'lstm':
    case 'gru':
      if (input.length !== 2) {
        const hint =
          input.length === 1
            ? '; the data must be sequences (e.g. the adding or sequenceParity dataset), or a recurrent layer before it must set "returnSequences": true'
            : '';
        return fail(
          'shape-mismatch',
          `${layer.type} needs an input of shape [timesteps, features], but its input has shape ${formatShape(input)}${hint}`,
        );
      }
      return done(layer.returnSequences ? [input[0], layer.units] : [layer.units]);
    case 'residual':
      return residualShape(layer, input, problems, fail);
    case 'denseBlock':
      return denseBlockShape(layer, input, problems);
    case 'highway':
      if (input.length !== 1) {
        const hint = input.length > 1 ? '; add { "type": "flatten" } before it' : '';
        return fail('shape-mismatch', `highway needs a 1-D input, but its input has shape ${formatShape(input)}${hint}`);
      }
      if (input[0] !== layer.units) {
        return fail(
          'highway-units',
          `highway whose input and units differ: its input has ${input[0]} features but "units" is ${layer.units}; ` +
            `y = H(x)·T(x) + x·(1 − T(x)) adds x itself to the output, so set "units" to ${input[0]} ` +
            '(or put a dense layer of that many units before it)',
        );
      }
      return done(input);
  }
}

/**
 * DenseNet: each sub-layer runs on the concatenation so far, and its output joins it along the last axis, which
 * needs every other axis (height and width of a feature map) to stay as it was.
 */
function denseBlockShape(
  layer: Extract<ResolvedLayer, { type: 'denseBlock' }>,
  input: number[],
  problems: ShapeProblem[],
): LayerShape | undefined {
  const inner: LayerShape[] = [];
  let shape = input;
  for (const sub of layer.layers) {
    const step = run(shape, [sub], problems);
    if (!step.output) return undefined;
    const out = step.output;
    const kept = (s: readonly number[]): string => s.slice(0, -1).join();
    if (out.length !== shape.length || kept(out) !== kept(shape)) {
      const what = shape.length === 3 ? 'height and width' : 'every axis but the last';
      problems.push({
        layer: sub,
        severity: 'error',
        code: 'dense-block-shape',
        message:
          `${sub.type} in a denseBlock turns its input ${formatShape(shape)} into ${formatShape(out)}: its output is ` +
          `concatenated with its input along the last axis, so ${what} must stay the same` +
          (shape.length === 3 ? ' (use padding "same" and strides 1, and pool after the block)' : ''),
      });
      return undefined;
    }
    inner.push(...step.layers);
    shape = [...shape.slice(0, -1), shape[shape.length - 1] + out[out.length - 1]];
  }
  return { layer, inputShape: input, outputShape: shape, inner };
}

/**
 * What to add before a dense layer whose input has more than one axis. A sequence [timesteps, units] is what a
 * recurrent layer with returnSequences outputs: dense reads 1-D inputs only (it is not applied per timestep).
 */
function sequenceHint(input: number[]): string {
  const flatten = '; add { "type": "flatten" } before it';
  return input.length === 2
    ? `${flatten}, or read the sequence with a recurrent layer whose "returnSequences" is false (it outputs [units])`
    : flatten;
}

function residualShape(
  layer: Extract<ResolvedLayer, { type: 'residual' }>,
  input: number[],
  problems: ShapeProblem[],
  fail: (code: string, message: string) => undefined,
): LayerShape | undefined {
  const inner = run(input, layer.layers, problems);
  if (!inner.output) return undefined;
  const output = inner.output;
  const same = output.join() === input.join();
  if (!same) {
    if (output.length !== input.length) {
      return fail(
        'residual-rank',
        `residual block turns its input ${formatShape(input)} into ${formatShape(output)}: F(x) + x needs both to have ` +
          'the same number of dimensions (a projection can change sizes, not the number of dimensions)',
      );
    }
    if (!projectable(input, output)) {
      return fail(
        'residual-projection',
        `residual block output ${formatShape(output)} cannot be added to its input ${formatShape(input)}: ` +
          (input.length === 3
            ? 'the skip projection is a strided 1×1 convolution, which can only shrink height and width by whole factors'
            : 'a skip projection exists only for 1-D and [height, width, channels] shapes'),
      );
    }
  }
  return { layer, inputShape: input, outputShape: output, inner: inner.layers, projection: !same };
}

/** Mirrors the engine's skip projection: dense for 1-D, strided 1×1 "same" convolution for images. */
function projectable(from: readonly number[], to: readonly number[]): boolean {
  if (from.length === 1) return true;
  if (from.length !== 3) return false;
  return [0, 1].every((axis) => {
    const stride = Math.max(1, Math.round(from[axis] / to[axis]));
    return Math.ceil(from[axis] / stride) === to[axis];
  });
}

/** The divisors of n, smallest first (the group counts that fit n channels). */
function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** Output length along one axis, as TensorFlow computes it. */
function spatial(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}
