// Runs one stage unit with the guarantees of ../shared/design.md "Artifacts":
// - input digest = stage version + its config + the manifests of what it reads;
// - an existing manifest with the same digest means the unit is done: skip (unless forced);
// - else, unless spec.cache is false, an earlier run's unit with the same digest is copied (run-cache.ts);
// - outputs go to a staging prefix, are moved into place, and `_manifest.json` is written last,
//   so a process killed at any point leaves no manifest and nothing half-written is ever read.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Readable } from 'node:stream';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { NotFoundError, readJson, type ArtifactStore } from '../store/store.js';
import { jsonLinesGzip, readJsonLines } from '../records/jsonl.js';
import { MANIFEST, STAGING, unitDir, type RunRef } from './layout.js';
import { digestOf, type Manifest, type ManifestFile } from './manifest.js';
import { createProgress, type Progress } from './progress.js';
import { indexPublished, reuseFromCache } from './run-cache.js';
import type { StageContext, StageDefinition, StageInputs, StageOutputs, UpstreamRef } from './definition.js';
import { BUGFORGE_VERSION } from '../version.js';

export interface ExecuteOptions {
  run: RunRef;
  spec: PipelineRunSpec;
  store: ArtifactStore;
  unit?: string;
  force?: boolean;
  log: Logger;
  progress?: Progress;
  signal?: AbortSignal;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
}

export interface ExecuteResult { status: 'succeeded' | 'cached'; manifest: Manifest }

export class MissingInputError extends Error {
  constructor(stage: StageName, unit: string | undefined, where: string) {
    super(`${stage}${unit ? ` ${unit}` : ''} has not been published (no ${where}): run that stage first`);
    this.name = 'MissingInputError';
  }
}

export async function readManifest(store: ArtifactStore, run: RunRef, stage: StageName, unit?: string): Promise<Manifest | undefined> {
  const key = `${unitDir(run, stage, unit)}/${MANIFEST}`;
  try {
    return await readJson<Manifest>(store, key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Expands an upstream reference to its units: a stage with units (generate) lists them from the spec. */
export function upstreamUnits(ref: UpstreamRef): (string | undefined)[] {
  return ref.units ?? [undefined];
}

/** The input digest of a unit: what it would compute from, including upstream manifests. */
async function inputDigest(def: StageDefinition, spec: PipelineRunSpec, inputs: StageInputs, unit?: string): Promise<string> {
  const upstream: unknown[] = [];
  for (const ref of def.reads(spec)) {
    for (const u of upstreamUnits(ref)) {
      const manifest = await inputs.manifest(ref.stage, u);
      upstream.push({ stage: ref.stage, unit: u, inputDigest: manifest.inputDigest, files: manifest.files.map((f) => [f.path, f.sha256]) });
    }
  }
  return digestOf({ stage: def.name, version: def.version, unit, config: def.config(spec, unit), upstream });
}

function inputsFor(store: ArtifactStore, run: RunRef): StageInputs {
  const key = (stage: StageName, path: string, unit?: string) => `${unitDir(run, stage, unit)}/${path}`;
  // Upstream manifests are immutable while a stage runs: each is read once (digest, totals, every file).
  const read = new Map<string, Promise<Manifest>>();
  const manifest = (stage: StageName, unit?: string): Promise<Manifest> => {
    const dir = unitDir(run, stage, unit);
    let m = read.get(dir);
    if (!m) {
      m = readManifest(store, run, stage, unit).then((found) => {
        if (!found) throw new MissingInputError(stage, unit, store.uriOf(`${dir}/${MANIFEST}`));
        return found;
      });
      read.set(dir, m);
    }
    return m;
  };
  const listed = async (stage: StageName, path: string, unit?: string) => {
    const m = await manifest(stage, unit);
    if (!m.files.some((f) => f.path === path)) throw new Error(`${stage}${unit ? ` ${unit}` : ''} published no file ${path} (it has: ${m.files.map((f) => f.path).join(', ')})`);
    return key(stage, path, unit);
  };
  return {
    manifest,
    key,
    async recordCount(stage: StageName, paths: string[], unit?: string) {
      const files = (await manifest(stage, unit)).files;
      let total = 0;
      for (const path of paths) {
        const records = files.find((f) => f.path === path)?.records;
        if (records === undefined) return undefined;
        total += records;
      }
      return total;
    },
    async *records<T>(stage: StageName, path: string, unit?: string) {
      yield* readJsonLines<T>(await store.read(await listed(stage, path, unit)));
    },
    async json<T>(stage: StageName, path: string, unit?: string) {
      return readJson<T>(store, await listed(stage, path, unit));
    },
    async stream(stage: StageName, path: string, unit?: string) {
      return store.read(await listed(stage, path, unit));
    },
  };
}

function outputsFor(store: ArtifactStore, staging: string, files: ManifestFile[]): StageOutputs {
  const put = async (path: string, body: Readable | string, records?: number | (() => number)) => {
    if (files.some((f) => f.path === path)) throw new Error(`output ${path} written twice`);
    const { size, sha256 } = await store.write(`${staging}/${path}`, body);
    const count = typeof records === 'function' ? records() : records;
    files.push({ path, size, sha256, ...(count !== undefined ? { records: count } : {}) });
  };
  return {
    async records(path, records) {
      let n = 0;
      await put(path, jsonLinesGzip(records, () => n++), () => n);
      return n;
    },
    json: (path, value) => put(path, JSON.stringify(value, null, 2) + '\n'),
    text: (path, text) => put(path, text),
    stream: (path, body, records) => put(path, body, records),
  };
}

/** Removes whatever a unit's directory holds (the stale manifest first), before a new attempt publishes. */
async function clearUnit(store: ArtifactStore, dir: string): Promise<void> {
  await store.remove([`${dir}/${MANIFEST}`]);
  const stale: string[] = [];
  for await (const o of store.list(dir + '/')) stale.push(o.key);
  await store.remove(stale);
}

/**
 * The unit's manifest when it is up to date (published from the same input digest), else
 * undefined: what executeStage would find before running anything. The local runner asks this
 * first, so an up-to-date stage costs no process. (Reuse from another run's cache is left to the
 * stage process, which copies the outputs.)
 */
export async function upToDateManifest(def: StageDefinition, options: Pick<ExecuteOptions, 'run' | 'spec' | 'store' | 'unit'>): Promise<Manifest | undefined> {
  const { run, spec, store, unit } = options;
  const existing = await readManifest(store, run, def.name, unit);
  if (!existing) return undefined;
  try {
    return existing.inputDigest === (await inputDigest(def, spec, inputsFor(store, run), unit)) ? existing : undefined;
  } catch (error) {
    if (error instanceof MissingInputError) return undefined; // an input is missing: the stage process will say so
    throw error;
  }
}

export async function executeStage(def: StageDefinition, options: ExecuteOptions): Promise<ExecuteResult> {
  const { run, spec, store, unit, log } = options;
  const now = options.now ?? (() => new Date());
  const dir = unitDir(run, def.name, unit);
  const inputs = inputsFor(store, run);
  const digest = await inputDigest(def, spec, inputs, unit);
  const existing = await readManifest(store, run, def.name, unit);
  if (existing && existing.inputDigest === digest && !options.force) {
    log.info({ stage: def.name, unit, manifest: store.uriOf(`${dir}/${MANIFEST}`) }, `${def.name}${unit ? ` ${unit}` : ''}: up to date, not run again`);
    return { status: 'cached', manifest: existing };
  }
  if (!options.force && spec.cache !== false) {
    const reused = await reuseFromCache(store, run, def.name, unit, digest, log, () => clearUnit(store, dir));
    if (reused) return { status: 'cached', manifest: reused };
  }

  const startedAt = now();
  await clearUnit(store, dir);
  const attempt = `${STAGING}/${startedAt.getTime()}-${randomBytes(4).toString('hex')}`;
  const staging = `${dir}/${attempt}`;
  const files: ManifestFile[] = [];
  const scratchDir = await mkdtemp(join(tmpdir(), `bugforge-${def.name}-`));
  const ctx: StageContext = {
    run, spec, store, unit, log,
    progress: options.progress ?? createProgress(log),
    signal: options.signal ?? new AbortController().signal,
    now,
    inputs,
    outputs: outputsFor(store, staging, files),
    scratchDir,
    env: options.env ?? process.env,
  };
  try {
    const outcome = await def.run(ctx);
    for (const f of files) await store.move(`${staging}/${f.path}`, `${dir}/${f.path}`);
    const finishedAt = now();
    const manifest: Manifest = {
      manifestVersion: 1,
      stage: def.name,
      ...(unit ? { unit } : {}),
      inputDigest: digest,
      files,
      counts: outcome.counts,
      headline: outcome.headline,
      summary: outcome.summary ?? {},
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      bugforgeVersion: BUGFORGE_VERSION,
    };
    await store.write(`${dir}/${MANIFEST}`, JSON.stringify(manifest, null, 2) + '\n');
    await indexPublished(store, run, def.name, unit, digest).catch((error: unknown) => log.warn({ err: error }, 'could not index the outputs for reuse by later runs'));
    return { status: 'succeeded', manifest };
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
    const leftovers: string[] = [];
    for await (const o of store.list(staging + '/')) leftovers.push(o.key);
    await store.remove(leftovers).catch(() => undefined);
  }
}
