// One switch for the kernels that make a conv training step cheaper on wasm (p-conv), so a benchmark can compare
// them with the stock kernels in one process: both variants train in interleaved blocks.
import { channelSumTuning } from '../src/training/engine/backend/wasmChannelSum';
import { convGradTuning } from '../src/training/engine/backend/wasmConvGrad';
import { maxPoolTuning } from '../src/training/engine/backend/wasmMaxPoolGrad';
import { reluGradTuning } from '../src/training/engine/backend/wasmReluGrad';
import { shareDataTuning } from '../src/training/engine/backend/wasmShareData';

/**
 * On: the engine's defaults. Off: the stock kernels (Identity, Cast, Sum), the filter gradient by im2col (or as a
 * convolution) instead of SIMD, the maxPool gradient in JS without the pooled output, and relu's gradient as Step and
 * Multiply, which they replace.
 */
export function setConvStepKernels(on: boolean): void {
  reluGradTuning.fused = on;
  shareDataTuning.enabled = on;
  channelSumTuning.enabled = on;
  convGradTuning.depthwise = on;
  convGradTuning.simd = on;
  maxPoolTuning.useOutput = on;
  maxPoolTuning.simd = on;
}
