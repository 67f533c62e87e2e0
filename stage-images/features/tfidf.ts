// TF-IDF over code tokens: the quickstart's features and the tfidf-logreg baseline.
// Sublinear tf (1 + ln tf), smoothed idf (ln((1 + n) / (1 + df)) + 1), l2-normalised rows —
// the same definitions as scikit-learn's TfidfVectorizer(sublinear_tf=True), so figures compare.
// The vocabulary is fitted in one streaming pass (document frequencies only, no rows kept).
import { codeTokens } from '../../core/records/code-tokens.js';
import type { Lang } from '../../core/records/record.js';
import type { SparseRow } from './matrix.js';

export interface TfidfOptions { minDocFreq: number; maxFeatures: number }

/** What a fitted vectoriser is (goes into the model directory's config.json). */
export interface TfidfVocabulary { terms: string[]; idf: number[]; documents: number; minDocFreq: number; maxFeatures: number }

export const tokensOf = (func: string, lang: Lang | string = 'c'): string[] => codeTokens(func, lang === 'python' ? 'python' : 'c');

/** Counts, for each token, how many documents contain it. */
export class DocumentFrequencies {
  readonly df = new Map<string, number>();
  documents = 0;
  add(tokens: readonly string[]): void {
    this.documents++;
    for (const t of new Set(tokens)) this.df.set(t, (this.df.get(t) ?? 0) + 1);
  }
}

export function fitVocabulary(counts: DocumentFrequencies, { minDocFreq, maxFeatures }: TfidfOptions): TfidfVocabulary {
  const kept = [...counts.df].filter(([, df]) => df >= minDocFreq);
  // Most frequent first; equal frequencies by term so the vocabulary never depends on input order.
  kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const chosen = kept.slice(0, maxFeatures).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const n = counts.documents;
  return {
    terms: chosen.map(([t]) => t),
    idf: chosen.map(([, df]) => Math.log((1 + n) / (1 + df)) + 1),
    documents: n, minDocFreq, maxFeatures,
  };
}

export class TfidfVectorizer {
  private readonly index = new Map<string, number>();
  constructor(readonly vocabulary: TfidfVocabulary) {
    vocabulary.terms.forEach((t, i) => this.index.set(t, i));
  }
  get dim(): number {
    return this.vocabulary.terms.length;
  }
  transform(tokens: readonly string[]): SparseRow {
    const tf = new Map<number, number>();
    for (const t of tokens) {
      const i = this.index.get(t);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    const indices = Uint32Array.from([...tf.keys()].sort((a, b) => a - b));
    const values = new Float32Array(indices.length);
    let norm = 0;
    indices.forEach((i, k) => {
      const v = (1 + Math.log(tf.get(i)!)) * this.vocabulary.idf[i];
      values[k] = v;
      norm += v * v;
    });
    if (norm > 0) {
      const s = 1 / Math.sqrt(norm);
      for (let k = 0; k < values.length; k++) values[k] *= s;
    }
    return { indices, values };
  }
}
