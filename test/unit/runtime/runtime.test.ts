// The stage runtime's guarantees, on both store implementations: atomic publish (a stage that
// throws or is killed half-way publishes no manifest, and the next attempt cleans up after it),
// skip on an equal input digest, rerun on a changed config or a changed upstream, and --force.
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import type { PipelineRunSpec } from '../../../api/v1alpha1/spec.js';
import type { StageDefinition } from '../../../core/stage/definition.js';
import { MANIFEST, STAGING, unitDir, type RunRef } from '../../../core/stage/layout.js';
import { executeStage, MissingInputError, readManifest } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';
import { S3Store } from '../../../core/store/s3.js';
import { readJson, type ArtifactStore } from '../../../core/store/store.js';
import { startS3, type TestS3 } from '../../support/s3.js';

const log = pino({ level: 'silent' });
// These tests are about one run's units: caching across runs (run-cache.test.ts) is off, or a fresh run would reuse the last one's.
const specWith = (limit = 0): PipelineRunSpec => validateSpec({ cache: false, dataset: { source: 'demo', limit } });

const keysUnder = async (store: ArtifactStore, prefix: string) => {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key.slice(prefix.length));
  return keys;
};

/** An upstream stage: writes records and a JSON file, optionally fails after writing them. */
function upstream(behaviour: { fail?: boolean; rows?: string[] } = {}): StageDefinition & { runs: number } {
  const def = {
    runs: 0,
    name: 'analyze' as const,
    description: 'test upstream',
    version: '1',
    reads: () => [],
    config: (spec: PipelineRunSpec) => ({ limit: spec.dataset.limit }),
    async run(ctx: Parameters<StageDefinition['run']>[0]) {
      def.runs++;
      const n = await ctx.outputs.records('dataset/train.jsonl.gz', (behaviour.rows ?? ['a', 'b', 'c']).map((id) => ({ id })));
      await ctx.outputs.json('analysis.json', { n });
      if (behaviour.fail) throw new Error('upstream broke after writing');
      return { headline: `${n} rows`, counts: { rows: n } };
    },
  };
  return def;
}

/** A downstream stage that reads the upstream's records. */
function downstream(): StageDefinition & { runs: number; seen: string[] } {
  const def = {
    runs: 0,
    seen: [] as string[],
    name: 'merge' as const,
    description: 'test downstream',
    version: '1',
    reads: () => [{ stage: 'analyze' as const }],
    config: () => ({}),
    async run(ctx: Parameters<StageDefinition['run']>[0]) {
      def.runs++;
      def.seen = [];
      for await (const r of ctx.inputs.records<{ id: string }>('analyze', 'dataset/train.jsonl.gz')) def.seen.push(r.id);
      await ctx.outputs.json('out.json', { seen: def.seen });
      return { headline: 'merged', counts: { rows: def.seen.length } };
    },
  };
  return def;
}

let s3: TestS3 | undefined;
const localDirs: string[] = [];
async function makeLocal(): Promise<{ store: ArtifactStore; uri: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-runtime-'));
  localDirs.push(dir);
  return { store: new LocalStore(dir), uri: dir, env: {} };
}
async function makeS3(): Promise<{ store: ArtifactStore; uri: string; env: Record<string, string> }> {
  s3 ??= await startS3({ buckets: ['runs'] });
  const prefix = `t${Date.now()}${Math.random().toString(36).slice(2, 6)}`;
  return { store: new S3Store({ bucket: 'runs', prefix, endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey }), uri: `s3://runs/${prefix}`, env: s3.env };
}
afterAll(async () => {
  await s3?.stop();
  await Promise.all(localDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe.each([['LocalStore', makeLocal], ['S3Store (s3rver)', makeS3]] as const)('stage runtime on %s', (_name, make) => {
  let store: ArtifactStore;
  let uri: string;
  let env: Record<string, string>;
  let n = 0;
  let run: RunRef;
  beforeAll(async () => {
    ({ store, uri, env } = await make());
  });
  const freshRun = () => (run = { namespace: 'test', name: `run${n++}`, uid: 'u1' });

  it('publishes outputs with sizes, checksums and record counts, manifest last', async () => {
    freshRun();
    const result = await executeStage(upstream(), { run, spec: specWith(), store, log });
    expect(result.status).toBe('succeeded');
    const dir = unitDir(run, 'analyze');
    expect(await keysUnder(store, dir + '/')).toEqual([MANIFEST, 'analysis.json', 'dataset/train.jsonl.gz']);
    const manifest = await readJson<typeof result.manifest>(store, `${dir}/${MANIFEST}`);
    expect(manifest.files.map((f) => [f.path, f.records])).toEqual([['dataset/train.jsonl.gz', 3], ['analysis.json', undefined]]);
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0)).toBe(true);
    expect(manifest.counts).toEqual({ rows: 3 });
    expect(manifest.inputDigest).toMatch(/^sha256:/);
    // No empty staging directories left behind where directories exist (keys only on S3).
    const local = store.localPath?.(dir);
    if (local) expect(readdirSync(local).sort()).toEqual([MANIFEST, 'analysis.json', 'dataset']);
  });

  it('skips a unit whose input digest is unchanged, reruns it on a changed config, and on force', async () => {
    freshRun();
    const def = upstream();
    expect((await executeStage(def, { run, spec: specWith(0), store, log })).status).toBe('succeeded');
    const first = await readManifest(store, run, 'analyze');
    expect((await executeStage(def, { run, spec: specWith(0), store, log })).status).toBe('cached');
    expect(def.runs).toBe(1);
    expect(await readManifest(store, run, 'analyze')).toEqual(first);

    const changed = await executeStage(def, { run, spec: specWith(5), store, log });
    expect(changed.status).toBe('succeeded');
    expect(def.runs).toBe(2);
    expect(changed.manifest.inputDigest).not.toBe(first!.inputDigest);

    expect((await executeStage(def, { run, spec: specWith(5), store, log, force: true })).status).toBe('succeeded');
    expect(def.runs).toBe(3);
  });

  it('reruns a downstream unit when its upstream publishes different outputs', async () => {
    freshRun();
    const down = downstream();
    await executeStage(upstream({ rows: ['a', 'b'] }), { run, spec: specWith(), store, log });
    await executeStage(down, { run, spec: specWith(), store, log });
    expect(down.seen).toEqual(['a', 'b']);
    expect((await executeStage(down, { run, spec: specWith(), store, log })).status).toBe('cached');
    await executeStage(upstream({ rows: ['a', 'b', 'x'] }), { run, spec: specWith(), store, log, force: true });
    expect((await executeStage(down, { run, spec: specWith(), store, log })).status).toBe('succeeded');
    expect(down.seen).toEqual(['a', 'b', 'x']);
  });

  it('refuses to run a unit whose upstream was never published, saying which to run first', async () => {
    freshRun();
    await expect(executeStage(downstream(), { run, spec: specWith(), store, log })).rejects.toThrow(MissingInputError);
    await expect(executeStage(downstream(), { run, spec: specWith(), store, log })).rejects.toThrow(/analyze has not been published .*run that stage first/);
  });

  it('publishes nothing when the stage throws after writing outputs (and removes its staging)', async () => {
    freshRun();
    await executeStage(upstream(), { run, spec: specWith(), store, log });
    await expect(executeStage(upstream({ fail: true }), { run, spec: specWith(3), store, log })).rejects.toThrow('upstream broke');
    const dir = unitDir(run, 'analyze');
    expect(await readManifest(store, run, 'analyze')).toBeUndefined(); // the old manifest is gone too: nothing stale is read
    expect(await keysUnder(store, dir + '/')).toEqual([]);
    await expect(executeStage(downstream(), { run, spec: specWith(), store, log })).rejects.toThrow(MissingInputError);
  });

  it('publishes nothing when the stage process is killed half-way; the next attempt cleans its staging and publishes', async () => {
    const killed: RunRef = { namespace: 'test', name: 'killed', uid: 'u1' };
    const tsx = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', tsx, fileURLToPath(new URL('./killed-stage.child.ts', import.meta.url)), uri], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    });
    let wrote = false;
    child.on('message', (m) => (wrote ||= m === 'outputs-written'));
    const signal = await new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, sig) => done(sig)));
    expect(signal).toBe('SIGKILL');
    expect(wrote).toBe(true);

    const dir = unitDir(killed, 'analyze');
    const left = await keysUnder(store, dir + '/');
    expect(left.length).toBeGreaterThan(0); // half-written outputs are there …
    expect(left.every((k) => k.startsWith(`${STAGING}/`))).toBe(true); // … but only under staging
    expect(await readManifest(store, killed, 'analyze')).toBeUndefined();
    await expect(executeStage(downstream(), { run: killed, spec: specWith(), store, log })).rejects.toThrow(MissingInputError);

    const retry = await executeStage(upstream(), { run: killed, spec: specWith(), store, log });
    expect(retry.status).toBe('succeeded');
    expect(await keysUnder(store, dir + '/')).toEqual([MANIFEST, 'analysis.json', 'dataset/train.jsonl.gz']);
  });
});
