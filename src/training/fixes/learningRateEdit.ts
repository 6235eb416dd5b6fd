// Writing a learning rate into a spec: where the rate a spec trains at is written (the optimizer's learningRate, a
// oneCycle schedule's maxLearningRate, a piecewise schedule's values) and the ONE edit that puts a new rate there.
// The range test's "Use learning rate" (CLI `lr-find --apply`, the editor's button and code action) goes through it.
import type { LearningRateField } from '../../shared/engineProtocol';
import { round3 } from '../diagnosis/stats';
import { fmt } from '../format';
import type { SpecFix, TrainingSpec } from '../spec/types';
import { PatchBuilder } from './patchBuilder';

interface LearningRateTarget {
  field: LearningRateField;
  /** JSON Pointer of that property. */
  pointer: string;
  /** The rate the spec sets, which schedules start from or peak at: for piecewise, the largest value. */
  current: number;
}

/**
 * Where the spec's learning rate is written and what it is: the optimizer's learningRate, except under a piecewise
 * schedule, whose values are the learning rate itself, and under a oneCycle schedule with a maxLearningRate, its peak.
 * Diagnosis (which rate a message quotes, which line it points at, what a fix scales), the range test and its edit all
 * read it here.
 */
export function learningRateTarget(training: TrainingSpec): LearningRateTarget {
  const s = training.schedule;
  if (s.type === 'piecewise')
    return { field: 'schedule.values', pointer: '/training/schedule/values', current: Math.max(...s.values) };
  if (s.type === 'oneCycle' && s.maxLearningRate !== undefined)
    return { field: 'schedule.maxLearningRate', pointer: MAX_LEARNING_RATE, current: s.maxLearningRate };
  return {
    field: 'optimizer.learningRate',
    pointer: '/training/optimizer/learningRate',
    current: training.optimizer.learningRate,
  };
}

const MAX_LEARNING_RATE = '/training/schedule/maxLearningRate';

/**
 * A cosine (polynomial, reduceOnPlateau) schedule's floor must stay below the rate it starts from (the parser rejects it otherwise):
 * when a new rate `lr` would fall below it, the floor goes to lr/10.
 */
export function keepScheduleFloorBelow(training: TrainingSpec, p: PatchBuilder, lr: number): void {
  const s = training.schedule;
  if ((s.type === 'cosine' || s.type === 'warmupCosine') && s.minLearningRate > lr) {
    p.set('/training/schedule/minLearningRate', round3(lr / 10));
  }
  if (s.type === 'polynomial' && s.endLearningRate > lr) p.set('/training/schedule/endLearningRate', round3(lr / 10));
  if (s.type === 'reduceOnPlateau' && s.minLearningRate > lr) p.set('/training/schedule/minLearningRate', round3(lr / 10));
}

/**
 * The edit that makes the spec train at `learningRate`: written where learningRateTarget says, except that a oneCycle
 * schedule always gets it as its maxLearningRate (its peak); under a piecewise schedule every value is scaled by
 * learningRate / max(values) (the schedule keeps its shape). `doc` is the spec's raw JSON as written
 * (readSpecDocument), so that the patch replaces what is there and adds what is not.
 */
export function learningRateEdit(training: TrainingSpec, doc: unknown, learningRate: number): SpecFix {
  const target = learningRateTarget(training);
  const p = new PatchBuilder(doc);
  const title = `Use learning rate ${fmt(learningRate)} from the range test`;
  if (training.schedule.type === 'piecewise') {
    const { values } = training.schedule;
    const scaled = values.map((v) => round3((v * learningRate) / target.current));
    p.set(target.pointer, scaled);
    return { title: `${title} (piecewise values ${values.map(fmt).join(', ')} → ${scaled.map(fmt).join(', ')})`, patch: p.ops };
  }
  const oneCycle = training.schedule.type === 'oneCycle';
  p.set(oneCycle ? MAX_LEARNING_RATE : target.pointer, learningRate);
  keepScheduleFloorBelow(training, p, learningRate);
  const field = oneCycle ? 'schedule.maxLearningRate' : target.field;
  return { title: `${title} (${field} ${fmt(target.current)} → ${fmt(learningRate)})`, patch: p.ops };
}
