// "Did you mean …?" for misspelled names: edit distance, ignoring case, underscores and dashes.

// Common names from other libraries that edit distance alone would not connect to ours.
const ALIASES: Record<string, string> = {
  fc: 'dense',
  linear: 'dense',
  fullyconnected: 'dense',
  conv: 'conv2d',
  convolution: 'conv2d',
  maxpool: 'maxPooling2d',
  maxpool2d: 'maxPooling2d',
  maxpooling: 'maxPooling2d',
  pool: 'maxPooling2d',
  batchnorm: 'batchNormalization',
  bn: 'batchNormalization',
  layernorm: 'layerNormalization',
  ln: 'layerNormalization',
  groupnorm: 'groupNormalization',
  gn: 'groupNormalization',
  rmsnorm: 'rmsNormalization',
  alphadrop: 'alphaDropout',
  weightnorm: 'weightNormalization',
  maxnorm: 'maxNorm',
  skip: 'residual',
  resblock: 'residual',
  residualblock: 'residual',
  densenet: 'denseBlock',
  highwaylayer: 'highway',
  mse: 'meanSquaredError',
  crossentropy: 'categoricalCrossentropy',
  cce: 'categoricalCrossentropy',
  bce: 'binaryCrossentropy',
  lr: 'learningRate',
  leaky: 'leakyRelu',
  leakyrelu: 'leakyRelu',
  silu: 'swish',
  xavier: 'glorotUniform',
  xavieruniform: 'glorotUniform',
  xaviernormal: 'glorotNormal',
  kaiming: 'heNormal',
  he: 'heNormal',
  zero: 'zeros',
  one: 'ones',
  normal: 'randomNormal',
  uniform: 'randomUniform',
  truncnormal: 'truncatedNormal',
  ortho: 'orthogonal',
  repeats: 'repeat',
  times: 'repeat',
  epoch: 'epochs',
  batch: 'batchSize',
  kernel: 'kernelSize',
  filter: 'filters',
  unit: 'units',
  dropout: 'rate',
  validation: 'validationSplit',
  optim: 'optimizer',
  scheduler: 'schedule',
  lrschedule: 'schedule',
  clip: 'clipNorm',
  l2: 'weightDecay',
};

function normalize(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate `name` most likely meant, or undefined when none is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(name);
  if (wanted === '') return undefined;
  const alias = ALIASES[wanted];
  if (alias !== undefined && candidates.includes(alias) && alias !== name) return alias;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(wanted, normalize(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Allow roughly one slip per three letters: "dens" → "dense", but not "foo" → "flatten".
  const budget = Math.max(1, Math.floor(wanted.length / 3));
  return best !== undefined && best !== name && bestDistance <= budget ? best : undefined;
}

/** ` (did you mean "x"?)`, or an empty string when nothing is close. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const guess = closest(name, candidates);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}
