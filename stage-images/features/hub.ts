// Downloads a model's files from the Hugging Face hub (or a mirror) into a local cache directory:
// <endpoint>/<id>/resolve/<revision>/<file>, with HF_TOKEN as a bearer token when set. Each file
// is streamed to a temporary name and renamed, and a marker written last says the directory is
// complete, so an interrupted download is resumed file by file and never used half-done.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';

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
}

export interface DownloadedModel { dir: string; onnxFile: string; downloaded: string[] }

export class HubFileMissing extends Error {}

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
  const url = `${opts.endpoint.replace(/\/+$/, '')}/${id}/resolve/${encodeURIComponent(opts.revision)}/${file}`;
  // A stalled connection is abandoned after idleTimeoutMs without a byte (a big file may take long, a silent one may not).
  const idle = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let timer = setTimeout(() => idle.abort(), idleMs);
  const alive = () => { clearTimeout(timer); timer = setTimeout(() => idle.abort(), idleMs); };
  let response: Response;
  try {
    response = await (opts.fetchImpl ?? fetch)(url, { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, redirect: 'follow', signal: idle.signal });
  } catch (error) {
    clearTimeout(timer);
    throw new Error(`encoder ${id}: ${url} could not be fetched (${idle.signal.aborted ? `no answer for ${idleMs / 1000} s` : (error as Error).message}); check training.encoder, HF_ENDPOINT / dataset.hubEndpoint and the network, then retry`);
  }
  alive();
  if (response.status === 404) { clearTimeout(timer); return false; }
  if (response.status === 401 || response.status === 403) {
    clearTimeout(timer);
    throw new Error(`encoder ${id}: ${url} answered ${response.status}: the model is gated or private — set HF_TOKEN to a token that may read it`);
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer);
    throw new Error(`encoder ${id}: ${url} answered ${response.status} ${response.statusText}; check HF_ENDPOINT / dataset.hubEndpoint and the network, then retry`);
  }
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.part`;
  const started = Date.now();
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  body.on('data', alive);
  try {
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new Error(`encoder ${id}: downloading ${url} failed: ${idle.signal.aborted ? `no data for ${idleMs / 1000} s` : (error as Error).message}; run again to retry (finished files are kept)`);
  } finally {
    clearTimeout(timer);
  }
  const { size } = await stat(target);
  opts.log?.info({ url, bytes: size, ms: Date.now() - started }, `downloaded ${file} (${(size / 1e6).toFixed(1)} MB)`);
  return true;
}
