// Dead and saturated units per layer over steps. Layers whose activation can stop passing gradient report dead
// units (activation derivative below 1e-3 for every sample of the batch: relu output 0; relu6 at 0 or 6; elu, selu,
// gelu, swish, mish, softplus deep in their negative tail; never the leaky variants; docs/metrics.md): they no
// longer learn. Sigmoid/tanh/hardSigmoid layers report the fraction of outputs stuck in the flat tails (tiny
// gradient). Shown as a percentage of the layer's units, or as counts; same layer colours as the gradient chart.
import { Chart, type ChartDataset } from 'chart.js';
import type { LayerSummary } from '../../src/shared/engineProtocol';
import type { RunHistoryState, StepPoint } from '../../src/shared/runHistory';
import { formatCount, formatNumber, formatPercent, isFiniteNumber } from '../../src/shared/format';
import { layerUnits } from '../state';
import { layerLineWidth, withAlpha } from '../theme';
import { axisStyle, baseLineOptions, stepAxis, type XY } from './common';
import type { RenderContext } from './context';
import { StepChart } from './stepChart';

export interface ActivationLayer {
  /** Index in history.layers (the StepPoint column). */
  index: number;
  layer: LayerSummary;
  kind: 'dead' | 'saturation';
  units: number | undefined;
}

/** Layers that report dead units or saturation, in model order. */
export function activationLayers(h: RunHistoryState): ActivationLayer[] {
  const probes = [h.steps[0], h.steps[h.steps.length - 1]].filter((p): p is StepPoint => p !== undefined);
  const out: ActivationLayer[] = [];
  h.layers.forEach((layer, index) => {
    const dead = probes.some((p) => p.dead[index] !== null && p.dead[index] !== undefined);
    const sat = probes.some((p) => p.saturation[index] !== null && p.saturation[index] !== undefined);
    if (dead || sat) out.push({ index, layer, kind: dead ? 'dead' : 'saturation', units: layerUnits(layer.outputShape) });
  });
  return out;
}

function valueOf(a: ActivationLayer, p: StepPoint, mode: RenderContext['activationMode']): number {
  if (a.kind === 'dead') {
    const d = p.dead[a.index];
    if (d === null || d === undefined) return NaN;
    return mode === 'count' ? d : a.units ? d / a.units : NaN;
  }
  const s = p.saturation[a.index];
  if (s === null || s === undefined) return NaN;
  return mode === 'count' ? (a.units ? s * a.units : NaN) : s;
}

export class DeadUnitsChart extends StepChart {
  private layers: ActivationLayer[] = [];

  /** The layers shown (for the legend), after the last render. */
  shown(): ActivationLayer[] {
    return this.layers;
  }

  render(ctx: RenderContext): void {
    const h = ctx.model.history;
    const layers = h?.start ? activationLayers(h) : [];
    if (!h || layers.length === 0) {
      this.clear();
      this.layers = layers;
      return;
    }
    const structure = JSON.stringify([
      ctx.theme.key,
      ctx.model.generation,
      ctx.activationMode,
      layers.map((a) => [a.layer.name, a.kind]),
      ctx.layerColors,
    ]);
    const chart = this.ensure(structure, () => {
      this.layers = layers;
      this.create(ctx);
    });
    if (!chart) return;
    const mode = ctx.activationMode;
    this.data.sync(
      chart,
      h.steps,
      this.layers.map((a) => (p: StepPoint) => valueOf(a, p, mode)),
    );
    const hl = ctx.highlighted;
    this.layers.forEach((a, i) => {
      const ds = chart.data.datasets[i];
      const color = ctx.layerColors[a.index];
      ds.hidden = ctx.hidden.has(a.layer.name);
      ds.borderColor = withAlpha(color, hl !== null && hl !== a.layer.name ? 0.12 : 1);
      ds.borderWidth = hl === a.layer.name ? 2.75 : layerLineWidth(ctx.theme);
    });
    this.finish(chart, ctx);
  }

  private create(ctx: RenderContext): void {
    const theme = ctx.theme;
    const mode = ctx.activationMode;
    const base = baseLineOptions(theme);
    const yAxis = axisStyle(theme, mode === 'fraction' ? 'dead / saturated (% of units)' : 'units dead / saturated');
    const datasets: Array<ChartDataset<'line', XY[]>> = this.layers.map((a) => ({
      label: a.layer.name,
      data: [],
      borderColor: ctx.layerColors[a.index],
      backgroundColor: ctx.layerColors[a.index],
    }));
    const maxUnits = Math.max(1, ...this.layers.map((a) => a.units ?? 1));
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets },
      options: {
        ...base,
        scales: {
          x: stepAxis(theme),
          y: {
            ...yAxis,
            type: 'linear',
            // A little below 0 so lines at 0 (no dead units: the healthy case) do not hide under the axis.
            ...(mode === 'fraction' ? { min: -0.03, max: 1 } : { min: -0.03 * maxUnits, suggestedMax: Math.min(maxUnits, 4) }),
            ticks: {
              ...yAxis.ticks,
              includeBounds: false,
              ...(mode === 'fraction'
                ? { callback: (v: string | number) => (Number(v) < 0 ? '' : formatPercent(Number(v))), stepSize: 0.25 }
                : {
                    precision: 0,
                    callback: (v: string | number) => (Number(v) < 0 || !Number.isInteger(Number(v)) ? '' : String(v)),
                  }),
            },
          },
        },
        plugins: {
          ...base.plugins,
          tooltip: {
            ...base.plugins?.tooltip,
            callbacks: {
              title: (items) => (items.length ? `step ${items[0].parsed.x}` : ''),
              label: (item) => this.tooltipLine(item.datasetIndex, item.parsed.y, mode),
            },
          },
        },
      },
      plugins: [this.markerPlugin()],
    });
  }

  private tooltipLine(datasetIndex: number, y: number | null, mode: RenderContext['activationMode']): string {
    const a = this.layers[datasetIndex];
    if (!a || y === null || !Number.isFinite(y)) return '';
    const units = a.units;
    if (a.kind === 'dead') {
      const count = mode === 'count' ? y : units ? y * units : NaN;
      const frac = mode === 'fraction' ? y : units ? y / units : NaN;
      // Without a unit count a fraction cannot become a count (and vice versa): say only what is known.
      if (!isFiniteNumber(count)) return ` ${a.layer.name}  ${formatPercent(frac)} dead`;
      if (!isFiniteNumber(frac)) return ` ${a.layer.name}  ${formatCount(Math.round(count))} dead`;
      return ` ${a.layer.name}  ${formatCount(Math.round(count))}${units ? ` of ${units}` : ''} dead (${formatPercent(frac)})`;
    }
    const frac = mode === 'fraction' ? y : units ? y / units : NaN;
    const act = a.layer.activation ?? 'activation';
    if (!isFiniteNumber(frac)) return ` ${a.layer.name}  ≈${formatNumber(y)} units saturated (${act})`;
    return ` ${a.layer.name}  ${formatPercent(frac)} saturated (${act}${mode === 'count' ? `, ≈${formatNumber(y)} units` : ''})`;
  }
}
