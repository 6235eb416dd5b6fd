// Validates `training`: epochs, batch size, loss, optimizer, learning-rate schedule, clipping, early stopping.

import type { Node } from 'jsonc-parser';
import { Fields, type ObjectView, checkKeys, describeValue, findProp, readEnum, readObject, requireProp } from './fields';
import type { Reporter } from './problems';
import type { EarlyStoppingSpec, LossName, OptimizerSpec, OptimizerType, ScheduleSpec, SpecPath, TrainingSpec } from './types';
import {
  ANY_OPTIMIZER_PROPERTY,
  ANY_SCHEDULE_PROPERTY,
  DEFAULT_LEARNING_RATE,
  EARLY_STOPPING_PROPERTIES,
  LOSSES,
  OPTIMIZERS,
  OPTIMIZER_PROPERTIES,
  SCHEDULES,
  SCHEDULE_PROPERTIES,
  TRAINING_PROPERTIES,
  type ScheduleType,
} from './vocabulary';

const POSITIVE = { min: 0, minExclusive: true };
const FRACTION = { min: 0, max: 1, maxExclusive: true };
const LEARNING_RATE = { min: 0, minExclusive: true, max: 10 };

/**
 * Validates `training` (absent means all defaults). `task` picks the default loss; undefined when the data is
 * invalid, in which case the result is only used for more problems, never for a spec.
 */
export function validateTraining(
  r: Reporter,
  node: Node | undefined,
  task: 'classification' | 'regression' | undefined,
): TrainingSpec {
  const defaultLoss: LossName = task === 'regression' ? 'meanSquaredError' : 'categoricalCrossentropy';
  const obj = node ? readObject(r, node, '/training', '"training"') : undefined;
  if (!obj) {
    return {
      epochs: 20,
      batchSize: 32,
      loss: defaultLoss,
      optimizer: readOptimizer(r, undefined),
      schedule: { type: 'constant' },
      weightDecay: 0,
      measureEvery: 1,
    };
  }
  checkKeys(r, obj, TRAINING_PROPERTIES, '"training"');
  const f = new Fields(r, obj);
  const epochs = f.number('epochs', { integer: true, min: 1, max: 100000 }, 20);
  const training: TrainingSpec = {
    epochs,
    batchSize: f.number('batchSize', { integer: true, min: 1, max: 65536 }, 32),
    loss: f.enumValue('loss', 'loss', LOSSES, defaultLoss),
    optimizer: readOptimizer(r, f.prop('optimizer')),
    schedule: readSchedule(r, f.prop('schedule'), epochs),
    weightDecay: f.number('weightDecay', { min: 0 }, 0),
    measureEvery: f.number('measureEvery', { integer: true, min: 1, max: 1000000 }, 1),
  };
  const clipNorm = f.optionalNumber('clipNorm', POSITIVE);
  if (clipNorm !== undefined) training.clipNorm = clipNorm;
  const clipValue = f.optionalNumber('clipValue', POSITIVE);
  if (clipValue !== undefined) training.clipValue = clipValue;
  const earlyStopping = readEarlyStopping(r, f.prop('earlyStopping'));
  if (earlyStopping) training.earlyStopping = earlyStopping;
  checkMinLearningRate(r, f, training);
  return training;
}

interface PropLike {
  value: Node;
  path: SpecPath;
}

/** An optimizer object, or the shorthand `"optimizer": "sgd"` for one with default settings. */
function readOptimizer(r: Reporter, prop: PropLike | undefined): OptimizerSpec {
  const defaults = (type: OptimizerType): OptimizerSpec => ({
    type,
    learningRate: DEFAULT_LEARNING_RATE[type],
    momentum: 0,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    amsgrad: false,
    weightDecay: type === 'adamw' ? 0.01 : 0,
  });
  if (!prop) return defaults('adam');
  if (prop.value.type === 'string') return defaults(readEnum(r, prop.value, prop.path, 'optimizer', OPTIMIZERS) ?? 'adam');
  const obj = readTyped(r, prop, '"optimizer"', OPTIMIZERS);
  if (!obj) return defaults('adam');
  const typeProp = obj.props.get('type');
  const type = typeProp ? readEnum(r, typeProp.value, typeProp.path, 'optimizer', OPTIMIZERS) : 'adam';
  if (!type) {
    checkKeys(r, obj, [...ANY_OPTIMIZER_PROPERTY], '"optimizer"');
    return defaults('adam');
  }
  checkKeys(r, obj, OPTIMIZER_PROPERTIES[type], `the ${type} optimizer`, ANY_OPTIMIZER_PROPERTY);
  const f = new Fields(r, obj);
  const d = defaults(type);
  const spec: OptimizerSpec = {
    type,
    learningRate: f.number('learningRate', LEARNING_RATE, d.learningRate),
    momentum: f.number('momentum', FRACTION, d.momentum),
    nesterov: f.boolean('nesterov', d.nesterov),
    beta1: f.number('beta1', FRACTION, d.beta1),
    beta2: f.number('beta2', FRACTION, d.beta2),
    epsilon: f.number('epsilon', POSITIVE, d.epsilon),
    amsgrad: f.boolean('amsgrad', d.amsgrad),
    weightDecay: f.number('weightDecay', FRACTION, d.weightDecay),
  };
  const nesterov = f.prop('nesterov');
  if (nesterov && spec.nesterov && spec.momentum === 0) {
    r.warning('no-effect', 'nesterov has no effect without momentum; set "momentum" (e.g. 0.9)', nesterov.value, nesterov.path);
  }
  return spec;
}

/** A schedule object (its `type` is required), or the shorthand `"schedule": "cosine"` with default settings. */
function readSchedule(r: Reporter, prop: PropLike | undefined, epochs: number): ScheduleSpec {
  if (!prop) return { type: 'constant' };
  if (prop.value.type === 'string') {
    const type = readEnum(r, prop.value, prop.path, 'schedule', SCHEDULES);
    return type ? scheduleDefaults(type) : { type: 'constant' };
  }
  const obj = readTyped(r, prop, '"schedule"', SCHEDULES);
  if (!obj) return { type: 'constant' };
  const typeProp = requireProp(r, obj, 'type', '"schedule"', ` (one of ${SCHEDULES.join(', ')})`);
  const type = typeProp ? readEnum(r, typeProp.value, typeProp.path, 'schedule', SCHEDULES) : undefined;
  if (!type) {
    checkKeys(r, obj, [...ANY_SCHEDULE_PROPERTY], '"schedule"');
    return { type: 'constant' };
  }
  checkKeys(r, obj, SCHEDULE_PROPERTIES[type], `the ${type} schedule`, ANY_SCHEDULE_PROPERTY);
  const f = new Fields(r, obj);
  switch (type) {
    case 'constant':
      return { type };
    case 'step':
      return { type, every: f.number('every', { integer: true, min: 1 }, 10), factor: f.number('factor', POSITIVE, 0.5) };
    case 'exponential':
      return { type, decay: f.number('decay', POSITIVE, 0.95) };
    case 'cosine':
      return { type, minLearningRate: f.number('minLearningRate', { min: 0 }, 0) };
    case 'warmupCosine': {
      const warmupEpochs = f.number('warmupEpochs', { min: 0 }, 1);
      const warmup = f.prop('warmupEpochs');
      if (warmup && warmupEpochs >= epochs) {
        r.warning(
          'warmup-too-long',
          `"warmupEpochs" (${warmupEpochs}) is not shorter than training (${epochs} epochs): ` +
            'the learning rate never leaves warm-up',
          warmup.value,
          warmup.path,
        );
      }
      return { type, warmupEpochs, minLearningRate: f.number('minLearningRate', { min: 0 }, 0) };
    }
  }
}

function scheduleDefaults(type: ScheduleType): ScheduleSpec {
  switch (type) {
    case 'constant':
      return { type };
    case 'step':
      return { type, every: 10, factor: 0.5 };
    case 'exponential':
      return { type, decay: 0.95 };
    case 'cosine':
      return { type, minLearningRate: 0 };
    case 'warmupCosine':
      return { type, warmupEpochs: 1, minLearningRate: 0 };
  }
}

/** An object, reported as such with the shorthand mentioned when it is neither object nor name. */
function readTyped(r: Reporter, prop: PropLike, label: string, names: readonly string[]): ObjectView | undefined {
  if (prop.value.type !== 'object') {
    r.error(
      'wrong-type',
      `${label} must be an object such as { "type": "${names[0]}", ... } or one of ${names.join(', ')}, ` +
        `got ${describeValue(prop.value)}`,
      prop.value,
      prop.path,
    );
    return undefined;
  }
  return readObject(r, prop.value, prop.path, label);
}

/** `earlyStopping`: an object, or `true` for the defaults (`false` turns it off). */
function readEarlyStopping(r: Reporter, prop: PropLike | undefined): EarlyStoppingSpec | undefined {
  if (!prop) return undefined;
  const defaults: EarlyStoppingSpec = { patience: 5, restoreBestWeights: true, minDelta: 0 };
  if (prop.value.type === 'boolean') return prop.value.value ? defaults : undefined;
  if (prop.value.type !== 'object') {
    r.error(
      'wrong-type',
      `"earlyStopping" must be an object such as { "patience": 5 }, or true/false, got ${describeValue(prop.value)}`,
      prop.value,
      prop.path,
    );
    return undefined;
  }
  const obj = readObject(r, prop.value, prop.path, '"earlyStopping"');
  if (!obj) return undefined;
  checkKeys(r, obj, EARLY_STOPPING_PROPERTIES, '"earlyStopping"');
  const f = new Fields(r, obj);
  return {
    patience: f.number('patience', { integer: true, min: 0 }, defaults.patience),
    restoreBestWeights: f.boolean('restoreBestWeights', defaults.restoreBestWeights),
    minDelta: f.number('minDelta', { min: 0 }, defaults.minDelta),
  };
}

/** A cosine floor above the starting rate would make the schedule climb instead of decay. */
function checkMinLearningRate(r: Reporter, f: Fields, training: TrainingSpec): void {
  const s = training.schedule;
  if (s.type !== 'cosine' && s.type !== 'warmupCosine') return;
  if (s.minLearningRate <= training.optimizer.learningRate) return;
  const schedule = f.prop('schedule');
  const min = schedule ? findProp(schedule.value, schedule.path, 'minLearningRate') : undefined;
  if (!min) return;
  r.error(
    'out-of-range',
    `"minLearningRate" (${s.minLearningRate}) must not exceed the optimizer's learning rate ` +
      `(${training.optimizer.learningRate})`,
    min.value,
    min.path,
  );
}
