// The `gradscope` command as a user runs it (bin/gradscope.js in a child process, the repository as cwd), and a
// spec trained with it.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { RunStartEvent, TrainingEvent } from '../../../src/shared/engineProtocol';
import { EXIT } from '../../../src/shared/exitCodes';
import { REPO } from './specs';

const BIN = path.join(REPO, 'bin', 'gradscope.js');

export function gradscope(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: REPO, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes `spec` as `<dir>/<name>.gradscope.json`, trains it with `gradscope train --json --out <dir>/runs`. */
export function trainedWithCli(
  dir: string,
  name: string,
  spec: object,
): { specFile: string; runDir: string; events: TrainingEvent[] } {
  const specFile = path.join(dir, `${name}.gradscope.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const r = gradscope('train', specFile, '--json', '--out', path.join(dir, 'runs'));
  assert.equal(r.code, EXIT.ok, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TrainingEvent);
  const start = events.find((e): e is RunStartEvent => e.type === 'run-start');
  assert.ok(start);
  return { specFile, runDir: start.runDir, events };
}
