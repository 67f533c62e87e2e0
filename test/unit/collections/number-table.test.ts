// The one NumberTable's contract (it replaced two tables with different key rules): keys are
// the integers 0..2^53-2 — row numbers and hash52 hashes alike — values are numbers, or flag
// bytes in a 'uint8' table; it agrees with a Map through growth and refuses what it cannot hold.
import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_TABLE_KEY, NumberTable, hash52, unitHash } from '../../../core/collections/number-table.js';

describe('NumberTable', () => {
  it('agrees with a Map over many keys (small, sequential, 52-bit random), through growth', () => {
    for (const kind of ['float64', 'uint8'] as const) {
      const table = new NumberTable(4, kind);
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
      expect([...table.values()].sort()).toEqual([...reference.values()].sort());
      expect(table.get(2 ** 52 - 3)).toBeUndefined();
      expect(table.has(123_456_789_012)).toBe(false);
    }
  });

  it('stores, overwrites and finds many hash52 keys across growth', () => {
    const table = new NumberTable(4);
    for (let i = 0; i < 50_000; i++) table.set(hash52(`id-${i}`), i);
    table.set(hash52('id-7'), -1);
    expect(table.size).toBe(50_000);
    expect(table.get(hash52('id-7'))).toBe(-1);
    expect(table.get(hash52('id-49999'))).toBe(49_999);
    expect(table.get(hash52('id-50000'))).toBeUndefined();
    expect(table.has(hash52('id-0'))).toBe(true);
    expect(table.setIfAbsent(hash52('id-1'), 99)).toBe(1);
    expect(table.setIfAbsent(hash52('new'), 99)).toBe(99);
  });

  it('keeps key 0 and the largest key apart from empty slots; set() without a value marks "seen"', () => {
    const table = new NumberTable();
    table.set(0, 3);
    table.set(MAX_NUMBER_TABLE_KEY, 9);
    table.set(42);
    expect([table.get(0), table.get(2 ** 53 - 2), table.get(42), table.size]).toEqual([3, 9, 1, 3]);
    expect(table.has(1)).toBe(false);
  });

  it('holds non-integer and large values in a float64 table, and sizes its arrays by the value kind', () => {
    const numbers = new NumberTable(8);
    numbers.set(5, 2 ** 52 + 0.5);
    numbers.set(6, -0.25);
    expect([numbers.get(5), numbers.get(6)]).toEqual([2 ** 52 + 0.5, -0.25]);
    expect(numbers.bytes).toBe(16 * 16);
    expect(new NumberTable(8, 'uint8').bytes).toBe(16 * 9);
  });

  it('refuses keys it cannot hold, and values a flag table cannot hold, with a RangeError', () => {
    const table = new NumberTable();
    for (const key of [-1, 1.5, 2 ** 53 - 1, 2 ** 53, Number.NaN]) {
      expect(() => table.set(key, 1)).toThrow(RangeError);
    }
    expect(() => table.set(-1)).toThrow(/0\.\.2\^53-2/);
    const flags = new NumberTable(4, 'uint8');
    for (const value of [256, -1, 1.5]) expect(() => flags.set(1, value)).toThrow(RangeError);
    expect(table.size + flags.size).toBe(0);
  });
});

describe('hashes', () => {
  it('hash52 is a stable positive safe integer', () => {
    const h = hash52('cxg-train-000123');
    expect(Number.isSafeInteger(h) && h > 0).toBe(true);
    expect(hash52('cxg-train-000123')).toBe(h);
    expect(hash52('cxg-train-000124')).not.toBe(h);
  });

  it('unitHash is in [0, 1), seeded, and spread evenly', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => unitHash(42, `g-${i}`));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(values.filter((v) => v < 0.1).length).toBeGreaterThan(900);
    expect(values.filter((v) => v < 0.1).length).toBeLessThan(1100);
    expect(unitHash(43, 'g-1')).not.toBe(unitHash(42, 'g-1'));
  });
});
