// Run lifecycle on the real control plane (issue 12): cancel, the pending timeout of an unschedulable
// Pod, orphaned Jobs of a deleted run, retry after the storage comes back, caching across runs,
// Events that a crash lost, and an LLM that refuses the key. Stage Pods run this checkout's
// `bugforge stage` through the process kubelet, against s3rver.
import { createServer } from 'node:net';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../../api/v1alpha1/resource.js';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { kubeConfig, useNamespace, waitFor } from '../support/cluster.js';
import { startOpenAIServer, type OpenAIServer } from '../support/openai-server.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createCredentials, createRun, CREDENTIALS_SECRET, eventsOf, getRun, installCrd, listJobs, testOperator, waitForEnd } from './operator-support.js';

const fast = (s3: { endpoint: string }, extra: Record<string, unknown> = {}) => ({
  storage: { endpoint: s3.endpoint, bucket: 'bugforge', credentialsSecret: CREDENTIALS_SECRET },
  dataset: { source: 'demo' },
  generation: { enabled: false },
  training: { features: 'tfidf', head: 'logreg' },
  jobs: { backoffLimit: 0 },
  ...extra,
});
const gpuTraining = { features: 'tfidf', head: 'logreg', gpus: 1 };
const condition = (run: PipelineRun, type = 'Succeeded') => run.status?.conditions?.find((c) => c.type === type);
const stagePhases = (run: PipelineRun) => Object.fromEntries((run.status?.stages ?? []).map((s) => [s.name, s.phase]));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

async function patchRun(kc: KubeConfig, namespace: string, name: string, body: unknown): Promise<void> {
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body }, mergePatch);
}
const waitForStage = (kc: KubeConfig, ns: string, name: string, stage: string, phase: string) =>
  waitFor(async () => {
    const run = await getRun(kc, ns, name);
    if (run.status?.phase === 'Failed') throw new Error(`run failed: ${condition(run)?.message}`);
    return stagePhases(run)[stage] === phase ? run : undefined;
  }, { what: `${name} stage ${stage} ${phase}`, timeoutMs: 240_000, intervalMs: 500 });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('run lifecycle on a real control plane', () => {
  const ns = useNamespace('lifecycle');
  let s3: TestS3;
  let operator: RunningOperator | undefined;
  const extra: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    await installCrd(kubeConfig());
    s3 = await startS3({ buckets: ['bugforge'] });
  });
  afterAll(async () => { await s3?.stop(); });
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
    for (const x of extra.splice(0)) await x.stop();
  });

  it('cancel stops the active Job and keeps the published stages; an unschedulable Pod fails its stage at pendingTimeout', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'cancel-me', fast(s3, { training: gpuTraining }));
    await createRun(ns.kc, ns.name, 'no-gpu', fast(s3, { training: gpuTraining, jobs: { backoffLimit: 0, pendingTimeout: '5s' } }));
    await waitForStage(ns.kc, ns.name, 'cancel-me', 'train', 'Running'); // no GPU node: its Pod stays Pending
    await patchRun(ns.kc, ns.name, 'cancel-me', { spec: { status: 'Cancelled' } });
    const cancelled = await waitForEnd(ns.kc, ns.name, 'cancel-me');
    expect(cancelled.status?.phase).toBe('Cancelled');
    expect(condition(cancelled)).toMatchObject({ status: 'False', reason: 'Cancelled' });
    expect(condition(cancelled)?.message).toContain('published stages kept: analyze, merge');
    expect(stagePhases(cancelled)).toMatchObject({ analyze: 'Succeeded', merge: 'Succeeded', train: 'Cancelled', evaluate: 'Cancelled' });
    expect(cancelled.status?.duration).toMatch(/^(\d+m)?\d+s$/);
    await waitFor(async () => !(await listJobs(ns.kc, ns.name, 'cancel-me')).some((j) => j.metadata?.name === 'cancel-me-train'), { what: 'the train Job deleted' });

    const stuck = await waitForEnd(ns.kc, ns.name, 'no-gpu');
    expect(stuck.status?.phase).toBe('Failed');
    expect(condition(stuck)).toMatchObject({ status: 'False', reason: 'PendingTimeout' });
    expect(condition(stuck)?.message).toContain('nvidia.com/gpu');
    await waitFor(async () => !(await listJobs(ns.kc, ns.name, 'no-gpu')).some((j) => j.metadata?.name === 'no-gpu-train'), { what: 'the stuck train Job deleted' });
  });

  it('a run re-created over Jobs orphaned by its deleted namesake deletes them and runs its own', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    const first = await createRun(ns.kc, ns.name, 'again', fast(s3, { training: gpuTraining }));
    await waitFor(async () => (await listJobs(ns.kc, ns.name, 'again')).length > 0, { what: 'the first Job' });
    await operator.stop();
    operator = undefined;
    // kubectl delete pipelinerun again --cascade=orphan
    await ns.kc.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns.name, name: 'again', propagationPolicy: 'Orphan' });
    await waitFor(async () => getRun(ns.kc, ns.name, 'again').then(() => false, () => true), { what: 'the run gone' });
    const orphan = (await listJobs(ns.kc, ns.name, 'again'))[0];
    expect(orphan.metadata?.ownerReferences ?? []).toEqual([]);
    const second = await createRun(ns.kc, ns.name, 'again', fast(s3));
    expect(second.metadata.uid).not.toBe(first.metadata.uid);
    operator = await testOperator(ns.kc, ns.name);
    const run = await waitForStage(ns.kc, ns.name, 'again', 'analyze', 'Succeeded');
    const analyze = await ns.kc.makeApiClient(BatchV1Api).readNamespacedJob({ name: 'again-analyze', namespace: ns.name });
    expect(analyze.metadata?.uid).not.toBe(orphan.metadata?.uid);
    expect(analyze.metadata?.ownerReferences?.[0].uid).toBe(run.metadata.uid);
    const events = await waitFor(async () => {
      const list = await eventsOf(ns.kc, ns.name, 'again');
      return list.some((e) => e.reason === 'ForeignJobDeleted') ? list : undefined;
    }, { what: 'the ForeignJobDeleted event' });
    expect(events.find((e) => e.reason === 'ForeignJobDeleted')?.message).toContain('orphaned');
  });

  it('a run that failed while its storage was down succeeds on retry, and a second run reuses its stages from the cache', async () => {
    const port = await freePort();
    const late = { endpoint: `http://127.0.0.1:${port}` };
    await createCredentials(ns.kc, ns.name, s3); // s3rver accepts its one account on any port
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'outage', fast(late));
    const failed = await waitForEnd(ns.kc, ns.name, 'outage');
    expect(failed.status?.phase).toBe('Failed');
    expect(condition(failed)?.message).toMatch(/stage analyze failed/);

    const storage = await startS3({ buckets: ['bugforge'], port });
    extra.push(storage);
    await patchRun(ns.kc, ns.name, 'outage', { metadata: { annotations: { 'bugforge.dev/retry': '2026-12-02T16:40:00Z' } } });
    const retried = await waitFor(async () => {
      const run = await getRun(ns.kc, ns.name, 'outage'); // the old attempt's Failed until the operator has seen the retry
      return run.status?.attempt === 2 && ['Succeeded', 'Failed'].includes(run.status.phase ?? '') ? run : undefined;
    }, { what: 'the second attempt to end', timeoutMs: 300_000, intervalMs: 500 });
    expect(retried.status?.phase, JSON.stringify(retried.status?.conditions)).toBe('Succeeded');
    expect(retried.status).toMatchObject({ attempt: 2, retry: { value: '2026-12-02T16:40:00Z', fromStage: 'analyze', forced: false } });
    const reasons = (await eventsOf(ns.kc, ns.name, 'outage')).map((e) => e.reason);
    expect(reasons).toContain('RetryStarted');

    await createRun(ns.kc, ns.name, 'same-again', fast(late));
    const second = await waitForEnd(ns.kc, ns.name, 'same-again');
    expect(second.status?.phase).toBe('Succeeded');
    const stages = new Map(second.status?.stages?.map((s) => [s.name, s]));
    for (const stage of ['analyze', 'merge', 'train']) {
      expect(stages.get(stage)?.cachedFrom, stage).toBe(`${ns.name}/outage`);
      expect(stages.get(stage)?.message, stage).toMatch(new RegExp(`^cached from run ${ns.name}/outage`));
    }
    expect(stages.get('evaluate')?.cachedFrom).toBeUndefined(); // its report names its run
    expect(second.status?.results?.f1).toBe(retried.status?.results?.f1);
  });

  it('Events a crashed operator never recorded are recorded by the next one, each once', async () => {
    // The first operator may not create Events (as if it died after every status write, before its Events).
    const rbac = ns.kc.makeApiClient(RbacAuthorizationV1Api);
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'no-events' } } });
    await rbac.createNamespacedRole({ namespace: ns.name, body: { metadata: { name: 'no-events' }, rules: [
      { apiGroups: ['bugforge.dev'], resources: ['pipelineruns', 'pipelineruns/status'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ] } });
    await rbac.createNamespacedRoleBinding({ namespace: ns.name, body: { metadata: { name: 'no-events' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'no-events' }, subjects: [{ kind: 'ServiceAccount', name: 'no-events', namespace: ns.name }] } });
    const token = await core.createNamespacedServiceAccountToken({ name: 'no-events', namespace: ns.name, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const cluster = ns.kc.getCurrentCluster()!;
    const limited = new KubeConfig();
    limited.loadFromOptions({ clusters: [{ name: 't', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile }], users: [{ name: 'u', token: token.status!.token }], contexts: [{ name: 'c', cluster: 't', user: 'u', namespace: ns.name }], currentContext: 'c' });

    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(limited, ns.name);
    await createRun(ns.kc, ns.name, 'quiet', fast(s3));
    const done = await waitForEnd(ns.kc, ns.name, 'quiet');
    expect(done.status?.phase).toBe('Succeeded');
    expect(await eventsOf(ns.kc, ns.name, 'quiet')).toEqual([]);
    await operator.stop();

    operator = await testOperator(ns.kc, ns.name);
    const expected = ['StageStarted', 'StageSucceeded'].flatMap((r) => ['analyze', 'merge', 'train', 'evaluate'].map((s) => `${r}:${s}`)).concat('RunSucceeded:run');
    const key = (e: { reason?: string; message?: string }) => `${e.reason}:${e.reason === 'RunSucceeded' ? 'run' : /stage (\w+)/.exec(e.message ?? '')?.[1]}`;
    const recorded = await waitFor(async () => {
      const list = (await eventsOf(ns.kc, ns.name, 'quiet')).map(key);
      return list.length >= expected.length ? list : undefined;
    }, { what: 'the lost Events', timeoutMs: 30_000 });
    expect(recorded.sort()).toEqual(expected.sort());
    await operator.stop();
    operator = await testOperator(ns.kc, ns.name); // and once more: nothing twice
    await new Promise((r) => setTimeout(r, 4000));
    expect((await eventsOf(ns.kc, ns.name, 'quiet')).map(key).sort()).toEqual(expected.sort());
  });

  it('artifacts of a run with spec.artifacts.retain: false are removed when it is deleted; the default keeps them', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'tidy', fast(s3, { artifacts: { retain: false }, training: { features: 'tfidf', head: 'logreg', gpus: 1 }, jobs: { backoffLimit: 0, pendingTimeout: '2s' } }));
    await createRun(ns.kc, ns.name, 'kept', fast(s3, { training: { features: 'tfidf', head: 'logreg', gpus: 1 }, jobs: { backoffLimit: 0, pendingTimeout: '2s' } }));
    const [tidy, kept] = [await waitForEnd(ns.kc, ns.name, 'tidy'), await waitForEnd(ns.kc, ns.name, 'kept')]; // both end at train (no GPU)
    expect(tidy.metadata.finalizers).toEqual(['bugforge.dev/artifacts']);
    expect(kept.metadata.finalizers ?? []).toEqual([]);
    const { S3Store } = await import('../../core/store/s3.js');
    const store = new S3Store({ bucket: 'bugforge', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
    const count = async (run: PipelineRun) => { let n = 0; for await (const _ of store.list(`runs/${ns.name}/${run.metadata.name}/${run.metadata.uid}/`)) n++; return n; };
    expect(await count(tidy)).toBeGreaterThan(0);
    expect(await count(kept)).toBeGreaterThan(0);
    const custom = ns.kc.makeApiClient(CustomObjectsApi);
    for (const name of ['tidy', 'kept']) await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns.name, name });
    await waitFor(async () => getRun(ns.kc, ns.name, 'tidy').then(() => false, () => true), { what: 'the run with a finalizer gone', timeoutMs: 180_000 });
    expect(await count(tidy)).toBe(0);
    expect(await count(kept)).toBeGreaterThan(0);
  });

  it('an LLM that refuses the key fails the run at once with the provider\'s message (configuration error, no Pod retries)', async () => {
    let llm: OpenAIServer | undefined = await startOpenAIServer({ script: () => ({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-te***st.' }) });
    extra.push({ stop: async () => { await llm?.close(); llm = undefined; } });
    await createCredentials(ns.kc, ns.name, s3);
    await ns.kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: 'llm' }, stringData: { apiKey: 'sk-test' } } });
    operator = await testOperator(ns.kc, ns.name);
    await createRun(ns.kc, ns.name, 'bad-key', fast(s3, {
      generation: { provider: 'openai', batches: 2, parallelism: 2, samplesPerBatch: 20, openai: { baseURL: llm.baseURL, model: 'coder', apiKeySecret: { name: 'llm', key: 'apiKey' }, maxConcurrency: 2 } },
      jobs: { backoffLimit: 3 },
    }));
    const run = await waitForEnd(ns.kc, ns.name, 'bad-key');
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.currentStage).toBe('generate');
    expect(condition(run)?.message).toContain('Incorrect API key provided');
    expect(condition(run)?.message).toContain('HTTP 401');
    expect(condition(run)?.message).toMatch(/PodFailurePolicy|exit code 2/);
    expect(llm.count).toBeLessThanOrEqual(4); // two batches × maxConcurrency 2, no retries, no Pod retries
  });
});

