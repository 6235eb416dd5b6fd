// Colours and fonts for canvas drawing, read from VS Code's theme CSS variables at draw time, so light, dark and
// high-contrast themes all work. VS Code swaps `vscode-light` / `vscode-dark` / `vscode-high-contrast` on <body>
// and rewrites the variables on <html> when the theme changes: `watchTheme` reports both.

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export interface Theme {
  kind: ThemeKind;
  /** Changes whenever any value below changes: charts rebuild when it does. */
  key: string;
  foreground: string;
  muted: string;
  background: string;
  border: string;
  grid: string;
  fontFamily: string;
  fontSize: number;
  monoFamily: string;
  red: string;
  blue: string;
  yellow: string;
  orange: string;
  green: string;
  purple: string;
  error: string;
  warning: string;
  info: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v.length > 0 ? v : fallback;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour as [r, g, b, a] (a in 0..1), through the canvas colour parser. */
export function parseColor(color: string): [number, number, number, number] {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return [128, 128, 128, 1];
  probe.fillStyle = '#808080';
  probe.fillStyle = color;
  const s = String(probe.fillStyle);
  if (s.startsWith('#')) {
    const n = parseInt(s.slice(1, 7), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const m = /rgba?\(([^)]+)\)/.exec(s);
  if (!m) return [128, 128, 128, 1];
  const parts = m[1].split(',').map((p) => parseFloat(p));
  return [parts[0] ?? 128, parts[1] ?? 128, parts[2] ?? 128, parts[3] ?? 1];
}

/** The colour with its alpha multiplied by `alpha`. */
export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseColor(color);
  return `rgba(${r}, ${g}, ${b}, ${Math.max(0, Math.min(1, a * alpha)).toFixed(3)})`;
}

function kindOf(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

/** Reads the current theme from the CSS variables VS Code defines. */
export function readTheme(): Theme {
  const style = getComputedStyle(document.documentElement);
  const kind = kindOf(document.body);
  const light = kind === 'light' || kind === 'high-contrast-light';
  const hc = kind === 'high-contrast' || kind === 'high-contrast-light';
  const foreground = cssVar(style, '--vscode-editor-foreground', light ? '#333333' : '#cccccc');
  const border =
    cssVar(style, '--vscode-contrastBorder', '') || cssVar(style, '--vscode-panel-border', light ? '#d4d4d4' : '#3c3c3c');
  const fontSize = parseFloat(cssVar(style, '--vscode-font-size', '13px')) || 13;
  const t: Omit<Theme, 'key'> = {
    kind,
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', withAlpha(foreground, 0.7)),
    background: cssVar(style, '--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    border,
    grid: hc ? withAlpha(border, 0.6) : withAlpha(foreground, light ? 0.1 : 0.09),
    fontFamily: cssVar(style, '--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif'),
    fontSize,
    monoFamily: cssVar(style, '--vscode-editor-font-family', 'ui-monospace, Menlo, Consolas, monospace'),
    red: cssVar(style, '--vscode-charts-red', light ? '#e51400' : '#f14c4c'),
    blue: cssVar(style, '--vscode-charts-blue', light ? '#1a85ff' : '#3794ff'),
    yellow: cssVar(style, '--vscode-charts-yellow', light ? '#bf8803' : '#cca700'),
    orange: cssVar(style, '--vscode-charts-orange', light ? '#d18616' : '#d18616'),
    green: cssVar(style, '--vscode-charts-green', light ? '#388a34' : '#89d185'),
    purple: cssVar(style, '--vscode-charts-purple', light ? '#652d90' : '#b180d7'),
    error: cssVar(style, '--vscode-editorError-foreground', light ? '#e51400' : '#f14c4c'),
    warning: cssVar(style, '--vscode-editorWarning-foreground', light ? '#bf8803' : '#cca700'),
    info: cssVar(style, '--vscode-editorInfo-foreground', light ? '#1a85ff' : '#3794ff'),
  };
  return { ...t, key: JSON.stringify(t) };
}

export function isLight(theme: Theme): boolean {
  return theme.kind === 'light' || theme.kind === 'high-contrast-light';
}

export function isHighContrast(theme: Theme): boolean {
  return theme.kind === 'high-contrast' || theme.kind === 'high-contrast-light';
}

/**
 * Width of the one-line-per-layer series (gradient norms, update ratios, signal, dead units): 1 px, which Chromium's
 * software rasteriser draws as a hairline, several times cheaper than a thicker stroke, with 20 lines of a thousand
 * points each redrawn several times a second; 2 px in high-contrast themes.
 */
export function layerLineWidth(theme: Theme): number {
  return isHighContrast(theme) ? 2 : 1;
}

export function severityColor(theme: Theme, severity: 'error' | 'warning' | 'info'): string {
  return severity === 'error' ? theme.error : severity === 'warning' ? theme.warning : theme.info;
}

/** Calls `onChange` when the body's theme class or the variables on <html> change. */
export function watchTheme(onChange: () => void): void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
