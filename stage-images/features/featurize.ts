// Records → feature matrices, for both feature kinds. Streams the records (twice where needed)
// and keeps only the numbers: labels, a synthetic flag per row, and the matrix.
import type { Logger } from 'pino';
import type { BugRecord } from '../../core/records/record.js';
import type { Progress } from '../../core/stage/progress.js';
import type { ArtifactStore } from '../../core/store/store.js';
import { SparseMatrixBuilder, type FeatureMatrix } from './matrix.js';
import { DocumentFrequencies, fitVocabulary, tokensOf, TfidfVectorizer, type TfidfOptions, type TfidfVocabulary } from './tfidf.js';
import { FeatureCache, textDigest } from './feature-cache.js';
import type { Encoder } from './encoder.js';

export type RecordSource = () => AsyncIterable<BugRecord>;

export interface Featurized { x: FeatureMatrix; labels: Uint8Array; synthetic: Uint8Array }

export interface Featurizer {
  readonly kind: 'tfidf' | 'encoder';
  featurize(rows: RecordSource, label: string): Promise<Featurized>;
}

class RowFlags {
  labels: number[] = [];
  synthetic: number[] = [];
  push(r: BugRecord) {
    this.labels.push(r.label);
    this.synthetic.push(r.source === 'synthetic' ? 1 : 0);
  }
  done(x: FeatureMatrix): Featurized {
    return { x, labels: Uint8Array.from(this.labels), synthetic: Uint8Array.from(this.synthetic) };
  }
}

/** Fits a TF-IDF vocabulary on the (train) rows in one streaming pass. */
export async function fitTfidf(rows: RecordSource, options: TfidfOptions): Promise<TfidfVocabulary> {
  const counts = new DocumentFrequencies();
  for await (const r of rows()) counts.add(tokensOf(r.func, r.lang));
  return fitVocabulary(counts, options);
}

export class TfidfFeaturizer implements Featurizer {
  readonly kind = 'tfidf';
  private readonly vectorizer: TfidfVectorizer;
  constructor(readonly vocabulary: TfidfVocabulary, private readonly progress?: Progress) {
    this.vectorizer = new TfidfVectorizer(vocabulary);
  }
  async featurize(rows: RecordSource, label: string): Promise<Featurized> {
    this.progress?.phase(`tf-idf ${label}`);
    const b = new SparseMatrixBuilder(this.vectorizer.dim);
    const flags = new RowFlags();
    for await (const r of rows()) {
      b.push(this.vectorizer.transform(tokensOf(r.func, r.lang)));
      flags.push(r);
      this.progress?.tick();
    }
    return flags.done(b.build());
  }
}

export interface CacheStats { hits: number; misses: number }

export const hitRate = (s: CacheStats): number => (s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses));

/**
 * Encoder features with the store cache: pass 1 digests every text and looks the digests up;
 * pass 2 encodes the misses in windows (length-bucketed inside each), writing them to the cache.
 */
export class EncoderFeaturizer implements Featurizer {
  readonly kind = 'encoder';
  readonly stats: CacheStats = { hits: 0, misses: 0 };
  private readonly cache: FeatureCache;
  private dim = 0;

  constructor(private readonly encoder: Encoder, store: ArtifactStore, readonly encoderDigest: string, private readonly progress?: Progress, private readonly log?: Logger) {
    const o = encoder.options;
    this.cache = new FeatureCache(store, encoderDigest, `${o.pooling}-${o.maxLength}`, log);
  }

  async featurize(rows: RecordSource, label: string): Promise<Featurized> {
    const digests: string[] = [];
    for await (const r of rows()) digests.push(textDigest(r.func));
    const cached = await this.cache.lookup(new Set(digests));
    const unique = new Set(digests.filter((d) => !cached.has(d))).size;
    this.stats.hits += digests.length - unique;
    this.stats.misses += unique;
    this.log?.info({ split: label, rows: digests.length, cached: digests.length - unique, toEncode: unique }, `${label}: ${digests.length - unique}/${digests.length} feature rows from the cache`);
    this.progress?.phase(`encode ${label}`, digests.length);

    // The matrix is filled in place (allocated once the first vector gives the dimension).
    const n = digests.length;
    let data: Float32Array | undefined;
    const filled = new Uint8Array(n);
    const put = (row: number, v: Float32Array) => {
      if (!data) {
        this.dim = v.length;
        data = new Float32Array(n * this.dim);
      }
      data.set(v, row * this.dim);
      filled[row] = 1;
    };
    const encodedAt = new Map<string, number>();
    const flags = new RowFlags();
    let window: { row: number; text: string; digest: string }[] = [];
    const windowSize = this.encoder.options.batchSize * 16;
    const encodeWindow = async () => {
      const out = await this.encoder.embed(window.map((w) => w.text));
      for (let k = 0; k < window.length; k++) {
        put(window[k].row, out[k]);
        await this.cache.add(window[k].digest, out[k]);
      }
      this.progress?.tick(window.length);
      window = [];
    };
    let row = 0;
    for await (const r of rows()) {
      const d = digests[row];
      if (d === undefined || textDigest(r.func) !== d) throw new Error(`${label} changed between two reads; run the stage again`);
      flags.push(r);
      const hit = cached.get(d);
      if (hit) {
        put(row, hit);
        this.progress?.tick();
      } else if (encodedAt.has(d)) {
        this.progress?.tick();
      } else {
        encodedAt.set(d, row);
        window.push({ row, text: r.func, digest: d });
        if (window.length >= windowSize) await encodeWindow();
      }
      row++;
    }
    if (window.length) await encodeWindow();
    await this.cache.flush();
    const dim = this.dim;
    const matrix = data ?? new Float32Array(0);
    // Repeated texts copy the row that was encoded first.
    for (let i = 0; i < n; i++) {
      if (!filled[i]) matrix.copyWithin(i * dim, encodedAt.get(digests[i])! * dim, (encodedAt.get(digests[i])! + 1) * dim);
    }
    return flags.done({ kind: 'dense', rows: n, dim, data: matrix });
  }
}
