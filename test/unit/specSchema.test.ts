// The JSON schema for editors agrees with the parser: valid specs pass both, invalid ones fail both, names match.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { DEFAULT_THRESHOLDS } from '../../src/training/diagnosis/defaults';
import { parseSpecFile, parseSpecText } from '../../src/training/spec/parse';
import { ACTIVATIONS, NAMED_INITIALIZERS } from '../../src/training/spec/types';
import {
  DATASETS,
  DATA_PROPERTIES,
  LAYER_PROPERTIES,
  LAYER_TYPES,
  LOSSES,
  OPTIMIZERS,
  OPTIMIZER_PROPERTIES,
  SCHEDULES,
  SCHEDULE_PROPERTIES,
  TOP_LEVEL_PROPERTIES,
} from '../../src/training/spec/vocabulary';
import { compileSchema, readSchema } from './support/specSchema';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/specs');

type Json = Record<string, unknown>;
const schema = readSchema();
const definitions = schema.definitions as Record<string, Json>;

function specFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.gradscope.json'))
    .sort()
    .map((n) => path.join(dir, n));
}

function readJsonc(file: string): unknown {
  return parseJsonc(fs.readFileSync(file, 'utf8'), [], { allowTrailingComma: true });
}

function resolve(node: Json): Json {
  const ref = node.$ref;
  return typeof ref === 'string' ? definitions[ref.replace('#/definitions/', '')] : node;
}

/** Property names a definition allows for one value of its `type`/`dataset` discriminator (from its if/then). */
function branchProperties(def: Json, discriminator: string, value: string): string[] {
  const branches = (def.allOf ?? ((def.anyOf as Json[]).find((b) => b.type === 'object') as Json).allOf) as Json[];
  const branch = branches.find((b) => {
    const prop = ((b.if as Json).properties as Record<string, Json>)[discriminator];
    return prop.const === value;
  });
  assert.ok(branch, `${discriminator} ${value}`);
  const then = resolve(branch.then as Json);
  return Object.keys(then.properties as Json).sort();
}

describe('JSON schema', () => {
  const validate = compileSchema(schema);

  it('is draft-07 and compiles in ajv strict mode', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(typeof validate, 'function');
    assert.equal(schema.allowTrailingCommas, true);
  });

  for (const file of specFiles(path.join(FIXTURES, 'valid'))) {
    it(`accepts valid fixture ${path.basename(file)}`, () => {
      assert.ok(validate(readJsonc(file)), JSON.stringify(validate.errors, null, 1));
    });
  }

  it('accepts every example spec in examples/', () => {
    for (const file of specFiles(path.join(ROOT, 'examples'))) {
      assert.ok(validate(readJsonc(file)), `${path.basename(file)}: ${JSON.stringify(validate.errors, null, 1)}`);
    }
  });

  const invalid = specFiles(path.join(FIXTURES, 'invalid'));
  it('has invalid fixtures', () => assert.ok(invalid.length >= 20));
  for (const file of invalid) {
    it(`rejects invalid fixture ${path.basename(file)} (schema and parser)`, () => {
      const expected = /expect: (\S+)/.exec(fs.readFileSync(file, 'utf8'))?.[1];
      assert.ok(expected, 'fixture states the expected problem code');
      assert.equal(validate(readJsonc(file)), false, 'schema accepted it');
      const result = parseSpecFile(file);
      assert.equal(result.spec, undefined);
      assert.ok(
        result.problems.some((p) => p.code === expected && p.severity === 'error'),
        `expected ${expected}, got ${result.problems.map((p) => p.code).join(', ')}`,
      );
    });
  }

  it('describes every property, directly or through its $ref', () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => walk(n, `${at}/${i}`));
        return;
      }
      if (!node || typeof node !== 'object') return;
      const obj = node as Json;
      if (obj.properties && typeof obj.properties === 'object') {
        for (const [name, prop] of Object.entries(obj.properties as Record<string, Json>)) {
          // Discriminators inside `if` are tests, not properties a user reads.
          if (at.endsWith('/if')) continue;
          if (typeof prop.description !== 'string' && typeof resolve(prop).description !== 'string')
            missing.push(`${at}/${name}`);
        }
      }
      for (const [key, value] of Object.entries(obj)) if (key !== 'defaultSnippets') walk(value, `${at}/${key}`);
    };
    walk(schema, '#');
    assert.deepEqual(missing, []);
  });

  it('forbids unknown properties everywhere a property list is final', () => {
    assert.equal(schema.additionalProperties, false);
    for (const type of LAYER_TYPES) assert.equal(definitions[`${type}Layer`].additionalProperties, false, type);
    assert.equal(definitions.repeatBlock.additionalProperties, false);
    assert.equal(definitions.model.additionalProperties, false);
    assert.equal(definitions.training.additionalProperties, false);
    assert.equal(((schema.properties as Json).monitor as Json).additionalProperties, false);
  });

  it('lists the diagnosis thresholds the parser accepts in `monitor` (and `explain`), and both refuse a misspelt one', () => {
    const monitor = (schema.properties as Json).monitor as Json;
    assert.deepEqual(Object.keys(monitor.properties as Json).sort(), [...Object.keys(DEFAULT_THRESHOLDS), 'explain'].sort());
    const spec = {
      data: { dataset: 'spiral' },
      model: { layers: [{ type: 'dense', units: 3, activation: 'softmax' }] },
      monitor: { vanishingRatoi: 1e-4 },
    };
    assert.equal(validate(spec), false, 'schema accepted a misspelt threshold');
    const result = parseSpecText(JSON.stringify(spec), 'typo.gradscope.json');
    const typo = result.problems.filter((p) => p.code === 'unknown-threshold');
    assert.equal(typo.length, 1);
    assert.equal(typo[0].severity, 'warning');
    assert.equal(validate({ ...spec, monitor: { vanishingRatio: 1e-4 } }), true, JSON.stringify(validate.errors));
  });

  it('the gradscope.diagnosis.thresholds setting lists the same thresholds as `monitor`, so the settings editor flags a misspelt one', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json;
    const settings = ((pkg.contributes as Json).configuration as Json).properties as Json;
    const thresholds = settings['gradscope.diagnosis.thresholds'] as Json;
    assert.equal(thresholds.additionalProperties, false);
    const { explain, ...monitorThresholds } = ((schema.properties as Json).monitor as Json).properties as Json;
    assert.ok(explain, '`monitor.explain` is in the schema, and not a threshold setting');
    assert.deepEqual(thresholds.properties, monitorThresholds);
  });

  it('uses the parser vocabulary: names of layers, activations, initializers, datasets, losses, optimizers, schedules', () => {
    assert.deepEqual(definitions.layerType.enum, LAYER_TYPES);
    assert.deepEqual(definitions.activation.enum, ACTIVATIONS);
    assert.deepEqual((definitions.initializer.anyOf as Json[])[0].enum, NAMED_INITIALIZERS);
    assert.deepEqual(definitions.dataset.enum, DATASETS);
    assert.deepEqual(((definitions.training.properties as Json).loss as Json).enum, LOSSES);
    assert.deepEqual(definitions.optimizerType.enum, OPTIMIZERS);
    assert.deepEqual(definitions.scheduleType.enum, SCHEDULES);
    assert.deepEqual(Object.keys(schema.properties as Json).sort(), [...TOP_LEVEL_PROPERTIES].sort());
  });

  it('allows the same properties per layer type, dataset, optimizer and schedule as the parser', () => {
    for (const type of LAYER_TYPES) {
      assert.deepEqual(
        Object.keys(definitions[`${type}Layer`].properties as Json).sort(),
        [...LAYER_PROPERTIES[type]].sort(),
        type,
      );
    }
    for (const dataset of DATASETS) {
      assert.deepEqual(branchProperties(definitions.data, 'dataset', dataset), [...DATA_PROPERTIES[dataset]].sort(), dataset);
    }
    for (const type of OPTIMIZERS) {
      assert.deepEqual(branchProperties(definitions.optimizer, 'type', type), [...OPTIMIZER_PROPERTIES[type]].sort(), type);
    }
    for (const type of SCHEDULES) {
      assert.deepEqual(branchProperties(definitions.schedule, 'type', type), [...SCHEDULE_PROPERTIES[type]].sort(), type);
    }
  });
});
