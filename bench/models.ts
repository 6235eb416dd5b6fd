// The models the benchmarks time: an MNIST MLP, a deep sigmoid stack on the spiral, a small MNIST conv net.
export interface BenchModel {
  name: string;
  batchSize: number;
  spec: object;
}

const dense = (units: number, activation: string): object => ({ type: 'dense', units, activation });

export const BENCH_MODELS: BenchModel[] = [
  {
    name: 'mlp-784-256-256-10',
    batchSize: 128,
    spec: {
      data: { dataset: 'mnist', samples: 1000 },
      model: { inputShape: [784], layers: [dense(256, 'relu'), dense(256, 'relu'), dense(10, 'softmax')] },
      training: { optimizer: { type: 'adam', learningRate: 0.001 } },
    },
  },
  {
    name: 'sigmoid-20x64',
    batchSize: 64,
    spec: {
      data: { dataset: 'spiral', samples: 1000 },
      model: { inputShape: [2], layers: [{ repeat: 20, layers: [dense(64, 'sigmoid')] }, dense(3, 'softmax')] },
      training: { optimizer: { type: 'sgd', learningRate: 0.01 } },
    },
  },
  {
    name: 'conv-16-32-mnist',
    batchSize: 64,
    spec: {
      data: { dataset: 'mnist', samples: 1000 },
      model: {
        inputShape: [28, 28, 1],
        layers: [
          { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d' },
          { type: 'conv2d', filters: 32, kernelSize: 3, activation: 'relu' },
          { type: 'maxPooling2d' },
          { type: 'flatten' },
          dense(10, 'softmax'),
        ],
      },
      training: { optimizer: { type: 'adam', learningRate: 0.001 } },
    },
  },
];
