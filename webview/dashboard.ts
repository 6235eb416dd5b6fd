// The whole page: builds the DOM inside #app (header, diagnostics, the compared runs' table, the chart panels, the
// empty state), keeps the UI choices (hidden layers persisted with setState, hover highlight, % vs count, the step
// of the layer profile), and draws every view from the model when the scheduler says so.
import type { LayerSummary } from '../src/shared/engineProtocol';
import { DeadUnitsChart } from './charts/deadUnitsChart';
import type { ActivationMode, RenderContext } from './charts/context';
import { GlobalNormChart } from './charts/globalNormChart';
import { drawHeatLegend, HeatStrip } from './charts/heatStrip';
import { LayerLogChart } from './charts/layerLogChart';
import { LayerProfileChart } from './charts/layerProfileChart';
import { GRAD_NORM_SERIES, SECOND_KERNEL_SERIES, SIGNAL_SERIES, UPDATE_RATIO_SERIES } from './charts/layerSeries';
import { LossChart } from './charts/lossChart';
import { LrChart } from './charts/lrChart';
import { layerColor } from './colors';
import { MAX_COMPARED } from '../src/shared/webviewProtocol';
import { currentRunId, hasData, type DashboardModel } from './state';
import { readTheme, type Theme } from './theme';
import { CompareTable } from './view/compareTable';
import { h, panel } from './view/dom';
import { DiagnosticsList } from './view/diagnosticsList';
import { Header } from './view/header';
import { LayerLegend, type LegendItem } from './view/layerLegend';
import { LrFindPanel } from './view/lrFindPanel';
import { AugmentationPanel } from './view/augmentationPanel';
import { chartActions, type ChartTable } from './view/chartActions';
import { ConfusionPanel } from './view/confusionPanel';
import { ExplainPanel } from './view/explainPanel';
import { freezeText, layerFreezes, type LayerFreeze } from './reuse';
import type { HostChannel, PersistedUiState } from './vscodeApi';
import type { RenderScheduler } from './scheduler';
import { DrawShare } from './drawShare';

interface Panel {
  root: HTMLElement;
  box: HTMLElement;
  canvas: HTMLCanvasElement;
}

/**
 * Main-thread time one draw may take before the rest of the charts wait for the next frame: a frame stays under
 * ~33 ms with one chart update in flight, whatever the number of charts and layers.
 */
const FRAME_BUDGET_MS = 8;
/**
 * Charts scrolled out of view: while data streams in they are brought up to date at most this often; at once when
 * they scroll into view, and when the data rests for QUIET_MS (a run ended, paused, or trains slowly).
 */
const OFFSCREEN_INTERVAL_MS = 5000;
const QUIET_MS = 300;
/**
 * A chart waits this many times its last update's duration before it updates again (at most a second): on a slow
 * or busy machine an expensive chart updates less often instead of leaving no time between frames.
 */
const COST_FACTOR = 10;
/**
 * While data streams, the charts' drawing takes at most about this share of the page's main thread, counting the
 * rendering of the frame that shows it (on a software-rendered canvas, about as much again as the script): see
 * DrawShare. On a fast machine the redraw interval binds first; on a slow or busy one the charts update less often
 * and leave the CPU to the editor and the training.
 */
const DRAW_SHARE = 0.2;

/**
 * One part of the page drawn as a unit (a chart with its legend, the strip under it…): `dirty` from a change until
 * it is drawn; `revision`, the model revision it shows.
 */
interface DrawTask {
  name: string;
  root: HTMLElement;
  run: (ctx: RenderContext) => void;
  dirty: boolean;
  visible: boolean;
  revision: number;
  /** Draw as soon as the frame budget allows, without waiting for its gap (a new run, a change the user made). */
  urgent: boolean;
  lastRun: number;
  /** Duration of its last run. */
  lastMs: number;
  /** A part drawn with another (the heat strips under the gradient chart): new data waits until that one drew. */
  follows?: DrawTask;
  /** Runs so far, their total and longest duration (the bench's per-chart timing, `data-task-ms` on #app). */
  runs: number;
  totalMs: number;
  maxMs: number;
}

/** Layer kinds with a second kernel (step metrics recurrentGradNorm / transformGradNorm). */
const SECOND_KERNEL_KINDS: ReadonlySet<string> = new Set(['simpleRNN', 'lstm', 'gru', 'highway']);

function chartBox(id: string, label: string, waitText: string, extraClass = ''): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': label, 'data-rendered': 'false', 'data-points': '0' });
  const box = h('div', { class: `gs-chart-box ${extraClass}`.trim() }, canvas, h('div', { class: 'gs-wait' }, waitText));
  return { box, canvas };
}

export class Dashboard {
  private theme: Theme = readTheme();
  private ui: PersistedUiState;
  private highlighted: string | null = null;
  private readonly header: Header;
  private readonly diagnostics: DiagnosticsList;
  private readonly empty = h('div', { class: 'gs-empty', id: 'gs-empty' });
  private readonly panels = h('main', { class: 'gs-panels' });
  private readonly grad: LayerLogChart;
  private readonly heat: HeatStrip;
  /** Heat strips of compared runs, stacked under the shown run's (one per compared run, hidden when unused). */
  private readonly compareHeat: Array<{ root: HTMLElement; title: HTMLElement; strip: HeatStrip }> = [];
  private readonly signal: LayerLogChart;
  private readonly profile: LayerProfileChart;
  private readonly profileSlider: HTMLInputElement;
  private readonly profileLabel = h('span', { class: 'gs-profile-step', id: 'layer-profile-step' });
  private readonly profileLatest: HTMLButtonElement;
  /** The profile's step: pinned by the slider or a click on the signal chart (null: follow the latest). */
  private profileStep: number | null = null;
  /** A step previewed while the pointer is over the signal chart. */
  private hoverStep: number | null = null;
  private readonly updates: LayerLogChart;
  private readonly secondKernel: LayerLogChart;
  private readonly secondLegend: LayerLegend;
  private readonly secondPanel: HTMLElement;
  private readonly globalNorm: GlobalNormChart;
  private readonly signalLegend: LayerLegend;
  private readonly updateLegend: LayerLegend;
  private readonly compareTable = new CompareTable();
  private readonly lrFind: LrFindPanel;
  private readonly confusion = new ConfusionPanel();
  private readonly augmentation = new AugmentationPanel(() => this.requestDraw());
  private readonly explain: ExplainPanel;
  /** Layers frozen at some point of the shown run (recomputed on every draw). */
  private freezes = new Map<string, LayerFreeze>();
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
  /** The charts, in page order; a draw runs the dirty ones, those in view first, within FRAME_BUDGET_MS. */
  private readonly tasks: DrawTask[] = [];
  /** Something other than the model changed (theme, hover, hidden layers…): every chart redraws. */
  private stale = true;
  /** The model revision the tasks were last marked dirty for. */
  private markedRevision = -1;
  /** Draws and chart updates so far (test and bench hooks on #app). */
  private draws = 0;
  private chartUpdates = 0;
  /** The slices that updated charts, with their rendering: updates for new data wait for their share. */
  private readonly share = new DrawShare(DRAW_SHARE);

  constructor(
    private readonly app: HTMLElement,
    private readonly model: DashboardModel,
    private readonly host: HostChannel,
    private readonly scheduler: RenderScheduler,
  ) {
    this.ui = host.loadUiState();
    this.explain = new ExplainPanel(
      this.ui.explainView,
      (view) => {
        this.ui.explainView = view;
        this.host.saveUiState(this.ui);
      },
      () => this.requestDraw(),
    );
    this.header = new Header(() => this.stop());
    this.lrFind = new LrFindPanel(
      (view, learningRate) => this.host.post({ type: 'use-learning-rate', id: view.id, learningRate }),
      () => {
        this.model.lrFind = undefined;
        this.model.revision++;
        this.host.post({ type: 'close-lr-find' });
        this.requestDraw();
      },
      (canvas) => this.actionsFor(canvas),
    );
    this.diagnostics = new DiagnosticsList(
      (d) => (d.source ? this.host.post({ type: 'reveal-source', source: d.source }) : this.reveal(d.specPath)),
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
    this.grad = new LayerLogChart(gradBox.canvas, GRAD_NORM_SERIES, {
      alignGutter: true,
      onResize: () => this.requestDraw(),
    });
    this.heat = new HeatStrip(
      heatCanvas,
      readout,
      (layer) => this.revealLayer(layer),
      () => this.requestDraw(),
    );

    const heatStack = h('div', { class: 'gs-heat-stack', id: 'grad-heat-stack' });
    for (let k = 1; k <= MAX_COMPARED; k++) {
      const canvas = h('canvas', {
        id: `grad-heat-strip-${k}`,
        role: 'img',
        'aria-label': `Gradient norm heat strip of compared run ${k}`,
        'data-rendered': 'false',
        'data-points': '0',
      });
      const title = h('span', { class: 'gs-heat-title' });
      const stripReadout = h('div', { class: 'gs-readout', role: 'tooltip' });
      const root = h('div', { class: 'gs-heat-compared' }, title, h('div', { class: 'gs-heat-box' }, canvas, stripReadout));
      root.hidden = true;
      heatStack.append(root);
      this.compareHeat.push({
        root,
        title,
        strip: new HeatStrip(
          canvas,
          stripReadout,
          () => undefined,
          () => this.requestDraw(),
        ),
      });
    }

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

    const signalLegendEl = h('div', { id: 'signal-legend', 'aria-label': 'Layers (click to hide or show)' });
    this.signalLegend = new LayerLegend(signalLegendEl, legendHandlers);
    const signalBox = chartBox(
      'signal-chart',
      'Activation standard deviation per layer over steps',
      'Waiting for the first measured step…',
    );
    this.signal = new LayerLogChart(signalBox.canvas, SIGNAL_SERIES, {
      onHoverStep: (step) => {
        if (step === this.hoverStep) return;
        this.hoverStep = step;
        this.requestDraw();
      },
      onClickStep: (step) => this.pinProfile(step),
    });
    const profileBox = chartBox('layer-profile-chart', 'Activation standard deviation by layer depth at one step', '');
    this.profile = new LayerProfileChart(profileBox.canvas);
    this.profileSlider = h('input', {
      type: 'range',
      class: 'gs-profile-slider',
      id: 'layer-profile-slider',
      min: '0',
      max: '0',
      step: '1',
      value: '0',
      'aria-label': 'Step of the layer profile',
    });
    this.profileSlider.addEventListener('input', () => {
      const steps = this.model.history?.steps ?? [];
      const p = steps[Number(this.profileSlider.value)];
      if (p) this.pinProfile(p.step === steps[steps.length - 1]?.step ? null : p.step);
    });
    this.profileLatest = h(
      'button',
      { class: 'gs-link-button gs-inline-button', type: 'button', id: 'layer-profile-latest' },
      'latest',
    );
    this.profileLatest.addEventListener('click', () => this.pinProfile(null));

    const updateLegendEl = h('div', { id: 'update-ratio-legend', 'aria-label': 'Layers (click to hide or show)' });
    this.updateLegend = new LayerLegend(updateLegendEl, legendHandlers);
    const updateBox = chartBox('update-ratio-chart', 'Update ratio per layer over steps', 'Waiting for the first measured step…');
    this.updates = new LayerLogChart(updateBox.canvas, UPDATE_RATIO_SERIES);
    const secondLegendEl = h('div', { id: 'second-kernel-legend', 'aria-label': 'Layers (click to hide or show)' });
    this.secondLegend = new LayerLegend(secondLegendEl, legendHandlers);
    const secondBox = chartBox(
      'second-kernel-chart',
      'Gradient norm of recurrent and gate kernels over steps',
      'Waiting for the first measured step…',
    );
    this.secondKernel = new LayerLogChart(secondBox.canvas, SECOND_KERNEL_SERIES);
    const globalBox = chartBox(
      'global-norm-chart',
      'Global gradient norm before and after clipping over steps',
      'Waiting for the first measured step…',
    );
    this.globalNorm = new GlobalNormChart(globalBox.canvas);

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
          h(
            'span',
            { class: 'gs-hint gs-inline' },
            'rows: layers, input at the top · colour: gradient norm · grey: frozen layer (no gradient)',
          ),
          h('span', { class: 'gs-spacer' }),
          this.heatLegend,
          this.actionsFor(heatCanvas, () => this.heat.table()),
        ),
        heatBox,
        heatStack,
      ],
      [this.actionsFor(gradBox.canvas)],
      true,
    );
    const lossPanel = panel(
      'panel-loss',
      'Loss',
      'Training loss should fall. Validation loss rising while training loss falls means overfitting; a flat line means the network is not learning.',
      [lossBox.box],
      [this.actionsFor(lossBox.canvas)],
    );
    const deadPanel = panel(
      'panel-dead',
      'Dead & saturated units',
      'Dead units: units whose activation derivative is (numerically) zero for every sample of the batch \u2014 relu output 0; relu6 output 0 or 6; elu, selu, gelu, swish, mish and softplus derivative below 1e-3 \u2014 so no gradient reaches their weights and they stop learning. Leaky variants (leakyRelu, prelu, rrelu) are never counted: their slope is at least \u03b1. Saturated: sigmoid/tanh/hardSigmoid outputs stuck in the flat tails, where almost no gradient flows through.',
      [deadLegendEl, deadBox.box],
      [
        h(
          'div',
          { class: 'gs-segmented', role: 'group', 'aria-label': 'Units as' },
          this.modeButtons.fraction,
          this.modeButtons.count,
        ),
        this.actionsFor(deadBox.canvas),
      ],
    );
    const lrPanel = panel(
      'panel-lr',
      'Learning rate',
      'The step size the optimizer used at each step (warm-up, decay and other schedules show here), solid; the planned curve of the whole run, faint, for schedules that do not react to the run. A triangle and a \u201cplateau\u201d line mark each time reduceOnPlateau lowered the rate (hover the triangle: old \u2192 new rate). Momentum (SGD) or \u03b21 (Adam family), right axis, when the schedule cycles it.',
      [lrBox.box],
      [this.actionsFor(lrBox.canvas)],
      true,
    );
    const signalPanel = panel(
      'panel-signal',
      'Signal per layer',
      'Std over the batch of each layer\u2019s activation output, per layer over steps (log scale): how big the forward signal is at each depth. Lines that sink decade after decade with depth mean the signal shrinks toward 0 (too small an initialisation, e.g. \u03c3 = 0.01); lines that climb layer after layer mean it blows up. With an initialisation matched to the activation (He for ReLU, Glorot for tanh) they stay of the same order.',
      [
        signalLegendEl,
        h(
          'div',
          { class: 'gs-signal-row' },
          h('div', { class: 'gs-signal-steps' }, signalBox.box),
          h(
            'div',
            { class: 'gs-signal-profile' },
            h(
              'div',
              { class: 'gs-heat-head' },
              h('span', { class: 'gs-heat-title' }, 'Layer profile'),
              this.profileLabel,
              h('span', { class: 'gs-spacer' }),
              this.profileLatest,
              this.actionsFor(profileBox.canvas),
            ),
            profileBox.box,
            this.profileSlider,
            h(
              'p',
              { class: 'gs-hint' },
              'Std by depth at one step: the latest, or the step you pick with the slider or by clicking the chart on the left (hovering it previews a step).',
            ),
          ),
        ),
      ],
      [this.actionsFor(signalBox.canvas)],
      true,
    );
    const updatePanel = panel(
      'panel-update',
      'Update ratio per layer',
      'How much each step changes a layer\u2019s weights relative to their size: \u2016\u0394W\u2016 / \u2016W\u2016. Rule of thumb: about 1e-3 (dashed line; shaded 1e-4 to 1e-2). Far below, the layer barely learns (learning rate too low, or a vanishing gradient); far above, each step overwrites the weights (learning rate too high).',
      [updateLegendEl, updateBox.box],
      [this.actionsFor(updateBox.canvas)],
    );
    const globalPanel = panel(
      'panel-global-norm',
      'Global gradient norm and clipping',
      'The norm of all gradients taken together, before and after clipping. With training.clipNorm the \u201cafter\u201d line is capped at the limit while \u201cbefore\u201d keeps its spikes: the step keeps its direction, its length is limited (clipValue clips each element instead). Without clipping the two lines coincide.',
      [globalBox.box],
      [this.actionsFor(globalBox.canvas)],
    );
    this.secondPanel = panel(
      'panel-second-kernel',
      'Recurrent and gate kernels',
      'Gradient norm of the second kernel of recurrent and highway layers: a simpleRNN/lstm/gru layer\u2019s recurrent kernel (state \u2192 state, applied once per timestep, so its gradient compounds over the sequence: the exploding and vanishing gradients of RNNs show here first) and a highway layer\u2019s transform-gate kernel W_T. Their input kernels are in the gradient chart above.',
      [secondLegendEl, secondBox.box],
      [this.actionsFor(secondBox.canvas)],
    );
    this.panels.append(
      this.compareTable.root,
      gradPanel,
      // Wide, right under the first wide panel: it leaves no hole in the two-column grid whichever panels show.
      this.explain.root,
      lossPanel,
      this.confusion.root,
      this.augmentation.root,
      deadPanel,
      signalPanel,
      updatePanel,
      this.secondPanel,
      globalPanel,
      lrPanel,
    );
    this.boxes.push(
      { root: gradPanel, box: gradBox.box, canvas: gradBox.canvas },
      { root: lossPanel, box: lossBox.box, canvas: lossBox.canvas },
      { root: deadPanel, box: deadBox.box, canvas: deadBox.canvas },
      { root: lrPanel, box: lrBox.box, canvas: lrBox.canvas },
      { root: signalPanel, box: signalBox.box, canvas: signalBox.canvas },
      { root: signalPanel, box: profileBox.box, canvas: profileBox.canvas },
      { root: updatePanel, box: updateBox.box, canvas: updateBox.canvas },
      { root: globalPanel, box: globalBox.box, canvas: globalBox.canvas },
      { root: this.secondPanel, box: secondBox.box, canvas: secondBox.canvas },
    );

    app.classList.add('gs-app');
    app.append(this.header.root, this.diagnostics.root, this.lrFind.root, this.empty, this.panels);
    this.addTasks(gradPanel, lossPanel, deadPanel, lrPanel, signalPanel, updatePanel, globalPanel);
  }

  /**
   * "Save PNG" and "Copy CSV" for the chart on `canvas`, named by its id without `-chart` (e.g. `grad-norm`); `table`
   * gives the CSV of a chart that chart.js does not draw (the heat strip).
   */
  private actionsFor(canvas: HTMLCanvasElement, table?: () => ChartTable): HTMLElement {
    return chartActions(
      canvas,
      canvas.id.replace(/-chart$/, ''),
      (m) => this.host.post(m),
      () => this.theme.background,
      table,
    );
  }

  /** Any change other than new data (hover, hidden layers, a resize…): every chart redraws on the next draw. */
  private requestDraw(): void {
    this.stale = true;
    this.scheduler.request();
  }

  /** The theme changed: charts rebuild with the new colours on the next draw. */
  themeChanged(): void {
    this.theme = readTheme();
    this.stale = true;
  }

  /** Called after a snapshot: keeps only hidden layers that exist in the new run and remembers the run. */
  snapshotApplied(): void {
    const layers = this.model.history?.layers.map((l) => l.name) ?? [];
    const runId = currentRunId(this.model);
    if (layers.length > 0 && this.ui.hiddenLayers) this.ui.hiddenLayers = this.ui.hiddenLayers.filter((n) => layers.includes(n));
    if (runId !== undefined) this.ui.runId = runId;
    this.host.saveUiState(this.ui);
  }

  private addTasks(...[grad, loss, dead, lr, signal, updates, global]: HTMLElement[]): void {
    const add = (name: string, root: HTMLElement, run: (ctx: RenderContext) => void, follows?: string): void => {
      this.tasks.push({
        follows: this.tasks.find((t) => t.name === follows),
        name,
        root,
        run,
        dirty: true,
        visible: true,
        revision: -1,
        urgent: true,
        lastRun: -Infinity,
        lastMs: 0,
        runs: 0,
        totalMs: 0,
        maxMs: 0,
      });
    };
    // The heat strips and the layer profile are tasks of their own, drawn after the chart they go with (as often,
    // in the next slice): no frame holds both (each slice of a draw runs at least one task, however long).
    add('grad', grad, (ctx) => this.drawGrad(ctx));
    add('heat', grad, (ctx) => this.drawHeat(ctx), 'grad');
    add('loss', loss, (ctx) => this.loss.render(ctx));
    add('dead', dead, (ctx) => this.drawDead(ctx));
    add('signal', signal, (ctx) => this.drawSignal(ctx));
    add('profile', signal, (ctx) => this.drawProfile(ctx), 'signal');
    add('updates', updates, (ctx) => {
      this.updates.render(ctx);
      this.updateLegend.render(this.legendItems(ctx, this.updates.shown()), this.compareNote());
    });
    add('second', this.secondPanel, (ctx) => {
      this.secondKernel.render(ctx);
      this.secondLegend.render(this.legendItems(ctx, this.secondKernel.shown()), this.compareNote());
    });
    add('global', global, (ctx) => this.globalNorm.render(ctx));
    add('lr', lr, (ctx) => this.lr.render(ctx));
    if (typeof IntersectionObserver === 'undefined') return;
    const byRoot = new Map<Element, DrawTask[]>();
    for (const t of this.tasks) byRoot.set(t.root, [...(byRoot.get(t.root) ?? []), t]);
    const observer = new IntersectionObserver(
      (entries) => {
        let show = false;
        for (const e of entries)
          for (const t of byRoot.get(e.target) ?? []) {
            t.visible = e.isIntersecting;
            // A chart scrolled into view with data it has not shown is drawn at once, whatever the draw share.
            if (t.visible && t.dirty) t.urgent = true;
            show ||= t.visible && t.dirty;
          }
        if (show) this.scheduler.continueIn(0);
      },
      { rootMargin: '100px' },
    );
    for (const root of byRoot.keys()) observer.observe(root);
  }

  /**
   * Draws what changed, a slice at a time: the page's text at once, then the charts that need it, those in view
   * first, until FRAME_BUDGET_MS is spent; the rest go on in the next frames (charts out of view at most every
   * OFFSCREEN_INTERVAL_MS). Records on #app, for tests and the bench: `data-draw-ms` (this slice), `-max`,
   * `-total`, `data-draw-count`, `data-chart-updates`, `data-task-ms` (per chart: `name:runs:totalMs:maxMs`, space
   * separated), and `data-revision`, the model revision every chart shows.
   */
  draw(): void {
    const t0 = performance.now();
    const model = this.model;
    const fresh = this.stale || model.revision !== this.markedRevision;
    const newRun = model.generation !== this.lastGeneration;
    const ctx = this.drawPage(fresh);
    if (fresh) {
      // A new run is drawn everywhere at once, a change the user made (hover, hidden layers, theme) where it shows;
      // new data waits for each chart's gap.
      const userChange = model.revision === this.drawnDataRevision;
      this.stale = false;
      if (model.revision !== this.markedRevision) this.dataAt = t0;
      this.markedRevision = model.revision;
      for (const t of this.tasks) {
        t.dirty = true;
        t.urgent ||= newRun || (userChange && t.visible);
      }
    }
    let next: number | undefined;
    if (!ctx) {
      for (const t of this.tasks) [t.dirty, t.revision] = [false, model.revision];
    } else {
      let updates = 0;
      for (;;) {
        const now = performance.now();
        const due = (t: DrawTask): boolean => t.dirty && (t.urgent || now >= this.dueAt(t));
        const task = this.tasks.find((t) => t.visible && due(t)) ?? this.tasks.find(due);
        if (!task || (now - t0 >= FRAME_BUDGET_MS && updates > 0)) break;
        task.run(ctx);
        updates++;
        const end = performance.now();
        [task.dirty, task.urgent, task.revision, task.lastRun, task.lastMs] = [false, false, model.revision, end, end - now];
        task.runs++;
        task.totalMs += task.lastMs;
        task.maxMs = Math.max(task.maxMs, task.lastMs);
      }
      this.drawnDataRevision = model.revision;
      this.chartUpdates += updates;
      if (updates > 0) this.costSlice(t0);
      for (const p of this.boxes) p.box.classList.toggle('is-empty', p.canvas.dataset.rendered !== 'true');
      const now = performance.now();
      for (const t of this.tasks) if (t.dirty) next = Math.min(next ?? Infinity, t.urgent ? 0 : Math.max(0, this.dueAt(t) - now));
    }
    if (next !== undefined && next < Infinity) this.scheduler.continueIn(next);
    const ms = performance.now() - t0;
    const d = this.app.dataset;
    d.drawMs = ms.toFixed(1);
    d.drawMsMax = Math.max(ms, Number(d.drawMsMax ?? 0)).toFixed(1);
    d.drawMsTotal = (Number(d.drawMsTotal ?? 0) + ms).toFixed(1);
    d.chartUpdates = String(this.chartUpdates);
    d.taskMs = this.tasks.map((t) => `${t.name}:${t.runs}:${t.totalMs.toFixed(1)}:${t.maxMs.toFixed(1)}`).join(' ');
    d.drawCount = String(++this.draws);
    d.revision = String(Math.min(...this.tasks.map((t) => t.revision)));
  }

  /**
   * Measures the slice that began at `t0` once the frame showing it is rendered: a task queued now runs after the
   * animation frame's callbacks and the rendering that follows them.
   */
  private costSlice(t0: number): void {
    if (typeof MessageChannel === 'undefined') return;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      this.share.record(t0, performance.now() - t0);
      this.app.dataset.sliceCostMsTotal = this.share.totalMs.toFixed(1);
      this.app.dataset.slicesCosted = String(this.share.slices);
    };
    channel.port2.postMessage(null);
  }

  /** The model revision of the last draw (a draw of the same revision is a change the user made). */
  private drawnDataRevision = -1;

  /** When the model's revision last moved (new data, mostly). */
  private dataAt = -Infinity;

  /**
   * When a dirty chart may update: COST_FACTOR × its last duration after its last update, and not before the charts'
   * share allows (DRAW_SHARE); out of view, once the data has rested QUIET_MS, or OFFSCREEN_INTERVAL_MS after its
   * last update while it streams. A part that follows another: once that one has drawn since (never before it:
   * Infinity).
   */
  private dueAt(t: DrawTask): number {
    if (t.follows) return t.follows.lastRun > t.lastRun ? t.follows.lastRun : Infinity;
    const gap = Math.min(OFFSCREEN_INTERVAL_MS, COST_FACTOR * t.lastMs);
    if (t.visible) return Math.max(t.lastRun + gap, this.share.notBefore);
    return Math.max(t.lastRun + gap, this.share.notBefore, Math.min(t.lastRun + OFFSCREEN_INTERVAL_MS, this.dataAt + QUIET_MS));
  }

  private compareNote(): string | undefined {
    const compare = this.model.compare;
    return compare.length > 0 ? `dashed: ${compare.map((c) => c.label).join(', ')}` : undefined;
  }

  /**
   * The page outside the charts (header, diagnostics, tables, panels without charts), and the context the charts
   * draw with; undefined when there is no run to chart (the charts are then torn down).
   */
  private drawPage(fresh: boolean): RenderContext | undefined {
    const model = this.model;
    const theme = this.theme;
    const data = hasData(model);
    if (fresh) {
      this.app.dataset.generation = String(model.generation);
      this.app.dataset.runId = currentRunId(model) ?? '';
      this.header.root.hidden = !data;
      this.panels.hidden = !data;
      this.empty.hidden = data || model.lrFind !== undefined;
      this.lrFind.render(model.lrFind, theme);
      this.empty.textContent =
        model.phase === 'connecting' ? 'Connecting to Gradscope…' : 'No run yet: run Gradscope: Train Model';
      this.diagnostics.render(model);
    }
    if (!data) {
      this.destroyCharts();
      return undefined;
    }
    if (model.generation !== this.lastGeneration) {
      this.lastGeneration = model.generation;
      this.highlighted = null;
      this.profileStep = null;
      this.hoverStep = null;
    }
    const layers = model.history?.layers ?? [];
    this.freezes = model.history ? layerFreezes(model.history) : new Map<string, LayerFreeze>();
    const layerColors = layers.map((_, i) => layerColor(i, layers.length, theme));
    const signalLayers = model.history?.signalLayers ?? [];
    const colors = new Map(signalLayers.map((l, i) => [l.name, layerColor(i, signalLayers.length, theme)]));
    layers.forEach((l, i) => colors.set(l.name, layerColors[i]));
    const ctx: RenderContext = {
      model,
      theme,
      hidden: new Set(this.ui.hiddenLayers ?? []),
      highlighted: this.highlighted,
      activationMode: this.ui.activationMode ?? 'fraction',
      layerColors,
      colorOf: (name) => colors.get(name) ?? theme.muted,
      gutter: this.gutterFor(layers, theme),
    };
    if (!fresh) return ctx;
    this.header.render(model);
    for (const [m, b] of Object.entries(this.modeButtons)) b.setAttribute('aria-pressed', String(m === ctx.activationMode));
    this.compareTable.render(model);
    this.confusion.render(model, theme);
    this.augmentation.render(model.history?.augmentation, theme);
    this.explain.render(model, theme);
    if (this.heatLegendTheme !== theme.key) {
      drawHeatLegend(this.heatLegend, theme);
      this.heatLegendTheme = theme.key;
    }
    // Only models with recurrent or highway layers have a second kernel: the panel is hidden for the others.
    this.secondPanel.hidden = !(model.history?.layers ?? []).some((l) => SECOND_KERNEL_KINDS.has(l.kind));
    return ctx;
  }

  /** The gradient chart and its legend. */
  private drawGrad(ctx: RenderContext): void {
    const layers = ctx.model.history?.layers ?? [];
    this.gradLegend.render(this.legendItems(ctx, layers), this.compareNote());
    this.grad.render(ctx);
  }

  /** The heat strips under the gradient chart (theirs line up with its plot area, as of its last draw). */
  private drawHeat(ctx: RenderContext): void {
    const model = ctx.model;
    this.heat.render(ctx, this.grad.plotArea());
    this.compareHeat.forEach((slot, k) => {
      const c = model.compare[k];
      slot.root.hidden = !c;
      if (!c) return;
      slot.title.textContent = `${c.label} (run ${c.run.runId})`;
      slot.strip.render(ctx, this.grad.plotArea(), c.history);
    });
  }

  private drawDead(ctx: RenderContext): void {
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
        (ctx.model.history?.steps.length ?? 0) > 0
          ? 'No layer of this model reports dead or saturated units (only activations that can stop passing gradient do).'
          : 'Waiting for the first measured step…';
    }
  }

  private drawSignal(ctx: RenderContext): void {
    this.signal.render(ctx);
    const signalShown = this.signal.shown();
    this.signalLegend.render(this.legendItems(ctx, signalShown), signalShown.length ? this.compareNote() : undefined);
    const measured = (ctx.model.history?.steps.length ?? 0) > 0;
    // A run recorded by another framework's monitor may leave them out; gradscope's own runs had none before it measured them.
    const why = ctx.model.history?.start?.external
      ? 'its monitor did not report them'
      : 'runs trained before gradscope measured them';
    for (const box of [this.boxes[4].box, this.boxes[5].box]) {
      const wait = box.querySelector('.gs-wait');
      if (wait)
        wait.textContent = measured
          ? `This run recorded no activation statistics (${why}).`
          : 'Waiting for the first measured step…';
    }
  }

  /** The layer profile at the hovered, pinned or latest step, and the slider and label that go with it. */
  private drawProfile(ctx: RenderContext): void {
    const steps = ctx.model.history?.steps ?? [];
    const shown = this.profile.render(ctx, this.hoverStep ?? this.profileStep ?? undefined);
    const index = shown ? steps.findIndex((p) => p.step === shown.step) : -1;
    this.profileSlider.max = String(Math.max(0, steps.length - 1));
    this.profileSlider.value = String(Math.max(0, index));
    this.profileSlider.disabled = !shown;
    const latest = shown !== undefined && index === steps.length - 1;
    this.profileLabel.textContent = shown ? `step ${shown.step}${latest ? ' (latest)' : ''}` : '';
    this.profileLatest.hidden = this.profileStep === null;
  }

  private pinProfile(step: number | null): void {
    this.profileStep = step;
    this.requestDraw();
  }

  private legendItems(ctx: RenderContext, layers: LayerSummary[]): LegendItem[] {
    return layers.map((l) => {
      const detail = [
        l.kind,
        l.activation,
        l.outputShape.length ? `output ${l.outputShape.join('×')}` : undefined,
        `${l.params} params`,
      ]
        .filter(Boolean)
        .join(', ');
      const freeze = this.freezes.get(l.name);
      return {
        name: l.name,
        color: ctx.colorOf(l.name),
        hidden: ctx.hidden.has(l.name),
        detail: freeze ? `${detail}; ${freezeText(freeze)}` : detail,
        ...(freeze?.frozen ? { frozen: true } : {}),
      };
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
    if (layer.source) this.host.post({ type: 'reveal-source', source: layer.source });
    else this.reveal(layer.specPath);
  }

  private destroyCharts(): void {
    this.grad.destroy();
    this.signal.destroy();
    this.profile.destroy();
    this.updates.destroy();
    this.secondKernel.destroy();
    this.globalNorm.destroy();
    this.dead.destroy();
    this.lr.destroy();
    this.loss.destroy();
  }
}
