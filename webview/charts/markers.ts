// A chart.js plugin that draws where diagnostics fired: a vertical line per diagnostic, coloured by severity,
// with its code as a label along the top of the plot (labels that would overlap stack in rows).
import type { Chart, ChartType, Plugin } from 'chart.js';
import { drawnStepsPerEpoch } from '../../src/shared/runHistory';
import { unfreezeMarks } from '../reuse';
import { diagnosticEpochX, diagnosticStep, type DashboardModel } from '../state';
import { severityColor, withAlpha, type Theme } from '../theme';

export interface Marker {
  x: number;
  color: string;
  label: string;
}

export interface MarkerStyle {
  fontFamily: string;
  background: string;
}

/** A plugin instance for one chart; it reads the current markers and style each time the chart draws. */
export function markerPlugin<T extends ChartType>(getMarkers: () => Marker[], getStyle: () => MarkerStyle): Plugin<T> {
  return {
    id: 'gradscopeMarkers',
    afterDatasetsDraw(chart: Chart<T>): void {
      const markers = getMarkers();
      if (markers.length === 0) return;
      const area = chart.chartArea;
      const x = chart.scales.x;
      if (!x) return;
      const style = getStyle();
      const ctx = chart.ctx;
      ctx.save();
      ctx.font = `600 10px ${style.fontFamily}`;
      ctx.textBaseline = 'middle';
      const rowsRight: number[] = [];
      const sorted = [...markers].sort((a, b) => a.x - b.x);
      for (const m of sorted) {
        const px = x.getPixelForValue(m.x);
        if (!Number.isFinite(px) || px < area.left - 0.5 || px > area.right + 0.5) continue;
        ctx.strokeStyle = withAlpha(m.color, 0.85);
        ctx.lineWidth = 1.25;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(Math.round(px) + 0.5, area.top);
        ctx.lineTo(Math.round(px) + 0.5, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        // Label: a small pill at the top, flipped to the left of the line near the right edge.
        const w = ctx.measureText(m.label).width + 8;
        const h = 14;
        let left = px + 3;
        if (left + w > area.right) left = px - 3 - w;
        let row = 0;
        while (row < rowsRight.length && rowsRight[row] > left - 2) row++;
        if (row > 3) continue;
        rowsRight[row] = left + w;
        const top = area.top + 2 + row * (h + 2);
        ctx.fillStyle = withAlpha(style.background, 0.9);
        ctx.fillRect(left, top, w, h);
        ctx.strokeStyle = withAlpha(m.color, 0.9);
        ctx.lineWidth = 1;
        ctx.strokeRect(left + 0.5, top + 0.5, w - 1, h - 1);
        ctx.fillStyle = m.color;
        ctx.fillText(m.label, left + 4, top + h / 2 + 0.5);
      }
      ctx.restore();
    },
  };
}

function dedupe(markers: Marker[]): Marker[] {
  const seen = new Set<string>();
  return markers.filter((m) => {
    const key = `${m.x}|${m.label}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Diagnostic markers on a step axis, and where frozen layers start training (at the boundary before that step). */
export function stepMarkers(model: DashboardModel, theme: Theme): Marker[] {
  const h = model.history;
  if (!h?.start) return [];
  const spe = drawnStepsPerEpoch(h);
  const out: Marker[] = unfreezeMarks(h).map((m) => ({ x: m.step - 0.5, color: theme.foreground, label: m.label }));
  for (const d of h.diagnostics) {
    const x = diagnosticStep(d, spe);
    if (x !== undefined) out.push({ x, color: severityColor(theme, d.severity), label: d.code });
  }
  return dedupe(out);
}

/** Diagnostic markers on the epoch axis (epoch k plotted at k + 1). */
export function epochMarkers(model: DashboardModel, theme: Theme): Marker[] {
  const h = model.history;
  if (!h?.start) return [];
  const spe = drawnStepsPerEpoch(h);
  const out: Marker[] = [];
  for (const d of h.diagnostics) {
    const x = diagnosticEpochX(d, spe);
    if (x !== undefined) out.push({ x, color: severityColor(theme, d.severity), label: d.code });
  }
  return dedupe(out);
}
