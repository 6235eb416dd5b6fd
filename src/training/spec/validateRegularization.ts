// kernelRegularizer / kernelConstraint: the ONE reader of a kernel layer's penalties (dense, conv2d, and any layer
// with a kernel that lists KERNEL_PENALTY_PROPERTIES in vocabulary.ts).

import { Fields, type Prop, checkKeys, readEnum, readObject, requireProp } from './fields';
import type { Reporter } from './problems';
import type { KernelConstraintSpec, KernelPenalties, KernelRegularizerSpec } from './types';

const REGULARIZER_PROPERTIES = ['l1', 'l2'] as const;
const CONSTRAINTS = ['maxNorm'] as const;
const CONSTRAINT_PROPERTIES = ['type', 'maxValue'] as const;

/** The layer's `kernelRegularizer` and `kernelConstraint` when given and valid (each reported at its own node). */
export function readKernelPenalties(r: Reporter, f: Fields): KernelPenalties {
  const out: KernelPenalties = {};
  const reg = f.prop('kernelRegularizer');
  const regularizer = reg ? readRegularizer(r, reg) : undefined;
  if (regularizer) out.kernelRegularizer = regularizer;
  const con = f.prop('kernelConstraint');
  const constraint = con ? readConstraint(r, con) : undefined;
  if (constraint) out.kernelConstraint = constraint;
  return out;
}

function readRegularizer(r: Reporter, prop: Prop): KernelRegularizerSpec | undefined {
  const obj = readObject(r, prop.value, prop.path, '"kernelRegularizer" (e.g. { "l1": 0, "l2": 0.0001 })');
  if (!obj) return undefined;
  const before = r.errorCount;
  checkKeys(r, obj, REGULARIZER_PROPERTIES, '"kernelRegularizer"');
  const f = new Fields(r, obj);
  const spec = { l1: f.number('l1', { min: 0 }, 0), l2: f.number('l2', { min: 0 }, 0) };
  return r.errorCount === before ? spec : undefined;
}

function readConstraint(r: Reporter, prop: Prop): KernelConstraintSpec | undefined {
  const obj = readObject(r, prop.value, prop.path, '"kernelConstraint" (e.g. { "type": "maxNorm", "maxValue": 3 })');
  if (!obj) return undefined;
  const before = r.errorCount;
  const typeProp = requireProp(r, obj, 'type', '"kernelConstraint"', ` (one of ${CONSTRAINTS.join(', ')})`);
  const type = typeProp ? readEnum(r, typeProp.value, typeProp.path, 'constraint type', CONSTRAINTS) : undefined;
  checkKeys(r, obj, CONSTRAINT_PROPERTIES, 'a maxNorm constraint');
  const maxProp = requireProp(
    r,
    obj,
    'maxValue',
    'a maxNorm constraint',
    ' (the largest norm a unit’s incoming weights may have, e.g. 3)',
  );
  const maxValue = maxProp ? new Fields(r, obj).number('maxValue', { min: 0, minExclusive: true }, 3) : 3;
  return type && r.errorCount === before ? { type, maxValue } : undefined;
}
