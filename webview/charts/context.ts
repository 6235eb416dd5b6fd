// What every chart gets when the dashboard draws: the data, the theme, and the UI choices that affect drawing.
import type { DashboardModel } from '../state';
import type { Theme } from '../theme';

export type ActivationMode = 'fraction' | 'count';

export interface RenderContext {
  model: DashboardModel;
  theme: Theme;
  /** Layers the user hid (by name), in every per-layer chart. */
  hidden: ReadonlySet<string>;
  /** Layer under the pointer in a legend: its lines are emphasised, the others faded. */
  highlighted: string | null;
  activationMode: ActivationMode;
  /** Layer colours by index in `model.history.layers`. */
  layerColors: string[];
  /** A layer's colour by name (layers without weights, e.g. an `activation` layer, get one by depth too). */
  colorOf(name: string): string;
  /** Width in CSS pixels of the left gutter shared by the gradient chart's y axis and the heat strip's labels. */
  gutter: number;
}
