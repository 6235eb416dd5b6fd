// The Explain panel of conv runs: the Grad-CAM explanations the run recorded (`explanation` events). For each of a
// fixed, seeded choice of validation samples: the input, its map in viridis and the map over the input, the label
// and the prediction (a wrong one framed and marked ✗, not by colour alone), and the map in words. The view toggles
// between the predicted class's map, the true class's and the input gradient (saliency); a slider walks the epochs
// that recorded explanations, so a learner watches where the net looks take shape; the first conv layer's filters
// are drawn below. Shown for runs that have explanations, or that could record them (a classifier with a conv2d
// layer: then it says how).
import type { ExplanationEvent, ExplanationMap } from '../../src/shared/engineProtocol';
import { viridis } from '../../src/shared/colorMap';
import { summarizeHeatmap } from '../../src/shared/heatmapText';
import {
  EXPLAIN_VIEWS,
  canExplain,
  epochText,
  filterPixels,
  inputPixels,
  mapCaption,
  mapOf,
  overlayColor,
  sanityText,
  viewAvailable,
  type ExplainView,
} from '../explain';
import { predictionText } from '../../src/shared/explanationText';
import type { DashboardModel } from '../state';
import type { Theme } from '../theme';
import { clear, h, observeWidth, panel, sizedContext } from './dom';

/** Side of a sample's tiles in CSS pixels (28×28 MNIST: ×2), and the gap between the three tiles. */
const TILE = 56;
const GAP = 3;
/** Side of a filter's tile in CSS pixels, and the gap between filters. */
const FILTER_TILE = 36;
const FILTER_GAP = 6;
const LEGEND_W = 160;
const LEGEND_H = 10;

const VIEW_LABELS: Record<ExplainView, [text: string, title: string]> = {
  predicted: ['predicted class', 'Grad-CAM of the class the model predicted: where it found evidence for its answer'],
  true: [
    'true class',
    'Grad-CAM of the true class: where the model found evidence for the right answer (differs from the predicted map only for misclassified samples)',
  ],
  saliency: [
    'saliency',
    'The input gradient |∂ score / ∂ pixel|: which single pixels would change the class score most (finer and noisier than Grad-CAM)',
  ],
};

/** An image of `width` × `height` RGB triples (0..255) drawn scaled onto `g` at (x, y), nearest neighbour. */
function drawPixels(
  g: CanvasRenderingContext2D,
  rgb: readonly number[],
  width: number,
  height: number,
  x: number,
  y: number,
  w: number,
  hgt: number,
): void {
  const tile = document.createElement('canvas');
  tile.width = width;
  tile.height = height;
  const tg = tile.getContext('2d');
  if (!tg) return;
  const image = tg.createImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    image.data[p * 4] = rgb[p * 3] ?? 0;
    image.data[p * 4 + 1] = rgb[p * 3 + 1] ?? 0;
    image.data[p * 4 + 2] = rgb[p * 3 + 2] ?? 0;
    image.data[p * 4 + 3] = 255;
  }
  tg.putImageData(image, 0, 0);
  g.drawImage(tile, x, y, w, hgt);
}

/** The map's values at the image's size (maps come at the input's size; a smaller one is read nearest-cell). */
function mapAt(map: ExplanationMap, width: number, height: number): number[] {
  if (map.width === width && map.height === height) return map.values;
  const out: number[] = [];
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++)
      out.push(map.values[Math.floor((r * map.height) / height) * map.width + Math.floor((c * map.width) / width)] ?? 0);
  return out;
}

export class ExplainPanel {
  readonly root: HTMLElement;
  private readonly views: Record<ExplainView, HTMLButtonElement>;
  private readonly slider = h('input', {
    type: 'range',
    class: 'gs-profile-slider gs-explain-slider',
    id: 'explain-epoch-slider',
    min: '0',
    max: '0',
    step: '1',
    value: '0',
    'aria-label': 'Epoch of the explanations shown',
  });
  private readonly epochLabel = h('span', { class: 'gs-profile-step', id: 'explain-epoch', 'aria-live': 'polite' });
  private readonly sliderRow: HTMLElement;
  private readonly legend = h('canvas', {
    class: 'gs-explain-legend',
    id: 'explain-legend',
    role: 'img',
    'aria-label': 'Colour scale of the maps: dark purple 0 (no contribution) to yellow 1 (the strongest)',
    'data-rendered': 'false',
  });
  private readonly note = h('p', { class: 'gs-hint', id: 'explain-note' });
  private readonly grid = h('div', { class: 'gs-explain-grid', id: 'explain-grid', role: 'list' });
  private readonly words = h('ul', { class: 'gs-explain-words', id: 'explain-text' });
  private readonly details: HTMLDetailsElement;
  private readonly filtersTitle = h('h3', { class: 'gs-heat-title gs-explain-subtitle', id: 'explain-filters-title' });
  private readonly filters = h('canvas', {
    class: 'gs-explain-filters',
    id: 'explain-filters',
    role: 'img',
    'data-rendered': 'false',
  });
  private readonly filtersBox: HTMLElement;
  private readonly legendBox: HTMLElement;
  private readonly viewGroup: HTMLElement;
  private view: ExplainView;
  /** The epoch picked with the slider (null: follow the newest explanation as training records them). */
  private pinnedEpoch: number | null = null;
  /** The run's explanations as of the last render (the slider's positions). */
  private explanations: ExplanationEvent[] = [];
  private generation = -1;
  private width = 0;
  private key = '';

  constructor(
    initialView: ExplainView | undefined,
    private readonly onViewChange: (view: ExplainView) => void,
    private readonly requestDraw: () => void,
  ) {
    // Persisted UI state comes back from the webview's storage: only a known view is taken.
    this.view = initialView && EXPLAIN_VIEWS.includes(initialView) ? initialView : 'predicted';
    const button = (v: ExplainView): HTMLButtonElement => {
      const [text, title] = VIEW_LABELS[v];
      const b = h('button', { class: 'gs-seg', type: 'button', 'data-view': v, title }, text);
      b.addEventListener('click', () => {
        if (b.disabled) return;
        this.view = v;
        this.onViewChange(v);
        this.requestDraw();
      });
      return b;
    };
    this.views = { predicted: button('predicted'), true: button('true'), saliency: button('saliency') };
    this.slider.addEventListener('input', () => {
      const list = this.explanations;
      const i = Number(this.slider.value);
      this.pinnedEpoch = i >= list.length - 1 ? null : (list[i]?.epoch ?? null);
      this.requestDraw();
    });
    this.sliderRow = h(
      'div',
      { class: 'gs-explain-epochs' },
      h('span', { class: 'gs-heat-title' }, 'Epoch'),
      this.slider,
      this.epochLabel,
    );
    this.details = h(
      'details',
      { class: 'gs-explain-details', id: 'explain-details' },
      h('summary', {}, 'The maps in words'),
      this.words,
    );
    this.filtersBox = h(
      'div',
      { class: 'gs-explain-filters-box' },
      this.filtersTitle,
      this.filters,
      h(
        'p',
        { class: 'gs-hint' },
        'Each filter is a small image of its weights: white positive, black negative, grey zero, each filter scaled to its own largest weight. Filters of a trained net often look like edge and stroke detectors.',
      ),
    );
    this.legendBox = h(
      'span',
      { class: 'gs-explain-legend-box' },
      h('span', { class: 'gs-hint gs-inline' }, '0 none'),
      this.legend,
      h('span', { class: 'gs-hint gs-inline' }, '1 strongest'),
    );
    this.viewGroup = h(
      'div',
      { class: 'gs-segmented', role: 'group', 'aria-label': 'Map shown' },
      this.views.predicted,
      this.views.true,
      this.views.saliency,
    );
    this.root = panel(
      'panel-explain',
      'Explain: where the net looks',
      'Grad-CAM, for the same validation samples every time: the conv layer\u2019s feature maps weighted by how much each raises the class score (its mean gradient), positive part only, scaled to the image. Each sample shows the input, the map (colour scale on the right) and the map over the input. A net that learned the task lights up the object itself; one that learned a shortcut lights up something else.',
      [
        h('div', { class: 'gs-explain-bar' }, this.sliderRow, h('span', { class: 'gs-spacer' }), this.legendBox),
        this.note,
        this.grid,
        this.details,
        this.filtersBox,
      ],
      [this.viewGroup],
      true,
    );
    this.root.hidden = true;
    observeWidth(this.root, (w) => {
      this.width = w;
      this.requestDraw();
    });
  }

  render(model: DashboardModel, theme: Theme): void {
    const history = model.history;
    const list = history?.explanations ?? [];
    this.explanations = list;
    const conv = canExplain(history?.start);
    this.root.hidden = list.length === 0 && !conv;
    if (this.root.hidden) return;
    if (model.generation !== this.generation) {
      this.generation = model.generation;
      this.pinnedEpoch = null;
    }
    const pinned = this.pinnedEpoch === null ? -1 : list.findIndex((e) => e.epoch === this.pinnedEpoch);
    const index = pinned >= 0 ? pinned : list.length - 1;
    const shown = list[index];
    const key = JSON.stringify([
      model.generation,
      theme.key,
      this.width,
      list.length,
      list[list.length - 1]?.epoch,
      shown?.epoch,
      this.view,
      !!history?.end,
    ]);
    if (key === this.key) return;
    this.key = key;

    this.slider.max = String(Math.max(0, list.length - 1));
    this.slider.value = String(Math.max(0, index));
    this.slider.disabled = list.length < 2;
    // Without explanations there is nothing to slide, colour or toggle: only the note saying how to record them.
    this.sliderRow.hidden = list.length === 0;
    this.legendBox.hidden = list.length === 0;
    // Every conv classifier shows the panel: without explanations it stays one line, not a paragraph on Grad-CAM.
    const intro = this.root.querySelector(':scope > .gs-hint:not(#explain-note)');
    if (intro instanceof HTMLElement) intro.hidden = list.length === 0;
    this.viewGroup.hidden = list.length === 0;
    this.drawLegend();
    for (const v of EXPLAIN_VIEWS) {
      const b = this.views[v];
      b.disabled = !shown || !viewAvailable(shown, v);
      b.setAttribute('aria-pressed', String(v === this.view));
    }
    this.root.dataset.explanations = String(list.length);
    this.root.dataset.view = this.view;
    if (!shown) {
      this.root.dataset.epoch = '';
      this.epochLabel.textContent = '';
      this.note.textContent = history?.end
        ? 'This run recorded no explanations. To record them at the end of each epoch, add "monitor": { "explain": { "samples": 8 } } to the spec and train again.'
        : 'No explanation yet. A run whose spec sets "monitor": { "explain": { "samples": 8 } } records them at the end of each epoch ("every": n for every n-th), for the same validation samples each time.';
      clear(this.grid);
      clear(this.words);
      this.details.hidden = true;
      this.filtersBox.hidden = true;
      return;
    }
    this.details.hidden = false;
    this.root.dataset.epoch = String(shown.epoch);
    this.epochLabel.textContent = `${epochText(shown, history?.start?.epochs)}${index === list.length - 1 && list.length > 1 ? ' (latest)' : ''}`;
    // A screen reader says the epoch, not the slider's position among the recorded explanations.
    this.slider.setAttribute('aria-valuetext', this.epochLabel.textContent);
    const wrong = shown.samples.filter((s) => s.predicted !== s.label).length;
    const empty = shown.samples.filter((x) => {
      const m = mapOf(x, this.view);
      return m !== undefined && !m.values.some((v) => v > 0);
    }).length;
    this.note.textContent =
      // Saliency is the gradient at the input: no conv layer is involved in it.
      `${shown.samples.length} validation samples, ${this.view === 'saliency' ? 'gradient at the input' : `Grad-CAM at layer ${shown.layer}`}; ` +
      `${wrong === 0 ? 'all predicted right' : `${wrong} predicted wrong (framed, marked ✗)`}` +
      `${empty > 0 ? `; ${empty} empty map${empty > 1 ? 's' : ''} (the weighted feature maps sum to 0 or less everywhere: no region raised the score)` : ''}` +
      '. Tiles: input · map · map over the input.' +
      (sanityText(shown) ? ` ${sanityText(shown)}` : '');
    this.drawSamples(shown, theme);
    this.drawFilters(shown, theme);
  }

  private drawLegend(): void {
    const g = sizedContext(this.legend, LEGEND_W, LEGEND_H);
    if (!g) return;
    for (let x = 0; x < LEGEND_W; x++) {
      const [r, gg, b] = viridis(x / (LEGEND_W - 1));
      g.fillStyle = `rgb(${r}, ${gg}, ${b})`;
      g.fillRect(x, 0, 1, LEGEND_H);
    }
    this.legend.dataset.rendered = 'true';
  }

  private drawSamples(event: ExplanationEvent, theme: Theme): void {
    const [height = 1, width = 1, channels = 1] =
      event.inputShape.length >= 3 ? event.inputShape : [1, event.inputShape[0] ?? 1, 1];
    const scale = TILE / Math.max(height, width);
    const tileW = Math.max(1, Math.round(width * scale));
    const tileH = Math.max(1, Math.round(height * scale));
    const dpr = window.devicePixelRatio || 1;
    clear(this.grid);
    clear(this.words);
    event.samples.forEach((sample) => {
      const map = mapOf(sample, this.view);
      const correct = sample.predicted === sample.label;
      const prediction = predictionText(event, sample);
      const caption = mapCaption(event, sample, this.view);
      const empty = map !== undefined && !map.values.some((v) => v > 0);
      const words = map ? summarizeHeatmap(map).text : 'No map of this kind was recorded for this sample.';
      const canvas = h('canvas', {
        class: 'gs-explain-sample',
        role: 'img',
        'data-rendered': 'false',
        'aria-label': `Validation sample ${sample.index}: ${prediction}${correct ? '' : ', misclassified'}. ${caption}: ${words}`,
      });
      const mark = h(
        'span',
        { class: `gs-explain-mark ${correct ? 'is-right' : 'is-wrong'}`, 'aria-hidden': 'true' },
        correct ? '✓' : '✗',
      );
      const figure = h(
        'figure',
        {
          class: `gs-explain-item${correct ? '' : ' is-wrong'}`,
          role: 'listitem',
          'data-index': String(sample.index),
          'data-label': String(sample.label),
          'data-predicted': String(sample.predicted),
          'data-correct': String(correct),
          'data-empty': String(empty),
          title: `${caption}. ${words}`,
        },
        canvas,
        h(
          'figcaption',
          {},
          h(
            'span',
            { class: 'gs-explain-pred' },
            mark,
            ' ',
            prediction,
            correct ? '' : h('span', { class: 'gs-explain-wrong' }, ' wrong'),
          ),
          h(
            'span',
            { class: 'gs-explain-map' },
            caption,
            // An all-purple tile reads as "no data" unless it says what it means.
            empty ? h('span', { class: 'gs-explain-empty' }, ': empty, no region raised the score') : '',
          ),
        ),
      );
      this.grid.append(figure);
      this.words.append(
        h(
          'li',
          { 'data-index': String(sample.index) },
          `Sample ${sample.index} (${prediction}${correct ? '' : ', wrong'}). ${caption}: ${words}`,
        ),
      );
      const cssW = 3 * tileW + 2 * GAP;
      const g = sizedContext(canvas, cssW, tileH);
      if (!g) return;
      g.imageSmoothingEnabled = false;
      const input = inputPixels(sample.input, height, width, channels);
      drawPixels(g, input, width, height, 0, 0, tileW, tileH);
      if (map) {
        const values = mapAt(map, width, height);
        const heat = values.flatMap((v) => viridis(v));
        const over: number[] = [];
        for (let p = 0; p < width * height; p++) over.push(...overlayColor(input.slice(p * 3, p * 3 + 3), values[p] ?? 0));
        drawPixels(g, heat, width, height, tileW + GAP, 0, tileW, tileH);
        drawPixels(g, over, width, height, 2 * (tileW + GAP), 0, tileW, tileH);
      } else {
        g.fillStyle = theme.muted;
        g.font = `10px ${theme.fontFamily}`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText('no map', tileW + GAP + tileW / 2, tileH / 2);
      }
      canvas.dataset.rendered = 'true';
      canvas.dataset.view = map ? this.view : '';
      // Tile geometry in canvas pixels (left of the first tile, top, tile width, height, gap) and the image's size,
      // for tests that read a map cell's colour.
      canvas.dataset.tiles = [0, 0, tileW, tileH, GAP].map((v) => Math.round(v * dpr)).join(',');
      canvas.dataset.image = `${width},${height}`;
    });
  }

  private drawFilters(event: ExplanationEvent, theme: Theme): void {
    const f = event.filters;
    this.filtersBox.hidden = !f;
    if (!f) {
      this.filters.dataset.rendered = 'false';
      return;
    }
    const n = f.kernels.length;
    this.filtersTitle.textContent = `First conv layer\u2019s filters: ${f.layer}, ${n} filters of ${f.height}×${f.width}${f.channels > 1 ? `×${f.channels}` : ''} (epoch ${event.epoch + 1})`;
    this.filters.setAttribute(
      'aria-label',
      `${n} filters of ${f.layer} at epoch ${event.epoch + 1}, drawn as ${f.height}×${f.width} grey images`,
    );
    const perRow = Math.max(1, Math.min(n, Math.floor((Math.max(this.width, 200) + FILTER_GAP) / (FILTER_TILE + FILTER_GAP))));
    const rows = Math.ceil(n / perRow);
    const cssW = perRow * (FILTER_TILE + FILTER_GAP) - FILTER_GAP;
    const cssH = rows * (FILTER_TILE + FILTER_GAP) - FILTER_GAP;
    const g = sizedContext(this.filters, cssW, cssH);
    if (!g) return;
    g.imageSmoothingEnabled = false;
    const scale = FILTER_TILE / Math.max(f.height, f.width);
    f.kernels.forEach((kernel, i) => {
      const x = (i % perRow) * (FILTER_TILE + FILTER_GAP);
      const y = Math.floor(i / perRow) * (FILTER_TILE + FILTER_GAP);
      drawPixels(
        g,
        filterPixels(kernel, f.height, f.width, f.channels),
        f.width,
        f.height,
        x,
        y,
        f.width * scale,
        f.height * scale,
      );
      // A thin frame: a filter of mostly white or grey weights still has an edge against the panel's background.
      g.strokeStyle = theme.border;
      g.strokeRect(x + 0.5, y + 0.5, f.width * scale - 1, f.height * scale - 1);
    });
    this.filters.dataset.rendered = 'true';
    this.filters.dataset.filters = String(n);
    const dpr = window.devicePixelRatio || 1;
    // Filter geometry in canvas pixels (tile side, gap, filters per row), for tests.
    this.filters.dataset.tiles = [FILTER_TILE, FILTER_GAP]
      .map((v) => Math.round(v * dpr))
      .concat(perRow)
      .join(',');
  }
}
