// `model.initFrom`: weights loaded by layer name from another run's saved inference model. Read here with positions,
// then resolved (the run directory, `latest:<spec name>`) and checked against model/model.json's weight manifest with
// the shapes the spec infers, so `gradscope check` and the editor report a bad source before any run starts.

import * as fs from 'fs';
import type { Node } from 'jsonc-parser';
import * as path from 'path';
import type { RunEndEvent, RunStartEvent } from '../../shared/engineProtocol';
import { defaultRunsDir, EVENTS_FILE, listRuns, WEIGHTS_DIR } from '../run/runStore';
import { type Prop, checkKeys, describeValue, readObject, readString, requireProp } from './fields';
import { GATE_SUFFIX, type WeightShape, weightedLayers, withoutOnes } from './layerWeights';
import { childPointer } from './positions';
import type { Reporter } from './problems';
import { type LayerShape, formatShape } from './shapes';
import type { InitFromSpec } from './types';

export const LATEST_PREFIX = 'latest:';

/** `initFrom` as written, with the nodes to report at. */
export interface InitFromRequest {
  prop: Prop;
  run: string;
  runNode: Node;
  layers: 'all' | 'allButLast' | { name: string; node: Node }[];
  layersNode: Node;
}

export function readInitFrom(r: Reporter, prop: Prop): InitFromRequest | undefined {
  const obj = readObject(r, prop.value, prop.path, '"initFrom"');
  if (!obj) return undefined;
  checkKeys(r, obj, ['run', 'layers'], '"initFrom"');
  const runProp = requireProp(r, obj, 'run', '"initFrom"', ' (a run directory relative to the spec, or "latest:<spec name>")');
  const layersProp = requireProp(r, obj, 'layers', '"initFrom"', ' ("all", "allButLast" or a list of layer names)');
  const run = runProp ? readString(r, runProp.value, runProp.path, '"initFrom.run"') : undefined;
  const layers = layersProp ? readLayers(r, layersProp) : undefined;
  if (run === undefined || !runProp || !layers || !layersProp) return undefined;
  return { prop, run, runNode: runProp.value, layers, layersNode: layersProp.value };
}

function readLayers(r: Reporter, prop: Prop): InitFromRequest['layers'] | undefined {
  const node = prop.value;
  if (node.type === 'string' && (node.value === 'all' || node.value === 'allButLast')) return node.value as 'all' | 'allButLast';
  if (node.type !== 'array' || (node.children ?? []).length === 0) {
    r.error(
      'wrong-type',
      `"initFrom.layers" must be "all", "allButLast" or a non-empty list of layer names such as ["conv2d_1"], got ${describeValue(node)}`,
      node,
      prop.path,
    );
    return undefined;
  }
  const items = (node.children ?? []).map((item, i) => {
    const name = readString(r, item, childPointer(prop.path, i), `"initFrom.layers"[${i}]`);
    return name === undefined ? undefined : { name, node: item };
  });
  return items.every((x) => x !== undefined) ? items : undefined;
}

/** The saved weights of a run's model/, by layer name (from model.json's weightsManifest), or why there are none. */
function savedLayerWeights(runDir: string): Map<string, WeightShape[]> | { error: string; code: string } {
  const file = path.join(runDir, WEIGHTS_DIR, 'model.json');
  if (!fs.existsSync(file)) {
    return {
      code: 'init-from-no-model',
      error:
        `the run ${runDir} saved no model (no ${WEIGHTS_DIR}/model.json): a run saves it when it ends; ` +
        'train the source spec to the end (`gradscope train <spec>`) and point "run" at that run',
    };
  }
  let manifest: { weights?: { name?: unknown; shape?: unknown }[] }[];
  try {
    manifest = (JSON.parse(fs.readFileSync(file, 'utf8')) as { weightsManifest: typeof manifest }).weightsManifest;
    if (!Array.isArray(manifest)) throw new Error('no weightsManifest list');
  } catch (err) {
    return {
      code: 'init-from-unreadable',
      error: `cannot read the saved model ${file}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const byLayer = new Map<string, WeightShape[]>();
  for (const entry of manifest.flatMap((g) => g.weights ?? [])) {
    if (typeof entry.name !== 'string' || !Array.isArray(entry.shape)) continue;
    const cut = entry.name.lastIndexOf('/');
    const layer = entry.name.slice(0, cut);
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), { name: entry.name.slice(cut + 1), shape: entry.shape as number[] }]);
  }
  return byLayer;
}

/**
 * The newest run of spec `name` in `runsDir` that ended completed or early-stopped and saved its model. The spec is
 * checked on every edit: only each run's first line (run-start) and last line (run-end) are read, not its steps.
 */
function latestCompletedRun(runsDir: string, name: string): string | undefined {
  return listRuns(runsDir).find((dir) => {
    if (!fs.existsSync(path.join(dir, WEIGHTS_DIR, 'model.json'))) return false;
    const { first, last } = firstAndLastLine(path.join(dir, EVENTS_FILE));
    const start = parseLine(first) as Partial<RunStartEvent> | undefined;
    const end = parseLine(last) as Partial<RunEndEvent> | undefined;
    return (
      start?.type === 'run-start' &&
      start.specName === name &&
      end?.type === 'run-end' &&
      (end.status === 'completed' || end.status === 'early-stopped')
    );
  });
}

function parseLine(line: string | undefined): unknown {
  try {
    return line ? (JSON.parse(line) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

const CHUNK = 64 * 1024;

/** The first and the last non-empty line of a file, reading only its ends (a line longer than a chunk is cut). */
function firstAndLastLine(file: string): { first?: string; last?: string } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return {};
  }
  try {
    const size = fs.fstatSync(fd).size;
    const read = (at: number, length: number): string => {
      const buffer = Buffer.alloc(length);
      return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, length, at));
    };
    let head = '';
    for (let at = 0; at < size && !head.includes('\n'); at += CHUNK) head += read(at, Math.min(CHUNK, size - at));
    const tailStart = Math.max(0, size - CHUNK);
    const lines = (tailStart === 0 ? head : read(tailStart, size - tailStart)).split('\n').filter((l) => l.trim() !== '');
    return { first: head.split('\n')[0], last: lines[lines.length - 1] };
  } finally {
    fs.closeSync(fd);
  }
}

function resolveRunDir(r: Reporter, req: InitFromRequest, specFile: string): string | undefined {
  const specDir = path.dirname(specFile);
  if (req.run.startsWith(LATEST_PREFIX)) {
    const name = req.run.slice(LATEST_PREFIX.length).trim();
    const runsDir = defaultRunsDir(specFile);
    const found = name === '' ? undefined : latestCompletedRun(runsDir, name);
    if (!found) {
      r.error(
        'init-from-no-run',
        `"initFrom.run" ${JSON.stringify(req.run)}: no completed run of the spec "${name}" with a saved model in ` +
          `${path.relative(specDir, runsDir) || runsDir}; train it first (\`gradscope train ${name}.gradscope.json\`; ` +
          'the spec name is its "name", else its file name without .gradscope.json)',
        req.runNode,
        childPointer(req.prop.path, 'run'),
      );
    }
    return found;
  }
  const dir = path.resolve(specDir, req.run);
  if (!fs.existsSync(path.join(dir, EVENTS_FILE))) {
    const what = fs.existsSync(dir) ? 'is not a gradscope run (no events.jsonl)' : 'does not exist';
    r.error(
      'init-from-run-missing',
      `"initFrom.run": ${dir} ${what}; give a run directory such as ".gradscope/runs/<run id>" (relative to the spec) ` +
        'or "latest:<spec name>"',
      req.runNode,
      childPointer(req.prop.path, 'run'),
    );
    return undefined;
  }
  return dir;
}

const shapeList = (weights: readonly WeightShape[]): string =>
  weights.map((x) => `${x.name} ${formatShape(x.shape)}`).join(', ') || 'none';

/**
 * Resolves `initFrom` for a spec whose layers are valid: the source run, the layers to load, each checked to exist in
 * both models with the same weight shapes. Reports at the initFrom node (or the offending part of it).
 */
export function resolveInitFrom(
  r: Reporter,
  req: InitFromRequest,
  specFile: string,
  shapes: readonly LayerShape[],
): InitFromSpec | undefined {
  const runDir = resolveRunDir(r, req, specFile);
  if (!runDir) return undefined;
  const layersPath = childPointer(req.prop.path, 'layers');
  const saved = savedLayerWeights(runDir);
  if ('error' in saved) {
    r.error(saved.code, `"initFrom.run": ${saved.error}`, req.runNode, childPointer(req.prop.path, 'run'));
    return undefined;
  }
  const target = weightedLayers(shapes);
  const targetNames = target.map((l) => l.name);
  let chosen: { name: string; node: Node; path: string }[];
  if (req.layers === 'all' || req.layers === 'allButLast') {
    const names = req.layers === 'all' ? targetNames : targetNames.slice(0, -1);
    chosen = names.map((name) => ({ name, node: req.layersNode, path: layersPath }));
    if (chosen.length === 0) {
      r.error(
        'init-from-no-layers',
        `"initFrom.layers" "allButLast" leaves nothing to load: the model has one layer with weights (${targetNames.join(', ')})`,
        req.layersNode,
        layersPath,
      );
      return undefined;
    }
  } else {
    chosen = req.layers.map((l, i) => ({ name: l.name, node: l.node, path: childPointer(layersPath, i) }));
  }
  const errors = r.errorCount;
  for (const c of chosen) {
    const own = target.find((l) => l.name === c.name);
    if (!own) {
      r.error(
        'init-from-unknown-layer',
        `"initFrom.layers": "${c.name}" is not a layer with weights of this model (its layers with weights: ${targetNames.join(', ')})`,
        c.node,
        c.path,
      );
      continue;
    }
    if ((own.layer.type === 'dense' || own.layer.type === 'conv2d') && own.layer.weightNormalization) {
      r.error(
        'init-from-weight-normalized',
        `"initFrom": layer ${c.name} is weight-normalized; a saved model holds its kernel with direction and scale folded ` +
          'into one, which cannot be split back: load it into a layer without "weightNormalization", or leave it out of "layers"',
        c.node,
        c.path,
      );
      continue;
    }
    // An exported highway keeps its gate in `<name>_transform` (engine/model/inferenceModel.ts).
    const source = saved.has(c.name)
      ? [...(saved.get(c.name) ?? []), ...(saved.get(`${c.name}${GATE_SUFFIX}`) ?? [])]
      : undefined;
    if (!source) {
      r.error(
        'init-from-unknown-layer',
        `"initFrom": layer ${c.name} is not in the source run's model (${runDir}; its layers with weights: ${[...saved.keys()].filter((k) => !k.endsWith(GATE_SUFFIX)).join(', ')})` +
          (req.layers === 'all' ? '; "allButLast" or a list of layer names loads fewer' : ''),
        c.node,
        c.path,
      );
      continue;
    }
    const mismatch = firstMismatch(c.name, source, own.weights);
    if (mismatch) {
      // The first mismatch only: the layers after a changed one usually change with it.
      r.error('init-from-shape-mismatch', `"initFrom": ${mismatch}`, c.node, c.path);
      break;
    }
  }
  if (r.errorCount > errors) return undefined;
  return { run: req.run, runDir, layers: chosen.map((c) => c.name) };
}

/** The first weight whose shape differs between the source run's layer and this spec's; undefined when all match. */
function firstMismatch(
  layer: string,
  source: readonly WeightShape[],
  own: readonly WeightShape[] | undefined,
): string | undefined {
  // Undefined only for a weight-normalized layer, refused above (init-from-weight-normalized).
  if (!own) return undefined;
  for (let i = 0; i < Math.max(source.length, own.length); i++) {
    const s = source[i];
    const o = own[i];
    if (!s || !o) {
      return `layer ${layer} has ${source.length} weight(s) in the source run's model (${shapeList(source)}) but ${own.length} in this spec (${shapeList(own)})`;
    }
    if (withoutOnes(s.shape) !== withoutOnes(o.shape)) {
      return `layer ${layer}: weight ${s.name} has shape ${formatShape(s.shape)} in the source run's model but ${formatShape(o.shape)} in this spec`;
    }
  }
  return undefined;
}
