// S3 / MinIO as artifact store, through the official `minio` client.
import { Client, CopyConditions } from 'minio';
import type { Readable } from 'node:stream';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { NotFoundError, type ArtifactStore, type StoredObject, type WriteResult } from './store.js';

export interface S3Options {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  accessKey?: string;
  secretKey?: string;
  /** Path-style addressing (MinIO and most self-hosted S3 need it). Default: true when an endpoint is given. */
  pathStyle?: boolean;
}

/** Streams up to this size are uploaded from memory in one PUT; larger ones are spooled to a temporary file. */
const IN_MEMORY_UPLOAD_LIMIT = 8 * 1024 * 1024;

const join = (...parts: string[]) => parts.filter(Boolean).join('/').replace(/\/+/g, '/');

/**
 * An S3 failure as one clean line: the operation, the object, the bucket and endpoint, the S3 code
 * and message. Built fresh rather than passed on: minio's S3Error carries the request's fields
 * (`awsaccesskeyid`, host and request ids) as properties, and a logger prints every property.
 */
export class StoreError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export class S3Store implements ArtifactStore {
  readonly uri: string;
  readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpoint: string;

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.uri = `s3://${join(this.bucket, this.prefix)}`;
    const endpoint = new URL(options.endpoint ?? 'https://s3.amazonaws.com');
    this.endpoint = endpoint.origin;
    this.client = new Client({
      endPoint: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      useSSL: endpoint.protocol === 'https:',
      region: options.region ?? 'us-east-1',
      accessKey: options.accessKey ?? '',
      secretKey: options.secretKey ?? '',
      pathStyle: options.pathStyle ?? Boolean(options.endpoint),
      // No keep-alive: a stage that computes for seconds without yielding (training) would send its
      // next request on a pooled socket whose idle timeout fires just then ("socket hang up").
      transportAgent: endpoint.protocol === 'https:' ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false }),
    });
  }

  private full(key: string): string {
    return join(this.prefix, key);
  }

  uriOf(key: string): string {
    return `s3://${join(this.bucket, this.full(key))}`;
  }

  /** Runs one S3 call; a missing object becomes NotFoundError, anything else a StoreError that names bucket and endpoint. */
  private async call<T>(operation: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.clean(error, operation, key);
    }
  }

  private clean(error: unknown, operation: string, key: string | undefined): Error {
    if (error instanceof NotFoundError || error instanceof StoreError) return error;
    const e = error as { code?: string; message?: string };
    if (key !== undefined && (e.code === 'NoSuchKey' || e.code === 'NotFound')) return new NotFoundError(key, this.uriOf(key));
    if (e.code === 'NoSuchBucket') {
      return new StoreError(`bucket "${this.bucket}" does not exist at ${this.endpoint} (${operation}${key ? ` ${key}` : ''}): create it, or fix spec.storage.bucket / spec.storage.endpoint`, e.code);
    }
    const what = `${operation}${key !== undefined ? ` ${this.uriOf(key)}` : ` in bucket "${this.bucket}"`} at ${this.endpoint}`;
    const detail = (e.message ?? String(error)).split('\n')[0].slice(0, 300);
    return new StoreError(`S3 ${what} failed: ${e.code ? `${e.code}: ` : ''}${detail}`, e.code);
  }

  /** Creates the bucket when it does not exist (handy for MinIO and tests). */
  async ensureBucket(): Promise<void> {
    await this.call('creating the bucket', undefined, async () => {
      if (!(await this.client.bucketExists(this.bucket))) await this.client.makeBucket(this.bucket);
    });
  }

  async read(key: string): Promise<Readable> {
    return this.call('reading', key, () => this.client.getObject(this.bucket, this.full(key)));
  }

  async write(key: string, body: Readable | Buffer | string): Promise<WriteResult> {
    const hash = createHash('sha256');
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buffer = Buffer.from(body);
      await this.call('writing', key, () => this.client.putObject(this.bucket, this.full(key), buffer, buffer.length));
      return { size: buffer.length, sha256: hash.update(buffer).digest('hex') };
    }
    // A stream of unknown length: minio would upload it in multipart parts of ~550 MiB, each held
    // in memory (and ask for incomplete uploads first, which S3-compatible test servers lack). So
    // small streams are buffered and sent in one PUT; larger ones are spooled to a temporary file
    // and uploaded with their size known (64 MiB parts). The object appears only when complete.
    const chunks: Buffer[] = [];
    let size = 0;
    let spool: { dir: string; path: string; file: WriteStream } | undefined;
    try {
      for await (const piece of body) {
        const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array | string);
        hash.update(chunk);
        size += chunk.length;
        if (spool) {
          if (!spool.file.write(chunk)) await once(spool.file, 'drain');
          continue;
        }
        chunks.push(chunk);
        if (size > IN_MEMORY_UPLOAD_LIMIT) {
          const dir = await mkdtemp(joinPath(tmpdir(), 'bugforge-s3-upload-'));
          const path = joinPath(dir, 'body');
          spool = { dir, path, file: createWriteStream(path) };
          for (const c of chunks.splice(0)) if (!spool.file.write(c)) await once(spool.file, 'drain');
        }
      }
      if (!spool) {
        await this.call('writing', key, () => this.client.putObject(this.bucket, this.full(key), Buffer.concat(chunks), size));
      } else {
        spool.file.end();
        await once(spool.file, 'finish');
        const path = spool.path;
        await this.call('writing', key, () => this.client.putObject(this.bucket, this.full(key), createReadStream(path), size));
      }
    } finally {
      if (spool) {
        spool.file.destroy();
        await rm(spool.dir, { recursive: true, force: true });
      }
    }
    return { size, sha256: hash.digest('hex') };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.call('checking', key, () => this.client.statObject(this.bucket, this.full(key)));
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const root = this.prefix ? this.prefix + '/' : '';
    const stream = this.client.listObjectsV2(this.bucket, this.full(prefix), true);
    const found: StoredObject[] = [];
    try {
      for await (const item of stream as AsyncIterable<{ name?: string; size?: number }>) {
        if (item.name) found.push({ key: item.name.slice(root.length), size: item.size ?? 0 });
      }
    } catch (error) {
      throw this.clean(error, 'listing', prefix);
    }
    yield* found.sort((a, b) => a.key.localeCompare(b.key));
  }

  async move(from: string, to: string): Promise<void> {
    await this.call('copying to', to, () => this.client.copyObject(this.bucket, this.full(to), `/${this.bucket}/${this.full(from)}`, new CopyConditions()));
    await this.call('removing', from, () => this.client.removeObject(this.bucket, this.full(from)));
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) await this.call('removing objects', undefined, () => this.client.removeObjects(this.bucket, keys.map((k) => this.full(k))));
  }
}
