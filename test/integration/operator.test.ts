// The operator against the real control plane and the process kubelet: stage Jobs run this
// checkout's `bugforge stage` against an s3rver. Stages this build lacks are expected to fail the
// run clearly where the pipeline reaches them (the tests follow stage-images/registry.ts).
import { spawnSync } from 'node:child_process';
import { BatchV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION } from '../../api/v1alpha1/resource.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { isStageAvailable } from '../../stage-images/registry.js';
import { kubeConfig, kubeconfigPath, useNamespace, waitFor } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createCredentials, createRun, eventsOf, firstMissing, getRun, installCrd, listJobs, storageFor, testOperator, waitForEnd } from './operator-support.js';

const ALL: StageName[] = ['analyze', 'generate', 'filter', 'merge', 'train', 'evaluate'];
const quickstart = (s3: TestS3, extra: Record<string, unknown> = {}) => ({
  storage: storageFor(s3),
  dataset: { source: 'demo' },
  generation: { provider: 'mutation', batches: 2, parallelism: 2, samplesPerBatch: 30 },
  training: { features: 'tfidf', head: 'logreg', epochs: 10 },
  jobs: { backoffLimit: 0 },
  ...extra,
});
const condition = (run: { status?: { conditions?: { type: string }[] } }, type: string) => run.status?.conditions?.find((c) => c.type === type) as { status: string; reason: string; message: string } | undefined;

describe('bugforge operator on a real control plane', () => {
  const ns = useNamespace('operator');
  let s3: TestS3;
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    await installCrd(kubeConfig());
    s3 = await startS3({ buckets: ['bugforge'] });
  });
  afterAll(async () => { await s3?.stop(); });
  afterEach(async () => { await operator?.stop(); operator = undefined; });

  it('the API server refuses a malformed PipelineRun, naming the field', async () => {
    const refusal = (spec: Record<string, unknown>) => createRun(ns.kc, ns.name, 'bad', spec).then(
      () => { throw new Error('the API server accepted a malformed PipelineRun'); },
      (e: unknown) => e as { code?: number; body?: string },
    );
    // Schema errors (types, ranges, enums) ...
    const schema = await refusal({ generation: { batches: 0 }, training: { head: 'transformer' } });
    expect(schema.code).toBe(422);
    expect(schema.body).toContain('spec.generation.batches');
    expect(schema.body).toContain('spec.training.head');
    // ... and the CEL rules between fields.
    const rules = await refusal({ generation: { provider: 'openai' }, split: { train: 0.5 } });
    expect(rules.code).toBe(422);
    expect(rules.body).toContain('spec.generation.openai');
    expect(rules.body).toContain('split.train + split.validation + split.test must sum to 1');
  });

  it('drives the quickstart stage by stage, with per-stage summaries on the status (and fails clearly at a stage this build lacks)', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'quickstart', quickstart(s3));
    const run = await waitForEnd(ns.kc, ns.name, 'quickstart');
    const missing = firstMissing(ALL);
    const ran = missing ? ALL.slice(0, ALL.indexOf(missing)) : ALL;
    const stages = new Map(run.status?.stages?.map((s) => [s.name, s]));
    for (const stage of ran) {
      expect(stages.get(stage), `${stage}: ${JSON.stringify(run.status)}`).toMatchObject({ phase: 'Succeeded' });
      expect(stages.get(stage)?.summary, stage).toMatchObject({ headline: expect.any(String) });
      expect(stages.get(stage)?.startTime).toBeDefined();
      expect(stages.get(stage)?.completionTime).toBeDefined();
    }
    expect(stages.get('generate')?.jobs).toEqual(ran.includes('generate') ? ['quickstart-generate-0', 'quickstart-generate-1'] : undefined);
    const lastEvent = missing ? 'RunFailed' : 'RunSucceeded'; // recorded right after the final status write
    const events = await waitFor(async () => {
      const reasons = (await eventsOf(ns.kc, ns.name, 'quickstart')).map((e) => e.reason);
      return reasons.includes(lastEvent) ? reasons : undefined;
    }, { what: `the ${lastEvent} event`, timeoutMs: 15_000 });
    expect(events).toContain('StageStarted');
    expect(events).toContain('StageSucceeded');
    expect(run.status?.artifacts).toBe(`s3://bugforge/runs/${ns.name}/quickstart/${run.metadata.uid}`);
    if (missing) {
      expect(run.status?.phase).toBe('Failed');
      expect(condition(run, 'Succeeded')).toMatchObject({ status: 'False', reason: 'StageUnavailable' });
      expect(condition(run, 'Succeeded')?.message).toContain(`stage ${missing} is not available`);
      expect((await listJobs(ns.kc, ns.name)).map((j) => j.metadata?.labels?.['bugforge.dev/stage'])).not.toContain(missing);
      const wait = spawnSync('kubectl', ['-n', ns.name, 'wait', '--for=condition=Succeeded=false', 'pipelinerun/quickstart', '--timeout=30s'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
      expect(wait.status, wait.stderr).toBe(0);
    } else {
      expect(run.status?.phase).toBe('Succeeded');
      expect(run.status?.progress).toBe('6/6');
      expect(run.status?.results).toMatchObject({ accuracy: expect.any(Number), f1: expect.any(Number), baselineAccuracy: expect.any(Number), report: expect.stringMatching(/^s3:\/\/bugforge\/.*report\.html$/) });
      const wait = spawnSync('kubectl', ['-n', ns.name, 'wait', '--for=condition=Succeeded', 'pipelinerun/quickstart', '--timeout=30s'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
      expect(wait.status, wait.stderr).toBe(0);
      // The printer columns, through the short name.
      const get = spawnSync('kubectl', ['-n', ns.name, 'get', 'bfrun', 'quickstart', '--no-headers'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() } });
      const [name, phase, stage, progress, f1] = get.stdout.trim().split(/\s+/);
      expect([name, phase, stage, progress]).toEqual(['quickstart', 'Succeeded', 'evaluate', '6/6']);
      expect(Number(f1)).toBeCloseTo(run.status!.results!.f1!, 3);
    }
  });

  it('a stage whose Job fails past its backoffLimit fails the run, naming the stage and the reason', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'nodata', quickstart(s3, { dataset: { source: 'uri', uri: '/nonexistent/bugforge/devign.jsonl' }, jobs: { backoffLimit: 1 } }));
    const run = await waitForEnd(ns.kc, ns.name, 'nodata');
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.currentStage).toBe('analyze');
    const c = condition(run, 'Succeeded');
    expect(c).toMatchObject({ status: 'False', reason: 'StageFailed' });
    expect(c?.message).toContain('stage analyze failed');
    expect(c?.message).toContain('/nonexistent/bugforge/devign.jsonl');
    expect(c?.message).toMatch(/BackoffLimitExceeded|PodFailurePolicy/);
    expect(run.status?.stages?.slice(1).every((s) => s.phase === 'Pending')).toBe(true);
    const jobs = await listJobs(ns.kc, ns.name);
    expect(jobs.map((j) => j.metadata?.name)).toEqual(['nodata-analyze']);
    // Events are recorded right after the status write: wait for them rather than race it.
    const warnings = await waitFor(async () => {
      const reasons = (await eventsOf(ns.kc, ns.name, 'nodata')).filter((e) => e.type === 'Warning').map((e) => e.reason);
      return reasons.includes('RunFailed') ? reasons : undefined;
    }, { what: 'the RunFailed event', timeoutMs: 15_000 });
    expect(warnings).toContain('StageFailed');
  });

  it('deleting a run deletes its Jobs', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'doomed', quickstart(s3));
    await waitFor(async () => (await listJobs(ns.kc, ns.name, 'doomed')).length > 0, { what: 'the first Job' });
    const [job] = await listJobs(ns.kc, ns.name, 'doomed');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'PipelineRun', name: 'doomed', controller: true, blockOwnerDeletion: true });
    await ns.kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns.name, name: 'doomed' });
    await waitFor(async () => (await listJobs(ns.kc, ns.name)).length === 0, { what: 'the Jobs to be garbage-collected', timeoutMs: 90_000 });
  });

  it('two runs at once do not interfere', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    const a = await createRun(ns.kc, ns.name, 'run-a', quickstart(s3, { dataset: { source: 'uri', uri: '/nonexistent/a.jsonl' } }));
    const b = await createRun(ns.kc, ns.name, 'run-b', quickstart(s3, { generation: { enabled: false } }));
    const [endA, endB] = await Promise.all([waitForEnd(ns.kc, ns.name, 'run-a'), waitForEnd(ns.kc, ns.name, 'run-b')]);
    expect(endA.status?.phase).toBe('Failed');
    expect(condition(endA, 'Succeeded')?.message).toContain('/nonexistent/a.jsonl');
    expect(endB.status?.stages?.find((s) => s.name === 'analyze')?.phase).toBe('Succeeded');
    expect(condition(endB, 'Succeeded')?.message ?? '').not.toContain('a.jsonl');
    const jobs = await listJobs(ns.kc, ns.name);
    for (const job of jobs) {
      const owner = job.metadata?.ownerReferences?.[0];
      expect(job.metadata?.name?.startsWith(`${owner?.name}-`)).toBe(true);
      expect(owner?.uid).toBe(owner?.name === 'run-a' ? a.metadata.uid : b.metadata.uid);
    }
    expect(jobs.filter((j) => j.metadata?.ownerReferences?.[0].name === 'run-a').map((j) => j.metadata?.name)).toEqual(['run-a-analyze']);
  });

  it('an operator stopped mid-run and started again creates no duplicate Jobs, and the run completes', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    const generating = isStageAvailable('generate');
    // With generation available, stop while batches run one at a time; otherwise during analyze.
    await createRun(ns.kc, ns.name, 'restart', quickstart(s3, { generation: { provider: 'mutation', batches: 3, parallelism: 1, samplesPerBatch: 20 } }));
    const firstJob = generating ? 'restart-generate-0' : 'restart-analyze';
    await waitFor(async () => (await listJobs(ns.kc, ns.name)).some((j) => j.metadata?.name === firstJob), { what: `Job ${firstJob}`, timeoutMs: 180_000 });
    await operator.stop();
    operator = undefined;
    const before = new Map((await listJobs(ns.kc, ns.name)).map((j) => [j.metadata!.name!, j.metadata!.uid!]));
    await new Promise((r) => setTimeout(r, 3000)); // Jobs go on without an operator
    operator = await testOperator(ns.kc, ns.name);
    const run = await waitForEnd(ns.kc, ns.name, 'restart');
    const after = await listJobs(ns.kc, ns.name);
    for (const [name, uid] of before) expect(after.find((j) => j.metadata?.name === name)?.metadata?.uid, name).toBe(uid);
    const names = after.map((j) => j.metadata!.name!);
    expect(new Set(names).size).toBe(names.length);
    if (generating) expect(names.filter((n) => n.includes('-generate-')).sort()).toEqual(['restart-generate-0', 'restart-generate-1', 'restart-generate-2']);
    const missing = firstMissing(ALL);
    expect(run.status?.phase).toBe(missing ? 'Failed' : 'Succeeded');
    if (missing) expect(condition(run, 'Succeeded')?.reason).toBe('StageUnavailable');
    const started = (await eventsOf(ns.kc, ns.name, 'restart')).filter((e) => e.reason === 'StageStarted').map((e) => e.message);
    expect(new Set(started).size).toBe(started.length); // each stage announced once
  });

  it('a GPU training Job that cannot be scheduled shows Unschedulable on the run', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    // The test node has no GPU, so the train Pod never runs: whether this build has the train stage does not matter here.
    operator = await testOperator(ns.kc, ns.name, {
      reconcileConfig: { stageImage: 'ghcr.io/bugforge/bugforge:test', gpuStageImage: 'ghcr.io/bugforge/bugforge-gpu:test', isStageAvailable: (s) => s === 'train' || isStageAvailable(s) },
    });
    await createRun(ns.kc, ns.name, 'gpu', quickstart(s3, { generation: { enabled: false }, training: { features: 'tfidf', head: 'logreg', gpus: 1, nodeSelector: { 'kubernetes.io/os': 'linux' } } }));
    const run = await waitFor(async () => {
      const r = await getRun(ns.kc, ns.name, 'gpu');
      if (r.status?.phase === 'Failed') throw new Error(`run failed: ${JSON.stringify(r.status)}`);
      return condition(r, 'PodsPending')?.status === 'True' ? r : undefined;
    }, { what: 'the PodsPending condition', timeoutMs: 240_000 });
    expect(run.status?.currentStage).toBe('train');
    expect(condition(run, 'PodsPending')).toMatchObject({ reason: 'Unschedulable' });
    expect(condition(run, 'PodsPending')?.message).toContain('nvidia.com/gpu');
    expect(condition(run, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Unschedulable' });
    const train = await ns.kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'gpu-train', namespace: ns.name });
    expect(train.spec?.template.spec?.containers[0].resources?.limits).toMatchObject({ 'nvidia.com/gpu': '1' });
    expect(train.spec?.template.spec?.containers[0].image).toBe('ghcr.io/bugforge/bugforge-gpu:test');
    expect((await eventsOf(ns.kc, ns.name, 'gpu')).map((e) => e.reason)).toContain('Unschedulable');
  });
});
