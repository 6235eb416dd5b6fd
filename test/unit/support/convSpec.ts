// A small conv net on a few hundred MNIST digits for the explain tests: two conv layers, so that `layer` can pick
// either, and `monitor.explain` when asked.

/** A small conv net on a few hundred digits: two conv layers so that `layer` can pick the first. */
export function convSpec(overrides: { explain?: object; training?: object; samples?: number; seed?: number } = {}): object {
  return {
    name: 'explain-test',
    seed: overrides.seed ?? 5,
    data: { dataset: 'mnist', samples: overrides.samples ?? 200, validationSplit: 0.2 },
    model: {
      inputShape: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'maxPooling2d' },
        { type: 'conv2d', filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: 'heNormal' },
        { type: 'maxPooling2d' },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
    },
    training: { epochs: 3, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 }, ...overrides.training },
    ...(overrides.explain ? { monitor: { explain: overrides.explain } } : {}),
  };
}
