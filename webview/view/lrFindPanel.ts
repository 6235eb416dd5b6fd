// The "Learning-rate range test" panel: which spec was tested and how the test went, the loss-vs-learning-rate
// chart, what it suggests (steepest descent, and min-loss/10 as the second opinion, next to the spec's current
// learning rate) and the buttons that write a suggestion into the spec. Hidden while no test was run.
import { formatNumber } from '../../src/shared/format';
import type { LrFindView } from '../../src/shared/webviewProtocol';
import { LrFindChart } from '../charts/lrFindChart';
import { lrFindStatusText } from '../lrFind';
import type { Theme } from '../theme';
import { h } from './dom';

export class LrFindPanel {
  readonly root: HTMLElement;
  private readonly title = h('h2', { class: 'gs-panel-title' });
  private readonly status = h('span', { class: 'gs-lr-find-status', id: 'lr-find-status', role: 'status' });
  private readonly summary = h('p', { class: 'gs-lr-find-summary', id: 'lr-find-summary' });
  private readonly use = h('button', { class: 'gs-button gs-button-primary', type: 'button', id: 'lr-find-use' });
  private readonly useSecond = h('button', { class: 'gs-button', type: 'button', id: 'lr-find-use-second' });
  private readonly close = h(
    'button',
    { class: 'gs-link-button', type: 'button', id: 'lr-find-close', title: 'Stop showing this range test' },
    'Close',
  );
  private readonly chart: LrFindChart;
  private readonly box: HTMLElement;
  private view: LrFindView | undefined;

  /** `actions`: the chart's "Save PNG" / "Copy CSV" buttons (the dashboard's, so they post like every chart's). */
  constructor(
    onUse: (view: LrFindView, learningRate: number) => void,
    onClose: () => void,
    actions: (canvas: HTMLCanvasElement) => HTMLElement,
  ) {
    const canvas = h('canvas', {
      id: 'lr-find-chart',
      role: 'img',
      'aria-label': 'Loss against learning rate (range test)',
      'data-rendered': 'false',
      'data-points': '0',
    });
    this.box = h('div', { class: 'gs-chart-box' }, canvas, h('div', { class: 'gs-wait' }, 'Waiting for the first step…'));
    this.chart = new LrFindChart(canvas);
    const click = (pick: (v: LrFindView) => number | undefined) => (): void => {
      const lr = this.view && pick(this.view);
      if (this.view && lr !== undefined) onUse(this.view, lr);
    };
    this.use.addEventListener(
      'click',
      click((v) => v.result?.suggestion.learningRate),
    );
    this.useSecond.addEventListener(
      'click',
      click((v) => v.result?.secondOpinion.learningRate),
    );
    this.root = h(
      'section',
      { class: 'gs-panel gs-panel-wide gs-lr-find', id: 'panel-lr-find' },
      h(
        'div',
        { class: 'gs-panel-head' },
        this.title,
        this.status,
        h('span', { class: 'gs-spacer' }),
        actions(canvas),
        this.close,
      ),
      h(
        'p',
        { class: 'gs-hint' },
        'A short training from the initial weights with the learning rate rising geometrically each step. The loss first barely moves (too small a rate), then falls fastest, then blows up (too large). The suggestion is where the smoothed loss falls steepest; the second opinion is ten times below the learning rate of the lowest loss.',
      ),
      this.box,
      h('div', { class: 'gs-lr-find-actions' }, this.summary, h('span', { class: 'gs-spacer' }), this.useSecond, this.use),
    );
    this.close.addEventListener('click', onClose);
    this.root.hidden = true;
  }

  render(view: LrFindView | undefined, theme: Theme): void {
    this.view = view;
    this.root.hidden = !view;
    if (!view) {
      this.chart.render(undefined, theme);
      return;
    }
    this.root.dataset.status = view.status;
    this.title.textContent = `Learning-rate range test: ${view.specName}`;
    this.status.textContent = lrFindStatusText(view);
    this.close.hidden = view.status === 'running';
    const r = view.status === 'done' ? view.result : undefined;
    // Like `gradscope lr-find --apply`, nothing is written from an inconclusive test.
    this.use.hidden = !r?.conclusive;
    this.useSecond.hidden = !r?.conclusive;
    if (r && !r.conclusive) {
      this.summary.textContent = `Inconclusive: ${r.warning ?? 'the loss curve has no descent to read'} (min loss/10 would be ${formatNumber(r.secondOpinion.learningRate)}; the spec had ${formatNumber(r.currentLearningRate)}, ${r.field})`;
    } else if (r) {
      const suggested = formatNumber(r.suggestion.learningRate);
      const second = formatNumber(r.secondOpinion.learningRate);
      this.use.textContent = `Use learning rate ${suggested}`;
      this.use.title = `Write ${suggested} into ${r.field} of ${view.specName}`;
      this.useSecond.textContent = `Use ${second} (min loss/10)`;
      this.useSecond.title = `Write ${second} into ${r.field} of ${view.specName}`;
      this.summary.textContent = `Suggested: ${suggested} (steepest descent of the smoothed loss) · min loss/10: ${second} · the spec had ${formatNumber(r.currentLearningRate)} (${r.field}) when tested`;
    } else this.summary.textContent = '';
    this.chart.render(view, theme);
    this.box.classList.toggle('is-empty', this.chart.canvas.dataset.rendered !== 'true');
  }

  destroy(): void {
    this.chart.destroy();
  }
}
