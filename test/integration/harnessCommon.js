// What both integration harnesses (code-server and @vscode/test-electron) share: the command line, up-front
// checks that turn a missing build into a clear error, and reading the in-host runner's result file.
'use strict';
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '../..');
const DEFAULTS = {
  extensionDevelopmentPath: REPO,
  extensionTestsPath: path.join(REPO, 'out/test/integration/suite/index.js'),
  workspace: undefined, // a fresh temp copy of examples/
  timeout: 300000,
  grep: undefined,
  verbose: !!process.env.VERBOSE,
};

/** --name value | --name=value | --verbose. Unknown options are an error, not silently ignored. */
function parseArgs(argv) {
  const opts = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m || !(m[1] in DEFAULTS))
      throw new Error(
        `unknown argument ${argv[i]}; known: ${Object.keys(DEFAULTS)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    const name = m[1];
    if (name === 'verbose') {
      opts.verbose = true;
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    opts[name] = name === 'timeout' ? Number(value) : value;
  }
  for (const k of ['extensionDevelopmentPath', 'extensionTestsPath', 'workspace']) if (opts[k]) opts[k] = path.resolve(opts[k]);
  if (!(opts.timeout > 0)) throw new Error('--timeout must be a positive number of milliseconds');
  return opts;
}

/** Fails before starting any VS Code when the build the run needs is missing. */
function checkPaths({ extensionDevelopmentPath, extensionTestsPath, workspace }) {
  const manifest = path.join(extensionDevelopmentPath, 'package.json');
  if (!fs.existsSync(manifest)) throw new Error(`no extension manifest at ${manifest}`);
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  if (!pkg.main) throw new Error(`${manifest} has no "main": nothing for the extension host to load`);
  const main = path.resolve(extensionDevelopmentPath, pkg.main);
  if (!fs.existsSync(main) && !fs.existsSync(`${main}.js`))
    throw new Error(`extension entry ${main} is missing: build first (npm run build)`);
  if (!fs.existsSync(extensionTestsPath)) {
    throw new Error(`test runner ${extensionTestsPath} is missing: compile first (npx tsc -p test/integration/tsconfig.json)`);
  }
  if (workspace && !fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`--workspace ${workspace} is not a folder`);
}

/** The in-host runner's summary; ok only when tests ran and none failed. */
function readResult(file) {
  let r;
  try {
    r = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return { ok: false, problem: 'no result file: the extension host crashed, or the runner never ran (see the log above)' };
  }
  if (!(r.tests > 0)) return { ...r, ok: false, problem: 'no tests ran (a wrong --grep, or no *.test.js next to the runner?)' };
  if (r.failures !== 0) return { ...r, ok: false, problem: `${r.failures} test(s) failed` };
  return { ...r, ok: true };
}

/**
 * Last line, in the plain form CI reads (same as test/summaryReporter.js). Without a result file the run is
 * counted as one failure, so that a parser of this line can never read a crashed run as green.
 */
function printSummary(r) {
  const known = typeof r.passes === 'number';
  const failed = known ? r.failures + (r.ok || r.failures > 0 ? 0 : 1) : 1;
  console.log(`${known ? r.passes : 0} passed, ${failed} failed, ${known ? r.pending || 0 : 0} skipped`);
}

module.exports = { parseArgs, checkPaths, readResult, printSummary, REPO };
