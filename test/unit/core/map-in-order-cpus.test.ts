// mapInOrder (batches through async work, several in flight, results in source order, memory
// bounded) and the CPU count a stage uses (cgroup v2 cpu.max, BUGFORGE_WORKERS).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapInOrder } from '../../../core/collections/map-in-order.js';
import { cgroupCpuLimit, usableCpus } from '../../../core/stage/cpus.js';

async function* numbers(n: number, seen?: { read: number }) {
  for (let i = 0; i < n; i++) {
    if (seen) seen.read = i + 1;
    yield i;
  }
}

describe('mapInOrder', () => {
  it('yields every item with its result in source order though later batches finish first', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const work = async (batch: number[]) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, batch[0] % 20 === 0 ? 15 : 1)); // every other batch slower
      inFlight--;
      return batch.map((x) => x * 10);
    };
    const out: [number, number][] = [];
    for await (const pair of mapInOrder(numbers(95), 10, 3, work)) out.push(pair);
    expect(out).toEqual(Array.from({ length: 95 }, (_, i) => [i, i * 10]));
    expect(maxInFlight).toBe(3);
  });

  it('reads ahead at most inFlight batches (bounded memory) and passes a failed batch on', async () => {
    const seen = { read: 0 };
    const it = mapInOrder(numbers(1000, seen), 10, 2, async (b) => b);
    await it.next();
    expect(seen.read).toBeLessThanOrEqual(20);
    const failing = mapInOrder(numbers(30), 10, 2, async (b) => { if (b[0] === 10) throw new Error('worker died'); return b; });
    const got: number[] = [];
    await expect((async () => { for await (const [x] of failing) got.push(x); })()).rejects.toThrow('worker died');
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('usableCpus', () => {
  it('reads the container limit from cgroup v2 cpu.max', () => {
    expect(cgroupCpuLimit('max 100000\n')).toBeUndefined();
    expect(cgroupCpuLimit('150000 100000\n')).toBe(1.5);
    expect(cgroupCpuLimit('')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'cpus-'));
    writeFileSync(join(dir, 'cpu.max'), '100000 100000\n');
    expect(usableCpus({}, join(dir, 'cpu.max'))).toBe(1);
    writeFileSync(join(dir, 'cpu.max'), 'max 100000\n');
    expect(usableCpus({}, join(dir, 'cpu.max'))).toBe(availableParallelism());
    expect(usableCpus({}, join(dir, 'missing'))).toBe(availableParallelism());
    expect(usableCpus({ BUGFORGE_WORKERS: '3' }, join(dir, 'cpu.max'))).toBe(3);
    expect(usableCpus({ BUGFORGE_WORKERS: 'lots' }, join(dir, 'cpu.max'))).toBe(availableParallelism());
  });
});
