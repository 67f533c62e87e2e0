/**
 * End to end on the real node, the way users run it: `helm install` the chart with the images built
 * from the project's Dockerfiles (imported into containerd, never pulled), the S3 test server in the
 * cluster as the external object store the chart's storage.* values point at, `kubectl apply` the
 * quickstart example into a namespace, `kubectl wait --for=condition=Succeeded`, `kubectl get`,
 * `kubectl logs`, metrics.json read back from the bucket, `helm test`, `helm uninstall`. Every stage
 * runs in its own container, under the restrictions runc is told to enforce (read back from the OCI
 * spec containerd generated). Then what only a real node shows: generation through an OpenAI-compatible
 * server behind a Service, the operator Pod deleted mid-run, a missing storage Secret, a GPU Job that
 * cannot be scheduled. Container IDs and image digests are printed for the test log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { bridgeIP } from '../support/node/layout.js';
import { containersOf, describeContainers, enforcedSpec, imageTag, realNodeImages, type ContainerRecord } from '../support/node/pods.js';
import { injectSmallBug, promptFunction, startOpenAIServer, type ChatRequest, type OpenAIServer } from '../support/openai-server.js';
import { chartDir, repoRoot } from '../unit/packaging/helm.js';
import { helm, kubectl } from '../e2e/tools.js';

const RELEASE = 'bugforge';
const BUCKET = 'bugforge';
const ns = `node-e2e-${process.pid}`;
const quickstartFile = path.join(repoRoot, 'manifests/examples/quickstart.yaml');
// The S3 test server (Deployment + Service + its credentials Secret) and the chart values pointing at
// it: what a user sets for an external MinIO (storage.endpoint, bucket, credentialsSecret).
const s3rverManifest = path.join(repoRoot, 'test/images/s3rver/s3rver.yaml');
const s3rverValues = path.join(repoRoot, 'test/images/s3rver/values.yaml');
const s3rverAccount = { accessKey: 'S3RVER', secretKey: 'S3RVER', region: 'us-east-1' };
const storageEndpoint = `http://s3rver.${ns}.svc.cluster.local:9000`;

/** kubectl in the test namespace; throws with stderr on failure. */
async function k(args: string[], input?: string): Promise<string> {
  const r = await kubectl(['-n', ns, ...args], input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The quickstart run under another name, with changes (smaller, to keep the extra trials short). */
function runFrom(name: string, change: (spec: Record<string, any>) => void): string { // eslint-disable-line @typescript-eslint/no-explicit-any
  const run = parse(readFileSync(quickstartFile, 'utf8')) as { metadata: { name: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  run.metadata.name = name;
  run.spec.generation = { ...run.spec.generation, batches: 1, parallelism: 1, samplesPerBatch: 20 };
  change(run.spec);
  return stringify(run);
}

interface RunStatus {
  phase?: string;
  currentStage?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  stages?: { name: string; phase: string; message?: string }[];
  results?: { f1?: number; accuracy?: number; report?: string };
}
const status = async (name: string): Promise<RunStatus> => JSON.parse((await k(['get', 'pipelinerun', name, '-o', 'jsonpath={.status}'])) || '{}') as RunStatus;
const succeededCondition = (s: RunStatus) => s.conditions?.find((c) => c.type === 'Succeeded');

async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Waits for the run's Succeeded condition to be True, failing as soon as it is False (with the
 * reason and the diagnostics), then checks `kubectl wait --for=condition=Succeeded` agrees.
 */
async function waitSucceeded(name: string, timeoutMs = 600_000): Promise<number> {
  const t0 = Date.now();
  const cond = await waitUntil(`run ${name} to finish`, async () => {
    const c = succeededCondition(await status(name));
    return c && c.status !== 'Unknown' ? c : undefined;
  }, timeoutMs);
  if (cond.status !== 'True') throw new Error(`run ${name} did not succeed: ${cond.reason}: ${cond.message}\n${await diagnostics()}`);
  const wait = await kubectl(['-n', ns, 'wait', '--for=condition=Succeeded', `pipelinerun/${name}`, '--timeout=60s']);
  expect(wait.code, wait.stderr).toBe(0);
  expect(wait.stdout).toContain('condition met');
  return Date.now() - t0;
}

/**
 * The test server's usual small bug (`<` → `<=`, ...), or, for a function with none of those, an added
 * statement: every answer differs from its origin (generate counts an unchanged answer as failed).
 */
function alwaysChanged(request: ChatRequest) {
  const origin = promptFunction(request);
  let changed = injectSmallBug(origin);
  if (changed === origin) changed = origin.replace('{', '{\n  int bugforge_off_by_one = 1;');
  return { kind: 'answer' as const, content: JSON.stringify({ function: changed, bug_type: 'off-by-one', explanation: 'a bound made inclusive' }) };
}

/** What to look at when something fails: the operator's log, the stage Pods, the run statuses. */
async function diagnostics(): Promise<string> {
  const parts = await Promise.all([
    kubectl(['-n', ns, 'logs', `deploy/${RELEASE}-operator`, '--tail=40']),
    kubectl(['-n', ns, 'get', 'pipelineruns,jobs,pods', '-o', 'wide']),
    kubectl(['-n', ns, 'get', 'pipelineruns', '-o', 'jsonpath={range .items[*]}{.metadata.name}: {.status.conditions}{"\\n"}{end}']),
  ]);
  return parts.map((r) => r.stdout + r.stderr).join('\n');
}

/** The stage containers of a run, each checked against what runc enforced; printed for the log. */
function stageContainers(run: string): ContainerRecord[] {
  const records = containersOf(ns, `bugforge.dev/run=${run}`);
  console.log(`run ${run}: stage containers (pod/container, container ID, image@digest):\n${describeContainers(records)}`);
  return records;
}

describe('helm install → kubectl apply quickstart → Succeeded, on a real node', () => {
  let llm: OpenAIServer;
  let installed = false;
  let s3: Client;

  beforeAll(async () => {
    const images = realNodeImages();
    console.log(`images in containerd:\n${images.map((i) => `  ${i.tag}  manifest ${i.digest}  image ID ${i.imageID}`).join('\n')}`);
    await kubectl(['create', 'namespace', ns]);
    // The restricted Pod Security Standard, enforced by the API server (as manifests/install.yaml's Namespace has it).
    await kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
    expect(imageTag('s3rver')).toBe('localhost/bugforge/s3rver:dev');
    await k(['apply', '-f', s3rverManifest]);
    await k(['rollout', 'status', 'deploy/s3rver', '--timeout=180s']);
    // The test reads the bucket through the Service's ClusterIP (kube-proxy's rules apply to the host too).
    const clusterIP = (await k(['get', 'svc', 's3rver', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    s3 = new Client({ endPoint: clusterIP, port: 9000, useSSL: false, ...s3rverAccount });

    // The OpenAI-compatible test server, listening on the node's bridge IP, as Service `llm` (an
    // EndpointSlice to it, as for any server outside the cluster).
    llm = await startOpenAIServer({ host: bridgeIP, script: alwaysChanged });
    const port = Number(new URL(llm.baseURL).port);
    await k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'List', items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'llm', namespace: ns }, spec: { ports: [{ name: 'http', port: 80, targetPort: port }] } },
        {
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'llm-1', namespace: ns, labels: { 'kubernetes.io/service-name': 'llm' } },
          addressType: 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }], endpoints: [{ addresses: [bridgeIP] }],
        },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'llm', namespace: ns }, stringData: { apiKey: 'sk-test-node-e2e' } },
      ],
    }));
  });

  afterAll(async () => {
    if (installed) await helm(['uninstall', RELEASE, '-n', ns, '--wait', '--timeout', '2m']);
    for (const name of (await kubectl(['-n', ns, 'get', 'pipelineruns', '-o', 'name'])).stdout.split('\n').filter(Boolean)) {
      await kubectl(['-n', ns, 'patch', name, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
    await llm?.close();
  });

  it('helm install with the built images: the operator Pod runs in a container under the chart ServiceAccount', async () => {
    expect(imageTag('bugforge')).toBe('ghcr.io/bugforge/bugforge:dev');
    const t0 = Date.now();
    const install = await helm(['install', RELEASE, chartDir, '-n', ns, '-f', s3rverValues, '--set', `storage.endpoint=${storageEndpoint}`, '--set', 'logLevel=debug', '--force-conflicts', '--wait', '--timeout', '5m']);
    installed = install.code === 0;
    expect(install.code, `${install.stderr}\n${await diagnostics()}`).toBe(0);
    console.log(`helm install --wait: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const pods = JSON.parse(await k(['get', 'pods', '-l', 'app.kubernetes.io/component=operator', '-o', 'json'])) as { items: { spec: { serviceAccountName: string } }[] };
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].spec.serviceAccountName).toBe(`${RELEASE}-operator`);
    const [operator] = containersOf(ns, 'app.kubernetes.io/component=operator');
    console.log(`operator:\n${describeContainers([operator])}`);
    expect(operator.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(operator.imageID).toBe(realNodeImages().find((i) => i.name === 'bugforge')!.imageID);
    expect(enforcedSpec(operator.containerID)).toMatchObject({ uid: 10001, readonlyRoot: true, capabilities: [], seccompDefaultAction: 'SCMP_ACT_ERRNO' });
  });

  it('kubectl apply quickstart.yaml -n <ns> runs to Succeeded, every stage in its own restricted container; get, logs, metrics.json', async () => {
    const t0 = Date.now();
    expect(await k(['apply', '-f', quickstartFile])).toContain('pipelinerun.bugforge.dev/quickstart created');
    await waitSucceeded('quickstart');
    console.log(`quickstart: apply → Succeeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const [header, row] = (await k(['get', 'pipelineruns'])).trim().split('\n');
    console.log(`kubectl get pipelineruns:\n${header}\n${row}`);
    expect(header.split(/\s+/).slice(0, 3)).toEqual(['NAME', 'PHASE', 'STAGE']);
    expect(row).toMatch(/^quickstart\s+Succeeded\s/);

    // One container per stage Job (two generation batches), all from the project's image, each
    // under the restrictions runc enforced.
    const containers = stageContainers('quickstart');
    const projectImage = realNodeImages().find((i) => i.name === 'bugforge')!;
    const stages = new Set(containers.map((c) => c.pod.replace(/^quickstart-/, '').replace(/-\d*-?[a-z0-9]{5}$/, '')));
    expect([...stages].sort()).toEqual(expect.arrayContaining(['analyze', 'evaluate', 'filter', 'merge', 'train']));
    expect(new Set(containers.map((c) => c.containerID)).size).toBe(containers.length);
    for (const c of containers) {
      expect(c.imageID, c.pod).toBe(projectImage.imageID);
      expect(enforcedSpec(c.containerID), c.pod).toEqual({ uid: 10001, readonlyRoot: true, noNewPrivileges: true, capabilities: [], seccompDefaultAction: 'SCMP_ACT_ERRNO' });
    }

    const logs = await k(['logs', 'job/quickstart-analyze']);
    console.log(`kubectl logs job/quickstart-analyze (last lines):\n${logs.trim().split('\n').slice(-3).join('\n')}`);
    expect(logs).toMatch(/analyze/);

    const s = await status('quickstart');
    expect(s.results?.f1).toBeGreaterThanOrEqual(0);
    const uid = (await k(['get', 'pipelinerun', 'quickstart', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const keys: string[] = [];
    for await (const item of s3.listObjectsV2(BUCKET, `runs/${ns}/quickstart/${uid}/`, true)) if (item.name) keys.push(item.name);
    const metricsKey = keys.find((key) => key.endsWith('/metrics.json'));
    expect(metricsKey, keys.join('\n')).toBeDefined();
    const chunks: Buffer[] = [];
    for await (const chunk of await s3.getObject(BUCKET, metricsKey!)) chunks.push(chunk as Buffer);
    const metrics = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    console.log(`s3://${BUCKET}/${metricsKey}: ${JSON.stringify(metrics).slice(0, 300)}`);
    expect(JSON.stringify(metrics)).toContain(String(s.results?.f1).slice(0, 4));
  });

  it('generation through the OpenAI-compatible test server behind a Service, with the API key from a Secret', async () => {
    const before = llm.count;
    await k(['apply', '-f', '-'], runFrom('llm', (spec) => {
      spec.generation = { ...spec.generation, provider: 'openai', openai: { baseURL: `http://llm.${ns}.svc/v1`, model: 'test-model', apiKeySecret: { name: 'llm', key: 'apiKey' }, maxConcurrency: 2 } };
    }));
    console.log(`llm: Succeeded in ${((await waitSucceeded('llm')) / 1000).toFixed(1)} s`);
    stageContainers('llm');
    expect(llm.count - before).toBeGreaterThan(0);
    expect(llm.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-node-e2e');
    expect(llm.requests.at(-1)!.body.model).toBe('test-model');
  });

  it('the operator Pod deleted mid-run: the run still completes, with one Job per stage and no Pod run twice', async () => {
    await k(['apply', '-f', '-'], runFrom('restart', () => {}));
    await waitUntil('the restart run to reach generate', async () => ['generate', 'filter', 'merge'].includes((await status('restart')).currentStage ?? ''));
    const old = (await k(['get', 'pods', '-l', 'app.kubernetes.io/component=operator', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    await k(['delete', 'pod', old, '--wait=true']);
    await waitSucceeded('restart');
    const now = (await k(['get', 'pods', '-l', 'app.kubernetes.io/component=operator', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    expect(now).not.toBe(old);

    const jobs = JSON.parse(await k(['get', 'jobs', '-l', 'bugforge.dev/run=restart', '-o', 'json'])) as { items: { metadata: { name: string }; status: { succeeded?: number; failed?: number } }[] };
    const names = jobs.items.map((j) => j.metadata.name).sort();
    expect(names).toEqual(['restart-analyze', 'restart-evaluate', 'restart-filter', 'restart-generate-0', 'restart-merge', 'restart-train'].sort());
    for (const j of jobs.items) expect(j.status, j.metadata.name).toMatchObject({ succeeded: 1 });
    expect(jobs.items.every((j) => !j.status.failed)).toBe(true);
    expect(stageContainers('restart')).toHaveLength(names.length);
  });

  it('a run whose storage Secret is missing says so on its status (the container cannot be created)', async () => {
    await k(['apply', '-f', '-'], runFrom('no-secret', (spec) => {
      spec.storage = { endpoint: storageEndpoint, bucket: BUCKET, credentialsSecret: 'does-not-exist' };
    }));
    const cond = await waitUntil('the run to name the missing Secret', async () => {
      const c = succeededCondition(await status('no-secret'));
      return c?.message?.includes('CreateContainerConfigError') ? c : undefined;
    }, 180_000);
    console.log(`no-secret: ${JSON.stringify(cond)}`);
    expect(cond.message).toMatch(/secret "does-not-exist" not found/i);
    const pod = JSON.parse(await k(['get', 'pods', '-l', 'bugforge.dev/run=no-secret', '-o', 'json'])) as { items: { status: { phase: string; containerStatuses?: { state: { waiting?: { reason: string } } }[] } }[] };
    expect(pod.items[0].status.phase).toBe('Pending');
    expect(pod.items[0].status.containerStatuses?.[0].state.waiting?.reason).toBe('CreateContainerConfigError');
    await k(['delete', 'pipelinerun', 'no-secret']);
  });

  it('a GPU train Job stays Pending on a node without GPUs, and the run shows why', async () => {
    await k(['apply', '-f', '-'], runFrom('gpu', (spec) => {
      spec.training = { ...spec.training, gpus: 1 };
    }));
    const cond = await waitUntil('the run to report the unschedulable train Pod', async () => {
      const c = succeededCondition(await status('gpu'));
      return c?.message?.includes('cannot be scheduled') ? c : undefined;
    }, 600_000);
    console.log(`gpu: ${JSON.stringify(cond)}`);
    expect(cond.message).toMatch(/Insufficient nvidia\.com\/gpu/);
    expect((await status('gpu')).currentStage).toBe('train');
    await k(['delete', 'pipelinerun', 'gpu']);
  });

  it('helm test: the PipelineRun API is served and the operator answers /readyz', async () => {
    const r = await helm(['test', RELEASE, '-n', ns, '--timeout', '3m']);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${await diagnostics()}`).toBe(0);
    expect(r.stdout).toMatch(/Phase:\s+Succeeded/);
  });

  it('helm uninstall removes the release and keeps the users\' PipelineRuns', async () => {
    const r = await helm(['uninstall', RELEASE, '-n', ns, '--wait', '--timeout', '3m']);
    expect(r.code, r.stderr).toBe(0);
    installed = false;
    expect((await k(['get', 'deployments', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name'])).trim()).toBe('');
    expect(await k(['get', 'pipelineruns', '-o', 'name'])).toContain('pipelinerun.bugforge.dev/quickstart');
  });
});
