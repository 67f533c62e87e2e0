// Two operator replicas against the real control plane: exactly one holds the Lease and
// reconciles; when it goes, the other takes over and finishes the run.
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { kubeConfig, useNamespace, waitFor } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { createCredentials, createRun, installCrd, listJobs, storageFor, testOperator, waitForEnd } from './operator-support.js';

const reconciles = async (op: RunningOperator) =>
  (await op.metrics.reconciles.get()).values.reduce((sum, v) => sum + v.value, 0);

describe('bugforge operator: leader election', () => {
  const ns = useNamespace('leader');
  let s3: TestS3;
  const operators: RunningOperator[] = [];

  beforeAll(async () => {
    await installCrd(kubeConfig());
    s3 = await startS3({ buckets: ['bugforge'] });
  });
  afterAll(async () => { await s3?.stop(); });
  afterEach(async () => { await Promise.all(operators.splice(0).map((o) => o.stop())); });

  it('two replicas: exactly one reconciles; the other takes over when it leaves', async () => {
    await createCredentials(ns.kc, ns.name, s3);
    const election = { namespace: ns.name, leaseName: 'bugforge-operator', leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 };
    for (const identity of ['replica-a', 'replica-b']) {
      operators.push(await testOperator(ns.kc, ns.name, { identity, leaderElection: election, healthPort: 0, metricsPort: 0, host: '127.0.0.1' }));
    }
    const leader = await waitFor(() => operators.find((o) => o.isLeader), { what: 'a leader', timeoutMs: 30_000 });
    const standby = operators.find((o) => o !== leader)!;
    await new Promise((r) => setTimeout(r, 2500)); // a few retry periods: still only one
    expect(operators.filter((o) => o.isLeader)).toEqual([leader]);
    expect(standby.controller).toBeUndefined();
    const lease = await ns.kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'bugforge-operator', namespace: ns.name });
    expect(lease.spec?.holderIdentity).toBe(leader.identity);

    // Both are ready (the standby as standby); only the leader says it leads.
    for (const op of operators) expect((await fetch(`http://127.0.0.1:${op.healthPort}/readyz`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${standby.healthPort}/readyz`)).text()).toContain('standby');
    expect(await (await fetch(`http://127.0.0.1:${leader.metricsPort}/metrics`)).text()).toMatch(/^bugforge_operator_leader 1$/m);
    expect(await (await fetch(`http://127.0.0.1:${standby.metricsPort}/metrics`)).text()).toMatch(/^bugforge_operator_leader 0$/m);

    // A run of several stages: the leader starts it, the standby finishes it.
    await createRun(ns.kc, ns.name, 'handover', {
      storage: storageFor(s3), dataset: { source: 'demo' }, generation: { enabled: false },
      training: { features: 'tfidf', head: 'logreg' }, jobs: { backoffLimit: 0 },
    });
    await waitFor(async () => (await listJobs(ns.kc, ns.name)).length > 0, { what: 'the first Job' });
    // A reconcile is counted when it returns (after its status patch and Events), a moment after its Job.
    await waitFor(async () => (await reconciles(leader)) > 0, { what: 'the leader\'s first reconcile to finish' });
    expect(await reconciles(standby)).toBe(0);

    await leader.stop(); // releases the Lease
    operators.splice(operators.indexOf(leader), 1);
    await waitFor(() => standby.isLeader, { what: 'the standby to take over', timeoutMs: 20_000 });
    const run = await waitForEnd(ns.kc, ns.name, 'handover');
    expect(['Succeeded', 'Failed']).toContain(run.status?.phase);
    expect(await reconciles(standby)).toBeGreaterThan(0);
    const names = (await listJobs(ns.kc, ns.name)).map((j) => j.metadata?.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
