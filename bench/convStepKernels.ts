// One switch for the kernels that make a conv training step cheaper on wasm (p-conv), so a benchmark can compare
// them with the stock kernels in one process: both variants train in interleaved blocks.
import { channelSumTuning } from '../src/training/engine/backend/wasmChannelSum';
import { shareDataTuning } from '../src/training/engine/backend/wasmShareData';

/** On: the engine's defaults. Off: the stock behaviour each of them replaces. */
export function setConvStepKernels(on: boolean): void {
  shareDataTuning.enabled = on;
  channelSumTuning.enabled = on;
}
