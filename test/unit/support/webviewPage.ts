// The dashboard webview as the unit tests load it in real Chromium (playwright-core, the system's /usr/bin/chromium):
// the bundle rebuilt when its sources are newer, a page with the host's strict CSP, VS Code's theme variables and a
// recording fake `acquireVsCodeApi`, and the browser launched the same way for every webview test.
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '../../../..');
export const CHROMIUM = process.env.GRADSCOPE_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS = path.join(REPO, 'test-results');
const NONCE = 'gradscopeTestNonce';

/** dist/webview.js(+css), rebuilt with the same options as esbuild.js when missing or older than webview/**. */
export async function ensureBundle(): Promise<void> {
  const out = path.join(REPO, 'dist', 'webview.js');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }
    return t;
  };
  const sources = Math.max(newest(path.join(REPO, 'webview')), newest(path.join(REPO, 'src', 'shared')));
  if (fs.existsSync(out) && fs.existsSync(path.join(REPO, 'dist', 'webview.css')) && fs.statSync(out).mtimeMs >= sources) return;
  const esbuild = await import('esbuild');
  await esbuild.build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: { webview: path.join(REPO, 'webview', 'main.ts') },
    outdir: path.join(REPO, 'dist'),
  });
}

export const DARK_VARS: Record<string, string> = {
  '--vscode-font-family': 'system-ui, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", "monospace", monospace',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-editorError-foreground': '#f14c4c',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-editorInfo-foreground': '#3794ff',
  '--vscode-textLink-foreground': '#4daafc',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-progressBar-background': '#0078d4',
};

export const LIGHT_VARS: Record<string, string> = {
  ...DARK_VARS,
  '--vscode-editor-foreground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-purple': '#652d90',
  '--vscode-editorError-foreground': '#e51400',
  '--vscode-editorWarning-foreground': '#bf8803',
  '--vscode-editorInfo-foreground': '#1a85ff',
  '--vscode-textLink-foreground': '#005fb8',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
};

/** The page the host would serve (same CSP), with the theme variables VS Code injects and a recording fake API. */
export function testPage(): string {
  const dist = `file://${path.join(REPO, 'dist')}`;
  const vars = Object.entries(DARK_VARS)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ');
  const csp = `default-src 'none'; img-src file: data:; style-src file: 'nonce-${NONCE}'; script-src 'nonce-${NONCE}'; font-src file:;`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${dist}/webview.css">
<style nonce="${NONCE}">html { ${vars} }</style>
</head>
<body class="vscode-dark"><div id="app"></div>
<script nonce="${NONCE}">
  window.__posted = []; window.__state = undefined; window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  function acquireVsCodeApi() {
    return { postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } };
  }
</script>
<script nonce="${NONCE}" src="${dist}/webview.js"></script>
</body></html>`;
}

/** Chromium for a webview test (headless, no network, file:// pages may load the dist bundle). */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--allow-file-access-from-files',
    ],
  });
}

/**
 * The test page (testPage) written into `dir` and opened in a new 1280×900 page of `browser`; the page's errors
 * (uncaught, console.error) are pushed onto `errors`.
 */
export async function openTestPage(browser: Browser, dir: string, errors: string[]): Promise<Page> {
  const html = path.join(dir, 'webview.html');
  fs.writeFileSync(html, testPage());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`file://${html}`);
  return page;
}

/**
 * Polls a page expression until it is truthy (page.waitForFunction evaluates strings with eval, which the host's CSP
 * forbids; page.evaluate goes through the debugger protocol and is not subject to it).
 */
export async function waitForPage(page: Page, expression: string, timeout = 10_000): Promise<void> {
  const until = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(expression)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for: ${expression}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
