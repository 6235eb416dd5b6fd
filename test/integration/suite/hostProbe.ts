// Watches the extension host's main thread while a test drives it: the event-loop delay (monitorEventLoopDelay),
// every block longer than a threshold with what the test was doing then and how much CPU the host used meanwhile
// (a block with little was spent waiting for a CPU: the machine was busy), the main thread's on-CPU and run-queue
// time overall (/proc/self/task/<pid>/schedstat, Linux only), its garbage collections (overall and within each
// block), and a CPU profile (node's inspector, in-process) whose self time is summed per function, overall and within
// each block.
// Numbers are reported, never asserted: they depend on the machine's load.
import * as fs from 'fs';
import * as path from 'path';
import { Session, type HeapProfiler, type Profiler, type Runtime } from 'inspector';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver, type PerformanceEntry } from 'perf_hooks';

export interface Block {
  /** When the block ended, ms since the probe started. */
  atMs: number;
  ms: number;
  phase: string;
  /**
   * CPU time the extension host process used meanwhile (all its threads): a block much longer than this was spent
   * waiting for a CPU (the machine's load), not working.
   */
  cpuMs?: number;
  /** Garbage collection of the host's heap inside the block: ms by kind (perf_hooks 'gc' entries), if there was any. */
  gcMs?: Record<string, number>;
  /** The functions with the most self time inside the block (CPU profile samples), "name file:line ms". */
  top?: string[];
}

export interface FunctionTime {
  fn: string;
  selfMs: number;
}

export interface ProbeReport {
  /** When the probe started, on the monotonic clock (CLOCK_MONOTONIC on Linux, a scheduler trace's `mono`), in s. */
  startedAtS: number;
  loopDelay: { samples: number; maxMs: number; p99Ms: number; p50Ms: number; meanMs: number };
  blocksOver40Ms: Block[];
  /**
   * The (up to 5) intervals between two 10 ms ticks in which the host used the most CPU: the longest stretches of
   * its own work, whatever the machine's load.
   */
  busiest: Block[];
  /** The main thread's time on a CPU and waiting in the run queue for one over the whole probe (ms; Linux only). */
  mainThread?: { cpuMs: number; waitMs: number };
  /**
   * The whole machine meanwhile (Linux /proc/stat, all CPUs summed, ms): time busy, idle, and stolen by the
   * hypervisor (a virtual machine's CPUs can wait for the host's: the threads then wait with nothing of ours to blame).
   */
  machine?: { busyMs: number; idleMs: number; stealMs: number };
  /**
   * Garbage collections of the host's heap meanwhile (perf_hooks 'gc' entries): how many and how long by kind, and
   * the longest, with the heap used at the end.
   */
  gc: { byKind: Record<string, { count: number; totalMs: number; maxMs: number }>; heapUsedMB: number };
  /** Self time by function over the whole probe, heaviest first (from the CPU profile). */
  profileTop: FunctionTime[];
  /**
   * With GRADSCOPE_PROBE_HEAP=1: MB allocated by function over the whole probe, largest first, from V8's sampling
   * heap profiler (objects since collected included). What feeds the scavenges.
   */
  allocTop?: { fn: string; mb: number }[];
}

const TICK_MS = 10;
const round = (ms: number): number => Math.round(ms * 100) / 100;

/** [busy, idle, steal] jiffies of all CPUs (the first line of /proc/stat), else undefined. */
function cpuTimes(): [number, number, number] | undefined {
  try {
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fs
      .readFileSync('/proc/stat', 'latin1')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return [user + nice + system + irq + softirq, idle + iowait, steal];
  } catch {
    return undefined;
  }
}

/** [on-CPU ns, run-queue wait ns] of this process's main thread (Linux: its task id is the pid), else undefined. */
function schedstat(): [number, number] | undefined {
  try {
    const [run, wait] = fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ').map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? [run, wait] : undefined;
  } catch {
    return undefined;
  }
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

/** Bytes allocated by each function (self, summed over its call sites), largest first. */
function allocations(head: HeapProfiler.SamplingHeapProfileNode): { fn: string; mb: number }[] {
  const bytes = new Map<string, number>();
  const visit = (node: HeapProfiler.SamplingHeapProfileNode): void => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(head);
  return [...bytes].sort((a, b) => b[1] - a[1]).map(([fn, b]) => ({ fn, mb: round(b / 1e6) }));
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
  // The profiler's sampling costs the host's process a thread's CPU time (~4 % of a core at 500 µs, measured with a
  // scheduler trace): GRADSCOPE_PROBE_PROFILE_US=0 measures the delays without it (and without attributing blocks).
  const intervalUs = Number(process.env.GRADSCOPE_PROBE_PROFILE_US ?? 500);
  const heap = process.env.GRADSCOPE_PROBE_HEAP === '1';
  const session = intervalUs > 0 || heap ? new Session() : undefined;
  session?.connect();
  if (session && intervalUs > 0) {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
    await post(session, 'Profiler.start');
  }
  if (session && heap) {
    await post(session, 'HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const startUs = nowUs();
  const firstStat = schedstat();
  const firstCpu = cpuTimes();
  histogram.enable();
  const gcByKind: ProbeReport['gc']['byKind'] = {};
  const gcKinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
  };
  // Each collection with its place on the probe's clock (entries' times are ms since performance.timeOrigin).
  const gcs: { kind: string; fromUs: number; toUs: number }[] = [];
  const originUs = nowUs() - performance.now() * 1000;
  const recordGc = (entries: PerformanceEntry[]): void => {
    for (const entry of entries) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      const kind = gcKinds[detail?.kind ?? -1] ?? 'other';
      const k = (gcByKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      k.count++;
      k.totalMs = round(k.totalMs + entry.duration);
      k.maxMs = round(Math.max(k.maxMs, entry.duration));
      const fromUs = originUs + entry.startTime * 1000;
      gcs.push({ kind, fromUs, toUs: fromUs + entry.duration * 1000 });
    }
  };
  const gcObserver = new PerformanceObserver((list) => recordGc(list.getEntries()));
  gcObserver.observe({ entryTypes: ['gc'] });
  /** GC ms by kind within [fromUs, toUs). */
  const gcWithin = (fromUs: number, toUs: number): Record<string, number> | undefined => {
    const byKind: Record<string, number> = {};
    for (const gc of gcs) {
      const ms = (Math.min(gc.toUs, toUs) - Math.max(gc.fromUs, fromUs)) / 1000;
      if (ms > 0) byKind[gc.kind] = round((byKind[gc.kind] ?? 0) + ms);
    }
    return Object.keys(byKind).length ? byKind : undefined;
  };
  const blocks: Gap[] = [];
  const busiest: Gap[] = [];
  let lastUs = startUs;
  let lastCpu = process.cpuUsage();
  const timer = setInterval(() => {
    const us = nowUs();
    // The process's CPU time (all its threads: a getrusage, next to free); schedstat is read at the ends only, as a
    // read per tick would cost more than some of what is measured.
    const cpu = process.cpuUsage();
    const ms = (us - lastUs) / 1000 - TICK_MS;
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    const gap = (): Gap => ({
      atMs: Math.round((us - startUs) / 1000),
      ms: Math.round(ms),
      phase: phase(),
      cpuMs: Math.round(cpuMs),
      fromUs: lastUs,
      toUs: us,
    });
    if (ms > thresholdMs) blocks.push(gap());
    // The gaps in which the host worked longest: its own work, whatever the machine's load.
    if (cpuMs > 5 && (busiest.length < 5 || cpuMs > busiest[busiest.length - 1].cpuMs!)) {
      busiest.push(gap());
      busiest.sort((a, b) => b.cpuMs! - a.cpuMs!);
      busiest.length = Math.min(busiest.length, 5);
    }
    lastUs = us;
    lastCpu = cpu;
  }, TICK_MS);
  return {
    async stop(): Promise<ProbeReport> {
      clearInterval(timer);
      histogram.disable();
      // Entries not yet delivered to the callback (a collection just before the stop) are taken here.
      recordGc(gcObserver.takeRecords());
      gcObserver.disconnect();
      const endStat = schedstat();
      const endCpu = cpuTimes();
      let profile: Profiler.Profile = { nodes: [], startTime: 0, endTime: 0 };
      let allocTop: ProbeReport['allocTop'];
      if (session && heap) {
        const sampled = await post<{ profile: HeapProfiler.SamplingHeapProfile }>(session, 'HeapProfiler.stopSampling');
        fs.writeFileSync(profileFile.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(sampled.profile));
        allocTop = allocations(sampled.profile.head).slice(0, 15);
      }
      if (session && intervalUs > 0) {
        ({ profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop'));
        fs.writeFileSync(profileFile, JSON.stringify(profile));
      }
      session?.disconnect();
      const described = (gaps: Gap[]): Block[] =>
        gaps.map(({ fromUs, toUs, ...b }) => ({
          ...b,
          gcMs: gcWithin(fromUs, toUs),
          top: selfTimes(profile, fromUs, toUs)
            .slice(0, 4)
            .map((f) => `${f.fn} ${f.selfMs}`),
        }));
      const ms = (ns: number): number => round(ns / 1e6);
      const report: ProbeReport = {
        startedAtS: startUs / 1e6,
        loopDelay: {
          samples: histogram.count,
          maxMs: ms(histogram.max),
          p99Ms: ms(histogram.percentile(99)),
          p50Ms: ms(histogram.percentile(50)),
          meanMs: ms(histogram.mean),
        },
        blocksOver40Ms: described(blocks),
        busiest: described(busiest),
        gc: { byKind: gcByKind, heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6) },
        profileTop: selfTimes(profile).slice(0, 15),
      };
      if (allocTop) report.allocTop = allocTop;
      if (firstStat && endStat)
        report.mainThread = {
          cpuMs: Math.round((endStat[0] - firstStat[0]) / 1e6),
          waitMs: Math.round((endStat[1] - firstStat[1]) / 1e6),
        };
      if (firstCpu && endCpu) {
        // Jiffies are USER_HZ ticks: 100 per second on Linux.
        const [busyMs, idleMs, stealMs] = endCpu.map((v, i) => (v - firstCpu[i]) * 10);
        report.machine = { busyMs, idleMs, stealMs };
      }
      return report;
    },
  };
}
