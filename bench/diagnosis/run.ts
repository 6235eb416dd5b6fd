// `npm run bench:diagnosis`: the training-health diagnosis benchmark. Trains every labelled spec in
// bench/diagnosis/specs in-process, scores detection against the labels (recall per code, false positives on the
// healthy controls, steps to detection), applies the first fix of each expected diagnosis and re-trains to measure
// the cure rate, then prints the tables and writes them to bench/diagnosis/results.md.
//   node out/bench/diagnosis/run.js [--only SUBSTRING] [--no-cure] [--backend wasm|cpu|tensorflow] [--seed-offset N] [--no-write]
// --seed-offset shifts every spec's seed (a robustness check of the labels); results.md is only written for a
// full run with the specs' own seeds.
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import type { Backend } from '../../src/shared/engineProtocol';
import { initBackend } from '../../src/training/engine/backend';
import { readLabelledSpecs } from './labels';
import { summary } from './report';
import { scoreSpec, type SpecScore } from './score';

const REPO = path.resolve(__dirname, '../../..');
const BENCH_DIR = path.join(REPO, 'bench', 'diagnosis');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'no-cure': { type: 'boolean' },
      backend: { type: 'string' },
      'no-write': { type: 'boolean' },
      'seed-offset': { type: 'string' },
    },
  });
  const backend = await initBackend((values.backend as Backend | undefined) ?? 'wasm');
  const specs = readLabelledSpecs(path.join(BENCH_DIR, 'specs'), values.only);
  const seedOffset = Number(values['seed-offset'] ?? 0);
  const t0 = Date.now();
  const scores: SpecScore[] = [];
  for (const spec of specs) {
    const s = await scoreSpec(spec, backend, !values['no-cure'], seedOffset);
    scores.push(s);
    const found = [...s.detected].map(([c, step]) => `${c}@${step}`).join(' ') || 'none';
    const flags = [...s.missed.map((c) => `MISSED ${c}`), ...s.unexpected.map((c) => `UNEXPECTED ${c}`)].join(' ');
    const cure = s.cure ? ` | cure: ${s.cure.cured ? 'yes' : `NO (${s.cure.note})`}` : '';
    process.stderr.write(
      `${spec.name}: ${found}${flags ? ` | ${flags}` : ''}${cure} (${((s.run.ms + (s.cure?.ms ?? 0)) / 1000).toFixed(1)} s)\n`,
    );
  }
  const { markdown, ok } = summary(scores, Date.now() - t0, backend + (seedOffset ? `, seeds shifted by ${seedOffset}` : ''));
  console.log(markdown);
  if (!values['no-write'] && !values.only && seedOffset === 0) {
    const header =
      '# Diagnosis benchmark: last results\n\nWritten by `npm run bench:diagnosis` (bench/diagnosis/run.ts); specs and labels in `bench/diagnosis/specs/`.\n\n';
    fs.writeFileSync(path.join(BENCH_DIR, 'results.md'), `${header}${markdown}\n`);
  }
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
