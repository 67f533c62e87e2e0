// The filter's decision for each synthetic sample, in a fixed order of checks (the first that
// fails is the reason). "Same code" (origin, duplicates) compares code tokens, so whitespace and
// comments don't count; for Python also the tree's block structure, so a re-indented line does.
// Pure apart from the indexes it keeps: hashes of the real functions (never their code), hashes
// of the kept samples, and the near-duplicate index.
import type { BugRecord, SetAside } from '../../core/records/record.js';
import type { CodeParser } from '../../core/code/parse.js';
import { NumberTable, hash52 } from '../../core/collections/number-table.js';
import { MinHasher, shingleHashes } from './minhash.js';
import { MINHASH_SEED, ONE_FUNCTION, SHINGLE_SIZE, packFacts, realFacts, sampleFacts, type FilterConfig, type RealFacts, type SampleFacts } from './sample-facts.js';
import type { NearDuplicateIndex } from './near-duplicates.js';
import type { OriginCode } from './origin-code.js';

export type { FilterConfig } from './sample-facts.js';

/** Every reason a sample is rejected, in the order the checks run. */
export const REJECT_REASONS = [
  'malformed', 'unknown-origin', 'too-short', 'too-long', 'parse-error', 'not-single-function',
  'same-as-origin', 'exact-duplicate', 'near-duplicate',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection extends SetAside { reason: RejectReason }
export type Verdict = { kept: BugRecord } | { rejected: Rejection };

const LANGS = new Set(['c', 'python']);

const SEEN_REAL = 1;
const SEEN_SYNTHETIC = 2;

export class SyntheticJudge {
  /** real id → hash of its normalised code */
  private readonly realCode = new NumberTable();
  /**
   * real id → what the grammar makes of it, filled as samples need it (a C origin is parsed only
   * when one of its samples has syntax issues or is not one clean function): its syntax issues
   * (macros the grammar can't see) and its top-level shape (a signature split by #ifdef/#else),
   * packed by packFacts.
   */
  private readonly originFacts = new NumberTable();
  /** normalised-code hash → SEEN_REAL / SEEN_SYNTHETIC */
  private readonly seenCode = new NumberTable();
  private readonly minHasher: MinHasher;
  realCount = 0;

  constructor(
    private readonly config: FilterConfig,
    private readonly parser: CodeParser,
    /** The real functions' code on disk, for the few origins that must be parsed. */
    private readonly originCode: OriginCode,
    /** undefined: near-duplicate removal is off (threshold 1). */
    private readonly nearDuplicates: NearDuplicateIndex | undefined,
  ) {
    this.minHasher = new MinHasher(config.minhashPermutations, MINHASH_SEED);
  }

  /** Bytes held by the indexes (for the report and the benchmark). */
  get indexBytes(): number {
    return this.realCode.bytes + this.originFacts.bytes + this.originCode.bytes + this.seenCode.bytes + (this.nearDuplicates?.bytes ?? 0);
  }

  /**
   * Indexes one real function: its normalised-code hash. A C function is not parsed (its tokens
   * are its code hash; its code goes to disk in case a sample needs its syntax issues); a Python
   * function is, since its block structure is part of its code hash, and its issues are kept.
   * `given`: its facts when a worker computed them (facts-pool.ts).
   */
  addReal(record: BugRecord, given?: RealFacts): void {
    const id = hash52(record.id);
    const facts = given ?? realFacts(record, this.parser);
    if (facts.packed !== undefined) this.originFacts.set(id, facts.packed);
    else this.originCode.add(id, record.func, record.lang);
    this.realCode.set(id, facts.code);
    this.seenCode.set(facts.code, SEEN_REAL);
    this.realCount++;
  }

  /** What the grammar makes of a real function (parsed on first need). */
  private origin(key: number): OriginFacts {
    let packed = this.originFacts.get(key);
    if (packed === undefined) {
      const origin = this.originCode.get(key);
      packed = origin ? packFacts(this.parser.parse(origin.code, origin.lang, { maxIssues: 0 })) : 0;
      this.originFacts.set(key, packed);
    }
    return unpackFacts(packed);
  }

  /**
   * Decides one synthetic sample; `where` says where it came from (unit and row) for the rejection.
   * `given`: its facts when a worker computed them (facts-pool.ts), else they are computed here.
   */
  judge(raw: unknown, where: string, given?: SampleFacts): Verdict {
    const problem = malformation(raw);
    const reject = (reason: RejectReason, detail: string): Verdict => ({ rejected: { reason, detail, where, record: raw } });
    if (problem) return reject('malformed', problem);
    const record = raw as BugRecord;
    const { config } = this;

    const originKey = hash52(record.origin_id!);
    const originCode = this.realCode.get(originKey);
    if (originCode === undefined) return reject('unknown-origin', `origin_id ${record.origin_id} is not a function of the real data set (analyze's dataset/*.jsonl.gz); the sample can't be checked against its origin or kept in its origin's split`);

    const facts = given ?? sampleFacts(record, this.parser, config, undefined, true);
    const { lines, chars } = facts;
    if (lines < config.minLines) return reject('too-short', `${lines} line${lines === 1 ? '' : 's'}, filtering.minLines is ${config.minLines}`);
    if (chars < config.minChars) return reject('too-short', `${chars} characters, filtering.minChars is ${config.minChars}`);
    if (!facts.parsed) return reject('too-long', `${facts.tokenCount} tokens, filtering.maxTokens is ${config.maxTokens}`);

    const parsed = facts.parsed;
    const originIssues = parsed.errorCount > 0 ? this.origin(originKey).issues : 0;
    if (parsed.errorCount > originIssues) {
      const baseline = originIssues > 0 ? ` (its origin has ${originIssues}, which are tolerated)` : '';
      return reject('parse-error', `${parsed.errorCount} syntax issue${parsed.errorCount === 1 ? '' : 's'}${baseline}: ${parsed.errors.join('; ')}`);
    }
    // Not one function, unless its origin already had that shape (e.g. an #ifdef'd signature: the grammar sees declarations and a block).
    if (parsed.shape !== ONE_FUNCTION && parsed.shape !== this.origin(originKey).shape) {
      const others = parsed.otherTopLevel.length > 0 ? ` and other top-level items (${[...new Set(parsed.otherTopLevel)].join(', ')})` : '';
      return reject('not-single-function', `${parsed.topLevelFunctionCount} top-level function definition${parsed.topLevelFunctionCount === 1 ? '' : 's'}${others}; expected exactly one function`);
    }

    const { code } = parsed;
    if (code === originCode) return reject('same-as-origin', `same code as its origin ${record.origin_id} once whitespace and comments are normalised`);
    const seen = this.seenCode.get(code);
    if (seen !== undefined) return reject('exact-duplicate', `same normalised code as ${seen === SEEN_REAL ? 'a real function of the data set' : 'an earlier kept synthetic sample'}`);

    if (this.nearDuplicates) {
      const signature = parsed.signature ?? this.minHasher.signature(shingleHashes(facts.tokens!, SHINGLE_SIZE));
      const match = this.nearDuplicates.findMatch(signature);
      if (match) return reject('near-duplicate', `estimated Jaccard similarity ${match.similarity.toFixed(3)} with kept sample ${match.id} (filtering.nearDuplicateThreshold is ${config.nearDuplicateThreshold})`);
      this.nearDuplicates.add(signature, record.id);
    }
    this.seenCode.set(code, SEEN_SYNTHETIC);
    return { kept: record };
  }
}

interface OriginFacts { issues: number; shape: number }
const unpackFacts = (packed: number): OriginFacts => ({ issues: Math.floor(packed / 2 ** 32), shape: packed % 2 ** 32 });

/** What is wrong with a synthetic record's shape, or undefined when it is usable. */
export function malformation(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `expected a JSON object, got ${Array.isArray(raw) ? 'an array' : typeof raw}`;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') return 'id is missing or not a string';
  if (typeof r.func !== 'string') return 'func is missing or not a string';
  if (r.label !== 0 && r.label !== 1) return `label must be 0 or 1, got ${JSON.stringify(r.label)}`;
  if (typeof r.lang !== 'string' || !LANGS.has(r.lang)) return `lang must be 'c' or 'python', got ${JSON.stringify(r.lang)}`;
  if (r.source !== 'synthetic') return `source must be 'synthetic' for a generated sample, got ${JSON.stringify(r.source)}`;
  if (typeof r.origin_id !== 'string' || r.origin_id === '') return 'origin_id is missing: a synthetic sample must name the real function it came from';
  return undefined;
}
