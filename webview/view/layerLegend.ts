// A clickable HTML legend for the per-layer charts: one chip per layer in model order with its depth colour.
// Clicking a chip hides or shows that layer (in every per-layer chart; the dashboard persists the choice);
// hovering a chip highlights that layer's lines. HTML rather than canvas so it wraps, reads and is testable.
import { clear, h } from './dom';

export interface LegendItem {
  name: string;
  color: string;
  hidden: boolean;
  /** Extra text in the chip's tooltip (kind, activation, units). */
  detail?: string;
  /** The layer is frozen (`trainable: false`, not unfrozen yet): greyed, and labelled so. */
  frozen?: boolean;
}

export interface LegendHandlers {
  onToggle(name: string): void;
  onShowAll(): void;
  onHover(name: string | null): void;
}

export class LayerLegend {
  private key = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: LegendHandlers,
  ) {
    root.classList.add('gs-legend');
    root.setAttribute('role', 'group');
    root.addEventListener('mouseleave', () => handlers.onHover(null));
  }

  render(items: LegendItem[], note?: string): void {
    const key = JSON.stringify([items, note]);
    if (key === this.key) return;
    this.key = key;
    clear(this.root);
    for (const item of items) {
      const swatch = h('span', { class: 'gs-swatch' });
      swatch.style.backgroundColor = item.color;
      const chip = h(
        'button',
        {
          class: `gs-legend-item${item.hidden ? ' is-hidden' : ''}${item.frozen ? ' is-frozen' : ''}`,
          type: 'button',
          'data-layer': item.name,
          'aria-pressed': item.hidden ? 'false' : 'true',
          title: `${item.name}${item.detail ? ` — ${item.detail}` : ''}\nClick to ${item.hidden ? 'show' : 'hide'}`,
        },
        swatch,
        h('span', { class: 'gs-legend-label' }, item.name),
        item.frozen ? h('span', { class: 'gs-legend-frozen' }, 'frozen') : null,
      );
      chip.addEventListener('click', () => this.handlers.onToggle(item.name));
      chip.addEventListener('mouseenter', () => this.handlers.onHover(item.hidden ? null : item.name));
      this.root.append(chip);
    }
    if (items.some((i) => i.hidden)) {
      const all = h('button', { class: 'gs-legend-all', type: 'button' }, 'show all');
      all.addEventListener('click', () => this.handlers.onShowAll());
      this.root.append(all);
    }
    if (note) this.root.append(h('span', { class: 'gs-legend-note' }, note));
  }
}
