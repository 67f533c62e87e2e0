// The shared hub client (stage-images/hub.ts) against local HTTP servers: a failed request keeps
// its cause — the error names the network's own error (a reset, a refused connection, a DNS
// failure), not only "fetch failed" — and a body that breaks off or stalls is fetched again.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetriesExhaustedError } from '../../../core/retry.js';
import { silentProgress } from '../../../core/stage/progress.js';
import { LocalStore } from '../../../core/store/local.js';
import { cacheHubDataset } from '../../../stage-images/analyze/hub.js';
import { downloadHubEncoder } from '../../../stage-images/features/hub.js';
import { HubHttpError, hubGet, hubResolveUrl, hubTreeUrl } from '../../../stage-images/hub.js';

const log = pino({ level: 'silent' });
let work: string;
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The chain of causes under an error, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bugforge-hub-client-'));
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await rm(work, { recursive: true, force: true });
});

describe('hub errors keep their cause', () => {
  it('a connection the server resets: the data set download names the socket error and keeps it as the cause', async () => {
    const endpoint = await serve((req) => req.socket.destroy());
    const store = new LocalStore(join(work, 'reset'));
    const error = await cacheHubDataset(store, { endpoint, name: 'acme/data', revision: 'main', log, progress: silentProgress, attempts: 2, retryDelayMs: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/failed after 2 attempts \(fetch failed: .*(other side closed|socket hang up|ECONNRESET)/);
    const chain = causes(error);
    expect(chain.some((e) => e instanceof RetriesExhaustedError)).toBe(true);
    const fetchFailed = chain.find((e) => e instanceof TypeError && e.message === 'fetch failed');
    expect((fetchFailed as Error | undefined)?.cause).toBeInstanceOf(Error); // undici's socket error, not dropped
  });

  it('a refused connection: ECONNREFUSED is in the message and in the cause chain', async () => {
    const endpoint = await serve(() => {});
    const closed = servers.pop()!;
    await new Promise((r) => closed.close(r));
    const error = await downloadHubEncoder('acme/tiny', { endpoint, revision: 'main', cacheDir: join(work, 'refused'), attempts: 2, retryDelayMs: 1 })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/after 2 attempts, downloading .*tokenizer\.json failed: fetch failed: .*ECONNREFUSED/);
    expect(causes(error).some((e) => (e as { code?: string }).code === 'ECONNREFUSED')).toBe(true);
  });

  it('a host that does not resolve: the DNS error is named, not only "fetch failed"', async () => {
    const error = await hubGet('http://hub.invalid/x', { endpoint: 'http://hub.invalid', attempts: 1 }, async () => 'never').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/fetch failed: getaddrinfo (ENOTFOUND|EAI_AGAIN) hub\.invalid/);
    expect(causes(error).some((e) => ['ENOTFOUND', 'EAI_AGAIN'].includes((e as { code?: string }).code ?? ''))).toBe(true);
  });

  it('a refused request is a HubHttpError with its status, not retried', async () => {
    let requests = 0;
    const endpoint = await serve((_req, res) => {
      requests++;
      res.writeHead(403).end();
    });
    const error = await hubGet(`${endpoint}/x`, { endpoint, attempts: 3, retryDelayMs: 1 }, async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubHttpError);
    expect(error).toMatchObject({ status: 403, message: `${endpoint}/x: HTTP 403` });
    expect(requests).toBe(1);
  });
});

describe('hub transfers', () => {
  it('fetches a body again when it breaks off, or stalls, part-way', async () => {
    let requests = 0;
    const endpoint = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-length': 10 });
      if (requests === 1) return void res.write('hel', () => res.socket?.destroy()); // breaks off
      if (requests === 2) return void res.write('hel'); // stalls
      res.end('hello body');
    });
    const text = await hubGet(`${endpoint}/f`, { endpoint, attempts: 3, retryDelayMs: 1, idleTimeoutMs: 200 }, async (_r, body) => Buffer.concat(await body.toArray()).toString());
    expect(text).toBe('hello body');
    expect(requests).toBe(3);
  });

  it('waits what a 429 Retry-After asks before the next attempt', async () => {
    const times: number[] = [];
    const endpoint = await serve((_req, res) => {
      times.push(Date.now());
      if (times.length === 1) return void res.writeHead(429, { 'retry-after': '1' }).end();
      res.end('ok');
    });
    const text = await hubGet(`${endpoint}/f`, { endpoint, attempts: 2, retryDelayMs: 1 }, async (_r, body) => Buffer.concat(await body.toArray()).toString());
    expect(text).toBe('ok');
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
  });

  it('builds model and data set URLs, encoding the revision', () => {
    expect(hubResolveUrl('https://hf.co/', { type: 'model', name: 'acme/tiny' }, 'refs/pr/1', 'onnx/model.onnx'))
      .toBe('https://hf.co/acme/tiny/resolve/refs%2Fpr%2F1/onnx/model.onnx');
    expect(hubResolveUrl('https://hf.co', { type: 'dataset', name: 'acme/data' }, 'main', 'data/a b.parquet'))
      .toBe('https://hf.co/datasets/acme/data/resolve/main/data/a%20b.parquet');
    expect(hubTreeUrl('https://hf.co', { type: 'model', name: 'acme/tiny' }, 'v1')).toBe('https://hf.co/api/models/acme/tiny/tree/v1?recursive=true');
  });

  it('leaves no partial encoder file when every attempt fails mid-body', async () => {
    const endpoint = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('{"partial":', () => res.socket?.destroy());
    });
    const cacheDir = join(work, 'partial');
    await expect(downloadHubEncoder('acme/tiny', { endpoint, revision: 'main', cacheDir, attempts: 2, retryDelayMs: 1 })).rejects.toThrow(/after 2 attempts/);
    const dir = join(cacheDir, 'models/hub/acme/tiny/main');
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });
});
