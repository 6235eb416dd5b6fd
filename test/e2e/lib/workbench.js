// UI-test helpers: drive the real VS Code workbench (code-server 1.100.3 in headless Chromium) the way a user
// does (command palette, quick open, webviews, the Problems panel) and keep screenshots of what the test saw.
// Selectors are those of VS Code 1.100.3; see /docs or test/e2e/smoke.e2e.js for use.
'use strict';
const fs = require('fs');
const path = require('path');
const { startCodeServer, workbenchUrl, REPO } = require('./codeServer');
const { launchChromium } = require('./browser');
const { tempWorkspace } = require('./workspace');

const RESULTS = path.join(REPO, 'test-results'); // git-ignored
const PALETTE_INPUT = '.quick-input-widget input.input';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const oneLine = (s) => s.replace(/\s+/g, ' ').trim();

/** Newest log of the (single) remote extension host, or '' before it has started. */
function extensionHostLog(userDataDir) {
  const logs = path.join(userDataDir, 'logs');
  let text = '';
  try {
    for (const session of fs.readdirSync(logs)) {
      for (const d of fs.readdirSync(path.join(logs, session)).filter((n) => n.startsWith('exthost'))) {
        const f = path.join(logs, session, d, 'remoteexthost.log');
        if (fs.existsSync(f)) text = fs.readFileSync(f, 'utf8');
      }
    }
  } catch {
    /* logs dir not created yet */
  }
  return text;
}

/** Polls the extension host's log until `re` matches (the workbench DOM has no "extension host ready" marker). */
async function waitForExtensionHostLog(userDataDir, re, timeout = 90000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (re.test(extensionHostLog(userDataDir))) return;
    await sleep(250);
  }
  throw new Error(`extension host log never matched ${re} within ${timeout} ms:\n${extensionHostLog(userDataDir).slice(-3000)}`);
}

/**
 * Waits until `extensionId` has finished activating, and throws if that failed. The host logs the start of an
 * activation and a failure, but not a success; an extension activated at startup (workspaceContains, onLanguage)
 * has finished once "Eager extensions activated" follows its start. One activated later (a view opened in a
 * workspace without specs) starts after that line, which is never logged again: its start is taken, and the caller
 * waits on the state it needs next (a tree row, a command's effect).
 */
async function waitForActivation(userDataDir, extensionId, timeout) {
  const id = escapeRe(extensionId);
  const failed = new RegExp(`Activating extension '?${id}'? failed.*`);
  const done = new RegExp(
    `_doActivateExtension ${id}\\b[\\s\\S]*(Eager extensions activated|Activating extension '?${id}'? failed)` +
      `|Eager extensions activated[\\s\\S]*_doActivateExtension ${id}\\b`,
  );
  await waitForExtensionHostLog(userDataDir, done, timeout);
  const failure = failed.exec(extensionHostLog(userDataDir));
  if (failure) throw new Error(`${extensionId} failed to activate: ${failure[0]}`);
}

/**
 * Starts code-server with the extension loaded in development mode, opens `workspace` in Chromium (1400×900)
 * and waits until the workbench is drawn and the extension host has activated its startup extensions.
 * @param {{ workspace?: string, extensionPath?: string, settings?: object, verbose?: boolean, untrusted?: boolean,
 *   vsix?: string, emptyWindow?: boolean }} [opts]
 *   workspace: default a fresh temp copy of examples/ (removed on stop); extensionPath: default the repo root;
 *   untrusted: open the folder in Restricted Mode (default: trusted, Workspace Trust off);
 *   vsix: install this package into the fresh profile instead, and load no extension in development mode;
 *   emptyWindow: open no folder (code-server still gets `workspace` as its default folder).
 */
async function startWorkbench({
  workspace,
  extensionPath = REPO,
  settings = {},
  verbose = !!process.env.VERBOSE,
  untrusted = false,
  vsix,
  emptyWindow = false,
} = {}) {
  const ws = workspace ? { dir: path.resolve(workspace), remove: () => {} } : tempWorkspace();
  let server;
  let chromium;
  const stop = async () => {
    if (chromium) await chromium.close();
    if (server) server.stop();
    ws.remove();
  };
  try {
    server = await startCodeServer({ workspace: ws.dir, settings, verbose, untrusted, vsix });
    chromium = await launchChromium({ executablePath: server.install.chromium, viewport: { width: 1400, height: 900 } });
    const { page } = chromium;
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (verbose) page.on('console', (m) => console.log(`[workbench ${m.type()}]`, m.text()));
    const extensionDevelopmentPath = vsix ? undefined : path.resolve(extensionPath);
    const folder = emptyWindow ? undefined : ws.dir;
    await page.goto(workbenchUrl({ host: server.host, folder, extensionDevelopmentPath }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await waitForExtensionHostLog(server.userDataDir, /Eager extensions activated/);
    const screenshot = (name) => saveScreenshot(page, name);
    return {
      page,
      host: server.host,
      workspace: ws.dir,
      userDataDir: server.userDataDir,
      /** the profile's extensions-dir: where a `vsix` was installed */
      extensionsDir: server.extensionsDir,
      errors,
      stop,
      screenshot,
      /** the extension host's log so far: activation errors of the extension show up here */
      extensionHostLog: () => extensionHostLog(server.userDataDir),
      /** resolves once the extension host has activated `extensionId` (publisher.name); throws if that failed */
      waitForActivation: (extensionId, timeout) => waitForActivation(server.userDataDir, extensionId, timeout),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** test-results/<name>.png (the folder is created; it is git-ignored). Returns the path. */
async function saveScreenshot(page, name) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Escape (closes any open quick input or hover), F1, until the palette's input shows: a keypress can be lost while the
 * workbench moves focus (a tab tooltip, a webview taking focus), so F1 is pressed again every 5 s, up to `timeout`.
 */
async function openPalette(page, timeout) {
  const input = page.locator(PALETTE_INPUT);
  const deadline = Date.now() + timeout;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(5000, deadline - Date.now())) });
      return input;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await page.mouse.move(1, 899); // away from tabs and their tooltips
    }
  }
}

/** F1, type `>title`, wait for the command's row, run it. Throws if the palette never offers `title`. */
async function runCommand(page, title, { timeout = 30000 } = {}) {
  const deadline = Date.now() + timeout;
  let input;
  for (;;) {
    input = await openPalette(page, Math.max(1, deadline - Date.now()));
    // The palette can close between showing and typing (focus taken by a webview that re-renders on a busy machine):
    // open it again rather than wait for a hidden input.
    try {
      await input.fill(`>${title}`, { timeout: Math.max(1, Math.min(5000, deadline - Date.now())) });
      break;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
  }
  // Fuzzy matching may list several rows: run the one whose label is `title`, not whatever is first. Some
  // labels carry a qualifier ("View: Focus Problems (Errors, Warnings, Infos)"): allow a trailing "(...)".
  const label = new RegExp(`^\\s*${escapeRe(title)}(\\s*\\(.*\\))?\\s*$`);
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({
      has: page.locator('.label-name', { hasText: label }),
    })
    .first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  await input.waitFor({ state: 'hidden', timeout }).catch(() => {
    /* a command may open its own quick pick */
  });
}

/**
 * Runs a command that opens a quick pick and picks the row showing `rowText`. A quick pick closes when focus moves
 * away (a webview that re-renders on a busy machine): then the command is run again. `filter`: type `rowText` into
 * the pick first (a long list renders only the rows in view).
 */
async function runCommandAndPick(page, title, rowText, { timeout = 30000, filter = false } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    await runCommand(page, title, { timeout: Math.max(1, deadline - Date.now()) });
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: rowText }).first();
    try {
      if (filter)
        await page.locator(PALETTE_INPUT).fill(rowText, { timeout: Math.max(1, Math.min(5000, deadline - Date.now())) });
      await row.click({ timeout: Math.max(1, Math.min(10000, deadline - Date.now())) });
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
  }
}

/**
 * Quick open (Ctrl+P) `name` and wait until its editor tab is active. A file created a moment ago can be
 * missing from quick open's file index ("No matching results"): re-open the picker until it is listed.
 */
async function openFile(page, name, { timeout = 30000 } = {}) {
  const input = page.locator(PALETTE_INPUT);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  const end = Date.now() + timeout;
  for (;;) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(name);
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(3000, Math.max(1, end - Date.now())) });
      break;
    } catch (err) {
      if (Date.now() >= end) throw new Error(`quick open never listed ${name} within ${timeout} ms`, { cause: err });
    }
  }
  // Click the row that names the file: Enter would open whichever row has the focus, which can still be the
  // previous query's first result while the list updates.
  await row.click();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible', timeout });
}

/** The visible text of the active text editor (Monaco renders only the visible lines). */
async function editorText(page) {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines');
  await lines.first().waitFor({ state: 'visible' });
  return (await lines.first().innerText()).replace(/\u00a0/g, ' ');
}

/**
 * A webview's own document, two iframes deep: the workbench's host iframe, then the extension's HTML.
 * `nth` picks among several open (ready) webviews.
 */
function webviewFrame(page, nth = 0) {
  return page.locator('iframe.webview.ready').nth(nth).contentFrame().frameLocator('iframe#active-frame');
}

/**
 * RGBA of canvas pixels, read inside the webview: proves a chart really drew. Points are in canvas pixels
 * (canvas.width/height, i.e. CSS size × devicePixelRatio). Waits for the canvas to exist.
 * @returns {Promise<{ width: number, height: number, pixels: number[][], inked: number }>} inked: pixels with alpha > 0
 */
async function readCanvasPixels(frame, selector, points = []) {
  const canvas = frame.locator(selector).first();
  await canvas.waitFor({ state: 'attached', timeout: 30000 });
  return canvas.evaluate((c, pts) => {
    const ctx = c.getContext('2d');
    const all = ctx.getImageData(0, 0, c.width, c.height).data;
    let inked = 0;
    for (let i = 3; i < all.length; i += 4) if (all[i] > 0) inked++;
    const pixels = pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data));
    return { width: c.width, height: c.height, pixels, inked };
  }, points);
}

/**
 * Opens the Problems panel ("View: Focus Problems") and returns its rows' text (file rows and marker rows).
 * Diagnostics arrive asynchronously, so it waits on what the caller expects to see: `waitFor`, text that must
 * appear in some row, or `until`, a predicate over the rows' texts (e.g. that a code is gone). Polls, no sleeps.
 */
async function problems(page, { waitFor, until, timeout = 30000 } = {}) {
  await runCommand(page, 'View: Focus Problems');
  const rows = page.locator('.markers-panel .monaco-list-row');
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout });
  if (waitFor) await rows.filter({ hasText: waitFor }).first().waitFor({ state: 'visible', timeout });
  const end = Date.now() + timeout;
  for (;;) {
    const texts = (await rows.allInnerTexts()).map(oneLine);
    if (!until || until(texts)) return texts;
    if (Date.now() > end) throw new Error(`Problems never matched ${until} within ${timeout} ms: ${texts.join(' | ')}`);
    await page.waitForTimeout(100); // poll interval of a wait on state, not a fixed delay
  }
}

/** Texts of the notification toasts now on screen. */
async function notifications(page) {
  return (await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).map(oneLine);
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = {
  startWorkbench,
  runCommand,
  runCommandAndPick,
  openFile,
  editorText,
  webviewFrame,
  readCanvasPixels,
  problems,
  notifications,
  saveScreenshot,
  RESULTS,
};
