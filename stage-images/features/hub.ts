// Downloads a model's files from the Hugging Face hub (or a mirror) into a local cache directory:
// <endpoint>/<id>/resolve/<revision>/<file>, with HF_TOKEN as a bearer token when set. Each file
// is streamed to a temporary name and renamed, and a marker written last says the directory is
// complete, so an interrupted download is resumed file by file and never used half-done.
// Requests, retries and stalls are the shared hub client's (../hub.ts).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { RetriesExhaustedError, describeError } from '../../core/retry.js';
import { HubHttpError, HubStalledError, hubGet, hubResolveUrl } from '../hub.js';

export const ENCODER_REQUIRED = ['tokenizer.json', 'tokenizer_config.json'] as const;
export const ENCODER_OPTIONAL = ['config.json', 'special_tokens_map.json'] as const;
export const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'] as const;
const COMPLETE = '.bugforge-complete.json';

export interface HubDownloadOptions {
  endpoint: string;
  revision: string;
  token?: string;
  cacheDir: string;
  log?: Logger;
  fetchImpl?: typeof fetch;
  /** Give up on a connection that sends nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Attempts per file for transient failures (default 5), and the first retry's delay (default 1 s). */
  attempts?: number;
  retryDelayMs?: number;
}

export interface DownloadedModel { dir: string; onnxFile: string; downloaded: string[] }

export class HubFileMissing extends Error {}

/** A download that failed, in the encoder's words; `cause` is the hub client's error. */
export class HubDownloadError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'HubDownloadError';
  }
}

export const hubModelDir = (cacheDir: string, id: string, revision: string): string =>
  join(cacheDir, 'models', 'hub', ...id.split('/'), revision.replace(/[^\w.-]/g, '_'));

export async function downloadHubEncoder(id: string, opts: HubDownloadOptions): Promise<DownloadedModel> {
  const dir = hubModelDir(opts.cacheDir, id, opts.revision);
  try {
    const done = JSON.parse(await readFile(join(dir, COMPLETE), 'utf8')) as { onnxFile: string };
    return { dir, onnxFile: done.onnxFile, downloaded: [] };
  } catch {
    // not (completely) downloaded yet
  }
  const downloaded: string[] = [];
  const get = async (file: string, required: boolean): Promise<boolean> => {
    const target = join(dir, file);
    if (await stat(target).then((s) => s.isFile(), () => false)) return true;
    const ok = await downloadFile(id, file, target, opts);
    if (!ok && required) {
      throw new HubFileMissing(`encoder ${id}@${opts.revision}: ${opts.endpoint}/${id}/resolve/${opts.revision}/${file} does not exist. An encoder needs ${ENCODER_REQUIRED.join(' + ')} and an ONNX export (${ONNX_CANDIDATES.join(' or ')}); export one with \`optimum-cli export onnx --model ${id} <dir>\` and set training.encoder to that directory or an s3:// copy`);
    }
    if (ok) downloaded.push(file);
    return ok;
  };
  for (const f of ENCODER_REQUIRED) await get(f, true);
  for (const f of ENCODER_OPTIONAL) await get(f, false);
  let onnxFile: string | undefined;
  for (const f of ONNX_CANDIDATES) {
    if (await get(f, false)) { onnxFile = f; break; }
  }
  if (!onnxFile) {
    throw new HubFileMissing(`encoder ${id}@${opts.revision}: no ONNX encoder on ${opts.endpoint} (looked for ${ONNX_CANDIDATES.join(', ')}). Export one with \`optimum-cli export onnx --model ${id} <dir>\` and set training.encoder to that directory or an s3:// copy`);
  }
  await writeFile(join(dir, COMPLETE), JSON.stringify({ id, revision: opts.revision, endpoint: opts.endpoint, onnxFile }) + '\n');
  return { dir, onnxFile, downloaded };
}

/** Downloads one file; false when the hub says it does not exist (404). */
async function downloadFile(id: string, file: string, target: string, opts: HubDownloadOptions): Promise<boolean> {
  const url = hubResolveUrl(opts.endpoint, { type: 'model', name: id }, opts.revision, file);
  const tmp = `${target}.part`;
  const started = Date.now();
  try {
    await hubGet(url, { ...opts, fetch: opts.fetchImpl }, async (_response, body) => {
      await mkdir(dirname(target), { recursive: true });
      try {
        await pipeline(body, createWriteStream(tmp));
        await rename(tmp, target);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    });
  } catch (error) {
    const mapped = encoderError(id, url, error);
    if (mapped === NOT_FOUND) return false;
    throw mapped;
  }
  const { size } = await stat(target);
  opts.log?.info({ url, bytes: size, ms: Date.now() - started }, `downloaded ${file} (${(size / 1e6).toFixed(1)} MB)`);
  return true;
}

const NOT_FOUND = Symbol('not found');

/** The hub client's errors in the encoder's words (what to check), keeping each one's cause. */
function encoderError(id: string, url: string, error: unknown): unknown {
  if (error instanceof HubHttpError && error.status === 404) return NOT_FOUND;
  if (error instanceof HubHttpError && (error.status === 401 || error.status === 403)) {
    return new HubDownloadError(`encoder ${id}: ${url} answered ${error.status}: the model is gated or private — set HF_TOKEN to a token that may read it`, error);
  }
  if (error instanceof HubHttpError) {
    return new HubDownloadError(`encoder ${id}: ${url} answered ${error.status}; check HF_ENDPOINT / dataset.hubEndpoint and the network, then retry`, error);
  }
  if (error instanceof RetriesExhaustedError) {
    const last = error.cause;
    const what = last instanceof HubHttpError ? `answered ${last.status}` : `failed: ${describeError(last)}`;
    const hint = last instanceof HubStalledError ? 'run again to retry (finished files are kept)' : 'check training.encoder, HF_ENDPOINT / dataset.hubEndpoint and the network, then run again (finished files are kept)';
    return new HubDownloadError(`encoder ${id}: after ${error.attempts} attempts, downloading ${url} ${what}; ${hint}`, error);
  }
  return error;
}
