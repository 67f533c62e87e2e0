// The controller: informers feed a work queue of run keys; workers take a key, read the run,
// its Jobs and Pods from the caches, call the pure reconcile and apply what it says.
import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { RunPhase } from '../../api/v1alpha1/status.js';
import { createJobs, deleteJobs, describeApiError, makeClients, patchRunFinalizers, patchRunStatus, type Clients } from './apply.js';
import { EventRecorder } from './event-recorder.js';
import type { ReconcileConfig } from './config.js';
import { clusterInformers, type ClusterInformers } from './informers.js';
import type { OperatorMetrics } from './metrics.js';
import { LABELS, RUN_NAME_ANNOTATION, runKey, splitKey } from './names.js';
import { reconcile } from './reconcile.js';
import { WorkQueue } from './workqueue.js';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace (default: all). */
  namespace?: string;
  reconcileConfig: ReconcileConfig;
  workers?: number;
  resyncSeconds?: number;
  log: Logger;
  metrics: OperatorMetrics;
  /** Who is reconciling (Event reportingInstance). */
  identity: string;
}

const CREATED_GRACE_MS = 60_000;

export class Controller {
  readonly queue = new WorkQueue();
  private readonly informers: ClusterInformers;
  private readonly clients: Clients;
  private readonly workers: Promise<void>[] = [];
  private resyncTimer?: NodeJS.Timeout;
  /** Status we wrote, keyed by run, with the resourceVersion it replaced: a cache that still shows that version is stale. */
  private readonly written = new Map<string, { replacedVersion?: string; run: PipelineRun }>();
  /** Jobs we created that the Job cache may not show yet (keeps parallelism honest under watch lag). */
  private readonly created = new Map<string, { job: V1Job; at: number }>();
  private running = false;
  readonly events: EventRecorder;
  /** Runs reconciled since this controller started: the first reconcile of each records its Events again (a crash may have lost some). */
  private readonly seen = new Set<string>();

  constructor(private readonly options: ControllerOptions) {
    this.informers = clusterInformers(options.kubeConfig, options.namespace, options.log, {
      onError: () => options.metrics.errors.inc({ where: 'informer' }),
    });
    this.clients = makeClients(options.kubeConfig);
    this.events = new EventRecorder(this.clients.core, options.identity, {
      onError: (error, event) => {
        options.metrics.errors.inc({ where: 'event' });
        options.log.warn({ reason: event.reason }, `could not record Event ${event.reason}: ${describeApiError(error)}`);
      },
    });
    const enqueueRun = (run: PipelineRun) => this.queue.add(runKey(run.metadata.namespace ?? 'default', run.metadata.name));
    const enqueueOwner = (obj: V1Job | V1Pod) => {
      const name = obj.metadata?.annotations?.[RUN_NAME_ANNOTATION] ?? obj.metadata?.labels?.[LABELS.run];
      if (name && obj.metadata?.namespace) this.queue.add(runKey(obj.metadata.namespace, name));
    };
    this.informers.runs.cache.on('add', enqueueRun);
    this.informers.runs.cache.on('update', enqueueRun);
    this.informers.runs.cache.on('delete', (run) => {
      const key = runKey(run.metadata.namespace ?? 'default', run.metadata.name);
      this.queue.forget(key);
      this.written.delete(key);
      this.seen.delete(key);
    });
    for (const verb of ['add', 'update', 'delete'] as const) {
      this.informers.jobs.cache.on(verb, enqueueOwner);
      this.informers.pods.cache.on(verb, enqueueOwner);
    }
    options.metrics.attach({ queueDepth: () => this.queue.length, runsByPhase: () => this.runsByPhase() });
  }

  /** All caches listed and watching. */
  get synced(): boolean {
    return this.informers.runs.synced && this.informers.jobs.synced && this.informers.pods.synced;
  }

  async start(): Promise<void> {
    this.running = true;
    // Jobs and Pods first, so that the first reconcile of each run sees what already exists.
    await Promise.all([this.informers.jobs.start(), this.informers.pods.start()]);
    await this.informers.runs.start();
    for (let i = 0; i < (this.options.workers ?? 4); i++) this.workers.push(this.work());
    const resync = (this.options.resyncSeconds ?? 60) * 1000;
    this.resyncTimer = setInterval(() => { for (const run of this.informers.runs.cache.list()) this.queue.add(runKey(run.metadata.namespace ?? 'default', run.metadata.name)); }, resync);
    this.resyncTimer.unref?.();
    this.options.log.info({ namespace: this.options.namespace ?? '(all)' }, 'controller started');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.resyncTimer);
    this.queue.shutDown();
    await Promise.all([this.informers.runs.stop(), this.informers.jobs.stop(), this.informers.pods.stop()]);
    await Promise.all(this.workers.splice(0));
    await this.events.flush();
    this.options.log.info('controller stopped');
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const end = this.options.metrics.reconcileSeconds.startTimer();
      const started = performance.now();
      try {
        const { requeueAfterMs, planMs } = await this.reconcileKey(key);
        this.queue.forget(key);
        if (requeueAfterMs !== undefined) this.queue.addAfter(key, requeueAfterMs);
        this.options.metrics.reconciles.inc({ result: 'success' });
        this.options.log.debug({ run: key, ms: performance.now() - started, planMs }, 'reconciled');
      } catch (error) {
        const delay = this.running ? this.queue.addRateLimited(key) : 0;
        this.options.metrics.reconciles.inc({ result: 'error' });
        this.options.metrics.errors.inc({ where: 'reconcile' });
        this.options.log.warn({ run: key, retryInMs: delay }, `reconcile ${key} failed: ${describeApiError(error)}; retrying in ${delay} ms`);
      } finally {
        end();
        this.queue.done(key);
      }
    }
  }

  /**
   * One reconcile of one run. Returns when to look again, if the reconcile asked, and planMs: the
   * time spent before the API calls (reading the caches and planning), the operator's own part.
   */
  async reconcileKey(key: string): Promise<{ requeueAfterMs?: number; planMs: number }> {
    const started = performance.now();
    const { namespace, name } = splitKey(key);
    let run = this.informers.runs.cache.get(name, namespace) as PipelineRun | undefined;
    if (!run) return { planMs: performance.now() - started };
    const mine = this.written.get(key);
    if (mine && mine.run.metadata.uid === run.metadata.uid && run.metadata.resourceVersion === mine.replacedVersion) run = mine.run;
    const jobs = this.jobsOf(namespace, name);
    const pods = this.informers.pods.cache.list(namespace).filter((p) => p.metadata?.annotations?.[RUN_NAME_ANNOTATION] === name);
    const replayEvents = !this.seen.has(key);
    const result = reconcile(run, jobs, pods, new Date(), this.options.reconcileConfig, { replayEvents });
    this.seen.add(key);
    const planMs = performance.now() - started;

    // The Job creates and deletes and the status write do not depend on each other: all at once.
    const [created, , updated] = await Promise.all([
      result.jobsToCreate.length ? createJobs(this.clients.batch, namespace, result.jobsToCreate) : undefined,
      result.jobsToDelete.length ? deleteJobs(this.clients.batch, namespace, result.jobsToDelete) : undefined,
      result.statusChanged ? patchRunStatus(this.clients.custom, run, result.status) : run,
      result.finalizers ? patchRunFinalizers(this.clients.custom, run, result.finalizers) : undefined,
    ]);
    if (created) {
      for (const job of created.created) this.created.set(`${namespace}/${job.metadata?.name}`, { job, at: Date.now() });
      this.options.metrics.jobsCreated.inc(created.created.length);
      if (created.existed.length) this.options.log.warn({ run: key, jobs: created.existed }, `Job(s) ${created.existed.join(', ')} already exist: looking again`);
    }
    if (result.jobsToDelete.length) this.options.log.info({ run: key, jobs: result.jobsToDelete }, `deleting Job(s) ${result.jobsToDelete.join(', ')}`);
    if (!updated) return { planMs }; // the run is gone
    if (result.statusChanged) this.written.set(key, { replacedVersion: run.metadata.resourceVersion, run: updated });
    // Events after the status they describe is written (never before): recorded off this path, named so none is duplicated.
    this.events.record(updated, result.events);
    for (const event of result.events) this.options.log[replayEvents ? 'debug' : 'info']({ run: key, reason: event.reason }, event.message);
    return { requeueAfterMs: created?.existed.length ? 1000 : result.requeueAfterMs, planMs };
  }

  /** The run's Jobs: the cache, plus Jobs created lately that the cache does not show yet. */
  private jobsOf(namespace: string, name: string): V1Job[] {
    const cached = this.informers.jobs.cache.list(namespace).filter((j) => j.metadata?.annotations?.[RUN_NAME_ANNOTATION] === name);
    const seen = new Set(cached.map((j) => j.metadata?.name));
    const now = Date.now();
    const extra: V1Job[] = [];
    for (const [k, { job, at }] of this.created) {
      const here = job.metadata?.namespace === namespace;
      if (now - at > CREATED_GRACE_MS || (here && seen.has(job.metadata?.name))) {
        this.created.delete(k);
        continue;
      }
      if (here && job.metadata?.annotations?.[RUN_NAME_ANNOTATION] === name) extra.push(job);
    }
    return [...cached, ...extra];
  }

  private runsByPhase(): Map<RunPhase | 'Unknown', number> {
    const counts = new Map<RunPhase | 'Unknown', number>();
    for (const run of this.informers.runs.cache.list()) {
      const phase = (run as PipelineRun).status?.phase ?? 'Unknown';
      counts.set(phase, (counts.get(phase) ?? 0) + 1);
    }
    return counts;
  }
}
