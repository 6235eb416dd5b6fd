// Installs the wasm kernel replacements and additions that make training on wasm fast and complete.
import * as tf from '@tensorflow/tfjs';
import { fusedUpdateConfig } from './wasmFusedUpdate';
import { cpuBridgeConfigs } from './wasmCpuBridge';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './wasmConvGrad';
import { batchMatMulConfig, fusedMatMulConfig } from './wasmMatMul';
import { maxPoolGradConfig } from './wasmMaxPoolGrad';
import { reluGradientConfig, reluGradKernelConfig } from './wasmReluGrad';
import { shareDataConfigs } from './wasmShareData';
import { channelSumConfig } from './wasmChannelSum';
import { replaceKernel } from './wasmHeap';

/** Our configs, in the order they are registered. */
function wasmKernelConfigs(): tf.KernelConfig[] {
  return [
    batchMatMulConfig, // stock: scalar loop whenever an operand is transposed (every backward pass)
    fusedMatMulConfig, // stock: same slow path, and wrong bias handling when transposed
    conv2DBackpropFilterConfig, // stock: missing, conv training throws
    conv2DBackpropInputConfig, // stock: scalar loop
    maxPoolGradConfig, // stock: recomputes window maxima per input pixel
    ...shareDataConfigs(), // stock Identity and Cast copy, even to the same dtype (engine clones, relu's gradient)
    channelSumConfig(), // stock: transposes, then one dependent chain per output (every bias gradient)
    ...cpuBridgeConfigs(), // stock: missing, borrowed from the cpu backend
    fusedUpdateConfig, // ours: an optimizer's update of a variable in one pass (optim/)
    reluGradKernelConfig, // ours: relu's gradient in one pass (the stock gradient: Step, Cast, Multiply)
  ];
}

/**
 * Registers our kernels for the 'wasm' backend, replacing the stock ones of the same name. Call after
 * the wasm backend package is loaded; safe to call again (re-registers the same configs).
 */
export function installWasmKernels(): void {
  for (const config of wasmKernelConfigs()) replaceKernel(config);
  // Every backend's Relu gradient: ours dispatches the kernel above on wasm and tfjs's own ops elsewhere.
  tf.registerGradient(reluGradientConfig);
}

/** Whether installWasmKernels has run (the registered BatchMatMul is ours). */
export function wasmKernelsInstalled(): boolean {
  return tf.getKernel(tf.BatchMatMul, 'wasm')?.kernelFunc === batchMatMulConfig.kernelFunc;
}
