// Launches the system's headless Chromium through playwright-core (which must never download a browser here),
// with its profile and playwright's artifacts in one temp dir of ours, so that even an interrupted run
// (Ctrl+C, SIGTERM) leaves no browser process and no playwright_* dirs behind.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');
const { onCleanup, descendantPids, removeDir } = require('./lifecycle');

// Offline and deterministic: no GPU, no QUIC, no background fetches, no /dev/shm limits in containers.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** SIGKILLs the Chromium processes using `profile` (playwright's own exit hook may run after ours). */
function killChromium(profile) {
  for (const pid of descendantPids()) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${profile}`)) process.kill(pid, 'SIGKILL');
    } catch {
      /* exited, or no /proc */
    }
  }
}

/**
 * @param {{ executablePath: string, viewport?: { width: number, height: number } }} opts
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
async function launchChromium({ executablePath, viewport = { width: 1400, height: 900 } }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-chromium-'));
  const profile = path.join(dir, 'profile');
  const cleanup = onCleanup(() => {
    killChromium(profile);
    removeDir(dir);
  });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport,
      artifactsDir: path.join(dir, 'artifacts'), // not in the typings, but honoured: else playwright-artifacts-* in /tmp
    });
    const page = context.pages()[0] || (await context.newPage());
    const close = async () => {
      await context.close().catch(() => {
        /* already gone */
      });
      cleanup();
    };
    return { context, page, close };
  } catch (err) {
    cleanup();
    throw err;
  }
}

module.exports = { launchChromium };
