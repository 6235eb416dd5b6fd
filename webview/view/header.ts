// The header: spec name, run status (coloured), run id, backend, epoch x/y, step, the last step's loss and the
// last epoch's losses (each labelled as what it is: the CLI's "loss" is the epoch's), a progress bar, the
// comparison key (each run's line style and name), the run's error if it failed, and the Stop button (only while a live run is running).
import { displayEpoch, formatCount, formatDuration, formatNumber, formatPercent } from '../../src/shared/format';
import { runProgress } from '../../src/shared/runHistory';
import { runDash } from '../charts/common';
import { initFromText, resumedText } from '../reuse';
import { displayStatus, drawnRuns, type DashboardModel } from '../state';
import { clear, h } from './dom';

export class Header {
  readonly root: HTMLElement;
  private readonly title = h('h1', { class: 'gs-title', id: 'gs-spec-name' });
  private readonly status = h('span', { class: 'gs-status', id: 'gs-status', role: 'status' });
  private readonly stop = h('button', {
    class: 'gs-button gs-stop',
    id: 'gs-stop',
    type: 'button',
    title: 'Stop training (weights so far are kept)',
  });
  private readonly meta = h('div', { class: 'gs-meta', id: 'gs-meta' });
  private readonly bar = h('div', { class: 'gs-progress-bar' });
  private readonly progress = h(
    'div',
    { class: 'gs-progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' },
    this.bar,
  );
  private readonly note = h('div', { class: 'gs-note', id: 'gs-compare-note' });
  private readonly error = h('div', { class: 'gs-run-error', id: 'gs-run-error' });
  private key = '';

  constructor(onStop: () => void) {
    this.stop.append(h('span', { class: 'gs-stop-icon', 'aria-hidden': 'true' }), h('span', { class: 'gs-stop-label' }, 'Stop'));
    this.stop.addEventListener('click', () => {
      if (this.stop.disabled) return;
      onStop();
    });
    this.root = h(
      'header',
      { class: 'gs-header' },
      h('div', { class: 'gs-title-row' }, this.title, this.status, h('span', { class: 'gs-spacer' }), this.stop),
      this.meta,
      this.progress,
      this.note,
      this.error,
    );
  }

  render(model: DashboardModel): void {
    const hist = model.history;
    const status = displayStatus(model);
    const p = hist ? runProgress(hist) : undefined;
    const key = JSON.stringify([
      model.generation,
      status,
      hist?.lastStep,
      hist?.epochs.length,
      hist?.lastLoss,
      model.stopRequested,
      model.run?.live,
      !!hist?.end,
    ]);
    if (key === this.key) return;
    this.key = key;
    const start = hist?.start;
    this.title.textContent = start?.specName ?? 'Gradscope';
    this.title.title = start?.specPath ?? '';
    this.status.textContent = model.stopRequested && status === 'running' ? 'stopping…' : status;
    this.status.dataset.status = status;

    // A run recorded by a PyTorch script's monitor is stopped in that script, not here.
    const running = status === 'running' && model.run?.live === true && !start?.external;
    this.stop.hidden = !running;
    this.stop.disabled = model.stopRequested;
    const label = this.stop.querySelector('.gs-stop-label');
    if (label) label.textContent = model.stopRequested ? 'Stopping…' : 'Stop';

    clear(this.meta);
    if (hist && start) {
      const chips: Array<[key: string, value: string, cls?: string, title?: string]> = [
        ['run', model.run?.runId ?? start.runId, 'gs-chip-run'],
        ['backend', start.backend],
      ];
      if (start.external)
        chips.push([
          'recorded by',
          `${start.external.monitor} ${start.external.monitorVersion}`,
          'gs-chip-external',
          `Recorded inside the training script ${start.specFile} (${start.external.framework} ${start.external.frameworkVersion}${start.external.worldSize && start.external.worldSize > 1 ? `, ${start.external.worldSize} processes` : ''}), not started by gradscope`,
        ]);
      const resumed = resumedText(start);
      if (resumed)
        chips.push([
          'resumed',
          resumed,
          'gs-chip-resumed',
          `Continues that run from its checkpoint ${start.resumedFrom?.checkpoint ?? ''}: its epoch and step numbers go on from there`,
        ]);
      const initFrom = initFromText(start);
      if (initFrom)
        chips.push([
          'weights from',
          initFrom,
          'gs-chip-init-from',
          `model.initFrom loaded these layers' weights from ${start.initFrom?.run ?? ''} before training`,
        ]);
      if (p) {
        // A PyTorch run that did not say how many epochs or steps it plans shows what it has done, out of nothing.
        chips.push(['epoch', p.epochs > 0 ? `${p.epoch} / ${p.epochs}` : String(p.epoch)]);
        // A count of steps done ("steps 2 / 114"); a single step is named by its index ("step 1"), as in diagnostics.
        chips.push(
          p.totalSteps > 0
            ? ['steps', `${formatCount(p.step)} / ${formatCount(p.totalSteps)}`, undefined, 'Steps done of the whole run']
            : ['steps', formatCount(p.step), undefined, 'Steps done (the run did not say how many it plans)'],
        );
      }
      chips.push([
        'step loss',
        hist.lastStep >= 0 ? formatNumber(hist.lastLoss) : '–',
        undefined,
        'Training loss of the last step (one batch): it moves from step to step',
      ]);
      const lastEpoch = hist.epochs[hist.epochs.length - 1];
      if (lastEpoch) {
        const after = `after epoch ${displayEpoch(lastEpoch.epoch)}`;
        chips.push([
          'epoch loss (train)',
          formatNumber(lastEpoch.loss),
          undefined,
          `Mean training loss over epoch ${displayEpoch(lastEpoch.epoch)} (what the CLI prints as "loss")`,
        ]);
        chips.push(['val loss', formatNumber(lastEpoch.valLoss), undefined, `Validation loss ${after}`]);
        if (lastEpoch.valAcc !== undefined)
          chips.push(['val acc', formatPercent(lastEpoch.valAcc), undefined, `Validation accuracy ${after}`]);
      }
      chips.push(['params', formatCount(start.totalParams)]);
      if (hist.end) {
        if (hist.end.bestEpoch !== undefined && hist.end.bestValLoss !== undefined) {
          chips.push(['best', `val loss ${formatNumber(hist.end.bestValLoss)} at epoch ${displayEpoch(hist.end.bestEpoch)}`]);
        }
        chips.push(['time', formatDuration(hist.end.durationMs)]);
      }
      for (const [k, v, cls, title] of chips) {
        this.meta.append(
          h(
            'span',
            { class: `gs-chip${cls ? ` ${cls}` : ''}`, 'data-key': k, title },
            h('span', { class: 'gs-chip-k' }, k),
            h('span', { class: 'gs-chip-v' }, v),
          ),
        );
      }
    }
    const fraction = p ? p.fraction : 0;
    // Without a plan (a PyTorch run that did not pass its epochs) there is no fraction to show.
    this.progress.hidden = !p || p.epochs === 0;
    this.bar.style.width = `${(fraction * 100).toFixed(1)}%`;
    this.bar.dataset.status = status;
    this.progress.setAttribute('aria-valuenow', (fraction * 100).toFixed(0));

    this.note.hidden = model.compare.length === 0;
    clear(this.note);
    if (model.compare.length > 0) {
      for (const r of drawnRuns(model)) {
        const name = r.history.start?.specName ?? '';
        this.note.append(
          h(
            'span',
            { class: 'gs-note-run', 'data-style': String(r.style) },
            dashSwatch(r.style, getComputedStyle(this.note).color),
            ` ${r.label}: ${r.label === name ? '' : `${name} `}run ${r.run?.runId ?? r.history.start?.runId ?? ''}`,
          ),
        );
      }
    }
    const err = hist?.end?.error;
    this.error.hidden = !err;
    this.error.textContent = err ?? '';
  }
}

/** A short line in a run's dash pattern (a canvas: CSS borders have no custom dash patterns). */
function dashSwatch(style: number, color: string): HTMLCanvasElement {
  const c = h('canvas', { class: 'gs-note-swatch', width: '28', height: '6', 'aria-hidden': 'true' });
  const g = c.getContext('2d');
  if (g) {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.setLineDash(runDash(style));
    g.beginPath();
    g.moveTo(0, 3);
    g.lineTo(28, 3);
    g.stroke();
  }
  return c;
}
