// The augmentation panel: the first training batch's samples before and after `data.augmentation` (the
// `augmentation-samples` event: the very draws that batch trained on), two rows of small images on a canvas, and the
// settings in words. Each before/after pair shares one grey scale (its min to max), so changes in brightness show.
// Hidden for runs that do not augment.
import type { AugmentationSamplesEvent } from '../../src/shared/engineProtocol';
import { augmentationItems } from '../reuse';
import type { Theme } from '../theme';
import { clear, h, observeWidth, panel, sizedContext } from './dom';

/** Largest and smallest side of a sample's tile in CSS pixels: tiles shrink to fit the panel, down to MIN_TILE. */
const TILE = 84;
const MIN_TILE = 28;
const GAP = 6;
const LABEL_W = 44;

/** Height, width and channels of one sample as drawn: images as they are, vectors as a one-row strip. */
function imageShape(shape: number[]): [number, number, number] {
  if (shape.length >= 3) return [shape[0], shape[1], shape[shape.length - 1]];
  if (shape.length === 2) return [shape[0], shape[1], 1];
  return [1, shape[0] ?? 1, 1];
}

export class AugmentationPanel {
  readonly root: HTMLElement;
  private readonly settings = h('ul', {
    class: 'gs-aug-settings',
    id: 'augmentation-settings',
    'aria-label': 'Augmentation settings',
  });
  private readonly canvas = h('canvas', {
    id: 'augmentation-grid',
    class: 'gs-aug-grid',
    role: 'img',
    'data-rendered': 'false',
  });
  private readonly note = h('p', { class: 'gs-hint', id: 'augmentation-note' });
  private key = '';
  /** Width of the grid's box in CSS pixels, kept by a ResizeObserver (no layout reads while drawing). */
  private width = 0;

  constructor(onResize: () => void) {
    this.root = panel(
      'panel-augmentation',
      'Data augmentation',
      'Training samples of the first batch as drawn (top) and as the network saw them after augmentation (bottom): a fresh random change per sample and epoch, on training batches only (validation data stay as they are). Augmentation should keep each label true: a shifted 3 is still a 3.',
      [this.settings, h('div', { class: 'gs-aug-box' }, this.canvas), this.note],
    );
    this.root.hidden = true;
    const box = this.canvas.parentElement;
    if (box)
      observeWidth(box, (w) => {
        this.width = w;
        onResize();
      });
  }

  render(samples: AugmentationSamplesEvent | undefined, theme: Theme): void {
    this.root.hidden = !samples;
    const key = JSON.stringify([
      theme.key,
      this.width,
      samples?.step,
      samples?.epoch,
      samples?.before.length,
      samples?.augmentation,
    ]);
    if (key === this.key) return;
    this.key = key;
    if (!samples) {
      this.canvas.dataset.rendered = 'false';
      return;
    }
    clear(this.settings);
    for (const item of augmentationItems(samples.augmentation)) this.settings.append(h('li', {}, item));
    this.note.textContent = `${samples.before.length} samples of the batch at step ${samples.step} (epoch ${samples.epoch + 1}); values are the model's inputs.`;
    this.canvas.setAttribute(
      'aria-label',
      `${samples.before.length} training samples before and after augmentation (${augmentationItems(samples.augmentation).join(', ')})`,
    );
    this.draw(samples, theme);
  }

  private draw(samples: AugmentationSamplesEvent, theme: Theme): void {
    const [height, width, channels] = imageShape(samples.shape);
    const count = samples.before.length;
    const fit = this.width > 0 ? Math.floor((this.width - LABEL_W) / Math.max(1, count)) - GAP : TILE;
    const side = Math.max(MIN_TILE, Math.min(TILE, fit));
    const scale = side / Math.max(height, width);
    const tileW = Math.max(1, Math.round(width * scale));
    const tileH = Math.max(1, Math.round(height * scale));
    const labelW = LABEL_W;
    const cssW = labelW + count * (tileW + GAP);
    const cssH = 2 * (tileH + GAP) + 2;
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    const g = sizedContext(c, cssW, cssH);
    if (!g) return;
    g.imageSmoothingEnabled = false;
    g.font = `11px ${theme.fontFamily}`;
    g.fillStyle = theme.muted;
    g.textBaseline = 'middle';
    g.fillText('before', 0, tileH / 2);
    g.fillText('after', 0, tileH + GAP + tileH / 2);
    const tile = document.createElement('canvas');
    tile.width = width;
    tile.height = height;
    const tg = tile.getContext('2d');
    if (!tg) return;
    for (let i = 0; i < count; i++) {
      const pair = [samples.before[i], samples.after[i]];
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of pair.flat()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const span = hi > lo ? hi - lo : 1;
      pair.forEach((values, row) => {
        const image = tg.createImageData(width, height);
        for (let p = 0; p < width * height; p++) {
          for (let k = 0; k < 3; k++) {
            const v = values[p * channels + (channels === 3 ? k : 0)] ?? lo;
            image.data[p * 4 + k] = Math.round(((v - lo) / span) * 255);
          }
          image.data[p * 4 + 3] = 255;
        }
        tg.putImageData(image, 0, 0);
        g.drawImage(tile, labelW + i * (tileW + GAP), row * (tileH + GAP), tileW, tileH);
      });
    }
    c.dataset.rendered = 'true';
    c.dataset.samples = String(count);
    // Tile geometry in canvas pixels (left, top of the first tile, tile width, height, gap), for tests.
    c.dataset.tiles = [labelW, 0, tileW, tileH, GAP].map((v) => Math.round(v * dpr)).join(',');
  }
}
