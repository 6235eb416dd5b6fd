// The spec a run trains: the parsed spec with the start options' overrides (--epochs, --seed, --measure-every).
// The engine trains it; the CLI checks a `--resume` against it before starting the engine.
import type { StartOptions } from '../../shared/engineProtocol';
import { parseSpecFile } from '../spec/parse';
import type { ParsedSpec } from '../spec/types';
import { findResumePoint } from './checkpointStore';

/** Applies the overrides to `spec` (changed in place) and returns it. */
export function withStartOptions(spec: ParsedSpec, options: StartOptions): ParsedSpec {
  if (options.epochs !== undefined) spec.training.epochs = options.epochs;
  if (options.seed !== undefined) spec.seed = options.seed;
  if (options.measureEvery !== undefined) spec.training.measureEvery = options.measureEvery;
  return spec;
}

/**
 * Why the engine would refuse the options' `resume` (another spec's run, a changed spec, no or a damaged checkpoint,
 * every epoch trained), said before anything starts; undefined when it can continue the run (or none is asked, or
 * the spec does not parse: its problems are reported as for any run). The CLI's `train --resume` and the
 * extension's Resume Run both ask this.
 */
export function resumeRefusal(options: StartOptions): string | undefined {
  if (options.resume === undefined) return undefined;
  const { spec } = parseSpecFile(options.specFile);
  if (!spec) return undefined;
  const point = findResumePoint(options.resume, withStartOptions(spec, options));
  return 'error' in point ? point.error : undefined;
}
