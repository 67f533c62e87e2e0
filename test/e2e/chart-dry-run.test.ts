// The real API server accepts what the chart renders and what manifests/install.yaml holds
// (server-side dry run: full schema validation and admission, nothing stored). Needs no operator.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestNamespace, kubeconfigPath, type TestNamespace } from '../support/cluster.js';
import { parseManifests, renderChart, repoRoot, tool, type K8sObject } from '../unit/packaging/helm.js';

function kubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.env.KUBECTL ?? tool('kubectl'), args, { input, encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfigPath() }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Server-side dry-run apply of these objects (in order), as one multi-document YAML stream. */
function dryRunApply(objs: K8sObject[]) {
  return kubectl(['apply', '--dry-run=server', '--server-side', '--force-conflicts', '--field-manager=bugforge-e2e', '-f', '-'], objs.map((o) => stringify(o)).join('---\n'));
}

describe('the API server accepts the chart and the plain manifests', () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace(undefined, 'chart-dry-run');
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it.each([
    ['default values', {}],
    ['MinIO, 2 replicas', { minio: { enabled: true }, replicaCount: 2 }],
    ['watchNamespace', { watchNamespace: 'team-a' }],
  ])('%s', (_name, values) => {
    // The ServiceMonitor CRD (Prometheus Operator) is not in the test cluster: not rendered here.
    const objs = renderChart(values, { namespace: ns.name });
    const r = dryRunApply(objs.filter((o) => o.metadata.namespace !== 'team-a'));
    expect(r.code, r.stderr).toBe(0);
    for (const o of objs.filter((x) => x.metadata.namespace !== 'team-a')) expect(r.stdout).toContain(`${o.metadata.name} serverside-applied (server dry run)`);
  });

  it('manifests/install.yaml: the CRD, then the operator objects in namespace bugforge', () => {
    const objs = parseManifests(readFileSync(path.join(repoRoot, 'manifests/install.yaml'), 'utf8'));
    // A dry run stores nothing, so neither the Namespace nor the CRD exists for the objects after
    // them: check the cluster-scoped part, then the namespaced part in the test namespace.
    const clusterScoped = objs.filter((o) => !o.metadata.namespace);
    const namespaced = objs.filter((o) => o.metadata.namespace).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns.name } }));
    const a = dryRunApply(clusterScoped);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/pipelineruns.bugforge.dev serverside-applied');
    const b = dryRunApply(namespaced);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toContain('deployment.apps/bugforge-operator serverside-applied');
  });
});
