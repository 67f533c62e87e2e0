// Shared by the operator integration tests: install the CRD, start an operator in this process
// against the test control plane, create and watch PipelineRuns.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ApiextensionsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { pino } from 'pino';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../operator/controller/manager.js';
import { isStageAvailable } from '../../stage-images/registry.js';
import { kubeconfigPath, repoRoot, waitFor } from '../support/cluster.js';
import type { TestS3 } from '../support/s3.js';

export const STAGE_IMAGE = 'ghcr.io/bugforge/bugforge:test';
export const CREDENTIALS_SECRET = 's3-credentials';

/**
 * Applies the committed CRD (crds/, what users install) with kubectl and waits until it is served.
 * Not through the typed client: its serializer knows JSONSchemaProps by TypeScript names
 * (`_enum`, `xKubernetesValidations`) and silently drops `enum` and the CEL rules.
 */
export async function installCrd(kc: KubeConfig): Promise<void> {
  const applied = spawnSync('kubectl', ['apply', '--server-side', '--force-conflicts', '-f', path.join(repoRoot, 'crds/bugforge.dev_pipelineruns.yaml')], {
    encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() },
  });
  if (applied.status !== 0) throw new Error(`kubectl apply of the CRD failed: ${applied.stderr}`);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = `${PLURAL}.${GROUP}`;
  await waitFor(async () => (await api.readCustomResourceDefinition({ name })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'), { what: `CRD ${name} established` });
}

export function testOperator(kc: KubeConfig, namespace: string, extra: Partial<OperatorOptions> = {}): Promise<RunningOperator> {
  return startOperator({
    kubeConfig: kc,
    namespace,
    reconcileConfig: { stageImage: STAGE_IMAGE, gpuStageImage: 'ghcr.io/bugforge/bugforge-gpu:test', isStageAvailable },
    resyncSeconds: 5,
    log: pino({ level: process.env.BUGFORGE_TEST_OPERATOR_LOG ?? 'warn' }, pino.destination(2)),
    processMetrics: false,
    ...extra,
  });
}

/** The s3rver credentials as a Secret in the namespace (stage Pods get them by secretKeyRef). */
export async function createCredentials(kc: KubeConfig, namespace: string, s3: TestS3): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace, body: { metadata: { name: CREDENTIALS_SECRET }, stringData: { accessKey: s3.accessKey, secretKey: s3.secretKey } } });
}

export const storageFor = (s3: TestS3) => ({ endpoint: s3.endpoint, bucket: 'bugforge', credentialsSecret: CREDENTIALS_SECRET });

export async function createRun(kc: KubeConfig, namespace: string, name: string, spec: Record<string, unknown>): Promise<PipelineRun> {
  const body = { apiVersion: `${GROUP}/${VERSION}`, kind: 'PipelineRun', metadata: { name, namespace }, spec };
  return (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, body })) as PipelineRun;
}

export async function getRun(kc: KubeConfig, namespace: string, name: string): Promise<PipelineRun> {
  return (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as PipelineRun;
}

/** Waits until the run is Succeeded, Failed or Cancelled and returns it. */
export async function waitForEnd(kc: KubeConfig, namespace: string, name: string, timeoutMs = 300_000): Promise<PipelineRun> {
  return waitFor(async () => {
    const run = await getRun(kc, namespace, name);
    return run.status?.phase === 'Succeeded' || run.status?.phase === 'Failed' || run.status?.phase === 'Cancelled' ? run : undefined;
  }, { what: `PipelineRun ${namespace}/${name} to finish`, timeoutMs, intervalMs: 500 });
}

export async function listJobs(kc: KubeConfig, namespace: string, run?: string): Promise<V1Job[]> {
  const jobs = await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace, labelSelector: run ? `bugforge.dev/run=${run}` : 'app.kubernetes.io/managed-by=bugforge' });
  return jobs.items;
}

export async function eventsOf(kc: KubeConfig, namespace: string, run: string): Promise<{ reason?: string; message?: string; type?: string }[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${run},involvedObject.kind=PipelineRun` });
  return list.items;
}

/** The first stage this build lacks (the run must fail there), in pipeline order for the given stages. */
export const firstMissing = (stages: StageName[]): StageName | undefined => stages.find((s) => !isStageAvailable(s));
