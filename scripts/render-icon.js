#!/usr/bin/env node
// Renders media/icon.svg to media/icon.png (256×256, the marketplace icon: vsce takes PNG only) with the system's
// headless Chromium, the same browser the UI tests drive. Run after editing the SVG: node scripts/render-icon.js
'use strict';
const fs = require('fs');
const path = require('path');
const { findChromium } = require('./find-chromium');
const { launchChromium } = require('../test/e2e/lib/browser');

const SIZE = 256;
const media = path.join(__dirname, '..', 'media');

async function main() {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found (see scripts/find-chromium.js)');
  const svg = fs.readFileSync(path.join(media, 'icon.svg'), 'utf8');
  const { page, close } = await launchChromium({ executablePath, viewport: { width: SIZE, height: SIZE } });
  try {
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    const png = await page.locator('svg').screenshot({ omitBackground: true });
    fs.writeFileSync(path.join(media, 'icon.png'), png);
  } finally {
    await close();
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
