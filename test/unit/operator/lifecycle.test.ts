// Retry, cancel and the Events of the pure reconcile (issue 12: retry/resume, cancel, Events that
// survive a crash). The cluster is a map of Jobs the test moves along; reconcile() decides.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';
import { REASONS, RETRY_ANNOTATION, RETRY_FROM_STAGE_ANNOTATION } from '../../../api/v1alpha1/reasons.js';
import { reconcile, type ReconcileResult } from '../../../operator/controller/reconcile.js';
import { at, config, finishedPod, observedJob, pipelineRun } from './fixtures.js';

class World {
  jobs = new Map<string, V1Job>();
  pods: V1Pod[] = [];
  constructor(public run: PipelineRun) {}
  step(seconds: number, options = {}): ReconcileResult {
    const result = reconcile(this.run, [...this.jobs.values()], this.pods, at(seconds), config, options);
    for (const name of result.jobsToDelete) {
      this.jobs.delete(name);
      this.pods = this.pods.filter((p) => p.metadata?.labels?.['batch.kubernetes.io/job-name'] !== name);
    }
    for (const job of result.jobsToCreate) this.jobs.set(job.metadata!.name!, observedJob(job, 'active'));
    if (result.statusChanged) this.run = { ...this.run, status: result.status };
    return result;
  }
  finish(name: string, state: 'succeeded' | 'failed', headline: string): void {
    this.jobs.set(name, observedJob(this.jobs.get(name)!, state));
    this.pods.push(finishedPod(name, state === 'succeeded' ? 'Succeeded' : 'Failed', JSON.stringify({ headline, counts: { requested: 10, failed: state === 'failed' ? 10 : 1 } })));
  }
  annotate(annotations: Record<string, string>): void {
    this.run = { ...this.run, metadata: { ...this.run.metadata, annotations: { ...this.run.metadata.annotations, ...annotations } } };
  }
}

const created = (r: ReconcileResult) => r.jobsToCreate.map((j) => j.metadata?.name);
const reasons = (r: ReconcileResult) => r.events.map((e) => e.reason);
const succeeded = (r: ReconcileResult) => r.status.conditions?.find((c) => c.type === 'Succeeded');

/** A run whose generate batch 1 failed (batch 0 published). */
function failedInGenerate(): World {
  const w = new World(pipelineRun({ generation: { batches: 2, parallelism: 2 } }));
  w.step(0);
  w.finish('demo-analyze', 'succeeded', 'analyzed');
  w.step(10);
  w.finish('demo-generate-0', 'succeeded', '10 samples');
  w.finish('demo-generate-1', 'failed', 'storage unreachable: connect ECONNREFUSED');
  expect(w.step(20).status.phase).toBe('Failed');
  return w;
}

describe('retry (annotation bugforge.dev/retry)', () => {
  it('re-runs a Failed run from its failed stage: the failed batch Job is replaced, published work is kept', () => {
    const w = failedInGenerate();
    w.annotate({ [RETRY_ANNOTATION]: '2026-01-01T10:05:00Z' });
    const r = w.step(30);
    expect(r.status.phase).toBe('Running');
    expect(r.status.attempt).toBe(2);
    expect(r.status.retry).toMatchObject({ value: '2026-01-01T10:05:00Z', fromStage: 'generate', forced: false });
    expect(r.status.completionTime).toBeUndefined();
    expect(r.jobsToDelete).toEqual(['demo-generate-1']); // the failed batch only; batch 0 stays published
    expect(reasons(r)).toContain(REASONS.RetryStarted);
    // once the old Job is gone, the batch is created again for attempt 2, without --force
    const next = w.step(31);
    expect(created(next)).toEqual(['demo-generate-1']);
    const job = next.jobsToCreate[0];
    expect(job.metadata?.labels?.['bugforge.dev/attempt']).toBe('2');
    expect(job.spec?.template.spec?.containers[0].args).toEqual(['stage', 'generate', '--batch', '1']);
    expect(w.run.status?.stages?.find((s) => s.name === 'analyze')).toMatchObject({ phase: 'Succeeded' });
    w.finish('demo-generate-1', 'succeeded', '10 samples');
    expect(created(w.step(40))).toEqual(['demo-filter']);
    // the same annotation value again asks nothing
    expect(w.step(41).events).toEqual([]);
  });

  it('--from-stage re-runs that stage and the later ones with --force, even for a Succeeded run', () => {
    const w = failedInGenerate();
    w.annotate({ [RETRY_ANNOTATION]: 'a', [RETRY_FROM_STAGE_ANNOTATION]: 'analyze' });
    const r = w.step(30);
    expect(r.jobsToDelete.sort()).toEqual(['demo-analyze', 'demo-generate-0', 'demo-generate-1']);
    const next = w.step(31);
    expect(created(next)).toEqual(['demo-analyze']);
    expect(next.jobsToCreate[0].spec?.template.spec?.containers[0].args).toEqual(['stage', 'analyze', '--force']);
    expect(w.run.status?.stages?.map((s) => s.phase)).toEqual(['Running', 'Pending', 'Pending', 'Pending', 'Pending', 'Pending']);
  });

  it('is refused, with a reason, while the run is active, for an unknown stage, and for a Succeeded run without a stage', () => {
    const w = new World(pipelineRun());
    w.step(0);
    w.annotate({ [RETRY_ANNOTATION]: 'x' });
    const r = w.step(1);
    expect(r.events).toEqual([expect.objectContaining({ reason: REASONS.RetryRefused, message: expect.stringMatching(/the run is Running/) })]);
    expect(r.jobsToDelete).toEqual([]);
    const f = failedInGenerate();
    f.annotate({ [RETRY_ANNOTATION]: 'y', [RETRY_FROM_STAGE_ANNOTATION]: 'polish' });
    expect(f.step(30).events[0].message).toMatch(/not one of analyze, generate/);
    expect(f.run.status?.phase).toBe('Failed');
  });
});

describe('cancel (spec.status: Cancelled)', () => {
  it('deletes the active Jobs, ends the run Cancelled with reason Cancelled, keeps what was published; a retry resumes it', () => {
    const w = new World(pipelineRun({ generation: { batches: 3, parallelism: 2 } }));
    w.step(0);
    w.finish('demo-analyze', 'succeeded', 'analyzed');
    w.step(10);
    w.run = { ...w.run, spec: { ...w.run.spec, status: 'Cancelled' } };
    const r = w.step(20);
    expect(r.status.phase).toBe('Cancelled');
    expect(succeeded(r)).toMatchObject({ status: 'False', reason: REASONS.Cancelled });
    expect(succeeded(r)!.message).toContain('published stages kept: analyze');
    expect(r.jobsToDelete.sort()).toEqual(['demo-generate-0', 'demo-generate-1']);
    expect(r.status.stages?.map((s) => s.phase)).toEqual(['Succeeded', 'Cancelled', 'Cancelled', 'Cancelled', 'Cancelled', 'Cancelled']);
    expect(r.status.duration).toBe('20s');
    expect(reasons(r)).toEqual([REASONS.RunCancelled]);
    expect(w.step(21).statusChanged).toBe(false);
    // retrying with spec.status still Cancelled is refused; with it cleared, generate runs again
    w.annotate({ [RETRY_ANNOTATION]: 'r1' });
    expect(reasons(w.step(30))).toEqual([REASONS.RetryRefused]);
    w.run = { ...w.run, spec: { ...w.run.spec, status: undefined } };
    w.annotate({ [RETRY_ANNOTATION]: 'r2' });
    const resumed = w.step(31);
    expect(resumed.status.phase).toBe('Running');
    expect(created(resumed)).toEqual(['demo-generate-0', 'demo-generate-1']);
  });
});

describe('Events with stable keys', () => {
  it('derives the same keys again from the status, so a restarted operator records what a crash lost and nothing twice', () => {
    const w = new World(pipelineRun({ generation: { enabled: false } }));
    const keys: string[] = [];
    keys.push(...w.step(0).events.map((e) => e.key));
    w.finish('demo-analyze', 'succeeded', 'analyzed');
    keys.push(...w.step(10).events.map((e) => e.key)); // "lost": the operator died after writing this status
    const replayed = w.step(11, { replayEvents: true }).events.map((e) => e.key);
    expect(replayed).toEqual(keys.filter((k, i) => keys.indexOf(k) === i));
    expect(new Set(keys).size).toBe(keys.length);
    expect(w.step(12).events).toEqual([]); // and without replay, nothing new
  });
});

describe('artifact retention (spec.artifacts.retain)', () => {
  it('retain: true (the default) adds no finalizer; retain: false adds it, and on deletion runs a cleanup Job before letting go', () => {
    expect(reconcile(pipelineRun(), [], [], at(0), config).finalizers).toBeUndefined();
    const run = pipelineRun({ artifacts: { retain: false } });
    expect(reconcile(run, [], [], at(0), config).finalizers).toEqual(['bugforge.dev/artifacts']);
    const deleting: PipelineRun = { ...run, metadata: { ...run.metadata, finalizers: ['other', 'bugforge.dev/artifacts'], deletionTimestamp: at(30).toISOString() } };
    const first = reconcile(deleting, [], [], at(31), config);
    expect(first.finalizers).toBeUndefined(); // not yet
    expect(first.jobsToCreate.map((j) => j.metadata?.name)).toEqual(['demo-cleanup']);
    expect(first.jobsToCreate[0].spec?.template.spec?.containers[0].args).toEqual(['cleanup']);
    expect(first.jobsToCreate[0].spec?.template.spec?.containers[0].env).toContainEqual({ name: 'BUGFORGE_STORE', value: 's3://bugforge' });
    const done = reconcile(deleting, [observedJob(first.jobsToCreate[0], 'succeeded')], [], at(40), config);
    expect(done.finalizers).toEqual(['other']);
    expect(reasons(done)).toEqual([REASONS.ArtifactsDeleted]);
    const failed = reconcile(deleting, [observedJob(first.jobsToCreate[0], 'failed')], [], at(40), config);
    expect(failed.finalizers).toBeUndefined();
    expect(reasons(failed)).toEqual([REASONS.ArtifactsNotDeleted]);
  });
});
