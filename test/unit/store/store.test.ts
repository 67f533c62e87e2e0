// The artifact store contract, on both implementations: a local directory and S3 (through the
// minio client) against a real S3-compatible server (s3rver) started by the test.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../core/store/local.js';
import { S3Store } from '../../../core/store/s3.js';
import { openStore } from '../../../core/store/open.js';
import { NotFoundError, readJson, readText, type ArtifactStore } from '../../../core/store/store.js';
import { startS3, type TestS3 } from '../../support/s3.js';

const keysOf = async (store: ArtifactStore, prefix: string) => {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
};

interface Harness { name: string; store: ArtifactStore; cleanup(): Promise<void> }

async function localHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-store-'));
  return { name: 'LocalStore', store: new LocalStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

let s3: TestS3;
async function s3Harness(): Promise<Harness> {
  s3 ??= await startS3({ buckets: ['artifacts'] });
  const store = new S3Store({ bucket: 'artifacts', prefix: `p-${Date.now()}/nested`, endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
  return { name: 'S3Store', store, cleanup: async () => undefined };
}

afterAll(async () => {
  await s3?.stop();
});

describe.each([['LocalStore', localHarness], ['S3Store (s3rver)', s3Harness]] as const)('%s', (_name, make) => {
  let h: Harness;
  beforeAll(async () => {
    h = await make();
  });
  afterAll(async () => h.cleanup());

  it('writes strings, buffers and streams and reads back the same bytes, with size and sha256', async () => {
    const body = 'line one\nline two ✓\n';
    const result = await h.store.write('a/b/text.txt', body);
    expect(result).toEqual({ size: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') });
    expect(await readText(h.store, 'a/b/text.txt')).toBe(body);

    const big = Buffer.alloc(9 * 1024 * 1024 + 17, 7); // over the S3 in-memory upload limit: spooled to a file
    const streamed = await h.store.write('a/big.bin', Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    expect(streamed.size).toBe(big.length);
    const chunks: Buffer[] = [];
    for await (const c of await h.store.read('a/big.bin')) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).equals(big)).toBe(true);

    await h.store.write('a/value.json', Buffer.from(JSON.stringify({ n: 1 })));
    expect(await readJson(h.store, 'a/value.json')).toEqual({ n: 1 });
  });

  it('overwrites a key', async () => {
    await h.store.write('over/k', 'first');
    await h.store.write('over/k', 'second');
    expect(await readText(h.store, 'over/k')).toBe('second');
  });

  it('says NotFoundError for a missing key, and exists() tells', async () => {
    await expect(h.store.read('missing/nothing.json')).rejects.toBeInstanceOf(NotFoundError);
    expect(await h.store.exists('missing/nothing.json')).toBe(false);
    expect(await h.store.exists('a/b/text.txt')).toBe(true);
    expect(await h.store.exists('a/b')).toBe(false); // a "directory" is not an object
  });

  it('lists everything under a prefix, recursively, sorted, with sizes; not siblings that share the prefix text', async () => {
    await h.store.write('list/x/2.txt', '22');
    await h.store.write('list/x/1.txt', '1');
    await h.store.write('list/y.txt', 'yyy');
    await h.store.write('listing-sibling.txt', 'no');
    const listed: { key: string; size: number }[] = [];
    for await (const o of h.store.list('list/')) listed.push(o);
    expect(listed).toEqual([{ key: 'list/x/1.txt', size: 1 }, { key: 'list/x/2.txt', size: 2 }, { key: 'list/y.txt', size: 3 }]);
    expect(await keysOf(h.store, 'list/x/')).toEqual(['list/x/1.txt', 'list/x/2.txt']);
    expect(await keysOf(h.store, 'nothing-here/')).toEqual([]);
  });

  it('moves an object (the source is gone, the target has its bytes)', async () => {
    await h.store.write('move/from.txt', 'payload');
    await h.store.move('move/from.txt', 'move/deeper/to.txt');
    expect(await h.store.exists('move/from.txt')).toBe(false);
    expect(await readText(h.store, 'move/deeper/to.txt')).toBe('payload');
  });

  it('removes keys, and removing a missing key or nothing is fine', async () => {
    await h.store.write('rm/1', '1');
    await h.store.write('rm/2', '2');
    await h.store.remove(['rm/1', 'rm/2', 'rm/never-existed']);
    await h.store.remove([]);
    expect(await keysOf(h.store, 'rm/')).toEqual([]);
  });

  it('leaves nothing behind when a streamed write fails half-way', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
        setTimeout(() => this.destroy(new Error('source broke')), 5);
      },
    });
    await expect(h.store.write('broken/file.bin', failing)).rejects.toThrow();
    expect(await h.store.exists('broken/file.bin')).toBe(false);
    expect(await keysOf(h.store, 'broken/')).toEqual([]);
  });

  it('gives every key a URI under the store', () => {
    expect(h.store.uriOf('x/y.json')).toMatch(/x\/y\.json$/);
    expect(h.store.uriOf('x/y.json').startsWith(h.store.uri.replace(/^file:\/\//, ''))).toBe(true);
  });
});

describe('LocalStore', () => {
  it('refuses keys that escape its directory', async () => {
    const h = await localHarness();
    await expect(h.store.write('../escape.txt', 'x')).rejects.toThrow(/escapes the store/);
    await h.cleanup();
  });

  it('writes through a temporary file: no partial file under the final name while writing', async () => {
    const h = await localHarness();
    const store = h.store as LocalStore;
    let resume!: () => void;
    const gate = new Promise<void>((r) => (resume = r));
    const slow = Readable.from((async function* () {
      yield Buffer.from('first half ');
      await gate;
      yield Buffer.from('second half');
    })());
    const writing = store.write('slow/file.txt', slow);
    await new Promise((r) => setTimeout(r, 50));
    expect(await store.exists('slow/file.txt')).toBe(false);
    expect(await keysOf(store, 'slow/')).toEqual([]); // the temporary file is not listed
    resume();
    await writing;
    expect(await readText(store, 'slow/file.txt')).toBe('first half second half');
    expect(await readdir(store.localPath('slow'))).toEqual(['file.txt']);
    await h.cleanup();
  });
});

describe('openStore', () => {
  it('opens a directory, a file:// URI and s3://bucket/prefix, and refuses other schemes', () => {
    expect(openStore('/tmp/x')).toBeInstanceOf(LocalStore);
    expect((openStore('file:///tmp/x') as LocalStore).root).toBe('/tmp/x');
    const s3store = openStore('s3://bucket/some/prefix/', { endpoint: 'http://127.0.0.1:9' });
    expect(s3store.uri).toBe('s3://bucket/some/prefix');
    expect(s3store.uriOf('k')).toBe('s3://bucket/some/prefix/k');
    expect(s3store.uriOf('k')).toBe(new S3Store({ bucket: 'bucket', prefix: 'some/prefix/', endpoint: 'http://127.0.0.1:9' }).uriOf('k'));
    expect(() => openStore('gs://bucket')).toThrow(/unsupported store URI gs:\/\/bucket/);
  });
});
