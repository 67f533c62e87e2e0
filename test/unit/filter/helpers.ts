// Test helpers for the data stages: a temp LocalStore run, upstream units published through
// executeStage of a tiny stage definition (so manifests are real), and reading outputs back.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { PipelineRunSpec } from '../../../api/v1alpha1/spec.js';
import type { StageName } from '../../../api/v1alpha1/names.js';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { LocalStore } from '../../../core/store/local.js';
import { executeStage, type ExecuteResult } from '../../../core/stage/runtime.js';
import type { StageDefinition } from '../../../core/stage/definition.js';
import { unitDir, type RunRef } from '../../../core/stage/layout.js';
import { readJsonLines } from '../../../core/records/jsonl.js';
import { readText } from '../../../core/store/store.js';
import type { BugRecord, Lang } from '../../../core/records/record.js';

export const silentLog = pino({ level: 'silent' });
const FIXTURES = fileURLToPath(new URL('../../fixtures/filter/real/', import.meta.url));

export interface TestRun { dir: string; store: LocalStore; run: RunRef; spec: PipelineRunSpec; cleanup(): Promise<void> }

export async function tempRun(spec: unknown = {}): Promise<TestRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-test-'));
  return {
    dir,
    store: new LocalStore(dir),
    run: { namespace: 'test', name: 'run', uid: 'uid-1' },
    spec: validateSpec(spec),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Publishes fake upstream outputs as `stage` (unit) through executeStage, so they carry a real manifest. */
export async function publishUpstream(t: TestRun, stage: StageName, files: Record<string, unknown[]>, unit?: string): Promise<ExecuteResult> {
  const definition: StageDefinition = {
    name: stage,
    description: `test upstream ${stage}`,
    version: 'test',
    reads: () => [],
    config: () => files, // content in the digest: new content → a new manifest
    async run(ctx) {
      for (const [path, records] of Object.entries(files)) await ctx.outputs.records(path, records);
      return { headline: 'test upstream', counts: {} };
    },
  };
  return executeStage(definition, { run: t.run, spec: t.spec, store: t.store, unit, log: silentLog });
}

export const runStage = (t: TestRun, definition: StageDefinition, force = false): Promise<ExecuteResult> =>
  executeStage(definition, { run: t.run, spec: t.spec, store: t.store, log: silentLog, force });

export async function readOutput<T>(t: TestRun, stage: StageName, path: string, unit?: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of readJsonLines<T>(await t.store.read(`${unitDir(t.run, stage, unit)}/${path}`))) out.push(r);
  return out;
}

export const readOutputText = (t: TestRun, stage: StageName, path: string): Promise<string> =>
  readText(t.store, `${unitDir(t.run, stage)}/${path}`);

export const readOutputBytes = (t: TestRun, stage: StageName, path: string): Promise<Buffer> =>
  readFile(t.store.localPath(`${unitDir(t.run, stage)}/${path}`));

/** The real-looking functions under test/fixtures/filter/real/ as records (label 0, id real-<file name>). */
export async function fixtureFunctions(): Promise<BugRecord[]> {
  const files = (await readdir(FIXTURES)).sort();
  return Promise.all(files.map(async (file) => {
    const lang: Lang = extname(file) === '.py' ? 'python' : 'c';
    return { id: `real-${basename(file, extname(file))}`, func: await readFile(join(FIXTURES, file), 'utf8'), label: 0, lang, source: 'codexglue', project: 'fixture', split: 'train' } satisfies BugRecord;
  }));
}

/** A synthetic record made from `origin` with new code. */
export const synthetic = (origin: BugRecord, id: string, func: string, extra: Partial<BugRecord> = {}): BugRecord => ({
  id, func, label: 1, lang: origin.lang, source: 'synthetic', project: origin.project, origin_id: origin.id,
  bug_type: 'off-by-one', generator: { provider: 'test' }, ...extra,
});
