// Shape inference over resolved layers: each layer's input and output shape, and the first shape error if any.

import type { ResolvedLayer, Severity } from './types';

/** Input and output shape (one sample, no batch axis) of one layer; residual blocks list their inside too. */
export interface LayerShape {
  layer: ResolvedLayer;
  inputShape: number[];
  outputShape: number[];
  /** residual only: shapes of the block's inner layers. */
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
    case 'batchNormalization':
    case 'layerNormalization':
      return done(input);
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
  }
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

/** Output length along one axis, as TensorFlow computes it. */
function spatial(size: number, window: number, stride: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - window) / stride) + 1;
}
