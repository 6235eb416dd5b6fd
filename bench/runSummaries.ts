// `npm run bench:summaries`: what the sidebar's run summaries cost the extension host at each refresh. The sidebar
// lists, under every spec of a folder, that spec's runs; the specs of a folder share one runs directory, so a refresh
// asks summarizeRunAsync for every run of the folder once per spec. The run here is the responsiveness test's
// (20 dense layers, 2,000 steps: a run-start line with a 500-point learning-rate plan, 5 kB step lines), in a folder
// of 25 specs (as examples/). Each case is timed over many refreshes and printed as a JSON line:
// {"case","specs","refreshes","msPerRefresh","cpuMsPerRefresh"}
//   asked at once: the 25 asks of a refresh are made together (as a tree view asks for its expanded nodes);
//   one after another: each ask waits for the one before;
//   file growing: a step line is appended before each refresh (a live run).
//   node out/bench/runSummaries.js [--specs 25] [--refreshes 200]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import type { LayerSummary, RunStartEvent, StepEvent } from '../src/shared/engineProtocol';
import { learningRatePlan } from '../src/training/engine/optim/schedule';
import { EVENTS_FILE } from '../src/training/run/runStore';
import { summarizeRunAsync } from '../src/training/run/runSummary';

const LAYERS = 20;
const STEPS = 2000;
const STEPS_PER_EPOCH = 100;

function runStart(runDir: string): RunStartEvent {
  const layers = Array.from({ length: LAYERS }, (_, i): LayerSummary => ({
    name: `dense_${i + 1}`,
    kind: 'dense',
    activation: i < LAYERS - 1 ? 'relu' : 'softmax',
    params: i === 0 ? 192 : 4160,
    outputShape: [i < LAYERS - 1 ? 64 : 3],
    specPath: i < LAYERS - 1 ? `/model/layers/0/layers/0` : '/model/layers/1',
    copy: i < LAYERS - 1 ? i : undefined,
    copies: i < LAYERS - 1 ? [i] : undefined,
    hasWeights: true,
    trainable: true,
  }));
  const specFile = path.join(path.dirname(path.dirname(path.dirname(runDir))), 'deep20.gradscope.json');
  return {
    type: 'run-start',
    runId: path.basename(runDir),
    specFile,
    specPath: specFile,
    specName: 'deep20',
    runDir,
    backend: 'wasm',
    seed: 3,
    epochs: STEPS / STEPS_PER_EPOCH,
    stepsPerEpoch: STEPS_PER_EPOCH,
    batchSize: 16,
    trainSamples: 1600,
    validationSamples: 400,
    task: 'classification',
    totalParams: 75267,
    layers,
    startedAt: new Date().toISOString(),
    learningRatePlan: learningRatePlan(
      { type: 'constant' },
      { baseLearningRate: 0.001, stepsPerEpoch: STEPS_PER_EPOCH, totalSteps: STEPS },
    ),
  };
}

function stepLine(n: number): string {
  const step = {
    type: 'step',
    step: n,
    epoch: Math.floor(n / STEPS_PER_EPOCH),
    loss: 1 / (n + 1),
    lr: 0.001,
    layers: Array.from({ length: LAYERS }, (_, i) => ({
      name: `dense_${i + 1}`,
      gradNorm: 0.01 + i / 7,
      weightNorm: 3.2 + i / 11,
      updateRatio: 0.001 + i / 1e5,
      deadUnits: i,
      saturation: 0.125,
    })),
  } as unknown as StepEvent;
  return JSON.stringify(step) + '\n';
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { specs: { type: 'string' }, refreshes: { type: 'string' } } });
  const specs = Number(values.specs ?? 25);
  const refreshes = Number(values.refreshes ?? 200);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-bench-summaries-'));
  const runDir = path.join(root, '.gradscope', 'runs', '20261206-120000-deep20-0001');
  fs.mkdirSync(runDir, { recursive: true });
  const events = path.join(runDir, EVENTS_FILE);
  fs.writeFileSync(events, JSON.stringify(runStart(runDir)) + '\n');
  for (let n = 0; n < STEPS / 2; n++) fs.appendFileSync(events, stepLine(n));
  const refresh = async (oneByOne: boolean): Promise<void> => {
    if (oneByOne) for (let i = 0; i < specs; i++) await summarizeRunAsync(runDir);
    else await Promise.all(Array.from({ length: specs }, () => summarizeRunAsync(runDir)));
  };
  const cases = [
    { name: 'file unchanged, asked at once', grow: false, oneByOne: false },
    { name: 'file unchanged, one after another', grow: false, oneByOne: true },
    { name: 'file growing, asked at once', grow: true, oneByOne: false },
  ];
  let step = STEPS / 2;
  try {
    for (const c of cases) {
      for (let i = 0; i < 20; i++) await refresh(c.oneByOne); // warm-up
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < refreshes; i++) {
        if (c.grow) fs.appendFileSync(events, stepLine(step++));
        await refresh(c.oneByOne);
      }
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      const round = (x: number): number => Math.round(x * 1000) / 1000;
      console.log(
        JSON.stringify({
          case: c.name,
          specs,
          refreshes,
          msPerRefresh: round(ms / refreshes),
          cpuMsPerRefresh: round((used.user + used.system) / 1000 / refreshes),
        }),
      );
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
