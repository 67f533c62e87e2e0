// S3 / MinIO as artifact store, through the official `minio` client.
import { Client, CopyConditions } from 'minio';
import { Readable, Transform } from 'node:stream';
import { createHash } from 'node:crypto';
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

const join = (...parts: string[]) => parts.filter(Boolean).join('/').replace(/\/+/g, '/');

export class S3Store implements ArtifactStore {
  readonly uri: string;
  readonly client: Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3Options) {
    this.bucket = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.uri = `s3://${join(this.bucket, this.prefix)}`;
    const endpoint = new URL(options.endpoint ?? 'https://s3.amazonaws.com');
    this.client = new Client({
      endPoint: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      useSSL: endpoint.protocol === 'https:',
      region: options.region ?? 'us-east-1',
      accessKey: options.accessKey ?? '',
      secretKey: options.secretKey ?? '',
      pathStyle: options.pathStyle ?? Boolean(options.endpoint),
    });
  }

  private full(key: string): string {
    return join(this.prefix, key);
  }

  uriOf(key: string): string {
    return `s3://${join(this.bucket, this.full(key))}`;
  }

  /** Creates the bucket when it does not exist (handy for MinIO and tests). */
  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) await this.client.makeBucket(this.bucket);
  }

  async read(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, this.full(key));
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(key, this.uriOf(key));
      throw error;
    }
  }

  async write(key: string, body: Readable | Buffer | string): Promise<WriteResult> {
    const hash = createHash('sha256');
    let size = 0;
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    const measured = source.pipe(new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }));
    source.on('error', (e) => measured.destroy(e));
    await this.client.putObject(this.bucket, this.full(key), measured);
    return { size, sha256: hash.digest('hex') };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.statObject(this.bucket, this.full(key));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const root = this.prefix ? this.prefix + '/' : '';
    const stream = this.client.listObjectsV2(this.bucket, this.full(prefix), true);
    const found: StoredObject[] = [];
    for await (const item of stream as AsyncIterable<{ name?: string; size?: number }>) {
      if (item.name) found.push({ key: item.name.slice(root.length), size: item.size ?? 0 });
    }
    yield* found.sort((a, b) => a.key.localeCompare(b.key));
  }

  async move(from: string, to: string): Promise<void> {
    await this.client.copyObject(this.bucket, this.full(to), `/${this.bucket}/${this.full(from)}`, new CopyConditions());
    await this.client.removeObject(this.bucket, this.full(from));
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) await this.client.removeObjects(this.bucket, keys.map((k) => this.full(k)));
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}
