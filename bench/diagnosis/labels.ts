// Labels of the benchmark specs, read from their first comment lines:
//   // expect: vanishing-gradient            (the codes the spec must get; the first is the one whose fix is tried)
//   // also: saturated-activation, ...       (optional: codes that are genuinely present too, so not false positives)
//   // expect: none                          (a healthy control: no diagnostic at all)
import * as fs from 'fs';
import * as path from 'path';
import { RUNTIME_CODES, type RuntimeCode } from '../../src/training/diagnosis/types';

export interface LabelledSpec {
  name: string;
  file: string;
  text: string;
  /** Codes the spec must get; the first is the primary one (its first fix is applied for the cure rate). */
  expect: RuntimeCode[];
  /** Codes accepted as genuinely co-occurring. */
  also: RuntimeCode[];
  healthy: boolean;
}

function codes(line: string | undefined, tag: string, file: string): RuntimeCode[] | undefined {
  const m = line?.match(new RegExp(`^\\s*//\\s*${tag}:\\s*(.*)$`));
  if (!m) return undefined;
  const list = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'none');
  for (const c of list) {
    if (!(RUNTIME_CODES as readonly string[]).includes(c)) throw new Error(`${file}: unknown code "${c}" in "// ${tag}:"`);
  }
  return list as RuntimeCode[];
}

export function readLabelledSpecs(dir: string, only?: string): LabelledSpec[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.gradscope.json') && (!only || f.includes(only)))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split('\n');
      const expect = codes(lines[0], 'expect', f);
      if (!expect) throw new Error(`${f}: the first line must be "// expect: code, ..." (or "// expect: none")`);
      return {
        name: f.replace(/\.gradscope\.json$/, ''),
        file,
        text,
        expect,
        also: codes(lines[1], 'also', f) ?? [],
        healthy: expect.length === 0,
      };
    });
}
