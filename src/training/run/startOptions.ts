// The spec a run trains: the parsed spec with the start options' overrides (--epochs, --seed, --measure-every).
// The engine trains it; the CLI checks a `--resume` against it before starting the engine.
import type { StartOptions } from '../../shared/engineProtocol';
import type { ParsedSpec } from '../spec/types';

/** Applies the overrides to `spec` (changed in place) and returns it. */
export function withStartOptions(spec: ParsedSpec, options: StartOptions): ParsedSpec {
  if (options.epochs !== undefined) spec.training.epochs = options.epochs;
  if (options.seed !== undefined) spec.seed = options.seed;
  if (options.measureEvery !== undefined) spec.training.measureEvery = options.measureEvery;
  return spec;
}
