import { describe, expect, it } from 'vitest';
import { NumberTable } from '../../../stage-images/analyze/number-table.js';

describe('NumberTable', () => {
  it('agrees with a Map over many keys (small, sequential, 52-bit random), through growth', () => {
    const table = new NumberTable(4);
    const reference = new Map<number, number>();
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 20_000; i++) {
      const key = i % 3 === 0 ? i : i % 3 === 1 ? next() * 1048576 + (next() & 0xfffff) : next() % 500; // sequential, 52-bit, repeated
      const value = (reference.get(key) ?? 0) | (1 << (i % 5));
      table.set(key, value);
      reference.set(key, value);
    }
    expect(table.size).toBe(reference.size);
    for (const [key, value] of reference) expect(table.get(key)).toBe(value);
    expect([...table.flags()].sort()).toEqual([...reference.values()].sort());
    expect(table.get(2 ** 52 - 3)).toBeUndefined();
    expect(table.has(123_456_789_012)).toBe(false);
  });

  it('keeps key 0 and the largest keys apart from empty slots, and refuses keys it cannot hold', () => {
    const table = new NumberTable();
    table.set(0, 3);
    table.set(2 ** 53 - 2, 9);
    expect([table.get(0), table.get(2 ** 53 - 2), table.size]).toEqual([3, 9, 2]);
    expect(() => table.set(-1)).toThrow(RangeError);
    expect(() => table.set(1.5)).toThrow(RangeError);
  });
});
