// The operator's HTTP endpoints: /healthz and /readyz on the health port, /metrics on the
// metrics port (node:http; the two routes do not need a framework).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Endpoints { port: number; close(): Promise<void> }

function listen(server: Server, port: number, host?: string): Promise<Endpoints> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
      });
    });
  });
}

/** /healthz: the process answers. /readyz: `ready()` says so (503 with the reason otherwise). */
export function serveHealth(port: number, ready: () => { ok: boolean; why: string }, host?: string): Promise<Endpoints> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const state = ready();
      res.writeHead(state.ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${state.why}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /readyz\n');
    }
  });
  return listen(server, port, host);
}

export function serveMetrics(port: number, registry: Registry, host?: string): Promise<Endpoints> {
  const server = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`),
    );
  });
  return listen(server, port, host);
}
