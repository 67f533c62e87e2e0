// Retry policy: which failures are worth another attempt, and how long to wait before it.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

export interface RetryPolicy { baseDelayMs: number; maxDelayMs: number }

// Backoff and Retry-After parsing are the shared policy's (core/retry.ts).
export { backoffDelay, retryAfterMs } from '../../../core/retry.js';

export interface ErrorClass {
  /** Short reason for counters and logs: http-429, http-503, timeout, connection, http-400 … */
  kind: string;
  retryable: boolean;
  status?: number;
  headers?: Headers;
}

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true };
  if (error instanceof APIConnectionError) return { kind: 'connection', retryable: true };
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return { kind: `http-${status}`, retryable, status, headers: error.headers };
  }
  return { kind: 'bad-response', retryable: false };
}
