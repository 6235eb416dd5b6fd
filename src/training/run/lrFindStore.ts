// Range-test results on disk: `.gradscope/lr-find/<runId>.json`, beside the runs directory (`.gradscope/runs`). A
// range test is not a run: it has no events.jsonl, so it never shows in the runs list.
import * as fs from 'fs';
import * as path from 'path';
import type { LrFindEvent } from '../../shared/engineProtocol';
import { defaultRunsDir } from './runStore';

/** The directory of a spec's range tests: `lr-find` beside its runs directory (default `.gradscope/runs`). */
export function lrFindDir(specFile: string, runsDir = defaultRunsDir(specFile)): string {
  return path.join(path.dirname(runsDir), 'lr-find');
}

/** Writes a result as `<dir>/<runId>.json`, which it records in `result.resultFile`. */
export function saveLrFind(dir: string, result: LrFindEvent): void {
  fs.mkdirSync(dir, { recursive: true });
  result.resultFile = path.join(dir, `${result.runId}.json`);
  fs.writeFileSync(result.resultFile, JSON.stringify(result, null, 2) + '\n');
}

/** The newest range test of `specFile` saved in `dir` (ids start with a UTC timestamp), or undefined. */
export function latestLrFind(specFile: string, dir = lrFindDir(specFile)): LrFindEvent | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return undefined;
  }
  const wanted = path.resolve(specFile);
  for (const name of names.sort().reverse()) {
    try {
      const result = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as LrFindEvent;
      if (result.type === 'lr-find' && path.resolve(result.specFile) === wanted) return result;
    } catch {
      // a file cut short or edited by hand: look at the next one
    }
  }
  return undefined;
}
