// The shipped demo set: equal to what demo/build.ts makes from its templates, big enough,
// balanced, split by template (no variant of a function in two splits), and every function —
// clean and buggy — parses as real C / Python (tree-sitter).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it, beforeAll } from 'vitest';
import { Language, Parser } from 'web-tree-sitter';
import { buildDemoRows, toJsonLines, type DemoRow } from '../../../demo/build.js';

const require = createRequire(import.meta.url);
const shipped = (split: string): string => readFileSync(new URL(`../../../demo/${split}.jsonl`, import.meta.url), 'utf8');
const splits = ['train', 'validation', 'test'] as const;

describe('demo data set', () => {
  const rows = buildDemoRows();
  const all: DemoRow[] = splits.flatMap((s) => rows[s]);

  it('is what demo/build.ts makes from the templates (rebuild after editing a template)', () => {
    for (const s of splits) expect(shipped(s)).toBe(toJsonLines(rows[s]));
  });

  it('has at least 150 functions, half of them buggy in every split, C and Python', () => {
    expect(all.length).toBeGreaterThanOrEqual(150);
    for (const s of splits) {
      expect(rows[s].filter((r) => r.target === 1).length * 2).toBe(rows[s].length);
      expect(rows[s].some((r) => r.lang === 'python')).toBe(true);
      expect(rows[s].some((r) => r.lang === undefined)).toBe(true);
    }
    expect(new Set(all.map((r) => r.idx)).size).toBe(all.length);
  });

  it('keeps every template (all its variants) in one split', () => {
    const splitOf = new Map<string, string>();
    for (const s of splits) {
      for (const r of rows[s]) {
        const template = r.commit_id.replace(/-v\d+$/, '');
        expect(splitOf.get(template) ?? s).toBe(s);
        splitOf.set(template, s);
      }
    }
  });

  it('differs between the clean and the buggy version of each function', () => {
    const byCommit = new Map<string, DemoRow[]>();
    for (const r of all) byCommit.set(r.commit_id, [...(byCommit.get(r.commit_id) ?? []), r]);
    for (const [commit, pair] of byCommit) {
      expect(pair.map((r) => r.target).sort(), commit).toEqual([0, 1]);
      expect(pair[0].func, commit).not.toBe(pair[1].func);
    }
  });

  describe('parses with tree-sitter', () => {
    const parsers: Record<'c' | 'python', Parser> = {} as Record<'c' | 'python', Parser>;
    beforeAll(async () => {
      await Parser.init();
      for (const [lang, pkg] of [['c', 'tree-sitter-c/tree-sitter-c.wasm'], ['python', 'tree-sitter-python/tree-sitter-python.wasm']] as const) {
        const parser = new Parser();
        parser.setLanguage(await Language.load(require.resolve(pkg)));
        parsers[lang] = parser;
      }
    });

    it('every function is one function definition without syntax errors', () => {
      for (const r of all) {
        const tree = parsers[r.lang ?? 'c'].parse(r.func)!;
        const root = tree.rootNode;
        expect(root.hasError, `${r.commit_id} target ${r.target}:\n${r.func}`).toBe(false);
        const defs = root.namedChildren.filter((n) => n && n.type === 'function_definition');
        expect(defs.length, r.commit_id).toBe(1);
        tree.delete();
      }
    });
  });
});
