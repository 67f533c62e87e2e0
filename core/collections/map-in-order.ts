// Maps an async stream in batches through an async function with several batches in flight (e.g.
// on worker threads), yielding each item with its result in the source's order. At most
// `inFlight` batches are held, so memory stays bounded however long the stream is.
// Hand-written: p-map and piscina run tasks, but neither streams an async iterable in order.

export async function* mapInOrder<T, R>(
  source: AsyncIterable<T>,
  batchSize: number,
  inFlight: number,
  work: (batch: T[]) => Promise<R[]>,
): AsyncGenerator<[T, R]> {
  const queue: { items: T[]; results: Promise<R[]> }[] = [];
  const drainOne = async function* () {
    const { items, results } = queue.shift()!;
    const out = await results;
    if (out.length !== items.length) throw new Error(`mapInOrder: ${out.length} results for a batch of ${items.length}`);
    for (let i = 0; i < items.length; i++) yield [items[i], out[i]] as [T, R];
  };
  let batch: T[] = [];
  const submit = () => {
    const items = batch;
    batch = [];
    const results = work(items);
    results.catch(() => {}); // awaited in order below; this only stops an early rejection from going unhandled
    queue.push({ items, results });
  };
  for await (const item of source) {
    batch.push(item);
    if (batch.length >= batchSize) {
      submit();
      if (queue.length >= inFlight) yield* drainOne();
    }
  }
  if (batch.length) submit();
  while (queue.length) yield* drainOne();
}
