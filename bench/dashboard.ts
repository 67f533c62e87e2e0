// Benchmark of the dashboard against the test control plane (etcd, kube-apiserver, …; no
// kubelet and no operator: the runs' statuses are written here, so only the dashboard's work is
// measured), in Debian's Chromium through playwright-core:
//   - the runs list with N runs (default 1,000): page load → the list rendered (its rows in view: the
//     table is windowed), repeated; and a scroll to its end → the last run's row rendered;
//   - a status change reaching an open page: status patch sent → the graph node (run page) and the
//     row (runs list) show it, through the informer's watch and the page's server-sent events.
// Figures printed (median, min–max over the samples), never asserted; plus the dashboard's CPU time.
//
//   npx tsx bench/dashboard.ts [--runs 1000] [--samples 5] [--changes 10]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { pino } from 'pino';
import { chromium } from 'playwright-core';
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/resource.js';
import { ClusterSource } from '../operator/dashboard/cluster-source.js';
import { startDashboard } from '../operator/dashboard/server.js';
import { buildControlPlane, startControlPlane } from '../test/support/controlplane.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = new Command('bench/dashboard.ts')
  .option('--runs <n>', 'PipelineRuns in the list', (v) => Number(v), 1000)
  .option('--samples <n>', 'page loads of the runs list', (v) => Number(v), 5)
  .option('--changes <n>', 'status changes timed on each open page', (v) => Number(v), 10)
  .parse().opts<{ runs: number; samples: number; changes: number }>();

const NS = 'bench';
const STAGES = ['analyze', 'generate', 'filter', 'merge', 'train', 'evaluate'];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const figure = (v: number[]) => `median ${median(v).toFixed(0)} ms (min ${Math.min(...v).toFixed(0)}, max ${Math.max(...v).toFixed(0)}, n=${v.length})`;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A status as the operator writes it: `done` stages Succeeded, the next one Running. */
function status(done: number, now: string) {
  const stages = STAGES.map((name, i) => ({
    name, phase: i < done ? 'Succeeded' : i === done ? 'Running' : 'Pending',
    ...(i <= done ? { startTime: now } : {}), ...(i < done ? { completionTime: now, message: `${name} done`, summary: { headline: `${name} done`, counts: { rows: 100 * (i + 1) } } } : {}),
  }));
  const finished = done >= STAGES.length;
  return {
    phase: finished ? 'Succeeded' : 'Running', currentStage: STAGES[Math.min(done, STAGES.length - 1)], progress: `${Math.min(done, 6)}/6`, startTime: now,
    ...(finished ? { completionTime: now, results: { f1: 0.61, accuracy: 0.64 } } : {}),
    conditions: [{ type: 'Succeeded', status: finished ? 'True' : 'Unknown', reason: finished ? 'Succeeded' : 'Running', message: finished ? 'done' : `${STAGES[done]} running`, lastTransitionTime: now }],
    stages,
  };
}

process.stderr.write('starting the test control plane…\n');
buildControlPlane({ quiet: true });
const cp = await startControlPlane({});
const cleanups: (() => Promise<unknown> | unknown)[] = [() => cp.stop()];
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath };
  const applied = spawnSync('kubectl', ['apply', '--server-side', '-f', path.join(root, 'crds/bugforge.dev_pipelineruns.yaml')], { env, encoding: 'utf8' });
  if (applied.status !== 0) throw new Error(`kubectl apply of the CRD failed: ${applied.stderr}`);
  spawnSync('kubectl', ['wait', '--for=condition=Established', `crd/${PLURAL}.${GROUP}`, '--timeout=60s'], { env });
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  const custom = kc.makeApiClient(CustomObjectsApi);

  process.stderr.write(`creating ${opts.runs} PipelineRuns with statuses…\n`);
  const limit = pLimit(16);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await Promise.all(Array.from({ length: opts.runs }, (_, i) => limit(async () => {
    const name = `run-${String(i).padStart(4, '0')}`;
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PipelineRun', metadata: { name }, spec: { dataset: { source: 'demo' } } } });
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name, body: { status: status(i % 7, now) } }, mergePatch);
  })));

  const log = pino({ level: 'warn' }, pino.destination(2));
  const source = new ClusterSource({ kubeConfig: kc, namespace: NS, log });
  const cpu0 = process.cpuUsage();
  await source.start();
  const dashboard = await startDashboard({ source, port: 0, host: '127.0.0.1', log });
  cleanups.unshift(() => source.stop(), () => dashboard.close());
  const base = `http://127.0.0.1:${dashboard.port}`;
  process.stderr.write(`informers synced: ${source.listRuns().length} runs; dashboard on ${base}\n`);

  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  cleanups.unshift(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

  // 1. The runs list: navigation start → all rows in the DOM (the page marks body[data-runs-rendered]).
  const api: number[] = [];
  for (let i = 0; i < opts.samples; i++) {
    const t = performance.now();
    const res = await fetch(`${base}/api/runs?namespace=${NS}`);
    await res.arrayBuffer();
    api.push(performance.now() - t);
  }
  const loads: number[] = [];
  const inPage: number[] = [];
  const scrolls: number[] = [];
  const sorted = await (await fetch(`${base}/api/runs?namespace=${NS}`)).json() as { name: string }[];
  const last = sorted.at(-1)!.name; // the list's order: newest first
  for (let i = 0; i < opts.samples; i++) {
    await page.goto('about:blank');
    const t = performance.now();
    await page.goto(`${base}/?namespace=${NS}`);
    await page.waitForSelector(`body[data-runs-rendered="${opts.runs}"]`, { timeout: 60_000 });
    loads.push(performance.now() - t);
    // The page's own marks: its runs fetched → rendered (script and layout, no network).
    // (a string: tsx would wrap a function's inner helpers in __name, which the page lacks)
    inPage.push(await page.evaluate("performance.getEntriesByName('bugforge:runs-rendered')[0].startTime - performance.getEntriesByName('bugforge:runs-fetched')[0].startTime") as number);
    const s = performance.now();
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await page.waitForSelector(`tr[data-run="${NS}/${last}"]`, { timeout: 10_000 });
    scrolls.push(performance.now() - s);
  }
  const rows = await page.locator('table.runs-table tbody tr:not(.spacer)').count();

  // 2. A status change reaching an open page: patch sent → the change visible.
  const setDone = (name: string, done: number) => custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name, body: { status: status(done, now) } }, mergePatch);
  const changeOn = async (url: string, name: string, selector: (done: number) => string): Promise<number[]> => {
    await setDone(name, 0);
    await page.goto(url);
    await page.waitForSelector(selector(0));
    const times: number[] = [];
    for (let k = 1; k <= opts.changes; k++) {
      const done = k % 2; // alternate: analyze Succeeded (1 done) / analyze Running (0 done)
      const t = performance.now();
      await setDone(name, done);
      await page.waitForSelector(selector(done), { timeout: 10_000, state: 'attached' });
      times.push(performance.now() - t);
    }
    return times;
  };
  const runPage = await changeOn(`${base}/runs/${NS}/run-0000`, 'run-0000', (done) => `[data-node="analyze"][data-state="${done ? 'Succeeded' : 'Running'}"]`);
  const top = sorted[0].name; // the runs list shows its first rows
  const listPage = await changeOn(`${base}/?namespace=${NS}`, top, (done) => `tr[data-run="${NS}/${top}"] td:nth-child(6):text-is("${done}/6")`);
  const cpu = process.cpuUsage(cpu0);

  console.log(`dashboard bench (${opts.runs} PipelineRuns, test control plane, Chromium ${browser.version()}; this machine is shared, wall times are noisy)`);
  console.log(`  GET /api/runs (${opts.runs} runs, JSON):                ${figure(api)}`);
  console.log(`  runs list, page load → list of ${opts.runs} rendered:  ${figure(loads)} (${rows} rows in view in the DOM)`);
  console.log(`    of which runs fetched → rendered, in the page:  ${figure(inPage)}`);
  console.log(`  runs list, scroll to the end → last row rendered:  ${figure(scrolls)}`);
  console.log(`  status patch → run page graph node updated:        ${figure(runPage)}`);
  console.log(`  status patch → runs list row updated:              ${figure(listPage)}`);
  console.log(`  this process (informers, server, client) CPU:      ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  for (const c of cleanups) await Promise.resolve(c()).catch(() => undefined);
}
