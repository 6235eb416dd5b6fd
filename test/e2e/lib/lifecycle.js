// Cleanup that runs however the test process ends: normal exit, a thrown error, Ctrl+C, a CI timeout's
// SIGTERM. Every process group and temp dir the harness creates registers here, so a failing or interrupted
// run leaves no code-server, extension host or Chromium behind and no stray temp dirs.
'use strict';
const fs = require('fs');

/** @type {Set<() => void>} synchronous cleanups, newest first on run */
const cleanups = new Set();
let hooked = false;

function runAll() {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      /* best effort: keep cleaning the rest */
    }
  }
}

function hook() {
  if (hooked) return;
  hooked = true;
  // 'exit' handlers must be synchronous: killing a process group and rmSync are.
  process.on('exit', runAll);
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ]) {
    process.on(sig, () => {
      console.error(`\n[gradscope-test] ${sig}: stopping code-server, extension host and browser`);
      process.exit(code); // runs the 'exit' hook
    });
  }
}

/** Registers a synchronous cleanup; returns a function that runs it now (once) and unregisters it. */
function onCleanup(fn) {
  hook();
  cleanups.add(fn);
  return () => {
    if (!cleanups.delete(fn)) return;
    try {
      fn();
    } catch {
      /* best effort */
    }
  };
}

/** SIGKILLs a whole process group (detached child => its pid is the group id). Already gone is fine. */
function killGroup(pid, signal = 'SIGKILL') {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** pid -> parent pid for every process, from /proc (Linux); an empty map elsewhere. */
function processParents() {
  const parent = new Map();
  let entries = [];
  try {
    entries = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    /* no /proc */
  }
  for (const d of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])); // comm may hold spaces
    } catch {
      /* exited while we looked */
    }
  }
  return parent;
}

/** Every live descendant of `root` (default: this process). */
function descendantPids(root = process.pid) {
  const parent = processParents();
  const isBelow = (pid) => {
    for (let p = parent.get(pid), n = 0; p && n < 64; p = parent.get(p), n++) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(isBelow);
}

/**
 * SIGKILLs every descendant of this process: the safety net for children we cannot address as one group
 * (@vscode/test-electron spawns VS Code without a handle we can reach).
 */
function killDescendants() {
  for (const pid of descendantPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** rm -rf that never throws (a temp dir that is already gone, or busy, must not mask the test result). */
function removeDir(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

module.exports = { onCleanup, killGroup, killDescendants, descendantPids, removeDir };
