// The extension's diagnosis child process (`gradscope diagnose <runDir> --json [--follow]`), driven against a stand-in
// command that prints what the real one prints: diagnostic lines reach onDiagnostic exactly once each, anything else on
// stdout or stderr is a log line, the arguments say --follow only when asked and carry the thresholds setting's valid
// entries as --thresholds, and stop() ends a following process.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DiagnosticEvent } from '../../src/shared/engineProtocol';
import { readThresholdOverrides } from '../../src/training/diagnosis/defaults';
import { diagnoseArgs, diagnosticOfLine, startDiagnose } from '../../src/training/run/diagnoseProcess';
import { VANISHING } from './support/externalEvents';

const DIAGNOSTIC = VANISHING;

/** A stand-in for bin/gradscope.js: prints its arguments (stderr), a diagnostic, a non-JSON line; follows if asked. */
const FAKE_CLI = `
const d = ${JSON.stringify(DIAGNOSTIC)};
process.stderr.write('args ' + JSON.stringify(process.argv.slice(2)) + '\\n');
process.stdout.write(JSON.stringify(d) + '\\n');
process.stdout.write('not a diagnostic\\n');
process.stdout.write(JSON.stringify({ type: 'step', step: 1 }) + '\\n');
if (process.argv.includes('--follow')) {
  process.on('SIGTERM', () => process.exit(143));
  setInterval(() => {}, 1000);
} else {
  process.stdout.write(JSON.stringify({ ...d, code: 'dead-relu', severity: 'error' }) + '\\n');
  process.exitCode = 1;
}
`;

describe('diagnoseProcess (gradscope diagnose as a child process)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-diagnose-'));
  const cli = path.join(dir, 'fake-gradscope.js');
  fs.writeFileSync(cli, FAKE_CLI);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a diagnostic line as a DiagnosticEvent and nothing else as one', () => {
    assert.deepStrictEqual(diagnosticOfLine(JSON.stringify(DIAGNOSTIC)), DIAGNOSTIC);
    assert.strictEqual(diagnosticOfLine('{"type":"step","step":1}'), undefined);
    assert.strictEqual(diagnosticOfLine('{"type":"diagno'), undefined);
    assert.strictEqual(diagnosticOfLine(''), undefined);
    assert.strictEqual(diagnosticOfLine('null'), undefined);
  });

  it('a finished run: every diagnostic once, other lines logged, the exit code kept', async () => {
    const seen: DiagnosticEvent[] = [];
    const logs: string[] = [];
    const handle = startDiagnose(
      cli,
      '/runs/r1',
      { follow: false },
      { onDiagnostic: (d) => seen.push(d), onLog: (l) => logs.push(l) },
    );
    const outcome = await handle.done;
    assert.deepStrictEqual(seen, [DIAGNOSTIC, { ...DIAGNOSTIC, code: 'dead-relu', severity: 'error' }]);
    assert.deepStrictEqual(outcome, { exitCode: 1, signal: null, diagnostics: 2 });
    assert.ok(logs.includes('args ["diagnose","/runs/r1","--json"]'), logs.join('\n'));
    assert.ok(logs.includes('not a diagnostic'));
    assert.ok(logs.includes('{"type":"step","step":1}'));
  });

  it('a live run: --follow, diagnostics as they come, and stop() ends the process', async () => {
    const logs: string[] = [];
    let first: (d: DiagnosticEvent) => void = () => {};
    const firstSeen = new Promise<DiagnosticEvent>((resolve) => (first = resolve));
    const handle = startDiagnose(
      cli,
      '/runs/r2',
      { follow: true },
      { onDiagnostic: (d) => first(d), onLog: (l) => logs.push(l) },
    );
    assert.deepStrictEqual(await firstSeen, DIAGNOSTIC);
    handle.stop();
    const outcome = await handle.done;
    assert.ok(outcome.exitCode === 143 || outcome.signal === 'SIGTERM', JSON.stringify(outcome));
    assert.strictEqual(outcome.diagnostics, 1);
    assert.ok(logs.includes('args ["diagnose","/runs/r2","--json","--follow"]'), logs.join('\n'));
  });

  it("the extension's thresholds setting becomes --thresholds with its valid entries; none, no option", async () => {
    // As ExternalDiagnosis reads the gradscope.diagnosis.thresholds setting: a misspelt name and a string are left out.
    const setting = { vanishingRatio: 1e-6, vanishingRatoi: 1, deadReluFraction: '0.5', window: 10 };
    const { thresholds, problems } = readThresholdOverrides(setting);
    assert.deepStrictEqual(problems, [
      'unknown threshold "vanishingRatoi" (did you mean "vanishingRatio"?)',
      'threshold "deadReluFraction" must be a finite number, not "0.5"',
    ]);
    const args = diagnoseArgs('/runs/r4', { follow: true, thresholds });
    assert.deepStrictEqual(args, [
      'diagnose',
      '/runs/r4',
      '--json',
      '--follow',
      '--thresholds',
      '{"vanishingRatio":0.000001,"window":10}',
    ]);
    assert.deepStrictEqual(diagnoseArgs('/runs/r4', { follow: false, thresholds: {} }), ['diagnose', '/runs/r4', '--json']);
    // The process gets them as one argument each.
    const logs: string[] = [];
    const handle = startDiagnose(
      cli,
      '/runs/r4',
      { follow: false, thresholds },
      { onDiagnostic: () => {}, onLog: (l) => logs.push(l) },
    );
    await handle.done;
    assert.ok(logs.includes(`args ${JSON.stringify(args.filter((a) => a !== '--follow'))}`), logs.join('\n'));
  });

  it('a command that cannot start is a log line and an outcome, not a throw', async () => {
    const logs: string[] = [];
    const handle = startDiagnose(
      path.join(dir, 'missing.js'),
      '/runs/r3',
      { follow: false },
      {
        onDiagnostic: () => assert.fail('no diagnostics'),
        onLog: (l) => logs.push(l),
      },
    );
    const outcome = await handle.done;
    assert.notStrictEqual(outcome.exitCode, 0);
    assert.strictEqual(outcome.diagnostics, 0);
    assert.ok(
      logs.some((l) => /missing\.js|Cannot find module/.test(l)),
      logs.join('\n'),
    );
  });
});
