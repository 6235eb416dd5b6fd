// Watches the extension host's main thread while a test drives it: the event-loop delay (monitorEventLoopDelay),
// every block longer than a threshold with what the test was doing then and how much of it the thread spent on the
// CPU (working) or waiting for one (the machine was busy: /proc/self/task/<pid>/schedstat, Linux only), and a CPU
// profile (node's inspector, in-process) whose self time is summed per function, overall and within each block.
// Numbers are reported, never asserted: they depend on the machine's load.
import * as fs from 'fs';
import { Session, type Profiler, type Runtime } from 'inspector';
import { monitorEventLoopDelay } from 'perf_hooks';

export interface Block {
  /** When the block ended, ms since the probe started. */
  atMs: number;
  ms: number;
  phase: string;
  /** Of `ms`: time the main thread ran on a CPU, and time it waited in the run queue (machine load). */
  cpuMs?: number;
  waitMs?: number;
  /** The functions with the most self time inside the block (CPU profile samples), "name file:line ms". */
  top?: string[];
}

export interface FunctionTime {
  fn: string;
  selfMs: number;
}

export interface ProbeReport {
  loopDelay: { samples: number; maxMs: number; p99Ms: number; p50Ms: number; meanMs: number };
  blocksOver40Ms: Block[];
  /**
   * The (up to 5) intervals between two 10 ms ticks in which the main thread spent the most time on a CPU: the
   * longest stretches of the host's own work, whatever the machine's load (Linux only).
   */
  busiest: Block[];
  /** Main-thread CPU and run-queue wait over the whole probe (ms), when schedstat is readable. */
  mainThread?: { cpuMs: number; waitMs: number };
  /** Self time by function over the whole probe, heaviest first (from the CPU profile). */
  profileTop: FunctionTime[];
}

const TICK_MS = 10;
const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * Reads [on-CPU ns, run-queue wait ns] of this process's main thread (Linux: the main thread's task id is the pid),
 * through one descriptor opened once (a read per tick must cost next to nothing); undefined off Linux.
 */
function schedstatReader(): { read(): [number, number] | undefined; close(): void } {
  let fd: number | undefined;
  try {
    fd = fs.openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    fd = undefined;
  }
  const buf = Buffer.alloc(128);
  return {
    read() {
      if (fd === undefined) return undefined;
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const [run, wait] = buf.toString('latin1', 0, n).split(' ').map(Number);
      return Number.isFinite(run) && Number.isFinite(wait) ? [run, wait] : undefined;
    },
    close() {
      if (fd !== undefined) fs.closeSync(fd);
      fd = undefined;
    },
  };
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

/** "name dir/file:line" of a profile node (the file's last two path segments). */
function frameName(frame: Runtime.CallFrame): string {
  const file = frame.url.split('/').slice(-2).join('/');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
}

/**
 * Self ms per function of the samples taken in [fromUs, toUs) (the profile's clock: V8's monotonic µs, the clock of
 * process.hrtime on Linux and macOS).
 */
function selfTimes(profile: Profiler.Profile, fromUs = -Infinity, toUs = Infinity): FunctionTime[] {
  const names = new Map(profile.nodes.map((n) => [n.id, frameName(n.callFrame)]));
  const byFn = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    // A sample stands for the time until the next one.
    if (t < fromUs || t >= toUs) continue;
    const name = names.get(samples[i]) ?? '?';
    byFn.set(name, (byFn.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  }
  return [...byFn]
    .map(([fn, selfMs]) => ({ fn, selfMs: round(selfMs) }))
    .filter((f) => !f.fn.startsWith('(idle)') && f.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs);
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A gap between two ticks of the probe's timer: how long it lasted and what the main thread did meanwhile. */
interface Gap extends Block {
  fromUs: number;
  toUs: number;
}

/**
 * Starts watching. `phase()` says what the test is doing (read when a gap is recorded). `profileFile`: where to save
 * the .cpuprofile (open it in Chrome DevTools or VS Code).
 */
export async function startProbe(
  phase: () => string,
  profileFile: string,
  thresholdMs = 40,
): Promise<{ stop(): Promise<ProbeReport> }> {
  const histogram = monitorEventLoopDelay({ resolution: TICK_MS });
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 500 });
  await post(session, 'Profiler.start');
  const sched = schedstatReader();
  const startUs = nowUs();
  const firstStat = sched.read();
  histogram.enable();
  const blocks: Gap[] = [];
  const busiest: Gap[] = [];
  let lastUs = startUs;
  let lastStat = firstStat;
  const timer = setInterval(() => {
    const us = nowUs();
    const stat = sched.read();
    const ms = (us - lastUs) / 1000 - TICK_MS;
    const cpuMs = stat && lastStat ? (stat[0] - lastStat[0]) / 1e6 : undefined;
    const gap = (): Gap => {
      const g: Gap = { atMs: Math.round((us - startUs) / 1000), ms: Math.round(ms), phase: phase(), fromUs: lastUs, toUs: us };
      if (stat && lastStat) {
        g.cpuMs = Math.round(cpuMs!);
        g.waitMs = Math.round((stat[1] - lastStat[1]) / 1e6);
      }
      return g;
    };
    if (ms > thresholdMs) blocks.push(gap());
    // The gaps in which the main thread worked longest: its own work, whatever the machine's load.
    if (cpuMs !== undefined && cpuMs > 5 && (busiest.length < 5 || cpuMs > busiest[busiest.length - 1].cpuMs!)) {
      busiest.push(gap());
      busiest.sort((a, b) => b.cpuMs! - a.cpuMs!);
      busiest.length = Math.min(busiest.length, 5);
    }
    lastUs = us;
    lastStat = stat;
  }, TICK_MS);
  return {
    async stop(): Promise<ProbeReport> {
      clearInterval(timer);
      histogram.disable();
      const endStat = sched.read();
      sched.close();
      const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
      session.disconnect();
      fs.writeFileSync(profileFile, JSON.stringify(profile));
      const described = (gaps: Gap[]): Block[] =>
        gaps.map(({ fromUs, toUs, ...b }) => ({
          ...b,
          top: selfTimes(profile, fromUs, toUs)
            .slice(0, 4)
            .map((f) => `${f.fn} ${f.selfMs}`),
        }));
      const ms = (ns: number): number => round(ns / 1e6);
      const report: ProbeReport = {
        loopDelay: {
          samples: histogram.count,
          maxMs: ms(histogram.max),
          p99Ms: ms(histogram.percentile(99)),
          p50Ms: ms(histogram.percentile(50)),
          meanMs: ms(histogram.mean),
        },
        blocksOver40Ms: described(blocks),
        busiest: described(busiest),
        profileTop: selfTimes(profile).slice(0, 15),
      };
      if (firstStat && endStat)
        report.mainThread = {
          cpuMs: Math.round((endStat[0] - firstStat[0]) / 1e6),
          waitMs: Math.round((endStat[1] - firstStat[1]) / 1e6),
        };
      return report;
    },
  };
}
