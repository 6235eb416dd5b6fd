// The parts of `@tensorflow/tfjs` the engine uses: core (with every gradient and the chained tensor methods, as
// `@tensorflow/tfjs` registers them), layers and the cpu backend. esbuild.js resolves `@tensorflow/tfjs` to this file
// in the engine bundle, which leaves out the webgl backend (no WebGL in Node), the graph-model converter and tf.data:
// the tfjs that Node would load holds all of them. The sources keep importing `@tensorflow/tfjs` for their types.
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { version_core } from '@tensorflow/tfjs-core';
import { version_layers } from '@tensorflow/tfjs-layers';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
export * from '@tensorflow/tfjs-backend-cpu';

/** `tf.version` as `@tensorflow/tfjs` has it, for the parts bundled (`tfjs` is the union's version: core's). */
export const version = {
  'tfjs-core': version_core,
  'tfjs-backend-cpu': version_cpu,
  'tfjs-layers': version_layers,
  tfjs: version_core,
};
