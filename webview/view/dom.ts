// A tiny element builder: the page builds all of its DOM from script (the host's HTML is just <div id="app">).
// Text always goes in as text nodes, never as HTML, so run data cannot inject markup.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A dashboard panel: a section with its title (and controls beside it), a hint, then its body. */
export function panel(id: string, title: string, hint: string, body: Node[], head: Node[] = [], wide = false): HTMLElement {
  return h(
    'section',
    { class: `gs-panel${wide ? ' gs-panel-wide' : ''}`, id },
    h('div', { class: 'gs-panel-head' }, h('h2', { class: 'gs-panel-title' }, title), h('span', { class: 'gs-spacer' }), ...head),
    h('p', { class: 'gs-hint' }, hint),
    ...body,
  );
}

/** Calls `onChange` with the element's content width in CSS pixels whenever it changes (no layout reads while drawing). */
export function observeWidth(el: Element, onChange: (width: number) => void): void {
  let width = -1;
  new ResizeObserver((entries) => {
    const w = Math.floor(entries[entries.length - 1]?.contentRect.width ?? 0);
    if (w === width) return;
    width = w;
    onChange(w);
  }).observe(el);
}

/**
 * Sizes a canvas to `cssW` × `cssH` CSS pixels at the screen's pixel density and returns its context, cleared and
 * scaled so that drawing is in CSS pixels (null when the canvas has no 2D context).
 */
export function sizedContext(canvas: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const g = canvas.getContext('2d');
  if (!g) return null;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  return g;
}
