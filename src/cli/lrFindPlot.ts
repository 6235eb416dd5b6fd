// The range test as text: loss against learning rate on a log x axis, drawn with ASCII characters (smoothed loss `*`,
// raw batch losses `.`, a raw loss above the top `^`), the suggestion `S` and the min-loss/10 rate `M` marked on the
// axis, then the numbers in words.
import type { LrFindEvent } from '../shared/engineProtocol';
import { fmt } from '../training/format';

const WIDTH = 64;
const HEIGHT = 14;
const LABEL = 8;

function decadeText(exponent: number): string {
  return exponent === 0 ? '1' : `1e${exponent}`;
}

/** The plot: rows top to bottom, each `label |cells`, then the x axis and its decade labels. */
export function plotRangeTest(result: LrFindEvent, width = WIDTH, height = HEIGHT): string {
  const { points, settings } = result;
  const lo = Math.log10(settings.start);
  const hi = Math.log10(settings.end);
  const column = (lr: number): number =>
    Math.min(width - 1, Math.max(0, Math.round(((Math.log10(lr) - lo) / (hi - lo)) * (width - 1))));
  // The y range holds the whole smoothed curve and the raw losses below its top; raw spikes above it show as `^`.
  const smoothed = points.map((p) => p.smoothedLoss);
  const yMin = Math.min(...smoothed, ...points.map((p) => p.loss));
  const yMax = Math.max(...smoothed);
  const span = yMax - yMin || Math.abs(yMax) || 1;
  const row = (loss: number): number => Math.round(((yMax - loss) / span) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));
  for (const p of points) {
    const r = row(p.loss);
    const c = column(p.learningRate);
    if (r < 0) grid[0][c] = '^';
    else if (grid[r][c] === ' ') grid[r][c] = '.';
  }
  for (const p of points) grid[row(p.smoothedLoss)][column(p.learningRate)] = '*';

  const lines = grid.map((cells, r) => {
    const value = r === 0 ? yMax : r === height - 1 ? yMin : r === Math.floor(height / 2) ? yMax - span / 2 : undefined;
    const label = value === undefined ? '' : fmt(value);
    return `${label.padStart(LABEL)} |${cells.join('').trimEnd()}`;
  });
  lines.push(`${' '.repeat(LABEL)} +${'-'.repeat(width)}`);

  // Marks under the axis, then decade labels where they fit.
  const marks = Array<string>(width).fill(' ');
  marks[column(result.secondOpinion.learningRate)] = 'M';
  marks[column(result.suggestion.learningRate)] = 'S';
  lines.push(`${' '.repeat(LABEL + 2)}${marks.join('').trimEnd()}`);
  const labels = Array<string>(width + 8).fill(' ');
  let free = 0;
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const text = decadeText(e);
    const at = column(10 ** e);
    if (at < free) continue;
    for (let i = 0; i < text.length; i++) labels[at + i] = text[i];
    free = at + text.length + 1;
  }
  lines.push(`${' '.repeat(LABEL + 2)}${labels.join('').trimEnd()}`);
  lines.push(`${' '.repeat(LABEL + 2)}learning rate (log scale); * smoothed loss, . batch loss`);
  return lines.join('\n');
}

/** The result in words, after the plot. */
export function describeRangeTest(result: LrFindEvent): string {
  const { suggestion, secondOpinion } = result;
  const how = 'where the smoothed loss falls fastest';
  const ended =
    result.stopReason === 'diverged'
      ? `stopped after ${result.points.length} of ${result.settings.steps} steps: the smoothed loss passed 4× its minimum`
      : result.stopReason === 'non-finite'
        ? `stopped at step ${result.points.length + 1} of ${result.settings.steps}: its loss was NaN or infinite (not plotted)`
        : `all ${result.settings.steps} steps done without the loss blowing up (a larger --end may show where it does)`;
  if (!result.conclusive)
    return [
      `inconclusive: ${result.warning ?? 'no clear descent'}`,
      `min-loss/10:             ${fmt(secondOpinion.learningRate)} (the smoothed loss is lowest at ${fmt(result.minLossLearningRate)})  [S, M]`,
      `the spec uses:           ${fmt(result.currentLearningRate)} (training.${result.field})`,
      ended,
    ].join('\n');
  return [
    `suggested learning rate: ${fmt(suggestion.learningRate)} (${how})  [S]`,
    `second opinion:          ${fmt(secondOpinion.learningRate)} (the smoothed loss is lowest at ${fmt(result.minLossLearningRate)}; a tenth of that)  [M]`,
    `the spec uses:           ${fmt(result.currentLearningRate)} (training.${result.field})`,
    ended,
  ].join('\n');
}
