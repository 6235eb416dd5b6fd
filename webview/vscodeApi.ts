// The VS Code webview API as the page sees it (`acquireVsCodeApi`, injected by VS Code; faked by the UI test),
// typed with the shared protocol. Acquire it exactly once: VS Code throws on a second call.
import type { FromWebviewMessage, WebviewUiState } from '../src/shared/webviewProtocol';
import type { ExplainView } from './explain';

/** UI-only state kept with setState: the shared contract plus this page's own view toggles. */
export interface PersistedUiState extends WebviewUiState {
  /** Dead/saturated panel: percentages of units or raw counts. */
  activationMode?: 'fraction' | 'count';
  /** Explain panel: the map shown (predicted class, true class, saliency). */
  explainView?: ExplainView;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostChannel {
  post(message: FromWebviewMessage): void;
  loadUiState(): PersistedUiState;
  saveUiState(state: PersistedUiState): void;
}

/** Connects to the host; outside VS Code (a plain browser) messages go nowhere and state lives in memory. */
export function connectHost(): HostChannel {
  let api: VsCodeApi | undefined;
  try {
    api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  } catch {
    api = undefined;
  }
  let memory: PersistedUiState = {};
  return {
    post: (message) => api?.postMessage(message),
    loadUiState: () => {
      const raw = api ? api.getState() : memory;
      return isUiState(raw) ? { ...raw } : {};
    },
    saveUiState: (state) => {
      memory = { ...state };
      api?.setState(memory);
    },
  };
}

function isUiState(value: unknown): value is PersistedUiState {
  if (typeof value !== 'object' || value === null) return false;
  const hidden = (value as { hiddenLayers?: unknown }).hiddenLayers;
  return hidden === undefined || (Array.isArray(hidden) && hidden.every((h) => typeof h === 'string'));
}
