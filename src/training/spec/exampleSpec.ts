// A new spec from a bundled example. The examples link their schema relatively ("$schema": "../schemas/..."), which
// resolves only inside the repository: anywhere else VS Code reports "Unable to load schema" and, without the
// schema's allowTrailingCommas, flags every trailing comma. The extension already validates every *.gradscope.json
// against its schema (contributes.jsonValidation), so a copy drops the link.
import { applyEdits, parseTree } from 'jsonc-parser';
import { removeChild } from '../fixes/textEdits';

/** `text` (an example spec) without its top-level "$schema", with its "name" set to `name` when given. */
export function specFromExample(text: string, name?: string): string {
  const root = parseTree(text);
  const index = root?.type === 'object' ? (root.children ?? []).findIndex((p) => p.children?.[0]?.value === '$schema') : -1;
  const out = root && index >= 0 ? applyEdits(text, removeChild(text, root, index)) : text;
  return name === undefined ? out : out.replace(/"name":\s*"[^"]*"/, `"name": ${JSON.stringify(name)}`);
}
