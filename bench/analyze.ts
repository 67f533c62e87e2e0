// Benchmark of stage 1 `analyze`: rows/s and peak memory at growing row counts.
//
//   npx tsx bench/analyze.ts [--rows 100000,1000000] [--format jsonl|parquet] [--keep]
//
// For each row count N it writes a CodeXGLUE-shaped data set (train/valid/test, 80/10/10; C
// functions from C templates (bench/fixtures/c-templates.ts) with fresh random names, so nearly all are distinct;
// 1% malformed rows) into a temporary directory, then runs analyze on it (dataset.source uri)
// in a fresh process through the real stage runtime, and prints wall time, rows/s, CPU seconds,
// peak RSS and peak V8 heapUsed. Memory should not grow with N beyond the small per-distinct-
// function entry that exact duplicate detection needs.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { pino } from 'pino';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { writeFile } from 'node:fs/promises';
import { validateSpec } from '../api/v1alpha1/validate.js';
import { executeStage } from '../core/stage/runtime.js';
import { LocalStore } from '../core/store/local.js';
import { analyzeStage } from '../stage-images/analyze/index.js';
import { C_TEMPLATES, expandTemplate } from './fixtures/c-templates.js';
import { runBenchChild } from './child.js';
import { mib, startMemorySampler } from './memory.js';
import { mulberry32 as random } from '../core/random.js';

const WORDS = ['buf', 'len', 'ctx', 'frame', 'pkt', 'data', 'size', 'count', 'state', 'coef', 'ref', 'mode', 'index', 'flags', 'level', 'slice', 'block', 'queue', 'node', 'width'];


interface Row { idx: number; func: string | null; target: number; project: string; commit_id: string }

function* rows(n: number, seed = 1): Generator<Row> {
  const rand = random(seed);
  const word = () => WORDS[Math.floor(rand() * WORDS.length)];
  for (let idx = 0; idx < n; idx++) {
    const t = C_TEMPLATES[Math.floor(rand() * C_TEMPLATES.length)];
    const vars = { p: `${word()}${idx}`, ctx: `${word()[0].toUpperCase()}${word()}Ctx`, buf: word(), len: `${word()}_len`, u8: 'uint8_t' };
    const target = rand() < 0.46 ? 1 : 0;
    const malformed = rand() < 0.01;
    yield { idx, func: malformed ? null : expandTemplate(t.code, target === 1, vars), target, project: rand() < 0.55 ? 'FFmpeg' : 'qemu', commit_id: `c${idx}` };
  }
}

const splitOf = (idx: number): 'train' | 'valid' | 'test' => (idx % 10 === 8 ? 'valid' : idx % 10 === 9 ? 'test' : 'train');

async function writeDataset(dir: string, n: number, format: 'jsonl' | 'parquet'): Promise<void> {
  if (format === 'jsonl') {
    const out = Object.fromEntries((['train', 'valid', 'test'] as const).map((s) => [s, createWriteStream(join(dir, `${s}.jsonl`))]));
    for (const r of rows(n)) if (!out[splitOf(r.idx)].write(JSON.stringify(r) + '\n')) await once(out[splitOf(r.idx)], 'drain');
    await Promise.all(Object.values(out).map((s) => new Promise((r) => s.end(r))));
    return;
  }
  // parquet in the hub's schema, row groups of 10,000 (written in memory: keep N moderate)
  const bySplit: Record<string, Row[]> = { train: [], valid: [], test: [] };
  for (const r of rows(n)) bySplit[splitOf(r.idx)].push(r);
  for (const [split, rs] of Object.entries(bySplit)) {
    const buffer = parquetWriteBuffer({
      rowGroupSize: 10_000,
      columnData: [
        { name: 'id', type: 'INT32', data: rs.map((r) => r.idx) },
        { name: 'func', type: 'STRING', nullable: true, data: rs.map((r) => r.func) },
        { name: 'target', type: 'BOOLEAN', data: rs.map((r) => r.target === 1) },
        { name: 'project', type: 'STRING', data: rs.map((r) => r.project) },
        { name: 'commit_id', type: 'STRING', data: rs.map((r) => r.commit_id) },
      ],
    });
    await writeFile(join(dir, `${split}.parquet`), Buffer.from(buffer));
  }
}

/** In the child: run analyze once and print the figures as JSON. */
async function measure(dataDir: string, storeDir: string): Promise<void> {
  const memory = startMemorySampler();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await executeStage(analyzeStage, {
    run: { namespace: 'bench', name: 'analyze', uid: 'bench' },
    spec: validateSpec({ dataset: { source: 'uri', uri: dataDir } }),
    store: new LocalStore(storeDir),
    log: pino({ level: 'warn' }, pino.destination(2)),
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peak = memory.stop();
  process.stdout.write(JSON.stringify({ wallS, cpuS: (cpu.user + cpu.system) / 1e6, ...peak, counts: result.manifest.counts }) + '\n');
}

const child = (args: string[]) => runBenchChild(import.meta.url, args);

const program = new Command('bench-analyze')
  .option('--rows <list>', 'row counts, comma-separated', '100000,1000000')
  .option('--format <format>', 'jsonl or parquet', 'jsonl')
  .option('--keep', 'keep the temporary directory')
  .option('--child <dirs...>', '(internal) measure: <data dir> <store dir>')
  .parse();
const opts = program.opts<{ rows: string; format: 'jsonl' | 'parquet'; keep?: boolean; child?: string[] }>();

if (opts.child) {
  await measure(opts.child[0], opts.child[1]);
} else {
  const lines = ['| format | rows | wall s | rows/s | CPU s | rows per CPU-s | peak RSS | peak heapUsed |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const n of opts.rows.split(',').map(Number)) {
    const dir = await mkdtemp(join(tmpdir(), 'bugforge-bench-analyze-'));
    try {
      const data = join(dir, 'data');
      await import('node:fs/promises').then((fs) => fs.mkdir(data));
      process.stderr.write(`writing ${n.toLocaleString('en-US')} rows (${opts.format}) …\n`);
      await writeDataset(data, n, opts.format);
      process.stderr.write(`analyze on ${n.toLocaleString('en-US')} rows …\n`);
      const m = JSON.parse(await child(['--child', data, join(dir, 'store')])) as { wallS: number; cpuS: number; peakRssBytes: number; peakHeapUsedBytes: number; counts: Record<string, number> };
      const read = m.counts.functions + m.counts.malformed;
      lines.push(`| ${opts.format} | ${read.toLocaleString('en-US')} | ${m.wallS.toFixed(1)} | ${Math.round(read / m.wallS).toLocaleString('en-US')} | ${m.cpuS.toFixed(1)} | ${Math.round(read / m.cpuS).toLocaleString('en-US')} | ${mib(m.peakRssBytes)} | ${mib(m.peakHeapUsedBytes)} |`);
      process.stderr.write(`${lines.at(-1)}\n`);
    } finally {
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    }
  }
  console.log(lines.join('\n'));
}
