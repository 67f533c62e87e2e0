// The Job for one stage (unit) of a run: pure, from the run, the stage and the operator config.
// This is where the operator ↔ image contract lives (args, env, security context, GPU request).
import type { V1EnvVar, V1Job, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StorageSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import { storeUri, type ReconcileConfig } from './config.js';
import { LABELS, MANAGED_BY, MAX_NAME, RUN_NAME_ANNOTATION, fitName, jobName, runLabel } from './names.js';

/** `bugforge stage` exits 2 on a configuration error: retrying cannot help. */
export const EXIT_CONFIG_ERROR = 2;
export const CONTAINER_NAME = 'stage';
export const RUN_AS_USER = 10001;

export interface StageJobRequest {
  run: PipelineRun;
  stage: StageName;
  /** Generation batch number (0-based), for stages with units. */
  batch?: number;
  storage: StorageSpec;
  /** The run's attempt (1, then one more per retry): a label, so that a retry tells its Jobs from older ones. */
  attempt?: number;
  /** Redo the stage even when its outputs are published (a retry from a chosen stage). */
  force?: boolean;
}

const secretEnv = (name: string, secret: string, key: string): V1EnvVar =>
  ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** The container env: configuration as values, secrets only as secretKeyRef. */
export function stageEnv(run: PipelineRun, stage: StageName, storage: StorageSpec): V1EnvVar[] {
  const { name, namespace, uid } = run.metadata;
  const handedOver = { apiVersion: run.apiVersion, kind: run.kind, metadata: { name, namespace, uid }, spec: run.spec };
  const env: V1EnvVar[] = [
    { name: 'BUGFORGE_PIPELINERUN', value: JSON.stringify(handedOver) },
    { name: 'BUGFORGE_STORE', value: storeUri(storage) },
    { name: 'AWS_REGION', value: storage.region ?? 'us-east-1' },
    { name: 'BUGFORGE_LOG_FORMAT', value: 'json' },
  ];
  if (storage.endpoint) env.push({ name: 'BUGFORGE_S3_ENDPOINT', value: storage.endpoint });
  if (storage.credentialsSecret) {
    env.push(secretEnv('AWS_ACCESS_KEY_ID', storage.credentialsSecret, 'accessKey'));
    env.push(secretEnv('AWS_SECRET_ACCESS_KEY', storage.credentialsSecret, 'secretKey'));
  }
  const apiKey = run.spec.generation.openai?.apiKeySecret;
  if (stage === 'generate' && apiKey) env.push(secretEnv('OPENAI_API_KEY', apiKey.name, apiKey.key));
  return env;
}

function resources(run: PipelineRun, gpus: number): V1ResourceRequirements | undefined {
  const { cpu, memory } = run.spec.jobs.resources ?? {};
  const amounts: Record<string, string> = {
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
  };
  const limits: Record<string, string> = { ...amounts, ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}) };
  if (!Object.keys(limits).length) return undefined;
  return { ...(Object.keys(amounts).length ? { requests: amounts } : {}), limits };
}

export function stageJob({ run, stage, batch, storage, attempt = 1, force = false }: StageJobRequest, config: ReconcileConfig): V1Job {
  const { spec } = run;
  const name = jobName(run.metadata.name, stage, batch);
  const gpus = STAGE_GRAPH[stage].gpus?.(spec) ?? 0;
  const image = gpus > 0 ? (spec.jobs.gpuImage ?? config.gpuStageImage) : (spec.jobs.image ?? config.stageImage);
  const labels: Record<string, string> = {
    [LABELS.run]: runLabel(run.metadata.name),
    [LABELS.stage]: stage,
    ...(batch === undefined ? {} : { [LABELS.batch]: String(batch) }),
    [LABELS.attempt]: String(attempt),
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.name]: 'bugforge',
    [LABELS.component]: 'stage',
  };
  const annotations = { [RUN_NAME_ANNOTATION]: run.metadata.name };
  const res = resources(run, gpus);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: run.metadata.namespace,
      labels,
      annotations,
      ownerReferences: [{
        apiVersion: run.apiVersion, kind: run.kind, name: run.metadata.name, uid: run.metadata.uid ?? '',
        controller: true, blockOwnerDeletion: true,
      }],
    },
    spec: {
      backoffLimit: spec.jobs.backoffLimit,
      activeDeadlineSeconds: spec.jobs.activeDeadlineSeconds,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [EXIT_CONFIG_ERROR] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          ...(spec.jobs.serviceAccountName ? { serviceAccountName: spec.jobs.serviceAccountName } : {}),
          ...(config.imagePullSecrets?.length ? { imagePullSecrets: config.imagePullSecrets.map((name) => ({ name })) } : {}),
          securityContext: {
            runAsNonRoot: true, runAsUser: RUN_AS_USER, runAsGroup: RUN_AS_USER, fsGroup: RUN_AS_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(gpus > 0 && spec.training.nodeSelector ? { nodeSelector: { ...spec.training.nodeSelector } } : {}),
          ...(gpus > 0 && spec.training.tolerations ? { tolerations: spec.training.tolerations.map((t) => ({ ...t }) as V1Toleration) } : {}),
          containers: [{
            name: CONTAINER_NAME,
            image,
            args: ['stage', stage, ...(batch === undefined ? [] : ['--batch', String(batch)]), ...(force ? ['--force'] : [])],
            env: stageEnv(run, stage, storage),
            ...(res ? { resources: res } : {}),
            terminationMessagePolicy: 'FallbackToLogsOnError',
            securityContext: {
              runAsNonRoot: true, runAsUser: RUN_AS_USER, allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** `<run>-cleanup`: the Job that removes a deleted run's artifacts (spec.artifacts.retain: false). */
export const cleanupJobName = (runName: string): string => fitName(runName, MAX_NAME, '-cleanup');

/** The cleanup Job: the stage Job's Pod (same image, store env, security context), running `bugforge cleanup`. */
export function cleanupJob(run: PipelineRun, storage: StorageSpec, config: ReconcileConfig): V1Job {
  const job = stageJob({ run, stage: 'analyze', storage }, config);
  const name = cleanupJobName(run.metadata.name);
  const labels = { ...job.metadata!.labels, [LABELS.stage]: 'cleanup' };
  const container = { ...job.spec!.template.spec!.containers[0], args: ['cleanup'] };
  delete container.resources;
  return {
    ...job,
    metadata: { ...job.metadata, name, labels },
    spec: { ...job.spec!, template: { metadata: { ...job.spec!.template.metadata, labels }, spec: { ...job.spec!.template.spec!, containers: [container] } } },
  };
}
