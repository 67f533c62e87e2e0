// Caching across runs (Kubeflow's default, Argo's memoize): a published unit is indexed by its input
// digest under the store's prefix, per namespace — cache/stages/<namespace>/<digest>.json points at
// the run that published it. A later run whose unit has the same digest copies those outputs into
// its own directory (so everything downstream reads its own run, as always) and publishes a manifest
// that says where they came from. `spec.cache: false` turns the lookup off.
import type { Logger } from 'pino';
import type { StageName } from '../../api/v1alpha1/names.js';
import { NotFoundError, readJson, type ArtifactStore } from '../store/store.js';
import { MANIFEST, cacheKey, unitDir, type RunRef } from './layout.js';
import type { Manifest } from './manifest.js';

/** Stages whose outputs do not name their run (evaluate's report carries the run's name and URIs: never shared). */
export const SHARED_ACROSS_RUNS: ReadonlySet<StageName> = new Set(['analyze', 'generate', 'filter', 'merge', 'train']);

export interface CacheEntry { run: RunRef; dir: string; publishedAt: string }

const entryKey = (namespace: string, digest: string) => cacheKey('stages', namespace, `${digest.replace(/^sha256:/, '')}.json`);

async function readOrUndefined<T>(store: ArtifactStore, key: string): Promise<T | undefined> {
  try {
    return await readJson<T>(store, key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Records that `run` published the unit with this digest (last writer wins; any of them is as good). */
export async function indexPublished(store: ArtifactStore, run: RunRef, stage: StageName, unit: string | undefined, digest: string): Promise<void> {
  if (!SHARED_ACROSS_RUNS.has(stage)) return;
  const entry: CacheEntry = { run, dir: unitDir(run, stage, unit), publishedAt: new Date().toISOString() };
  await store.write(entryKey(run.namespace, digest), JSON.stringify(entry) + '\n');
}

/**
 * The unit's outputs from an earlier run with the same input digest, copied into this run's unit
 * directory, with the manifest published last; undefined when there is none (or it is gone).
 */
export async function reuseFromCache(store: ArtifactStore, run: RunRef, stage: StageName, unit: string | undefined, digest: string, log: Logger, clearUnit: () => Promise<void>): Promise<Manifest | undefined> {
  if (!SHARED_ACROSS_RUNS.has(stage)) return undefined;
  const entry = await readOrUndefined<CacheEntry>(store, entryKey(run.namespace, digest));
  if (!entry || (entry.run.uid === run.uid && entry.run.name === run.name)) return undefined;
  const source = await readOrUndefined<Manifest>(store, `${entry.dir}/${MANIFEST}`);
  if (!source || source.inputDigest !== digest) return undefined; // deleted or redone since: compute
  const dir = unitDir(run, stage, unit);
  await clearUnit(); // a stale manifest of this run's own goes first
  try {
    for (const file of source.files) await store.write(`${dir}/${file.path}`, await store.read(`${entry.dir}/${file.path}`));
  } catch (error) {
    if (error instanceof NotFoundError) return undefined; // removed while we copied
    throw error;
  }
  const cachedFrom = `${entry.run.namespace}/${entry.run.name}`;
  const manifest: Manifest = { ...source, cachedFrom, cachedFromUid: entry.run.uid };
  await store.write(`${dir}/${MANIFEST}`, JSON.stringify(manifest, null, 2) + '\n');
  log.info({ stage, unit, cachedFrom, from: store.uriOf(entry.dir) }, `${stage}${unit ? ` ${unit}` : ''}: reused the outputs of run ${cachedFrom} (same input digest ${digest.slice(0, 19)}…)`);
  return manifest;
}
