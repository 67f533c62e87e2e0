// The real loading and inference code (transformers tokenizer + onnxruntime) on a tiny encoder
// built by the test; hub download against a local HTTP server; clear failures.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeEncoderDir } from '../../support/tiny-encoder.js';
import { Encoder } from '../../../stage-images/features/encoder.js';
import { encoderDigest, resolveEncoder } from '../../../stage-images/features/encoder-source.js';
import { splitRevision } from '../../../stage-images/features/open-encoder.js';
import { EncoderFeaturizer } from '../../../stage-images/features/featurize.js';
import { LocalStore } from '../../../core/store/local.js';
import { pino } from 'pino';

const silent = pino({ level: 'silent' });
import { downloadHubEncoder } from '../../../stage-images/features/hub.js';

const opts = { pooling: 'cls' as const, maxLength: 32, batchSize: 3, gpus: 0 };
const resolveLocal = (dir: string) => resolveEncoder(dir, { revision: 'main', hubEndpoint: 'http://unused.invalid', env: {} });

describe('ONNX encoder', () => {
  let root: string;
  let dir: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bugforge-encoder-'));
    dir = (await writeEncoderDir(join(root, 'tiny'))).dir;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('tokenizes with the real tokenizer, truncating to maxLength', async () => {
    const encoder = await Encoder.load(await resolveLocal(dir), opts);
    const ids = encoder.tokenize('int f(char *buf) { return strcpy(buf, src); }');
    const vocab = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')).model.vocab;
    expect(ids[0]).toBe(vocab['[CLS]']);
    expect(ids).toContain(vocab.strcpy);
    expect(encoder.tokenize('x '.repeat(500)).length).toBe(32);
    await encoder.close();
  });

  for (const pooling of ['cls', 'mean'] as const) {
    it(`${pooling} pooling: batched, length-bucketed results equal one-at-a-time results, in input order`, async () => {
      const encoder = await Encoder.load(await resolveLocal(dir), { ...opts, pooling });
      const texts = ['int a;', 'static void f(void) { free(ptr); ptr = null; }', 'return 0;', 'if (len >= size) return -1; memcpy(dst, src, len);', 'x'];
      const batched = await encoder.embed(texts);
      expect(batched).toHaveLength(5);
      expect(batched[0]).toHaveLength(32);
      for (let i = 0; i < texts.length; i++) {
        const [alone] = await encoder.embed([texts[i]]);
        Array.from(alone).forEach((v, j) => expect(batched[i][j]).toBeCloseTo(v, 5));
      }
      expect(Array.from(batched[0])).not.toEqual(Array.from(batched[1]));
      expect(encoder.executionProvider).toBe('cpu');
      await encoder.close();
    });
  }

  it('says which execution provider ran when a GPU was asked for', async () => {
    const encoder = await Encoder.load(await resolveLocal(dir), { ...opts, gpus: 1 });
    if (encoder.executionProvider === 'cpu') expect(encoder.fallbackReason).toMatch(/CUDA/);
    else expect(encoder.fallbackReason).toBeUndefined();
    await encoder.close();
  });

  it('fails clearly on a missing directory, missing tokenizer, corrupt tokenizer or corrupt ONNX file', async () => {
    await expect(resolveLocal(join(root, 'nope'))).rejects.toThrow(/no such directory .*training\.encoder must be/);
    const noTok = (await writeEncoderDir(join(root, 'no-tok'))).dir;
    await rm(join(noTok, 'tokenizer.json'));
    await expect(resolveLocal(noTok)).rejects.toThrow(/tokenizer\.json is missing/);
    const noOnnx = (await writeEncoderDir(join(root, 'no-onnx'))).dir;
    await rm(join(noOnnx, 'onnx'), { recursive: true });
    await expect(resolveLocal(noOnnx)).rejects.toThrow(/no ONNX encoder in .*looked for onnx\/model\.onnx, model\.onnx/);
    const badTok = (await writeEncoderDir(join(root, 'bad-tok'))).dir;
    await writeFile(join(badTok, 'tokenizer.json'), '{"truncated": ');
    await expect(Encoder.load(await resolveLocal(badTok), opts)).rejects.toThrow(/the tokenizer .* could not be loaded/);
    const badOnnx = (await writeEncoderDir(join(root, 'bad-onnx'))).dir;
    await writeFile(join(badOnnx, 'onnx/model.onnx'), Buffer.from('this is not a protobuf model at all'));
    await expect(Encoder.load(await resolveLocal(badOnnx), opts)).rejects.toThrow(/onnxruntime could not load .*model\.onnx.*incomplete or not an ONNX model/);
  });

  it('featurizer: repeated texts and cached rows give the rows that encoding each text gives, in order', async () => {
    const store = new LocalStore(join(root, 'store'));
    const loc = await resolveLocal(dir);
    const encoder = await Encoder.load(loc, { ...opts, pooling: 'mean' });
    const texts = ['int a;', 'free(ptr);', 'int a;', 'return len;', 'free(ptr);'];
    const rows = (t: string[]) => async function* () { yield* t.map((func, i) => ({ id: `r${i}`, func, label: (i % 2) as 0 | 1, lang: 'c' as const, source: 'demo' })); };
    const expected = await encoder.embed(texts);
    const first = new EncoderFeaturizer(encoder, store, 'digest-x', undefined, silent);
    await first.featurize(rows(texts.slice(0, 2)), 'warm');
    const second = new EncoderFeaturizer(encoder, store, 'digest-x', undefined, silent);
    const f = await second.featurize(rows(texts), 'all');
    expect(second.stats).toEqual({ hits: 4, misses: 1 }); // 'int a;' and 'free(ptr);' twice each from the cache
    expect(f.x.kind === 'dense' && [f.x.rows, f.x.dim]).toEqual([5, 32]);
    for (let r = 0; r < 5; r++) {
      const row = (f.x as { data: Float32Array }).data.subarray(r * 32, (r + 1) * 32);
      Array.from(expected[r]).forEach((v, j) => expect(row[j]).toBeCloseTo(v, 5));
    }
    expect(Array.from(f.labels)).toEqual([0, 1, 0, 1, 0]);
    await encoder.close();
  });

  it('digests the tokenizer and ONNX bytes', async () => {
    const a = await encoderDigest(await resolveLocal(dir));
    const other = (await writeEncoderDir(join(root, 'other'), { seed: 99 })).dir;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await encoderDigest(await resolveLocal(other))).not.toBe(a);
  });

  it('parses hub ids with a revision', () => {
    expect(splitRevision('microsoft/codebert-base@v1.0')).toEqual({ source: 'microsoft/codebert-base', revision: 'v1.0' });
    expect(splitRevision('microsoft/codebert-base')).toEqual({ source: 'microsoft/codebert-base', revision: 'main' });
    expect(splitRevision('s3://bucket/enc@x')).toEqual({ source: 's3://bucket/enc@x', revision: 'main' });
  });
});

describe('hub download', () => {
  let root: string;
  let endpoint: string;
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer(async (req, res) => {
    requests.push({ url: req.url!, headers: req.headers });
    // Served at resolve-URL paths, like the hub: /<org>/<name>/resolve/<revision>/<file>
    const m = /^\/acme\/(tiny|rootonnx|gated|stalls)\/resolve\/main\/(.+)$/.exec(req.url!);
    if (m?.[1] === 'gated') { res.writeHead(401).end(); return; }
    if (m?.[1] === 'stalls') { res.writeHead(200); res.write('{"partial": '); return; } // and then nothing
    if (!m) { res.writeHead(404).end(); return; }
    const local = m[1] === 'rootonnx' && m[2] === 'onnx/model.onnx' ? '' : join(root, 'served', m[1], m[2]);
    const body = await readFile(local).catch(() => undefined);
    if (body) res.writeHead(200).end(body);
    else res.writeHead(404).end();
  });
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bugforge-hub-'));
    await writeEncoderDir(join(root, 'served', 'tiny'));
    await writeEncoderDir(join(root, 'served', 'rootonnx'), { onnxFile: 'model.onnx' });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await rm(root, { recursive: true, force: true });
  });
  const env = () => ({ BUGFORGE_CACHE_DIR: join(root, 'cache'), HF_TOKEN: 'hf_test_token' });

  it('downloads tokenizer files and the ONNX graph into the cache, with the token, once', async () => {
    const loc = await resolveEncoder('acme/tiny', { revision: 'main', hubEndpoint: endpoint, env: env() });
    expect(loc.kind).toBe('hub');
    expect(loc.dir).toBe(join(root, 'cache', 'models', 'hub', 'acme', 'tiny', 'main'));
    expect(loc.onnxFile).toBe('onnx/model.onnx');
    expect(await readFile(join(loc.dir, 'onnx/model.onnx'))).toEqual(await readFile(join(root, 'served/tiny/onnx/model.onnx')));
    expect(requests.map((r) => r.url)).toContain('/acme/tiny/resolve/main/tokenizer.json');
    expect(requests.every((r) => r.headers.authorization === 'Bearer hf_test_token')).toBe(true);
    const encoder = await Encoder.load(loc, opts);
    expect((await encoder.embed(['int a;']))[0]).toHaveLength(32);
    await encoder.close();
    const before = requests.length;
    await resolveEncoder('acme/tiny', { revision: 'main', hubEndpoint: endpoint, env: env() });
    expect(requests.length).toBe(before);
  });

  it('falls back to model.onnx at the repository root', async () => {
    const loc = await resolveEncoder('acme/rootonnx', { revision: 'main', hubEndpoint: endpoint, env: env() });
    expect(loc.onnxFile).toBe('model.onnx');
  });

  it('says what was looked for when the hub has no such model, and asks for HF_TOKEN when gated', async () => {
    await expect(resolveEncoder('acme/missing', { revision: 'main', hubEndpoint: endpoint, env: env() }))
      .rejects.toThrow(/acme\/missing\/resolve\/main\/tokenizer\.json does not exist.*optimum-cli export onnx/);
    await expect(resolveEncoder('acme/gated', { revision: 'main', hubEndpoint: endpoint, env: env() }))
      .rejects.toThrow(/answered 401.*set HF_TOKEN/);
  });

  it('gives up on a connection that stalls, keeping no partial file', async () => {
    const cacheDir = join(root, 'stall-cache');
    await expect(downloadHubEncoder('acme/stalls', { endpoint, revision: 'main', cacheDir, idleTimeoutMs: 300 }))
      .rejects.toThrow(/tokenizer\.json failed: no data for 0\.3 s; run again to retry/);
    await expect(readFile(join(cacheDir, 'models/hub/acme/stalls/main/tokenizer.json.part'))).rejects.toThrow(/ENOENT/);
  });
});
