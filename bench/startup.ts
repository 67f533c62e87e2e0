// Stage start-up and the local quickstart (issue 13): CPU seconds and wall time of the compiled
// CLI (dist/, as the image runs it), from /usr/bin/time (children included). Prints figures,
// asserts nothing. Needs `npm run build` first.
//
//   npx tsx bench/startup.ts [--dist dist] [--repeat 3]
//
// 1. `node -e 0` (the floor) and `bugforge --version`;
// 2. `bugforge stage <name>` for each data stage on a store where it is already up to date: the
//    process's whole cost before it would read its first row (imports, run file, store, digest);
// 3. `bugforge run --local -f manifests/examples/quickstart.yaml` into a fresh store, then again
//    (everything up to date).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { loadPipelineRunFile } from '../core/pipeline-run-file.js';

const program = new Command('startup').option('--dist <dir>', 'compiled CLI folder', 'dist').option('--repeat <n>', 'runs per figure (median shown)', '3');
program.parse();
const opts = program.opts<{ dist: string; repeat: string }>();
const main = resolve(opts.dist, 'cli/main.js');
const repeat = Number(opts.repeat);

interface Timed { wall: number; cpu: number }
function timed(args: string[], env: NodeJS.ProcessEnv = {}): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...args], { encoding: 'utf8', env: { ...process.env, ...env, BUGFORGE_LOG_FORMAT: 'json' } });
  const [wall, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr.slice(-500)}`);
  return { wall, cpu: user + sys };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function report(label: string, runs: Timed[]) {
  console.log(`${label.padEnd(58)} ${median(runs.map((r) => r.cpu)).toFixed(2).padStart(6)} CPU-s ${median(runs.map((r) => r.wall)).toFixed(2).padStart(7)} s wall`);
}
const times = (n: number, f: () => Timed) => Array.from({ length: n }, f);

const work = await mkdtemp(join(tmpdir(), 'bugforge-startup-'));
try {
  const quickstart = resolve('manifests/examples/quickstart.yaml');
  const store = join(work, 'store');
  console.log(`# bench/startup.ts — Node ${process.version}, ${opts.dist}, median of ${repeat}`);
  report('node -e 0', times(repeat, () => timed([process.execPath, '-e', '0'])));
  report('bugforge --version', times(repeat, () => timed([process.execPath, main, '--version'])));
  const first = timed([process.execPath, main, 'run', '--local', '-f', quickstart, '--store', store, '--no-progress']);
  report('quickstart, run --local into a fresh store', [first]);
  report('quickstart again (every stage up to date)', times(repeat, () => timed([process.execPath, main, 'run', '--local', '-f', quickstart, '--store', store, '--no-progress'])));
  const runFile = join(work, 'run.json');
  await writeFile(runFile, JSON.stringify(await loadPipelineRunFile(quickstart)));
  for (const [stage, extra] of [['analyze', []], ['generate', ['--batch', '0']], ['filter', []], ['merge', []], ['train', []], ['evaluate', []]] as const) {
    report(`bugforge stage ${stage} (up to date: start-up + digest check)`, times(repeat, () => timed([process.execPath, main, 'stage', stage, '-f', runFile, '--store', store, ...extra])));
  }
  console.log(execFileSync(process.execPath, ['-e', 'console.log(require("os").loadavg().map(x=>x.toFixed(1)).join(" "))'], { encoding: 'utf8' }).trim().replace(/^/, 'load average: '));
} finally {
  await rm(work, { recursive: true, force: true });
}
