// The words the extension host shows about runs: status bar, output channel, progress notification, sidebar,
// quick pick and the end-of-run message. Plain functions without `vscode`, so unit tests can feed them the
// null/NaN/±Infinity that losses become (JSON turns NaN into null) and check every epoch reads 1-based.
import * as path from 'path';
import type { EngineMessage, EpochEvent, RunEndEvent, RunStatus } from '../shared/engineProtocol';
import { displayEpoch, formatCount, formatFixed, isFiniteNumber, scheduleLine } from '../shared/format';
import { runProgress, type RunHistoryState } from '../shared/runHistory';
import type { RunSummary } from '../training/run/runSummary';

/**
 * The icon of a live run (status bar, sidebar). Still on purpose: a spinning codicon is an endless CSS animation. With
 * three of them and the dashboard's pulsing dot, a Chrome trace of code-server showed the display compositor drawing
 * 58 frames a second for the whole run (14 without): docs/responsiveness-and-memory.md.
 */
export const LIVE_RUN_ICON = 'pulse';

/** Loss-like numbers in host text: 4 decimals, the non-finite text for null/NaN/±Infinity. */
const loss = (v: number | null | undefined): string => formatFixed(v, 4);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Status bar text while a run trains: "epoch 2/10 · step 37 · step loss 0.6931 · wasm" (without the icon). The step
 * is the last step's index (as on the dashboard's step axis and in diagnostics); its loss is that step's.
 */
export function liveStatusText(history: RunHistoryState): string {
  const start = history.start;
  const p = runProgress(history);
  if (!start || !p) return 'gradscope: starting…';
  if (history.lastStep < 0) return `gradscope: epoch ${p.epoch}/${p.epochs} · ${start.backend}`;
  return `gradscope: epoch ${p.epoch}/${p.epochs} · step ${formatCount(history.lastStep)} · step loss ${loss(history.lastLoss)} · ${start.backend}`;
}

/** Status bar text after a run: "diverged · 2 diagnostics" or "completed · best val_loss 0.1234". */
export function endStatusText(end: RunEndEvent, diagnostics: number): string {
  const best = end.bestValLoss !== undefined ? ` · best val_loss ${loss(end.bestValLoss)}` : '';
  return `gradscope: ${end.status}${best}${diagnostics ? ` · ${plural(diagnostics, 'diagnostic')}` : ''}`;
}

/** Whether a run's outcome is a success (the status bar's check mark, an information rather than error message). */
export function endedWell(status: RunStatus): boolean {
  return status === 'completed' || status === 'early-stopped' || status === 'stopped';
}

/** Output channel line for an epoch: "epoch 1/10: loss 0.6931 val_loss 0.7012, val_acc 0.512". */
export function epochLine(e: EpochEvent, epochs: number): string {
  return `epoch ${displayEpoch(e.epoch)}/${epochs}: loss ${loss(e.loss)} val_loss ${loss(e.valLoss)}${accText(e)}`;
}

/** Progress notification text for an epoch. */
export function epochProgressText(e: EpochEvent, epochs: number): string {
  return `epoch ${displayEpoch(e.epoch)}/${epochs}: val_loss ${loss(e.valLoss)}${accText(e)}`;
}

function accText(e: EpochEvent): string {
  return e.valAcc !== undefined ? `, val_acc ${formatFixed(e.valAcc, 3)}` : '';
}

/** The one output channel line for a run's end. */
export function runEndLine(runId: string | undefined, end: RunEndEvent): string {
  const counts = `${plural(end.epochsCompleted, 'epoch')} completed, ${plural(end.steps, 'step')}`;
  return `run ${runId ?? ''}: ${end.status} (${counts})${end.error ? `: ${end.error}` : ''}`;
}

/** The message after Train Model: "spiral.gradscope.json: completed, best val_loss 0.1234". */
export function trainEndMessage(specName: string, end: RunEndEvent): string {
  const best = end.bestValLoss !== undefined ? `, best val_loss ${loss(end.bestValLoss)}` : '';
  return `${specName}: ${end.status}${best}${end.error && !endedWell(end.status) ? ` (${end.error})` : ''}`;
}

/** What a run shows as: a run with no run-end is `running` while it is the live run, else `interrupted`. */
export function shownStatus(summary: RunSummary, live: boolean): RunSummary['status'] | 'interrupted' {
  if (live) return 'running';
  return summary.status === 'running' ? 'interrupted' : summary.status;
}

/** "resumed from <run id> at epoch N" for a run that continued another from its checkpoint (epochs 1-based done). */
export function resumedFromText(summary: RunSummary): string | undefined {
  const from = summary.start?.resumedFrom;
  return from ? `resumed from ${path.basename(from.runDir)} at epoch ${from.epoch}` : undefined;
}

/**
 * A run's row in the sidebar: the status as the label (never truncated first), the rest as the description; a
 * resumed run names the run it continues. `checkpoints`: epochs after which the run saved one (newest last).
 */
export function runItemText(
  summary: RunSummary,
  live: boolean,
  when: string,
  checkpoints: readonly number[] = [],
): { label: string; description: string; tooltip: string[] } {
  const status = shownStatus(summary, live);
  const parts: string[] = [];
  if (isFiniteNumber(summary.bestValLoss)) parts.push(`best val ${loss(summary.bestValLoss)}`);
  if (summary.diagnostics.length) parts.push(plural(summary.diagnostics.length, 'diagnostic'));
  const resumed = resumedFromText(summary);
  if (resumed) parts.push(resumed);
  parts.push(when);
  const newest = checkpoints[checkpoints.length - 1];
  // A resumed run's epochs continue the run it resumed: count those too, and say which this run trained.
  const before = summary.start?.resumedFrom?.epoch;
  const own = summary.epochs === 0 ? 'none' : `${(before ?? 0) + 1}–${(before ?? 0) + summary.epochs}`;
  const tooltip = [
    `**${summary.runId}**`,
    `status: ${status}`,
    before === undefined
      ? `epochs completed: ${summary.epochs}`
      : `epochs completed: ${before + summary.epochs} (${own} in this run)`,
    summary.start ? `backend: ${summary.start.backend}` : '',
    resumed ?? '',
    newest !== undefined ? `checkpoints after epoch ${checkpoints.join(', ')}: Resume Run continues from epoch ${newest}` : '',
    ...summary.diagnostics.slice(0, 5).map((d) => `- \`${d.code}\` ${d.message}`),
  ].filter(Boolean);
  return { label: status, description: parts.join(' · '), tooltip };
}

/** A run in the Open Run… quick pick. */
export function runPickDescription(summary: RunSummary): string {
  const best = isFiniteNumber(summary.bestValLoss) ? ` · best val ${loss(summary.bestValLoss)}` : '';
  const diagnostics = summary.diagnostics.length ? ` · ${plural(summary.diagnostics.length, 'diagnostic')}` : '';
  return `${summary.status}${best}${diagnostics}`;
}

/**
 * A spec's folder as the sidebar shows it: relative to the workspace folder that holds it, empty for a spec at a
 * folder's top (never an absolute path: it would take the row's width), the absolute folder only outside them.
 */
export function specFolderText(specFile: string, workspaceFolders: readonly string[]): string {
  const dir = path.dirname(path.resolve(specFile));
  for (const root of workspaceFolders) {
    const rel = path.relative(path.resolve(root), dir);
    if (rel === '') return '';
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return dir;
}

/**
 * The output channel line for one engine message of a run, or undefined when it adds nothing. The run's end is
 * written once, from `run-end` (it carries the status, counts and error); the engine's own closing info line
 * ("run <id>: <status>", sent after run-end) would repeat it, so info lines after the run-end are dropped.
 * Warnings and errors always get through. `history` is the run's history before the message is applied.
 */
export function outputLineFor(m: EngineMessage, history: RunHistoryState): string | undefined {
  switch (m.type) {
    case 'log':
      return history.end && m.level === 'info' ? undefined : m.message;
    case 'spec-problems':
      return undefined;
    case 'run-start':
      return `run ${m.runId}: ${m.trainSamples} train samples, ${m.totalParams} parameters, backend ${m.backend}`;
    case 'epoch':
      return epochLine(m, history.start?.epochs ?? 1);
    case 'schedule':
      return scheduleLine(m);
    case 'diagnostic':
      return `${m.severity}: ${m.message} [${m.code}]`;
    case 'run-end':
      return runEndLine(history.start?.runId, m);
    case 'step':
    case 'augmentation-samples':
    case 'explanation':
      return undefined;
    default: {
      const unknown: never = m;
      return `unhandled engine message ${JSON.stringify(unknown)}`;
    }
  }
}
