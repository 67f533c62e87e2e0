import { describe, expect, it } from 'vitest';
import { NumberTable, hash52, unitHash } from '../../../core/collections/number-table.js';

describe('NumberTable', () => {
  it('stores, overwrites and finds many keys across growth', () => {
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

  it('refuses keys that are not positive safe integers', () => {
    expect(() => new NumberTable().set(0, 1)).toThrow(/positive safe integers/);
    expect(() => new NumberTable().set(2 ** 53, 1)).toThrow(/positive safe integers/);
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
