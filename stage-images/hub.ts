// The one Hugging Face hub client of the stages (analyze downloads data sets, features downloads
// encoders): resolve and listing URLs, the token, retries on the shared policy (core/retry.ts),
// a watchdog on stalled transfers, and errors that keep their cause.
//   listing: <hub>/api/<datasets|models>/<name>/tree/<revision>?recursive=true (Link-paginated)
//   file:    <hub>/[datasets/]<name>/resolve/<revision>/<path>
// Why not @huggingface/hub: its download asks for the first byte with a Range request and needs
// the hub's own Content-Range and ETag answers (a plain mirror or file server fails with
// "Expected size information"), treats a 404 as missing only with the hub's X-Error-Code
// header, does not URL-encode the revision in listings (refs/convert/parquet), refuses tokens
// that do not start with hf_, and has no retries or stall timeout: we would wrap it in all of
// this anyway, for two GET requests.
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Logger } from 'pino';
import { describeError, retryAfterMs, withRetry, type Failure } from '../core/retry.js';

export interface HubRepo {
  type: 'dataset' | 'model';
  name: string;
}

export interface HubClientOptions {
  endpoint: string;
  token?: string;
  log?: Logger;
  signal?: AbortSignal;
  /** Attempts per request for transient failures (network errors, stalls, 408, 429, 5xx); default 5. */
  attempts?: number;
  /** First retry delay (default 1 s), doubling each retry, jittered; a Retry-After wins. */
  retryDelayMs?: number;
  /** Give up on an attempt that receives nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
  /** The message for a refused request (401, 403, 404, …), in the caller's words. */
  advice?(status: number, url: string): string | undefined;
}

const enc = (s: string) => s.split('/').map(encodeURIComponent).join('/');
const base = (endpoint: string) => endpoint.replace(/\/+$/, '');
const repoPath = (repo: HubRepo) =>
  `${repo.type === 'dataset' ? 'datasets/' : ''}${enc(repo.name)}`;

export const hubTreeUrl = (endpoint: string, repo: HubRepo, revision: string): string =>
  `${base(endpoint)}/api/${repo.type}s/${enc(repo.name)}/tree/${encodeURIComponent(revision)}?recursive=true`;
export const hubResolveUrl = (
  endpoint: string,
  repo: HubRepo,
  revision: string,
  path: string,
): string =>
  `${base(endpoint)}/${repoPath(repo)}/resolve/${encodeURIComponent(revision)}/${enc(path)}`;

/** A request the hub refused (or failed) with an HTTP status. */
export class HubHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
    readonly headers?: Headers,
  ) {
    super(message);
    this.name = 'HubHttpError';
  }
}

/** A transfer that sent nothing for idleTimeoutMs (its cause, our own abort, says nothing more). */
export class HubStalledError extends Error {
  constructor(seconds: number) {
    super(`no data for ${seconds} s`);
    this.name = 'HubStalledError';
  }
}

/** A failure no new attempt can help (a response that is not what the hub sends). */
export class HubResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubResponseError';
  }
}

const transient = (status: number) => status === 408 || status === 429 || status >= 500;

function classify(error: Error): Failure {
  if (error instanceof HubHttpError) {
    return {
      reason: `http-${error.status}`,
      retryable: transient(error.status),
      retryAfterMs: retryAfterMs(error.headers, Date.now()),
    };
  }
  if (error instanceof HubResponseError) return { reason: 'bad-response', retryable: false };
  if (error instanceof HubStalledError) return { reason: 'stalled', retryable: true };
  return { reason: 'connection', retryable: true };
}

/**
 * GETs `url` and hands the response and its body (watched for stalls) to `use`, retrying the
 * whole exchange on transient failures — also one that breaks off mid-body. A refused request
 * throws HubHttpError (message from `advice`); when the attempts run out, the last error is
 * thrown as a RetriesExhaustedError whose cause chain ends at the network's own error.
 */
export async function hubGet<T>(
  url: string,
  o: HubClientOptions,
  use: (response: Response, body: Readable) => Promise<T>,
): Promise<T> {
  const headers: Record<string, string> = { 'user-agent': 'bugforge' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  const idleMs = o.idleTimeoutMs ?? 60_000;
  const attempts = o.attempts ?? 5;
  return withRetry(
    async () => {
      const idle = new AbortController();
      let timer = setTimeout(() => idle.abort(), idleMs);
      const alive = () => {
        clearTimeout(timer);
        timer = setTimeout(() => idle.abort(), idleMs);
      };
      const signal = o.signal ? AbortSignal.any([o.signal, idle.signal]) : idle.signal;
      try {
        const response = await (o.fetch ?? fetch)(url, { headers, signal, redirect: 'follow' });
        alive();
        if (!response.ok) {
          await response.body?.cancel().catch(() => {});
          const message = o.advice?.(response.status, url) ?? `${url}: HTTP ${response.status}`;
          throw new HubHttpError(message, response.status, url, response.headers);
        }
        const watched = (response.body ?? new Blob([]).stream()).pipeThrough(
          new TransformStream({
            transform(chunk, controller) {
              alive();
              controller.enqueue(chunk);
            },
          }),
        );
        return await use(
          response,
          Readable.fromWeb(watched as unknown as WebReadableStream<Uint8Array>),
        );
      } catch (error) {
        if (idle.signal.aborted && !o.signal?.aborted) throw new HubStalledError(idleMs / 1000);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    {
      retries: Math.max(0, attempts - 1),
      backoff: { baseDelayMs: o.retryDelayMs ?? 1000, maxDelayMs: 60_000 },
      classify,
      signal: o.signal,
      onRetry: ({ retry, reason, waitMs, error }) =>
        o.log?.warn(
          { url, attempt: retry, reason, delayMs: waitMs, err: describeError(error) },
          `hub request failed (${reason}), retrying in ${waitMs} ms`,
        ),
    },
  );
}

/** Every file entry of a repository at a revision, following the listing's pagination. */
export async function listHubFiles(
  o: HubClientOptions,
  repo: HubRepo,
  revision: string,
): Promise<HubTreeEntry[]> {
  const files: HubTreeEntry[] = [];
  let url: string | undefined = hubTreeUrl(o.endpoint, repo, revision);
  while (url) {
    const page: string = url;
    url = await hubGet(page, o, async (response, body) => {
      let entries: unknown;
      try {
        entries = JSON.parse(Buffer.concat(await body.toArray()).toString('utf8'));
      } catch (error) {
        throw new HubResponseError(`${page}: the listing is not JSON (${describeError(error)})`);
      }
      if (!Array.isArray(entries))
        throw new HubResponseError(`${page}: expected a JSON array of files`);
      for (const e of entries as HubTreeEntry[]) if (e.type === 'file' && e.path) files.push(e);
      return /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    });
  }
  return files;
}

export interface HubTreeEntry {
  type?: string;
  path: string;
  size?: number;
  lfs?: { size?: number };
}
