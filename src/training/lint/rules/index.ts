// Every lint rule, in the order their findings are listed at the same position.

import type { LintRule } from '../types';
import { batchnormSmallBatch } from './batchnormSmallBatch';
import { biasBeforeBatchnorm } from './biasBeforeBatchnorm';
import { deepSaturatingStack } from './deepSaturatingStack';
import { dropoutBeforeOutput } from './dropoutBeforeOutput';
import { dropoutTooHigh } from './dropoutTooHigh';
import { horizontalFlipDigits } from './horizontalFlipDigits';
import { initializerMismatch } from './initializerMismatch';
import { initializerScale } from './initializerScale';
import { linearStack } from './linearStack';
import { lrOutOfRange } from './lrOutOfRange';
import { outputLossMismatch } from './outputLossMismatch';
import { seluDropout } from './seluDropout';
import { recurrentUnclipped } from './recurrentUnclipped';
import { zeroInitializer } from './zeroInitializer';

export const RULES: readonly LintRule[] = [
  deepSaturatingStack,
  initializerMismatch,
  initializerScale,
  zeroInitializer,
  outputLossMismatch,
  dropoutTooHigh,
  dropoutBeforeOutput,
  lrOutOfRange,
  batchnormSmallBatch,
  linearStack,
  seluDropout,
  biasBeforeBatchnorm,
  recurrentUnclipped,
  horizontalFlipDigits,
];
