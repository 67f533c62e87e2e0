// `bugforge ui`: the dashboard over a local store (what `bugforge run --local` wrote), served on
// localhost only. The same pages the operator serves on the cluster; read-only.
import { dirname, resolve } from 'node:path';
import { createLogger } from '../../core/log.js';
import { openStore, s3ConnectionFromEnv } from '../../core/store/open.js';
import { defaultLogDir } from '../../operator/local/runner.js';
import { LocalSource } from '../../operator/dashboard/local-source.js';
import { loopbackHost, startDashboard } from '../../operator/dashboard/server.js';

export interface UiOptions { store: string; s3Endpoint?: string; logs?: string; port: string; host: string }

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function uiCommand(opts: UiOptions): Promise<void> {
  if (!LOOPBACK.has(opts.host)) {
    throw new Error(`--host ${opts.host}: bugforge ui serves on localhost only (127.0.0.1, ::1); on a cluster the operator serves the dashboard`);
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${opts.port}: not a port number`);
  const store = openStore(opts.store, { ...s3ConnectionFromEnv(), ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}) });
  // Where `bugforge run --local` with the same --store wrote its logs.
  const logRoot = resolve(opts.logs ?? dirname(defaultLogDir({ metadata: { name: 'run' } } as Parameters<typeof defaultLogDir>[0], opts.store)));
  const source = new LocalSource({ store, logRoot });
  await source.start();
  const log = createLogger('bugforge.ui');
  const dashboard = await startDashboard({ source, port, host: opts.host === 'localhost' ? '127.0.0.1' : opts.host, allowedHosts: loopbackHost, log });
  process.stdout.write(`bugforge dashboard: ${dashboard.url} (store ${store.uri}, logs ${logRoot}; Ctrl-C to stop)\n`);
  await new Promise<void>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done());
  });
  await dashboard.close();
  await source.stop();
}
