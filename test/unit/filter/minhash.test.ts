import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MinHasher, bandingFor, candidateProbability, estimateJaccard, shingleHashes } from '../../../stage-images/filter/minhash.js';
import { NearDuplicateIndex } from '../../../stage-images/filter/near-duplicates.js';
import { SignatureSpill } from '../../../stage-images/filter/signature-spill.js';
import { mulberry32 as random } from '../../../core/random.js';


const jaccard = (a: Uint32Array, b: Uint32Array): number => {
  const sa = new Set(a);
  const sb = new Set(b);
  let both = 0;
  for (const x of sa) if (sb.has(x)) both++;
  return both / (sa.size + sb.size - both);
};

/** `n` distinct shingle hashes, of which the first `shared` also appear in the twin set. */
function twinSets(n: number, shared: number, rand: () => number): [Uint32Array, Uint32Array] {
  const a = new Uint32Array(n);
  const b = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = (rand() * 2 ** 32) >>> 0;
    b[i] = i < shared ? a[i] : (rand() * 2 ** 32) >>> 0;
  }
  return [a, b];
}

const tokens = (n: number, rand: () => number) => Array.from({ length: n }, () => `t${Math.floor(rand() * 5000)}`);

describe('MinHash', () => {
  it('estimates Jaccard similarity within 4 standard errors across the range', () => {
    const rand = random(7);
    const hasher = new MinHasher(256, 11);
    for (const shared of [0, 20, 50, 100, 150, 190, 200]) {
      const [a, b] = twinSets(200, shared, rand);
      const truth = jaccard(a, b);
      const estimate = estimateJaccard(hasher.signature(a), hasher.signature(b));
      const standardError = Math.sqrt((truth * (1 - truth)) / 256) || 0.01;
      expect(Math.abs(estimate - truth), `J=${truth.toFixed(3)} estimate=${estimate}`).toBeLessThanOrEqual(4 * standardError);
    }
  });

  it('is unbiased on average over many pairs', () => {
    const rand = random(3);
    const hasher = new MinHasher(64, 5);
    let error = 0;
    for (let i = 0; i < 200; i++) {
      const [a, b] = twinSets(100, 60, rand); // J = 60/140
      error += estimateJaccard(hasher.signature(a), hasher.signature(b)) - jaccard(a, b);
    }
    expect(Math.abs(error / 200)).toBeLessThan(0.02);
  });

  it('gives identical signatures for the same shingle set in any order and with repeats', () => {
    const hasher = new MinHasher(32, 1);
    const a = new Uint32Array([5, 9, 1000, 77]);
    expect(hasher.signature(new Uint32Array([77, 5, 9, 1000, 9]))).toEqual(hasher.signature(a));
    expect(new MinHasher(32, 2).signature(a)).not.toEqual(hasher.signature(a));
  });

  it('shingles runs of tokens: order matters, a short list is one shingle', () => {
    expect(shingleHashes(['a', 'b', 'c', 'd'], 3)).toHaveLength(2);
    expect(shingleHashes(['a'], 3)).toHaveLength(1);
    expect(shingleHashes(['a', 'b', 'c'], 3)[0]).not.toBe(shingleHashes(['c', 'b', 'a'], 3)[0]);
    expect(shingleHashes(['a', 'b'], 3)[0]).not.toBe(shingleHashes(['a'], 3)[0]);
  });
});

describe('LSH banding', () => {
  it('picks the fewest bands that still catch a pair at the threshold with 99% probability', () => {
    const banding = bandingFor(128, 0.9);
    expect(banding).toEqual({ bands: 12, rows: 10 });
    expect(candidateProbability(0.9, banding)).toBeGreaterThanOrEqual(0.99);
    expect(candidateProbability(0.9, { bands: 11, rows: 11 })).toBeLessThan(0.99);
    expect(candidateProbability(0.3, banding)).toBeLessThan(0.001);
  });
});

describe('NearDuplicateIndex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bugforge-lsh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every pair above the threshold and none far below it', () => {
    const rand = random(42);
    const hasher = new MinHasher(128, 9);
    const index = new NearDuplicateIndex(128, 0.8, join(dir, 'pairs.bin'));
    const originals = Array.from({ length: 300 }, () => tokens(120, rand));
    for (const [k, t] of originals.entries()) index.add(hasher.signature(shingleHashes(t)), `orig-${k}`);
    let caught = 0;
    let falseMatches = 0;
    for (const [k, t] of originals.entries()) {
      const similar = [...t];
      similar[60] = 'changed'; // one token: J ≈ 0.95
      const match = index.findMatch(hasher.signature(shingleHashes(similar)));
      if (match?.id === `orig-${k}`) caught++;
      if (index.findMatch(hasher.signature(shingleHashes(tokens(120, rand))))) falseMatches++;
    }
    expect(caught).toBe(300);
    expect(falseMatches).toBe(0);
    index.close();
  });

  it('names the earliest indexed match and its similarity', () => {
    const hasher = new MinHasher(64, 1);
    const index = new NearDuplicateIndex(64, 0.9, join(dir, 'earliest.bin'));
    const sig = hasher.signature(shingleHashes(tokens(80, random(1))));
    expect(index.findMatch(sig)).toBeUndefined();
    index.add(sig, 'first');
    index.add(sig, 'second');
    expect(index.findMatch(sig)).toEqual({ index: 0, id: 'first', similarity: 1 });
    index.close();
  });
});

describe('SignatureSpill', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bugforge-spill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back signatures and ids from the file and from the unflushed block', () => {
    const spill = new SignatureSpill(join(dir, 's.bin'), 4);
    for (let i = 0; i < 2500; i++) spill.append(new Uint32Array([i, i * 2, 0xffffffff, 7]), `id-${i}-é`);
    expect(spill.count).toBe(2500);
    for (const i of [0, 1023, 1024, 2047, 2048, 2499]) {
      const { signature, id } = spill.read(i);
      expect([...signature]).toEqual([i, i * 2, 0xffffffff, 7]);
      expect(id).toBe(`id-${i}-é`);
    }
    expect(() => spill.read(2500)).toThrow(/no signature 2500/);
    spill.close();
  });
});
