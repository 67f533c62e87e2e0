// A run's artifacts as the dashboard lists them: each stage's (and batch's) manifest, its files
// with sizes, which are small enough to show inline; and the check that a requested file is one
// a manifest lists (nothing else under the store can be read through the dashboard).
import { STAGE_NAMES } from '../../api/v1alpha1/names.js';
import { MANIFEST, stageDir } from '../../core/stage/layout.js';
import type { Manifest } from '../../core/stage/manifest.js';
import { NotFoundError, readJson, type ArtifactStore } from '../../core/store/store.js';
import type { ArtifactsView, ArtifactUnit, GraphStage } from './model.js';
import { NotFound } from './source.js';

/** Files up to this size with these endings are shown on the page. */
export const INLINE_LIMIT = 256 * 1024;
const INLINE = /\.(json|md)$/;

async function manifestAt(store: ArtifactStore, key: string): Promise<Manifest | undefined> {
  try {
    return await readJson<Manifest>(store, key);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export async function listArtifacts(store: ArtifactStore, prefix: string, stages: GraphStage[]): Promise<ArtifactsView> {
  const units: ArtifactUnit[] = [];
  for (const s of stages) {
    if (s.disabledWhy) continue;
    for (const unit of s.units ? s.units.map((u) => u.unit) : [undefined]) {
      const dir = `${stageDir(s.stage as (typeof STAGE_NAMES)[number])}${unit ? `/${unit}` : ''}`;
      const manifest = await manifestAt(store, `${prefix}/${dir}/${MANIFEST}`);
      units.push({
        stage: s.stage, ...(unit ? { unit } : {}), dir, published: Boolean(manifest),
        ...(manifest ? { headline: manifest.headline, counts: manifest.counts, durationMs: manifest.durationMs } : {}),
        files: manifest ? [
          { path: MANIFEST, size: 0, inline: true },
          ...manifest.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, ...(f.records !== undefined ? { records: f.records } : {}), inline: INLINE.test(f.path) && f.size <= INLINE_LIMIT })),
        ] : [],
      });
    }
  }
  const evaluate = units.find((u) => u.stage === 'evaluate' && u.files.some((f) => f.path === 'report.html'));
  return { units, ...(evaluate ? { report: `${evaluate.dir}/report.html` } : {}) };
}

/** The store key of `path` (relative to the run prefix) when a published manifest lists it. */
export async function publishedKey(store: ArtifactStore, prefix: string, path: string): Promise<{ key: string; size?: number }> {
  const clean = path.split('/').filter(Boolean);
  if (clean.some((p) => p === '..' || p === '.') || clean.length < 2) throw new NotFound(`no artifact ${path}`);
  // <NN-stage>[/<unit>]/<file…>: try the unit folder first (generate's batches), then the stage's.
  for (const depth of [2, 1]) {
    if (clean.length <= depth) continue;
    const dir = clean.slice(0, depth).join('/');
    const file = clean.slice(depth).join('/');
    const manifest = await manifestAt(store, `${prefix}/${dir}/${MANIFEST}`);
    if (!manifest) continue;
    if (file === MANIFEST) return { key: `${prefix}/${dir}/${MANIFEST}` };
    const listed = manifest.files.find((f) => f.path === file);
    if (listed) return { key: `${prefix}/${dir}/${file}`, size: listed.size };
  }
  throw new NotFound(`no published artifact ${path} (only files a stage's manifest lists can be read)`);
}
