// Runs the operator: the HTTP endpoints, then either the controller directly or, with leader
// election, the controller only while this replica holds the Lease.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Controller } from './controller.js';
import type { ReconcileConfig } from './config.js';
import { LeaderElector } from './leader.js';
import { OperatorMetrics } from './metrics.js';
import { serveHealth, serveMetrics, type Endpoints } from './servers.js';
import type { OperatorDashboardOptions } from '../dashboard/operator-dashboard.js';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  namespace?: string;
  reconcileConfig: ReconcileConfig;
  leaderElection?: { namespace: string; leaseName: string; leaseDurationSeconds?: number; renewDeadlineSeconds?: number; retryPeriodSeconds?: number };
  /** Ports for /metrics and /healthz,/readyz; 0 picks a free one; undefined serves none. */
  metricsPort?: number;
  healthPort?: number;
  /** Address to listen on (default all). */
  host?: string;
  resyncSeconds?: number;
  workers?: number;
  identity?: string;
  log: Logger;
  /** Off in tests that start several operators in one process. */
  processMetrics?: boolean;
  /** The web dashboard on its own port (every replica serves it, leader or not); undefined: none. */
  dashboard?: OperatorDashboardOptions;
}

export interface RunningOperator {
  identity: string;
  metrics: OperatorMetrics;
  readonly isLeader: boolean;
  /** The controller of the current leadership term (undefined while standing by). */
  readonly controller: Controller | undefined;
  metricsPort?: number;
  healthPort?: number;
  dashboardPort?: number;
  stop(): Promise<void>;
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const { log } = options;
  const identity = options.identity ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
  const metrics = new OperatorMetrics(options.processMetrics ?? true);
  let controller: Controller | undefined;
  let starting: Promise<void> | undefined;
  const newController = () => new Controller({
    kubeConfig: options.kubeConfig, namespace: options.namespace, reconcileConfig: options.reconcileConfig,
    workers: options.workers, resyncSeconds: options.resyncSeconds, log, metrics, identity,
  });
  const lead = async () => {
    controller = newController();
    metrics.leader.set(1);
    starting = controller.start();
    await starting.catch((error: unknown) => log.error({ err: error }, `controller did not start: ${(error as Error).message}`));
  };
  const standDown = async () => {
    metrics.leader.set(0);
    const c = controller;
    controller = undefined;
    await starting;
    await c?.stop();
  };

  const elector = options.leaderElection
    ? new LeaderElector(options.kubeConfig, {
      namespace: options.leaderElection.namespace, name: options.leaderElection.leaseName, identity, log,
      leaseDurationSeconds: options.leaderElection.leaseDurationSeconds, renewDeadlineSeconds: options.leaderElection.renewDeadlineSeconds,
      retryPeriodSeconds: options.leaderElection.retryPeriodSeconds,
      onStartedLeading: lead, onStoppedLeading: standDown, onError: () => metrics.errors.inc({ where: 'leader-election' }),
    })
    : undefined;

  const ready = () => {
    if (elector && !elector.isLeader) return { ok: true, why: 'standby (not the leader)' };
    if (!controller?.synced) return { ok: false, why: 'informers not synced yet' };
    return { ok: true, why: 'ok' };
  };
  const endpoints: Endpoints[] = [];
  const health = options.healthPort === undefined ? undefined : await serveHealth(options.healthPort, ready, options.host);
  const metricsServer = options.metricsPort === undefined ? undefined : await serveMetrics(options.metricsPort, metrics.registry, options.host);
  // Loaded only when asked for: the dashboard's modules cost the operator ~25 MiB of RSS otherwise.
  const dashboard = options.dashboard
    ? await (await import('../dashboard/operator-dashboard.js')).startOperatorDashboard(options.kubeConfig, options.namespace, options.dashboard, options.reconcileConfig.defaultStorage, log, options.host)
    : undefined;
  for (const e of [health, metricsServer, dashboard]) if (e) endpoints.push(e);

  if (elector) elector.start();
  else await lead();
  log.info({ identity, leaderElection: Boolean(elector), namespace: options.namespace ?? '(all)' }, 'bugforge operator running');

  return {
    identity,
    metrics,
    get isLeader() { return elector ? elector.isLeader : true; },
    get controller() { return controller; },
    metricsPort: metricsServer?.port,
    healthPort: health?.port,
    dashboardPort: dashboard?.port,
    async stop() {
      if (elector) await elector.stop();
      else await standDown();
      await Promise.all(endpoints.map((e) => e.close()));
    },
  };
}
