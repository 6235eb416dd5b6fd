// A run's history kept current while another process writes its events.jsonl (a PyTorch script's monitor): loaded
// once (loadLiveHistory: the whole lines there are), then followed by an EventTail from where that load stopped. Each
// batch of new events is applied to the history through the reducer and handed to `onEvents` (the dashboard posts
// the same batch to its webview copy). Following ends at the run's run-end, at close(), or when the file shrank or was
// replaced (`onReset`: the caller loads the run again).
import * as path from 'path';
import type { TrainingEvent } from '../../shared/engineProtocol';
import { applyEvent, type RunHistoryState } from '../../shared/runHistory';
import { EventTail } from './eventTail';
import { EVENTS_FILE, loadLiveHistory } from './runStore';

export interface FollowedRun {
  readonly runDir: string;
  readonly history: RunHistoryState;
  /** Reads what was appended now (besides the polling), e.g. when a file watcher saw the file change. */
  read(): Promise<void>;
  close(): void;
}

export interface FollowHandlers {
  /** New events, already applied to `history`, in file order. */
  onEvents(events: TrainingEvent[]): void;
  /** The file shrank or was replaced: following has stopped, `history` is stale. */
  onReset(): void;
}

/** Loads a run and follows its growing events file, reading every `pollMs` as well as on read(). */
export async function followRun(
  runDir: string,
  maxPoints: number,
  handlers: FollowHandlers,
  pollMs = 1000,
): Promise<FollowedRun> {
  const { history, offset } = await loadLiveHistory(runDir, maxPoints);
  const tail = new EventTail(
    path.join(runDir, EVENTS_FILE),
    {
      onEvents: (events) => {
        for (const e of events) applyEvent(history, e);
        if (history.end) tail.close();
        handlers.onEvents(events);
      },
      onReset: () => {
        tail.close();
        handlers.onReset();
      },
    },
    { offset },
  );
  if (!history.end) tail.poll(pollMs);
  else tail.close();
  return { runDir, history, read: () => tail.read(), close: () => tail.close() };
}
