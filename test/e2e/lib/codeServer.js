// Finds (installing on first use) and starts code-server 4.100.3: the real VS Code 1.100.3 that the integration
// tests and UI tests run in, offline. Shared by test/integration/runInCodeServer.js and test/e2e/lib/workbench.js.
'use strict';
const cp = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { onCleanup, killGroup, removeDir } = require('./lifecycle');

const REPO = path.resolve(__dirname, '../../..');
const INSTALL_SCRIPT = path.join(REPO, 'scripts/install-code-server.sh');

// Quiet, deterministic workbench: no welcome page, trust prompt, update check, telemetry or recommendations.
// Workspace Trust is off (every folder trusted) unless a test asks for an untrusted folder (`untrusted: true`).
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
};

/**
 * Where code-server and Chromium are. CODE_SERVER_ROOT / CHROMIUM_PATH win; otherwise the install script runs
 * (it returns at once when the install in ~/.cache is complete, so a user's first test run installs by itself).
 */
function resolveCodeServer() {
  let root = process.env.CODE_SERVER_ROOT;
  let chromium = process.env.CHROMIUM_PATH;
  if (!root || !chromium) {
    const r = cp.spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${INSTALL_SCRIPT} failed (exit ${r.status ?? r.signal})`);
    const vars = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    root = root || vars.CODE_SERVER_ROOT;
    chromium = chromium || vars.CHROMIUM_PATH;
  }
  const entry = path.join(root || '', 'out/node/entry.js');
  if (!fs.existsSync(entry)) throw new Error(`code-server not found: ${entry} is missing (CODE_SERVER_ROOT=${root})`);
  if (!chromium || !fs.existsSync(chromium)) throw new Error(`Chromium not found at ${chromium} (set CHROMIUM_PATH)`);
  return { root, entry, chromium };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net
      .createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
  });
}

/**
 * Settings that open the folder in Restricted Mode: Workspace Trust on, no startup dialog (a fresh folder is not
 * trusted, so the window starts restricted). Integration tests cannot use this: VS Code trusts every workspace
 * while it runs extension tests (extensionTestsPath), so untrusted behaviour is a UI test.
 */
const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.emptyWindow': false,
};

/** One attempt: spawn on `port`, resolve when it listens, reject with its output if it dies or stalls. */
function spawnServer(entry, port, dirs, workspace, env, verbose, untrusted) {
  const host = `127.0.0.1:${port}`;
  const proc = cp.spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      host,
      '--user-data-dir',
      dirs.user,
      '--extensions-dir',
      dirs.exts,
      '--disable-telemetry',
      '--disable-update-check',
      ...(untrusted ? [] : ['--disable-workspace-trust']),
      workspace,
    ],
    {
      detached: true, // own process group: one kill ends server + extension host + pty host together
      stdio: ['ignore', 'pipe', 'pipe'],
      // EXTENSIONS_GALLERY={}: no marketplace, so no open-vsx look-ups offline. The extension host inherits this env.
      env: { ...process.env, EXTENSIONS_GALLERY: '{}', ...env },
    },
  );
  const unregister = onCleanup(() => killGroup(proc.pid));
  const exited = new Promise((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig)));
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const onData = (b) => {
      out += b;
      if (verbose) process.stderr.write(`[code-server] ${b}`);
      if (out.includes('HTTP server listening on')) resolve();
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code, sig) => reject(new Error(`code-server exited (${code ?? sig}) before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`code-server not listening after 60 s:\n${out}`)), 60000).unref();
  });
  return { proc, host, port, ready, exited, output: () => out, unregister };
}

/** Installs a .vsix into the profile's extensions-dir the way a user does (`--install-extension`); throws if it fails. */
function installVsix(entry, dirs, vsix) {
  const args = [entry, '--user-data-dir', dirs.user, '--extensions-dir', dirs.exts, '--install-extension', path.resolve(vsix)];
  const r = cp.spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, EXTENSIONS_GALLERY: '{}' } });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status ?? r.signal}):\n${out}`);
  }
}

/**
 * Starts code-server on a free loopback port with a fresh user-data-dir and extensions-dir.
 * @param {{ workspace: string, settings?: object, env?: Record<string,string>, verbose?: boolean, untrusted?: boolean,
 *   vsix?: string }} opts
 *   untrusted: open the folder in Restricted Mode (Workspace Trust on, folder not trusted); default trusted.
 *   vsix: a packaged extension to install into the fresh extensions-dir before the server starts.
 * @returns {Promise<{ host: string, port: number, pid: number, userDataDir: string, extensionsDir: string,
 *   output: () => string, exited: Promise<number | string>, stop: () => void,
 *   install: ReturnType<typeof resolveCodeServer> }>}
 * `exited` settles if the server dies (a test harness should fail at once then, not wait for its timeout).
 */
async function startCodeServer({ workspace, settings = {}, env = {}, verbose = false, untrusted = false, vsix }) {
  const install = resolveCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-cs-'));
  const removeTmp = onCleanup(() => removeDir(tmp));
  const dirs = { user: path.join(tmp, 'user'), exts: path.join(tmp, 'exts') };
  fs.mkdirSync(path.join(dirs.user, 'User'), { recursive: true });
  fs.mkdirSync(dirs.exts);
  fs.writeFileSync(
    path.join(dirs.user, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...(untrusted ? UNTRUSTED_SETTINGS : {}), ...settings }, null, 2),
  );
  if (vsix) {
    try {
      installVsix(install.entry, dirs, vsix);
    } catch (err) {
      removeTmp();
      throw err;
    }
  }

  // The port can be taken between freePort() and code-server's bind: retry on a fresh port.
  for (let attempt = 1; ; attempt++) {
    const s = spawnServer(install.entry, await freePort(), dirs, workspace, env, verbose, untrusted);
    try {
      await s.ready;
      const stop = () => {
        s.unregister();
        removeTmp();
      };
      return {
        host: s.host,
        port: s.port,
        pid: s.proc.pid,
        userDataDir: dirs.user,
        extensionsDir: dirs.exts,
        output: s.output,
        exited: s.exited,
        stop,
        install,
      };
    } catch (err) {
      s.unregister();
      if (attempt < 3 && /EADDRINUSE/.test(s.output())) continue;
      removeTmp();
      throw err;
    }
  }
}

const encodePath = (p) => path.resolve(p).split('/').map(encodeURIComponent).join('/');

/**
 * The workbench URL that opens `folder` and, through the `payload` parameter the web workbench reads, loads an
 * extension in development mode and optionally runs its tests in the extension host (like desktop's
 * --extensionDevelopmentPath / --extensionTestsPath). The vscode-remote authority MUST be the page's host:port.
 */
function workbenchUrl({ host, folder, extensionDevelopmentPath, extensionTestsPath }) {
  const payload = [];
  if (extensionDevelopmentPath)
    payload.push(['extensionDevelopmentPath', `vscode-remote://${host}${encodePath(extensionDevelopmentPath)}`]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${host}${encodePath(extensionTestsPath)}`]);
  payload.push(['skipWelcome', 'true']);
  // No folder: an empty window (code-server's `ew`).
  const where = folder ? `folder=${encodePath(folder)}` : 'ew=true';
  return `http://${host}/?${where}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

module.exports = { resolveCodeServer, startCodeServer, freePort, workbenchUrl, REPO };
