// What full measurement costs per step, in one process: a plain and a measured trainer of the same bench model take
// turns in blocks of 20 steps (order alternating), so that load on a shared machine hits both alike, and each block
// runs inside its own named function (plainBlock / measuredBlock) so that a --cpu-prof profile can tell their
// samples apart. Prints {model, steps, plainWallMs, measuredWallMs (per step), wallRatio, cpuRatio} as JSON.
// With --split PROFILE it reads such a profile instead and prints, per function, its self time per step under each
// block and the difference (what measurement adds), largest first.
//   node --cpu-prof --cpu-prof-interval 200 --cpu-prof-name blocks.cpuprofile out/bench/measuredBlocks.js \
//     [--model sigmoid-20x64] [--steps 1200]
//   node out/bench/measuredBlocks.js --split blocks.cpuprofile [--steps 1200] [--top 30]
import * as fs from 'fs';
import { parseArgs } from 'util';
import { initBackend } from '../src/training/engine/backend';
import { buildModel } from '../src/training/engine/model/buildModel';
import { makeOptimizer } from '../src/training/engine/optim/optimizer';
import { runStep } from '../src/training/engine/step';
import { benchModel, benchSpec, randomBatches } from './benchModels';

const BLOCK = 20;

/** One step of a fresh trainer of the model, measured or not (readback with dataSync: the block stays on the stack). */
function trainer(name: string, measure: boolean): () => void {
  const model = benchModel(name);
  const spec = benchSpec(model);
  const built = buildModel(spec, 1);
  const { optimizer } = makeOptimizer(spec.training.optimizer);
  const { xs, ys } = randomBatches(spec, model.batchSize, built.model.outputs[0].shape[1] ?? 1);
  let i = 0;
  return () => {
    const { packed } = runStep(built, optimizer, spec.training, xs[i % 4], ys[i % 4], measure);
    packed.dataSync();
    packed.dispose();
    i++;
  };
}

async function blocks(model: string, steps: number): Promise<void> {
  await initBackend('wasm');
  const plain = trainer(model, false);
  const measured = trainer(model, true);
  function plainBlock(n: number): void {
    for (let k = 0; k < n; k++) plain();
  }
  function measuredBlock(n: number): void {
    for (let k = 0; k < n; k++) measured();
  }
  plainBlock(30); // warm-up
  measuredBlock(30);
  const wall = { plain: 0, measured: 0 };
  const cpu = { plain: 0, measured: 0 };
  for (let b = 0; b < steps / BLOCK; b++) {
    const order = b % 2 ? (['plain', 'measured'] as const) : (['measured', 'plain'] as const);
    for (const side of order) {
      const c = process.cpuUsage();
      const w = performance.now();
      (side === 'plain' ? plainBlock : measuredBlock)(BLOCK);
      wall[side] += performance.now() - w;
      const used = process.cpuUsage(c);
      cpu[side] += (used.user + used.system) / 1000;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const n = Math.ceil(steps / BLOCK) * BLOCK;
  console.log(
    JSON.stringify({
      model,
      steps: n,
      plainWallMs: Number((wall.plain / n).toFixed(3)),
      measuredWallMs: Number((wall.measured / n).toFixed(3)),
      wallRatio: Number((wall.measured / wall.plain).toFixed(3)),
      cpuRatio: Number((cpu.measured / cpu.plain).toFixed(3)),
    }),
  );
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function and step under plainBlock and measuredBlock of a V8 CPU profile, by difference. */
function split(file: string, steps: number, top: number): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const sides = new Map<number, 'plain' | 'measured' | undefined>();
  const sideOf = (id: number): 'plain' | 'measured' | undefined => {
    if (sides.has(id)) return sides.get(id);
    const fn = nodes.get(id)?.callFrame.functionName;
    const up = parent.get(id);
    const side = fn === 'plainBlock' ? 'plain' : fn === 'measuredBlock' ? 'measured' : up === undefined ? undefined : sideOf(up);
    sides.set(id, side);
    return side;
  };
  const self = { plain: new Map<string, number>(), measured: new Map<string, number>() };
  const total = { plain: 0, measured: 0 };
  profile.samples.forEach((id, i) => {
    const side = sideOf(id);
    const node = nodes.get(id);
    if (!side || !node) return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
    self[side].set(key, (self[side].get(key) ?? 0) + ms);
    total[side] += ms;
  });
  console.log(`ms/step sampled: plain ${(total.plain / steps).toFixed(3)}, measured ${(total.measured / steps).toFixed(3)}`);
  console.log('   Δ ms    plain measured  function');
  const keys = new Set([...self.plain.keys(), ...self.measured.keys()]);
  [...keys]
    .map((key) => ({ key, a: (self.plain.get(key) ?? 0) / steps, b: (self.measured.get(key) ?? 0) / steps }))
    .sort((p, q) => q.b - q.a - (p.b - p.a))
    .slice(0, top)
    .forEach((r) =>
      console.log(`${(r.b - r.a).toFixed(4).padStart(8)} ${r.a.toFixed(4).padStart(8)} ${r.b.toFixed(4).padStart(8)}  ${r.key}`),
    );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, steps: { type: 'string' }, split: { type: 'string' }, top: { type: 'string' } },
  });
  const steps = Number(values.steps ?? 1200);
  if (values.split) split(values.split, steps, Number(values.top ?? 30));
  else await blocks(values.model ?? 'sigmoid-20x64', steps);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
