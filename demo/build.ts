// Builds the bugforge demo data set (train.jsonl, validation.jsonl, test.jsonl, provenance.tsv)
// from real code: C functions of the SQLite amalgamation (public domain), as shipped in the npm
// package better-sqlite3 (deps/sqlite3/sqlite3.c). Each chosen function appears twice: as written
// (target 0) and with one bug injected by bugforge's mutation engine (target 1), the two sharing a
// commit_id so that every split keeps twins together.
//
//   npx tsx demo/build.ts                      # fetches better-sqlite3 with `npm pack` (needs the npm registry)
//   npx tsx demo/build.ts path/to/sqlite3.c    # or from a copy at hand
//
// Deterministic: the same sqlite3.c gives the same files byte for byte.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUG_TYPES, type BugType } from '../api/v1alpha1/names.js';
import { loadCodeParser, type CodeParser } from '../core/code/parse.js';
import { codeTokens } from '../core/records/code-tokens.js';
import { hash32, mulberry32 } from '../core/random.js';
import { mutate } from '../stage-images/generate/mutation/engine.js';
import { loadTreeParser } from '../stage-images/generate/mutation/syntax-tree.js';

export const SQLITE_PACKAGE = 'better-sqlite3@12.11.1';
export const SQLITE_FILE = 'package/deps/sqlite3/sqlite3.c';
/** Function pairs (clean + buggy twin) in the set, and how they are split. */
export const PAIRS = 600;
export const splitOfPair = (k: number): DemoSplit => (k % 10 < 6 ? 'train' : k % 10 < 8 ? 'validation' : 'test');

export type DemoSplit = 'train' | 'validation' | 'test';
export interface DemoRow { idx: number; func: string; target: 0 | 1; project: string; commit_id: string; bug_type?: BugType }
export interface SourceFunction { name: string; line: number; code: string }

/** Functions worth showing a detector: one plain definition, 6–40 lines, 30–300 tokens, no preprocessor lines inside. */
export function extractFunctions(source: string, parser: CodeParser): SourceFunction[] {
  const found = parser.withTree(source, 'c', (root) => root.descendantsOfType('function_definition').flatMap((node) => {
    if (!node) return [];
    const declarator = node.childForFieldName('declarator');
    const name = declarator?.descendantsOfType('identifier')[0]?.text;
    return name ? [{ name, line: node.startPosition.row + 1, code: node.text + '\n' }] : [];
  }));
  const seen = new Set<string>();
  return found.filter((f) => {
    const lines = f.code.split('\n').length - 1;
    const tokens = codeTokens(f.code, 'c').length;
    if (lines < 6 || lines > 40 || tokens < 30 || tokens > 300 || /^\s*#/m.test(f.code) || seen.has(f.name)) return false;
    const parsed = parser.parse(f.code, 'c', { maxIssues: 0 });
    if (!parsed.ok || parsed.topLevelFunctionCount !== 1) return false;
    seen.add(f.name);
    return true;
  });
}

/** The pairs: functions in a seeded order, each with one injected bug (bug types taken in turn). */
export async function buildDemoRows(source: string, pairs = PAIRS): Promise<{ rows: Record<DemoSplit, DemoRow[]>; provenance: string[] }> {
  const parser = await loadCodeParser();
  const tree = await loadTreeParser();
  const functions = extractFunctions(source, parser).sort((a, b) => hash32('bugforge-demo', a.name) - hash32('bugforge-demo', b.name) || (a.name < b.name ? -1 : 1));
  const rows: Record<DemoSplit, DemoRow[]> = { train: [], validation: [], test: [] };
  const provenance = ['pair\tsplit\tfunction\tsqlite3.c line\tinjected bug'];
  let idx = 0, k = 0;
  for (const f of functions) {
    if (k === pairs) break;
    const order = BUG_TYPES.map((_, i) => BUG_TYPES[(i + k) % BUG_TYPES.length]);
    const outcome = mutate(tree, f.code, 'c', order, mulberry32(hash32('bugforge-demo-mutation', f.name)));
    if (!outcome.ok) continue;
    const split = splitOfPair(k);
    const commit = `sqlite-3.53.2-${f.name}`;
    rows[split].push({ idx: idx++, func: f.code, target: 0, project: 'sqlite', commit_id: commit });
    rows[split].push({ idx: idx++, func: outcome.source, target: 1, project: 'sqlite', commit_id: commit, bug_type: outcome.bugType });
    provenance.push(`${k}\t${split}\t${f.name}\t${f.line}\t${outcome.bugType}`);
    k++;
  }
  if (k < pairs) throw new Error(`only ${k} of ${pairs} functions took a bug; loosen the selection in extractFunctions`);
  return { rows, provenance };
}

export const toJsonLines = (rows: DemoRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

function sqliteSource(path: string | undefined): { text: string; from: string } {
  if (path) return { text: readFileSync(path, 'utf8'), from: path };
  const dir = mkdtempSync(join(tmpdir(), 'bugforge-demo-'));
  try {
    const tgz = execFileSync('npm', ['pack', SQLITE_PACKAGE, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', tgz, SQLITE_FILE], { cwd: dir });
    return { text: readFileSync(join(dir, SQLITE_FILE), 'utf8'), from: `${SQLITE_PACKAGE}:${SQLITE_FILE.replace(/^package\//, '')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { text, from } = sqliteSource(process.argv[2]);
  const { rows, provenance } = await buildDemoRows(text);
  for (const split of ['train', 'validation', 'test'] as const) {
    writeFileSync(new URL(`./${split}.jsonl`, import.meta.url), toJsonLines(rows[split]));
    console.log(`demo/${split}.jsonl: ${rows[split].length} functions`);
  }
  const digest = createHash('sha256').update(text).digest('hex');
  writeFileSync(new URL('./provenance.tsv', import.meta.url), `# from ${from} (sha256 ${digest}), SQLite 3.53.2, public domain\n${provenance.join('\n')}\n`);
}
