// The dashboard on the cluster: runs, their Jobs and Pods from informers (the operator's
// informers.ts), Events and Pod logs from the API server, artifacts from the run's store (with
// the store keys of a Secret the chart allows the dashboard to read), and the actions as the
// fields the operator acts on: `spec.status: Cancelled`, the `bugforge.dev/retry` annotations.
import { PassThrough } from 'node:stream';
import {
  CoreV1Api, CustomObjectsApi, Log, PatchStrategy, setHeaderOptions,
  type CoreV1Event, type KubeConfig, type KubernetesObject, type V1Job, type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { cancelPatch, retryPatch } from '../../api/v1alpha1/actions.js';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { runPrefix } from '../../core/stage/layout.js';
import { s3ConnectionFromEnv } from '../../core/store/open.js';
import { S3Store } from '../../core/store/s3.js';
import { describeApiError, withTimeout } from '../controller/apply.js';
import { resolveStorage, type DefaultStorage } from '../controller/config.js';
import { clusterInformers, type ClusterInformers } from '../controller/informers.js';
import { CONTAINER_NAME } from '../controller/job-spec.js';
import { jobName, RUN_NAME_ANNOTATION } from '../controller/names.js';
import { jobNameOfPod, jobOutcome, podSummary } from '../controller/observe.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import { buildGraph, type Observation } from './graph.js';
import { lines } from './log-format.js';
import type { EventView, NodeState, RunActions, RunDetail, RunSummary } from './model.js';
import { Redactor, secretEnvValues } from './redact.js';
import { BadRequest, NotFound, type ActionRequest, type DashboardSource, type LogRequest, type RunStore } from './source.js';


export interface ClusterSourceOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace (as the operator does), or all. */
  namespace?: string;
  log: Logger;
  defaultStorage?: DefaultStorage;
  /** Secrets (by name) holding store keys the dashboard may read to show artifacts; the chart grants exactly these. */
  storeSecrets?: string[];
  env?: NodeJS.ProcessEnv;
}

type Run = PipelineRun & KubernetesObject;

const iso = (t: Date | string | undefined): string | undefined => (t === undefined ? undefined : typeof t === 'string' ? t : t.toISOString());
const decode = (v: string | undefined) => (v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8'));
const mergePatch = withTimeout(15_000, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

export function summaryOf(run: PipelineRun): RunSummary {
  const status = run.status;
  const succeeded = status?.conditions?.find((c) => c.type === 'Succeeded');
  const phase = status?.phase ?? 'Pending';
  return {
    namespace: run.metadata.namespace ?? 'default', name: run.metadata.name, uid: run.metadata.uid ?? '',
    phase,
    ...(status?.currentStage ? { currentStage: status.currentStage } : {}),
    ...(status?.progress ? { progress: status.progress } : {}),
    ...(typeof status?.results?.f1 === 'number' ? { f1: status.results.f1 } : {}),
    ...(run.metadata.creationTimestamp ? { created: iso(run.metadata.creationTimestamp) } : {}),
    ...(status?.startTime ? { startTime: status.startTime } : {}),
    ...(status?.completionTime ? { completionTime: status.completionTime } : {}),
    ...(succeeded?.message && phase !== 'Succeeded' ? { message: succeeded.message } : {}),
  };
}

/** What the dashboard may do to a run in its phase (the operator's contract, see COORDINATION). */
export function actionsFor(run: PipelineRun): RunActions {
  const phase: string = run.status?.phase ?? 'Pending';
  const cancelled = (run.spec as { status?: string }).status === 'Cancelled';
  const active = (phase === 'Pending' || phase === 'Running') && !cancelled;
  const ended = phase === 'Succeeded' || phase === 'Failed' || phase === 'Cancelled';
  const runnable = STAGE_NAMES.filter((s) => !STAGE_GRAPH[s].disabledWhy?.(run.spec));
  return {
    enabled: active || ended,
    cancel: active,
    retry: phase === 'Failed' || phase === 'Cancelled',
    rerunFrom: ended ? runnable : [],
    ...(cancelled && !ended ? { why: 'cancelling: the operator is stopping the run' } : {}),
  };
}

export class ClusterSource implements DashboardSource {
  readonly mode = 'cluster' as const;
  readonly redactor: Redactor;
  private readonly informers: ClusterInformers;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly listeners = new Set<(key: { namespace: string; name: string }, summary: RunSummary | undefined) => void>();
  private readonly eventCache = new Map<string, { at: number; value: Promise<EventView[]> }>();

  constructor(private readonly options: ClusterSourceOptions) {
    this.redactor = new Redactor(secretEnvValues(options.env ?? process.env));
    this.informers = clusterInformers(options.kubeConfig, options.namespace, options.log);
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    const emitRun = (run: Run) => this.emit(run.metadata.namespace ?? 'default', run.metadata.name, summaryOf(run));
    this.informers.runs.cache.on('add', emitRun);
    this.informers.runs.cache.on('update', emitRun);
    this.informers.runs.cache.on('delete', (run: Run) => this.emit(run.metadata.namespace ?? 'default', run.metadata.name, undefined));
    const emitOwner = (o: V1Job | V1Pod) => {
      const name = o.metadata?.annotations?.[RUN_NAME_ANNOTATION];
      const namespace = o.metadata?.namespace;
      if (!name || !namespace) return;
      const run = this.informers.runs.cache.get(name, namespace) as Run | undefined;
      if (run) this.emit(namespace, name, summaryOf(run));
    };
    for (const verb of ['add', 'update', 'delete'] as const) {
      this.informers.jobs.cache.on(verb, emitOwner);
      this.informers.pods.cache.on(verb, emitOwner);
    }
  }

  get synced(): boolean {
    return this.informers.runs.synced && this.informers.jobs.synced && this.informers.pods.synced;
  }

  async start(): Promise<void> {
    await Promise.all([this.informers.jobs.start(), this.informers.pods.start(), this.informers.runs.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.informers.runs.stop(), this.informers.jobs.stop(), this.informers.pods.stop()]);
  }

  private emit(namespace: string, name: string, summary: RunSummary | undefined): void {
    this.eventCache.delete(`${namespace}/${name}`);
    for (const l of this.listeners) l({ namespace, name }, summary);
  }

  onChange(listener: (key: { namespace: string; name: string }, summary: RunSummary | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  namespaces(): string[] {
    if (this.options.namespace) return [this.options.namespace];
    return [...new Set(this.informers.runs.cache.list().map((r) => r.metadata.namespace ?? 'default'))].sort();
  }

  listRuns(namespace?: string): RunSummary[] {
    return (this.informers.runs.cache.list(namespace) as Run[]).map(summaryOf);
  }

  private get(namespace: string, name: string): Run | undefined {
    return this.informers.runs.cache.get(name, namespace) as Run | undefined;
  }

  private jobsOf(namespace: string, name: string): Map<string, V1Job> {
    return new Map(this.informers.jobs.cache.list(namespace)
      .filter((j) => j.metadata?.annotations?.[RUN_NAME_ANNOTATION] === name)
      .map((j) => [j.metadata?.name ?? '', j]));
  }

  private podsOf(namespace: string, name: string): V1Pod[] {
    return this.informers.pods.cache.list(namespace).filter((p) => p.metadata?.annotations?.[RUN_NAME_ANNOTATION] === name);
  }

  async run(namespace: string, name: string): Promise<RunDetail | undefined> {
    const run = this.get(namespace, name);
    if (!run) return undefined;
    const jobs = this.jobsOf(namespace, name);
    const pods = this.podsOf(namespace, name);
    const byStage = new Map((run.status?.stages ?? []).map((s) => [s.name, s]));
    const stageObservation = (stage: StageName): Observation | undefined => {
      const s = byStage.get(stage);
      if (!s) return undefined;
      const summary = s.summary as { headline?: unknown; counts?: Record<string, number> } | undefined;
      return {
        state: s.phase as NodeState, startTime: s.startTime, completionTime: s.completionTime,
        headline: typeof summary?.headline === 'string' ? summary.headline : undefined,
        counts: summary?.counts, message: s.message,
        hasLog: STAGE_GRAPH[stage].units?.(run.spec) ? false : jobs.has(jobName(run.metadata.name, stage)),
      };
    };
    const unitObservation = (stage: StageName, unit: string): Observation | undefined => {
      const k = Number(unit.replace(/^batch-/, ''));
      const job = jobs.get(jobName(run.metadata.name, stage, k));
      if (!job) return undefined;
      const outcome = jobOutcome(job);
      const jobPods = pods.filter((p) => jobNameOfPod(p) === job.metadata?.name)
        .sort((a, b) => new Date(b.metadata?.creationTimestamp ?? 0).getTime() - new Date(a.metadata?.creationTimestamp ?? 0).getTime());
      const summary = jobPods.map(podSummary).find(Boolean) as { headline?: unknown; counts?: Record<string, number>; message?: unknown } | undefined;
      const state: NodeState = outcome.state === 'succeeded' ? 'Succeeded' : outcome.state === 'failed' ? 'Failed'
        : jobPods.some((p) => p.status?.phase === 'Running') ? 'Running' : 'Pending';
      return {
        state, startTime: iso(job.status?.startTime), completionTime: outcome.state === 'active' ? undefined : outcome.at,
        headline: typeof summary?.headline === 'string' ? summary.headline : undefined, counts: summary?.counts,
        message: outcome.state === 'failed' ? `${outcome.reason}${outcome.message ? `: ${outcome.message}` : ''}` : pendingWhy(jobPods[0]),
        hasLog: jobPods.length > 0,
      };
    };
    const stages = buildGraph({ spec: run.spec, phase: run.status?.phase, stage: stageObservation, unit: unitObservation });
    return {
      summary: summaryOf(run),
      spec: run.spec as unknown as Record<string, unknown>,
      conditions: (run.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime })),
      events: await this.eventsOf(namespace, name, jobs, pods),
      stages,
      ...(run.status?.results ? { results: run.status.results as Record<string, number | string> } : {}),
      ...(run.status?.artifacts ? { artifacts: run.status.artifacts } : {}),
      actions: actionsFor(run),
    };
  }

  /** Events of the run, its Jobs and Pods (why a Pod is Pending, in the scheduler's words), newest first; cached until the run changes. */
  private eventsOf(namespace: string, name: string, jobs: Map<string, V1Job>, pods: V1Pod[]): Promise<EventView[]> {
    const key = `${namespace}/${name}`;
    const cached = this.eventCache.get(key);
    if (cached && Date.now() - cached.at < 5000) return cached.value;
    const objects = new Set([name, ...jobs.keys(), ...pods.map((p) => p.metadata?.name ?? '')]);
    const value = this.core.listNamespacedEvent({ namespace, limit: 500 }, withTimeout(10_000)).then((list) => list.items
      .filter((e: CoreV1Event) => objects.has(e.involvedObject?.name ?? ''))
      .map((e: CoreV1Event) => ({
        time: iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp),
        type: e.type ?? 'Normal', reason: e.reason ?? '', message: e.message ?? '',
        object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`, ...(e.count ? { count: e.count } : {}),
      }))
      .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? '')), (error: unknown) => {
      this.options.log.warn(`dashboard: listing Events in ${namespace}: ${describeApiError(error)}`);
      return [{ type: 'Warning', reason: 'EventsUnavailable', message: `Events could not be read: ${describeApiError(error)}`, object: 'dashboard' }];
    });
    this.eventCache.set(key, { at: Date.now(), value });
    return value;
  }

  async log(request: LogRequest): Promise<AsyncIterable<string>> {
    const run = this.get(request.namespace, request.name);
    if (!run) throw new NotFound(`no run ${request.namespace}/${request.name}`);
    const stage = request.stage as StageName;
    const units = STAGE_GRAPH[stage].units?.(run.spec);
    if (units && !request.unit) throw new BadRequest(`${stage} runs as batches: ask for one batch's log`);
    const batch = request.unit ? units?.indexOf(request.unit) : undefined;
    if (batch !== undefined && batch < 0) throw new NotFound(`no unit ${request.unit} in ${stage}`);
    const job = jobName(run.metadata.name, stage, batch);
    const pod = this.podsOf(request.namespace, request.name).filter((p) => jobNameOfPod(p) === job)
      .sort((a, b) => new Date(b.metadata?.creationTimestamp ?? 0).getTime() - new Date(a.metadata?.creationTimestamp ?? 0).getTime())[0];
    if (!pod?.metadata?.name) throw new NotFound(`no Pod of Job ${job} yet`);
    const out = new PassThrough();
    const running = pod.status?.phase === 'Running' || pod.status?.phase === 'Pending';
    const abort = await new Log(this.options.kubeConfig).log(request.namespace, pod.metadata.name, CONTAINER_NAME, out, {
      follow: request.follow && running,
    }).catch((error: unknown) => {
      throw new NotFound(`log of Pod ${pod.metadata?.name}: ${describeApiError(error)}`);
    });
    request.signal.addEventListener('abort', () => { abort.abort(); out.end(); });
    out.on('error', () => out.end());
    return lines(out);
  }

  async store(namespace: string, name: string): Promise<RunStore> {
    const run = this.get(namespace, name);
    if (!run) throw new NotFound(`no run ${namespace}/${name}`);
    const storage = resolveStorage(run.spec.storage, this.options.defaultStorage);
    if (!storage) return { error: 'the run has no storage (no spec.storage, and the operator has no default storage)' };
    const env = this.options.env ?? process.env;
    let keys = { accessKey: s3ConnectionFromEnv(env).accessKey, secretKey: s3ConnectionFromEnv(env).secretKey };
    const defaultKeys = storage.credentialsSecret === this.options.defaultStorage?.credentialsSecret && keys.accessKey && keys.secretKey;
    if (storage.credentialsSecret && !defaultKeys) {
      // The default storage's keys come in the operator Pod's env (the chart's secretKeyRef); any other
      // Secret only when listed (the chart grants get on exactly those names).
      if (!(this.options.storeSecrets ?? []).includes(storage.credentialsSecret)) {
        return { error: `the dashboard may not read Secret ${storage.credentialsSecret} (the run's store keys): list it in dashboard.storeSecrets to show this run's artifacts` };
      }
      try {
        const secret = await this.core.readNamespacedSecret({ name: storage.credentialsSecret, namespace }, withTimeout(10_000));
        keys = { accessKey: decode(secret.data?.accessKey), secretKey: decode(secret.data?.secretKey) };
      } catch (error) {
        return { error: `reading Secret ${namespace}/${storage.credentialsSecret}: ${describeApiError(error)}` };
      }
    }
    this.redactor.add([keys.accessKey ?? '', keys.secretKey ?? '']);
    const store = new S3Store({
      bucket: storage.bucket, prefix: storage.prefix, region: storage.region ?? 'us-east-1',
      ...(storage.endpoint ? { endpoint: storage.endpoint } : {}), accessKey: keys.accessKey, secretKey: keys.secretKey,
    });
    return { store, prefix: runPrefix({ namespace, name, uid: run.metadata.uid ?? '' }) };
  }

  async act(request: ActionRequest): Promise<string> {
    const run = this.get(request.namespace, request.name);
    if (!run) throw new NotFound(`no run ${request.namespace}/${request.name}`);
    const allowed = actionsFor(run);
    let body: Record<string, unknown>;
    let done: string;
    if (request.action === 'cancel') {
      if (!allowed.cancel) throw new BadRequest(`${request.name} is ${run.status?.phase ?? 'Pending'}: only a running run can be cancelled`);
      body = cancelPatch();
      done = `cancelling ${request.name}`;
    } else if (request.action === 'retry') {
      if (!allowed.retry) throw new BadRequest(`${request.name} is ${run.status?.phase ?? 'Pending'}: only a failed or cancelled run can be retried`);
      body = retryPatch(run, undefined, new Date());
      done = `retrying ${request.name} from its failed stage`;
    } else {
      if (!request.stage || !allowed.rerunFrom.includes(request.stage)) throw new BadRequest(`${request.name} cannot re-run from ${request.stage ?? '(no stage)'} now (it can from: ${allowed.rerunFrom.join(', ') || 'nothing while it runs'})`);
      body = retryPatch(run, request.stage, new Date());
      done = `re-running ${request.name} from ${request.stage}`;
    }
    try {
      await this.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: request.namespace, name: request.name, body }, mergePatch);
    } catch (error) {
      throw new Error(`${done}: ${describeApiError(error)}`);
    }
    return done;
  }
}

/** Why a Pod is not running yet, in words (unschedulable, image pull, …). */
function pendingWhy(pod: V1Pod | undefined): string | undefined {
  if (!pod || pod.status?.phase !== 'Pending') return undefined;
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `not scheduled: ${scheduled.message ?? scheduled.reason ?? 'waiting for a node'}`;
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
  return waiting ? `waiting: ${waiting.reason ?? ''}${waiting.message ? ` (${waiting.message})` : ''}` : 'Pod pending';
}
