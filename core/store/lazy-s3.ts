// An s3:// store that loads the S3 client (the `minio` package, ~0.25 CPU-s to import) on its
// first request, so a process that is handed an s3:// URI but never reaches the store (a stage
// found up to date by the local runner, `--help`) — and every process with a local store —
// does not pay for it.
import type { Readable } from 'node:stream';
import type { S3Options, S3Store } from './s3.js';
import type { ArtifactStore, StoredObject, WriteResult } from './store.js';

const join = (...parts: string[]) => parts.filter(Boolean).join('/').replace(/\/+/g, '/');

export class LazyS3Store implements ArtifactStore {
  readonly uri: string;
  private readonly prefix: string;
  private store: Promise<S3Store> | undefined;

  constructor(private readonly options: S3Options) {
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.uri = `s3://${join(options.bucket, this.prefix)}`;
  }

  /** The S3 store itself (loaded on first use). */
  open(): Promise<S3Store> {
    this.store ??= import('./s3.js').then(({ S3Store: Store }) => new Store(this.options));
    return this.store;
  }

  uriOf(key: string): string {
    return `s3://${join(this.options.bucket, join(this.prefix, key))}`; // as S3Store.uriOf
  }

  async read(key: string): Promise<Readable> {
    return (await this.open()).read(key);
  }

  async write(key: string, body: Readable | Buffer | string): Promise<WriteResult> {
    return (await this.open()).write(key, body);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.open()).exists(key);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    yield* (await this.open()).list(prefix);
  }

  async move(from: string, to: string): Promise<void> {
    return (await this.open()).move(from, to);
  }

  async remove(keys: string[]): Promise<void> {
    return (await this.open()).remove(keys);
  }
}
