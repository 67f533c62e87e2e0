// Benchmark of stages 3 `filter` and 4 `merge`: rows/s and peak memory at growing row counts.
//
//   npx tsx bench/filter-merge.ts [--rows 100000,1000000] [--synthetic-share 0.5] [--batches 4] [--keep]
//
// For each row count N it generates N records (real C/Python functions from templates, and
// synthetic variants of them with the usual defects: operator swaps, copies of the origin,
// truncated code, fragments, extra functions) into a temporary local store, then runs filter
// and merge each in a fresh process (peak RSS is per process) through the real stage runtime, and
// tree-sitter alone on what filter parses (the most rows per CPU-second the filter can reach with it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { pino } from 'pino';
import { validateSpec } from '../api/v1alpha1/validate.js';
import type { PipelineRunSpec } from '../api/v1alpha1/spec.js';
import { LocalStore } from '../core/store/local.js';
import { executeStage } from '../core/stage/runtime.js';
import type { StageDefinition } from '../core/stage/definition.js';
import type { Progress } from '../core/stage/progress.js';
import { batchUnit, runPrefix, type RunRef } from '../core/stage/layout.js';
import { filterStage } from '../stage-images/filter/index.js';
import { mergeStage } from '../stage-images/merge/index.js';
import { usableCpus } from '../core/stage/cpus.js';
import { runBenchChild } from './child.js';
import { mib, startMemorySampler } from './memory.js';
import { range, realRecord, syntheticRecord } from '../test/support/data-stage-records.js';

const RUN: RunRef = { namespace: 'bench', name: 'filter-merge', uid: 'bench' };
const log = pino({ level: 'warn' }, pino.destination(2));

interface Sizes { real: number; synthetic: number; batches: number }
const sizesFor = (rows: number, share: number, batches: number): Sizes => {
  const synthetic = Math.round(rows * share);
  // generation.samplesPerBatch is at most 100,000: more batches when needed
  return { real: rows - synthetic, synthetic, batches: Math.max(batches, Math.ceil(synthetic / 100_000)) };
};
const specFor = (s: Sizes): PipelineRunSpec =>
  validateSpec({ generation: { batches: s.batches, samplesPerBatch: Math.max(1, Math.ceil(s.synthetic / s.batches)) } });

async function generate(store: LocalStore, s: Sizes): Promise<void> {
  const spec = specFor(s);
  const publish = (def: Pick<StageDefinition, 'name' | 'run'>, unit?: string) =>
    executeStage({ ...def, description: 'bench data', version: 'bench', reads: () => [], config: () => s }, { run: RUN, spec, store, unit, log });
  await publish({
    name: 'analyze',
    async run(ctx) {
      for (const split of ['train', 'validation', 'test'] as const) {
        const records = (function* () { for (const r of range(0, s.real, realRecord)) if (r.split === split) yield r; })();
        await ctx.outputs.records(`dataset/${split}.jsonl.gz`, records);
      }
      return { headline: 'bench data', counts: {} };
    },
  });
  const perBatch = Math.ceil(s.synthetic / s.batches);
  for (let b = 0; b < s.batches; b++) {
    const unit = batchUnit(b);
    await publish({
      name: 'generate',
      async run(ctx) {
        await ctx.outputs.records(`${unit}.jsonl.gz`, range(b * perBatch, Math.min(s.synthetic, (b + 1) * perBatch), (k) => syntheticRecord(k, s.real)));
        return { headline: 'bench data', counts: {} };
      },
    }, unit);
  }
}

// ---------- one measured stage, in its own process ----------

function stderrProgress(stage: string): Progress {
  let label = '';
  let total: number | undefined;
  let done = 0;
  let last = 0;
  const show = () => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    process.stderr.write(`  ${stage}: ${label} ${done.toLocaleString('en-US')}${total ? `/${total.toLocaleString('en-US')}` : ''}\n`);
  };
  return {
    phase(l, t) { label = l; total = t; done = 0; last = 0; show(); },
    tick(n = 1) { done += n; show(); },
    set(v) { done = v; show(); },
  };
}

interface StageFigures { stage: string; rows: number; seconds: number; rowsPerSecond: number; cpuSeconds: number; peakRssBytes: number; peakHeapUsedBytes: number; startRssBytes: number; headline: string }

async function measure(stageName: 'filter' | 'merge', store: LocalStore, s: Sizes): Promise<StageFigures> {
  const def = stageName === 'filter' ? filterStage : mergeStage;
  const sampler = startMemorySampler();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await executeStage(def, { run: RUN, spec: specFor(s), store, log, force: true, progress: stderrProgress(stageName) });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const memory = sampler.stop();
  // rows read: filter reads the real rows (index) and the synthetic ones; merge reads real + kept synthetic
  const rows = stageName === 'filter' ? s.real + s.synthetic : s.real + (result.manifest.counts.synthetic ?? 0) + (result.manifest.counts.syntheticDropped ?? 0);
  return { stage: stageName, rows, seconds, rowsPerSecond: rows / seconds, cpuSeconds, ...memory, headline: result.manifest.headline };
}

// ---------- the parser's share: the filter's ceiling with this parser ----------

/**
 * CPU seconds of tree-sitter alone on what the filter parses: each synthetic sample once and each
 * Python real function once (its block structure is part of its code hash). Rows per CPU-second
 * of the filter can't exceed rows / this on one thread, whatever the rest costs.
 */
async function parseFloor(s: Sizes): Promise<StageFigures> {
  const { loadCodeParser } = await import('../core/code/parse.js');
  const parser = await loadCodeParser();
  const sampler = startMemorySampler();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let parsed = 0;
  for (const r of range(0, s.real, realRecord)) if (r.lang === 'python') { parser.parse(r.func, r.lang, { structure: true }); parsed++; }
  for (let k = 0; k < s.synthetic; k++) {
    const r = syntheticRecord(k, s.real);
    parser.parse(r.func, r.lang, { structure: r.lang === 'python' });
    parsed++;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rows = s.real + s.synthetic;
  return { stage: 'tree-sitter parse alone (filter\'s ceiling)', rows, seconds, rowsPerSecond: rows / seconds, cpuSeconds, ...sampler.stop(), headline: `${parsed.toLocaleString('en-US')} functions parsed: ${Math.round(parsed / cpuSeconds).toLocaleString('en-US')} per CPU-second` };
}

// ---------- orchestration ----------

const child = (args: string[], env?: NodeJS.ProcessEnv) => runBenchChild(import.meta.url, args, env);

const program = new Command('filter-merge')
  .option('--rows <list>', 'comma-separated row counts (real + synthetic)', '100000,1000000')
  .option('--synthetic-share <x>', 'share of the rows that are synthetic', '0.5')
  .option('--batches <n>', 'generation batches', '4')
  .option('--keep', 'keep the temporary stores')
  .option('--python <path>', 'Python with the peers\' packages (bench/peers/*.py); default: ~/.cache/bugforge/bench-venv/bin/python when it exists, "none" to skip')
  .option('--child <what>', '(internal) generate | filter | merge | parse-floor')
  .option('--dir <path>', '(internal) store directory');
program.parse();
const opts = program.opts<{ rows: string; syntheticShare: string; batches: string; keep?: boolean; child?: string; dir?: string; python?: string }>();

const DEFAULT_PYTHON = join(homedir(), '.cache/bugforge/bench-venv/bin/python');
const python = opts.python === 'none' ? undefined : opts.python ?? (existsSync(DEFAULT_PYTHON) ? DEFAULT_PYTHON : undefined);
const PEERS = fileURLToPath(new URL('./peers/', import.meta.url));

/** A Python peer (bench/peers/<script>) on the same store, after bugforge's stage: its figures, or undefined without Python. */
function peer(script: string, stage: string, dir: string): StageFigures | undefined {
  if (!python) return undefined;
  const r = spawnSync(python, [join(PEERS, script), dir, runPrefix(RUN)], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`  peer ${script} failed (exit ${r.status}): ${r.stderr.slice(-400)}\n`);
    return undefined;
  }
  const p = JSON.parse(r.stdout.trim().split('\n').pop()!) as { peer: string; rows: number; seconds: number; cpuSeconds: number; peakRssBytes: number; kept?: number };
  return { stage: `${stage} (${p.peer})`, rows: p.rows, seconds: p.seconds, rowsPerSecond: p.rows / p.seconds, cpuSeconds: p.cpuSeconds, peakRssBytes: p.peakRssBytes, peakHeapUsedBytes: NaN, startRssBytes: NaN, headline: p.kept !== undefined ? `${p.kept} kept` : '' };
}

if (opts.child) {
  const s = sizesFor(Number(opts.rows), Number(opts.syntheticShare), Number(opts.batches));
  const store = new LocalStore(opts.dir!);
  if (opts.child === 'generate') await generate(store, s);
  else if (opts.child === 'parse-floor') process.stdout.write(JSON.stringify(await parseFloor(s)) + '\n');
  else process.stdout.write(JSON.stringify(await measure(opts.child as 'filter' | 'merge', store, s)) + '\n');
} else {
  const rowCounts = opts.rows.split(',').map((x) => Number(x.trim()));
  if (rowCounts.some((n) => !Number.isInteger(n) || n < 10)) throw new Error(`--rows takes whole numbers ≥ 10, comma-separated (got ${opts.rows})`);
  const results: StageFigures[] = [];
  for (const rows of rowCounts) {
    const dir = await mkdtemp(join(tmpdir(), `bugforge-bench-${rows}-`));
    const common = ['--rows', String(rows), '--synthetic-share', opts.syntheticShare, '--batches', opts.batches, '--dir', dir];
    try {
      process.stderr.write(`${rows.toLocaleString('en-US')} rows: generating data in ${dir}\n`);
      const t0 = performance.now();
      await child([...common, '--child', 'generate']);
      process.stderr.write(`  generated in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      for (const stage of ['filter', 'merge']) {
        // filter twice: on one thread (BUGFORGE_WORKERS=1), then with its worker pool as a stage gets it
        for (const workers of stage === 'filter' ? ['1', undefined] : [undefined]) {
          const figures = JSON.parse(await child([...common, '--child', stage], { BUGFORGE_WORKERS: workers } /* undefined: unset, as a stage gets it */)) as StageFigures;
          if (stage === 'filter') figures.stage = workers ? 'filter (1 thread)' : `filter (${usableCpus()} worker threads)`;
          results.push(figures);
          process.stderr.write(`  ${figures.stage}: ${figures.headline}\n`);
        }
        if (stage === 'filter') {
          const floor = JSON.parse(await child([...common, '--child', 'parse-floor'])) as StageFigures;
          results.push(floor);
          process.stderr.write(`  ${floor.stage}: ${floor.headline}\n`);
        }
        const peerFigures = peer(`${stage}_peer.py`, stage, dir);
        if (peerFigures) {
          results.push(peerFigures);
          process.stderr.write(`  ${peerFigures.stage}: ${peerFigures.headline}\n`);
        }
      }
    } finally {
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    }
  }
  if (!python) console.log('\n(no Python peers: create ~/.cache/bugforge/bench-venv with tree-sitter tree-sitter-c tree-sitter-python datasketch pandas scikit-learn, or pass --python)');
  const width = Math.max(...results.map((r) => r.stage.length));
  console.log(`\n${'stage'.padEnd(width)} rows read   wall s   rows/s   CPU s   rows/CPU-s   peak RSS   peak heapUsed   (RSS at start)`);
  for (const r of results) {
    console.log(`${r.stage.padEnd(width)} ${r.rows.toLocaleString('en-US').padStart(10)} ${r.seconds.toFixed(1).padStart(8)} ${Math.round(r.rowsPerSecond).toLocaleString('en-US').padStart(8)} ${r.cpuSeconds.toFixed(1).padStart(7)} ${Math.round(r.rows / r.cpuSeconds).toLocaleString('en-US').padStart(12)} ${mib(r.peakRssBytes).padStart(10)} ${(Number.isNaN(r.peakHeapUsedBytes) ? '–' : mib(r.peakHeapUsedBytes)).padStart(15)}   (${Number.isNaN(r.startRssBytes) ? '–' : mib(r.startRssBytes)})`);
  }
}
