// The operator under a ServiceAccount with exactly the RBAC the chart grants (its namespaced Role,
// since it watches one namespace, and its leader-election Role, as `helm template` renders them)
// — no Secrets, nothing cluster-wide — still reconciles a run to its end, records Events and holds
// its leader Lease. The chart's rules are those the operator's code calls (test/unit/packaging).
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningOperator } from '../../operator/controller/manager.js';
import { kubeConfig, useNamespace, waitFor } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { one, renderChart } from '../unit/packaging/helm.js';
import { createCredentials, createRun, eventsOf, getRun, installCrd, storageFor, testOperator, waitForEnd } from './operator-support.js';

/** The chart's operator Role and leader-election Role rules for a release watching `namespace`. */
function chartRules(namespace: string) {
  const objs = renderChart({ watchNamespace: namespace, leaderElection: { enabled: true } }, { namespace });
  return [...one(objs, 'Role', 'bugforge-operator').rules, ...one(objs, 'Role', 'bugforge-operator-leader-election').rules];
}

/** A kubeconfig that authenticates as the ServiceAccount with a short-lived token. */
async function serviceAccountConfig(admin: KubeConfig, namespace: string, name: string): Promise<KubeConfig> {
  const token = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false }],
    users: [{ name, token: token.status!.token }],
    contexts: [{ name: 'sa', cluster: 'test', user: name, namespace }],
    currentContext: 'sa',
  });
  return kc;
}

describe('bugforge operator: RBAC', () => {
  const ns = useNamespace('rbac');
  let s3: TestS3;
  let operator: RunningOperator | undefined;

  beforeAll(async () => {
    await installCrd(kubeConfig());
    s3 = await startS3({ buckets: ['bugforge'] });
  });
  afterAll(async () => { await s3?.stop(); });
  afterEach(async () => { await operator?.stop(); operator = undefined; });

  it('runs with only the contract RBAC (namespaced Role, no Secrets)', async () => {
    const rbac = ns.kc.makeApiClient(RbacAuthorizationV1Api);
    await ns.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'bugforge-operator' } } });
    await rbac.createNamespacedRole({ namespace: ns.name, body: { metadata: { name: 'bugforge-operator' }, rules: chartRules(ns.name) } });
    await rbac.createNamespacedRoleBinding({ namespace: ns.name, body: { metadata: { name: 'bugforge-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bugforge-operator' }, subjects: [{ kind: 'ServiceAccount', name: 'bugforge-operator', namespace: ns.name }] } });
    const kc = await serviceAccountConfig(ns.kc, ns.name, 'bugforge-operator');
    // The identity really is restricted: no Secrets.
    const secrets = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns.name }).then(() => 200, (e: { code?: number }) => e.code);
    expect(secrets).toBe(403);

    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(kc, ns.name, { leaderElection: { namespace: ns.name, leaseName: 'bugforge-operator', leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 } });
    await waitFor(() => operator?.isLeader, { what: 'the operator to take the Lease' });
    await createRun(ns.kc, ns.name, 'limited', {
      storage: storageFor(s3), dataset: { source: 'uri', uri: '/nonexistent/limited.jsonl' }, jobs: { backoffLimit: 0 },
    });
    const run = await waitForEnd(ns.kc, ns.name, 'limited');
    expect(run.status?.phase).toBe('Failed');
    expect(run.status?.conditions?.find((c) => c.type === 'Succeeded')?.message).toContain('stage analyze failed');
    await waitFor(async () => (await eventsOf(ns.kc, ns.name, 'limited')).some((e) => e.reason === 'RunFailed'), { what: 'the RunFailed event', timeoutMs: 15_000 });
    // Nothing was denied (an informer may see a transient 429 right after the CRD is installed; it retries).
    const errors = (await operator.metrics.errors.get()).values.filter((v) => v.labels.where !== 'informer');
    expect(errors.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });

  it('started before it has its rights, it is not ready, retries its watches with backoff, and works once granted', async () => {
    await ns.kc.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'late-operator' } } });
    const kc = await serviceAccountConfig(ns.kc, ns.name, 'late-operator');
    await createCredentials(ns.kc, ns.name, s3);
    operator = await testOperator(kc, ns.name, { healthPort: 0, host: '127.0.0.1' });
    const errors = async () => (await operator!.metrics.errors.get()).values.filter((v) => v.labels.where === 'informer').reduce((sum, v) => sum + v.value, 0);
    // Three informers fail at start (403), and again on their first retry.
    await waitFor(async () => (await errors()) >= 6, { what: 'the informers to fail (403) and be retried' });
    const readyz = await fetch(`http://127.0.0.1:${operator.healthPort}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toContain('not synced');
    await createRun(ns.kc, ns.name, 'waiting', { storage: storageFor(s3), dataset: { source: 'demo' }, jobs: { backoffLimit: 0 } });

    const rbac = ns.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: ns.name, body: { metadata: { name: 'late-operator' }, rules: chartRules(ns.name) } });
    await rbac.createNamespacedRoleBinding({ namespace: ns.name, body: { metadata: { name: 'late-operator' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'late-operator' }, subjects: [{ kind: 'ServiceAccount', name: 'late-operator', namespace: ns.name }] } });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${operator!.healthPort}/readyz`)).status === 200, { what: '/readyz once the watches run', timeoutMs: 60_000 });
    const run = await waitFor(async () => {
      const r = await getRun(ns.kc, ns.name, 'waiting');
      return r.status?.stages?.[0]?.jobs?.length ? r : undefined;
    }, { what: 'the run to get its first Job', timeoutMs: 60_000 });
    expect(run.status?.stages?.[0]).toMatchObject({ name: 'analyze', jobs: ['waiting-analyze'] });
  });
});
