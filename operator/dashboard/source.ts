// Where the dashboard's data comes from: the cluster (informers, the API server, the run's
// store) or a local store (`bugforge ui`). The HTTP server only talks to this interface.
import type { ArtifactStore } from '../../core/store/store.js';
import type { Redactor } from './redact.js';
import type { RunDetail, RunSummary } from './model.js';

export interface LogRequest { namespace: string; name: string; stage: string; unit?: string; follow: boolean; signal: AbortSignal }

/** A run's store and the prefix its artifacts live under, or why the dashboard cannot read it. */
export type RunStore = { store: ArtifactStore; prefix: string } | { error: string };

export interface ActionRequest { namespace: string; name: string; action: 'cancel' | 'retry' | 'rerun'; stage?: string }

export interface DashboardSource {
  readonly mode: 'local' | 'cluster';
  /** Values to keep off every page (store keys the source read, …). */
  readonly redactor: Redactor;
  start(): Promise<void>;
  stop(): Promise<void>;
  namespaces(): string[];
  listRuns(namespace?: string): RunSummary[];
  run(namespace: string, name: string): Promise<RunDetail | undefined>;
  /** Raw log lines of one stage or unit (followed while it runs when asked). */
  log(request: LogRequest): Promise<AsyncIterable<string>>;
  store(namespace: string, name: string): Promise<RunStore>;
  /** Run changed (or appeared): its new summary; deleted: undefined. Returns the unsubscribe. */
  onChange(listener: (key: { namespace: string; name: string }, summary: RunSummary | undefined) => void): () => void;
  /** Sets the fields the operator acts on (cluster only; undefined where unsupported). */
  act?(request: ActionRequest): Promise<string>;
}

export class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFound';
  }
}

export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequest';
  }
}
