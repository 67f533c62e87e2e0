// The shared retry policy (core/retry.ts): what is retried, how long it waits, what it records
// and what it throws — with a fake clock, so every wait is asserted, not slept.
import { describe, expect, it } from 'vitest';
import { RetriesExhaustedError, backoffDelay, describeError, retryAfterMs, withRetry, type Failure, type RetryEvent } from '../../../core/retry.js';

class HttpError extends Error {
  constructor(readonly status: number, readonly retryAfter?: number) {
    super(`HTTP ${status}`);
  }
}
const classify = (error: Error): Failure => error instanceof HttpError
  ? { reason: `http-${error.status}`, retryable: error.status === 429 || error.status >= 500, retryAfterMs: error.retryAfter }
  : { reason: 'connection', retryable: true };

/** Runs withRetry over scripted outcomes (an Error fails that attempt, anything else succeeds). */
async function run(outcomes: (Error | string)[], retries = 3, extra: { consume?: (e: Error) => boolean } = {}) {
  const waits: number[] = [];
  const events: RetryEvent[] = [];
  const failures: string[] = [];
  let calls = 0;
  const result = withRetry(async (attempt) => {
    expect(attempt).toBe(++calls);
    const next = outcomes[calls - 1];
    if (next instanceof Error) throw next;
    return next;
  }, {
    retries,
    backoff: { baseDelayMs: 100, maxDelayMs: 350 },
    classify: (e) => ({ ...classify(e), ...(extra.consume?.(e) === false ? { retryable: true, consumesRetry: false } : {}) }),
    onFailure: (f) => failures.push(f.reason),
    onRetry: (e) => events.push(e),
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
  });
  return { result, waits, events, failures, calls: () => calls };
}

describe('withRetry', () => {
  it('retries transient failures with jittered exponential backoff (capped), recording each reason', async () => {
    const r = await run([new HttpError(503), new TypeError('fetch failed'), new HttpError(500), 'ok']);
    expect(await r.result).toBe('ok');
    expect(r.waits).toEqual([50, 100, 175]); // 0.5 × min(350, 100·2^n)
    expect(r.failures).toEqual(['http-503', 'connection', 'http-500']);
    expect(r.events.map((e) => [e.retry, e.retries, e.reason, e.retryAfter])).toEqual([
      [1, 3, 'http-503', false], [2, 3, 'connection', false], [3, 3, 'http-500', false],
    ]);
  });

  it("waits the server's Retry-After instead of the backoff, cut to the cap", async () => {
    const r = await run([new HttpError(429, 2000), new HttpError(429, 10 ** 9), 'ok']);
    expect(await r.result).toBe('ok');
    expect(r.waits).toEqual([2000, 15 * 60_000]);
    expect(r.events.every((e) => e.retryAfter)).toBe(true);
  });

  it('throws a non-retryable failure at once, as it is', async () => {
    const bad = new HttpError(404);
    const r = await run([new HttpError(503), bad, 'never']);
    await expect(r.result).rejects.toBe(bad);
    expect(r.calls()).toBe(2);
    expect(r.failures).toEqual(['http-503', 'http-404']);
  });

  it('gives up after its retries with the last error as the cause', async () => {
    const last = new HttpError(502);
    const r = await run([new HttpError(503), new HttpError(503), last], 2);
    const error = await r.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 3, reason: 'http-502', cause: last, message: 'http-502 after 3 attempt(s): HTTP 502' });
    expect(r.waits).toHaveLength(2);
  });

  it('does not count an attempt that consumes no retry (asking again without a refused feature), nor waits before it', async () => {
    const r = await run([new HttpError(400), new HttpError(503), 'ok'], 1, { consume: (e) => (e as HttpError).status !== 400 });
    expect(await r.result).toBe('ok');
    expect(r.calls()).toBe(3);
    expect(r.waits).toEqual([50]);
  });

  it('never retries a programming error (a TypeError that is not a network error)', async () => {
    const bug = new TypeError('x is not a function');
    const r = await run([bug, 'never']);
    await expect(r.result).rejects.toBe(bug);
    expect(r.calls()).toBe(1);
  });

  it('stops waiting and gives up when its signal aborts', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = withRetry(async () => {
      calls++;
      throw new HttpError(503);
    }, { retries: 5, backoff: { baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'none' }, classify, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(result).rejects.toThrow('cancelled');
    expect(calls).toBe(1);
  });
});

describe('backoff and Retry-After', () => {
  it('backoffDelay doubles to the cap, jittered or exact', () => {
    const b = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect([0, 1, 2, 10].map((n) => backoffDelay(n, { ...b, jitter: 'none' }))).toEqual([1000, 2000, 4000, 60_000]);
    expect(backoffDelay(3, b, () => 0.25)).toBe(2000);
    expect(backoffDelay(3, b, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds, an HTTP date or retry-after-ms, capped', () => {
    const now = Date.parse('Thu, 01 Jan 2026 00:00:00 GMT');
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3600' }), now, 60_000)).toBe(60_000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('describeError', () => {
  it('names the causes under a wrapper, with their codes, once each', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND hub.local'), { code: 'ENOTFOUND' });
    const fetchFailed = new TypeError('fetch failed', { cause: dns });
    expect(describeError(fetchFailed)).toBe('fetch failed: getaddrinfo ENOTFOUND hub.local');
    const refused = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
    expect(describeError(new Error('outer', { cause: refused }))).toBe('outer: connect failed (ECONNREFUSED)');
    expect(describeError('plain')).toBe('plain');
  });
});
