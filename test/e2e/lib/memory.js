// Samples the memory of this test process and all its descendants (code-server, extension host, pty host,
// Chromium and its renderers) from /proc, to report the peak a test run needs. Uses PSS (shared pages split
// between the processes sharing them) so that summing Chromium's many processes does not overcount; falls
// back to RSS. Linux only; elsewhere it reports nothing rather than failing the run.
'use strict';
const fs = require('fs');
const { descendantPids } = require('./lifecycle');

function processBytes(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* no smaps_rollup (old kernel) or exited */
  }
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Bytes used by process.pid and its descendants, or undefined without /proc. */
function treeBytes() {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  return [process.pid, ...descendantPids()].reduce((sum, pid) => sum + processBytes(pid), 0);
}

/** Starts sampling every `ms`; stop() returns the peak in MiB (undefined without /proc). */
function sampleMemory(ms = 1000) {
  let peak = 0;
  const tick = () => {
    const v = treeBytes();
    if (v !== undefined && v > peak) peak = v;
  };
  tick();
  const timer = setInterval(tick, ms);
  timer.unref();
  return {
    stop: () => {
      tick();
      clearInterval(timer);
      return peak ? Math.round(peak / 2 ** 20) : undefined;
    },
  };
}

module.exports = { sampleMemory, treeBytes };
