// Streaming statistics over the records of a data set, one record at a time (pure; no IO).
// Memory: a fixed-size sample per length metric, counters per project, and one 52-bit fingerprint
// per distinct function for exact duplicates (18–36 bytes in a flag-byte NumberTable: 9 a slot, 25–50% full) — not the records.
import { codeTokens, countLines } from '../../core/records/code-tokens.js';
import { SPLITS, type BugRecord, type SplitName } from '../../core/records/record.js';
import { NumberTable, hash52 } from '../../core/collections/number-table.js';
import { mulberry32 } from '../../core/random.js';

/** Percentiles are exact while a metric has seen at most this many values; beyond, they come from a uniform sample of this size. */
export const DEFAULT_SAMPLE_SIZE = 100_000;

export interface Distribution { count: number; min: number; mean: number; p50: number; p90: number; p99: number; max: number }

/**
 * Exact min/max/mean, and percentiles from a reservoir sample (Vitter's algorithm R, seeded):
 * exact up to `capacity` values, an unbiased uniform sample of `capacity` values beyond.
 * Percentile: nearest rank (the smallest value with at least p of the values at or below it).
 */
export class ReservoirDistribution {
  private sample: Float64Array;
  private seen = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private rng: () => number;

  constructor(readonly capacity = DEFAULT_SAMPLE_SIZE, seed = 0x9e3779b9) {
    this.sample = new Float64Array(Math.min(capacity, 1024));
    this.rng = mulberry32(seed);
  }

  add(value: number): void {
    this.seen++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.seen <= this.capacity) {
      if (this.seen > this.sample.length) {
        const grown = new Float64Array(Math.min(this.capacity, this.sample.length * 2));
        grown.set(this.sample);
        this.sample = grown;
      }
      this.sample[this.seen - 1] = value;
    } else {
      const j = Math.floor(this.rng() * this.seen);
      if (j < this.capacity) this.sample[j] = value;
    }
  }

  get exact(): boolean {
    return this.seen <= this.capacity;
  }

  summary(): Distribution {
    if (this.seen === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.sample.slice(0, Math.min(this.seen, this.capacity)).sort();
    const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
    return { count: this.seen, min: this.min, mean: round(this.sum / this.seen), p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: this.max };
  }
}


const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

interface LengthStats { chars: ReservoirDistribution; lines: ReservoirDistribution; tokens: ReservoirDistribution }
const lengthStats = (capacity: number): LengthStats => ({
  chars: new ReservoirDistribution(capacity, 1),
  lines: new ReservoirDistribution(capacity, 2),
  tokens: new ReservoirDistribution(capacity, 3),
});

interface GroupCounts { count: number; buggy: number }

export interface SplitAnalysis {
  count: number;
  buggy: number;
  clean: number;
  buggyShare: number;
  langs: Record<string, number>;
  chars: Distribution;
  lines: Distribution;
  tokens: Distribution;
}

export interface DuplicateAnalysis {
  method: string;
  distinctFunctions: number;
  /** Rows that repeat a function seen earlier in the same split (count − distinct). */
  withinSplit: Record<SplitName, number>;
  /** Distinct functions present in both splits of a pair. */
  acrossSplits: Record<'train-validation' | 'train-test' | 'validation-test', number>;
  /** Distinct functions that occur with both labels. */
  conflictingLabels: number;
}

export interface DatasetAnalysis {
  total: number;
  buggy: number;
  buggyShare: number;
  splits: Record<SplitName, SplitAnalysis>;
  overall: Pick<SplitAnalysis, 'chars' | 'lines' | 'tokens' | 'langs'>;
  projects: Record<string, GroupCounts & { buggyShare: number }>;
  duplicates: DuplicateAnalysis;
  malformed: { total: number; byReason: Record<string, number> };
  percentiles: { method: string; exact: boolean };
}

const SPLIT_BIT: Record<SplitName, number> = { train: 1, validation: 2, test: 4 };
const LABEL_BIT = [8, 16] as const;

export class DatasetStatistics {
  private readonly perSplit = new Map<SplitName, { counts: GroupCounts; langs: Map<string, number>; lengths: LengthStats; distinct: number }>();
  private readonly overall: LengthStats;
  private readonly overallLangs = new Map<string, number>();
  private readonly projects = new Map<string, GroupCounts>();
  /** fingerprint of the normalised code → bit set of the splits and labels it occurs in */
  private readonly functions = new NumberTable(1024, 'uint8');
  private readonly malformed = new Map<string, number>();

  constructor(private readonly sampleSize = DEFAULT_SAMPLE_SIZE) {
    this.overall = lengthStats(sampleSize);
    for (const split of SPLITS) this.perSplit.set(split, { counts: { count: 0, buggy: 0 }, langs: new Map(), lengths: lengthStats(sampleSize), distinct: 0 });
  }

  add(record: BugRecord & { split: SplitName }): void {
    const s = this.perSplit.get(record.split)!;
    s.counts.count++;
    s.counts.buggy += record.label;
    increment(s.langs, record.lang);
    increment(this.overallLangs, record.lang);
    const tokens = codeTokens(record.func, record.lang);
    const lengths = { chars: record.func.length, lines: countLines(record.func), tokens: tokens.length };
    for (const metric of ['chars', 'lines', 'tokens'] as const) {
      s.lengths[metric].add(lengths[metric]);
      this.overall[metric].add(lengths[metric]);
    }
    const project = record.project ?? '(none)';
    const p = this.projects.get(project) ?? { count: 0, buggy: 0 };
    p.count++;
    p.buggy += record.label;
    this.projects.set(project, p);
    const key = hash52(tokens.join(' '));
    const bits = this.functions.get(key) ?? 0;
    if (!(bits & SPLIT_BIT[record.split])) s.distinct++;
    this.functions.set(key, bits | SPLIT_BIT[record.split] | LABEL_BIT[record.label]);
  }

  addMalformed(reason: string): void {
    increment(this.malformed, reason);
  }

  result(): DatasetAnalysis {
    const splits = {} as Record<SplitName, SplitAnalysis>;
    let total = 0;
    let buggy = 0;
    for (const split of SPLITS) {
      const s = this.perSplit.get(split)!;
      total += s.counts.count;
      buggy += s.counts.buggy;
      splits[split] = {
        count: s.counts.count,
        buggy: s.counts.buggy,
        clean: s.counts.count - s.counts.buggy,
        buggyShare: share(s.counts.buggy, s.counts.count),
        langs: Object.fromEntries(s.langs),
        chars: s.lengths.chars.summary(),
        lines: s.lengths.lines.summary(),
        tokens: s.lengths.tokens.summary(),
      };
    }
    const across = { 'train-validation': 0, 'train-test': 0, 'validation-test': 0 };
    let conflicting = 0;
    for (const bits of this.functions.values()) {
      if ((bits & 3) === 3) across['train-validation']++;
      if ((bits & 5) === 5) across['train-test']++;
      if ((bits & 6) === 6) across['validation-test']++;
      if ((bits & 24) === 24) conflicting++;
    }
    const withinSplit = Object.fromEntries(SPLITS.map((split) => {
      const s = this.perSplit.get(split)!;
      return [split, s.counts.count - s.distinct];
    })) as Record<SplitName, number>;
    const projects = Object.fromEntries([...this.projects.entries()]
      .sort(([a, x], [b, y]) => y.count - x.count || a.localeCompare(b))
      .map(([name, c]) => [name, { ...c, buggyShare: share(c.buggy, c.count) }]));
    const exact = [...this.perSplit.values()].every((s) => s.lengths.chars.exact) && this.overall.chars.exact;
    return {
      total,
      buggy,
      buggyShare: share(buggy, total),
      splits,
      overall: { chars: this.overall.chars.summary(), lines: this.overall.lines.summary(), tokens: this.overall.tokens.summary(), langs: Object.fromEntries(this.overallLangs) },
      projects,
      duplicates: {
        method: 'exact duplicates: 52-bit sha256 fingerprint of the code tokens (comments and whitespace removed)',
        distinctFunctions: this.functions.size,
        withinSplit,
        acrossSplits: across,
        conflictingLabels: conflicting,
      },
      malformed: { total: [...this.malformed.values()].reduce((a, b) => a + b, 0), byReason: Object.fromEntries([...this.malformed.entries()].sort()) },
      percentiles: {
        method: exact
          ? 'exact (nearest rank over all values)'
          : `nearest rank over a uniform reservoir sample of ${this.sampleSize.toLocaleString('en-US')} values per metric (min, max, mean exact)`,
        exact,
      },
    };
  }
}

/** 52 bits of the sha256 of the space-joined tokens (the text normalizedCodeHash hashes), as a number. Collisions: ~1e-4 expected at a million distinct functions. */
const share = (part: number, whole: number) => (whole ? round(part / whole, 4) : 0);

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
