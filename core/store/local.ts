// A local directory as artifact store. Writes go to a temporary file and are renamed into place.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, type ArtifactStore, type StoredObject, type WriteResult } from './store.js';

export class LocalStore implements ArtifactStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  localPath(key: string): string {
    const path = resolve(this.root, key);
    if (path !== this.root && !path.startsWith(this.root + sep)) throw new Error(`key escapes the store: ${key}`);
    return path;
  }

  uriOf(key: string): string {
    return this.localPath(key);
  }

  async read(key: string): Promise<Readable> {
    const path = this.localPath(key);
    try {
      await stat(path);
    } catch {
      throw new NotFoundError(key, path);
    }
    return createReadStream(path);
  }

  async write(key: string, body: Readable | Buffer | string): Promise<WriteResult> {
    const path = this.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    try {
      await pipeline(source, measure, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.localPath(key))).isFile();
    } catch {
      return false;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const base = this.localPath(prefix);
    const walk = async function* (dir: string, root: string): AsyncGenerator<StoredObject> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) yield* walk(full, root);
        else if (entry.isFile() && !/\.tmp-[0-9a-f]{12}$/.test(entry.name)) {
          yield { key: relative(root, full).split(sep).join('/'), size: (await stat(full)).size };
        }
      }
    };
    yield* walk(base, this.root);
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.localPath(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.localPath(from), target);
    await this.pruneEmptyParents([from]);
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.localPath(k), { force: true })));
    await this.pruneEmptyParents(keys);
  }

  /** Directories are implicit, as on S3: removes the ones that moving or removing these keys left empty. */
  private async pruneEmptyParents(keys: string[]): Promise<void> {
    const parents = new Set(keys.map((k) => dirname(this.localPath(k))));
    for (const start of [...parents].sort((a, b) => b.length - a.length)) {
      for (let dir = start; dir !== this.root && dir.startsWith(this.root + sep); dir = dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break; // not empty (or gone): stop climbing
        }
      }
    }
  }
}
