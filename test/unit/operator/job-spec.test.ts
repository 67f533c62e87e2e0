import { describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../../../api/v1alpha1/names.js';
import { stageJob } from '../../../operator/controller/job-spec.js';
import { MAX_NAME, jobName } from '../../../operator/controller/names.js';
import { config, pipelineRun } from './fixtures.js';

const storage = { bucket: 'bugforge', prefix: 'team', region: 'us-east-1', endpoint: 'http://minio:9000', credentialsSecret: 'minio-creds' };

describe('stage Jobs', () => {
  it('the train Job asks for GPUs (limits) on the GPU image, with the spec nodeSelector and tolerations', () => {
    const run = pipelineRun({ training: { gpus: 2, nodeSelector: { 'gpu.kind': 'h100' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] }, jobs: { resources: { cpu: '2', memory: '8Gi' } } });
    const pod = stageJob({ run, stage: 'train', storage }, config).spec!.template.spec!;
    expect(pod.containers[0].image).toBe(config.gpuStageImage);
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '8Gi' }, limits: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '2' } });
    expect(pod.nodeSelector).toEqual({ 'gpu.kind': 'h100' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    // CPU stages stay on the CPU image, without GPU limits or the GPU placement.
    const analyze = stageJob({ run, stage: 'analyze', storage }, config).spec!.template.spec!;
    expect(analyze.containers[0].image).toBe(config.stageImage);
    expect(analyze.containers[0].resources?.limits).not.toHaveProperty('nvidia.com/gpu');
    expect(analyze.nodeSelector).toBeUndefined();
  });

  it('stage Pods pull with the operator\'s imagePullSecrets (CPU and GPU images alike), and with none when none are set', () => {
    const run = pipelineRun({ training: { gpus: 1 } });
    const withSecrets = { ...config, imagePullSecrets: ['regcred', 'mirror'] };
    for (const stage of ['analyze', 'train'] as const) {
      expect(stageJob({ run, stage, storage }, withSecrets).spec!.template.spec!.imagePullSecrets).toEqual([{ name: 'regcred' }, { name: 'mirror' }]);
      expect(stageJob({ run, stage, storage }, config).spec!.template.spec!).not.toHaveProperty('imagePullSecrets');
    }
  });

  it('without GPUs nothing asks for nvidia.com/gpu', () => {
    const run = pipelineRun();
    for (const stage of STAGE_NAMES) {
      expect(JSON.stringify(stageJob({ run, stage, storage }, config))).not.toContain('nvidia.com/gpu');
    }
  });

  it('carries the contract: args, owner, labels, limits, failure policy, restricted security context', () => {
    const run = pipelineRun({ generation: { batches: 8 }, jobs: { backoffLimit: 4, activeDeadlineSeconds: 3600 } });
    const job = stageJob({ run, stage: 'generate', batch: 5, storage }, config);
    expect(job.metadata?.name).toBe('demo-generate-5');
    expect(job.metadata?.ownerReferences).toEqual([{ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', name: 'demo', uid: 'uid-demo', controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata?.labels).toMatchObject({ 'bugforge.dev/run': 'demo', 'bugforge.dev/stage': 'generate', 'bugforge.dev/batch': '5', 'app.kubernetes.io/managed-by': 'bugforge' });
    expect(job.spec).toMatchObject({ backoffLimit: 4, activeDeadlineSeconds: 3600 });
    expect(job.spec?.podFailurePolicy?.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: 'stage', operator: 'In', values: [2] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
    const pod = job.spec!.template.spec!;
    expect(job.spec!.template.metadata?.labels).toEqual(job.metadata?.labels);
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } } });
    const c = pod.containers[0];
    expect(c.name).toBe('stage');
    expect(c.args).toEqual(['stage', 'generate', '--batch', '5']);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e.value]));
    expect(env.BUGFORGE_STORE).toBe('s3://bugforge/team');
    expect(env.BUGFORGE_S3_ENDPOINT).toBe('http://minio:9000');
    expect(env.BUGFORGE_LOG_FORMAT).toBe('json');
    expect(JSON.parse(env.BUGFORGE_PIPELINERUN!)).toEqual({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'demo', namespace: 'ml', uid: 'uid-demo' }, spec: run.spec });
  });

  it('passes secrets only by secretKeyRef: no value of a secret can reach the Job', () => {
    const run = pipelineRun({ generation: { provider: 'openai', openai: { baseURL: 'http://llm:8000/v1', model: 'm', apiKeySecret: { name: 'llm', key: 'apiKey' } } } });
    const generate = stageJob({ run, stage: 'generate', batch: 0, storage }, config);
    const env = generate.spec!.template.spec!.containers[0].env!;
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.AWS_ACCESS_KEY_ID).toEqual({ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'minio-creds', key: 'accessKey' } } });
    expect(byName.AWS_SECRET_ACCESS_KEY).toEqual({ name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'minio-creds', key: 'secretKey' } } });
    expect(byName.OPENAI_API_KEY).toEqual({ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'llm', key: 'apiKey' } } });
    for (const e of env.filter((x) => /KEY|SECRET|TOKEN|PASSWORD/.test(x.name))) expect(e.value).toBeUndefined();
    // The LLM key goes only to the generation Jobs.
    const filter = stageJob({ run, stage: 'filter', storage }, config).spec!.template.spec!.containers[0].env!;
    expect(filter.map((e) => e.name)).not.toContain('OPENAI_API_KEY');
    // Without a credentials Secret there are no key variables at all (the pod's own identity is used).
    const bare = stageJob({ run, stage: 'merge', storage: { bucket: 'b', prefix: '', region: 'us-east-1' } }, config).spec!.template.spec!.containers[0].env!;
    expect(bare.map((e) => e.name)).not.toContain('AWS_ACCESS_KEY_ID');
  });
});

describe('Job names', () => {
  it('are <run>-<stage>[-<k>] and deterministic', () => {
    expect(jobName('demo', 'analyze')).toBe('demo-analyze');
    expect(jobName('demo', 'generate', 12)).toBe('demo-generate-12');
    expect(jobName('x'.repeat(80), 'generate', 3)).toBe(jobName('x'.repeat(80), 'generate', 3));
  });

  it('fit 63 characters, keep the stage and batch visible, and stay distinct for long run names', () => {
    const long = 'a-very-long-pipeline-run-name-that-a-platform-team-might-actually-use';
    const seen = new Set<string>();
    for (const run of [long, `${long}-2`, `${long}-3`]) {
      for (const k of [0, 1, 999]) {
        const name = jobName(run, 'generate', k);
        expect(name.length).toBeLessThanOrEqual(MAX_NAME);
        expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        expect(name.endsWith(`-generate-${k}`)).toBe(true);
        seen.add(name);
      }
    }
    expect(seen.size).toBe(9);
    const fits = 'r'.repeat(MAX_NAME - '-evaluate'.length);
    expect(jobName(fits, 'evaluate')).toBe(`${fits}-evaluate`);
  });
});
