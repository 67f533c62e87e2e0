// Builds the bugforge demo data set (train.jsonl, validation.jsonl, test.jsonl) from the
// hand-written templates in source/. Run after editing a template:  npx tsx demo/build.ts
// The output uses CodeXGLUE's row shape ({idx, func, target, project, commit_id} + lang), so the
// analyze stage loads it through the same code path as the real data set.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { C_TEMPLATES, type FunctionTemplate } from './source/c-functions.js';
import { PYTHON_TEMPLATES } from './source/python-functions.js';

export interface DemoRow { idx: number; func: string; target: 0 | 1; project: string; commit_id: string; lang?: 'python' }
export type DemoSplit = 'train' | 'validation' | 'test';

/** Naming variants: the same function as it might appear in three different code bases. */
const C_VARIANTS: Record<string, string>[] = [
  { p: 'bf', ctx: 'BfContext', buf: 'buf', len: 'len', u8: 'uint8_t' },
  { p: 'io', ctx: 'IOState', buf: 'data', len: 'size', u8: 'unsigned char' },
  { p: 'net', ctx: 'NetConn', buf: 'payload', len: 'n', u8: 'uint8_t' },
];
const PYTHON_VARIANTS: Record<string, string>[] = [{ p: 'bf' }, { p: 'io' }];

/** Expands «clean¦buggy» markers and %name% placeholders. */
export function expandTemplate(code: string, buggy: boolean, vars: Record<string, string>): string {
  const chosen = code.replace(/«([^«»]*)¦([^«»]*)»/g, (_, clean: string, bug: string) => (buggy ? bug : clean));
  return chosen.replace(/%([a-z0-9]+)%/g, (whole, name: string) => vars[name] ?? whole);
}

/** The split of a template: whole templates (all variants, clean and buggy) stay in one split. */
export const templateSplit = (index: number): DemoSplit => (index % 10 === 3 ? 'validation' : index % 10 === 7 ? 'test' : 'train');

export function buildDemoRows(): Record<DemoSplit, DemoRow[]> {
  const rows: Record<DemoSplit, DemoRow[]> = { train: [], validation: [], test: [] };
  let idx = 0;
  const add = (templates: FunctionTemplate[], variants: Record<string, string>[]) => {
    templates.forEach((t, i) => {
      if (!/«[^«»]*¦[^«»]*»/.test(t.code)) throw new Error(`demo template ${t.name} has no «clean¦buggy» marker`);
      variants.forEach((vars, v) => {
        for (const target of [0, 1] as const) {
          const func = expandTemplate(t.code, target === 1, vars);
          if (/%[a-z0-9]+%|[«¦»]/.test(func)) throw new Error(`demo template ${t.name}: unexpanded placeholder in variant ${v}`);
          rows[templateSplit(i)].push({
            idx: idx++, func, target, project: 'bugforge-demo',
            commit_id: `demo-${t.name}-v${v}`, ...(t.lang === 'python' ? { lang: 'python' as const } : {}),
          });
        }
      });
    });
  };
  add(C_TEMPLATES, C_VARIANTS);
  add(PYTHON_TEMPLATES, PYTHON_VARIANTS);
  return rows;
}

export const toJsonLines = (rows: DemoRow[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = buildDemoRows();
  for (const split of ['train', 'validation', 'test'] as const) {
    writeFileSync(new URL(`./${split}.jsonl`, import.meta.url), toJsonLines(rows[split]));
    console.log(`demo/${split}.jsonl: ${rows[split].length} functions`);
  }
}
