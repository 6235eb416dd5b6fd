// The host's half of a dashboard chart's "Save PNG" and "Copy CSV": the webview sends the bytes or the text; the
// host asks where to save (next to the spec, `<runId>-<chart>.png` suggested) and writes the file, or puts the text
// on the clipboard. What arrives from the page is checked first: a chart name made of letters, digits and dashes,
// and bytes that are a PNG.
import * as path from 'path';
import * as vscode from 'vscode';
import type { CopyChartCsvMessage, RunRef, SaveChartPngMessage } from '../shared/webviewProtocol';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHART_NAME = /^[a-z0-9-]{1,60}$/;

/** The PNG's bytes, or undefined when the message does not carry a PNG image for a named chart. */
export function pngBytes(m: SaveChartPngMessage): Buffer | undefined {
  if (typeof m.chart !== 'string' || !CHART_NAME.test(m.chart) || typeof m.png !== 'string') return undefined;
  const bytes = Buffer.from(m.png, 'base64');
  return bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE) ? bytes : undefined;
}

/** Where the save dialog starts: next to the spec of the run shown (else the first workspace folder). */
function suggestedFile(chart: string, run: RunRef | undefined): vscode.Uri | undefined {
  const name = `${run?.runId ?? 'gradscope'}-${chart}.png`;
  if (run?.specFile) return vscode.Uri.file(path.join(path.dirname(run.specFile), name));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, name) : undefined;
}

export async function saveChartPng(m: SaveChartPngMessage, run: RunRef | undefined): Promise<void> {
  const bytes = pngBytes(m);
  if (!bytes) {
    void vscode.window.showErrorMessage('gradscope: the chart image could not be saved: the dashboard sent no PNG image.');
    return;
  }
  const target = await vscode.window.showSaveDialog({
    defaultUri: suggestedFile(m.chart, run),
    filters: { 'PNG image': ['png'] },
    title: `Save chart "${m.chart}" as PNG`,
    saveLabel: 'Save PNG',
  });
  if (!target) return;
  try {
    await vscode.workspace.fs.writeFile(target, bytes);
    vscode.window.setStatusBarMessage(`$(check) gradscope: saved ${path.basename(target.fsPath)}`, 5000);
  } catch (err) {
    void vscode.window.showErrorMessage(
      `gradscope: could not write ${target.fsPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export async function copyChartCsv(m: CopyChartCsvMessage): Promise<void> {
  if (typeof m.csv !== 'string' || typeof m.chart !== 'string' || !CHART_NAME.test(m.chart)) return;
  await vscode.env.clipboard.writeText(m.csv);
  const rows = typeof m.rows === 'number' ? `${m.rows} rows` : 'the data';
  vscode.window.setStatusBarMessage(`$(check) gradscope: copied chart "${m.chart}" as CSV (${rows})`, 5000);
}
