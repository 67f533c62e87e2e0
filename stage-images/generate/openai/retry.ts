// Retry policy: which failures are worth another attempt, and how long to wait before it.
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';

export interface RetryPolicy { baseDelayMs: number; maxDelayMs: number }

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^attempt)). */
export const backoffDelay = (attempt: number, policy: RetryPolicy, random: () => number): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt));

/** Retry-After as seconds or an HTTP date (relative to `now`); retry-after-ms first. Undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now: number, maxMs = Infinity): number | undefined {
  const ms = headers?.get('retry-after-ms')?.trim();
  const value = headers?.get('retry-after')?.trim();
  let wait: number | undefined;
  if (ms && /^\d+(\.\d+)?$/.test(ms)) wait = Math.ceil(Number(ms));
  else if (value && /^\d+(\.\d+)?$/.test(value)) wait = Math.ceil(Number(value) * 1000);
  else if (value && !Number.isNaN(Date.parse(value))) wait = Math.max(0, Date.parse(value) - now);
  return wait === undefined ? undefined : Math.min(wait, maxMs);
}

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
