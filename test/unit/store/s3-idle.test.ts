// A stage that computes for seconds without yielding (training on CPU) must still reach S3 after it:
// on the real path every train Pod failed writing model/config.json with "ECONNRESET: socket hang up".
// Node's global agent keeps sockets alive and times idle ones out after 5 s; when the event loop was
// blocked longer, the next request went out on a socket that was being closed. (~9 s: Node's 5 s
// timeouts are the ones that matter; shorter ones set by hand did not show it.)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../core/store/s3.js';
import { readText } from '../../../core/store/store.js';

// s3rver in its own process, as the store is for a stage Pod.
const SERVER = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2], configureBuckets: [{ name: 'bugforge', configs: [] }] });
server.run().then((address) => console.log(address.port));
`;

describe('S3 store after a long synchronous computation', () => {
  let child: ChildProcess;
  let directory: string;
  let endpoint: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'bugforge-s3-idle-'));
    child = spawn(process.execPath, ['-e', SERVER, createRequire(import.meta.url).resolve('s3rver'), directory], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [port] = (await once(child.stdout!, 'data')) as [Buffer];
    endpoint = `http://127.0.0.1:${String(port).trim()}`;
  });
  afterAll(async () => {
    child?.kill();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes again after the event loop was blocked for 8 s', async () => {
    const store = new S3Store({ bucket: 'bugforge', endpoint, accessKey: 'S3RVER', secretKey: 'S3RVER' });
    await store.write('model/head.json', '{}');
    const until = Date.now() + 8000;
    while (Date.now() < until) { /* a training step that never yields */ }
    await expect(store.write('model/config.json', '{}')).resolves.toBeDefined();
    expect(await readText(store, 'model/config.json')).toBe('{}');
  }, 30_000);
});
