// Where in a spec's text the editor offers "Use learning rate X from the range test": on the property that
// learningRateEdit writes (optimizer.learningRate, a oneCycle schedule's maxLearningRate, a piecewise schedule's
// values), all of its lines; when the spec leaves it to its default, on the first line of the object that would
// hold it (e.g. `"optimizer": { "type": "adam" }` or the shorthand `"optimizer": "adam"`).
import { nearestRangeOfPath } from '../spec/parse';
import type { TrainingSpec } from '../spec/types';
import { learningRateTarget } from './learningRateEdit';

/** 1-based first and last line of that site, and the JSON Pointer found there; undefined when the text has none. */
export function learningRateSite(
  text: string,
  training: TrainingSpec,
): { first: number; last: number; specPath: string; exact: boolean } | undefined {
  const { pointer } = learningRateTarget(training);
  const found = nearestRangeOfPath(text, pointer);
  if (!found || !found.specPath.startsWith('/training')) return undefined;
  const exact = found.specPath === pointer;
  const first = found.range.start.line;
  return { first, last: exact ? found.range.end.line : first, specPath: found.specPath, exact };
}
