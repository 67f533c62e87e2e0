// The one retry policy for requests to other services (the Hugging Face hub, an LLM endpoint):
// p-retry counts the attempts, stops on an AbortSignal and never retries a programming error
// (a TypeError that is not a network error); this module adds what every caller wants the same
// way — a reason for each failure (for counters and logs), the server's Retry-After honoured
// (capped), otherwise exponential backoff, and a clear error when the attempts run out.
//
//   const answer = await withRetry(() => client.get(url), {
//     retries: 4,
//     backoff: { baseDelayMs: 1000, maxDelayMs: 60_000 },
//     classify: (e) => ({ reason: kindOf(e), retryable: isTransient(e), retryAfterMs: fromHeaders(e) }),
//     onFailure: (f) => counters.errors[f.reason]++,        // every failed attempt
//     onRetry: (r) => log.warn(r, `retry ${r.retry}/${r.retries} in ${r.waitMs} ms`),
//     signal,
//   });   // throws the non-retryable error as it is, or RetriesExhaustedError (cause: the last)
import pRetry from 'p-retry';
import { setTimeout as sleepFor } from 'node:timers/promises';

/** Exponential backoff: retry n (0-based) waits up to min(maxDelayMs, baseDelayMs·2^n). */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  /** 'full' (default): uniform in [0, that bound), so clients that failed together spread out; 'none': exactly the bound. */
  jitter?: 'full' | 'none';
}

/** What a caller's classify() says of one failed attempt. */
export interface Failure {
  /** Short reason for counters and logs: http-429, http-503, timeout, connection, … */
  reason: string;
  retryable: boolean;
  /** The server's own wait (Retry-After), which wins over the backoff. */
  retryAfterMs?: number;
  /** false: another attempt, but not one of the `retries` (e.g. asking again without a feature the server refused). */
  consumesRetry?: boolean;
}

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  retries: number;
  reason: string;
  waitMs: number;
  /** Whether waitMs came from the server's Retry-After. */
  retryAfter: boolean;
  error: Error;
}

export interface RetryOptions {
  /** Retries after the first attempt (0: one attempt only). */
  retries: number;
  backoff: Backoff;
  classify(error: Error): Failure;
  /** Every failed attempt, retried or not (count failures by reason here). */
  onFailure?(failure: Failure, error: Error): void;
  /** Before each wait (log it, count retries here). */
  onRetry?(event: RetryEvent): void;
  /** A Retry-After longer than this is cut to it, so a Job never sleeps for hours (default 15 min). */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  /** Test hooks. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
  random?(): number;
}

/** Thrown when every attempt failed with a retryable failure; `cause` is the last attempt's error. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly attempts: number,
    readonly reason: string,
    cause: Error,
  ) {
    super(`${reason} after ${attempts} attempt(s): ${describeError(cause)}`, { cause });
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * An error's message followed by its causes' ("fetch failed: getaddrinfo ENOTFOUND hub.local"),
 * so that a wrapper's message still names the root cause, not only its own words.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (
    let e: unknown = error, depth = 0;
    e !== undefined && e !== null && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const text = e instanceof Error ? e.message || e.name : String(e);
    const code = (e as { code?: unknown }).code;
    const part = typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
    if (part && !parts.some((p) => p.includes(part))) parts.push(part);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 15 * 60_000;

/** The wait before retry n (0-based). */
export function backoffDelay(
  retry: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const bound = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** retry);
  return backoff.jitter === 'none' ? bound : Math.floor(random() * bound);
}

/** Retry-After as seconds or an HTTP date (relative to `now`); retry-after-ms first. Undefined when absent or unreadable. */
export function retryAfterMs(
  headers: Headers | undefined,
  now: number,
  maxMs = Infinity,
): number | undefined {
  const ms = headers?.get('retry-after-ms')?.trim();
  const value = headers?.get('retry-after')?.trim();
  let wait: number | undefined;
  if (ms && /^\d+(\.\d+)?$/.test(ms)) wait = Math.ceil(Number(ms));
  else if (value && /^\d+(\.\d+)?$/.test(value)) wait = Math.ceil(Number(value) * 1000);
  else if (value && !Number.isNaN(Date.parse(value))) wait = Math.max(0, Date.parse(value) - now);
  return wait === undefined ? undefined : Math.min(wait, maxMs);
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable (that error is thrown as it
 * is), or the retries run out (a RetriesExhaustedError with the last error as its cause).
 * `operation` gets the attempt number, 1 for the first.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const sleep =
    options.sleep ?? ((ms: number, signal?: AbortSignal) => sleepFor(ms, undefined, { signal }));
  const maxRetryAfter = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  let last: { failure: Failure; error: Error } | undefined;
  let consumed = 0;
  let attempts = 0;
  try {
    return await pRetry(
      async (attempt) => {
        attempts = attempt;
        return operation(attempt);
      },
      {
        retries: options.retries,
        minTimeout: 0, // the wait is ours (Retry-After or backoff), taken in shouldRetry
        signal: options.signal,
        onFailedAttempt: ({ error }) => {
          last = { failure: options.classify(error), error };
          options.onFailure?.(last.failure, error);
        },
        shouldConsumeRetry: () => last?.failure.consumesRetry !== false,
        shouldRetry: async ({ error }) => {
          const failure = last!.failure;
          if (!failure.retryable) return false;
          if (failure.consumesRetry === false) return true;
          const hinted =
            failure.retryAfterMs === undefined
              ? undefined
              : Math.min(failure.retryAfterMs, maxRetryAfter);
          const waitMs = hinted ?? backoffDelay(consumed, options.backoff, options.random);
          consumed++;
          options.onRetry?.({
            retry: consumed,
            retries: options.retries,
            reason: failure.reason,
            waitMs,
            retryAfter: hinted !== undefined,
            error,
          });
          await sleep(waitMs, options.signal);
          return true;
        },
      },
    );
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    const failed = last as { failure: Failure; error: Error } | undefined;
    if (
      !failed ||
      failed.error !== error ||
      !failed.failure.retryable ||
      consumed < options.retries
    )
      throw error;
    throw new RetriesExhaustedError(attempts, failed.failure.reason, failed.error);
  }
}
