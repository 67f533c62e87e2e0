// The retry and cancel patches every client sends (CLI, kubectl plugin, dashboard).
import { describe, expect, it } from 'vitest';
import { cancelPatch, retryPatch } from '../../../api/v1alpha1/actions.js';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';

const now = new Date('2026-12-02T10:00:00Z');
const run = (status?: string) => ({ spec: { ...(status ? { status } : {}) } }) as unknown as Pick<PipelineRun, 'spec'>;

describe('run actions', () => {
  it('retry of a cancelled run clears spec.status with the new token, in the same patch', () => {
    expect(retryPatch(run('Cancelled'), undefined, now)).toEqual({
      metadata: { annotations: { 'bugforge.dev/retry': '2026-12-02T10:00:00.000Z', 'bugforge.dev/retry-from-stage': null } },
      spec: { status: null },
    });
  });
  it('retry of a failed run, or from a stage, leaves the spec alone', () => {
    expect(retryPatch(run(), 'train', now)).toEqual({
      metadata: { annotations: { 'bugforge.dev/retry': '2026-12-02T10:00:00.000Z', 'bugforge.dev/retry-from-stage': 'train' } },
    });
  });
  it('cancel sets spec.status Cancelled', () => {
    expect(cancelPatch()).toEqual({ spec: { status: 'Cancelled' } });
  });
});
