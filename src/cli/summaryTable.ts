// The per-layer table printed after a human-mode run: final gradient norms, dead units, saturation, flags.
import type { DiagnosticEvent, LayerStepMetrics, RunStartEvent } from '../shared/engineProtocol';

/** Numbers that crossed the engine channel as JSON: NaN and ±Infinity arrive as null. */
function sci(x: number | null | undefined): string {
  if (x === undefined) return '-';
  if (x === null) return 'non-finite';
  if (!Number.isFinite(x)) return String(x);
  return x === 0 ? '0' : x.toExponential(2);
}

/** Flags a layer from its last measured step; the full diagnosis module refines these. */
export function layerFlags(layer: LayerStepMetrics, maxGradNorm: number): string[] {
  const flags: string[] = [];
  if (layer.frozen || layer.gradNorm === undefined) return ['frozen'];
  if (!Number.isFinite(layer.gradNorm) || !Number.isFinite(layer.weightNorm)) flags.push('non-finite');
  else if (maxGradNorm > 0 && layer.gradNorm < maxGradNorm * 1e-3) flags.push('tiny gradient');
  if (layer.deadUnits !== undefined && layer.units && layer.deadUnits / layer.units >= 0.5) flags.push('mostly dead');
  if (layer.saturation !== undefined && layer.saturation >= 0.5) flags.push('saturated');
  return flags;
}

/** `last`: the last finite measured step's layers; `diagnostics`: their codes join each layer's flags. */
export function formatLayerTable(
  start: RunStartEvent,
  last: LayerStepMetrics[] | undefined,
  diagnostics: DiagnosticEvent[] = [],
): string {
  const header = ['layer', 'kind', 'activation', 'spec entry', 'grad norm', 'update/weight', 'dead', 'saturation', 'flags'];
  const byName = new Map((last ?? []).map((l) => [l.name, l]));
  const maxGrad = Math.max(
    0,
    ...(last ?? []).map((l) => (l.gradNorm !== undefined && Number.isFinite(l.gradNorm) ? l.gradNorm : 0)),
  );
  const rows = start.layers
    .filter((l) => l.hasWeights)
    .map((info) => {
      const m = byName.get(info.name);
      const where = info.specPath + (info.copy !== undefined ? ` #${info.copy}` : '');
      return [
        info.name,
        info.kind,
        info.activation ?? '-',
        where,
        sci(m?.gradNorm),
        sci(m?.updateRatio),
        m?.deadUnits !== undefined ? `${m.deadUnits}/${m.units}` : '-',
        m?.saturation !== undefined ? `${(m.saturation * 100).toFixed(0)}%` : '-',
        [
          ...new Set([
            ...(m ? layerFlags(m, maxGrad) : []),
            ...diagnostics.filter((d) => d.layer === info.name).map((d) => d.code),
          ]),
        ].join(', '),
      ];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
