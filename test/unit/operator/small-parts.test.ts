import { describe, expect, it } from 'vitest';
import { parseOperatorFlags } from '../../../cli/commands/operator.js';
import { describeApiError, statusPatch } from '../../../operator/controller/apply.js';
import { setCondition } from '../../../operator/controller/conditions.js';
import { durationMs, podSummary } from '../../../operator/controller/observe.js';
import { batchedSummary, boundedSummary, resultsFrom } from '../../../operator/controller/summaries.js';
import { finishedPod } from './fixtures.js';

describe('status writes', () => {
  it('a merge patch nulls the fields that went away and keeps the rest', () => {
    expect(statusPatch({ phase: 'Running', results: { f1: 1 }, currentStage: 'train' }, { phase: 'Failed', currentStage: 'train' }))
      .toEqual({ status: { phase: 'Failed', currentStage: 'train', results: null } });
  });

  it('a condition keeps its lastTransitionTime until its status changes', () => {
    const old = [{ type: 'Succeeded', status: 'Unknown' as const, reason: 'Running', message: 'a', lastTransitionTime: 'T1' }];
    expect(setCondition(old, { type: 'Succeeded', status: 'Unknown', reason: 'Running', message: 'b' }, 'T2').lastTransitionTime).toBe('T1');
    expect(setCondition(old, { type: 'Succeeded', status: 'True', reason: 'Succeeded', message: '' }, 'T2').lastTransitionTime).toBe('T2');
  });
});

describe('stage summaries', () => {
  it('results come from the evaluate summary, at the top level or under metrics, with a report link', () => {
    expect(resultsFrom({ accuracy: 0.9, f1: 0.8, baselineF1: 'x', metrics: { rocAuc: 0.7 } }, 's3://b/r.html'))
      .toEqual({ accuracy: 0.9, f1: 0.8, rocAuc: 0.7, report: 's3://b/r.html' });
  });

  it('a Pod summary is the termination message as JSON, or its text when the stage crashed before writing one', () => {
    expect(podSummary(finishedPod('j', 'Succeeded', '{"stage":"merge","headline":"ok"}'))).toEqual({ stage: 'merge', headline: 'ok' });
    expect(podSummary(finishedPod('j', 'Failed', 'Error: boom\n  at x'))).toEqual({ message: 'Error: boom\n  at x' });
  });

  it('batch summaries add their counts; oversize summaries lose their bulkiest fields first', () => {
    expect(batchedSummary('generate', [{ counts: { generated: 2, failed: 1 } }, undefined, { counts: { generated: 3 } }]))
      .toMatchObject({ batches: 3, counts: { generated: 5, failed: 1 }, batchesWithoutSummary: 1, headline: '3 batches: 5 generated, 1 failed' });
    const bounded = boundedSummary({ stage: 's', headline: 'h', small: 1, huge: 'x'.repeat(5000) });
    expect(bounded).toEqual({ stage: 's', headline: 'h', small: 1, truncated: true });
  });

  it('durations in the CRD form become milliseconds', () => {
    expect(durationMs('10m')).toBe(600_000);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('250ms')).toBe(250);
  });
});

describe('operator flags and errors', () => {
  it('flags default from the environment and flags win over it', () => {
    const env = { BUGFORGE_WATCH_NAMESPACE: 'ml', BUGFORGE_LEADER_ELECT: 'true', POD_NAMESPACE: 'bugforge-system', BUGFORGE_STAGE_IMAGE: 'reg/img:1', BUGFORGE_DEFAULT_STORAGE_BUCKET: 'runs' };
    expect(parseOperatorFlags([], env)).toMatchObject({ namespace: 'ml', leaderElect: true, leaderElectionNamespace: 'bugforge-system', stageImage: 'reg/img:1', defaultStorageBucket: 'runs', leaseName: 'bugforge-operator', metricsPort: 8080, healthPort: 8081, resyncSeconds: 60 });
    expect(parseOperatorFlags(['--namespace', 'other', '--metrics-port', '9090', '--stage-image', 'x:2'], env)).toMatchObject({ namespace: 'other', metricsPort: 9090, stageImage: 'x:2' });
    expect(parseOperatorFlags([], {})).toMatchObject({ leaderElect: false, leaderElectionNamespace: 'default', stageImage: expect.stringMatching(/^ghcr\.io\/bugforge\/bugforge:/), gpuStageImage: expect.stringMatching(/^ghcr\.io\/bugforge\/bugforge-gpu:/) });
    expect(() => parseOperatorFlags(['--metrics-port', 'http'], {})).toThrow(/not a port number/);
    expect(parseOperatorFlags([], {}).imagePullSecrets).toEqual([]);
    expect(parseOperatorFlags([], { BUGFORGE_IMAGE_PULL_SECRETS: 'regcred, other' }).imagePullSecrets).toEqual(['regcred', 'other']);
    expect(parseOperatorFlags(['--image-pull-secrets', 'a,b'], { BUGFORGE_IMAGE_PULL_SECRETS: 'regcred' }).imagePullSecrets).toEqual(['a', 'b']);
  });

  it('API errors read as one line with the status reason', () => {
    expect(describeApiError({ code: 429, body: '{"kind":"Status","reason":"TooManyRequests","message":"storage is (re)initializing"}' })).toBe('HTTP 429 TooManyRequests: storage is (re)initializing');
    expect(describeApiError(new Error('connect ECONNREFUSED\nstack'))).toBe('connect ECONNREFUSED');
  });
});
