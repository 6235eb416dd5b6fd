// Validates `training`: epochs, batch size, loss, optimizer, learning-rate schedule, clipping, early stopping.

import type { Node } from 'jsonc-parser';
import {
  Fields,
  type ObjectView,
  checkKeys,
  describeValue,
  findProp,
  type Prop,
  readEnum,
  readNumber,
  readObject,
  readString,
  requireProp,
  type NumberRange,
} from './fields';
import { hasMomentum } from '../model/facts';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import type {
  CheckpointSpec,
  EarlyStoppingSpec,
  LossName,
  OptimizerSpec,
  OptimizerType,
  ScheduleSpec,
  SpecPath,
  TrainingSpec,
  UnfreezeSpec,
  WarmupSettings,
} from './types';
import {
  ANY_OPTIMIZER_PROPERTY,
  ANY_SCHEDULE_PROPERTY,
  DEFAULT_LEARNING_RATE,
  CHECKPOINT_PROPERTIES,
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
  const batchSize = f.number('batchSize', { integer: true, min: 1, max: 65536 }, 32);
  const loss = f.enumValue('loss', 'loss', LOSSES, defaultLoss);
  const optimizer = readOptimizer(r, f.prop('optimizer'));
  const training: TrainingSpec = {
    epochs,
    batchSize,
    loss,
    optimizer,
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
  const checkpoint = readCheckpoint(r, f.prop('checkpoint'));
  if (checkpoint) training.checkpoint = checkpoint;
  const unfreeze = readUnfreeze(r, f.prop('unfreeze'), epochs);
  if (unfreeze) training.unfreeze = unfreeze;
  checkMinLearningRate(r, f, training);
  warnUnusedLearningRate(r, f, training);
  warnMomentumNotCycled(r, f, training);
  warnWarmupStartAbove(r, f, training);
  return training;
}

/** `unfreeze`: a list of { epoch, layers }, epoch from 2 to epochs (counted from 1; at 1 nothing would be frozen). */
function readUnfreeze(r: Reporter, prop: Prop | undefined, epochs: number): UnfreezeSpec[] | undefined {
  if (!prop) return undefined;
  if (prop.value.type !== 'array') {
    r.error(
      'wrong-type',
      `"unfreeze" must be a list such as [{ "epoch": 3, "layers": "all" }], got ${describeValue(prop.value)}`,
      prop.value,
      prop.path,
    );
    return undefined;
  }
  const out: UnfreezeSpec[] = [];
  (prop.value.children ?? []).forEach((node, i) => {
    const obj = readObject(r, node, childPointer(prop.path, i), `"unfreeze"[${i}]`);
    if (!obj) return;
    checkKeys(r, obj, ['epoch', 'layers'], `"unfreeze"[${i}]`);
    const epochProp = requireProp(r, obj, 'epoch', `"unfreeze"[${i}]`, ' (the first epoch its layers train, counted from 1)');
    const layersProp = requireProp(r, obj, 'layers', `"unfreeze"[${i}]`, ' ("all" or a list of layer names such as ["dense_1"])');
    if (!epochProp || !layersProp) return;
    const epoch = readNumber(r, epochProp.value, epochProp.path, '"epoch"', { integer: true, min: 2, max: Math.max(2, epochs) });
    const layers = readUnfreezeLayers(r, layersProp);
    if (epoch !== undefined && layers !== undefined) out.push({ epoch, layers });
  });
  return out.sort((a, b) => a.epoch - b.epoch);
}

function readUnfreezeLayers(r: Reporter, prop: Prop): 'all' | string[] | undefined {
  const node = prop.value;
  if (node.type === 'string' && node.value === 'all') return 'all';
  if (node.type !== 'array' || (node.children ?? []).length === 0) {
    r.error(
      'wrong-type',
      `"layers" must be "all" or a non-empty list of layer names, got ${describeValue(node)}`,
      node,
      prop.path,
    );
    return undefined;
  }
  const names = (node.children ?? []).map((item, i) => readString(r, item, childPointer(prop.path, i), `"layers"[${i}]`));
  return names.every((n): n is string => n !== undefined) ? names : undefined;
}

/** A warm-up is a climb: one starting above the rate it climbs to would lower the rate instead. */
function warnWarmupStartAbove(r: Reporter, f: Fields, training: TrainingSpec): void {
  const s = training.schedule;
  if (s.warmupStart === undefined || (s.warmupEpochs === undefined && s.warmupSteps === undefined)) return;
  const target = s.type === 'piecewise' ? s.values[0] : training.optimizer.learningRate;
  if (s.warmupStart <= target) return;
  const schedule = f.prop('schedule');
  const start = schedule ? findProp(schedule.value, schedule.path, 'warmupStart') : undefined;
  if (!start) return;
  r.warning(
    'warmup-start-too-high',
    `"warmupStart" (${s.warmupStart}) is above the rate the warm-up climbs to (${target}): the rate would fall during warm-up, not rise`,
    start.value,
    start.path,
  );
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
    // Adadelta's first step is about √(ε/(1−ρ))·lr, so ε sets its pace: PyTorch's 1e-6 goes with its lr 1.0.
    epsilon: type === 'adadelta' ? 1e-6 : 1e-7,
    amsgrad: false,
    weightDecay: type === 'adamw' ? 0.01 : 0,
    rho: 0.9,
    centered: false,
    momentumDecay: 0.004,
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
    rho: f.number('rho', FRACTION, d.rho),
    centered: f.boolean('centered', d.centered),
    momentumDecay: f.number('momentumDecay', { min: 0 }, d.momentumDecay),
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
    if (type === 'piecewise') {
      r.error(
        'missing-required',
        'the piecewise schedule has no defaults: write { "type": "piecewise", "boundaries": [...], "values": [...] }',
        prop.value,
        prop.path,
      );
      return { type: 'constant' };
    }
    return type ? withDefaultWarmup(scheduleDefaults(type)) : { type: 'constant' };
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
  return withDefaultWarmup({ ...readScheduleSettings(r, f, obj, type, epochs), ...readWarmup(r, f, epochs) });
}

/** warmupCosine warms up for 1 epoch unless warmupEpochs or warmupSteps say otherwise. */
function withDefaultWarmup(s: ScheduleSpec): ScheduleSpec {
  if (s.type !== 'warmupCosine' || s.warmupEpochs !== undefined || s.warmupSteps !== undefined) return s;
  return { ...s, warmupEpochs: 1 };
}

function readScheduleSettings(r: Reporter, f: Fields, obj: ObjectView, type: ScheduleType, epochs: number): ScheduleSpec {
  switch (type) {
    case 'constant':
      return { type };
    case 'step':
      return { type, every: f.number('every', { integer: true, min: 1 }, 10), factor: f.number('factor', POSITIVE, 0.5) };
    case 'exponential':
      return { type, decay: f.number('decay', POSITIVE, 0.95) };
    case 'cosine':
    case 'warmupCosine':
      return { type, minLearningRate: f.number('minLearningRate', { min: 0 }, 0) };
    case 'power':
      return { type, steps: f.number('steps', { min: 1 }, 100), power: f.number('power', POSITIVE, 1) };
    case 'polynomial':
      return { type, endLearningRate: f.number('endLearningRate', { min: 0 }, 0), power: f.number('power', POSITIVE, 1) };
    case 'piecewise':
      return readPiecewise(r, obj, epochs);
    case 'oneCycle': {
      const d = ONE_CYCLE_DEFAULTS;
      const maxLearningRate = f.optionalNumber('maxLearningRate', LEARNING_RATE);
      return {
        type,
        ...(maxLearningRate === undefined ? {} : { maxLearningRate }),
        pctStart: f.number('pctStart', { min: 0, max: 1, minExclusive: true, maxExclusive: true }, d.pctStart),
        divFactor: f.number('divFactor', POSITIVE, d.divFactor),
        finalDivFactor: f.number('finalDivFactor', POSITIVE, d.finalDivFactor),
        anneal: f.enumValue('anneal', 'anneal', ANNEALS, d.anneal),
        cycleMomentum: f.boolean('cycleMomentum', d.cycleMomentum),
        baseMomentum: f.number('baseMomentum', FRACTION, d.baseMomentum),
        maxMomentum: f.number('maxMomentum', FRACTION, d.maxMomentum),
      };
    }
    case 'reduceOnPlateau': {
      const d = PLATEAU_DEFAULTS;
      return {
        type,
        factor: f.number('factor', FRACTION_ABOVE_0, d.factor),
        patience: f.number('patience', { integer: true, min: 0 }, d.patience),
        minDelta: f.number('minDelta', { min: 0 }, d.minDelta),
        cooldown: f.number('cooldown', { integer: true, min: 0 }, d.cooldown),
        minLearningRate: f.number('minLearningRate', { min: 0 }, d.minLearningRate),
      };
    }
  }
}

const ANNEALS = ['cos', 'linear'] as const;

/** PyTorch's OneCycleLR defaults; without maxLearningRate the optimizer's learning rate is the peak. */
const ONE_CYCLE_DEFAULTS = {
  pctStart: 0.3,
  divFactor: 25,
  finalDivFactor: 1e4,
  anneal: 'cos',
  cycleMomentum: true,
  baseMomentum: 0.85,
  maxMomentum: 0.95,
} as const;

const FRACTION_ABOVE_0 = { min: 0, minExclusive: true, max: 1, maxExclusive: true };

/** PyTorch's ReduceLROnPlateau defaults (its `threshold` is `minDelta` here, absolute like Keras's min_delta). */
const PLATEAU_DEFAULTS = { factor: 0.1, patience: 10, minDelta: 1e-4, cooldown: 0, minLearningRate: 0 };

/** `warmupEpochs` or `warmupSteps` (not both), and `warmupStart`; present only when written. */
function readWarmup(r: Reporter, f: Fields, epochs: number): WarmupSettings {
  const out: WarmupSettings = {};
  const warmupEpochs = f.optionalNumber('warmupEpochs', { min: 0 });
  const warmupSteps = f.optionalNumber('warmupSteps', { integer: true, min: 0 });
  const warmupStart = f.optionalNumber('warmupStart', { min: 0, max: 10 });
  const stepsProp = f.prop('warmupSteps');
  if (warmupEpochs !== undefined && warmupSteps !== undefined && stepsProp) {
    r.error(
      'conflicting-properties',
      '"warmupSteps" and "warmupEpochs" both set the warm-up length: keep one of them',
      stepsProp.key,
      stepsProp.path,
    );
  } else if (warmupSteps !== undefined) out.warmupSteps = warmupSteps;
  if (warmupEpochs !== undefined) out.warmupEpochs = warmupEpochs;
  const epochsProp = f.prop('warmupEpochs');
  if (warmupEpochs !== undefined && epochsProp && warmupEpochs >= epochs) {
    r.warning(
      'warmup-too-long',
      `"warmupEpochs" (${warmupEpochs}) is not shorter than training (${epochs} epochs): the learning rate never leaves warm-up`,
      epochsProp.value,
      epochsProp.path,
    );
  }
  if (warmupStart !== undefined) out.warmupStart = warmupStart;
  return out;
}

/**
 * `boundaries` (epochs, increasing) and `values` (one more learning rate than boundaries). An invalid spec falls
 * back to a constant schedule; the problems say why.
 */
function readPiecewise(r: Reporter, obj: ObjectView, epochs: number): ScheduleSpec {
  const boundariesProp = requireProp(r, obj, 'boundaries', 'the piecewise schedule', ' (increasing epochs)');
  const valuesProp = requireProp(r, obj, 'values', 'the piecewise schedule', ' (one learning rate more than boundaries)');
  const boundaries = boundariesProp ? readNumberList(r, boundariesProp, '"boundaries"', POSITIVE) : undefined;
  const values = valuesProp ? readNumberList(r, valuesProp, '"values"', LEARNING_RATE) : undefined;
  let ok = boundaries !== undefined && values !== undefined;
  if (boundariesProp && boundaries) {
    const items = boundariesProp.value.children ?? [];
    for (let i = 1; i < boundaries.length; i++) {
      if (boundaries[i] > boundaries[i - 1]) continue;
      r.error(
        'out-of-range',
        `"boundaries" must increase: ${boundaries[i]} follows ${boundaries[i - 1]}`,
        items[i],
        childPointer(boundariesProp.path, String(i)),
      );
      ok = false;
    }
    const late = boundaries.findIndex((b) => b >= epochs);
    if (late >= 0) {
      r.warning(
        'no-effect',
        `boundary ${boundaries[late]} is not before the end of training (${epochs} epochs): the values after it are never used`,
        items[late],
        childPointer(boundariesProp.path, String(late)),
      );
    }
  }
  if (valuesProp && boundaries && values && values.length !== boundaries.length + 1) {
    r.error(
      'length-mismatch',
      `"values" must hold one learning rate more than "boundaries" (${boundaries.length + 1}), got ${values.length}`,
      valuesProp.value,
      valuesProp.path,
    );
    ok = false;
  }
  return ok && boundaries && values ? { type: 'piecewise', boundaries, values } : { type: 'constant' };
}

/** An array of numbers in range, or undefined after reporting every bad element (or a non-array). */
function readNumberList(r: Reporter, prop: PropLike, label: string, range: NumberRange): number[] | undefined {
  if (prop.value.type !== 'array') {
    r.error('wrong-type', `${label} must be an array of numbers, got ${describeValue(prop.value)}`, prop.value, prop.path);
    return undefined;
  }
  const out: number[] = [];
  let ok = true;
  (prop.value.children ?? []).forEach((item, i) => {
    const v = readNumber(r, item, childPointer(prop.path, String(i)), `${label}[${i}]`, range);
    if (v === undefined) ok = false;
    else out.push(v);
  });
  return ok ? out : undefined;
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
      return { type, minLearningRate: 0 };
    case 'power':
      return { type, steps: 100, power: 1 };
    case 'polynomial':
      return { type, endLearningRate: 0, power: 1 };
    case 'piecewise':
      return { type: 'constant' };
    case 'oneCycle':
      return { type, ...ONE_CYCLE_DEFAULTS };
    case 'reduceOnPlateau':
      return { type, ...PLATEAU_DEFAULTS };
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

/** `checkpoint`: an object such as { "every": 1, "keep": 2 }. */
function readCheckpoint(r: Reporter, prop: PropLike | undefined): CheckpointSpec | undefined {
  if (!prop) return undefined;
  const obj = readObject(r, prop.value, prop.path, '"checkpoint"');
  if (!obj) return undefined;
  checkKeys(r, obj, CHECKPOINT_PROPERTIES, '"checkpoint"');
  const f = new Fields(r, obj);
  return {
    every: f.number('every', { integer: true, min: 1, max: 100000 }, 1),
    keep: f.number('keep', { integer: true, min: 1, max: 1000 }, 2),
  };
}

/**
 * A piecewise schedule's values are the learning rate, and so is a one-cycle schedule's maxLearningRate when written:
 * an optimizer `learningRate` written beside them does nothing.
 */
function warnUnusedLearningRate(r: Reporter, f: Fields, training: TrainingSpec): void {
  const s = training.schedule;
  let because: string;
  if (s.type === 'piecewise') because = `the piecewise schedule's "values" are the learning rate (${s.values.join(', ')})`;
  else if (s.type === 'oneCycle' && s.maxLearningRate !== undefined) {
    because = `the one-cycle schedule's "maxLearningRate" (${s.maxLearningRate}) sets the learning rate`;
  } else return;
  const optimizer = f.prop('optimizer');
  const lr = optimizer ? findProp(optimizer.value, optimizer.path, 'learningRate') : undefined;
  if (!lr) return;
  r.warning('no-effect', `"learningRate" is not used: ${because}`, lr.value, lr.path);
}

function scheduleProp(f: Fields, name: string): PropLike | undefined {
  const schedule = f.prop('schedule');
  return schedule ? findProp(schedule.value, schedule.path, name) : undefined;
}

/**
 * One-cycle momentum cycling needs a momentum to cycle: SGD's or RMSprop's when above 0, or the Adam family's β1.
 * Plain SGD, RMSprop without momentum, Adagrad and Adadelta have none, and the engine then cycles nothing.
 */
function warnMomentumNotCycled(r: Reporter, f: Fields, training: TrainingSpec): void {
  const s = training.schedule;
  if (s.type !== 'oneCycle' || !s.cycleMomentum || hasMomentum(training.optimizer)) return;
  const { type } = training.optimizer;
  const written = scheduleProp(f, 'cycleMomentum');
  const at = written ?? f.prop('schedule');
  if (!at) return;
  const missing = type === 'sgd' || type === 'rmsprop' ? `${type} without "momentum"` : type;
  r.warning(
    'no-effect',
    `momentum cycling has no effect: ${missing} has no momentum to cycle` +
      (type === 'sgd' || type === 'rmsprop'
        ? '; set the optimizer\'s "momentum" (e.g. 0.9) or "cycleMomentum": false'
        : '; set "cycleMomentum": false'),
    at.value,
    at.path,
  );
}

/**
 * A cosine (or polynomial) floor above the starting rate would make the schedule climb instead of decay; a plateau floor
 * above it would never let the rate be lowered.
 */
function checkMinLearningRate(r: Reporter, f: Fields, training: TrainingSpec): void {
  const s = training.schedule;
  let name: string;
  let floor: number;
  if (s.type === 'cosine' || s.type === 'warmupCosine' || s.type === 'reduceOnPlateau')
    [name, floor] = ['minLearningRate', s.minLearningRate];
  else if (s.type === 'polynomial') [name, floor] = ['endLearningRate', s.endLearningRate];
  else return;
  if (floor <= training.optimizer.learningRate) return;
  const schedule = f.prop('schedule');
  const min = schedule ? findProp(schedule.value, schedule.path, name) : undefined;
  if (!min) return;
  r.error(
    'out-of-range',
    `"${name}" (${floor}) must not exceed the optimizer's learning rate ` + `(${training.optimizer.learningRate})`,
    min.value,
    min.path,
  );
}
