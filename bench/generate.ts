// Generation throughput (issue 3): prints figures, asserts nothing.
//   npx tsx bench/generate.ts [--samples 3000] [--concurrency 1,8,32] [--latency 50] [--pool 200000]
// 1. mutation provider, in this process (one core: JS is single-threaded): samples/s, per-sample
//    latency percentiles, CPU seconds, peak RSS / heap;
// 2. the whole `generate` stage for one batch over a pool of --pool clean rows in a fresh process
//    (streams the pool twice; shows memory stays bounded by the batch, not the pool);
// 3. openai provider against test/support/openai-server.ts in a separate process with --latency ms
//    per answer, at each concurrency: requests/s (ideal: concurrency / latency) and latency p50/p95/p99.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { pino } from 'pino';
import { BUG_TYPES } from '../api/v1alpha1/names.js';
import { validateSpec } from '../api/v1alpha1/validate.js';
import type { BugRecord } from '../core/records/record.js';
import { LocalStore } from '../core/store/local.js';
import { executeStage } from '../core/stage/runtime.js';
import type { StageDefinition } from '../core/stage/definition.js';
import { silentProgress } from '../core/stage/progress.js';
import { createMutationProvider } from '../stage-images/generate/mutation/provider.js';
import { createOpenAIProvider } from '../stage-images/generate/openai/provider.js';
import { generateStage } from '../stage-images/generate/index.js';
import { mapOrdered } from '../stage-images/generate/ordered.js';
import type { Provider, SampleTask } from '../stage-images/generate/sample.js';
import { startOpenAIServer } from '../test/support/openai-server.js';
import { realRecord } from '../test/support/data-stage-records.js';
import { mib, startMemorySampler } from './memory.js';

const log = pino({ level: 'silent' });
const HERE = fileURLToPath(new URL('.', import.meta.url));

async function cleanDemoFunctions(): Promise<BugRecord[]> {
  const text = await readFile(join(HERE, '../demo/train.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((r) => Number(r.target ?? r.label) === 0)
    .map((r, i) => ({ id: `demo-${i}`, func: r.func, label: 0, lang: r.lang ?? 'c', source: 'demo', project: r.project }));
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const pct = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms`;
};

async function timed(provider: Provider, tasks: SampleTask[]) {
  const latencies: number[] = [];
  let produced = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const results = mapOrdered(tasks, provider.concurrency, async (t) => {
    const t0 = performance.now();
    const r = await provider.generate(t);
    latencies.push(performance.now() - t0);
    return r;
  });
  for await (const r of results) if (r.ok) produced++;
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, produced, latencies, cpuSeconds: (used.user + used.system) / 1e6 };
}

const tasksFrom = (pool: BugRecord[], n: number): SampleTask[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, cycle: Math.floor(i / pool.length), origin: pool[i % pool.length], bugTypes: [...BUG_TYPES.slice(i % BUG_TYPES.length), ...BUG_TYPES.slice(0, i % BUG_TYPES.length)] }));

/** Distinct clean template functions (test/support/data-stage-records.ts): each origin used once, as in a batch over a big pool. */
const distinctFunctions = (n: number): BugRecord[] => Array.from({ length: n }, (_, i) => ({ ...realRecord(1_000_000 + i), label: 0 }));

async function benchMutation(samples: number) {
  const provider = await createMutationProvider(42);
  const pools: [string, BugRecord[]][] = [
    [`each origin once: ${samples} distinct template functions`, distinctFunctions(samples)],
    ['a small pool cycled: the clean demo functions', await cleanDemoFunctions()],
  ];
  await timed(provider, tasksFrom(distinctFunctions(200), 200)); // warm-up (WASM, JIT)
  for (const [what, pool] of pools) {
    const memory = startMemorySampler();
    const r = await timed(provider, tasksFrom(pool, samples));
    const peak = memory.stop();
    console.log(`\n## mutation provider, ${what} (${pool.length} origins, ${samples} samples, one core)`);
    console.log(`  ${(samples / r.seconds).toFixed(0)} samples/s (${(samples / r.cpuSeconds).toFixed(0)} per CPU-second), ${r.produced} produced`);
    console.log(`  per sample: ${pct(r.latencies)}`);
    console.log(`  peak RSS ${mib(peak.peakRssBytes)}, peak heapUsed ${mib(peak.peakHeapUsedBytes)}`);
  }
}

/** Child: one generate batch over a pool of `poolRows` clean rows; prints JSON figures. */
async function childStage(poolRows: number, samplesPerBatch: number) {
  const demo = await cleanDemoFunctions();
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-bench-generate-'));
  try {
    const store = new LocalStore(dir);
    const run = { namespace: 'bench', name: 'generate', uid: 'u1' };
    const spec = validateSpec({ generation: { batches: 4, samplesPerBatch } });
    const rows = function* () {
      for (let i = 0; i < poolRows; i++) yield { ...demo[i % demo.length], id: `pool-${i}` };
    };
    const analyze: StageDefinition = {
      name: 'analyze', description: 'bench pool', version: 'bench', reads: () => [], config: () => ({ poolRows }),
      async run(ctx) {
        await ctx.outputs.records('dataset/train.jsonl.gz', rows());
        for (const split of ['validation', 'test']) await ctx.outputs.records(`dataset/${split}.jsonl.gz`, []); // as analyze publishes
        return { headline: 'bench', counts: {} };
      },
    };
    await executeStage(analyze, { run, spec, store, log, progress: silentProgress });
    const memory = startMemorySampler();
    const start = performance.now();
    const result = await executeStage(generateStage, { run, spec, store, unit: 'batch-0002', log, progress: silentProgress });
    const seconds = (performance.now() - start) / 1000;
    const peak = memory.stop();
    console.log(JSON.stringify({ seconds, counts: result.manifest.counts, peakRss: peak.peakRssBytes, peakHeap: peak.peakHeapUsedBytes }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench child exited ${code}`))));
  });
}

async function benchStage(poolRows: number) {
  const samples = 1000;
  const out = await runChild(['--child-stage', String(poolRows), '--child-samples', String(samples)]);
  const r = JSON.parse(out.trim().split('\n').pop()!);
  console.log(`\n## generate stage, one batch of ${samples} over a pool of ${poolRows.toLocaleString('en-US')} clean rows (fresh process)`);
  console.log(`  ${r.seconds.toFixed(1)} s (reads the pool twice — with from: train, all of analyze's rows, placing them as merge will — then mutates), ${r.counts.produced} produced, ${r.counts.failed} failed`);
  console.log(`  peak RSS ${mib(r.peakRss)}, peak heapUsed ${mib(r.peakHeap)}`);
}

async function benchOpenAI(latencyMs: number, concurrencies: number[]) {
  // The server runs in its own process so it does not compete with the client's event loop.
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child-serve', String(latencyMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseURL = await new Promise<string>((resolve) => child.stdout.on('data', (d) => { const m = /(http:\/\/\S+)/.exec(String(d)); if (m) resolve(m[1]); }));
  const pool = (await cleanDemoFunctions()).filter((r) => r.lang === 'c');
  console.log(`\n## openai provider against the local server (${latencyMs} ms per answer, separate process)`);
  console.log('| concurrency | requests | req/s | ideal req/s | latency p50 / p95 / p99 | client CPU ms / request |');
  console.log('|---:|---:|---:|---:|---|---:|');
  try {
    for (const c of concurrencies) {
      const dir = await mkdtemp(join(tmpdir(), 'bugforge-bench-llm-'));
      const n = Math.max(100, c * 25);
      const provider = await createOpenAIProvider({
        config: { baseURL, model: 'bench', maxConcurrency: c, temperature: 0.7, maxTokens: 512, timeoutSeconds: 30, maxRetries: 2, jsonMode: 'auto', budget: { maxRequests: 0, maxTokens: 0 } },
        apiKey: 'bench', store: new LocalStore(dir), log,
      });
      await timed(provider, tasksFrom(pool, Math.min(2 * c, 20)).map((t) => ({ ...t, cycle: 1000 + t.index }))); // warm-up (connections)
      const r = await timed(provider, tasksFrom(pool, n));
      const s = [...r.latencies].sort((a, b) => a - b);
      console.log(`| ${c} | ${n} | ${(n / r.seconds).toFixed(0)} | ${((c * 1000) / latencyMs).toFixed(0)} | ${percentile(s, 50).toFixed(0)} / ${percentile(s, 95).toFixed(0)} / ${percentile(s, 99).toFixed(0)} ms | ${((r.cpuSeconds * 1000) / n).toFixed(1)} |`);
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    child.kill('SIGTERM');
  }
}

const program = new Command()
  .option('--samples <n>', 'mutation samples', '3000')
  .option('--concurrency <list>', 'openai concurrencies', '1,8,32')
  .option('--latency <ms>', 'server latency per answer', '50')
  .option('--pool <rows>', 'clean rows in the pool for the stage run (0: skip)', '200000')
  .option('--only <part>', 'mutation | stage | openai')
  .option('--child-serve <latency>')
  .option('--child-stage <rows>')
  .option('--child-samples <n>', '', '1000')
  .parse();
const o = program.opts();

if (o.childServe) {
  const server = await startOpenAIServer({ latencyMs: Number(o.childServe) });
  console.log(server.baseURL);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
} else if (o.childStage) {
  await childStage(Number(o.childStage), Number(o.childSamples));
} else {
  console.log(`# bench/generate.ts — Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
  if (!o.only || o.only === 'mutation') await benchMutation(Number(o.samples));
  if ((!o.only || o.only === 'stage') && Number(o.pool) > 0) await benchStage(Number(o.pool));
  if (!o.only || o.only === 'openai') await benchOpenAI(Number(o.latency), String(o.concurrency).split(',').map(Number));
}
