// Where the gradscope package is installed: the directory of the package.json named `gradscope` above this file
// (dist/ in the package, out/src/cli/ in tests). The CLI reads its version there and points at its docs pages.
import * as fs from 'fs';
import * as path from 'path';

interface Root {
  dir: string;
  version?: string;
}

let found: Root | undefined | null = null;

/** The package root and its version, or undefined when no gradscope package.json is above this file. */
export function packageRoot(): Root | undefined {
  if (found !== null) return found;
  found = undefined;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gradscope') {
        found = { dir, ...(pkg.version ? { version: pkg.version } : {}) };
        return found;
      }
    } catch {
      // no package.json here: look one directory up
    }
    if (path.dirname(dir) === dir) return found;
  }
}
