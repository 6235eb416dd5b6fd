// Parsing `data.augmentation`: values kept as given, transforms set to 0/false left out, image transforms on data
// that the model does not read as images refused at the transform's key (noise alone is fine there), and shifts
// and cutouts that do not fit the image refused at the value.

import * as assert from 'node:assert/strict';
import { parseSpecText } from '../../src/training/spec/parse';
import type { SpecProblem } from '../../src/training/spec/types';

const CNN = '[{ "type": "conv2d", "filters": 2, "kernelSize": 3 }, { "type": "flatten" }, { "type": "dense", "units": 10 }]';

/** A spec whose line 3 is the augmentation object, so positions are easy to state. */
function specText(dataset: string, augmentation: string, inputShape: string, layers: string): string {
  return `{\n  "data": { "dataset": "${dataset}",\n    "augmentation": ${augmentation} },\n  "model": { "inputShape": ${inputShape}, "layers": ${layers} }\n}`;
}

function parse(text: string): ReturnType<typeof parseSpecText> {
  return parseSpecText(text, '/virtual/a.gradscope.json');
}

function errors(text: string): SpecProblem[] {
  return parse(text).problems.filter((p) => p.severity === 'error');
}

describe('spec: data.augmentation', () => {
  it('keeps the transforms given and leaves out the ones set to 0 or false', () => {
    const text = specText(
      'mnist',
      '{ "shift": 2, "rotation": 10, "zoom": 0.1, "noise": 0, "cutout": 8, "horizontalFlip": false }',
      '[28, 28, 1]',
      CNN,
    );
    const result = parse(text);
    assert.deepEqual(
      result.problems.filter((p) => p.severity === 'error'),
      [],
    );
    assert.deepEqual(result.spec?.data.augmentation, { shift: 2, rotation: 10, zoom: 0.1, cutout: 8 });
  });

  it('has no augmentation when the spec gives none', () => {
    const text = '{ "data": { "dataset": "spiral" }, "model": { "layers": [{ "type": "dense", "units": 3 }] } }';
    assert.equal(parse(text).spec?.data.augmentation, undefined);
  });

  it('accepts noise on vector data', () => {
    const result = parse(specText('spiral', '{ "noise": 0.1 }', '[2]', '[{ "type": "dense", "units": 3 }]'));
    assert.deepEqual(result.spec?.data.augmentation, { noise: 0.1 });
  });

  it('refuses an image transform on vector data, at the transform key, naming the input shape', () => {
    const found = errors(specText('spiral', '{ "noise": 0.1, "rotation": 15 }', '[2]', '[{ "type": "dense", "units": 3 }]'));
    assert.deepEqual(
      found.map((p) => [p.code, p.specPath, p.range.start.line, p.range.start.column]),
      [['augmentation-needs-images', '/data/augmentation/rotation', 3, 37]],
    );
    assert.match(found[0].message, /"rotation" moves or blanks pixels.*the model's input is \[2\] \(spiral samples\)/);
  });

  it('reads the image shape from the model: mnist flattened to [784] cannot be shifted', () => {
    const found = errors(specText('mnist', '{ "shift": 2 }', '[784]', '[{ "type": "dense", "units": 10 }]'));
    assert.deepEqual(
      found.map((p) => [p.code, p.specPath]),
      [['augmentation-needs-images', '/data/augmentation/shift']],
    );
  });

  it('refuses shifts and cutouts as large as the image side, at the value', () => {
    const found = errors(specText('mnist', '{ "shift": 28, "cutout": 30 }', '[28, 28, 1]', CNN));
    assert.deepEqual(
      found.map((p) => [p.code, p.specPath]),
      [
        ['out-of-range', '/data/augmentation/shift'],
        ['out-of-range', '/data/augmentation/cutout'],
      ],
    );
    assert.match(found[0].message, /"shift" \(28 pixels\) must be smaller than the image's 28-pixel side/);
  });

  it('reports bad values at their place and still checks the rest of the data', () => {
    const found = errors(specText('mnist', '{ "rotation": -5, "horizontalFlip": "yes" }', '[28, 28, 1]', CNN));
    assert.deepEqual(
      found.map((p) => [p.code, p.specPath]),
      [
        ['out-of-range', '/data/augmentation/rotation'],
        ['wrong-type', '/data/augmentation/horizontalFlip'],
      ],
    );
  });
});
