// Test helpers for the generate stage: fixture functions, a temp LocalStore run, analyze's
// outputs published through executeStage of a tiny stage definition (so manifests are real).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { PipelineRunSpec } from '../../../api/v1alpha1/spec.js';
import type { StageName } from '../../../api/v1alpha1/names.js';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { LocalStore } from '../../../core/store/local.js';
import { executeStage, type ExecuteResult } from '../../../core/stage/runtime.js';
import type { StageDefinition } from '../../../core/stage/definition.js';
import { unitDir, type RunRef } from '../../../core/stage/layout.js';
import { readJsonLines } from '../../../core/records/jsonl.js';
import type { BugRecord, Lang } from '../../../core/records/record.js';

export const silentLog = pino({ level: 'silent' });
const FIXTURES = fileURLToPath(new URL('../../fixtures/generate/', import.meta.url));

export interface Fixture { name: string; lang: Lang; func: string }

export async function fixtures(): Promise<Fixture[]> {
  const out: Fixture[] = [];
  for (const lang of ['c', 'python'] as const) {
    for (const file of (await readdir(join(FIXTURES, lang))).sort()) {
      out.push({ name: file, lang, func: await readFile(join(FIXTURES, lang, file), 'utf8') });
    }
  }
  return out;
}

export const realRecord = (f: Fixture, id = `real-${f.name}`): BugRecord => ({ id, func: f.func, label: 0, lang: f.lang, source: 'codexglue', project: 'fixture', commit_id: 'abc123', split: 'train' });

export interface TestRun { dir: string; store: LocalStore; run: RunRef; spec: PipelineRunSpec; cleanup(): Promise<void> }

export async function tempRun(spec: unknown = {}): Promise<TestRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-generate-'));
  return { dir, store: new LocalStore(dir), run: { namespace: 'test', name: 'run', uid: 'uid-1' }, spec: validateSpec(spec), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Publishes analyze's dataset files through executeStage, so they carry a real manifest. */
export async function publishAnalyze(t: TestRun, files: Record<string, unknown[]>): Promise<ExecuteResult> {
  const definition: StageDefinition = {
    name: 'analyze', description: 'test upstream', version: 'test', reads: () => [], config: () => files,
    async run(ctx) {
      for (const [path, records] of Object.entries(files)) await ctx.outputs.records(path, records);
      return { headline: 'test upstream', counts: {} };
    },
  };
  return executeStage(definition, { run: t.run, spec: t.spec, store: t.store, log: silentLog });
}

export async function readRecords<T>(t: TestRun, stage: StageName, path: string, unit?: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of readJsonLines<T>(await t.store.read(`${unitDir(t.run, stage, unit)}/${path}`))) out.push(r);
  return out;
}

/** A logger that keeps every line it writes (to assert what reaches the log, e.g. never a key). */
export function capturingLog(): { log: Logger; text(): string } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: pino({ level: 'debug' }, sink), text: () => lines.join('') };
}

/** Lines `first..last` (1-based) are where two texts differ: everything before and after is untouched. */
export function spanCoversChange(before: string, after: string, [first, last]: [number, number]): boolean {
  const a = before.split('\n');
  const b = after.split('\n');
  if (first < 1 || last < first || last > b.length) return false;
  const headSame = b.slice(0, first - 1).join('\n') === a.slice(0, first - 1).join('\n');
  const tailB = b.slice(last);
  const tailSame = tailB.length === 0 || a.slice(a.length - tailB.length).join('\n') === tailB.join('\n');
  return headSame && tailSame;
}
