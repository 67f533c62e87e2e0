// What the filter's checks need to know about one synthetic sample on its own — sizes, its parse,
// its normalised-code hash, its MinHash signature — computed by a pure function so that the
// parse-heavy part can run on worker threads (facts-pool.ts) while the checks against the
// indexes (origins, duplicates) stay in order on the main thread (judge.ts). The facts stop where
// a size check already rejects the sample: a too-long function is never parsed.
import type { BugRecord } from '../../core/records/record.js';
import { codeTokens, countLines } from '../../core/records/code-tokens.js';
import type { CodeParser, ParseIssue, ParseResult } from '../../core/code/parse.js';
import { hash52 } from '../../core/collections/number-table.js';
import { hashToken, shingleHashes, type MinHasher } from './minhash.js';
import type { FilteringSpec } from '../../api/v1alpha1/spec.js';

export type FilterConfig = Pick<FilteringSpec, 'minLines' | 'minChars' | 'maxTokens' | 'nearDuplicateThreshold' | 'minhashPermutations'>;

/** Seed of the MinHash permutations (the same on every thread: signatures are compared across them). */
export const MINHASH_SEED = 0x5eed;

/** Tokens per shingle for MinHash. */
export const SHINGLE_SIZE = 3;

export interface SampleFacts {
  lines: number;
  chars: number;
  /** Set when the sample passes the size limits (minLines, minChars). */
  tokenCount?: number;
  /** The code tokens, when asked for (on the main thread, for a signature computed only if needed). */
  tokens?: string[];
  /** Set when it also passes maxTokens. */
  parsed?: {
    errorCount: number;
    /** The first issues, worded for the rejection detail. */
    errors: string[];
    /** shapeHash: ONE_FUNCTION for exactly one function and nothing else. */
    shape: number;
    topLevelFunctionCount: number;
    /** Other top-level node types, ERROR excluded. */
    otherTopLevel: string[];
    /** codeHash of the sample: tokens, and for Python the tree's block structure. */
    code: number;
    /** MinHash signature of its token shingles, when near-duplicate removal is on. */
    signature?: Uint32Array;
  };
}

/** The top-level shape the one-function check looks at: 0 for exactly one function and nothing else. */
export const ONE_FUNCTION = 0;
function shapeHash(parsed: Pick<ParseResult, 'topLevelFunctionCount' | 'otherTopLevel'>): number {
  const others = parsed.otherTopLevel.filter((type) => type !== 'ERROR');
  if (parsed.topLevelFunctionCount === 1 && others.length === 0) return ONE_FUNCTION;
  return hashToken(`${parsed.topLevelFunctionCount}:${others.join(',')}`) || 1;
}

/**
 * The hash that "same code" means: the code tokens (comments and layout dropped) and, for Python,
 * the syntax tree's shape, because there indentation is block structure that tokens don't show.
 */
const codeHash = (tokens: readonly string[], structure: string | undefined): number =>
  hash52(structure === undefined ? tokens.join(' ') : `${tokens.join(' ')}\u0000${structure}`);

const describeIssue = (issue: ParseIssue): string =>
  `line ${issue.line}:${issue.column} ${issue.kind === 'missing' ? `missing '${issue.text}'` : `unexpected '${issue.text}'`}`;

/** The facts of one well-formed synthetic sample (see malformation() in judge.ts): only its code and language count. */
export function sampleFacts(record: Pick<BugRecord, 'func' | 'lang'>, parser: CodeParser, config: FilterConfig, minHasher: MinHasher | undefined, keepTokens = false): SampleFacts {
  const lines = countLines(record.func);
  const chars = record.func.trim().length;
  if (lines < config.minLines || chars < config.minChars) return { lines, chars };
  const tokens = codeTokens(record.func, record.lang);
  if (tokens.length > config.maxTokens) return { lines, chars, tokenCount: tokens.length };
  const parsed = parser.parse(record.func, record.lang, { structure: record.lang === 'python' });
  return {
    lines, chars, tokenCount: tokens.length,
    ...(keepTokens ? { tokens } : {}),
    parsed: {
      errorCount: parsed.errorCount,
      errors: parsed.errors.map(describeIssue),
      shape: shapeHash(parsed),
      topLevelFunctionCount: parsed.topLevelFunctionCount,
      otherTopLevel: parsed.otherTopLevel.filter((type) => type !== 'ERROR'),
      code: codeHash(tokens, parsed.structure),
      ...(minHasher ? { signature: minHasher.signature(shingleHashes(tokens, SHINGLE_SIZE)) } : {}),
    },
  };
}

/** A real function's facts for the indexes: its code hash and, for Python (parsed anyway for its
 * block structure), its origin facts packed by packFacts. A C function is not parsed here. */
export interface RealFacts { code: number; packed?: number }

export function realFacts(record: Pick<BugRecord, 'func' | 'lang'>, parser: CodeParser): RealFacts {
  if (record.lang !== 'python') return { code: codeHash(codeTokens(record.func, record.lang), undefined) };
  const parsed = parser.parse(record.func, record.lang, { maxIssues: 0, structure: true });
  return { code: codeHash(codeTokens(record.func, record.lang), parsed.structure), packed: packFacts(parsed) };
}

const MAX_ISSUES = 2 ** 20 - 1;
/** Issues (up to 2^20 − 1) and shape hash (32 bits) in one 52-bit table value. */
export const packFacts = (parsed: Pick<ParseResult, 'errorCount' | 'topLevelFunctionCount' | 'otherTopLevel'>): number =>
  Math.min(parsed.errorCount, MAX_ISSUES) * 2 ** 32 + shapeHash(parsed);
