// Informers (client-node list+watch caches) on PipelineRuns, the Jobs the operator owns and
// their Pods. client-node restarts a watch by itself only after a 410 Gone; on any other error it
// stops, so each informer here is started again with exponential backoff.
import {
  BatchV1Api, CoreV1Api, CustomObjectsApi, makeInformer,
  type Informer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ObjectCache, type V1Job, type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';
import { describeApiError } from './apply.js';
import { MANAGED_SELECTOR } from './names.js';

export type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export interface RestartingInformer<T extends KubernetesObject> {
  cache: Cache<T>;
  /** The first list succeeded and the watch runs (or is being restarted after an error). */
  readonly synced: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InformerHooks { onError?(what: string, error: unknown): void }

function restarting<T extends KubernetesObject>(what: string, cache: Cache<T>, log: Logger, hooks: InformerHooks, maxBackoffMs = 30_000): RestartingInformer<T> {
  let synced = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let failedDuringStart = false;
  const begin = async () => {
    failedDuringStart = false;
    await cache.start();
    if (!failedDuringStart && !stopped) {
      synced = true;
      failures = 0;
    }
  };
  cache.on('error', (error: unknown) => {
    failedDuringStart = true;
    if (stopped) return;
    hooks.onError?.(what, error);
    const delay = Math.min(1000 * 2 ** failures++, maxBackoffMs);
    log.warn({ informer: what, retryInMs: delay }, `${what} watch stopped: ${describeApiError(error)}; restarting in ${delay} ms`);
    clearTimeout(timer);
    timer = setTimeout(() => { void begin().catch((e: unknown) => log.error({ err: e }, `${what} restart failed`)); }, delay);
    timer.unref?.();
  });
  return {
    cache,
    get synced() { return synced; },
    async start() { stopped = false; await begin(); },
    async stop() { stopped = true; clearTimeout(timer); await cache.stop(); },
  };
}

type ListOf<T extends KubernetesObject> = () => Promise<KubernetesListObject<T>>;

export interface ClusterInformers {
  runs: RestartingInformer<PipelineRun & KubernetesObject>;
  jobs: RestartingInformer<V1Job>;
  pods: RestartingInformer<V1Pod>;
}

/** Informers for one namespace, or all when `namespace` is undefined. */
export function clusterInformers(kc: KubeConfig, namespace: string | undefined, log: Logger, hooks: InformerHooks = {}): ClusterInformers {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = namespace ? `/namespaces/${namespace}` : '';
  const labelSelector = MANAGED_SELECTOR;

  const listRuns = (() => (namespace
    ? custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace })
    : custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL }))) as ListOf<PipelineRun & KubernetesObject>;
  const listJobs = (() => (namespace ? batch.listNamespacedJob({ namespace, labelSelector }) : batch.listJobForAllNamespaces({ labelSelector }))) as ListOf<V1Job>;
  const listPods = (() => (namespace ? core.listNamespacedPod({ namespace, labelSelector }) : core.listPodForAllNamespaces({ labelSelector }))) as ListOf<V1Pod>;

  return {
    runs: restarting('PipelineRun', makeInformer(kc, `/apis/${GROUP}/${VERSION}${ns}/${PLURAL}`, listRuns), log, hooks),
    jobs: restarting('Job', makeInformer(kc, `/apis/batch/v1${ns}/jobs`, listJobs, labelSelector), log, hooks),
    pods: restarting('Pod', makeInformer(kc, `/api/v1${ns}/pods`, listPods, labelSelector), log, hooks),
  };
}
