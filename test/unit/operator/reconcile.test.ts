import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';
import { reconcile, type ReconcileResult } from '../../../operator/controller/reconcile.js';
import { at, config, finishedPod, observedJob, pendingPod, pipelineRun, type JobState } from './fixtures.js';

/** The cluster as the reconcile sees it: Jobs by name, Pods, and the run with its last written status. */
class World {
  jobs = new Map<string, V1Job>();
  pods: V1Pod[] = [];
  constructor(public run: PipelineRun) {}
  step(seconds: number, cfg = config): ReconcileResult {
    const result = reconcile(this.run, [...this.jobs.values()], this.pods, at(seconds), cfg);
    for (const job of result.jobsToCreate) this.jobs.set(job.metadata!.name!, observedJob(job, 'active'));
    if (result.statusChanged) this.run = { ...this.run, status: result.status };
    return result;
  }
  finish(name: string, state: Exclude<JobState, 'active'>, message: string, failure?: { reason: string; message: string }): void {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job ${name}; have ${[...this.jobs.keys()].join(', ')}`);
    this.jobs.set(name, observedJob(job, state, 10, failure));
    this.pods.push(finishedPod(name, state === 'succeeded' ? 'Succeeded' : 'Failed', message));
  }
}

const names = (r: ReconcileResult) => r.jobsToCreate.map((j) => j.metadata?.name);
const condition = (r: ReconcileResult, type: string) => r.status.conditions?.find((c) => c.type === type);
const summary = (stage: string, extra: Record<string, unknown> = {}) => JSON.stringify({ stage, status: 'ran', headline: `${stage} done`, counts: { rows: 10 }, ...extra });

describe('reconcile: what to create', () => {
  it('a fresh run gets exactly the analyze Job and goes Running', () => {
    const r = reconcile(pipelineRun(), [], [], at(0), config);
    expect(names(r)).toEqual(['demo-analyze']);
    expect(r.status.phase).toBe('Running');
    expect(r.status.currentStage).toBe('analyze');
    expect(r.status.progress).toBe('0/6');
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Running', observedGeneration: 1 });
    expect(r.status.stages?.map((s) => `${s.name}:${s.phase}`)).toEqual(['analyze:Running', 'generate:Pending', 'filter:Pending', 'merge:Pending', 'train:Pending', 'evaluate:Pending']);
    expect(r.events).toEqual([expect.objectContaining({ reason: 'StageStarted', type: 'Normal' })]);
    expect(r.status.artifacts).toBe('s3://bugforge/runs/ml/demo/uid-demo');
  });

  it('after analyze, generation batches start capped by parallelism and follow in order as batches finish', () => {
    const w = new World(pipelineRun({ generation: { batches: 5, parallelism: 2 } }));
    w.step(0);
    w.finish('demo-analyze', 'succeeded', summary('analyze'));
    expect(names(w.step(20))).toEqual(['demo-generate-0', 'demo-generate-1']);
    expect(w.run.status?.progress).toBe('generate 0/5');
    expect(names(w.step(21))).toEqual([]); // both still active: nothing more
    w.finish('demo-generate-1', 'succeeded', summary('generate', { counts: { generated: 7 } }));
    expect(names(w.step(30))).toEqual(['demo-generate-2']);
    expect(w.run.status?.progress).toBe('generate 1/5');
    expect(w.run.status?.stages?.[0]).toMatchObject({ name: 'analyze', phase: 'Succeeded', summary: { headline: 'analyze done', counts: { rows: 10 } } });
  });

  it('a batch stage succeeds only when every batch has, with counts summed in its summary', () => {
    const w = new World(pipelineRun({ generation: { batches: 3, parallelism: 3 } }));
    w.step(0);
    w.finish('demo-analyze', 'succeeded', summary('analyze'));
    w.step(1);
    for (const k of [0, 1, 2]) w.finish(`demo-generate-${k}`, 'succeeded', summary('generate', { counts: { generated: k + 1 } }));
    const r = w.step(2);
    expect(names(r)).toEqual(['demo-filter']);
    expect(r.status.stages?.[1]).toMatchObject({ phase: 'Succeeded', summary: { batches: 3, counts: { generated: 6 } } });
  });

  it('generate fails the run when the summed batches fail more than generation.maxFailureRate, though no batch failed', () => {
    /** Two batches that each published, with these failed-of-requested counts; the reconcile after them. */
    const afterBatches = (...counts: [number, number][]) => {
      const w = new World(pipelineRun({ generation: { batches: 2, parallelism: 2, maxFailureRate: 0.5 } }));
      w.step(0);
      w.finish('demo-analyze', 'succeeded', summary('analyze'));
      w.step(1);
      counts.forEach(([failed, requested], k) => w.finish(`demo-generate-${k}`, 'succeeded', summary('generate', { counts: { requested, provider_failures: failed } })));
      return w.step(2);
    };
    // each batch at its own limit; over the run 30 of 50 samples failed: 60% > 50%
    const r = afterBatches([15, 30], [15, 20]);
    expect(names(r)).toEqual([]);
    expect(r.status.phase).toBe('Failed');
    const message = "stage generate failed: 30 of 50 samples failed over the run's batches (60.0% > generation.maxFailureRate 50%)";
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'False', reason: 'GenerationFailureRate', message });
    expect(r.status.stages?.[1]).toMatchObject({ name: 'generate', phase: 'Failed', message });
    // at the limit it goes on
    expect(names(afterBatches([15, 30], [10, 20]))).toEqual(['demo-filter']);
  });

  it('skips disabled stages and walks the whole pipeline to Succeeded with results from evaluate', () => {
    const w = new World(pipelineRun({ generation: { enabled: false } }));
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = w.step(i * 10);
      order.push(...(names(r) as string[]));
      for (const job of r.jobsToCreate) {
        const stage = job.metadata!.labels!['bugforge.dev/stage'];
        w.finish(job.metadata!.name!, 'succeeded', summary(stage, stage === 'evaluate' ? { accuracy: 0.7, f1: 0.65, rocAuc: 0.8, baselineAccuracy: 0.5, baselineF1: 0.4 } : {}));
      }
      if (w.run.status?.phase === 'Succeeded') break;
    }
    expect(order).toEqual(['demo-analyze', 'demo-merge', 'demo-train', 'demo-evaluate']);
    const s = w.run.status!;
    expect(s.phase).toBe('Succeeded');
    expect(s.progress).toBe('4/4');
    expect(s.completionTime).toBeDefined();
    expect(s.stages?.filter((x) => x.phase === 'Skipped').map((x) => x.name)).toEqual(['generate', 'filter']);
    expect(s.results).toEqual({ accuracy: 0.7, f1: 0.65, rocAuc: 0.8, baselineAccuracy: 0.5, baselineF1: 0.4, report: 's3://bugforge/runs/ml/demo/uid-demo/06-evaluate/report.html' });
    expect(s.conditions?.find((c) => c.type === 'Succeeded')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    // A finished run is left alone.
    expect(reconcile(w.run, [...w.jobs.values()], w.pods, at(999), config)).toMatchObject({ jobsToCreate: [], statusChanged: false });
  });
});

describe('reconcile: failures and stuck Pods', () => {
  it('a Job failed past its backoffLimit fails the run, naming the stage and the reason', () => {
    const w = new World(pipelineRun());
    w.step(0);
    w.finish('demo-analyze', 'failed', JSON.stringify({ stage: 'analyze', status: 'failed', headline: 'dataset /data/missing.parquet does not exist' }));
    const r = w.step(30);
    expect(r.jobsToCreate).toEqual([]);
    expect(r.status.phase).toBe('Failed');
    expect(r.status.currentStage).toBe('analyze');
    const c = condition(r, 'Succeeded')!;
    expect(c).toMatchObject({ status: 'False', reason: 'StageFailed' });
    expect(c.message).toContain('stage analyze failed');
    expect(c.message).toContain('BackoffLimitExceeded');
    expect(c.message).toContain('dataset /data/missing.parquet does not exist');
    expect(r.events.map((e) => e.reason)).toEqual(['StageFailed', 'RunFailed']);
    expect(r.events.every((e) => e.type === 'Warning')).toBe(true);
  });

  it('a stage missing from this build fails the run when reached, without creating its Job', () => {
    const w = new World(pipelineRun({ generation: { enabled: false } }));
    const cfg = { ...config, isStageAvailable: (s: string) => s === 'analyze' };
    w.step(0, cfg);
    w.finish('demo-analyze', 'succeeded', summary('analyze'));
    const r = w.step(10, cfg);
    expect(r.jobsToCreate).toEqual([]);
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'False', reason: 'StageUnavailable' });
    expect(condition(r, 'Succeeded')!.message).toContain('stage merge is not available');
  });

  it('an unschedulable Pod shows on the conditions (and an event) while the run keeps waiting', () => {
    const w = new World(pipelineRun());
    w.step(0);
    w.pods.push(pendingPod('demo-analyze', { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }] }));
    const r = w.step(5);
    expect(r.status.phase).toBe('Running');
    expect(condition(r, 'PodsPending')).toMatchObject({ status: 'True', reason: 'Unschedulable' });
    expect(condition(r, 'PodsPending')!.message).toContain('Insufficient nvidia.com/gpu');
    expect(condition(r, 'PodsPending')!.message).toContain('or set training.gpus: 0'); // what to do next
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Unschedulable' });
    expect(r.events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'Unschedulable' })]);
    expect(w.step(6).events).toEqual([]); // said once
  });

  it('an image pull failure and a Pod pending past spec.jobs.pendingTimeout are named', () => {
    const run = pipelineRun({ jobs: { pendingTimeout: '1m' } });
    const w = new World(run);
    w.step(0);
    w.pods.push(pendingPod('demo-analyze', { containerStatuses: [{ name: 'stage', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] }));
    expect(condition(w.step(5), 'PodsPending')).toMatchObject({ status: 'True', reason: 'ImagePullBackOff' });
    w.pods = [pendingPod('demo-analyze', {}, 2)];
    const early = w.step(30);
    expect(condition(early, 'PodsPending')).toMatchObject({ status: 'False' });
    expect(early.requeueAfterMs).toBeGreaterThan(0);
    expect(early.requeueAfterMs).toBeLessThanOrEqual(33_000);
    const late = w.step(90);
    expect(late.status.phase).toBe('Failed'); // issue 12 #3: a timeout that ends the stage, not only a condition
    expect(condition(late, 'Succeeded')).toMatchObject({ status: 'False', reason: 'PendingTimeout' });
    expect(late.jobsToDelete).toEqual(['demo-analyze']);
  });

  it('an unschedulable Pod (no GPU node) fails its stage at spec.jobs.pendingTimeout and its Job is deleted', () => {
    const w = new World(pipelineRun({ jobs: { pendingTimeout: '30s' } }));
    w.step(0);
    w.pods.push(pendingPod('demo-analyze', { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.' }] }, 2));
    const waiting = w.step(10);
    expect(waiting.status.phase).toBe('Running');
    expect(waiting.requeueAfterMs).toBe(23_000); // wakes up right after the timeout
    const r = w.step(40);
    expect(r.status.phase).toBe('Failed');
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'False', reason: 'PendingTimeout' });
    expect(condition(r, 'Succeeded')!.message).toContain('Insufficient nvidia.com/gpu');
    expect(r.jobsToDelete).toEqual(['demo-analyze']);
  });

  it('pendingTimeout 0s means no timeout: no failure and no Warning for every Pod that is briefly Pending', () => {
    const w = new World(pipelineRun({ jobs: { pendingTimeout: '0s' }, generation: { batches: 4, parallelism: 4 } }));
    w.step(0);
    w.finish('demo-analyze', 'succeeded', summary('analyze'));
    w.step(5);
    for (let k = 0; k < 4; k++) w.pods.push(pendingPod(`demo-generate-${k}`, {}, 6));
    const r = w.step(3600);
    expect(r.status.phase).toBe('Running');
    expect(r.events).toEqual([]);
    expect(condition(r, 'PodsPending')).toMatchObject({ status: 'False' });
  });

  it('a spec the schema refuses and a run with no storage fail with a reason instead of creating Jobs', () => {
    const bad = pipelineRun();
    (bad.spec.generation as { batches: number }).batches = 0;
    const r = reconcile(bad, [], [], at(0), config);
    expect(r.jobsToCreate).toEqual([]);
    expect(condition(r, 'Succeeded')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(condition(r, 'Succeeded')!.message).toContain('generation.batches');
    const noStorage = pipelineRun();
    delete noStorage.spec.storage;
    expect(condition(reconcile(noStorage, [], [], at(0), config), 'Succeeded')).toMatchObject({ reason: 'NoStorage' });
    const withDefault = reconcile(noStorage, [], [], at(0), { ...config, defaultStorage: { bucket: 'fallback', prefix: 'team-a/' } });
    expect(withDefault.status.artifacts).toBe('s3://fallback/team-a/runs/ml/demo/uid-demo');
  });
});

describe('reconcile: idempotence', () => {
  it('the same observed state twice creates nothing new and writes no status', () => {
    const w = new World(pipelineRun({ generation: { batches: 4, parallelism: 2 } }));
    w.step(0);
    w.finish('demo-analyze', 'succeeded', summary('analyze'));
    expect(names(w.step(10))).toHaveLength(2);
    const again = w.step(11);
    expect(again.jobsToCreate).toEqual([]);
    expect(again.statusChanged).toBe(false);
    expect(again.events).toEqual([]);
    const later = w.step(500); // time passing alone changes nothing
    expect(later.statusChanged).toBe(false);
  });

  it('deletes a Job in its way owned by another run of the same name (orphaned by a deleted run), then creates its own', () => {
    const w = new World(pipelineRun());
    const first = w.step(0).jobsToCreate[0];
    const stale = observedJob({ ...first, metadata: { ...first.metadata, uid: 'job-1', ownerReferences: [{ ...first.metadata!.ownerReferences![0], uid: 'old-uid' }] } }, 'active');
    const r = reconcile(pipelineRun(), [stale], [], at(1), config);
    expect(r.status.phase).toBe('Running');
    expect(names(r)).toEqual([]); // the name is taken: creating would answer 409
    expect(r.jobsToDelete).toEqual(['demo-analyze']);
    expect(r.status.stages?.[0].message).toMatch(/waiting for Job demo-analyze \(owned by PipelineRun demo uid old-uid\) to be deleted/);
    expect(r.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'ForeignJobDeleted' }));
    const orphan = observedJob({ ...first, metadata: { ...first.metadata, ownerReferences: [] } }, 'failed');
    expect(reconcile(pipelineRun(), [orphan], [], at(1), config).jobsToDelete).toEqual(['demo-analyze']);
    expect(names(reconcile(pipelineRun(), [], [], at(2), config))).toEqual(['demo-analyze']); // gone: created
  });
});
