// The hub download against a local HTTP server that answers like the Hugging Face hub: the
// tree listing API (paginated), resolve URLs that redirect to a file host, a transient 503.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { silentProgress } from '../../../core/stage/progress.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';
import { analyzeStage } from '../../../stage-images/analyze/index.js';
import { cacheHubDataset, resolveUrl, splitOfPath, treeUrl } from '../../../stage-images/analyze/hub.js';
import { C_FUNCTIONS as F, writeHfParquet, type HfRow } from '../../fixtures/analyze/functions.js';

const log = pino({ level: 'silent' });
const NAME = 'google/code_x_glue_cc_defect_detection';
const rows = (start: number, funcs: string[]): HfRow[] =>
  funcs.map((func, i) => ({ id: start + i, func, target: i % 2 === 1, project: i % 2 ? 'qemu' : 'FFmpeg', commit_id: `c${start + i}` }));

interface Hub { server: Server; endpoint: string; requests: { path: string; auth?: string }[]; files: Map<string, Buffer>; failOnce: Set<string>; listing: boolean }
let work: string;
let hub: Hub;

async function startHub(files: Map<string, Buffer>): Promise<Hub> {
  const state = { requests: [] as Hub['requests'], failOnce: new Set<string>(), listing: true };
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url!, 'http://x');
    state.requests.push({ path: url.pathname + url.search, auth: req.headers.authorization });
    const treePrefix = `/api/datasets/${NAME}/tree/main`;
    if (url.pathname === treePrefix && state.listing) {
      const entries = [
        { type: 'file', path: '.gitattributes', size: 10 },
        { type: 'directory', path: 'data' },
        ...[...files.entries()].map(([path, body]) => ({ type: 'file', path, size: body.length, lfs: { size: body.length } })),
        { type: 'file', path: 'README.md', size: 100 },
      ];
      const page = url.searchParams.get('cursor') === 'p2' ? entries.slice(3) : entries.slice(0, 3);
      if (!url.searchParams.get('cursor')) res.setHeader('link', `<${endpoint}${treePrefix}?recursive=true&cursor=p2>; rel="next"`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(page));
      return;
    }
    const resolvePrefix = `/datasets/${NAME}/resolve/main/`;
    if (url.pathname.startsWith(resolvePrefix)) {
      const path = decodeURIComponent(url.pathname.slice(resolvePrefix.length));
      if (!files.has(path)) return void res.writeHead(404).end('Entry not found');
      if (state.failOnce.delete(path)) return void res.writeHead(503).end('try again');
      res.writeHead(302, { location: `/cdn/${encodeURIComponent(path)}` }).end(); // the hub redirects to its file host
      return;
    }
    if (url.pathname.startsWith('/cdn/')) {
      const body = files.get(decodeURIComponent(url.pathname.slice(5)))!;
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { server, endpoint, files });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bugforge-hub-'));
  const files = new Map<string, Buffer>();
  const parts: [string, HfRow[]][] = [
    ['data/train-00000-of-00001.parquet', rows(0, [F.clampChannels, F.readTagUnchecked, F.freeQueue, F.freeQueueUaf])],
    ['data/validation-00000-of-00001.parquet', rows(0, [F.readTag, F.readTagUnchecked])],
    ['data/test-00000-of-00001.parquet', rows(0, [F.copyName, F.freeQueueUaf, F.clampChannels])],
  ];
  for (const [path, r] of parts) {
    const file = join(work, path.replaceAll('/', '_'));
    await writeHfParquet(file, r);
    files.set(path, await readFile(file));
  }
  hub = await startHub(files);
});
afterAll(async () => {
  hub.server.close();
  await rm(work, { recursive: true, force: true });
});

describe('hub URLs', () => {
  it('builds the tree listing and resolve URLs, encoding the revision', () => {
    const o = { endpoint: 'https://huggingface.co/', name: NAME, revision: 'refs/convert/parquet', log, progress: silentProgress };
    expect(treeUrl(o)).toBe(`https://huggingface.co/api/datasets/${NAME}/tree/refs%2Fconvert%2Fparquet?recursive=true`);
    expect(resolveUrl(o, 'data/train-00000-of-00001.parquet')).toBe(`https://huggingface.co/datasets/${NAME}/resolve/refs%2Fconvert%2Fparquet/data/train-00000-of-00001.parquet`);
    expect(['data/train-00000-of-00001.parquet', 'valid.jsonl', 'dev.csv', 'data/test-00002-of-00003.parquet', 'contest.parquet'].map(splitOfPath))
      .toEqual(['train', 'validation', 'validation', 'test', undefined]);
  });
});

describe('analyze from the hub', () => {
  it('lists the parquet files (following pagination), downloads them with the token through redirects, retrying a 503, then reads the cache', async () => {
    const store = new LocalStore(join(work, 'store'));
    const spec = validateSpec({ dataset: { source: 'huggingface', hubEndpoint: hub.endpoint } });
    hub.failOnce.add('data/validation-00000-of-00001.parquet');
    hub.requests.length = 0;
    const first = await executeStage(analyzeStage, { run: { namespace: 't', name: 'hub-1', uid: 'u' }, spec, store, log, env: { HF_TOKEN: 'hf_secret' } });
    expect(first.manifest.counts).toMatchObject({ train: 4, validation: 2, test: 3, functions: 9, malformed: 0 });
    const paths = hub.requests.map((r) => r.path);
    expect(paths.filter((p) => p.startsWith('/api/'))).toEqual([
      `/api/datasets/${NAME}/tree/main?recursive=true`,
      `/api/datasets/${NAME}/tree/main?recursive=true&cursor=p2`,
    ]);
    expect(paths.filter((p) => p.includes('/resolve/')).length).toBe(4); // 3 files + 1 retry after the 503
    expect(paths.filter((p) => p.startsWith('/cdn/')).length).toBe(3);
    expect(hub.requests.filter((r) => !r.path.startsWith('/cdn/')).every((r) => r.auth === 'Bearer hf_secret')).toBe(true);
    expect(await store.exists(`cache/hf/google/code_x_glue_cc_defect_detection/main/data/train-00000-of-00001.parquet`)).toBe(true);

    // Another run on the same store, with the cross-run stage cache off: the stage runs again,
    // and the hub sees no request (the files come from the download cache).
    hub.requests.length = 0;
    const second = await executeStage(analyzeStage, { run: { namespace: 't', name: 'hub-2', uid: 'u' }, spec: { ...spec, cache: false }, store, log, env: {} });
    expect(second.status).toBe('succeeded');
    expect(second.manifest.counts).toEqual(first.manifest.counts);
    expect(hub.requests).toEqual([]);
  });

  it('falls back to the conventional parquet layout when the listing API is missing (a plain mirror)', async () => {
    hub.listing = false;
    try {
      const store = new LocalStore(join(work, 'store-mirror'));
      const files = await cacheHubDataset(store, { endpoint: hub.endpoint, name: NAME, revision: 'main', log, progress: silentProgress, retryDelayMs: 1 });
      expect(files.map((f) => [f.split, f.downloaded])).toEqual([['train', true], ['validation', true], ['test', true]]);
    } finally {
      hub.listing = true;
    }
  });

  it('says what to check when the data set does not exist', async () => {
    const store = new LocalStore(join(work, 'store-missing'));
    await expect(cacheHubDataset(store, { endpoint: hub.endpoint, name: 'nobody/nothing', revision: 'main', log, progress: silentProgress, retryDelayMs: 1 }))
      .rejects.toThrow(/HTTP 404: no such data set or file; check dataset\.name \(nobody\/nothing\)/);
    expect(await store.exists('cache/hf/nobody/nothing/main/_files.json')).toBe(false);
  });

  it('gives up after its attempts on a server that keeps failing, leaving no partial file', async () => {
    const store = new LocalStore(join(work, 'store-down'));
    const down = createServer((_req, res) => res.writeHead(502).end());
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
      await expect(cacheHubDataset(store, { endpoint, name: NAME, revision: 'main', log, progress: silentProgress, attempts: 2, retryDelayMs: 1 }))
        .rejects.toThrow(/failed after 2 attempts/);
      const keys: string[] = [];
      for await (const o of store.list('cache/')) keys.push(o.key);
      expect(keys.filter((k) => k.endsWith('.parquet'))).toEqual([]);
    } finally {
      down.close();
    }
  });
});
