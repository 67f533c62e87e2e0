// Where an encoder comes from: a local directory, an s3:// prefix (copied to the local cache),
// or a Hugging Face hub id (downloaded to the local cache). All three end as a local directory
// with tokenizer.json, tokenizer_config.json and an ONNX file, which is what encoder.ts loads.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { openStore, parseS3Uri, s3ConnectionFromEnv } from '../../core/store/open.js';
import { downloadHubEncoder, ENCODER_REQUIRED, ONNX_CANDIDATES } from './hub.js';

export interface EncoderLocation { dir: string; onnxFile: string; source: string; revision: string; kind: 'local' | 's3' | 'hub' }

export interface ResolveOptions { revision: string; hubEndpoint: string; env: NodeJS.ProcessEnv; log?: Logger; fetchImpl?: typeof fetch }

export const modelCacheDir = (env: NodeJS.ProcessEnv): string => env.BUGFORGE_CACHE_DIR ?? join(homedir(), '.cache', 'bugforge');

const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);
const looksLikeHubId = (ref: string) => /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(ref) && !ref.startsWith('.');

export async function resolveEncoder(ref: string, opts: ResolveOptions): Promise<EncoderLocation> {
  if (ref.startsWith('s3://')) return fromS3(ref, opts);
  const localPath = ref.startsWith('file://') ? fileURLToPath(ref) : resolve(ref.replace(/^~(?=\/)/, homedir()));
  const exists = await stat(localPath).then((s) => s.isDirectory(), () => false);
  if (exists || !looksLikeHubId(ref)) {
    if (!exists) throw new Error(`encoder ${ref}: no such directory (${localPath}). training.encoder must be a local directory, an s3:// prefix or a hub id like onnx-community/codebert-base-ONNX (an ONNX export of microsoft/codebert-base)`);
    return { dir: localPath, onnxFile: await findOnnx(localPath, ref), source: ref, revision: 'local', kind: 'local' };
  }
  const { dir, onnxFile } = await downloadHubEncoder(ref, {
    endpoint: opts.hubEndpoint, revision: opts.revision, token: opts.env.HF_TOKEN ?? opts.env.HUGGING_FACE_HUB_TOKEN,
    cacheDir: modelCacheDir(opts.env), log: opts.log, fetchImpl: opts.fetchImpl,
  });
  return { dir, onnxFile, source: ref, revision: opts.revision, kind: 'hub' };
}

async function findOnnx(dir: string, ref: string): Promise<string> {
  for (const f of ENCODER_REQUIRED) {
    if (!(await isFile(join(dir, f)))) throw new Error(`encoder ${ref}: ${join(dir, f)} is missing. An encoder directory needs ${ENCODER_REQUIRED.join(' + ')} and an ONNX file (${ONNX_CANDIDATES.join(' or ')}), as \`optimum-cli export onnx\` writes`);
  }
  for (const f of ONNX_CANDIDATES) if (await isFile(join(dir, f))) return f;
  throw new Error(`encoder ${ref}: no ONNX encoder in ${dir} (looked for ${ONNX_CANDIDATES.join(', ')}). Export one with \`optimum-cli export onnx --model <hub id> ${dir}\``);
}

/** Copies an s3:// prefix into the local cache (objects already there with the same size are kept). */
async function fromS3(ref: string, opts: ResolveOptions): Promise<EncoderLocation> {
  const { bucket, key } = parseS3Uri(ref);
  const dir = join(modelCacheDir(opts.env), 'models', 's3', bucket, ...key.split('/'));
  // The bucket root, listed under "<key>/", so a sibling prefix (<key>-v2/) is never mixed in.
  const store = openStore(`s3://${bucket}`, s3ConnectionFromEnv(opts.env));
  let count = 0;
  for await (const object of store.list(`${key}/`)) {
    count++;
    const target = join(dir, object.key.slice(key.length + 1));
    if (await stat(target).then((s) => s.size === object.size, () => false)) continue;
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await store.read(object.key), createWriteStream(`${target}.part`));
    await rename(`${target}.part`, target);
    opts.log?.info({ from: store.uriOf(object.key), bytes: object.size }, `copied ${store.uriOf(object.key)}`);
  }
  if (count === 0) throw new Error(`encoder ${ref}: nothing under that prefix. Upload the encoder directory (${ENCODER_REQUIRED.join(', ')}, ${ONNX_CANDIDATES[0]}) there first`);
  return { dir, onnxFile: await findOnnx(dir, ref), source: ref, revision: 's3', kind: 's3' };
}

/** The encoder's identity for caches and the model card: sha256 over its tokenizer and ONNX bytes. */
export async function encoderDigest(loc: EncoderLocation): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['tokenizer.json', loc.onnxFile]) {
    for await (const chunk of createReadStream(join(loc.dir, f))) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
