// Benchmark of the operator against the test control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler from test/controlplane; no kubelet, so stage Pods stay
// Pending and nothing but the operator's own work is measured):
//   - create-to-first-Job latency: PipelineRun created → its analyze Job seen on a watch, runs one at a time;
//   - reconcile latency p50/p99: from the operator's own debug log (one line per reconcile, API calls included);
//   - operator RSS idle and with N + samples PipelineRuns (default 100 + 20 = 120), and its CPU seconds:
//     the operator runs as its own process from dist/ (`npm run build`), as the image runs it;
//   - the API server's own answer time for one write during the burst (the floor under any reconcile).
//
//   npm run build && npx tsx bench/operator.ts [--runs 100] [--samples 20] [--dist <dir with cli/main.js>] [--node-options "<flags>"]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { GROUP, PLURAL, VERSION, type PipelineRun } from '../api/v1alpha1/resource.js';
import { buildControlPlane, startControlPlane } from '../test/support/controlplane.js';
import { mib } from './memory.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = new Command('bench/operator.ts')
  .option('--runs <n>', 'concurrent PipelineRuns for the memory figure', (v) => Number(v), 100)
  .option('--samples <n>', 'runs created one at a time for the latency figure', (v) => Number(v), 20)
  .option('--dist <dir>', 'the compiled tree to run the operator from (another checkout\'s dist/ for a before/after)', path.join(root, 'dist'))
  .option('--node-options <flags>', 'flags for the operator\'s node process (e.g. "--max-semi-space-size=1"), as NODE_OPTIONS in the chart would set them', '')
  .option('--crd <file>', 'the CRD to install (with --dist of another checkout: that checkout\'s crds/ file)', path.join(root, 'crds/bugforge.dev_pipelineruns.yaml'))
  .parse().opts<{ runs: number; samples: number; dist: string; crd: string; nodeOptions: string }>();

const NS = 'bench';
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const ms = (v: number) => `${v.toFixed(1)} ms`;
const TICKS = 100; // USER_HZ on Linux
const status = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rss: kib('VmRSS'), peak: kib('VmHWM'), cpuSeconds: (Number(stat[11]) + Number(stat[12])) / TICKS };
};
const main = path.join(opts.dist, 'cli/main.js');
const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  }).on('error', reject);
});
if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (the bench runs the operator from dist/, as the image does)`);

process.stderr.write('starting the test control plane…\n');
buildControlPlane({ quiet: true });
const cp = await startControlPlane({});
const cleanups: (() => Promise<void> | void)[] = [() => cp.stop()];
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
  const applied = spawnSync('kubectl', ['apply', '--server-side', '-f', opts.crd], { env, encoding: 'utf8' });
  if (applied.status !== 0) throw new Error(`kubectl apply of the CRD failed: ${applied.stderr}`);
  spawnSync('kubectl', ['wait', '--for=condition=Established', `crd/${PLURAL}.${GROUP}`, '--timeout=60s'], { env });
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });

  // The operator, as a process of its own from compiled JavaScript (its RSS and CPU are the figures).
  const healthPort = await freePort();
  const child = spawn(process.execPath, [...opts.nodeOptions.split(' ').filter(Boolean), main, 'operator', '--namespace', NS, '--metrics-port', '0', '--health-port', String(healthPort), '--default-storage-bucket', 'bench'], {
    env: { ...env, BUGFORGE_LOG_LEVEL: 'debug', BUGFORGE_LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanups.unshift(() => { child.kill('SIGTERM'); });
  const reconcileMs: number[] = [];
  const planMs: number[] = [];
  let started!: () => void;
  const ready = new Promise<void>((resolve) => { started = resolve; });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; ms?: number; planMs?: number; level?: number };
      if (entry.msg === 'reconciled' && typeof entry.ms === 'number') reconcileMs.push(entry.ms);
      if (entry.msg === 'reconciled' && typeof entry.planMs === 'number') planMs.push(entry.planMs);
      if (entry.msg === 'controller started') started();
      if ((entry.level ?? 0) >= 50) process.stderr.write(`operator: ${line}\n`);
    } catch { /* not a log line */ }
  });
  await ready;
  // Ready as a readiness probe sees it: every informer has listed (right after the CRD is
  // established the API server may still answer 429 "storage is (re)initializing" for a second).
  for (let i = 0; ; i++) {
    const answer = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
    if (answer?.ok) break;
    if (i > 600) throw new Error('the operator did not become ready (/readyz) within a minute');
    await new Promise((r) => setTimeout(r, 100));
  }
  const idle = status(child.pid!);

  // Watch Jobs: when each run's first Job shows up.
  const firstJobAt = new Map<string, number>();
  const waiters = new Map<string, () => void>();
  const watch = await new Watch(kc).watch(`/apis/batch/v1/namespaces/${NS}/jobs`, {}, (type, job: { metadata?: { name?: string; annotations?: Record<string, string> } }) => {
    const run = job.metadata?.annotations?.['bugforge.dev/run-name'];
    if (type === 'ADDED' && run && !firstJobAt.has(run)) {
      firstJobAt.set(run, performance.now());
      waiters.get(run)?.();
    }
  }, () => {});
  cleanups.unshift(() => watch.abort());
  const custom = kc.makeApiClient(CustomObjectsApi);
  const spec = { storage: { bucket: 'bench', endpoint: 'http://minio.invalid:9000' }, dataset: { source: 'demo' }, training: { features: 'tfidf' } };
  const create = async (name: string) => {
    const seen = new Promise<void>((resolve) => waiters.set(name, resolve));
    const t0 = performance.now();
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PipelineRun', metadata: { name }, spec } });
    await seen;
    return firstJobAt.get(name)! - t0;
  };

  process.stderr.write(`create → first Job, ${opts.samples} runs one at a time…\n`);
  const latencies: number[] = [];
  for (let i = 0; i < opts.samples; i++) latencies.push(await create(`latency-${i}`));
  process.stderr.write(`  one at a time, in order: ${latencies.map((l) => l.toFixed(0)).join(" ")} ms\n`);

  process.stderr.write(`${opts.runs} runs at once…\n`);
  // The floor under the reconcile figure: one API write (a ConfigMap create) every 50 ms while the
  // burst is served — what any controller's Job create or status patch waits for on this server.
  const core = kc.makeApiClient(CoreV1Api);
  const probeMs: number[] = [];
  let probing = true;
  const probe = (async () => {
    for (let i = 0; probing; i++) {
      const p0 = performance.now();
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: `probe-${i}` }, data: { at: String(p0) } } });
      probeMs.push(performance.now() - p0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  const limit = pLimit(16);
  await Promise.all(Array.from({ length: opts.runs }, (_, i) => limit(() => create(`load-${i}`))));
  const allJobsMs = performance.now() - t0;
  // Let the status writes, Pod events and one resync settle, then read the memory.
  const running = async () => ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS })) as { items: PipelineRun[] }).items.filter((r) => r.status?.phase === 'Running').length;
  for (let i = 0; i < 120 && (await running()) < opts.runs + opts.samples; i++) await new Promise((r) => setTimeout(r, 500));
  probing = false;
  await probe;
  await new Promise((r) => setTimeout(r, 8000));
  const loaded = status(child.pid!);

  const lines = [
    `operator bench (${cp.binaries['kube-apiserver'].includes('controlplane') ? 'test control plane' : 'envtest'}, node ${process.version}, ${process.platform}/${process.arch})`,
    `create → first Job (${latencies.length} runs one at a time): p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(Math.max(...latencies))}`,
    `${opts.runs} runs created at once: all first Jobs in ${ms(allJobsMs)} (${(opts.runs / (allJobsMs / 1000)).toFixed(1)} runs/s)`,
    `reconcile latency (${reconcileMs.length} reconciles, API calls included): p50 ${ms(percentile(reconcileMs, 50))}, p99 ${ms(percentile(reconcileMs, 99))}, max ${ms(Math.max(...reconcileMs))}`,
    ...(planMs.length ? [`  of which the operator's own part (caches read, plan made, before the API calls): p50 ${ms(percentile(planMs, 50))}, p99 ${ms(percentile(planMs, 99))}, max ${ms(Math.max(...planMs))}`] : []),
    `  the API server's own answer time meanwhile (one ConfigMap create every 50 ms, ${probeMs.length} writes): p50 ${ms(percentile(probeMs, 50))}, p99 ${ms(percentile(probeMs, 99))}, max ${ms(Math.max(...probeMs))}`,
    `operator RSS (${path.relative(root, main) || main}${opts.nodeOptions ? `, node ${opts.nodeOptions}` : ''}): idle ${mib(idle.rss)}; with ${opts.runs + opts.samples} PipelineRuns (+ their Jobs and Pods in cache) ${mib(loaded.rss)}, peak ${mib(loaded.peak)}`,
    `operator CPU: ${idle.cpuSeconds.toFixed(2)} s to start and sync; ${(loaded.cpuSeconds - idle.cpuSeconds).toFixed(2)} s for the ${opts.runs + opts.samples} runs`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  for (const cleanup of cleanups) await Promise.resolve(cleanup()).catch(() => {});
}
