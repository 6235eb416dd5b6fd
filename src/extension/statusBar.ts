// Status bar item: epoch/step, loss and backend while training; the outcome after. Click opens the dashboard.
import * as vscode from 'vscode';
import type { TrainingController } from './trainingController';

export function registerStatusBar(controller: TrainingController): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('gradscope.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'gradscope training';
  item.command = 'gradscope.openDashboard';
  let lastDraw = 0;
  let lastEnd: { icon: string; text: string } | undefined;
  const draw = (force: boolean): void => {
    const run = controller.current;
    const now = Date.now();
    if (!force && now - lastDraw < 250) return;
    lastDraw = now;
    const h = run?.history;
    if (!run || !h) return;
    const start = h.start;
    const epoch = Math.min(h.epochs.length + 1, start?.epochs ?? 1);
    const loss = h.lastLoss !== undefined ? ` · loss ${h.lastLoss.toFixed(4)}` : '';
    item.text = start
      ? `$(sync~spin) gradscope: epoch ${epoch}/${start.epochs} · step ${h.lastStep + 1}${loss} · ${start.backend}`
      : '$(sync~spin) gradscope: starting…';
    item.tooltip = 'Training in progress: click to open the dashboard';
    item.show();
  };
  const subscriptions = [
    item,
    controller.onEvents(() => draw(false)),
    controller.onDidChangeRun((run) => {
      if (run) { draw(true); return; }
      const end = lastEnd;
      item.text = end ? `$(${end.icon}) gradscope: ${end.text}` : '$(graph-line) gradscope';
      item.tooltip = 'Open the gradscope dashboard';
      item.show();
    }),
  ];
  subscriptions.push(controller.onEvents(({ run, events }) => {
    for (const e of events) {
      if (e.type !== 'run-end') continue;
      const best = e.bestValLoss !== undefined ? ` · best val_loss ${e.bestValLoss.toFixed(4)}` : '';
      const diagnostics = run.history.diagnostics.length ? ` · ${run.history.diagnostics.length} diagnostic(s)` : '';
      lastEnd = { icon: e.status === 'completed' || e.status === 'early-stopped' ? 'check' : 'warning', text: `${e.status}${best}${diagnostics}` };
    }
  }));
  return vscode.Disposable.from(...subscriptions);
}
