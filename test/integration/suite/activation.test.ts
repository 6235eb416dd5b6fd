// The extension loads in a real VS Code: it is found by id, activates without throwing, registers every
// contributed command, and a spec file from the workspace opens as JSON (with comments).
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'gradscope.gradscope'; // publisher.name in package.json
const COMMANDS = [
  'gradscope.train',
  'gradscope.stop',
  'gradscope.openDashboard',
  'gradscope.newSpec',
  'gradscope.openRun',
  'gradscope.compareRuns',
  'gradscope.checkSpec',
  'gradscope.explainRun',
  'gradscope.openLearningPath',
  'gradscope.learn.openExample',
  'gradscope.learn.resetExample',
];

suite('activation', () => {
  test('the extension is found and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
  });

  test('every contributed command is registered', async () => {
    // Contributed commands appear in getCommands() only once the extension has activated and registered them.
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = COMMANDS.filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, [], `commands not registered: ${missing.join(', ')}`);
  });

  test('a spec file opens as json or jsonc', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder open (the harness opens a copy of examples/)');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'deep-sigmoid.gradscope.json'));
    await vscode.window.showTextDocument(doc);
    assert.ok(['jsonc', 'json'].includes(doc.languageId), `languageId is ${doc.languageId}`);
  });
});
