// The whole page: builds the DOM inside #app (header, diagnostics, the chart panels, the empty state), keeps the
// UI choices (hidden layers persisted with setState, hover highlight, % vs count), and draws every view from the
// model when the scheduler says so.
import type { LayerSummary } from '../src/shared/engineProtocol';
import { DeadUnitsChart } from './charts/deadUnitsChart';
import type { ActivationMode, RenderContext } from './charts/context';
import { GradNormChart } from './charts/gradNormChart';
import { drawHeatLegend, HeatStrip } from './charts/heatStrip';
import { LossChart } from './charts/lossChart';
import { LrChart } from './charts/lrChart';
import { layerColor } from './colors';
import { currentRunId, hasData, type DashboardModel } from './state';
import { readTheme, type Theme } from './theme';
import { h } from './view/dom';
import { DiagnosticsList } from './view/diagnosticsList';
import { Header } from './view/header';
import { LayerLegend, type LegendItem } from './view/layerLegend';
import type { HostChannel, PersistedUiState } from './vscodeApi';

interface Panel {
  root: HTMLElement;
  box: HTMLElement;
  canvas: HTMLCanvasElement;
}

function chartBox(id: string, label: string, waitText: string, extraClass = ''): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': label, 'data-rendered': 'false', 'data-points': '0' });
  const box = h('div', { class: `gs-chart-box ${extraClass}`.trim() }, canvas, h('div', { class: 'gs-wait' }, waitText));
  return { box, canvas };
}

function panel(id: string, title: string, hint: string, body: Node[], head: Node[] = [], wide = false): HTMLElement {
  return h(
    'section',
    { class: `gs-panel${wide ? ' gs-panel-wide' : ''}`, id },
    h('div', { class: 'gs-panel-head' }, h('h2', { class: 'gs-panel-title' }, title), h('span', { class: 'gs-spacer' }), ...head),
    h('p', { class: 'gs-hint' }, hint),
    ...body,
  );
}

export class Dashboard {
  private theme: Theme = readTheme();
  private ui: PersistedUiState;
  private highlighted: string | null = null;
  private readonly header: Header;
  private readonly diagnostics: DiagnosticsList;
  private readonly empty = h('div', { class: 'gs-empty', id: 'gs-empty' });
  private readonly panels = h('main', { class: 'gs-panels' });
  private readonly grad: GradNormChart;
  private readonly heat: HeatStrip;
  private readonly heatLegend = h('canvas', {
    class: 'gs-heat-legend',
    id: 'grad-heat-legend',
    role: 'img',
    'aria-label': 'Heat strip colour scale',
  });
  private readonly dead: DeadUnitsChart;
  private readonly lr: LrChart;
  private readonly loss: LossChart;
  private readonly gradLegend: LayerLegend;
  private readonly deadLegend: LayerLegend;
  private readonly modeButtons: Record<ActivationMode, HTMLButtonElement>;
  private readonly boxes: Panel[] = [];
  private heatLegendTheme = '';
  private lastGeneration = -1;
  private gutterKey = '';
  private gutter = 64;

  constructor(
    private readonly app: HTMLElement,
    private readonly model: DashboardModel,
    private readonly host: HostChannel,
    private readonly requestDraw: () => void,
  ) {
    this.ui = host.loadUiState();
    this.header = new Header(() => this.stop());
    this.diagnostics = new DiagnosticsList(
      (d) => this.reveal(d.specPath),
      (d) => this.host.post({ type: 'open-docs', code: d.code }),
    );

    const legendHandlers = {
      onToggle: (name: string): void => this.toggleLayer(name),
      onShowAll: (): void => this.setHidden([]),
      onHover: (name: string | null): void => {
        if (this.highlighted === name) return;
        this.highlighted = name;
        this.requestDraw();
      },
    };
    const gradLegendEl = h('div', { id: 'grad-norm-legend', 'aria-label': 'Layers (click to hide or show)' });
    this.gradLegend = new LayerLegend(gradLegendEl, legendHandlers);
    const deadLegendEl = h('div', { id: 'dead-units-legend', 'aria-label': 'Layers (click to hide or show)' });
    this.deadLegend = new LayerLegend(deadLegendEl, legendHandlers);

    const gradBox = chartBox(
      'grad-norm-chart',
      'Gradient norm per layer over steps',
      'Waiting for the first measured step…',
      'gs-h-grad',
    );
    const readout = h('div', { class: 'gs-readout', role: 'tooltip' });
    const heatCanvas = h('canvas', {
      id: 'grad-heat-strip',
      role: 'img',
      'aria-label': 'Gradient norm heat strip: layers by steps',
      'data-rendered': 'false',
      'data-points': '0',
    });
    const heatBox = h('div', { class: 'gs-heat-box' }, heatCanvas, readout);
    this.grad = new GradNormChart(gradBox.canvas, () => this.requestDraw());
    this.heat = new HeatStrip(
      heatCanvas,
      readout,
      (layer) => this.revealLayer(layer),
      () => this.requestDraw(),
    );

    const deadBox = chartBox(
      'dead-units-chart',
      'Dead and saturated units per layer over steps',
      'Waiting for the first measured step…',
    );
    this.dead = new DeadUnitsChart(deadBox.canvas);
    const lrBox = chartBox('lr-chart', 'Learning rate over steps', 'Waiting for the first measured step…', 'gs-h-short');
    this.lr = new LrChart(lrBox.canvas);
    const lossBox = chartBox('loss-chart', 'Train and validation loss over epochs', 'Waiting for the first step…');
    this.loss = new LossChart(lossBox.canvas);

    const mode = (m: ActivationMode, text: string, title: string): HTMLButtonElement => {
      const b = h('button', { class: 'gs-seg', type: 'button', 'data-mode': m, title }, text);
      b.addEventListener('click', () => {
        this.ui.activationMode = m;
        this.host.saveUiState(this.ui);
        this.requestDraw();
      });
      return b;
    };
    this.modeButtons = {
      fraction: mode('fraction', '% of units', 'Show the share of each layer\u2019s units'),
      count: mode('count', 'count', 'Show the number of units'),
    };

    const gradPanel = panel(
      'panel-grad',
      'Gradient norm per layer',
      'How much the loss responds to each layer\u2019s weights: the learning signal that reaches the layer (not the size of its step). Healthy: the layers stay within a few decades of each other. Layers sinking toward 1e-6 and below get almost no signal (vanishing gradients): with SGD their weights barely move; Adam, RMSprop and Adagrad rescale each step, so they still move, but in directions that hardly change the output. Lines shooting up mean exploding gradients.',
      [
        gradLegendEl,
        gradBox.box,
        h(
          'div',
          { class: 'gs-heat-head' },
          h('span', { class: 'gs-heat-title' }, 'Layer × step'),
          h('span', { class: 'gs-hint gs-inline' }, 'rows: layers, input at the top · colour: gradient norm'),
          h('span', { class: 'gs-spacer' }),
          this.heatLegend,
        ),
        heatBox,
      ],
      [],
      true,
    );
    const lossPanel = panel(
      'panel-loss',
      'Loss',
      'Training loss should fall. Validation loss rising while training loss falls means overfitting; a flat line means the network is not learning.',
      [lossBox.box],
    );
    const deadPanel = panel(
      'panel-dead',
      'Dead & saturated units',
      'ReLU units that output 0 for a whole batch are dead and stop learning. Sigmoid/tanh outputs stuck in the flat tails are saturated: almost no gradient flows through them.',
      [deadLegendEl, deadBox.box],
      [
        h(
          'div',
          { class: 'gs-segmented', role: 'group', 'aria-label': 'Units as' },
          this.modeButtons.fraction,
          this.modeButtons.count,
        ),
      ],
    );
    const lrPanel = panel(
      'panel-lr',
      'Learning rate',
      'The step size the optimizer used at each step (warm-up, decay and other schedules show here).',
      [lrBox.box],
      [],
      true,
    );
    this.panels.append(gradPanel, lossPanel, deadPanel, lrPanel);
    this.boxes.push(
      { root: gradPanel, box: gradBox.box, canvas: gradBox.canvas },
      { root: lossPanel, box: lossBox.box, canvas: lossBox.canvas },
      { root: deadPanel, box: deadBox.box, canvas: deadBox.canvas },
      { root: lrPanel, box: lrBox.box, canvas: lrBox.canvas },
    );

    app.classList.add('gs-app');
    app.append(this.header.root, this.diagnostics.root, this.empty, this.panels);
  }

  /** The theme changed: charts rebuild with the new colours on the next draw. */
  themeChanged(): void {
    this.theme = readTheme();
  }

  /** Called after a snapshot: keeps only hidden layers that exist in the new run and remembers the run. */
  snapshotApplied(): void {
    const layers = this.model.history?.layers.map((l) => l.name) ?? [];
    const runId = currentRunId(this.model);
    if (layers.length > 0 && this.ui.hiddenLayers) this.ui.hiddenLayers = this.ui.hiddenLayers.filter((n) => layers.includes(n));
    if (runId !== undefined) this.ui.runId = runId;
    this.host.saveUiState(this.ui);
  }

  /** Draws everything; records draw durations on #app (`data-draw-ms`, `-max`, `-total`, `data-draw-count`) for tests. */
  draw(): void {
    const t0 = performance.now();
    this.drawViews();
    const ms = performance.now() - t0;
    const d = this.app.dataset;
    d.drawMs = ms.toFixed(1);
    d.drawMsMax = Math.max(ms, Number(d.drawMsMax ?? 0)).toFixed(1);
    d.drawMsTotal = (Number(d.drawMsTotal ?? 0) + ms).toFixed(1);
    d.drawCount = String(Number(d.drawCount ?? 0) + 1);
    this.app.dataset.revision = String(this.model.revision);
  }

  private drawViews(): void {
    const model = this.model;
    const theme = this.theme;
    const data = hasData(model);
    this.app.dataset.generation = String(model.generation);
    this.app.dataset.runId = currentRunId(model) ?? '';
    this.header.root.hidden = !data;
    this.panels.hidden = !data;
    this.empty.hidden = data;
    this.empty.textContent = model.phase === 'connecting' ? 'Connecting to Gradscope…' : 'No run yet: run Gradscope: Train Model';
    this.diagnostics.render(model);
    if (!data) {
      this.destroyCharts();
      return;
    }
    this.header.render(model);
    if (model.generation !== this.lastGeneration) {
      this.lastGeneration = model.generation;
      this.highlighted = null;
    }
    const layers = model.history?.layers ?? [];
    const ctx: RenderContext = {
      model,
      theme,
      hidden: new Set(this.ui.hiddenLayers ?? []),
      highlighted: this.highlighted,
      activationMode: this.ui.activationMode ?? 'fraction',
      layerColors: layers.map((_, i) => layerColor(i, layers.length, theme)),
      gutter: this.gutterFor(layers, theme),
    };
    for (const [m, b] of Object.entries(this.modeButtons)) b.setAttribute('aria-pressed', String(m === ctx.activationMode));

    this.gradLegend.render(this.legendItems(ctx, layers), model.compare ? 'dashed: before' : undefined);
    this.grad.render(ctx);
    this.heat.render(ctx, this.grad.plotArea());
    if (this.heatLegendTheme !== theme.key) {
      drawHeatLegend(this.heatLegend, theme);
      this.heatLegendTheme = theme.key;
    }
    this.loss.render(ctx);
    this.dead.render(ctx);
    this.deadLegend.render(
      this.legendItems(
        ctx,
        this.dead.shown().map((a) => a.layer),
      ),
    );
    const deadWait = this.boxes[2].box.querySelector('.gs-wait');
    if (deadWait) {
      deadWait.textContent =
        (model.history?.steps.length ?? 0) > 0
          ? 'No ReLU, sigmoid or tanh layers report dead or saturated units in this model.'
          : 'Waiting for the first measured step…';
    }
    this.lr.render(ctx);
    for (const p of this.boxes) p.box.classList.toggle('is-empty', p.canvas.dataset.rendered !== 'true');
  }

  private legendItems(ctx: RenderContext, layers: LayerSummary[]): LegendItem[] {
    const all = ctx.model.history?.layers ?? [];
    return layers.map((l) => {
      const i = all.findIndex((x) => x.name === l.name);
      const detail = [
        l.kind,
        l.activation,
        l.outputShape.length ? `output ${l.outputShape.join('×')}` : undefined,
        `${l.params} params`,
      ]
        .filter(Boolean)
        .join(', ');
      return { name: l.name, color: ctx.layerColors[i] ?? ctx.theme.muted, hidden: ctx.hidden.has(l.name), detail };
    });
  }

  private gutterFor(layers: LayerSummary[], theme: Theme): number {
    const key = `${theme.fontFamily}|${layers.map((l) => l.name).join(',')}`;
    if (key === this.gutterKey) return this.gutter;
    const g = document.createElement('canvas').getContext('2d');
    if (!g) return 64;
    g.font = `11px ${theme.fontFamily}`;
    let w = 0;
    for (const l of layers) w = Math.max(w, g.measureText(l.name).width);
    this.gutterKey = key;
    this.gutter = Math.round(Math.max(52, Math.min(150, w + 16)));
    return this.gutter;
  }

  private toggleLayer(name: string): void {
    const hidden = new Set(this.ui.hiddenLayers ?? []);
    if (hidden.has(name)) hidden.delete(name);
    else hidden.add(name);
    this.setHidden([...hidden]);
  }

  private setHidden(names: string[]): void {
    this.ui.hiddenLayers = names;
    this.host.saveUiState(this.ui);
    this.requestDraw();
  }

  private stop(): void {
    this.model.stopRequested = true;
    this.model.revision++;
    this.host.post({ type: 'stop' });
    this.requestDraw();
  }

  private specFile(): string | undefined {
    return this.model.run?.specFile ?? this.model.history?.start?.specFile;
  }

  private reveal(specPath: string): void {
    const specFile = this.specFile();
    if (specFile) this.host.post({ type: 'reveal-spec', specFile, specPath });
  }

  private revealLayer(layer: LayerSummary): void {
    this.reveal(layer.specPath);
  }

  private destroyCharts(): void {
    this.grad.destroy();
    this.dead.destroy();
    this.lr.destroy();
    this.loss.destroy();
  }
}
