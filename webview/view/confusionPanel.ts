// The confusion-matrix panel of a finished classification run (run-end.confusion): a heat grid of counts (rows: true
// class, columns: predicted; colour: the share of the row, so the diagonal reads as recall), each class's recall at
// the end of its row, and the most confused pairs named in text. Hidden for runs without one.
import { formatCount, formatPercent } from '../../src/shared/format';
import type { DashboardModel } from '../state';
import { confusedPairsText, confusionSummary, type ConfusionSummary } from '../reuse';
import { parseColor, withAlpha, type Theme } from '../theme';
import { clear, h, panel, sizedContext } from './dom';

const MAX_GRID = 360;

export class ConfusionPanel {
  readonly root: HTMLElement;
  private readonly caption = h('p', { class: 'gs-hint', id: 'confusion-caption' });
  private readonly canvas = h('canvas', {
    id: 'confusion-grid',
    class: 'gs-confusion-grid',
    role: 'img',
    'data-rendered': 'false',
  });
  private readonly pairs = h('p', { class: 'gs-confusion-pairs', id: 'confusion-pairs' });
  private readonly recall = h('ul', { class: 'gs-confusion-recall', id: 'confusion-recall', 'aria-label': 'Recall per class' });
  private key = '';

  constructor() {
    this.root = panel(
      'panel-confusion',
      'Confusion matrix',
      'Rows: the true class; columns: the class the model predicted; each cell counts validation samples. Colour: the share of the row, so the diagonal is each class\u2019s recall (how many of its samples were found) and bright cells off the diagonal are the classes the model mixes up.',
      [this.caption, h('div', { class: 'gs-confusion-box' }, this.canvas), this.pairs, this.recall],
    );
    this.root.hidden = true;
  }

  render(model: DashboardModel, theme: Theme): void {
    const confusion = model.history?.end?.confusion;
    this.root.hidden = !confusion;
    const key = JSON.stringify([model.generation, theme.key, confusion?.matrix, confusion?.epoch]);
    if (key === this.key) return;
    this.key = key;
    if (!confusion) {
      this.canvas.dataset.rendered = 'false';
      return;
    }
    const s = confusionSummary(confusion);
    this.caption.textContent = `${s.caption} Accuracy ${formatPercent(s.accuracy)}.`;
    this.pairs.textContent = confusedPairsText(s);
    clear(this.recall);
    s.labels.forEach((label, i) =>
      this.recall.append(
        h('li', { 'data-class': label }, `${label}: recall ${s.recall[i] === null ? '–' : formatPercent(s.recall[i])}`),
      ),
    );
    this.canvas.setAttribute('aria-label', `Confusion matrix of ${s.labels.length} classes. ${confusedPairsText(s)}`);
    this.draw(s, theme);
  }

  private draw(s: ConfusionSummary, theme: Theme): void {
    const n = s.labels.length;
    const g0 = document.createElement('canvas').getContext('2d');
    if (g0) g0.font = `11px ${theme.fontFamily}`;
    const labelW = Math.ceil(Math.max(...s.labels.map((l) => g0?.measureText(l).width ?? 8 * l.length), 10)) + 10;
    const cell = Math.max(14, Math.min(44, Math.floor(MAX_GRID / Math.max(1, n))));
    const left = 18 + labelW;
    const top = 34;
    const recallW = 56;
    const cssW = left + n * cell + recallW;
    const cssH = top + n * cell + 6;
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    const g = sizedContext(c, cssW, cssH);
    if (!g) return;
    const [br, bg, bb] = parseColor(theme.background);
    const [hr, hg, hb] = parseColor(theme.blue);
    const rows = s.matrix.map((row) => row.reduce((a, b) => a + b, 0));
    g.font = `11px ${theme.fontFamily}`;
    g.textBaseline = 'middle';
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const count = s.matrix[i]?.[j] ?? 0;
        const share = rows[i] > 0 ? count / rows[i] : 0;
        const mix = (a: number, b: number): number => Math.round(a + (b - a) * share);
        g.fillStyle = `rgb(${mix(br, hr)}, ${mix(bg, hg)}, ${mix(bb, hb)})`;
        g.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
        if (cell >= 16) {
          g.fillStyle = share > 0.5 ? theme.background : theme.foreground;
          g.textAlign = 'center';
          g.fillText(formatCount(count), left + j * cell + cell / 2, top + i * cell + cell / 2);
        }
      }
    }
    g.strokeStyle = withAlpha(theme.foreground, 0.25);
    g.strokeRect(left - 0.5, top - 0.5, n * cell, n * cell);
    g.fillStyle = theme.muted;
    for (let i = 0; i < n; i++) {
      g.textAlign = 'right';
      g.fillText(s.labels[i], left - 5, top + i * cell + cell / 2);
      g.textAlign = 'center';
      g.fillText(s.labels[i], left + i * cell + cell / 2, top - 8);
      g.textAlign = 'left';
      const r = s.recall[i];
      g.fillText(r === null ? '–' : formatPercent(r), left + n * cell + 8, top + i * cell + cell / 2);
    }
    g.font = `10px ${theme.fontFamily}`;
    g.textAlign = 'center';
    g.fillText('predicted', left + (n * cell) / 2, 9);
    g.fillText('recall', left + n * cell + 8 + 20, 9);
    g.save();
    g.translate(8, top + (n * cell) / 2);
    g.rotate(-Math.PI / 2);
    g.fillText('true class', 0, 0);
    g.restore();
    c.dataset.rendered = 'true';
    c.dataset.cells = String(n * n);
    // The grid in canvas pixels (left, top, cell size), for tests that read its colours.
    c.dataset.grid = [left, top, cell].map((v) => Math.round(v * dpr)).join(',');
  }
}
