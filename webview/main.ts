// Entry of the dashboard webview (bundled to dist/webview.js, CSS to dist/webview.css). Builds the page inside
// #app, says `ready` to the host, applies the `snapshot` and every `events` batch to its model at once through
// the shared reducer, and redraws at most ~10 times a second, a few charts per animation frame.
import './styles.css';
import { setupCharts } from './charts/setup';
import { Dashboard } from './dashboard';
import { asHostMessage } from './messages';
import { createScheduler, type SchedulerClock } from './scheduler';
import { applyEvents, applyLrFind, applySnapshot, initialModel } from './state';
import { watchTheme } from './theme';
import { connectHost } from './vscodeApi';

const browserClock: SchedulerClock = {
  now: () => performance.now(),
  frame: (run) => {
    requestAnimationFrame(() => run());
  },
  after: (ms, run) => {
    setTimeout(run, ms);
  },
};

function main(): void {
  setupCharts();
  const host = connectHost();
  let app = document.getElementById('app');
  if (!app) {
    app = document.createElement('div');
    app.id = 'app';
    document.body.append(app);
  }
  const model = initialModel();
  let dashboard: Dashboard | undefined;
  const scheduler = createScheduler(() => dashboard?.draw(), browserClock);
  dashboard = new Dashboard(app, model, host, scheduler);

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const msg = asHostMessage(event.data);
    if (!msg || !dashboard) return;
    if (msg.type === 'snapshot') {
      applySnapshot(model, msg);
      dashboard.snapshotApplied();
      // A run being opened is drawn on the next frame, not after the redraw interval.
      scheduler.continueIn(0);
    } else if (msg.type === 'lr-find') {
      applyLrFind(model, msg);
      scheduler.request();
    } else if (applyEvents(model, msg)) {
      scheduler.request();
    }
  });
  watchTheme(() => {
    dashboard?.themeChanged();
    scheduler.request();
  });
  dashboard.draw();
  host.post({ type: 'ready' });
}

main();
