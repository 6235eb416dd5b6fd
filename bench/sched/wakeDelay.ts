// How late a host-like process's timers fire when an engine-like process trains beside busy neighbours (Linux), for
// each way of lowering the engine. The test machine's layout in miniature, on its 2 cores:
//   - this process is the "host": every 10 ms a timer fires and does ~1 ms of work (an event handled);
//   - a busy child in this process's own session (so its autogroup), as code-server is beside the extension host;
//   - a busy child in a session of its own, as Chromium's renderer is;
//   - the "engine": a busy child in a session of its own, lowered as MODE says:
//       normal  nothing;
//       nice    processPriority.lowerPriority: nice 10, and its autogroup nice 10;
//       idle    that and the SCHED_IDLE policy (processPriority.enterIdleScheduling).
// Modes alternate, ROUNDS times, SECONDS each. Each line: the host's timer lateness (max, p99, over 50 ms) and the
// share of a CPU each child had, from /proc/<pid>/stat.
//   node out/bench/sched/wakeDelay.js [rounds=4] [seconds=8] [modes=normal,nice,idle]
import { fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { monitorEventLoopDelay } from 'perf_hooks';
import { enterIdleScheduling, lowerPriority } from '../../src/training/run/processPriority';
import { statField } from '../../test/unit/support/niceValues';

const MODES = ['normal', 'nice', 'idle'] as const;
type Mode = (typeof MODES)[number];

/** A child: works `workMs`, sleeps `sleepMs` (a timer), over and over; `sleepMs` 0 never sleeps. */
function busy(mode: string, workMs: number, sleepMs: number): void {
  if (mode === 'nice' || mode === 'idle') lowerPriority();
  if (mode === 'idle' && !enterIdleScheduling()) console.error('wakeDelay: SCHED_IDLE could not be set');
  process.send?.('ready');
  let x = 0;
  const burst = (): void => {
    const until = performance.now() + workMs;
    while (sleepMs === 0 || performance.now() < until) x = (x + Math.sqrt(x + 1)) % 1e9;
    setTimeout(burst, sleepMs);
  };
  burst();
}

/** CPU seconds (user + system: fields 14 and 15 of proc(5)'s stat, in 1/100 s) of process `pid` so far. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  return (statField(stat, 14) + statField(stat, 15)) / 100;
}

/** Each child's duty cycle (work ms, sleep ms), from the environment: WAKE_SIBLING=5,5 and so on. */
function duty(role: string): [string, string] {
  const [work = '1', sleep = '0'] = (process.env[`WAKE_${role.toUpperCase()}`] ?? '1,0').split(',');
  return [work, sleep];
}

function start(role: string, mode: string, detached: boolean): Promise<ChildProcess> {
  const child = fork(__filename, ['busy', mode, ...duty(role)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached });
  child.on('error', (e) => console.error(`wakeDelay: ${role}: ${e.message}`));
  return new Promise((resolve) => child.once('message', () => resolve(child)));
}

async function round(mode: Mode, seconds: number): Promise<void> {
  const children = {
    sibling: await start('sibling', 'normal', false),
    renderer: await start('renderer', 'normal', true),
    engine: await start('engine', mode, true),
  };
  const cpu0 = Object.fromEntries(Object.entries(children).map(([k, c]) => [k, cpuSeconds(c.pid ?? 0)]));
  const lateness: number[] = [];
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let due = performance.now() + 10;
    const tick = (): void => {
      const now = performance.now();
      lateness.push(now - due);
      const until = now + 1;
      while (performance.now() < until); // the event's work
      if (now - t0 > seconds * 1000) return resolve();
      due = performance.now() + 10;
      setTimeout(tick, 10);
    };
    setTimeout(tick, 10);
  });
  histogram.disable();
  const wall = (performance.now() - t0) / 1000;
  const share = Object.fromEntries(
    Object.entries(children).map(([k, c]) => [k, +((cpuSeconds(c.pid ?? 0) - cpu0[k]) / wall).toFixed(3)]),
  );
  for (const c of Object.values(children)) c.kill('SIGKILL');
  lateness.sort((a, b) => a - b);
  const at = (q: number): number => +lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))].toFixed(2);
  console.log(
    JSON.stringify({
      mode,
      ticks: lateness.length,
      latenessMaxMs: at(1),
      latenessP99Ms: at(0.99),
      latenessP50Ms: at(0.5),
      over50Ms: lateness.filter((l) => l > 50).length,
      loopDelayMaxMs: +(histogram.max / 1e6).toFixed(2),
      cpuShare: share,
      duty: Object.fromEntries(Object.keys(children).map((k) => [k, duty(k).join(',')])),
    }),
  );
}

async function main(): Promise<void> {
  const [rounds = '4', seconds = '8', modes = MODES.join(',')] = process.argv.slice(2);
  const chosen = modes.split(',') as Mode[];
  if (chosen.some((m) => !MODES.includes(m))) throw new Error(`modes are ${MODES.join(', ')}`);
  for (let r = 0; r < Number(rounds); r++) {
    // rotate the order so that no mode always follows the same one
    for (let i = 0; i < chosen.length; i++) await round(chosen[(i + r) % chosen.length], Number(seconds));
  }
}

if (process.argv[2] === 'busy') busy(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
else void main();
