// Benchmark of stages 5 and 6, `train` and `evaluate`, on TF-IDF features at CodeXGLUE size:
// wall time, CPU seconds and peak memory of each stage, each in a fresh process through the real
// stage runtime (so peak RSS is the stage's own).
//
//   npx tsx bench/train-evaluate.ts [--rows 25000] [--head logreg|mlp] [--keep]
//
// The merge stage's outputs are written directly: N functions split 80/10/10, made from the C
// templates of bench/fixtures/c-templates.ts with fresh names, as clean/buggy twins sharing a
// commit_id (so evaluate scores pairs), plus one synthetic sample per ten train rows (so train
// also fits the real-only detector). The detector, its real-only twin and the tfidf-logreg baseline
// are all trained; evaluate runs 1,000 bootstrap resamples.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { validateSpec } from '../api/v1alpha1/validate.js';
import { mulberry32 } from '../core/random.js';
import type { BugRecord, SplitName } from '../core/records/record.js';
import type { StageDefinition } from '../core/stage/definition.js';
import { executeStage } from '../core/stage/runtime.js';
import { LocalStore } from '../core/store/local.js';
import { evaluateStage } from '../stage-images/evaluate/index.js';
import { trainStage } from '../stage-images/train/index.js';
import { C_TEMPLATES, expandTemplate } from './fixtures/c-templates.js';
import { runBenchChild } from './child.js';
import { mib, startMemorySampler } from './memory.js';

const WORDS = ['buf', 'len', 'ctx', 'frame', 'pkt', 'data', 'size', 'count', 'state', 'coef', 'ref', 'mode', 'index', 'flags', 'level', 'slice', 'block', 'queue', 'node', 'width'];
const RUN = { namespace: 'bench', name: 'train-evaluate', uid: 'bench' };
const specFor = (head: 'logreg' | 'mlp') => validateSpec({ dataset: { source: 'demo' }, training: { features: 'tfidf', head, hiddenSize: 64 }, evaluation: { baselines: ['majority', 'tfidf-logreg'] } });

/** Twins from the templates (renamed per pair), split by pair 80/10/10, plus synthetic train samples. */
function splits(n: number): Record<SplitName, BugRecord[]> {
  const rand = mulberry32(1);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)];
  const out: Record<SplitName, BugRecord[]> = { train: [], validation: [], test: [] };
  const C = C_TEMPLATES.filter((t) => t.lang === 'c');
  for (let k = 0; k < n / 2; k++) {
    const split: SplitName = k % 10 === 8 ? 'validation' : k % 10 === 9 ? 'test' : 'train';
    const t = C[Math.floor(rand() * C.length)];
    const vars = { p: `${word()}${k}`, ctx: `${word()[0].toUpperCase()}${word()}Ctx`, buf: word(), len: `${word()}_len`, u8: rand() < 0.5 ? 'uint8_t' : 'unsigned char' };
    const commit = `bench-${k}`;
    for (const label of [0, 1] as const) {
      out[split].push({ id: `b-${split}-${2 * k + label}`, func: expandTemplate(t.code, label === 1, vars), label, lang: 'c', source: 'bench', project: 'bench', commit_id: commit, ...(label ? { bug_type: t.bugType } : {}), split });
    }
    if (split === 'train' && k % 5 === 0) {
      const other = { ...vars, p: `${word()}${k}x` };
      out.train.push({ id: `s-${k}`, func: expandTemplate(t.code, true, other), label: 1, lang: 'c', source: 'synthetic', origin_id: `b-train-${2 * k}`, bug_type: t.bugType, split });
    }
  }
  return out;
}

const mergeStandIn = (data: Record<SplitName, BugRecord[]>): StageDefinition => ({
  name: 'merge', description: 'bench stand-in for merge', version: 'bench', reads: () => [], config: () => ({ rows: data.train.length }),
  async run(ctx) {
    await ctx.outputs.records('final_train.jsonl.gz', data.train);
    await ctx.outputs.records('final_val.jsonl.gz', data.validation);
    await ctx.outputs.records('final_test.jsonl.gz', data.test);
    return { headline: 'merged', counts: {} };
  },
});

/** In the child: run one stage and print its figures as JSON. */
async function measure(stage: 'merge' | 'train' | 'evaluate', storeDir: string, rows: number, head: 'logreg' | 'mlp'): Promise<void> {
  const def = stage === 'merge' ? mergeStandIn(splits(rows)) : stage === 'train' ? trainStage : evaluateStage;
  const memory = startMemorySampler();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await executeStage(def, { run: RUN, spec: specFor(head), store: new LocalStore(storeDir), log: pino({ level: 'warn' }, pino.destination(2)) });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({ wallS, cpuS: (cpu.user + cpu.system) / 1e6, ...memory.stop(), headline: result.manifest.headline }) + '\n');
}

const child = (args: string[]) => runBenchChild(import.meta.url, args);

const program = new Command('bench-train-evaluate')
  .option('--rows <n>', 'functions in all (train/validation/test 80/10/10, as twins)', '25000')
  .option('--head <head>', 'logreg or mlp', 'logreg')
  .option('--keep', 'keep the temporary store')
  .option('--child <args...>', '(internal) measure: <stage> <store dir>')
  .parse();
const opts = program.opts<{ rows: string; head: 'logreg' | 'mlp'; keep?: boolean; child?: string[] }>();

if (opts.child) {
  await measure(opts.child[0] as 'merge' | 'train' | 'evaluate', opts.child[1], Number(opts.rows), opts.head);
} else {
  const dir = await mkdtemp(join(tmpdir(), 'bugforge-bench-train-'));
  try {
    const lines = ['| stage | head | rows | wall s | CPU s | peak RSS | peak heapUsed |', '|---|---|---:|---:|---:|---:|---:|'];
    for (const stage of ['merge', 'train', 'evaluate'] as const) {
      process.stderr.write(`${stage} on ${Number(opts.rows).toLocaleString('en-US')} rows …\n`);
      const m = JSON.parse(await child(['--child', stage, dir, '--rows', opts.rows, '--head', opts.head])) as { wallS: number; cpuS: number; peakRssBytes: number; peakHeapUsedBytes: number; headline: string };
      if (stage === 'merge') continue;
      lines.push(`| ${stage} | ${opts.head} | ${Number(opts.rows).toLocaleString('en-US')} | ${m.wallS.toFixed(1)} | ${m.cpuS.toFixed(1)} | ${mib(m.peakRssBytes)} | ${mib(m.peakHeapUsedBytes)} |`);
      process.stderr.write(`${lines.at(-1)}\n  ${m.headline}\n`);
    }
    console.log(lines.join('\n'));
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
