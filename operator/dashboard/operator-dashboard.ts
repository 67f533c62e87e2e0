// The dashboard inside the operator process: its own informers (so a standby replica serves it
// too) and the HTTP server on its own port.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { DefaultStorage } from '../controller/config.js';
import { ClusterSource } from './cluster-source.js';
import { startDashboard } from './server.js';

export interface OperatorDashboardOptions {
  port: number;
  /** Retry, re-run and cancel (they patch PipelineRuns, which the operator may already do); off: read-only. */
  actions?: boolean;
  /** Secrets with store keys the dashboard may read to show artifacts (the chart grants get on exactly these names). */
  storeSecrets?: string[];
}

export async function startOperatorDashboard(kubeConfig: KubeConfig, namespace: string | undefined, options: OperatorDashboardOptions,
  defaultStorage: DefaultStorage | undefined, log: Logger, host?: string): Promise<{ port: number; close(): Promise<void> }> {
  const source = new ClusterSource({ kubeConfig, namespace, log, defaultStorage, storeSecrets: options.storeSecrets });
  await source.start();
  try {
    const server = await startDashboard({ source, port: options.port, host, actions: options.actions, log });
    log.info({ port: server.port, actions: Boolean(options.actions) }, `dashboard on port ${server.port}${options.actions ? ' (actions enabled)' : ' (read-only)'}`);
    return {
      port: server.port,
      async close() {
        await server.close();
        await source.stop();
      },
    };
  } catch (error) {
    await source.stop();
    throw error;
  }
}
