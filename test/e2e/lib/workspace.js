// Fresh throwaway workspaces: tests train models and write .gradscope/runs into the workspace, so they get a
// temp copy of examples/ (or another folder) and the repo is never dirtied. Removed on exit, even on Ctrl+C.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { onCleanup, removeDir } = require('./lifecycle');

const EXAMPLES = path.resolve(__dirname, '../../../examples');

/** Copies `source` (default examples/) to a new temp dir; returns { dir, remove }. `keep` skips removal (debugging). */
function tempWorkspace(source = EXAMPLES, { keep = !!process.env.GRADSCOPE_KEEP_WORKSPACE } = {}) {
  if (!fs.statSync(source).isDirectory()) throw new Error(`workspace source is not a folder: ${source}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gradscope-ws-'));
  // .gradscope/ holds earlier runs' output when the source is a used workspace: tests start from a clean state.
  fs.cpSync(source, dir, { recursive: true, filter: (src) => path.basename(src) !== '.gradscope' });
  const remove = keep ? () => console.error(`[gradscope-test] kept workspace ${dir}`) : onCleanup(() => removeDir(dir));
  return { dir, remove };
}

module.exports = { tempWorkspace, EXAMPLES };
