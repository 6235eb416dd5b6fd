// Runs cpu-backend kernels on wasm tensors, for training kernels wasm does not implement at all.
// Copies inputs out of and results into the wasm heap: slow, but correct and rare (e.g. embedding
// gradients via UnsortedSegmentSum, depthwise-conv gradients), which beats throwing mid-training.
import * as tf from '@tensorflow/tfjs';
import { quietCpuBackend } from './tfjsQuiet';
import type { WasmKernelArgs } from './wasmHeap';

/** Kernels wasm lacks (tfjs 4.22) that gradients of common layers dispatch to. */
export const BRIDGED_KERNELS: readonly string[] = [
  tf.UnsortedSegmentSum, // gather / embedding gradient
  tf.DepthwiseConv2dNativeBackpropFilter, // depthwise / separable conv gradients
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.Einsum,
];

function bridged(kernelName: string, cpuKernel: tf.KernelFunc): tf.KernelFunc {
  const run = ({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const cpu = quietCpuBackend();
    const cpuInputs: tf.NamedTensorInfoMap = {};
    const written: tf.DataId[] = [];
    try {
      for (const [name, info] of Object.entries(inputs)) {
        if (info == null) continue;
        if (info.dtype === 'string' || info.dtype === 'complex64') {
          throw new Error(`${kernelName} on wasm: ${info.dtype} inputs are not supported`);
        }
        const dataId = cpu.write(backend.readSync(info.dataId), info.shape, info.dtype);
        written.push(dataId);
        cpuInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = cpuKernel({ inputs: cpuInputs, backend: cpu, attrs });
      const outputs = Array.isArray(result) ? result : [result];
      const moved = outputs.map((o) => {
        const values = cpu.readSync(o.dataId) as tf.backend_util.TypedArray;
        const out = backend.makeOutput(o.shape, o.dtype, undefined, values);
        cpu.disposeData(o.dataId);
        return out;
      });
      return Array.isArray(result) ? moved : moved[0];
    } finally {
      for (const dataId of written) cpu.disposeData(dataId);
    }
  };
  return run as unknown as tf.KernelFunc;
}

/** Configs for every BRIDGED_KERNELS entry that cpu has and wasm does not. */
export function cpuBridgeConfigs(): tf.KernelConfig[] {
  const configs: tf.KernelConfig[] = [];
  for (const name of BRIDGED_KERNELS) {
    const cpuConfig = tf.getKernel(name, 'cpu');
    if (cpuConfig == null || tf.getKernel(name, 'wasm') != null) continue;
    configs.push({ kernelName: name, backendName: 'wasm', kernelFunc: bridged(name, cpuConfig.kernelFunc) });
  }
  return configs;
}
