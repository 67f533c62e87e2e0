// Progress of long work: forwarded to the local runner's display over IPC when there is one,
// and logged as counts at most every few seconds (what `kubectl logs` shows).
import type { Logger } from 'pino';

export interface ProgressUpdate { type: 'progress'; label: string; done: number; total?: number }

export interface Progress {
  /** Starts (or restarts) a phase of work with an optional total. */
  phase(label: string, total?: number): void;
  tick(n?: number): void;
  set(done: number): void;
}

export function createProgress(log: Logger, { logEveryMs = 5000, sendEveryMs = 200 } = {}): Progress {
  let label = '';
  let total: number | undefined;
  let done = 0;
  let lastLog = 0;
  let lastSend = 0;
  const emit = (force = false) => {
    const now = Date.now();
    if (process.send && (force || now - lastSend >= sendEveryMs)) {
      lastSend = now;
      process.send({ type: 'progress', label, done, total } satisfies ProgressUpdate);
    }
    if (force || now - lastLog >= logEveryMs) {
      lastLog = now;
      log.info({ progress: { label, done, total } }, `${label}: ${done}${total ? `/${total}` : ''}`);
    }
  };
  return {
    phase(next, nextTotal) {
      label = next;
      total = nextTotal;
      done = 0;
      emit(true);
    },
    tick(n = 1) {
      done += n;
      emit(total !== undefined && done >= total);
    },
    set(value) {
      done = value;
      emit(total !== undefined && done >= total);
    },
  };
}

export const silentProgress: Progress = { phase() {}, tick() {}, set() {} };
