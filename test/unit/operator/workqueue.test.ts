import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../../operator/controller/workqueue.js';

describe('WorkQueue', () => {
  afterEach(() => vi.useRealTimers());

  it('de-duplicates keys that wait, in first-added order', async () => {
    const q = new WorkQueue();
    for (const k of ['ns/a', 'ns/b', 'ns/a', 'ns/a']) q.add(k);
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('never hands out a key that is being processed; one added meanwhile comes back once after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.length).toBe(0); // not handed to a second worker
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives, and ends waiting workers on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('ns/x');
    expect(await waiting).toBe('ns/x');
    const second = q.get();
    q.shutDown();
    expect(await second).toBeUndefined();
    q.add('ns/y');
    expect(await q.get()).toBeUndefined();
  });

  it('backs off exponentially per key, capped, and forget starts over', () => {
    vi.useFakeTimers();
    const q = new WorkQueue({ baseMs: 100, maxMs: 1000 });
    expect([1, 2, 3, 4, 5, 6].map(() => q.addRateLimited('ns/a'))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(q.addRateLimited('ns/b')).toBe(100); // per key
    q.forget('ns/a');
    expect(q.addRateLimited('ns/a')).toBe(100);
  });

  it('adds a delayed key only when its delay passes (the earliest delay wins)', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    q.addAfter('ns/a', 5000);
    q.addAfter('ns/a', 1000);
    vi.advanceTimersByTime(999);
    expect(q.length).toBe(0);
    vi.advanceTimersByTime(1);
    expect(q.length).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(q.length).toBe(1); // the later timer was replaced, not added twice
  });
});
