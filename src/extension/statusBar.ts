// Status bar item: epoch/step, the last step's loss and backend while training; the outcome after. Click opens
// the dashboard. The text comes from runText.ts, where null/NaN/±Infinity losses have their words.
import * as vscode from 'vscode';
import { endStatusText, LIVE_RUN_ICON, liveStatusText } from './runText';
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
    if (!run) return;
    item.text = `$(${LIVE_RUN_ICON}) ${liveStatusText(run.history)}`;
    item.tooltip = 'Training in progress: click to open the dashboard';
    item.show();
  };
  const subscriptions = [
    item,
    controller.onEvents(() => draw(false)),
    controller.onDidChangeRun((run) => {
      if (run) {
        draw(true);
        return;
      }
      const end = lastEnd;
      item.text = end ? `$(${end.icon}) ${end.text}` : '$(graph-line) gradscope';
      item.tooltip = 'Open the gradscope dashboard';
      item.show();
    }),
  ];
  subscriptions.push(
    controller.onEvents(({ run, events }) => {
      for (const e of events) {
        if (e.type !== 'run-end') continue;
        lastEnd = {
          icon: e.status === 'completed' || e.status === 'early-stopped' ? 'check' : 'warning',
          text: endStatusText(e, run.history.diagnostics.length),
        };
      }
    }),
  );
  return vscode.Disposable.from(...subscriptions);
}
