import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '../../../core/store/local.js';
import { lengthBuckets, paddedCost } from '../../../stage-images/features/bucketing.js';
import { decodeChunk, encodeChunk, FeatureCache, textDigest } from '../../../stage-images/features/feature-cache.js';
import { poolRow } from '../../../stage-images/features/pooling.js';
import { DocumentFrequencies, fitVocabulary, TfidfVectorizer, tokensOf } from '../../../stage-images/features/tfidf.js';
import { rowProblem } from '../../../stage-images/features/rows.js';

describe('TF-IDF', () => {
  const docs = [['a', 'b', 'b'], ['a', 'c'], ['a', 'b', 'd']];
  const counts = new DocumentFrequencies();
  docs.forEach((d) => counts.add(d));

  it('keeps terms at or above the minimum document frequency, most frequent first up to the cap', () => {
    expect(fitVocabulary(counts, { minDocFreq: 2, maxFeatures: 10 }).terms).toEqual(['a', 'b']);
    expect(fitVocabulary(counts, { minDocFreq: 1, maxFeatures: 2 }).terms).toEqual(['a', 'b']);
    expect(fitVocabulary(counts, { minDocFreq: 1, maxFeatures: 3 }).terms).toEqual(['a', 'b', 'c']);
  });

  it('computes sublinear tf × smoothed idf, l2-normalised (as scikit-learn)', () => {
    const vocab = fitVocabulary(counts, { minDocFreq: 1, maxFeatures: 10 });
    // idf(a) = ln(4/4) + 1 = 1; idf(b) = ln(4/3) + 1
    expect(vocab.idf[0]).toBeCloseTo(1, 6);
    expect(vocab.idf[1]).toBeCloseTo(Math.log(4 / 3) + 1, 6);
    const row = new TfidfVectorizer(vocab).transform(['a', 'b', 'b', 'zzz']);
    const a = 1, b = (1 + Math.log(2)) * (Math.log(4 / 3) + 1);
    const n = Math.hypot(a, b);
    expect(Array.from(row.indices)).toEqual([0, 1]);
    expect(row.values[0]).toBeCloseTo(a / n, 6);
    expect(row.values[1]).toBeCloseTo(b / n, 6);
  });

  it('uses code tokens: comments dropped, operators kept whole', () => {
    expect(tokensOf('if (a->b >= 2) /* note */ return;')).toEqual(['if', '(', 'a', '->', 'b', '>=', '2', ')', 'return', ';']);
  });
});

describe('length bucketing and pooling', () => {
  it('groups similar lengths and covers every index once', () => {
    const lengths = [5, 100, 6, 98, 7, 99];
    const batches = lengthBuckets(lengths, 3);
    expect(batches).toEqual([[0, 2, 4], [3, 5, 1]]);
    expect(paddedCost(lengths, batches)).toBeLessThan(paddedCost(lengths, [[0, 1, 2], [3, 4, 5]]));
  });

  it('pools [CLS] or the mean over attended tokens only', () => {
    // batch 1, seq 3, dim 2; the last token is padding
    const hidden = Float32Array.from([1, 2, 3, 4, 100, 100]);
    expect(Array.from(poolRow(hidden, [1, 1, 0], 0, 3, 2, 'cls'))).toEqual([1, 2]);
    expect(Array.from(poolRow(hidden, [1n, 1n, 0n], 0, 3, 2, 'mean'))).toEqual([2, 3]);
  });
});

describe('feature cache', () => {
  it('round-trips chunks and rejects damaged ones', () => {
    const buf = encodeChunk(2, [['d1', Float32Array.from([1, 2])], ['d2', Float32Array.from([3, 4])]]);
    const chunk = decodeChunk(buf);
    expect(chunk.digests).toEqual(['d1', 'd2']);
    expect(Array.from(chunk.data)).toEqual([1, 2, 3, 4]);
    expect(() => decodeChunk(buf.subarray(0, buf.length - 3))).toThrow(/expected 16/);
  });

  it('finds cached vectors across chunks and skips an unreadable chunk', async () => {
    const store = new LocalStore(await mkdtemp(join(tmpdir(), 'bugforge-cache-')));
    const cache = new FeatureCache(store, 'enc', 'cls-400', pino({ level: 'silent' }));
    await cache.add(textDigest('a'), Float32Array.from([1, 1]));
    await cache.flush();
    await cache.add(textDigest('b'), Float32Array.from([2, 2]));
    await cache.flush();
    await store.write(`${cache.prefix}/garbage.bin`, 'not a chunk');
    const found = await new FeatureCache(store, 'enc', 'cls-400').lookup(new Set([textDigest('a'), textDigest('b'), textDigest('c')]));
    expect([...found.keys()].sort()).toEqual([textDigest('a'), textDigest('b')].sort());
    expect(Array.from(found.get(textDigest('b'))!)).toEqual([2, 2]);
  });
});

describe('row checks', () => {
  it('names what is wrong with a row', () => {
    expect(rowProblem({ func: 'int f();', label: 1 })).toBeUndefined();
    expect(rowProblem({ func: 'int f();', label: '1' })).toBe('label is not 0 or 1');
    expect(rowProblem({ func: ' ', label: 0 })).toBe('func is not a non-empty string');
    expect(rowProblem([1])).toBe('not a JSON object');
  });
});
