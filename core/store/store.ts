// The artifact store: one interface, two implementations (a local directory, S3/MinIO).
// Keys are '/'-separated paths relative to the store's root.
import type { Readable } from 'node:stream';

export interface StoredObject { key: string; size: number }
export interface WriteResult { size: number; sha256: string }

export interface ArtifactStore {
  /** Where this store points, as a URI (file:///…, s3://bucket/prefix). */
  readonly uri: string;
  /** The full URI of one key, for messages and reports. */
  uriOf(key: string): string;
  read(key: string): Promise<Readable>;
  /** Writes a whole object; on S3 the object appears only when the upload completes, locally through a rename. */
  write(key: string, body: Readable | Buffer | string): Promise<WriteResult>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): AsyncIterable<StoredObject>;
  /** Moves an object (a rename locally, copy + delete on S3). */
  move(from: string, to: string): Promise<void>;
  remove(keys: string[]): Promise<void>;
  /** A local file path for the key where the store is a local directory (fast path for native readers). */
  localPath?(key: string): string;
}

export class NotFoundError extends Error {
  constructor(readonly key: string, where: string) {
    super(`not found: ${where}`);
    this.name = 'NotFoundError';
  }
}

export async function readText(store: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson<T>(store: ArtifactStore, key: string): Promise<T> {
  const text = await readText(store, key);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${store.uriOf(key)} is not valid JSON: ${(error as Error).message}`);
  }
}
