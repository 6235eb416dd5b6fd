// A PyTorch run as the gradscope_torch monitor records it, generated for the UI tests: a deep sigmoid MLP script
// (written into the workspace, never run) and the events of its run, whose first layers' gradients vanish (each
// layer's gradient norm 10× below the next one's, the loss stuck at chance level). Layers carry `source` lines that
// point at the script's `self.fcN = nn.Linear(...)` lines, as the monitor's inspect + ast lookup would.
'use strict';
const { dense, runStart } = require('../../../out/test/unit/support/externalRuns');

const LAYERS = 8;
const CLASSES = 10;

/** The training script's text: one `self.fcN = nn.Linear(...)` line per layer. */
function deepSigmoidScript() {
  const lines = [
    '# A deep sigmoid MLP whose first layers stop learning (vanishing gradients): recorded by gradscope_torch.',
    'import torch',
    'from torch import nn',
    '',
    '',
    'class DeepSigmoid(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
  ];
  for (let i = 1; i <= LAYERS; i++)
    lines.push(`        self.fc${i} = nn.Linear(${i === 1 ? 20 : 32}, ${i === LAYERS ? CLASSES : 32})`);
  lines.push(
    '',
    '    def forward(self, x):',
    ...Array.from({ length: LAYERS - 1 }, (_, i) => `        x = torch.sigmoid(self.fc${i + 1}(x))`),
    `        return self.fc${LAYERS}(x)`,
    '',
  );
  return lines.join('\n');
}

/** 1-based line of `self.fc<n> = ` in the script text. */
function layerLine(script, n) {
  return script.split('\n').findIndex((l) => l.includes(`self.fc${n} = `)) + 1;
}

/**
 * The run's events: `start`, `step(n)`, `epoch(k)`, `end(steps, epochs)`. `file` is the script's absolute path (run-start
 * specFile and the layers' source file).
 */
function deepSigmoidRun({ runId, runDir, file, script }) {
  // The run-start as the diagnosis tests write it (test/unit/support/externalRuns.ts), for this script's layers.
  const stream = {
    task: 'classification',
    layers: Array.from({ length: LAYERS }, (_, i) =>
      dense(`fc${i + 1}`, i === LAYERS - 1 ? CLASSES : 32, layerLine(script, i + 1), i < LAYERS - 1 ? 'sigmoid' : undefined),
    ),
  };
  const start = { ...runStart(stream, file, runDir), runId, specName: 'deep-sigmoid-torch', startedAt: new Date().toISOString() };
  const layers = start.layers;
  const chance = Math.log(CLASSES);
  const step = (n) => ({
    type: 'step',
    step: n,
    epoch: Math.floor(n / 40),
    loss: chance + 0.002 * Math.sin(n),
    lr: 0.01,
    globalGradNorm: 0.1,
    layers: layers.map((l, i) => {
      // 10× smaller per layer towards the input: fc1's gradient is 1e-8, the output layer's 0.1.
      const gradNorm = 0.1 * 10 ** -(LAYERS - 1 - i);
      return {
        name: l.name,
        gradNorm,
        biasGradNorm: gradNorm / 2,
        weightNorm: 3,
        updateRatio: (0.01 * gradNorm) / 3,
        ...(i < LAYERS - 1 ? { saturation: 0.4, activationMean: 0.5, activationStd: 0.02 } : {}),
      };
    }),
  });
  const epoch = (k) => ({
    type: 'epoch',
    epoch: k,
    loss: chance,
    valLoss: chance + 0.001,
    acc: 0.1,
    valAcc: 0.1,
    lr: 0.01,
    durationMs: 1000,
    samplesPerSec: 1280,
  });
  const end = (steps, epochs) => ({ type: 'run-end', status: 'completed', epochsCompleted: epochs, steps, durationMs: 4000 });
  return { start, step, epoch, end };
}

module.exports = { deepSigmoidScript, deepSigmoidRun, layerLine };
