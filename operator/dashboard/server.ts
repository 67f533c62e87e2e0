// The dashboard's HTTP server (node:http): the page, its bundle, a JSON API over a
// DashboardSource, live updates as server-sent events, logs and artifacts streamed, and the
// actions (only when enabled, same-origin with a CSRF token).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { STAGE_NAMES } from '../../api/v1alpha1/names.js';
import { readText } from '../../core/store/store.js';
import { BUGFORGE_VERSION } from '../../core/version.js';
import { listArtifacts, publishedKey, INLINE_LIMIT } from './artifacts.js';
import { assetsDir, indexHtml } from './assets.js';
import { compareEntry, compareView } from './compare.js';
import { Csrf } from './csrf.js';
import { formatLogLine } from './log-format.js';
import type { DashboardConfig, LiveEvent, RunSummary } from './model.js';
import { BadRequest, NotFound, type DashboardSource } from './source.js';

export interface DashboardOptions {
  source: DashboardSource;
  port: number;
  /** Address to bind (`bugforge ui`: 127.0.0.1). */
  host?: string;
  /** Actions (retry, re-run, cancel); off: read-only. */
  actions?: boolean;
  /** Only answer requests whose Host is one of these (local: localhost names; blocks DNS rebinding). */
  allowedHosts?: (host: string) => boolean;
  log?: Logger;
  assets?: string;
}

export interface RunningDashboard { port: number; url: string; close(): Promise<void> }

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'SAMEORIGIN',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};
/** A stage's HTML report, shown in a frame: no scripts, no requests. */
const REPORT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8', '.html': 'text/html; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
};
const extOf = (path: string) => /\.[a-z0-9]+$/i.exec(path)?.[0].toLowerCase() ?? '';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** For servers bound to loopback: Host must name loopback (refuses DNS-rebinding pages). */
export const loopbackHost = (host: string): boolean => LOCAL_HOSTS.has(host.replace(/:\d+$/, '').toLowerCase());

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (!chunks.length) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('request body is not JSON');
  }
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { source } = options;
  const csrf = new Csrf();
  const assets = options.assets ?? assetsDir();
  const actions = Boolean(options.actions && source.act);
  const clients = new Set<{ res: ServerResponse; namespace?: string }>();

  const unsubscribe = source.onChange((key, summary) => {
    const event: LiveEvent = summary ? { type: 'run', run: summary } : { type: 'deleted', namespace: key.namespace, name: key.name };
    const data = `data: ${JSON.stringify(source.redactor.value(event))}\n\n`;
    for (const c of clients) if (!c.namespace || c.namespace === key.namespace) c.res.write(data);
  });
  const keepAlive = setInterval(() => { for (const c of clients) c.res.write(': keep-alive\n\n'); }, 15_000);
  keepAlive.unref();

  const page = (req: IncomingMessage, res: ServerResponse) => {
    const token = csrf.session(req, res, false);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(indexHtml(token, BUGFORGE_VERSION));
  };

  const asset = async (res: ServerResponse, name: string) => {
    if (!/^[a-z0-9-]+\.(js|css|js\.map)$/.test(name)) return send(res, 404, `no asset ${name}\n`);
    const path = join(assets, name);
    try {
      await stat(path);
    } catch {
      return send(res, 404, `no asset ${name}: build the dashboard (npm run build)\n`);
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[extOf(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(path).pipe(res);
  };

  const runSummaries = (namespace?: string): RunSummary[] => source.listRuns(namespace)
    .sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name));

  const streamLog = async (req: IncomingMessage, res: ServerResponse, ns: string, name: string, stage: string, unit: string | undefined, follow: boolean) => {
    if (!(STAGE_NAMES as readonly string[]).includes(stage)) throw new NotFound(`no stage ${stage}`);
    if (unit !== undefined && !/^batch-\d{4}$/.test(unit)) throw new NotFound(`no unit ${unit}`);
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const lines = await source.log({ namespace: ns, name, stage, unit, follow, signal: abort.signal });
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    try {
      for await (const line of lines) {
        if (abort.signal.aborted) break;
        res.write(source.redactor.text(formatLogLine(line)) + '\n');
      }
    } catch (error) {
      res.write(`\n[log ended: ${source.redactor.text((error as Error).message)}]\n`);
    }
    res.end();
  };

  const serveFile = async (req: IncomingMessage, res: ServerResponse, ns: string, name: string, path: string, download: boolean) => {
    const runStore = await source.store(ns, name);
    if ('error' in runStore) return send(res, 503, { error: runStore.error });
    const { key, size } = await publishedKey(runStore.store, runStore.prefix, path);
    const ext = extOf(key);
    const file = key.split('/').at(-1) ?? 'artifact';
    if (download) {
      res.writeHead(200, {
        ...SECURITY_HEADERS, 'content-type': 'application/octet-stream', 'cache-control': 'no-store',
        'content-disposition': `attachment; filename="${file.replace(/[^A-Za-z0-9._-]/g, '_')}"`, ...(size !== undefined ? { 'content-length': String(size) } : {}),
      });
      const body = await runStore.store.read(key);
      req.on('close', () => body.destroy());
      body.pipe(res);
      return;
    }
    if (ext === '.html') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': REPORT_CSP, 'x-frame-options': 'SAMEORIGIN' });
      (await runStore.store.read(key)).pipe(res);
      return;
    }
    if ((ext === '.json' || ext === '.md') && (size ?? 0) <= INLINE_LIMIT) {
      const text = source.redactor.text(await readText(runStore.store, key));
      return send(res, 200, text, { 'content-type': CONTENT_TYPES[ext] });
    }
    return send(res, 415, `${file} is not shown inline: download it\n`);
  };

  const act = async (req: IncomingMessage, res: ServerResponse, ns: string, name: string, action: string) => {
    if (!actions) return send(res, 403, { error: 'actions are disabled: this dashboard is read-only (install it with dashboard.actions.enabled=true to allow retry, re-run and cancel)' });
    const refusal = csrf.refusal(req);
    if (refusal) return send(res, 403, { error: refusal });
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'actions take a JSON body (content-type: application/json)' });
    if (action !== 'cancel' && action !== 'retry' && action !== 'rerun') throw new NotFound(`no action ${action}`);
    const body = await readBody(req) as { stage?: unknown };
    const stage = typeof body.stage === 'string' ? body.stage : undefined;
    if (action === 'rerun' && (!stage || !(STAGE_NAMES as readonly string[]).includes(stage))) throw new BadRequest(`re-run needs a stage: one of ${STAGE_NAMES.join(', ')}`);
    const message = await source.act!({ namespace: ns, name, action, ...(stage ? { stage } : {}) });
    options.log?.info({ namespace: ns, run: name, action, stage }, `dashboard action: ${message}`);
    return send(res, 200, { ok: true, message });
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    const method = req.method ?? 'GET';
    if (parts[0] !== 'api') {
      if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'method not allowed\n');
      if (parts[0] === 'assets' && parts.length === 2) return asset(res, parts[1]);
      if (parts.length === 0 || parts[0] === 'runs' || parts[0] === 'compare') return page(req, res);
      if (parts[0] === 'healthz') return send(res, 200, 'ok\n');
      return send(res, 404, 'not found\n');
    }
    const [, what, ns, name, sub, ...rest] = parts;
    if (method === 'POST' && what === 'runs' && ns && name && sub === 'actions' && rest.length === 1) return act(req, res, ns, name, rest[0]);
    if (method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    if (what === 'config') {
      const config: DashboardConfig = { mode: source.mode, actions, namespaces: source.namespaces(), csrfToken: csrf.session(req, res, false), version: BUGFORGE_VERSION };
      return send(res, 200, config);
    }
    if (what === 'events') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 1000\n\n');
      const client = { res, namespace: url.searchParams.get('namespace') || undefined };
      clients.add(client);
      req.on('close', () => clients.delete(client));
      return;
    }
    if (what === 'runs' && !ns) return send(res, 200, source.redactor.value(runSummaries(url.searchParams.get('namespace') || undefined)));
    if (what === 'compare') {
      const keys = url.searchParams.getAll('run');
      if (keys.length < 2) throw new BadRequest('compare needs two or more runs: ?run=<namespace>/<name>&run=…');
      const entries = [];
      for (const key of keys.slice(0, 8)) {
        const at = key.indexOf('/');
        const detail = at > 0 ? await source.run(key.slice(0, at), key.slice(at + 1)) : undefined;
        if (!detail) throw new NotFound(`no run ${key}`);
        entries.push(await compareEntry(detail, await source.store(detail.summary.namespace, detail.summary.name)));
      }
      return send(res, 200, source.redactor.value(compareView(entries)));
    }
    if (what === 'runs' && ns && name) {
      if (!sub) {
        const detail = await source.run(ns, name);
        if (!detail) throw new NotFound(`no run ${ns}/${name}`);
        return send(res, 200, source.redactor.value({ ...detail, actions: { ...detail.actions, enabled: actions && detail.actions.enabled } }));
      }
      if (sub === 'log' && (rest.length === 1 || rest.length === 2)) return streamLog(req, res, ns, name, rest[0], rest[1], url.searchParams.get('follow') === '1');
      if (sub === 'artifacts') {
        const detail = await source.run(ns, name);
        if (!detail) throw new NotFound(`no run ${ns}/${name}`);
        const runStore = await source.store(ns, name);
        if ('error' in runStore) return send(res, 200, { units: [], error: runStore.error });
        return send(res, 200, await listArtifacts(runStore.store, runStore.prefix, detail.stages));
      }
      if (sub === 'files' && rest.length) return serveFile(req, res, ns, name, rest.join('/'), url.searchParams.get('download') === '1');
    }
    return send(res, 404, { error: `no API ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    if (options.allowedHosts && !options.allowedHosts(req.headers.host ?? '')) {
      send(res, 421, `refused: Host ${JSON.stringify(req.headers.host ?? '')} is not this dashboard (it answers on localhost only)\n`);
      return;
    }
    route(req, res).catch((error: unknown) => {
      const status = error instanceof NotFound ? 404 : error instanceof BadRequest ? 400 : 500;
      if (status === 500) options.log?.warn({ err: error, url: req.url }, 'dashboard request failed');
      const message = source.redactor.text((error as Error).message);
      if (res.headersSent) res.end(`\n[error: ${message}]\n`);
      else send(res, status, { error: message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `http://${shownHost}:${port}/`,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      for (const c of clients) c.res.end();
      server.closeAllConnections?.();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
