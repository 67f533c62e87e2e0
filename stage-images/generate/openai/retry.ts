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

/** HTTP statuses that say the key or its rights are wrong: no retry and no other request can help. */
export const AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403]);

/**
 * A body that ends early or is not JSON (a proxy cut the answer, the server died mid-write): the
 * request itself was fine, so it is worth another attempt. The client throws SyntaxError from
 * JSON.parse, or a TypeError ("terminated") when the socket closes while the body is read.
 */
function isTruncatedBody(error: unknown): boolean {
  if (error instanceof SyntaxError) return true;
  const e = error as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  return e?.name === 'TypeError' && (/terminated|premature close|other side closed/i.test(e.message ?? '') || e.cause?.code === 'UND_ERR_SOCKET');
}

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof APIConnectionTimeoutError) return { kind: 'timeout', retryable: true };
  if (error instanceof APIConnectionError) return { kind: 'connection', retryable: true };
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return { kind: `http-${status}`, retryable, status, headers: error.headers };
  }
  if (isTruncatedBody(error)) return { kind: 'truncated-body', retryable: true };
  return { kind: 'bad-response', retryable: false };
}
