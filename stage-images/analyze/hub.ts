// Downloads a data set's parquet files from the Hugging Face hub (or a mirror) into the artifact
// store's cache, once per (dataset, revision, path): a rerun, or another run, reads the cache.
//   listing:  <hub>/api/datasets/<name>/tree/<revision>?recursive=true   (paginated by Link headers)
//   file:     <hub>/datasets/<name>/resolve/<revision>/<path>
// HF_TOKEN (when set) goes in the Authorization header, for gated or private data sets.
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import type { SplitName } from '../../core/records/record.js';
import { readJson, type ArtifactStore } from '../../core/store/store.js';
import { cacheKey } from '../../core/stage/layout.js';
import type { Progress } from '../../core/stage/progress.js';

export interface HubOptions {
  endpoint: string;
  name: string;
  revision: string;
  token?: string;
  log: Logger;
  progress: Progress;
  signal?: AbortSignal;
  /** Attempts per request for transient failures (network errors, 429, 5xx). */
  attempts?: number;
  /** First retry delay; doubles each attempt. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
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

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');
const base = (o: HubOptions) => o.endpoint.replace(/\/+$/, '');
export const treeUrl = (o: HubOptions) => `${base(o)}/api/datasets/${enc(o.name)}/tree/${encodeURIComponent(o.revision)}?recursive=true`;
export const resolveUrl = (o: HubOptions, path: string) => `${base(o)}/datasets/${enc(o.name)}/resolve/${encodeURIComponent(o.revision)}/${enc(path)}`;
const cacheDir = (o: HubOptions) => cacheKey('hf', ...o.name.split('/').map(encodeURIComponent), encodeURIComponent(o.revision));

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HubError';
  }
}

const transient = (status: number) => status === 408 || status === 429 || status >= 500;

/** fetch with retries on transient failures; a non-transient HTTP error is thrown with advice. */
async function fetchWithRetry(url: string, o: HubOptions): Promise<Response> {
  const attempts = o.attempts ?? 5;
  const doFetch = o.fetch ?? fetch;
  const headers: Record<string, string> = { 'user-agent': 'bugforge' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    o.signal?.throwIfAborted();
    try {
      const response = await doFetch(url, { headers, signal: o.signal, redirect: 'follow' });
      if (response.ok) return response;
      await response.body?.cancel();
      if (!transient(response.status)) throw new HubError(advice(url, response.status, o), response.status);
      lastError = new HubError(`${url}: HTTP ${response.status}`, response.status);
    } catch (error) {
      if (error instanceof HubError && error.status !== undefined && !transient(error.status)) throw error;
      if (o.signal?.aborted) throw error;
      lastError = error;
    }
    if (attempt < attempts) {
      const delay = (o.retryDelayMs ?? 1000) * 2 ** (attempt - 1);
      o.log.warn({ url, attempt, delayMs: delay, err: String((lastError as Error)?.message ?? lastError) }, `hub request failed, retrying in ${delay} ms`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  throw new HubError(`${url}: failed after ${attempts} attempts (${(lastError as Error)?.message ?? lastError}); check the network or dataset.hubEndpoint`);
}

function advice(url: string, status: number, o: HubOptions): string {
  if (status === 401 || status === 403) return `${url}: HTTP ${status}: the hub refused access; for a gated or private data set set HF_TOKEN to a token that can read ${o.name}`;
  if (status === 404) return `${url}: HTTP 404: no such data set or file; check dataset.name (${o.name}) and dataset.revision (${o.revision})`;
  return `${url}: HTTP ${status}`;
}

/** Lists the data set's parquet files by split, following the listing's pagination. */
export async function listParquetFiles(o: HubOptions): Promise<HubFile[]> {
  const files: HubFile[] = [];
  let url: string | undefined = treeUrl(o);
  while (url) {
    const response = await fetchWithRetry(url, o);
    const entries = (await response.json()) as { type?: string; path?: string; size?: number; lfs?: { size?: number } }[];
    if (!Array.isArray(entries)) throw new HubError(`${url}: expected a JSON array of files`);
    for (const e of entries) {
      if (e.type !== 'file' || !e.path?.endsWith('.parquet')) continue;
      const split = splitOfPath(e.path);
      if (split) files.push({ path: e.path, split, size: e.lfs?.size ?? e.size });
    }
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
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
  const attempts = o.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const response = await fetchWithRetry(url, o);
    // A compressed transfer's content-length is not the file's size; the listing's size is.
    const length = response.headers.get('content-encoding') ? file.size : Number(response.headers.get('content-length')) || file.size;
    o.progress.phase(`downloading ${file.path}`, length);
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        o.progress.tick(chunk.length);
        done(null, chunk);
      },
    });
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    body.on('error', (e) => count.destroy(e));
    try {
      const { size } = await store.write(key, body.pipe(count));
      if (length && size !== length) {
        await store.remove([key]);
        throw new Error(`got ${size} of ${length} bytes`);
      }
      o.log.info({ url, bytes: size, cache: store.uriOf(key) }, `downloaded ${file.path}`);
      return;
    } catch (error) {
      if (o.signal?.aborted || attempt >= attempts) throw new HubError(`${url}: download failed (${(error as Error).message}); check the network and run again`);
      o.log.warn({ url, attempt, err: (error as Error).message }, 'download interrupted, retrying');
    }
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
