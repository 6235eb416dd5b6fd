#!/usr/bin/env node
// Finds a Chromium/Chrome binary for playwright-core (which never downloads a browser here: we use the
// system's). Prints its path and exits 0, or exits 1. Also usable as a module: findChromium() -> path | undefined.
// CHROMIUM_PATH wins when set (it must then exist: a wrong explicit path is an error, not a silent fallback).
'use strict';
const fs = require('fs');
const path = require('path');

const CANDIDATES = [
  '/usr/bin/chromium', // Debian
  '/usr/bin/chromium-browser', // Ubuntu, Fedora
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** @returns {string | undefined} */
function findChromium() {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return isExecutable(explicit) ? path.resolve(explicit) : undefined;
  return CANDIDATES.find(isExecutable);
}

module.exports = { findChromium };

if (require.main === module) {
  const found = findChromium();
  if (!found) {
    console.error(
      process.env.CHROMIUM_PATH
        ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`
        : 'No Chromium found. Debian: apt-get install chromium; or set CHROMIUM_PATH.',
    );
    process.exit(1);
  }
  console.log(found);
}
