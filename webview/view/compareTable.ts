// The compared runs' table: one row per run (the shown run first, then each compared run in its line style) with
// how it ended, its steps, the last epoch's loss / validation loss / accuracies and its best validation loss.
import { displayEpoch, formatCount, formatNumber, formatPercent } from '../../src/shared/format';
import { drawnRuns, runMetrics, type DashboardModel } from '../state';
import { clear, h } from './dom';

const COLUMNS = ['run', 'status', 'steps', 'final loss', 'final val loss', 'final acc', 'final val acc', 'best val loss'];

export class CompareTable {
  readonly root = h('section', { class: 'gs-panel gs-panel-wide', id: 'panel-compare' });
  private key = '';

  render(model: DashboardModel): void {
    const runs = drawnRuns(model);
    this.root.hidden = model.compare.length === 0;
    const rows = runs.map((r) => runMetrics(r.label, r.run, r.history));
    const key = JSON.stringify(rows);
    if (this.root.hidden || key === this.key) return;
    this.key = key;
    clear(this.root);
    const head = h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col' }, c)));
    const body = h('tbody', {});
    const pct = (v: number | undefined): string => (v === undefined ? '–' : formatPercent(v));
    const num = (v: number | undefined): string => (v === undefined ? '–' : formatNumber(v));
    rows.forEach((m, i) => {
      body.append(
        h(
          'tr',
          { 'data-run-id': m.runId, 'data-style': String(runs[i].style) },
          h(
            'th',
            { scope: 'row', title: m.runId },
            m.label,
            m.specName && m.specName !== m.label ? h('span', { class: 'gs-muted' }, ` ${m.specName}`) : null,
          ),
          h('td', { 'data-status': m.status }, m.status),
          h('td', {}, formatCount(m.steps)),
          h('td', {}, num(m.finalLoss)),
          h('td', {}, num(m.finalValLoss)),
          h('td', {}, pct(m.finalAcc)),
          h('td', {}, pct(m.finalValAcc)),
          h(
            'td',
            {},
            m.bestValLoss === undefined || m.bestEpoch === undefined
              ? '–'
              : `${formatNumber(m.bestValLoss)} (epoch ${displayEpoch(m.bestEpoch)})`,
          ),
        ),
      );
    });
    this.root.append(
      h('div', { class: 'gs-panel-head' }, h('h2', { class: 'gs-panel-title' }, 'Compared runs')),
      h(
        'p',
        { class: 'gs-hint' },
        'Final: after the last finished epoch. Best: the lowest validation loss and the epoch it was reached in. Lines of the compared runs are drawn in the dash pattern shown above.',
      ),
      h('table', { class: 'gs-compare-table', id: 'gs-compare-table' }, h('thead', {}, head), body),
    );
  }
}
