// The in-host test runner: VS Code loads this file (extensionTestsPath) in the extension host and awaits run().
// It runs every *.test.js next to it with mocha (tdd ui: suite/test) and writes a summary to
// $TEST_RESULT_FILE: the harnesses trust only that file, because the web workbench reports a crashed or
// exited extension host as exit code 0. MOCHA_GREP narrows the run (harness option --grep).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface ResultSummary {
  failures: number;
  passes: number;
  tests: number;
  pending: number;
  duration?: number;
  error?: string;
}

function writeResult(summary: ResultSummary): void {
  const file = process.env.TEST_RESULT_FILE;
  if (file) fs.writeFileSync(file, JSON.stringify(summary));
}

export function run(): Promise<void> {
  // Training a model inside a test takes seconds, not mocha's default 2 s.
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 120000, reporter: 'spec' });
  if (process.env.MOCHA_GREP) mocha.grep(process.env.MOCHA_GREP);
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const s = runner.stats;
        writeResult({ failures, passes: s?.passes ?? 0, tests: s?.tests ?? 0, pending: s?.pending ?? 0, duration: s?.duration });
        if (failures > 0) reject(new Error(`${failures} test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      // A test file that throws while loading: count it as a failure, and say why.
      writeResult({ failures: 1, passes: 0, tests: 0, pending: 0, error: String(err) });
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
