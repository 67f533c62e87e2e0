// An API server that accepts the connection and never answers must not hold a worker forever.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../../../operator/controller/apply.js';

describe('API calls with withTimeout()', () => {
  let server: Server;
  let kc: KubeConfig;
  let requests = 0;
  beforeAll(async () => {
    server = createServer(() => { requests++; /* never answers */ });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'hung', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'hung', user: 'u' }], currentContext: 'c',
    });
  });
  afterAll(async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); });

  it('give up on a request that gets no answer', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    const outcome = await batch.readNamespacedJob({ name: 'j', namespace: 'ns' }, withTimeout(300)).then(() => 'answered', (e: Error) => e.name + ': ' + e.message);
    expect(requests).toBe(1); // it did reach the server
    expect(outcome).toMatch(/abort|timeout/i);
  }, 20_000);
});
