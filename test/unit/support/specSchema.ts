// The spec's JSON schema (schemas/gradscope.schema.json) compiled with ajv the one way the tests use it.
import Ajv, { type ValidateFunction } from 'ajv';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SCHEMA_FILE = path.resolve(__dirname, '../../../..', 'schemas/gradscope.schema.json');

/** The schema as parsed JSON. */
export function readSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
}

/**
 * Compiled in ajv's strict mode, which catches schema mistakes; union types ("earlyStopping": true | {...}) and VS
 * Code's defaultSnippets, allowComments and allowTrailingCommas (without which the editor underlines every trailing
 * comma of a spec, though gradscope reads them) are the only extensions allowed.
 */
export function compileSchema(schema: object = readSchema()): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  ajv.addVocabulary(['defaultSnippets', 'allowComments', 'allowTrailingCommas']);
  return ajv.compile(schema);
}
