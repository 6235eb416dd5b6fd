// A heatmap in words, the text alternative of every Grad-CAM map gradscope draws (dashboard, CLI): where its mass
// lies (centre or edges, and which part of the image), and its strongest cells.
import type { ExplanationMap } from './engineProtocol';

export interface HeatmapSummary {
  /** Share of the map's mass (sum of values) inside the central region: the middle half of the rows and of the columns. */
  centreShare: number;
  /**
   * The ninth of the image (thirds of rows × thirds of columns) holding the most mass, e.g. `top left`, `centre`,
   * `bottom` (not the centroid: two spots at opposite edges have their centroid in the middle, where nothing is).
   */
  region: string;
  /** Share of the mass inside `region`. */
  regionShare: number;
  /** The strongest cells, strongest first (0-based row and column of the map). */
  top: { row: number; col: number; value: number }[];
  /** The sentence shown as the map's text alternative. */
  text: string;
}

const THIRDS_ROW = ['top', 'middle', 'bottom'];
const THIRDS_COL = ['left', 'centre', 'right'];

/** Which third (0, 1, 2) of `size` a cell centre at `position` lies in. */
function third(position: number, size: number): number {
  return Math.min(2, Math.max(0, Math.floor((position / Math.max(1, size)) * 3)));
}

/** The summary of a map (values in [0, 1], row-major); `k` strongest cells are listed. */
export function summarizeHeatmap(map: ExplanationMap, k = 3): HeatmapSummary {
  const { width, height, values } = map;
  let total = 0;
  let centre = 0;
  const ninths = new Array<number>(9).fill(0);
  const r0 = height / 4;
  const r1 = (3 * height) / 4;
  const c0 = width / 4;
  const c1 = (3 * width) / 4;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const v = values[row * width + col] ?? 0;
      if (!(v > 0)) continue;
      total += v;
      ninths[third(row + 0.5, height) * 3 + third(col + 0.5, width)] += v;
      if (row + 0.5 >= r0 && row + 0.5 < r1 && col + 0.5 >= c0 && col + 0.5 < c1) centre += v;
    }
  }
  const top = values
    .map((value, i) => ({ row: Math.floor(i / width), col: i % width, value }))
    .filter((c) => c.value > 0)
    .sort((a, b) => b.value - a.value || a.row - b.row || a.col - b.col)
    .slice(0, k);
  if (total === 0) {
    return {
      centreShare: 0,
      region: 'none',
      regionShare: 0,
      top: [],
      text: 'The map is empty: no part of the image raised the class score.',
    };
  }
  const best = ninths.indexOf(Math.max(...ninths));
  const rowThird = THIRDS_ROW[Math.floor(best / 3)];
  const colThird = THIRDS_COL[best % 3];
  const region =
    rowThird === 'middle' && colThird === 'centre'
      ? 'centre'
      : rowThird === 'middle'
        ? colThird
        : colThird === 'centre'
          ? rowThird
          : `${rowThird} ${colThird}`;
  const regionShare = ninths[best] / total;
  const centreShare = centre / total;
  const where = centreShare >= 0.5 ? 'mostly in the centre' : 'mostly towards the edges';
  const cells = top.map((c) => `row ${c.row + 1}, column ${c.col + 1} (${c.value.toFixed(2)})`).join('; ');
  const text =
    `${Math.round(centreShare * 100)}% of the map's mass lies in the central quarter of the image (${where}); ` +
    `of the image's ninths, the ${region} holds the most (${Math.round(regionShare * 100)}%); strongest cells: ${cells}.`;
  return { centreShare, region, regionShare, top, text };
}
