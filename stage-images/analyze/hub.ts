// Downloads a data set's parquet files from the Hugging Face hub (or a mirror) into the artifact
// store's cache, once per (dataset, revision, path): a rerun, or another run, reads the cache.
//   listing:  <hub>/api/datasets/<name>/tree/<revision>?recursive=true   (paginated by Link headers)
//   file:     <hub>/datasets/<name>/resolve/<revision>/<path>
// HF_TOKEN (when set) goes in the Authorization header, for gated or private data sets.
// Requests, retries and stalls are the shared hub client's (../hub.ts).
import { Transform } from 'node:stream';
import type { Logger } from 'pino';
import { RetriesExhaustedError, describeError } from '../../core/retry.js';
import type { SplitName } from '../../core/records/record.js';
import { readJson, type ArtifactStore } from '../../core/store/store.js';
import { cacheKey } from '../../core/stage/layout.js';
import type { Progress } from '../../core/stage/progress.js';
import { HubHttpError, HubResponseError, hubGet, hubResolveUrl, hubTreeUrl, listHubFiles, type HubClientOptions } from '../hub.js';

/** The hub client's options (endpoint, token, attempts, timeouts) and which data set to cache. */
export interface HubOptions extends Omit<HubClientOptions, 'advice' | 'log'> {
  name: string;
  revision: string;
  log: Logger;
  progress: Progress;
}

export interface HubFile { path: string; size?: number; split: SplitName }
export interface CachedHubFile extends HubFile { key: string; downloaded: boolean }

/** The layout the hub's parquet conversion uses, for mirrors that have no listing API. */
export const CONVENTIONAL_LAYOUT: HubFile[] = (['train', 'validation', 'test'] as const).map((split) => ({ path: `data/${split}-00000-of-00001.parquet`, split }));

/** Which split a file belongs to, from its name (train…, valid…/validation…/dev…, test…). */
export function splitOfPath(path: string): SplitName | undefined {
  const name = path.toLowerCase().split('/').pop() ?? '';
  if (/(^|[^a-z])(train|training)([^a-z]|$)/.test(name)) return 'train';
  if (/(^|[^a-z])(valid|validation|dev)([^a-z]|$)/.test(name)) return 'validation';
  if (/(^|[^a-z])test([^a-z]|$)/.test(name)) return 'test';
  return undefined;
}

const repoOf = (o: HubOptions) => ({ type: 'dataset' as const, name: o.name });
export const treeUrl = (o: HubOptions) => hubTreeUrl(o.endpoint, repoOf(o), o.revision);
export const resolveUrl = (o: HubOptions, path: string) => hubResolveUrl(o.endpoint, repoOf(o), o.revision, path);
const cacheDir = (o: HubOptions) => cacheKey('hf', ...o.name.split('/').map(encodeURIComponent), encodeURIComponent(o.revision));

export class HubError extends Error {
  constructor(message: string, readonly status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HubError';
  }
}

function advice(url: string, status: number, o: HubOptions): string {
  if (status === 401 || status === 403) return `${url}: HTTP ${status}: the hub refused access; for a gated or private data set set HF_TOKEN to a token that can read ${o.name}`;
  if (status === 404) return `${url}: HTTP 404: no such data set or file; check dataset.name (${o.name}) and dataset.revision (${o.revision})`;
  return `${url}: HTTP ${status}`;
}

const client = (o: HubOptions): HubClientOptions => ({ ...o, advice: (status, url) => advice(url, status, o) });

/** The hub client's errors in this stage's words, keeping each one's cause. */
function hubError(url: string, error: unknown): unknown {
  if (error instanceof HubHttpError) return new HubError(error.message, error.status, { cause: error });
  if (error instanceof HubResponseError) return new HubError(error.message, undefined, { cause: error });
  if (error instanceof RetriesExhaustedError) {
    const status = error.cause instanceof HubHttpError ? error.cause.status : undefined;
    return new HubError(`${url}: failed after ${error.attempts} attempts (${describeError(error.cause)}); check the network or dataset.hubEndpoint, then run again`, status, { cause: error });
  }
  return error;
}

/** Lists the data set's parquet files by split, following the listing's pagination. */
export async function listParquetFiles(o: HubOptions): Promise<HubFile[]> {
  let entries;
  try {
    entries = await listHubFiles(client(o), repoOf(o), o.revision);
  } catch (error) {
    throw hubError(treeUrl(o), error);
  }
  const files: HubFile[] = [];
  for (const e of entries) {
    if (!e.path.endsWith('.parquet')) continue;
    const split = splitOfPath(e.path);
    if (split) files.push({ path: e.path, split, size: e.lfs?.size ?? e.size });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The data set's files, listed once per revision and cached beside the files. */
async function filesOf(store: ArtifactStore, o: HubOptions): Promise<HubFile[]> {
  const key = `${cacheDir(o)}/_files.json`;
  if (await store.exists(key)) return readJson<HubFile[]>(store, key);
  let files: HubFile[];
  try {
    files = await listParquetFiles(o);
  } catch (error) {
    if (!(error instanceof HubError) || error.status === 401 || error.status === 403) throw error;
    o.log.warn({ err: error.message }, `the hub listing failed; trying the conventional parquet layout (${CONVENTIONAL_LAYOUT.map((f) => f.path).join(', ')})`);
    return CONVENTIONAL_LAYOUT; // not cached: a guess, not a listing
  }
  if (!files.length) throw new HubError(`${o.name}@${o.revision} has no parquet files named by split (train/validation/test); pick another dataset.revision or use dataset.source uri`);
  await store.write(key, JSON.stringify(files, null, 2));
  return files;
}

/** Downloads one file into the store (unless cached), with byte progress; a partial download is never left behind. */
async function download(store: ArtifactStore, o: HubOptions, file: HubFile, key: string): Promise<void> {
  const url = resolveUrl(o, file.path);
  try {
    await hubGet(url, client(o), async (response, body) => {
      // A compressed transfer's content-length is not the file's size; the listing's size is.
      const length = response.headers.get('content-encoding') ? file.size : Number(response.headers.get('content-length')) || file.size;
      o.progress.phase(`downloading ${file.path}`, length);
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          o.progress.tick(chunk.length);
          done(null, chunk);
        },
      });
      body.on('error', (e) => count.destroy(e));
      const { size } = await store.write(key, body.pipe(count));
      if (length && size !== length) {
        await store.remove([key]);
        throw new Error(`got ${size} of ${length} bytes`);
      }
      o.log.info({ url, bytes: size, cache: store.uriOf(key) }, `downloaded ${file.path}`);
    });
  } catch (error) {
    throw hubError(url, error);
  }
}

/** Makes sure every parquet file of the data set is in the store's cache; returns where. */
export async function cacheHubDataset(store: ArtifactStore, o: HubOptions): Promise<CachedHubFile[]> {
  const files = await filesOf(store, o);
  const out: CachedHubFile[] = [];
  for (const file of files) {
    const key = `${cacheDir(o)}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    const cached = await store.exists(key);
    if (!cached) await download(store, o, file, key);
    else o.log.info({ cache: store.uriOf(key) }, `${file.path}: in the cache, not downloaded again`);
    out.push({ ...file, key, downloaded: !cached });
  }
  return out;
}
