// Imported first by engineMain.ts, before TensorFlow.js loads: a front-end that starts the engine at `low` priority
// says so in the environment (PRIORITY_ENV), so that loading and compiling the backend, ~1 s of CPU, already yields
// to the editor. The start message's priority lowers the threads created since and logs the result.
import { lowerEngine, PRIORITY_ENV } from '../run/processPriority';

if (process.env[PRIORITY_ENV] === 'low') lowerEngine();
