// End to end, as a user would do it: `helm install` the chart into the test control plane (the
// process kubelet runs the operator Pod from this checkout under the chart's ServiceAccount, so
// RBAC is the real thing), `kubectl apply` the quickstart example, `kubectl wait` for it,
// `kubectl get` / `describe` it, `helm test`, and `helm uninstall`.
// Storage: an s3rver on 127.0.0.1, made the operator's default storage through chart values; the
// credentials Secret is created the way the docs say.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'minio';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGE_NAMES } from '../../api/v1alpha1/names.js';
import { isStageAvailable } from '../../stage-images/registry.js';
import { createTestNamespace, type TestNamespace } from '../support/cluster.js';
import { startS3, type TestS3 } from '../support/s3.js';
import { chartDir, repoRoot, valuesFile } from '../unit/packaging/helm.js';
import { helm, kubectl } from './tools.js';

const operatorBuilt = existsSync(path.join(repoRoot, 'cli/commands/operator.ts'));
const missingStages = STAGE_NAMES.filter((s) => !isStageAvailable(s));
const RELEASE = 'bugforge';
const CRD = 'pipelineruns.bugforge.dev';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

describe.skipIf(!operatorBuilt)('helm install → kubectl apply → kubectl get pipelineruns', () => {
  let ns: TestNamespace;
  let s3: TestS3;
  let healthPort: number;
  let crdExisted = false;
  let installed = false;
  const run = (args: string[], input?: string) => kubectl(['-n', ns.name, ...args], input);
  /** What to look at when something fails: the operator's log and the run's status. */
  const diagnostics = async () => (await Promise.all([
    run(['logs', `deploy/${RELEASE}-operator`, '--tail=60']),
    run(['logs', '-l', 'batch.kubernetes.io/job-name', '--tail=20', '--prefix']),
    run(['get', 'pipelineruns,jobs,pods', '-o', 'wide']),
    run(['get', 'pipelinerun', 'quickstart', '-o', 'jsonpath={.status}']),
  ])).map((r) => r.stdout + r.stderr).join('\n');

  beforeAll(async () => {
    crdExisted = (await kubectl(['get', 'crd', CRD])).code === 0;
    ns = await createTestNamespace(undefined, 'helm-e2e');
    // The restricted Pod Security Standard, enforced by the API server: the operator, helm test and
    // stage Pods are refused unless they meet it (as in the Namespace of manifests/install.yaml).
    const label = await kubectl(['label', 'namespace', ns.name, 'pod-security.kubernetes.io/enforce=restricted']);
    if (label.code !== 0) throw new Error(label.stderr);
    s3 = await startS3({ buckets: ['bugforge'] });
    healthPort = await freePort();
  });

  afterAll(async () => {
    if (!ns) return;
    if (installed) await helm(['uninstall', RELEASE, '-n', ns.name, '--wait', '--timeout', '2m']);
    // Without the operator nobody removes its finalizers: drop them so the namespace can go.
    for (const name of (await run(['get', 'pipelineruns', '-o', 'name'])).stdout.split('\n').filter(Boolean)) {
      await run(['patch', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
    await ns.delete();
    if (!crdExisted) await kubectl(['delete', 'crd', CRD, '--wait=false']);
    await s3?.stop();
  });

  it('helm lint passes', async () => {
    const r = await helm(['lint', '--strict', chartDir]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('0 chart(s) failed');
  });

  it('helm install runs the operator under the chart ServiceAccount with exactly the granted rights', async () => {
    const values = valuesFile({
      storage: { endpoint: s3.endpoint, bucket: 'bugforge', credentialsSecret: 's3-credentials' },
      metrics: { port: await freePort() },
      health: { port: healthPort },
      tests: { readyzURL: `http://127.0.0.1:${healthPort}/readyz` },
      logLevel: 'debug',
    });
    // The namespace really enforces the restricted standard: a plain Pod is refused.
    const plain = await run(['run', 'plain', '--image=test/node', '--restart=Never', '--dry-run=server']);
    expect(plain.stderr).toContain('violates PodSecurity "restricted');
    // Helm 4 applies the chart's CRD server-side; other tests (like a user who applied
    // manifests/install.yaml first) may own it already, so take it over as docs/install.md says.
    const install = await helm(['install', RELEASE, chartDir, '-n', ns.name, '-f', values, '--force-conflicts', '--wait', '--timeout', '5m']);
    installed = install.code === 0;
    expect(install.code, `${install.stderr}\n${await diagnostics()}`).toBe(0);
    expect(install.stdout).toContain('STATUS: deployed');
    expect(install.stdout).toContain('kubectl -n'); // NOTES.txt tells what to do next

    expect((await kubectl(['get', 'crd', CRD])).code).toBe(0);
    const pods = JSON.parse((await run(['get', 'pods', '-l', 'app.kubernetes.io/component=operator', '-o', 'json'])).stdout);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].spec.serviceAccountName).toBe(`${RELEASE}-operator`);
    expect(pods.items[0].status.phase).toBe('Running');

    const sa = `system:serviceaccount:${ns.name}:${RELEASE}-operator`;
    const can = async (verb: string, resource: string, where = ['-n', ns.name]) => (await kubectl(['auth', 'can-i', verb, resource, '--as', sa, ...where])).stdout.trim();
    expect(await can('create', 'jobs.batch')).toBe('yes');
    expect(await can('watch', 'pipelineruns.bugforge.dev', ['--all-namespaces'])).toBe('yes');
    // (a subresource is --subresource: `pipelineruns/status` would ask about a run named "status")
    expect(await can('patch', 'pipelineruns.bugforge.dev', ['-n', ns.name, '--subresource=status'])).toBe('yes');
    expect(await can('update', 'pipelineruns.bugforge.dev', ['-n', ns.name, '--subresource=status'])).toBe('no');
    expect(await can('get', 'secrets')).toBe('no');
    expect(await can('create', 'pods')).toBe('no');
    expect(await can('delete', 'pipelineruns.bugforge.dev')).toBe('no');
  });

  it('helm test: the PipelineRun API is served and the operator answers /readyz', async () => {
    const r = await helm(['test', RELEASE, '-n', ns.name, '--timeout', '3m']);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${await diagnostics()}`).toBe(0);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
  });

  it(missingStages.length === 0
    ? 'kubectl apply quickstart.yaml runs to Succeeded; get shows the printer columns, describe the Events, the artifacts are in S3'
    : `kubectl apply quickstart.yaml: the stages this build has run as Jobs, then the run fails naming the missing stage (${missingStages.join(', ')})`, async () => {
    const secret = await run(['create', 'secret', 'generic', 's3-credentials', `--from-literal=accessKey=${s3.accessKey}`, `--from-literal=secretKey=${s3.secretKey}`]);
    expect(secret.code, secret.stderr).toBe(0);
    const apply = await run(['apply', '-f', path.join(repoRoot, 'manifests/examples/quickstart.yaml')]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('pipelinerun.bugforge.dev/quickstart created');

    const expectedPhase = missingStages.length === 0 ? 'Succeeded' : 'Failed';
    const wait = missingStages.length === 0
      ? await run(['wait', '--for=condition=Succeeded', 'pipelinerun/quickstart', '--timeout=480s'])
      : await run(['wait', '--for=condition=Succeeded=false', 'pipelinerun/quickstart', '--timeout=300s']);
    expect(wait.code, `${wait.stderr}\n${await diagnostics()}`).toBe(0);

    const get = await run(['get', 'pipelineruns']);
    expect(get.code, get.stderr).toBe(0);
    const [header, row] = get.stdout.trim().split('\n');
    // The CRD's printer columns, as kubectl shows them (NAME first).
    const crd = parse(readFileSync(path.join(repoRoot, 'crds/bugforge.dev_pipelineruns.yaml'), 'utf8'));
    const columns: string[] = crd.spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name.toUpperCase());
    expect(columns).toEqual(expect.arrayContaining(['PHASE', 'STAGE', 'PROGRESS', 'F1', 'AGE']));
    expect(header.split(/\s+/)).toEqual(['NAME', ...columns]);
    expect(row).toMatch(new RegExp(`^quickstart\\s+${expectedPhase}\\s`));

    const describe = await run(['describe', 'pipelinerun', 'quickstart']);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/Events:\s*\n\s+Type\s+Reason/);
    expect(describe.stdout).toMatch(/Normal\s+StageSucceeded/);

    // The artifacts are in the operator's default storage, under runs/<namespace>/<name>/<uid>/.
    const uid = (await run(['get', 'pipelinerun', 'quickstart', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const { hostname, port } = new URL(s3.endpoint);
    const client = new Client({ endPoint: hostname, port: Number(port), useSSL: false, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region });
    const keys: string[] = [];
    for await (const item of client.listObjectsV2('bugforge', `runs/${ns.name}/quickstart/${uid}/`, true)) if (item.name) keys.push(item.name);
    expect(keys.some((k) => /\/01-analyze\/_manifest\.json$/.test(k)), keys.join('\n')).toBe(true);

    const status = JSON.parse((await run(['get', 'pipelinerun', 'quickstart', '-o', 'jsonpath={.status}'])).stdout);
    expect(status.stages[0]).toMatchObject({ name: 'analyze', phase: 'Succeeded' });
    if (missingStages.length === 0) {
      expect(status.results.f1).toBeGreaterThanOrEqual(0);
      expect(status.results.f1).toBeLessThanOrEqual(1);
      expect(keys.some((k) => k.endsWith('/metrics.json')), keys.join('\n')).toBe(true);
    } else {
      const succeeded = status.conditions.find((c: { type: string }) => c.type === 'Succeeded');
      expect(succeeded).toMatchObject({ status: 'False', reason: 'StageUnavailable' });
      expect(succeeded.message).toContain(`stage ${STAGE_NAMES.find((s) => missingStages.includes(s))} is not available`);
    }
  });

  it('helm uninstall removes the release but keeps the CRD and the users\' PipelineRuns', async () => {
    const r = await helm(['uninstall', RELEASE, '-n', ns.name, '--wait', '--timeout', '3m']);
    expect(r.code, r.stderr).toBe(0);
    installed = false;
    const left = await run(['get', 'deployments,serviceaccounts,services,roles,rolebindings', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name']);
    expect(left.stdout.trim()).toBe('');
    expect((await kubectl(['get', 'clusterrole', `${RELEASE}-operator`])).code).not.toBe(0);
    expect((await kubectl(['get', 'clusterrolebinding', `${RELEASE}-operator`])).code).not.toBe(0);
    expect((await kubectl(['get', 'crd', CRD])).code).toBe(0);
    expect((await run(['get', 'pipelineruns'])).code).toBe(0);
    expect((await helm(['status', RELEASE, '-n', ns.name])).code).not.toBe(0);
  });
});
