// The filter's decision for each synthetic sample, in a fixed order of checks (the first that
// fails is the reason). "Same code" (origin, duplicates) compares code tokens, so whitespace and
// comments don't count; for Python also the tree's block structure, so a re-indented line does.
// Pure apart from the indexes it keeps: hashes of the real functions (never their code), hashes
// of the kept samples, and the near-duplicate index.
import type { FilteringSpec } from '../../api/v1alpha1/spec.js';
import type { BugRecord, SetAside } from '../../core/records/record.js';
import { codeTokens, countLines } from '../../core/records/code-tokens.js';
import type { CodeParser, ParseIssue, ParseResult } from '../../core/code/parse.js';
import { NumberTable, hash52 } from '../../core/collections/number-table.js';
import { MinHasher, hashToken, shingleHashes } from './minhash.js';
import type { NearDuplicateIndex } from './near-duplicates.js';
import type { OriginCode } from './origin-code.js';

/** Every reason a sample is rejected, in the order the checks run. */
export const REJECT_REASONS = [
  'malformed', 'unknown-origin', 'too-short', 'too-long', 'parse-error', 'not-single-function',
  'same-as-origin', 'exact-duplicate', 'near-duplicate',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection extends SetAside { reason: RejectReason }
export type Verdict = { kept: BugRecord } | { rejected: Rejection };

export type FilterConfig = Pick<FilteringSpec, 'minLines' | 'minChars' | 'maxTokens' | 'nearDuplicateThreshold' | 'minhashPermutations'>;

/** Tokens per shingle for MinHash. */
export const SHINGLE_SIZE = 3;
const MINHASH_SEED = 0x5eed;
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
   */
  addReal(record: BugRecord): void {
    const id = hash52(record.id);
    let structure: string | undefined;
    if (record.lang === 'python') {
      const parsed = this.parser.parse(record.func, record.lang, { maxIssues: 0, structure: true });
      structure = parsed.structure;
      this.originFacts.set(id, packFacts(parsed));
    } else {
      this.originCode.add(id, record.func, record.lang);
    }
    const code = codeHash(codeTokens(record.func, record.lang), structure);
    this.realCode.set(id, code);
    this.seenCode.set(code, SEEN_REAL);
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

  /** Decides one synthetic sample; `where` says where it came from (unit and row) for the rejection. */
  judge(raw: unknown, where: string): Verdict {
    const problem = malformation(raw);
    const reject = (reason: RejectReason, detail: string): Verdict => ({ rejected: { reason, detail, where, record: raw } });
    if (problem) return reject('malformed', problem);
    const record = raw as BugRecord;
    const { config } = this;

    const originKey = hash52(record.origin_id!);
    const originCode = this.realCode.get(originKey);
    if (originCode === undefined) return reject('unknown-origin', `origin_id ${record.origin_id} is not a function of the real data set (analyze's dataset/*.jsonl.gz); the sample can't be checked against its origin or kept in its origin's split`);

    const lines = countLines(record.func);
    const chars = record.func.trim().length;
    if (lines < config.minLines) return reject('too-short', `${lines} line${lines === 1 ? '' : 's'}, filtering.minLines is ${config.minLines}`);
    if (chars < config.minChars) return reject('too-short', `${chars} characters, filtering.minChars is ${config.minChars}`);
    const tokens = codeTokens(record.func, record.lang);
    if (tokens.length > config.maxTokens) return reject('too-long', `${tokens.length} tokens, filtering.maxTokens is ${config.maxTokens}`);

    const parsed = this.parser.parse(record.func, record.lang, { structure: record.lang === 'python' });
    const originIssues = parsed.errorCount > 0 ? this.origin(originKey).issues : 0;
    if (parsed.errorCount > originIssues) {
      const baseline = originIssues > 0 ? ` (its origin has ${originIssues}, which are tolerated)` : '';
      return reject('parse-error', `${parsed.errorCount} syntax issue${parsed.errorCount === 1 ? '' : 's'}${baseline}: ${parsed.errors.map(describeIssue).join('; ')}`);
    }
    const otherTopLevel = parsed.otherTopLevel.filter((type) => type !== 'ERROR');
    const shape = shapeHash(parsed);
    // Not one function, unless its origin already had that shape (e.g. an #ifdef'd signature: the grammar sees declarations and a block).
    if (shape !== ONE_FUNCTION && shape !== this.origin(originKey).shape) {
      const others = otherTopLevel.length > 0 ? ` and other top-level items (${[...new Set(otherTopLevel)].join(', ')})` : '';
      return reject('not-single-function', `${parsed.topLevelFunctionCount} top-level function definition${parsed.topLevelFunctionCount === 1 ? '' : 's'}${others}; expected exactly one function`);
    }

    const code = codeHash(tokens, parsed.structure);
    if (code === originCode) return reject('same-as-origin', `same code as its origin ${record.origin_id} once whitespace and comments are normalised`);
    const seen = this.seenCode.get(code);
    if (seen !== undefined) return reject('exact-duplicate', `same normalised code as ${seen === SEEN_REAL ? 'a real function of the data set' : 'an earlier kept synthetic sample'}`);

    if (this.nearDuplicates) {
      const signature = this.minHasher.signature(shingleHashes(tokens, SHINGLE_SIZE));
      const match = this.nearDuplicates.findMatch(signature);
      if (match) return reject('near-duplicate', `estimated Jaccard similarity ${match.similarity.toFixed(3)} with kept sample ${match.id} (filtering.nearDuplicateThreshold is ${config.nearDuplicateThreshold})`);
      this.nearDuplicates.add(signature, record.id);
    }
    this.seenCode.set(code, SEEN_SYNTHETIC);
    return { kept: record };
  }
}

/** The top-level shape the one-function check looks at: 0 for exactly one function and nothing else. */
const ONE_FUNCTION = 0;
function shapeHash(parsed: Pick<ParseResult, 'topLevelFunctionCount' | 'otherTopLevel'>): number {
  const others = parsed.otherTopLevel.filter((type) => type !== 'ERROR');
  if (parsed.topLevelFunctionCount === 1 && others.length === 0) return ONE_FUNCTION;
  return hashToken(`${parsed.topLevelFunctionCount}:${others.join(',')}`) || 1;
}

interface OriginFacts { issues: number; shape: number }
const MAX_ISSUES = 2 ** 20 - 1;
/** Issues (up to 2^20 − 1) and shape hash (32 bits) in one 52-bit table value. */
const packFacts = (parsed: Pick<ParseResult, 'errorCount' | 'topLevelFunctionCount' | 'otherTopLevel'>): number =>
  Math.min(parsed.errorCount, MAX_ISSUES) * 2 ** 32 + shapeHash(parsed);
const unpackFacts = (packed: number): OriginFacts => ({ issues: Math.floor(packed / 2 ** 32), shape: packed % 2 ** 32 });

/**
 * The hash that "same code" means: the code tokens (comments and layout dropped) and, for Python,
 * the syntax tree's shape, because there indentation is block structure that tokens don't show.
 */
const codeHash = (tokens: readonly string[], structure: string | undefined): number =>
  hash52(structure === undefined ? tokens.join(' ') : `${tokens.join(' ')}\u0000${structure}`);

const describeIssue = (issue: ParseIssue): string =>
  `line ${issue.line}:${issue.column} ${issue.kind === 'missing' ? `missing '${issue.text}'` : `unexpected '${issue.text}'`}`;

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
