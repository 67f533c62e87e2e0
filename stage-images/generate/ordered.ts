// Runs an async function over a stream with at most `concurrency` calls at once (p-limit) and
// yields the results in input order. At most `window` results wait at once, so a long input
// never piles up in memory.
import pLimit from 'p-limit';

export async function* mapOrdered<T, R>(items: Iterable<T> | AsyncIterable<T>, concurrency: number, fn: (item: T) => Promise<R>, window = Math.max(4, concurrency * 4)): AsyncGenerator<R> {
  const limit = pLimit(concurrency);
  const queue: Promise<R>[] = [];
  for await (const item of items) {
    const result = limit(() => fn(item));
    result.catch(() => undefined); // rejections surface when the result's turn comes, not as unhandled
    queue.push(result);
    if (queue.length >= window) yield await queue.shift()!;
  }
  while (queue.length > 0) yield await queue.shift()!;
}
