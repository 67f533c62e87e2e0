// The shipped demo set (demo/build.ts from SQLite's public-domain amalgamation): real functions
// with one injected bug each, twins (same commit_id, one clean one buggy) always in one split, a
// test split big enough to measure (≥ 200 rows), every function one C definition that parses, and
// provenance.tsv naming each pair's function, source line and bug. The build's own selection and
// pairing rules are checked on a small C file, since sqlite3.c itself is not in the repository.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCodeParser } from '../../../core/code/parse.js';
import { buildDemoRows, extractFunctions, splitOfPair, type DemoRow } from '../../../demo/build.js';

const splits = ['train', 'validation', 'test'] as const;
const shipped = Object.fromEntries(splits.map((s) => [s, readFileSync(new URL(`../../../demo/${s}.jsonl`, import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DemoRow)])) as Record<(typeof splits)[number], DemoRow[]>;
const all = splits.flatMap((s) => shipped[s]);
const provenance = readFileSync(new URL('../../../demo/provenance.tsv', import.meta.url), 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')).slice(1).map((l) => l.split('\t'));

describe('demo data set (SQLite functions with injected bugs)', () => {
  it('is big enough to measure: ≥ 200 test rows, half buggy in every split, unique ids', () => {
    expect(shipped.test.length).toBeGreaterThanOrEqual(200);
    for (const s of splits) expect(shipped[s].filter((r) => r.target === 1).length * 2).toBe(shipped[s].length);
    expect(new Set(all.map((r) => r.idx)).size).toBe(all.length);
    expect(all.every((r) => r.project === 'sqlite')).toBe(true);
  });

  it('keeps each clean function and its buggy twin together, in one split, and they differ', () => {
    const byCommit = new Map<string, { split: string; rows: DemoRow[] }>();
    for (const s of splits) {
      for (const r of shipped[s]) {
        const e = byCommit.get(r.commit_id) ?? { split: s, rows: [] };
        expect(e.split, r.commit_id).toBe(s);
        e.rows.push(r);
        byCommit.set(r.commit_id, e);
      }
    }
    for (const [commit, { rows }] of byCommit) {
      expect(rows.map((r) => r.target).sort(), commit).toEqual([0, 1]);
      expect(rows[0].func, commit).not.toBe(rows[1].func);
      expect(rows.find((r) => r.target === 1)!.bug_type, commit).toBeTruthy();
    }
  });

  it('provenance.tsv names every pair: its split, function, sqlite3.c line and injected bug', () => {
    expect(readFileSync(new URL('../../../demo/provenance.tsv', import.meta.url), 'utf8')).toMatch(/^# from better-sqlite3@12\.11\.1:deps\/sqlite3\/sqlite3\.c \(sha256 [0-9a-f]{64}\), SQLite 3\.53\.2, public domain/);
    expect(provenance.length * 2).toBe(all.length);
    for (const [pair, split, name, line, bug] of provenance) {
      expect(splitOfPair(Number(pair))).toBe(split);
      const rows = shipped[split as (typeof splits)[number]].filter((r) => r.commit_id === `sqlite-3.53.2-${name}`);
      expect(rows.length, name).toBe(2);
      expect(Number(line)).toBeGreaterThan(0);
      expect(rows.find((r) => r.target === 1)!.bug_type).toBe(bug);
      expect(rows.find((r) => r.target === 0)!.func).toContain(name);
    }
  });

  it('every function is one C definition; the buggy twin adds no syntax error', async () => {
    const parser = await loadCodeParser();
    for (const r of all) {
      const p = parser.parse(r.func, 'c', { maxIssues: 0 });
      expect(p.topLevelFunctionCount, r.commit_id).toBe(1);
      if (r.target === 0) expect(p.ok, `${r.commit_id}:\n${r.func}`).toBe(true);
      else expect(p.errorCount, r.commit_id).toBe(0);
    }
  });

  it('the build takes plain 6–40 line functions from a C file and pairs each with a mutant (checked on a small file)', async () => {
    const body = (name: string, n: number) => `static int ${name}(int *a, int n){\n  int i, s = 0;\n${Array.from({ length: n }, (_, k) => `  if (a[${k}] < n) s += a[${k}] + ${k};`).join('\n')}\n  for (i = 0; i < n; i++) s += a[i];\n  return s;\n}\n`;
    const source = [
      body('kept_one', 6), body('too_short', 0).replace(/ {2}for.*\n/, ''), body('too_long', 50),
      '#ifdef X\n' + body('inside_ifdef', 6) + '#endif\n', 'static int with_pp(int n){\n#if A\n  n++;\n#endif\n  n += 2;\n  n *= 3;\n  n -= 1;\n  return n;\n}\n',
    ].join('\n');
    const parser = await loadCodeParser();
    const names = extractFunctions(source, parser).map((f) => f.name);
    // functions inside #ifdef blocks are found; preprocessor lines inside a body, too short or too long ones are not
    expect(names.sort()).toEqual(['inside_ifdef', 'kept_one']);
    const built = await buildDemoRows(source, 2);
    const rows = splits.flatMap((s) => built.rows[s]);
    expect(rows.length).toBe(4);
    expect(rows.filter((r) => r.target === 1).every((r) => r.bug_type)).toBe(true);
    expect(await buildDemoRows(source, 2)).toEqual(built); // deterministic
  });
});
