// The Kubernetes IO of a reconcile: create and delete Jobs (all at once), write the status (merge
// patch on the status subresource). Events go through event-recorder.ts. Nothing here decides anything.
import {
  BatchV1Api, CoreV1Api, CustomObjectsApi, Observable, PatchStrategy, setHeaderOptions,
  type KubeConfig, type RequestContext, type ResponseContext, type V1Job,
} from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';
import type { PipelineRunStatus } from '../../api/v1alpha1/status.js';

type CallOptions = ReturnType<typeof setHeaderOptions>;

/** Every API call of a reconcile gives up after this long, so that a hung connection cannot hold a worker forever. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Call options that abort the request after `ms` (client-node has no per-client timeout). */
export function withTimeout(ms = REQUEST_TIMEOUT_MS, options?: CallOptions): CallOptions {
  const middleware = {
    pre: (request: RequestContext) => { request.setSignal(AbortSignal.timeout(ms)); return new Observable(Promise.resolve(request)); },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  return { ...options, middleware: [...(options?.middleware ?? []), middleware], middlewareMergeStrategy: 'append' } as CallOptions;
}

const mergePatch = withTimeout(REQUEST_TIMEOUT_MS, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
const timeout = withTimeout();

export const httpCode = (error: unknown): number | undefined =>
  typeof error === 'object' && error !== null ? ((error as { code?: number }).code ?? (error as { statusCode?: number }).statusCode) : undefined;

/** One line for an API error: "HTTP 429 TooManyRequests: storage is (re)initializing", not the whole response dump. */
export function describeApiError(error: unknown): string {
  const code = httpCode(error);
  const body = (error as { body?: unknown })?.body;
  if (code !== undefined && typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { reason?: string; message?: string };
      return `HTTP ${code}${status.reason ? ` ${status.reason}` : ''}: ${status.message ?? body.slice(0, 300)}`;
    } catch {
      return `HTTP ${code}: ${body.slice(0, 300)}`;
    }
  }
  return ((error as Error)?.message ?? String(error)).split('\n')[0];
}

export interface Clients { batch: BatchV1Api; core: CoreV1Api; custom: CustomObjectsApi }

export const makeClients = (kc: KubeConfig): Clients => ({
  batch: kc.makeApiClient(BatchV1Api),
  core: kc.makeApiClient(CoreV1Api),
  custom: kc.makeApiClient(CustomObjectsApi),
});

/**
 * Creates the Jobs, all at once. A 409 means a Job of that name exists that the cache did not show:
 * reported in `existed` (the next reconcile sees it, and deletes it if it is not this run's).
 */
export async function createJobs(batch: BatchV1Api, namespace: string, jobs: V1Job[]): Promise<{ created: V1Job[]; existed: string[] }> {
  const created: V1Job[] = [];
  const existed: string[] = [];
  await Promise.all(jobs.map(async (job) => {
    try {
      created.push(await batch.createNamespacedJob({ namespace, body: job }, timeout));
    } catch (error) {
      if (httpCode(error) !== 409) throw new Error(`creating Job ${namespace}/${job.metadata?.name}: ${describeApiError(error)}`);
      existed.push(job.metadata?.name ?? '');
    }
  }));
  return { created, existed };
}

/** Deletes the Jobs (and, in the background, their Pods), all at once; one already gone is fine. */
export async function deleteJobs(batch: BatchV1Api, namespace: string, names: string[]): Promise<void> {
  await Promise.all(names.map(async (name) => {
    try {
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }, timeout);
    } catch (error) {
      if (httpCode(error) !== 404) throw new Error(`deleting Job ${namespace}/${name}: ${describeApiError(error)}`);
    }
  }));
}

/** The merge patch turning `before` into `after`: changed fields, and null for fields that went away. */
export function statusPatch(before: PipelineRunStatus | undefined, after: PipelineRunStatus): Record<string, unknown> {
  const patch: Record<string, unknown> = { ...after };
  for (const key of Object.keys(before ?? {})) if (!(key in after)) patch[key] = null;
  return { status: patch };
}

/** Writes the status; returns the run as the API server now has it (undefined when the run is gone). */
export async function patchRunStatus(custom: CustomObjectsApi, run: PipelineRun, status: PipelineRunStatus): Promise<PipelineRun | undefined> {
  try {
    return await custom.patchNamespacedCustomObjectStatus({
      group: GROUP, version: VERSION, plural: PLURAL,
      namespace: run.metadata.namespace ?? 'default', name: run.metadata.name,
      body: statusPatch(run.status, status),
    }, mergePatch) as PipelineRun;
  } catch (error) {
    if (httpCode(error) === 404) return undefined;
    throw new Error(`writing status of PipelineRun ${run.metadata.namespace}/${run.metadata.name}: ${describeApiError(error)}`);
  }
}

/** Sets the run's finalizers (merge patch with the resourceVersion read: a concurrent change answers 409 and is retried). */
export async function patchRunFinalizers(custom: CustomObjectsApi, run: PipelineRun, finalizers: string[]): Promise<void> {
  try {
    await custom.patchNamespacedCustomObject({
      group: GROUP, version: VERSION, plural: PLURAL, namespace: run.metadata.namespace ?? 'default', name: run.metadata.name,
      body: { metadata: { finalizers, resourceVersion: run.metadata.resourceVersion } },
    }, mergePatch);
  } catch (error) {
    if (httpCode(error) === 404) return;
    throw new Error(`setting the finalizers of PipelineRun ${run.metadata.namespace}/${run.metadata.name}: ${describeApiError(error)}`);
  }
}
